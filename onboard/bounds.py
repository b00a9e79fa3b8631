"""Numbers a client names (ids in paths, offsets, limits and pages in query strings and forms)
stay within what the database can hold, by one rule: :data:`DB_INT_MAX`.

* ids in paths: the ``int`` URL converter of every route (``onboard.security.IdConverter``)
  stops there, so a larger id is a 404 like any id that does not exist;
* numbers in schemas (the JSON API's query arguments): :data:`QUERY_RANGE`, a 422 beyond it;
* numbers read by HTML views (the desk's queue filters, a chosen account): :func:`bounded_int`,
  the same 422.

Without it, ``99999999999999999999`` reaches the driver and fails there (OverflowError on
SQLite, "out of range" on PostgreSQL): a 500 instead of an answer.
"""

from __future__ import annotations

from marshmallow import validate

from onboard.errors import InputError

#: PostgreSQL's ``integer``, the type of every id column (SQLite's are wider).
DB_INT_MAX = 2**31 - 1
#: Offsets, limits and counts in query strings.
QUERY_RANGE = validate.Range(min=0, max=DB_INT_MAX)


def bounded_int(text: str | None, name: str, default: int, *, low: int = 0) -> int:
    """A whole number typed in a query string or form: ``default`` when absent or empty, a
    422 :class:`InputError` naming ``name`` unless it is a number in ``low..DB_INT_MAX``."""
    if text is None or text == "":
        return default
    if text.isascii() and text.isdigit() and len(text) <= 10 and low <= int(text) <= DB_INT_MAX:
        return int(text)
    raise InputError({name: [f"Must be a whole number from {low} to {DB_INT_MAX}."]})
