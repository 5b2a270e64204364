"""Dossier's Chalice application: wiring only."""

from chalice.app import Chalice

from chalicelib.handlers import accounts, contacts, members, ops, tags

app = Chalice(app_name="dossier")

app.register_blueprint(ops.bp)
app.register_blueprint(members.bp)
app.register_blueprint(tags.bp)
app.register_blueprint(accounts.bp)
app.register_blueprint(contacts.bp)
