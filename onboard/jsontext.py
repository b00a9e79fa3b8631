"""Compact JSON text, as batches write it: one report per row, hundreds of thousands of rows.

The standard library's encoder costs about as much per report as judging the application;
orjson writes the same text several times faster. The one function here is what every batch
writer calls, so the two paths cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


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
