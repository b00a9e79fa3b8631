"""Calendar arithmetic the rules share: months as the guide counts them."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the month's end.

    RULES.md: "Aug 31 + 3 months = Nov 30". Negative ``months`` move back the same way.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
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
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return months, (end - add_months(start, months)).days


def describe_span(start: date, end: date) -> dict[str, str]:
    """A span as people say it, in both languages: "2 months 9 days", "2 个月 9 天"."""
    months, days = months_and_days(start, end)
    en_parts = []
    if months:
        en_parts.append(f"{months} month" + ("s" if months != 1 else ""))
    if days or not months:
        en_parts.append(f"{days} day" + ("s" if days != 1 else ""))
    zh = (f"{months} 个月" if months else "") + (f"{days} 天" if days or not months else "")
    return {"en": " ".join(en_parts), "zh": zh}
