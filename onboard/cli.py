"""The ``onboard`` command: ``check`` applications from files, ``ocr`` a license, ``serve``.

``onboard check FILE`` reads one application (``.json``) or a batch (``.jsonl``, ``.csv``,
``.xlsx``), read by :mod:`onboard.intake.batchfile` exactly as agency batches are (encodings,
Chinese column titles, the ``ref`` column, hostile workbooks). Document file names are paths
relative to the input file; a name with no file behind it is declared, not inspected.

Exit status (CONTRACT.md): 0 when every application is eligible, 1 when any is not, 2 on bad
input. Bad input is reported as ONE line on stderr that names the field, never a traceback; in
a batch a bad row does not stop the others — its place in the output holds
``{"row": N, "line": L, "ref": …, "client": …, "errors": {...}}`` (N: the 1-based data row;
L: the line it starts on; the agency's ``ref`` and the client when the row gives them). Each
report of a batch carries the same ``row``, ``line``, ``ref`` and ``client`` fields.

Output formats:

* ``json``: one report object (``.json``) or a list, one item per row in input order.
* ``text``: for people; per application a header (verdict, route, rules version, as-of) and a
  line per check — failures, then missing, review, pass, n/a — with what to fix under each
  line that needs action. Colour only on a terminal, never with ``NO_COLOR`` set.
* ``csv``: one line per application, columns :data:`RESULT_COLUMNS`: ``row``; ``verdict``
  (``error`` for a row with bad input); ``route``, ``rules_version``, ``as_of``; the number of
  checks per status (``fail`` … ``n/a``); ``failed``, ``missing_codes``, ``review_codes``: the
  codes of those checks joined by ``;`` (document checks as ``code:kind``, e.g.
  ``document.format:legal_rep_id``); ``errors``: a bad row's ``field: message`` pairs joined
  by ``; ``; then ``line``, ``ref`` and ``client``.

Large batches run in worker processes (one per CPU) in chunks; the output keeps input order.
"""

from __future__ import annotations

import csv
import dataclasses
import errno
import gc
import io
import json
import os
import sys
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar

import click

from onboard.agencies.report import spreadsheet_safe
from onboard.eligibility.duplicates import within_batch
from onboard.eligibility.model import Application, Check, Duplicate, Report, Status, Verdict
from onboard.eligibility.problems import document_problem
from onboard.errors import InputError, one_line
from onboard.intake.batchfile import (
    Limits,
    Row,
    application_of,
    decode,
    file_format,
    jsonl_rows,
    open_batch,
    unique_values_of,
)
from onboard.intake.jsontext import compact_report, compact_utf8

T = TypeVar("T")

FORMATS = ("json", "text", "csv")
#: Batches with more rows than this are spread over worker processes (``--jobs 0``).
PARALLEL_MIN_ROWS = 2000
#: Rows per unit of work: big enough that inter-process traffic is a small cost.
CHUNK_ROWS = 500
#: The columns of ``--format csv`` (see the module docstring).
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


class FileInputError(Exception):
    """The input as a whole cannot be read (exit 2, one line naming what is wrong)."""


# --- the command group: one-line errors for every usage problem ----------------------------


class _Group(click.Group):
    """Click prints a usage block for a bad option; onboard promises one line on stderr and
    exit status 2, so errors are caught here, for the console script and CliRunner alike."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
            code = 2
        except click.ClickException as exc:
            _complain(f"{exc.format_message()} (see 'onboard --help')")
            code = exc.exit_code
        except click.Abort:
            _complain("aborted")
            code = 130
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _complain(message: str) -> None:
    click.echo(f"onboard: error: {one_line(message)}", err=True)


@click.group(cls=_Group)
@click.version_option(package_name="onboard")
def main() -> None:
    """Pre-screen sellers against TikTok Shop's US cross-border entry rules."""


