"""Intake: what comes in — the application JSON and its schema, CSV columns, batch files —
read into the core's plain data."""
