"""Use cases: each takes a request context, applies the rules and calls the repositories."""
