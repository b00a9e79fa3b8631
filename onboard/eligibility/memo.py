"""One bounded memo for what the engine builds once and reuses: keyed by value, never by id().

For pure functions of hashable arguments, ``functools.lru_cache`` is the tool; this is for
the few things built by a function the caller hands over with the key (a shared check, a
plan), where the key alone says what the built value is. Rule sets and their rules hash by
identity (two loads of one file are two rule sets), and a key holds them, so an entry can
never answer for another object that happens to reuse an address.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    """Values by key, built on first use; past ``maxsize`` entries the oldest is dropped."""

    __slots__ = ("_entries", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: dict[Hashable, V] = {}

    def get(self, key: Hashable, build: Callable[..., V], *args: object) -> V:
        """The value of ``key``, ``build(*args)`` the first time (``build`` and ``args`` must
        make the same value for the same key)."""
        entries = self._entries
        try:
            return entries[key]
        except KeyError:
            pass
        value = build(*args)
        if len(entries) >= self.maxsize:
            del entries[next(iter(entries))]
        entries[key] = value
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
