"""Dossier's Chalice application: wiring only. It creates the app, sets what
API Gateway needs to know of it (CORS, binary media types, the HTTP
middleware) and registers the routes and functions of ``chalicelib/handlers/``
without importing their code: each route's handler is imported on its first
request, each function's code on its first event (a cold start loads what it
uses; docs/performance.md, "Cold start")."""

from chalice.app import CORSConfig

from chalicelib.handlers.functions import (
    fail_dead_jobs,
    functions,
    index_search,
    meter_usage,
    project_overview,
    receive_email,
    record_mail_events,
    run_jobs,
    sweep_jobs,
)
from chalicelib.handlers.http import routing
from chalicelib.handlers.http.answers import observe
from chalicelib.handlers.http.gateway import HttpApiApp

# The "dossier" logger is Powertools' (chalicelib/adapters/observability.py):
# JSON lines at INFO; the app's own loggers sit under it ("dossier.mail", ...).
# The HTTP API (payload 1.0) calls it as API Gateway's REST proxy would: HttpApiApp only finds the route
# of a request the HTTP API sent through its $default route (chalicelib/handlers/http/gateway.py).
app = HttpApiApp(app_name="dossier", configure_logs=False)
app.register_middleware(observe, "http")
# Browser clients (the web client, firms' own apps) call from other origins with
# a bearer token, never cookies, so any origin may; API Gateway answers the preflight.
app.api.cors = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "Dossier-Firm", "Prefer"],
    expose_headers=["ETag", "Location", "Retry-After", "Preference-Applied"],
    max_age=600,
)
# Photo uploads arrive as raw bytes (API Gateway passes these types through as binary).
app.api.binary_types.extend(
    [t for t in ("image/png", "image/jpeg", "image/webp", "application/octet-stream") if t not in app.api.binary_types]
)

# The API's routes, from the route table: each imports its handler on its first request (routing.py).
routing.register(app)
# The other functions: stream readers, job workers, the mail service's entry points, the usage meter.
app.register_blueprint(functions)

# The functions, importable from the app as Lambda and the tests know them.
__all__ = [
    "app",
    "fail_dead_jobs",
    "index_search",
    "meter_usage",
    "project_overview",
    "receive_email",
    "record_mail_events",
    "run_jobs",
    "sweep_jobs",
]
