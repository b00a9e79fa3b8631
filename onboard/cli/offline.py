"""``onboard check`` for agencies working offline: what must change per row (``--explain``),
the summary table on stderr and the HTML report file (``--html``: the same report the API
serves for a batch, built from the same per-row lines, :mod:`onboard.agencies.report`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from onboard.agencies.report import ClientLine, Summary, render_html, summarize
from onboard.cli.settings import Who
from onboard.eligibility.model import Application, Report
from onboard.eligibility.remedies import changes_for
from onboard.eligibility.ruleset import ruleset_by_version


def changes_of(report: Report, application: Application) -> list[dict[str, Any]]:
    """What must change, judged by the rule set that made ``report``."""
    ruleset = ruleset_by_version(report.rules_version)
    return [change.to_dict() for change in changes_for(report, application, ruleset)]


def error_line(who: Who, errors: Mapping[str, Sequence[str]]) -> ClientLine:
    return ClientLine(
        row=who.row,
        label=who.client,
        verdict="error",
        errors=dict(errors),
        line=who.line,
        ref=who.ref,
    )


def changes_text(changes: Sequence[Mapping[str, Any]], lang: str) -> str:
    """The ``--explain`` block of the text format."""
    if not changes:
        return ""
    lines = ["  to change:" if lang == "en" else "  需要修改："]
    lines += [f"    - {change['text'][lang]}" for change in changes]
    return "\n".join(lines) + "\n"


def summary_table(summary: Summary, limit: int = 5, encoding: str | None = None) -> str:
    """Counts per verdict and the most common failing rules (and how a CSV file was
    decoded), for stderr."""
    width = max(len(str(summary.total)), 5)
    lines = ["", f"{'verdict':<12} {'rows':>{width}}  share"]
    if encoding:
        lines.insert(1, f"read as {encoding}")
    for verdict, count in summary.counts():
        share = 100 * count / summary.total if summary.total else 0.0
        lines.append(f"{verdict:<12} {count:>{width}}  {share:5.1f} %")
    lines.append(f"{'total':<12} {summary.total:>{width}}")
    top = summary.top_rules(limit)
    if top:
        lines += ["", "most common failing rules:"]
        lines += [f"  {code:<28} {count:>{width}}" for code, count in top]
    return "\n".join(lines) + "\n"


def write_html(
    path: Path, lines: Iterable[ClientLine], source: str, encoding: str | None = None
) -> Summary:
    summary = summarize(sorted(lines, key=lambda line: line.row))
    facts = [("file", source)] + ([("encoding", encoding)] if encoding else [])
    html = render_html(summary, title=f"onboard check: {source}", facts=facts)
    path.write_text(html, encoding="utf-8")
    return summary
