"""``onboard check``'s output formats for one row: ``json`` (pretty for one application,
one compact line per batch row), ``csv`` (:data:`RESULT_COLUMNS`) and ``text`` for people
(colour only on a terminal). See :mod:`onboard.cli.check` for what each holds."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

import click

from onboard.agencies.report import spreadsheet_safe
from onboard.cli import offline
from onboard.cli.settings import Settings, Who
from onboard.eligibility.model import Check, Report, Status, Verdict
from onboard.errors import InputError, one_line
from onboard.intake.jsontext import compact_report, compact_utf8

#: The columns of ``--format csv`` (see :mod:`onboard.cli.check`).
RESULT_COLUMNS = (
    "row",
    "verdict",
    "route",
    "rules_version",
    "as_of",
    "fail",
    "missing",
    "review",
    "pass",
    "n/a",
    "failed",
    "missing_codes",
    "review_codes",
    "errors",
    "line",
    "ref",
    "client",
)
_STATUS_ORDER = (Status.FAIL, Status.MISSING, Status.REVIEW, Status.PASS, Status.NOT_APPLICABLE)
_COLOUR = {
    Status.FAIL: "red",
    Status.MISSING: "yellow",
    Status.REVIEW: "magenta",
    Status.PASS: "green",
    Status.NOT_APPLICABLE: "bright_black",
    Verdict.INELIGIBLE: "red",
    Verdict.INCOMPLETE: "yellow",
    Verdict.REVIEW: "magenta",
    Verdict.ELIGIBLE: "green",
}
#: What joins two rows' output in a batch.
SEPARATORS = {"json": b",\n", "csv": b"", "text": b"\n"}


def render_report(
    settings: Settings, who: Who, report: Report, changes: list[dict[str, Any]] | None = None
) -> bytes:
    """The report in the output format, as UTF-8 (JSON is written as bytes directly)."""
    if settings.output == "json":
        extra: dict[str, Any] = {} if changes is None else {"changes": changes}  # --explain
        if settings.single:
            return _json(report.to_dict() | extra, pretty=True)
        return compact_report(report, **_whom(who), **extra)
    if settings.output == "csv":
        return csv_line(_report_cells(who, report)).encode()
    title = "application" if settings.single else _title(who)
    text = report_text(report, title, lang=settings.lang, colour=settings.colour)
    if changes:
        text += offline.changes_text(changes, settings.lang)
    return text.encode()


def render_errors(settings: Settings, who: Who, error: InputError) -> bytes:
    """The input errors of a row in the output format, as UTF-8."""
    if settings.output == "json":
        body = {**_whom(who), "errors": error.errors}
        return _json(body, pretty=settings.single)
    if settings.output == "csv":
        summary = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.errors.items())
        blanks = [""] * (len(RESULT_COLUMNS) - 6)
        cells = [str(who.row), "error", *blanks, one_line(summary, 2000), *_who_cells(who)]
        return csv_line(cells).encode()
    head = f"{_title(who)}: {_paint('INPUT ERROR', 'red', settings.colour)}"
    lines = [f"  {name}: {one_line(' '.join(texts))}" for name, texts in error.errors.items()]
    return "\n".join([head, *lines, ""]).encode()


def _whom(who: Who) -> dict[str, Any]:
    """The fields that tie a batch item to its source row: ``row``, ``line``, and the
    ``ref`` and ``client`` when the row gives them."""
    found: dict[str, Any] = {"row": who.row, "line": who.line}
    if who.ref is not None:
        found["ref"] = who.ref
    if who.client is not None:
        found["client"] = who.client
    return found


def _who_cells(who: Who) -> list[str]:
    return [str(who.line), spreadsheet_safe(who.ref or ""), spreadsheet_safe(who.client or "")]


def _title(who: Who) -> str:
    parts = [f"line {who.line}"] + ([f"ref {who.ref}"] if who.ref else [])
    name = f" {one_line(who.client, 80)}" if who.client else ""
    return f"row {who.row} ({', '.join(parts)}){name}"


def _json(data: Any, *, pretty: bool) -> bytes:
    if pretty:
        return json.dumps(data, ensure_ascii=False, indent=2).encode()
    return compact_utf8(data)


def csv_line(cells: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def _label(check: Check) -> str:
    if check.code.startswith("document.") and check.field.startswith("documents."):
        return f"{check.code}:{check.field.removeprefix('documents.')}"
    return check.code


def _report_cells(who: Who, report: Report) -> list[str]:
    by_status: dict[Status, list[str]] = {status: [] for status in _STATUS_ORDER}
    for check in report.checks:
        by_status[check.status].append(_label(check))
    counts = [str(len(by_status[status])) for status in _STATUS_ORDER]
    return [
        str(who.row),
        report.verdict.value,
        report.route,
        report.rules_version,
        report.as_of.isoformat(),
        *counts,
        ";".join(by_status[Status.FAIL]),
        ";".join(by_status[Status.MISSING]),
        ";".join(by_status[Status.REVIEW]),
        "",
        *_who_cells(who),
    ]


def _paint(text: str, colour: str | None, enabled: bool) -> str:
    return click.style(text, fg=colour, bold=True) if enabled and colour else text


def report_text(report: Report, title: str, *, lang: str = "en", colour: bool = False) -> str:
    """A report for people: the verdict first, then the checks that need action, each with
    the message that says what to fix, then those that passed or do not apply."""
    verdict = _paint(report.verdict.value.upper(), _COLOUR[report.verdict], colour)
    lines = [
        f"{title}: {verdict}  (route {report.route}, rules {report.rules_version}, "
        f"as of {report.as_of.isoformat()})"
    ]
    counts = []
    for status in _STATUS_ORDER:
        checks = [check for check in report.checks if check.status is status]
        counts.append(f"{len(checks)} {status.value}")
        lines.extend(_check_line(check, lang, colour) for check in checks)
    lines.append("  " + ", ".join(counts))
    return "\n".join([*lines, ""])


def _check_line(check: Check, lang: str, colour: bool) -> str:
    """One check; one that needs action gets what to fix on a second, indented line."""
    status = _paint(f"{check.status.value:<7}", _COLOUR[check.status], colour)
    head = f"  {status} {check.code:<24} {check.field}"
    if check.status is Status.NOT_APPLICABLE:
        return head
    # Values as people read them in the language asked for (Check.expected_text).
    expected, actual = check.text("expected", lang), check.text("actual", lang)
    if check.status is Status.PASS:
        return f"{head}: {one_line(actual)}" if actual else head
    words = ("应为 ", "实际 ", "，") if lang == "zh" else ("expected ", "got ", ", ")
    found = words[2].join(
        part
        for part in (
            f"{words[0]}{expected}" if expected else "",
            f"{words[1]}{actual}" if actual else "",
        )
        if part
    )
    head = f"{head}: {one_line(found)}" if found else head
    return f"{head}\n          {one_line(check.message.get(lang, ''), 1000)}"
