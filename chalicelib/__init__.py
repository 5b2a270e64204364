"""Dossier: the client account profile back end."""
