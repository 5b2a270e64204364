"""Thin HTTP Blueprints: parse, call one service function, reply."""
