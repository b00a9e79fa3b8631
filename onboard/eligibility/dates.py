"""Calendar arithmetic the rules share: months as the guide counts them."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from types import MappingProxyType

#: ``day.isoformat()``, remembered: a batch names the same few thousand opening dates (and
#: the dates they become eligible) over and over, and finding one here costs a third of
#: formatting it.
iso_date = lru_cache(maxsize=8192)(date.isoformat)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the month's end.

    RULES.md: "Aug 31 + 3 months = Nov 30". Negative ``months`` move back the same way.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if day.day <= 28:
        # Every month has the days up to the 28th: nothing to clamp (most days of a batch).
        return date(year, month + 1, day.day)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_and_days(start: date, end: date) -> tuple[int, int]:
    """Whole calendar months from ``start`` to ``end``, then the days left over.

    Consistent with :func:`add_months`: ``add_months(start, m) <= end`` exactly when at least
    ``m`` months have passed. ``end`` before ``start`` gives (0, 0).
    """
    if end <= start:
        return 0, 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if start.day <= end.day:
        # add_months(start, months) is start's day in end's month (no clamping): no dates to
        # build for the usual case.
        return months, end.day - start.day
    reached = add_months(start, months)
    if reached > end:
        # start's day lies after end's and clamping did not land on end itself (as Aug 31 ->
        # Nov 30 does): one month fewer has passed, and that one lands in the month before
        # end's, so never after end.
        months -= 1
        reached = add_months(start, months)
    return months, (end - reached).days


def describe_span(start: date, end: date) -> dict[str, str]:
    """A span as people say it, in both languages: "2 months 9 days", "2 个月 9 天"."""
    en, zh = span_words(*months_and_days(start, end))
    return {"en": en, "zh": zh}


@lru_cache(maxsize=4096)
def span_words(months: int, days: int) -> tuple[str, str]:
    """The (English, Chinese) words of :func:`describe_span`, built once per span: a batch
    says the same few hundred spans over and over."""
    en_parts = []
    if months:
        en_parts.append(f"{months} month" + ("s" if months != 1 else ""))
    if days or not months:
        en_parts.append(f"{days} day" + ("s" if days != 1 else ""))
    zh = (f"{months} 个月" if months else "") + (f"{days} 天" if days or not months else "")
    return " ".join(en_parts), zh


@lru_cache(maxsize=4096)
def span_texts(months: int, days: int) -> Mapping[str, str]:
    """The words of :func:`span_words` as ``{"en", "zh"}``, the Chinese spaced as the
    guide writes it ("2 个月 7 天", where span_words says "2 个月7 天")."""
    en, _ = span_words(months, days)
    parts = []
    if months:
        parts.append(f"{months} 个月")
    if days or not months:
        parts.append(f"{days} 天")
    return MappingProxyType({"en": en, "zh": " ".join(parts)})
