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

from onboard.eligibility.model import Application, Report, Status, Verdict
from onboard.eligibility.ruleset import RuleSet
from onboard.errors import recognise
from onboard.intake.batchfile import column_titles

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
#: Verdicts in the order reports list them; ``error`` is a row with bad input.
ORDER = (
    Verdict.ELIGIBLE.value,
    Verdict.REVIEW.value,
    Verdict.INCOMPLETE.value,
    Verdict.INELIGIBLE.value,
    "error",
)
#: The per-client columns of the CSV and XLSX downloads: the row and the line (worksheet
#: row) it came from, the agency's ``ref``, the client, the verdict, what to fix in English
#: and Chinese (for a bad row, its input errors in Chinese), the failing (and missing)
#: rules, and a bad row's input errors.
CSV_COLUMNS = (
    "row",
    "line",
    "ref",
    "client",
    "verdict",
    "to_fix",
    "to_fix_zh",
    "failing_rules",
    "errors",
)
#: The same columns' titles in Chinese (the XLSX download's second header row).
CSV_TITLES_ZH = (
    "序号",
    "行号",
    "参考编号",
    "客户",
    "结论",
    "需要修改（英文）",
    "需要修改",
    "不通过的规则",
    "输入错误",
)
#: Each verdict named for people in the report's two languages (the portal's words).
VERDICT_NAMES = {
    Verdict.ELIGIBLE.value: ("eligible", "符合条件"),
    Verdict.REVIEW.value: ("to be reviewed", "待人工审核"),
    Verdict.INCOMPLETE.value: ("incomplete", "信息不完整"),
    Verdict.INELIGIBLE.value: ("not eligible yet", "暂不符合条件"),
    "error": ("input error", "输入有误"),
}
#: The facts a report starts with (``agency_api.batch_facts``, ``onboard check --html``).
FACT_TITLES_ZH = {
    "batch": "批次",
    "file": "文件",
    "encoding": "编码",
    "state": "状态",
    "rules version": "规则版本",
    "as of": "预审日期",
}
#: Names of a row as a whole: their messages need no column named before them.
_WHOLE_ROW = frozenset({"_schema", "_row", "file", "_file"})
#: What a message nobody declared in Chinese says in the Chinese half (as the portal does).
_UNDECLARED_ZH = "此处不接受该值。"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class ClientLine:
    """One row of a batch as the report shows it."""

    row: int
    label: str | None
    verdict: str  # a verdict, or "error"
    codes: tuple[str, ...] = ()  # failing and missing rules
    changes: tuple[Mapping[str, Any], ...] = ()  # remedies.Change.to_dict()
    errors: Mapping[str, Sequence[str]] | None = None
    line: int | None = None  # where the row starts in the file (worksheet row for XLSX)
    ref: str | None = None  # the agency's own client id

    def to_fix(self, lang: str = "en") -> list[str]:
        if self.errors:
            return error_lines(self.errors, lang)
        return [change["text"][lang] for change in self.changes]


def error_lines(errors: Mapping[str, Sequence[str]], lang: str = "en") -> list[str]:
    """A bad row's errors, a line per field: in English as the API gives them; in Chinese
    with the template's column titles and each message's own Chinese (declared where it is
    raised, read back from the stored English by :func:`onboard.errors.recognise`)."""
    if lang != "zh":
        return [f"{name}: {' '.join(texts)}" for name, texts in errors.items()]
    titles = column_titles()
    lines = []
    for name, texts in errors.items():
        said = "".join(_chinese(text) for text in texts)
        title = titles.get(name, f"“{name}”")  # a column the template lacks, as written
        lines.append(said if name in _WHOLE_ROW else f"{title}：{said}")
    return lines


def _chinese(text: str) -> str:
    words = recognise(text)
    return words.zh if words is not None else _UNDECLARED_ZH


#: A client's name in reports is cut to this many characters.
LABEL_MAX = 200


def label_of(application: Application) -> str | None:
    """How a client is named in reports: the company, else the shop."""
    name = application.entity.company_name or application.shop.name
    return name[:LABEL_MAX] if name else None