# --- onboard check -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    """What checking a row needs besides the row; sent once to each worker process."""

    base_dir: Path
    as_of: date
    read_license: bool
    output: str
    lang: str
    colour: bool
    single: bool = False
    # Agencies (issue 6): documents looked up here instead of next to the file; what must
    # change in the output; per-row lines kept for the summary table and the HTML report.
    documents_dir: Path | None = None
    explain: bool = False
    collect: bool = False
    #: A batch's rows that share a unique value with other rows (RULES.md §6), by row;
    #: None for a single application (its uniqueness is checked at submission).
    batch_duplicates: dict[int, dict[str, tuple[Duplicate, ...]]] | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    row: int
    line: int
    code: int  # 0 eligible, 1 not eligible, 2 bad input
    text: bytes  # rendered in the output format, UTF-8
    error: str | None = None  # one-line summary of bad input
    client: Any = None  # onboard.agencies.report.ClientLine, with Settings.collect


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--as-of",
    "as_of_text",
    metavar="YYYY-MM-DD",
    help="Judge as of this date when an application gives none (default: today).",
)
@click.option("--format", "output", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Language of the text format's messages.",
)
@click.option(
    "--no-ocr",
    is_flag=True,
    help="Do not read license images (faster; the typed license number is then not compared "
    "with the image).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes; 0: one per CPU for batches over 2000 rows, 1: no workers.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: when stderr is a terminal).",
)
@click.option(
    "--documents",
    "documents_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder the document file names are relative to (default: the file's folder).",
)
@click.option("--explain", is_flag=True, help="Add what must change for each to pass.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write an HTML report: counts, most common failing rules, what to fix.",
)
@click.option(
    "--summary/--no-summary",
    default=None,
    help="Summary table on stderr at the end (default: when stderr is a terminal).",
)
def check(  # noqa: PLR0917 — one parameter per option
    file: Path,
    as_of_text: str | None,
    output: str,
    lang: str,
    no_ocr: bool,
    jobs: int,
    progress: bool | None,
    documents_dir: Path | None = None,
    explain: bool = False,
    html_path: Path | None = None,
    summary: bool | None = None,
) -> int:
    """Pre-screen the application(s) in FILE (.json, .jsonl or .csv)."""
    try:
        as_of = _as_of_option(as_of_text)
        kind = _input_kind(file)
        settings = Settings(
            base_dir=file.parent,
            as_of=as_of,
            read_license=not no_ocr,
            output=output,
            lang=lang,
            colour=output == "text" and _colour_wanted(sys.stdout),
            single=kind == "json",
            documents_dir=documents_dir,
            explain=explain,
            collect=html_path is not None or bool(summary),
        )
        if summary is None and sys.stderr.isatty():
            settings = dataclasses.replace(settings, collect=True)
            summary = True
        if kind == "json":
            code = _check_one(file, settings)
        else:
            show = progress if progress is not None else sys.stderr.isatty()
            code = _check_batch(file, kind, settings, jobs=jobs, progress=show)
        _report_files(file, settings, html_path, bool(summary))
        return code
    except FileInputError as exc:
        _complain(str(exc))
        return 2


def _as_of_option(text: str | None) -> date:
    from onboard.eligibility.ruleset import RuleSetError, ruleset_in_force  # noqa: PLC0415
    from onboard.intake.schemas import parse_date  # noqa: PLC0415

    if text is None:
        return date.today()
    try:
        day = parse_date(text)
        ruleset_in_force(day)
    except (ValueError, RuleSetError) as exc:
        raise FileInputError(f"--as-of: {exc}") from None
    return day


def _input_kind(file: Path) -> str:
    """``json`` for one application, else the batch format (:mod:`onboard.intake.batchfile`)."""
    if file.suffix.lower() == ".json":
        kind = "json"
    else:
        try:
            kind = file_format(file.name)
        except InputError:
            raise FileInputError(
                f"{file}: unknown file type; use .json, .jsonl, .csv or .xlsx"
            ) from None
    if not file.exists():
        raise FileInputError(f"{file}: no such file")
    if not file.is_file():
        raise FileInputError(f"{file}: not a regular file")
    return kind


def _colour_wanted(stream: IO[str]) -> bool:
    return "NO_COLOR" not in os.environ and stream.isatty()


def _check_one(file: Path, settings: Settings) -> int:
    data = _read_bytes(file)
    if not data.strip():
        raise FileInputError(f"{file}: empty file")
    outcome = check_row(settings, Row(1, 1, data, len(data)))
    if outcome.client is not None:
        _collected.append(outcome.client)
    if outcome.code == 2:
        raise FileInputError(f"{file}: {outcome.error}")
    head = _csv_line(RESULT_COLUMNS) if settings.output == "csv" else ""
    tail = "\n" if settings.output == "json" else ""  # text and csv end with a newline
    click.echo(head + outcome.text.decode() + tail, nl=False, color=settings.colour)
    return outcome.code


