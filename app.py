"""Dossier's Chalice application: wiring only. It creates the app, sets what
API Gateway needs to know of it (CORS, binary media types, the HTTP
middleware) and registers the Blueprints of ``chalicelib/handlers/``."""

from chalice.app import CORSConfig

from chalicelib.handlers import (
    accounts,
    activity,
    audit,
    bulk,
    contacts,
    custom_fields,
    firm,
    gdpr,
    imports,
    inbound_mail,
    jobs,
    members,
    ops,
    pipelines,
    portal,
    quickbooks,
    search,
    streams,
    tags,
    usage,
)
from chalicelib.handlers.http.endpoint import observe
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
    allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "Dossier-Firm"],
    expose_headers=["ETag", "Location", "Retry-After"],
    max_age=600,
)
# Photo uploads arrive as raw bytes (API Gateway passes these types through as binary).
app.api.binary_types.extend(
    [t for t in ("image/png", "image/jpeg", "image/webp", "application/octet-stream") if t not in app.api.binary_types]
)

for routes in (
    ops,
    members,
    tags,
    accounts,
    contacts,
    pipelines,
    activity,
    search,
    portal,
    custom_fields,
    quickbooks,
    jobs,
):
    app.register_blueprint(routes.bp)
app.register_blueprint(audit.bp)  # the audit trail (issue 19)
app.register_blueprint(firm.bp)  # the firm's settings (issue 18)
app.register_blueprint(gdpr.bp)  # GDPR/AVG export and erase (issue 19)
app.register_blueprint(bulk.bp)  # bulk edit of accounts (issue 19)
app.register_blueprint(imports.bp)  # CSV imports (issue 19)
app.register_blueprint(usage.bp)  # the firm's metered usage (issue 20)
app.register_blueprint(streams.streams)
app.register_blueprint(inbound_mail.inbound_mail)
app.register_blueprint(jobs.workers)  # the background jobs' queue workers (issue 19)
app.register_blueprint(usage.meter)  # the meter on the API's access log (issue 20)

# The stream and mail functions, importable from the app as Lambda and the tests know them.
project_overview = streams.project_overview
index_search = streams.index_search
receive_email = inbound_mail.receive_email
record_mail_events = inbound_mail.record_mail_events
run_jobs = jobs.run_jobs
fail_dead_jobs = jobs.fail_dead_jobs
meter_usage = usage.meter_usage
