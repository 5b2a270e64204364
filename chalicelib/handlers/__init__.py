"""Thin handlers, one module per resource: parse, call one service function, reply. The app
registers their routes from http/route_table.py and imports a module on its routes' first request."""