def _read_bytes(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise FileInputError(f"{file}: cannot read: {exc.strerror or exc}") from None


# --- checking one row (in this process or a worker) ----------------------------------------


def check_row(settings: Settings, item: Row) -> Outcome:
    """Check one application and render the result; bad input becomes an error outcome."""
    # Imported on first use (later calls are a dictionary look-up): `onboard --help` and
    # `onboard serve` need not load the rule set and its libraries first.
    from onboard.usecases.prescreen import prescreen  # noqa: PLC0415

    who = Who(item.row, item.line, item.ref, item.client())
    try:
        if item.errors:
            raise InputError(item.errors)
        decoded = decode(item.payload, item.ref)
        who = who._replace(ref=decoded.ref, client=decoded.client)
        application = application_of(decoded)
        documents = _document_files(application, settings.documents_dir or settings.base_dir)
        report = prescreen(
            application,
            documents=documents,
            as_of=settings.as_of,
            read_license=settings.read_license,
            batch_duplicates=None
            if settings.batch_duplicates is None
            else settings.batch_duplicates.get(item.row, {}),
        )
    except InputError as exc:
        text = render_errors(settings, who, exc)
        client = _offline().error_line(who, exc.errors) if settings.collect else None
        return Outcome(item.row, item.line, 2, text, exc.summary(), client)
    code = 0 if report.verdict is Verdict.ELIGIBLE else 1
    if not (settings.explain or settings.collect):
        return Outcome(item.row, item.line, code, render_report(settings, who, report))
    changes = _offline().changes_of(report, application)
    text = render_report(settings, who, report, changes if settings.explain else None)
    client = _offline().client_line(who, report, changes)
    return Outcome(item.row, item.line, code, text, None, client if settings.collect else None)


def _offline() -> Any:
    from onboard.agencies import offline  # noqa: PLC0415 — only with --explain/--html

    return offline


class Who(NamedTuple):
    """Whom an output line is about: the row, the line it starts on, the agency's ref and
    the client it names (kept on error rows too)."""

    row: int
    line: int
    ref: str | None
    client: str | None


def _document_files(application: Application, base_dir: Path) -> dict[str, Path]:
    """The declared documents that are files in the documents folder (``--documents``,
    default the input's folder).

    A document named but not there stays *declared*: it is reported as declared and not
    inspected, exactly as over the API when no file comes with the name (README, "One
    answer whichever way"). A name may not leave that folder: an absolute path, ``..`` or a
    symbolic link pointing outside is an input error naming the column, and the file is
    never opened."""
    files: dict[str, Path] = {}
    errors: dict[str, list[str]] = {}
    root = base_dir.resolve()
    for kind, name in application.documents.items():
        try:
            path = (base_dir / name).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a bad name
            errors[f"documents.{kind}"] = [f"Cannot open {name!r}: {exc}."]
            continue
        if not path.is_relative_to(root):
            errors[f"documents.{kind}"] = [
                f"{name!r} is outside the documents folder: name a file inside it."
            ]
            continue
        try:
            found = path.is_file() and os.access(path, os.R_OK)
        except (OSError, ValueError):  # a name too long, a NUL byte: not a file here
            found = False
        if found:
            files[kind] = path
    if errors:
        raise InputError(errors)
    return files


# --- rendering -------------------------------------------------------------------------------


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
        return _csv_line(_report_cells(who, report)).encode()
    title = "application" if settings.single else _title(who)
    text = report_text(report, title, lang=settings.lang, colour=settings.colour)
    if changes:
        text += _offline().changes_text(changes, settings.lang)
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
        return _csv_line(cells).encode()
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


def _csv_line(cells: Iterable[str]) -> str:
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


# --- batches ---------------------------------------------------------------------------------


def _check_batch(file: Path, kind: str, settings: Settings, *, jobs: int, progress: bool) -> int:
    chunks = _jsonl_chunks(file) if kind == "jsonl" else _table_chunks(file, kind)
    first, chunks = _peek_rows(chunks, PARALLEL_MIN_ROWS + 1)
    if not first:
        raise FileInputError(f"{file}: no applications in the file")
    workers = _worker_count(jobs, sum(chunk.rows for chunk in first))
    settings = dataclasses.replace(settings, batch_duplicates=_batch_duplicates(file, kind))
    gc.freeze()  # as in workers: start-up objects need no more garbage collection
    try:
        with _progress_bar(file, progress) as bar:
            if workers > 1:
                with _run_in_pool(settings, chunks, workers) as results:
                    summary = _write_batch(settings, results, bar)
            else:
                results = (_check_chunk(settings, chunk) for chunk in chunks)
                summary = _write_batch(settings, results, bar)
    finally:
        gc.unfreeze()
    return summary.finish()


def _batch_duplicates(file: Path, kind: str) -> dict[int, dict[str, tuple[Duplicate, ...]]]:
    """A first pass over the batch: the rows that share a license number, mobile number,
    email or shop name with other rows (:mod:`onboard.eligibility.duplicates`)."""
    with _open_binary(file) as stream:
        try:
            rows = (
                jsonl_rows(stream)
                if kind == "jsonl"
                else open_batch(stream, kind, limits=_UNLIMITED_ROWS).rows
            )
            return within_batch(
                (row.row, unique_values_of(row.payload)) for row in rows if not row.errors
            )
        except InputError as exc:
            raise FileInputError(f"{file}: {exc.summary()}") from None


class Chunk(NamedTuple):
    """A unit of work: ``rows`` consecutive rows of the input, checked together (by a worker
    process, in a pool) and written out together.

    ``lines`` holds a JSON Lines chunk as the bytes read (blank lines included), split into
    rows where it is checked: one bytes object crosses to a worker process far faster than a
    row object per line. A CSV chunk holds its parsed rows (records may span lines)."""

    rows: int
    size: int  # bytes of input, for the progress bar
    first_row: int
    first_line: int
    lines: bytes | list[Row]


def _rows_of(chunk: Chunk) -> Iterable[Row]:
    if not isinstance(chunk.lines, bytes):
        return chunk.lines
    return jsonl_rows(io.BytesIO(chunk.lines), chunk.first_row, chunk.first_line)


def _peek_rows(chunks: Iterator[Chunk], rows: int) -> tuple[list[Chunk], Iterator[Chunk]]:
    """The first chunks, until they hold ``rows`` rows (fewer if the input ends), and an
    iterator over all of them."""
    head: list[Chunk] = []
    seen = 0
    for chunk in chunks:
        head.append(chunk)
        seen += chunk.rows
        if seen >= rows:
            break
    return head, _chain(head, chunks)


def _chain(head: list[T], rest: Iterator[T]) -> Iterator[T]:
    yield from head
    yield from rest


def _worker_count(jobs: int, rows_seen: int) -> int:
    if jobs:
        return jobs
    if rows_seen <= PARALLEL_MIN_ROWS:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _jsonl_chunks(file: Path) -> Iterator[Chunk]:
    """The file in chunks of :data:`CHUNK_ROWS` non-blank lines, each as the bytes read."""
    with _open_binary(file) as stream:
        lines: list[bytes] = []
        rows = size = 0
        first_row = first_line = 1
        for line_no, raw in enumerate(stream, start=1):
            lines.append(raw)
            size += len(raw)
            if raw.strip():
                rows += 1
                if rows >= CHUNK_ROWS:
                    yield Chunk(rows, size, first_row, first_line, b"".join(lines))
                    first_row += rows
                    first_line = line_no + 1
                    lines, rows, size = [], 0, 0
        if rows:
            yield Chunk(rows, size, first_row, first_line, b"".join(lines))


def _open_binary(file: Path) -> IO[bytes]:
    try:
        return file.open("rb")
    except OSError as exc:
        raise FileInputError(f"{file}: cannot read: {exc.strerror or exc}") from None


#: A file on the command line may hold any number of rows (the server's batches may not).
_UNLIMITED_ROWS = Limits(max_rows=sys.maxsize)


def _table_chunks(file: Path, kind: str) -> Iterator[Chunk]:
    """A CSV or XLSX file's rows (:func:`onboard.intake.batchfile.open_batch`) in chunks of
    :data:`CHUNK_ROWS`; a problem with the file as a whole (its header, its size, a hostile
    workbook) is a :class:`FileInputError`."""
    with _open_binary(file) as stream:
        try:
            opened = open_batch(stream, kind, limits=_UNLIMITED_ROWS)
            _read_as[:] = [opened.encoding] if opened.encoding and kind == "csv" else []
            chunk: list[Row] = []
            for row in opened.rows:
                chunk.append(row)
                if len(chunk) >= CHUNK_ROWS:
                    yield _rows_chunk(chunk)
                    chunk = []
        except InputError as exc:
            raise FileInputError(f"{file}: {exc.summary()}") from None
        if chunk:
            yield _rows_chunk(chunk)


def _rows_chunk(rows: list[Row]) -> Chunk:
    return Chunk(len(rows), sum(row.size for row in rows), rows[0].row, rows[0].line, rows)


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """A chunk's output, already joined and encoded (the parent process only writes it),
    with what the exit status and the stderr line need.

    From a worker process the output comes as a file in the batch's spool folder instead
    (``spooled``; ``output`` is then empty): the parent copies it to stdout in the kernel
    rather than receiving, unpickling and writing hundreds of megabytes itself."""

    output: bytes
    rows: int
    not_eligible: int
    bad: list[Outcome]  # rows with bad input (their text is in ``output`` too)
    size: int  # bytes of input, for the progress bar
    clients: list[Any] = dataclasses.field(default_factory=list)  # with Settings.collect
    spooled: str | None = None


_SEPARATORS = {"json": b",\n", "csv": b"", "text": b"\n"}


def _check_chunk(settings: Settings, chunk: Chunk) -> ChunkResult:
    outcomes = [check_row(settings, item) for item in _rows_of(chunk)]
    return ChunkResult(
        output=_SEPARATORS[settings.output].join(outcome.text for outcome in outcomes),
        rows=len(outcomes),
        not_eligible=sum(1 for outcome in outcomes if outcome.code == 1),
        bad=[outcome for outcome in outcomes if outcome.code == 2],
        size=chunk.size,
        clients=[outcome.client for outcome in outcomes if outcome.client is not None],
    )


# Worker processes receive the settings and the spool folder once, then chunks.
_worker_settings: Settings | None = None
_worker_spool: str | None = None


def _init_worker(settings: Settings, spool: str) -> None:
    # Per-process state of a pool worker.
    global _worker_settings, _worker_spool
    _worker_settings, _worker_spool = settings, spool
    gc.freeze()  # what start-up loaded lives to the end: keep it out of every collection


def _check_chunk_in_worker(chunk: Chunk) -> ChunkResult:
    assert _worker_settings is not None and _worker_spool is not None
    result = _check_chunk(_worker_settings, chunk)
    descriptor, name = tempfile.mkstemp(dir=_worker_spool, prefix=f"{chunk.first_row}-")
    with open(descriptor, "wb") as spooled:
        spooled.write(result.output)
    return dataclasses.replace(result, output=b"", spooled=name)


@contextmanager
def _run_in_pool(
    settings: Settings, chunks: Iterator[Chunk], workers: int
) -> Iterator[Iterator[ChunkResult]]:
    """Chunks checked by ``workers`` processes, results in input order, with a bounded number
    of chunks in flight so that a huge file is never held in memory whole; workers spool
    their output to files in a private folder, removed with what is left in it at the end.

    Workers start from a fork server that has imported onboard once: they start fast, and
    the parent (which may have threads, e.g. under a test runner) is never forked itself.
    """
    import multiprocessing  # noqa: PLC0415

    context = multiprocessing.get_context("forkserver" if sys.platform == "linux" else "spawn")
    if sys.platform == "linux":
        context.set_forkserver_preload(
            ["onboard.cli", "onboard.usecases.prescreen", "onboard.intake.schemas"]
        )
    with (
        tempfile.TemporaryDirectory(prefix="onboard-check-") as spool,
        context.Pool(workers, initializer=_init_worker, initargs=(settings, spool)) as pool,
    ):

        def results() -> Iterator[ChunkResult]:
            pending: deque[AsyncResult[ChunkResult]] = deque()
            for chunk in chunks:
                pending.append(pool.apply_async(_check_chunk_in_worker, (chunk,)))
                if len(pending) >= 4 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()

        yield results()


class _Summary:
    """Counts outcomes and turns them into the exit status and the stderr line."""

    def __init__(self) -> None:
        self.rows = 0
        self.not_eligible = 0
        self.bad: list[Outcome] = []

    def add(self, result: ChunkResult) -> None:
        _collected.extend(result.clients)
        self.rows += result.rows
        self.not_eligible += result.not_eligible
        self.bad.extend(result.bad)

    def finish(self) -> int:
        if self.bad:
            first = self.bad[0]
            _complain(
                f"input errors in {len(self.bad)} of {self.rows} rows "
                f"(first: row {first.row}, line {first.line}: {first.error})"
            )
            return 2
        return 1 if self.not_eligible else 0


def _write_batch(settings: Settings, results: Iterable[ChunkResult], bar: Any) -> _Summary:
    """Stream the output to stdout as it comes (a chunk at a time), in input order."""
    summary = _Summary()
    opening, closing = {
        "json": ("[\n", "\n]\n"),
        "csv": (_csv_line(RESULT_COLUMNS), ""),
        "text": ("", ""),
    }[settings.output]
    lead = opening.encode()
    separator = _SEPARATORS[settings.output]
    for result in results:
        summary.add(result)
        click.echo(lead + result.output, nl=False)
        if result.spooled is not None:
            _copy_to_stdout(result.spooled)
            os.unlink(result.spooled)
        lead = separator
        bar.update(result.size)
    click.echo(closing.encode(), nl=False)
    return summary


#: What ``sendfile`` answers when it cannot write to this kind of output (a terminal, a file
#: opened for appending on some systems): the bytes are then copied by hand.
_NO_SENDFILE = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF})


