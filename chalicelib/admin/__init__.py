"""Admin tools: the command line and the demo data."""
