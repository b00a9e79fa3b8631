"""``onboard check`` on one row: the application read from the row (one reader with agency
batches, :mod:`onboard.intake.batchfile`), its document files found, the pre-screen run and
the result rendered; bad input becomes an error outcome, never an exception. Runs in this
process or in a worker (:mod:`onboard.cli.pool`), a chunk of rows at a time."""

from __future__ import annotations

import os
from pathlib import Path

from onboard.agencies.report import client_line
from onboard.cli import offline
from onboard.cli.chunks import Chunk, ChunkResult, rows_of
from onboard.cli.render import SEPARATORS, render_errors, render_report
from onboard.cli.settings import Outcome, Settings, Who
from onboard.eligibility.model import Application, Verdict
from onboard.eligibility.ruleset import default_ruleset
from onboard.errors import InputError
from onboard.intake.batchfile import Row, read_row
from onboard.usecases.prescreen import prescreen


def check_chunk(settings: Settings, chunk: Chunk) -> ChunkResult:
    """Every row of ``chunk`` checked and rendered, joined into the chunk's output."""
    outcomes = [check_row(settings, item) for item in rows_of(chunk)]
    return ChunkResult(
        output=SEPARATORS[settings.output].join(outcome.text for outcome in outcomes),
        rows=len(outcomes),
        not_eligible=sum(1 for outcome in outcomes if outcome.code == 1),
        bad=[outcome for outcome in outcomes if outcome.code == 2],
        size=chunk.size,
        clients=[outcome.client for outcome in outcomes if outcome.client is not None],
    )


def check_row(settings: Settings, item: Row) -> Outcome:
    """Check one application and render the result; bad input becomes an error outcome."""
    read = read_row(item.payload, default_ruleset(), ref=item.ref, errors=item.errors)
    who = Who(item.row, item.line, read.ref, read.client)
    if read.application is None:
        return _error_outcome(settings, who, InputError(read.errors or {}))
    application = read.application
    try:
        documents = document_files(application, settings.documents_dir or settings.base_dir)
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
        return _error_outcome(settings, who, exc)
    code = 0 if report.verdict is Verdict.ELIGIBLE else 1
    if not (settings.explain or settings.collect):
        return Outcome(who.row, who.line, code, render_report(settings, who, report))
    changes = offline.changes_of(report, application)
    text = render_report(settings, who, report, changes if settings.explain else None)
    client = client_line(report, application, changes, row=who.row, line=who.line, ref=who.ref)
    return Outcome(who.row, who.line, code, text, None, client if settings.collect else None)


def _error_outcome(settings: Settings, who: Who, error: InputError) -> Outcome:
    text = render_errors(settings, who, error)
    client = offline.error_line(who, error.errors) if settings.collect else None
    return Outcome(who.row, who.line, 2, text, error.summary(), client)


def document_files(application: Application, base_dir: Path) -> dict[str, Path]:
    """The declared documents that are files in the documents folder (``--documents``,
    default the input's folder).

    A document named but not there stays *declared*: it is reported as declared and not
    inspected, exactly as over the API when no file comes with the name (README, "One
    answer whichever way"). A name may not leave that folder: an absolute path, ``..`` or a
    symbolic link pointing outside is an input error naming the column, and the file is
    never opened."""
    if not application.documents:
        return {}  # nothing to look for: the folder is not even resolved (a path walk)
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
