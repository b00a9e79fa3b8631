"""JSON as batches read and write it: one application and one report per row, hundreds of
thousands of rows.

The standard library's encoder costs about as much per report as judging the application;
orjson writes the same text several times faster, and reads a line twice as fast. The
functions here are what every batch reader and writer calls, so the paths cannot drift apart.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from onboard.eligibility.model import Check, Report, SharedCheck

#: ``bytes.translate`` table turning every digit into ``0``, and what a run of 19 digits then
#: looks like: an integer that may not fit in 64 bits, which orjson reads as a float.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19


#: The deepest nesting of arrays and objects accepted anywhere (an application is 3 deep).
#: Deeper is refused before parsing: the standard library's parser recurses once per level
#: and fails with RecursionError (a crash, not an input error) near 1,000.
MAX_DEPTH = 64
#: A JSON string (skipped: brackets inside text do not nest), or one bracket.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class TooDeep(ValueError):
    """JSON nested deeper than :data:`MAX_DEPTH` (a ``ValueError``, as a parse error is)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"nested deeper than {limit} levels")


def check_depth(text: bytes | str, limit: int = MAX_DEPTH) -> None:
    """Raise :class:`TooDeep` when arrays and objects in ``text`` nest deeper than
    ``limit``. Costs two ``count`` calls for ordinary text: only text holding more than
    ``limit`` brackets at all is scanned (a regular expression skips strings)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= limit:
        return
    depth = 0
    for match in _TOKENS.finditer(data):
        token = match[0]
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                raise TooDeep(limit)
        elif token in (b"]", b"}"):
            depth -= 1


def loads(text: bytes | str, limit: int = MAX_DEPTH) -> Any:
    """``json.loads(text)`` for untrusted text: nesting deeper than ``limit`` is
    :class:`TooDeep`, never a RecursionError."""
    check_depth(text, limit)
    return json.loads(text)


def loads_line(text: bytes) -> Any:
    """``json.loads(text)``: the same value, or the same exception, about twice as fast.

    orjson reads the common case. It refuses all it reads differently from the standard
    library (``NaN`` and ``Infinity``, numbers beyond a double, lone surrogates, a byte-order
    mark, text in UTF-16), and the standard library then reads the text, so that what it
    accepts and every error message stay exactly as they were. The one case orjson reads
    differently without refusing, an integer beyond 64 bits (which it makes a float), is
    recognised beforehand by a run of 19 digits anywhere in the text. Nesting deeper than
    :data:`MAX_DEPTH` is :class:`TooDeep` (see :func:`check_depth`).
    """
    check_depth(text)
    if _NINETEEN_DIGITS not in text.translate(_DIGITS_TO_ZERO):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def compact_utf8(data: Any) -> bytes:
    """``json.dumps(data, ensure_ascii=False, separators=(",", ":"))`` as UTF-8, faster.

    For the plain data reports are made of (dicts with text keys, lists, text, integers,
    floats, booleans, None) orjson writes the same JSON, key order kept and non-ASCII text
    unescaped; only a float below 1e-4 may be spelled without an exponent (the same number).
    What orjson refuses (integers beyond 64 bits, keys that are not text) is written by the
    standard library instead. Bytes, because that is what orjson writes and what batch output
    is stored and written as.
    """
    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


#: The JSON of checks the engine shares between reports, by id; each entry keeps its check
#: alive, so that the id cannot be reused while the entry lives. By identity, not by value
#: through eligibility/memo.py, and on purpose: a shared check holds mappings (its message,
#: its evidence) and has no hash, and the engine's own memo, keyed by value, hands out one
#: object per value, so that here identity is value (issue 18).
_SHARED_CHECKS: dict[int, tuple[Check, orjson.Fragment]] = {}
_SHARED_CHECKS_MAX = 4096


def _check_part(check: Check) -> dict[str, Any] | orjson.Fragment:
    if type(check) is not SharedCheck:
        return check.to_dict()
    found = _SHARED_CHECKS.get(id(check))
    if found is not None:
        return found[1]
    part = orjson.Fragment(compact_utf8(check.to_dict()))
    if len(_SHARED_CHECKS) >= _SHARED_CHECKS_MAX:
        _SHARED_CHECKS.clear()
    _SHARED_CHECKS[id(check)] = (check, part)
    return part


def compact_report(report: Report, **extra: Any) -> bytes:
    """``compact_utf8(report.to_dict() | extra)``, faster: a batch's reports share most of
    their checks (the n/a ones, a document missing), whose JSON is written once and reused."""
    body = report.to_dict(checks=[_check_part(check) for check in report.checks])
    body.update(extra)
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:  # see compact_utf8 (the standard library knows no parts)
        return compact_utf8(report.to_dict() | extra)
