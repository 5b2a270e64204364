"""Entities and pure rules: no I/O, and no import of any other room of ours."""
