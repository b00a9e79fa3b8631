"""A batch's report for people and spreadsheets: counts per verdict, the most common
failing rules, and one line per client with what to fix.

The same :class:`Summary` serves a stored batch (the API's CSV and HTML) and a batch checked
offline (``onboard check --html``); it is built from :class:`ClientLine` items, one per row,
so it never needs the full reports. The HTML is a single self-contained file (styles inline,
no scripts, every value escaped by Jinja's autoescape), fit to be saved and mailed.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from onboard.eligibility.model import Verdict

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
#: Verdicts in the order reports list them; ``error`` is a row with bad input.
ORDER = (
    Verdict.ELIGIBLE.value,
    Verdict.REVIEW.value,
    Verdict.INCOMPLETE.value,
    Verdict.INELIGIBLE.value,
    "error",
)
CSV_COLUMNS = ("row", "client", "verdict", "to_fix", "to_fix_zh", "failing_rules", "errors")


@dataclass(frozen=True, slots=True)
class ClientLine:
    """One row of a batch as the report shows it."""

    row: int
    label: str | None
    verdict: str  # a verdict, or "error"
    codes: tuple[str, ...] = ()  # failing and missing rules
    changes: tuple[Mapping[str, Any], ...] = ()  # remedies.Change.to_dict()
    errors: Mapping[str, Sequence[str]] | None = None

    def to_fix(self, lang: str = "en") -> list[str]:
        if self.errors:
            return [f"{name}: {' '.join(texts)}" for name, texts in self.errors.items()]
        return [change["text"][lang] for change in self.changes]


@dataclass
class Summary:
    """Counts and lines of a batch, built one :class:`ClientLine` at a time."""

    verdicts: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    lines: list[ClientLine] = field(default_factory=list)

    def add(self, line: ClientLine) -> None:
        self.verdicts[line.verdict] += 1
        self.rules.update(set(line.codes))
        self.lines.append(line)

    @property
    def total(self) -> int:
        return len(self.lines)

    def counts(self) -> list[tuple[str, int]]:
        return [(verdict, self.verdicts.get(verdict, 0)) for verdict in ORDER]

    def top_rules(self, limit: int = 10) -> list[tuple[str, int]]:
        return sorted(self.rules.items(), key=lambda item: (-item[1], item[0]))[:limit]

    def to_dict(self, limit: int = 10) -> dict[str, Any]:
        return {
            "total": self.total,
            "verdicts": dict(self.counts()),
            "top_failing_rules": [
                {"code": code, "rows": count} for code, count in self.top_rules(limit)
            ],
        }


def summarize(lines: Iterable[ClientLine]) -> Summary:
    summary = Summary()
    for line in lines:
        summary.add(line)
    return summary


def csv_text(lines: Iterable[ClientLine]) -> Iterator[str]:
    """The per-client CSV, a line at a time (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for line in lines:
        buffer.seek(0)
        buffer.truncate()
        errors = "; ".join(
            f"{name}: {' '.join(texts)}" for name, texts in (line.errors or {}).items()
        )
        writer.writerow(
            [
                line.row,
                _spreadsheet_safe(line.label or ""),
                line.verdict,
                _spreadsheet_safe("; ".join(change["text"]["en"] for change in line.changes)),
                _spreadsheet_safe("；".join(change["text"]["zh"] for change in line.changes)),
                ";".join(line.codes),
                _spreadsheet_safe(errors),
            ]
        )
        yield buffer.getvalue()


def _spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_environment: Environment | None = None


def _templates() -> Environment:
    global _environment  # noqa: PLW0603 — built once, read-only afterwards
    if _environment is None:
        _environment = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _environment


def render_html(
    summary: Summary, *, title: str, facts: Sequence[tuple[str, str]] = (), lang: str = "en"
) -> str:
    """The report as one HTML document. ``facts``: (label, value) pairs shown at the top."""
    return (
        _templates()
        .get_template("agencies/report.html")
        .render(summary=summary, title=title, facts=facts, lang=lang)
    )
