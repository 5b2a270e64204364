"""Adapters to the cloud services other than the table: identity (JWT), stage
settings, mail, logs and metrics, usage plans, photo storage."""