def _copy_to_stdout(path: str) -> None:
    """Append the file at ``path`` to stdout: in the kernel (``sendfile``) when stdout is a
    file descriptor, else (a test runner's buffer, a terminal that refuses) through Python."""
    sys.stdout.flush()
    with open(path, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        done = 0
        target = _stdout_descriptor()
        if target is not None:
            try:
                while done < size:
                    sent = os.sendfile(target, source.fileno(), done, size - done)
                    if not sent:
                        break
                    done += sent
            except OSError as exc:
                if exc.errno not in _NO_SENDFILE:
                    raise
        source.seek(done)
        while block := source.read(1 << 20):
            click.echo(block, nl=False)


def _stdout_descriptor() -> int | None:
    try:
        return sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return None


class _NoBar:
    def update(self, size: int) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class _PercentLines(_NoBar):
    """``--progress`` when stderr is not a terminal (a CI log): a line every 10 %."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.shown = 0

    def update(self, size: int) -> None:
        self.done += size
        percent = min(100, self.done * 100 // self.total) // 10 * 10
        if percent > self.shown:
            self.shown = percent
            click.echo(f"onboard: checked {percent}%", err=True)


def _progress_bar(file: Path, show: bool) -> Any:
    if not show:
        return _NoBar()
    total = file.stat().st_size
    if not sys.stderr.isatty():
        return _PercentLines(total)
    return click.progressbar(length=total, label="Checking", file=sys.stderr)


#: Per-row report lines of the current ``check`` (with ``Settings.collect``).
_collected: list[Any] = []
#: How the current ``check`` decoded its CSV file (for the summary and the HTML report).
_read_as: list[str] = []


def _report_files(file: Path, settings: Settings, html: Path | None, summary: bool) -> None:
    """After ``check``: the HTML report file and the summary table on stderr, if asked."""
    lines, _collected[:] = list(_collected), []
    encoding, _read_as[:] = (_read_as[0] if _read_as else None), []
    if not settings.collect:
        return
    offline = _offline()
    report = offline.summarize(sorted(lines, key=lambda line: line.row))
    if html is not None:
        try:
            offline.write_html(html, lines, file.name, encoding=encoding)
        except OSError as exc:
            _complain(f"{html}: cannot write: {exc.strerror or exc}")
    if summary:
        click.echo(offline.summary_table(report, encoding=encoding), err=True, nl=False)


# --- onboard ocr ---------------------------------------------------------------------------


@main.command()
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "output", type=click.Choice(["json", "text"]), default="json", show_default=True
)
@click.option("--region", type=click.Choice(["CN", "HK"]), default="CN", show_default=True)
def ocr(image: Path, output: str, region: str) -> int:
    """Read the registration number from a license image (IMAGE: JPEG, PNG or BMP), and
    the license's other fields: company name, legal representative and date of
    establishment (``--region HK``: the BR number and the business name of a Business
    Registration Certificate). A photo turned sideways or upside down is read all the same.

    Exit status: 0 when a reading is printed (whatever its status), 2 when IMAGE is not a
    sound image, 3 when the OCR engine (Tesseract) is not installed.
    """
    try:
        data = _license_image(image)
    except FileInputError as exc:
        _complain(str(exc))
        return 2
    from onboard.ocr import read_license  # noqa: PLC0415 — loads Tesseract bindings

    try:
        reading = read_license(data, region=region)
    except OSError as exc:  # no Tesseract binary (pytesseract's TesseractNotFoundError)
        _complain(f"OCR is not available: {exc}")
        return 3
    if output == "json":
        click.echo(_json(reading.to_dict(), pretty=True))
    else:
        click.echo(license_text(reading.to_dict()))
    return 0


def _license_image(image: Path) -> bytes:
    """The image's bytes, once :func:`inspect_document` has found it a sound image."""
    from onboard.documents import inspect_document  # noqa: PLC0415
    from onboard.eligibility.ruleset import default_ruleset  # noqa: PLC0415

    ruleset = default_ruleset()
    if not image.is_file():
        raise FileInputError(f"{image}: no such file")
    try:
        facts = inspect_document(
            "business_license",
            image,
            max_bytes=ruleset.max_bytes,
            max_pixels=ruleset.max_pixels,
            max_decoded_bytes=ruleset.max_decoded_bytes,
        )
        data = image.read_bytes() if facts.problem is None else b""
    except OSError as exc:
        raise FileInputError(f"{image}: cannot read: {exc.strerror or exc}") from None
    if facts.problem is not None:
        raise FileInputError(f"{image}: {document_problem(facts, ruleset)['en']}")
    return data


def license_text(reading: dict[str, Any]) -> str:
    """``onboard ocr --format text``: the reading as a person checks it."""
    lines = [
        f"license number  {reading['license_number'] or '-'}  ({reading['status']}, "
        f"{'valid' if reading['valid'] else 'not valid'})",
        f"read as         {reading['raw'] or '-'}",
    ]
    for fix in reading["corrections"]:
        lines.append(f"corrected       position {fix['position']}: {fix['read']} -> {fix['as']}")
    if reading["candidates"]:
        lines.append(f"candidates      {', '.join(reading['candidates'])}")
    lines.append(f"confidence      {reading['confidence']:.2f}  ({reading['seconds']:.2f} s)")
    if reading.get("orientation"):
        lines.append(f"turned          {reading['orientation']}° clockwise to read")
    for name, field in (reading.get("fields") or {}).items():
        label = _FIELD_LABELS.get(name, name)
        value = field["value"] if field["value"] is not None else "-"
        lines.append(f"{label:<15} {value}  ({field['status']}, {field['confidence']:.2f})")
    return "\n".join(lines)


#: ``onboard ocr --format text``: how each of the license's other fields is labelled.
_FIELD_LABELS = {
    "company_name": "company name",
    "legal_representative": "legal rep.",
    "established_on": "established on",
}


# --- onboard serve -------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--debug", is_flag=True, help="Reload on code changes and show the debugger.")
def serve(host: str, port: int, debug: bool) -> int:
    """Serve the web app and the JSON API (embedded defaults: SQLite, local files)."""
    from werkzeug.serving import run_simple  # noqa: PLC0415

    from onboard import create_app, database  # noqa: PLC0415
    from onboard.config import ConfigError  # noqa: PLC0415

    try:
        app = create_app(_served_base_url(host, port))
        database.prepare_schema(app)
    except (ConfigError, database.SchemaOutOfDate) as exc:
        _complain(str(exc))
        return 2
    if debug and app.config["ONBOARD_ENV"] == "production":
        _complain("--debug is not allowed when ONBOARD_ENV=production (the debugger runs code)")
        return 2
    from onboard import jobs  # noqa: PLC0415

    jobs.start_sweeper(app)  # stalled batches resume without anyone polling
    try:
        run_simple(host, port, app, threaded=True, use_reloader=debug, use_debugger=debug)
    except OSError as exc:
        _complain(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        return 1
    return 0


def _served_base_url(host: str, port: int) -> dict[str, str]:
    """Without ``ONBOARD_BASE_URL`` (development only: production requires it), links in
    emails point where this server listens, not at the default port's address."""
    if os.environ.get("ONBOARD_BASE_URL", "").strip():
        return {}
    reachable = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return {"ONBOARD_BASE_URL": f"http://{reachable}:{port}"}


# --- onboard users: accounts of the reviewer desk ------------------------------------------


@main.group()
def users() -> None:
    """Accounts of the reviewer desk (the first admin; admins add the others on the desk)."""


@users.command("create")
@click.option("--email", required=True, help="The login: the person's email address.")
@click.option("--name", default="", help="Shown on the desk (default: the email address).")
@click.option(
    "--role", type=click.Choice(["reviewer", "admin"]), default="admin", show_default=True
)
@click.password_option(
    envvar="ONBOARD_NEW_PASSWORD", help="At least 12 characters; asked for when not given."
)
def users_create(email: str, name: str, role: str, password: str) -> int:
    """Create a desk account (the database is migrated first, so this works on a fresh one)."""
    from flask_migrate import upgrade  # noqa: PLC0415

    from onboard import audit, auth, create_app  # noqa: PLC0415
    from onboard.config import ConfigError  # noqa: PLC0415
    from onboard.extensions import db  # noqa: PLC0415

    try:
        app = create_app()
    except ConfigError as exc:
        _complain(str(exc))
        return 2
    with app.app_context():
        upgrade()
        try:
            user = auth.create_user(email, name, role, password)
        except auth.AccountError as exc:
            _complain(str(exc))
            return 2
        audit.record("account_created", actor="command line", account=user.email, role=role)
        db.session.commit()
        click.echo(f"created {user.role} {user.email}")
    return 0


# --- onboard agencies / keys: partner agencies and their API keys (issue 6) --------------


def _add_agency_commands() -> None:
    from onboard.agencies.commands import agencies, keys_group  # noqa: PLC0415

    main.add_command(agencies)
    main.add_command(keys_group, "keys")


_add_agency_commands()


# --- onboard privacy: one applicant's data, and retention ----------------------------------


@main.group()
def privacy() -> None:
    """Applicants' personal data: export or erase one applicant's, purge abandoned drafts."""


@contextmanager
def _privacy_app() -> Iterator[Any]:
    """The app's context for an admin command (None when the settings are wrong, said on
    stderr); its database connections are closed on the way out."""
    from onboard import create_app  # noqa: PLC0415
    from onboard.config import ConfigError  # noqa: PLC0415
    from onboard.extensions import db  # noqa: PLC0415

    try:
        app = create_app()
    except ConfigError as exc:
        _complain(str(exc))
        yield None
        return
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@privacy.command("export")
@click.argument("public_id")
@click.option(
    "--out",
    type=click.Path(file_okay=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="A directory (the zip is named after the application) or a .zip path.",
)
def privacy_export(public_id: str, out: Path) -> int:
    """Write everything stored about one application, its files included, to a zip."""
    from onboard.usecases import privacy as personal  # noqa: PLC0415

    with _privacy_app() as app:
        if app is None:
            return 2
        try:
            result = personal.export_application(public_id, out)
        except personal.NoSuchApplication as exc:
            _complain(str(exc))
            return 2
    missing = f", {len(result.missing)} missing from the store" if result.missing else ""
    click.echo(f"exported {public_id} to {result.path} ({result.files} files{missing})")
    return 0


@privacy.command("erase")
@click.argument("public_id")
@click.option("--yes", is_flag=True, help="Erase without asking.")
def privacy_erase(public_id: str, yes: bool) -> int:
    """Delete one application: its rows and its files not shared with another; audited."""
    from onboard.usecases import privacy as personal  # noqa: PLC0415

    if not yes:
        click.confirm(f"Erase application {public_id} and its documents for good?", abort=True)
    with _privacy_app() as app:
        if app is None:
            return 2
        try:
            result = personal.erase_application(public_id)
        except personal.NoSuchApplication as exc:
            _complain(str(exc))
            return 2
    click.echo(
        f"erased {result.public_id}: {result.files_deleted} files deleted, "
        f"{result.files_kept} kept (used by other applications)"
    )
    return 0


@privacy.command("purge-drafts")
@click.option(
    "--older-than", default="90d", show_default=True, help="Untouched for this long: 90d, 12w."
)
@click.option("--dry-run", is_flag=True, help="List the drafts, erase nothing.")
def privacy_purge_drafts(older_than: str, dry_run: bool) -> int:
    """Erase drafts nobody has touched for a while (data retention)."""
    from onboard.usecases import privacy as personal  # noqa: PLC0415

    try:
        age = personal.parse_age(older_than)
    except ValueError as exc:
        _complain(f"--older-than: {exc}")
        return 2
    with _privacy_app() as app:
        if app is None:
            return 2
        result = personal.purge_drafts(age, dry_run=dry_run)
    verb = "would erase" if dry_run else "erased"
    click.echo(f"{verb} {len(result.drafts)} drafts untouched for {older_than}")
    for public_id in result.drafts:
        click.echo(f"  {public_id}")
    if not dry_run:
        click.echo(f"{result.files_deleted} files deleted")
    return 0