def client_line(
    report: Report,
    application: Application,
    changes: Sequence[Mapping[str, Any]],
    *,
    row: int,
    line: int | None,
    ref: str | None,
) -> ClientLine:
    """A checked row as reports show it: the one summary of a row, for a stored batch (its
    row's columns are read from it) and for ``onboard check`` offline alike."""
    blocking = [c.code for c in report.checks if c.status in (Status.FAIL, Status.MISSING)]
    return ClientLine(
        row=row,
        label=label_of(application),
        verdict=report.verdict.value,
        codes=tuple(dict.fromkeys(blocking)),
        changes=tuple(changes),
        line=line,
        ref=ref,
    )


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


def cells_of(line: ClientLine) -> list[Any]:
    """A client's cells in the order of :data:`CSV_COLUMNS` (text not yet made safe)."""
    errors = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in (line.errors or {}).items())
    return [
        line.row,
        line.line,
        line.ref or "",
        line.label or "",
        line.verdict,
        "; ".join(change["text"]["en"] for change in line.changes),
        # a row with bad input: its errors in Chinese (their English is the errors column)
        "；".join(line.to_fix("zh")),
        ";".join(line.codes),
        errors,
    ]


def csv_text(lines: Iterable[ClientLine]) -> Iterator[str]:
    """The per-client CSV, a line at a time: a byte-order mark and the header first, so
    that Excel (a Chinese Windows' included) opens it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for line in lines:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheet_safe(c) if isinstance(c, str) else c for c in cells_of(line)])
        yield buffer.getvalue()


def xlsx_bytes(summary: Summary, facts: Sequence[tuple[str, str]] = ()) -> bytes:
    """The results as a workbook: a sheet of clients (:data:`CSV_COLUMNS`, with a Chinese
    header row under the English one) and a summary sheet (facts, verdict counts, the
    most common failing rules). Every text is written as text: a cell that starts with
    ``=`` is never a formula."""
    from openpyxl import Workbook  # noqa: PLC0415 — ~250 ms CPU to import; this download only

    book = Workbook(write_only=True)
    sheet = book.create_sheet("results 结果")
    sheet.freeze_panes = "A3"
    for width, letter in zip((6, 6, 14, 32, 11, 60, 50, 30, 40), "ABCDEFGHI", strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append(_texts(sheet, CSV_COLUMNS))
    sheet.append(_texts(sheet, CSV_TITLES_ZH))
    for line in summary.lines:
        sheet.append(_texts(sheet, cells_of(line)))
    totals = book.create_sheet("summary 汇总")
    totals.column_dimensions["A"].width = 30
    totals.column_dimensions["B"].width = 30
    for label, value in facts:
        totals.append(_texts(totals, (label, value)))
    totals.append([])
    totals.append(_texts(totals, ("verdict 结论", "clients 客户数")))
    for verdict, count in summary.counts():
        totals.append(_texts(totals, (verdict, count)))
    totals.append(_texts(totals, ("total 合计", summary.total)))
    totals.append([])
    totals.append(
        _texts(totals, ("most common failing rules 最常见的不通过规则", "clients 客户数"))
    )
    for code, count in summary.top_rules(20):
        totals.append(_texts(totals, (code, count)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _texts(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Cells for a write-only sheet: numbers as numbers, everything else as literal text."""
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: PLC0415

    cells: list[Any] = []
    for value in values:
        if value is None or isinstance(value, int | float):
            cells.append(value)
            continue
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.data_type = "s"  # never a formula, whatever the text starts with
        cells.append(cell)
    return cells


def spreadsheet_safe(text: str) -> str:
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
    summary: Summary,
    *,
    title: str,
    facts: Sequence[tuple[str, str]] = (),
    lang: str = "en",
    ruleset: RuleSet | None = None,
) -> str:
    """The report as one HTML document, in English and Chinese side by side (a file to be
    saved and mailed: whoever reads it). ``facts``: (label, value) pairs shown at the top;
    ``ruleset``: the rule set the batch was checked with, whose titles name the rules."""
    rule_titles = {}
    if ruleset is not None:
        for code, _count in summary.top_rules(10):
            try:
                rule_titles[code] = ruleset.rule(code).title
            except KeyError:
                continue
    return (
        _templates()
        .get_template("agencies/report.html")
        .render(
            summary=summary,
            title=title,
            facts=facts,
            lang=lang,
            verdict_names=VERDICT_NAMES,
            fact_titles_zh=FACT_TITLES_ZH,
            rule_titles=rule_titles,
        )
    )
