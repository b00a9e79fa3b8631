"""``onboard check``: pre-screen the application(s) in a file.

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
This module is the command, read top-down; one row is :mod:`onboard.cli.rows`, the chunks
:mod:`onboard.cli.chunks`, the workers :mod:`onboard.cli.pool`, the output
:mod:`onboard.cli.render` and :mod:`onboard.cli.output`.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
from datetime import date
from pathlib import Path
from typing import IO

import click

from onboard.cli import offline
from onboard.cli.chunks import (
    PARALLEL_MIN_ROWS,
    batch_duplicates,
    jsonl_chunks,
    peek_rows,
    table_chunks,
    worker_count,
)
from onboard.cli.group import FileInputError, complain
from onboard.cli.output import progress_bar, write_batch
from onboard.cli.pool import run_in_pool
from onboard.cli.render import RESULT_COLUMNS, csv_line
from onboard.cli.rows import check_chunk, check_row
from onboard.cli.settings import FORMATS, Gathered, Settings
from onboard.eligibility.ruleset import RuleSetError, ruleset_in_force
from onboard.errors import InputError
from onboard.intake.batchfile import Row, file_format
from onboard.intake.schemas import parse_date


@click.command()
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
        gathered = Gathered()
        if kind == "json":
            code = _check_one(file, settings, gathered)
        else:
            show = progress if progress is not None else sys.stderr.isatty()
            code = _check_batch(file, kind, settings, gathered, jobs=jobs, progress=show)
        _report_files(file, settings, gathered, html_path, bool(summary))
        return code
    except FileInputError as exc:
        complain(str(exc))
        return 2


def _check_one(file: Path, settings: Settings, gathered: Gathered) -> int:
    data = _read_bytes(file)
    if not data.strip():
        raise FileInputError(f"{file}: empty file")
    outcome = check_row(settings, Row(1, 1, data, len(data)))
    if outcome.client is not None:
        gathered.lines.append(outcome.client)
    if outcome.code == 2:
        raise FileInputError(f"{file}: {outcome.error}")
    head = csv_line(RESULT_COLUMNS) if settings.output == "csv" else ""
    tail = "\n" if settings.output == "json" else ""  # text and csv end with a newline
    click.echo(head + outcome.text.decode() + tail, nl=False, color=settings.colour)
    return outcome.code


def _check_batch(
    file: Path, kind: str, settings: Settings, gathered: Gathered, *, jobs: int, progress: bool
) -> int:
    """A batch, in chunks: in worker processes when it is large, streamed out in order."""
    chunks = jsonl_chunks(file) if kind == "jsonl" else table_chunks(file, kind, gathered)
    first, chunks = peek_rows(chunks, PARALLEL_MIN_ROWS + 1)
    if not first:
        raise FileInputError(f"{file}: no applications in the file")
    workers = worker_count(jobs, sum(chunk.rows for chunk in first))
    settings = dataclasses.replace(settings, batch_duplicates=batch_duplicates(file, kind))
    gc.freeze()  # as in workers: start-up objects need no more garbage collection
    try:
        with progress_bar(file, progress) as bar:
            if workers > 1:
                with run_in_pool(check_chunk, settings, chunks, workers) as results:
                    tally = write_batch(settings, results, bar, gathered)
            else:
                results = (check_chunk(settings, chunk) for chunk in chunks)
                tally = write_batch(settings, results, bar, gathered)
    finally:
        gc.unfreeze()
    return tally.finish()


def _report_files(
    file: Path, settings: Settings, gathered: Gathered, html: Path | None, summary: bool
) -> None:
    """After ``check``: the HTML report file and the summary table on stderr, if asked."""
    if not settings.collect:
        return
    lines, encoding = gathered.lines, gathered.encoding
    report = offline.summarize(sorted(lines, key=lambda line: line.row))
    if html is not None:
        try:
            offline.write_html(html, lines, file.name, encoding=encoding)
        except OSError as exc:
            complain(f"{html}: cannot write: {exc.strerror or exc}")
    if summary:
        click.echo(offline.summary_table(report, encoding=encoding), err=True, nl=False)


# --- the input -----------------------------------------------------------------------------


def _as_of_option(text: str | None) -> date:
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


def _read_bytes(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise FileInputError(f"{file}: cannot read: {exc.strerror or exc}") from None
