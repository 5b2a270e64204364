"""The API's routes, registered on the app from a table (route_table.py) without importing their
handlers: a route's handler module, with the services, repositories and models it uses, is imported on
the route's first request. A cold start then loads what its first route needs, not the whole API (the
import is about a third of the API's code; docs/performance.md, "Cold start").

route_table.py is written by ``python -m devtools.route_table`` from the routes the handlers declare
(``endpoint``), and tests/unit/test_route_table.py fails when it is not current. What reads every route
(the OpenAPI document, the packaged template, the tests) calls ``load_all`` first.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from chalice.app import Chalice, Request, Response

from chalicelib.domain.errors import DossierError
from chalicelib.handlers.http.answers import problem
from chalicelib.handlers.http.route_table import TABLE

if TYPE_CHECKING:
    from chalicelib.handlers.http.endpoint import RouteDoc

log = logging.getLogger("dossier")

PACKAGE: Final = "chalicelib.handlers"  # the handler modules: one per resource
# The package's modules that declare no route: the wiring itself and the other functions' entry points.
NOT_ROUTES: Final = frozenset({"functions", "streams", "inbound_mail", "http"})


def register(app: Chalice) -> None:
    """Every route of the table on ``app``, each calling its handler's view once its module is imported."""
    for method, path, module, content_types in TABLE:
        route_id = f"{method} {path}"
        app.route(path, methods=[method], content_types=list(content_types), name=_view_name(route_id))(
            _lazy_view(app, route_id, module)
        )


def _view_name(route_id: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", route_id).strip("_").lower()


def _lazy_view(app: Chalice, route_id: str, module: str) -> Callable[..., Response]:
    found: list[Callable[[Request, dict[str, str]], Response]] = []  # the view, once imported

    def view(**params: str) -> Response:
        if not found:
            try:
                importlib.import_module(f"{PACKAGE}.{module}")  # declares the module's views
                from chalicelib.handlers.http.endpoint import VIEWS

                found.append(VIEWS[route_id])
            except Exception:
                # A handler that cannot be imported (a broken deployment) answers like any unexpected
                # error: problem+json, logged; the next request tries the import again.
                log.exception("the handler of %s could not be imported", route_id)
                return problem(DossierError("An unexpected error occurred; it has been logged."))
        request = app.current_request
        assert request is not None  # Chalice sets it before it calls a view
        return found[0](request, params)

    return view


def route_modules() -> list[str]:
    """The package's modules that declare routes: every one, not only the table's, so that a route the
    table lacks is found by ``load_all``'s readers."""
    package = importlib.import_module(PACKAGE)
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name not in NOT_ROUTES)


def load_all() -> list[RouteDoc]:
    """Every route the handlers declare, module by module (in name order) and in each module's order, the
    same whichever routes this instance served first (they imported their modules before)."""
    modules = route_modules()
    for module in modules:
        importlib.import_module(f"{PACKAGE}.{module}")
    from chalicelib.handlers.http.endpoint import ROUTES

    rank = {f"{PACKAGE}.{m}": n for n, m in enumerate(modules)}
    ordered = sorted(enumerate(ROUTES.values()), key=lambda pair: (rank[pair[1].module], pair[0]))
    return [route for _, route in ordered]


def table_of(routes: list[RouteDoc]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """The rows of route_table.py for ``routes``."""
    return [(r.method, r.path, r.module.rsplit(".", 1)[-1], r.content_types) for r in routes]
