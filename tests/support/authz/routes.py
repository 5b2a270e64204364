"""A route of the authorization matrix: its method and path, its success status, its rule
(tests/support/authz/rules.py) and how a case builds its request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.support.authz.world import Req, World

Build = Callable[[World], Req]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    ok: int  # the success status (ROUTES' status)
    rule: str
    build: Build

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def has_ids(self) -> bool:
        return "{" in self.path


def registrar(routes: list[Route]) -> Callable[[str, str, int, str], Callable[[Build], Build]]:
    """A ``route`` decorator that adds each route it decorates to ``routes``, in order."""

    def route(method: str, path: str, ok: int, rule: str) -> Callable[[Build], Build]:
        def register(build: Build) -> Build:
            routes.append(Route(method, path, ok, rule, build))
            return build

        return register

    return route
