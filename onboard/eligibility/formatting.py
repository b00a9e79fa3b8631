"""Values as people read them in messages and reports."""

from __future__ import annotations

from datetime import date
from typing import Any


def display(value: Any) -> str:
    """820,000 rather than 820000.0; 4.0 stays 4.0; dates as YYYY-MM-DD; text unchanged."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int or (kind is float and value.is_integer() and abs(value) >= 1000):
        return f"{int(value):,}"
    if kind is float:
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
