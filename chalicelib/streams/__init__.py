"""The table's change-stream consumers: one batch runner and one module per consumer."""
