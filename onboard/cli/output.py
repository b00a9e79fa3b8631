"""``onboard check``'s batch output: streamed to stdout a chunk at a time in input order
(a worker's spooled file copied in the kernel), the progress bar on stderr, and the tally
that becomes the exit status and the stderr line."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from onboard.cli.chunks import ChunkResult
from onboard.cli.group import complain
from onboard.cli.render import RESULT_COLUMNS, SEPARATORS, csv_line
from onboard.cli.settings import Gathered, Outcome, Settings


class Tally:
    """Counts outcomes and turns them into the exit status and the stderr line."""

    def __init__(self, gathered: Gathered) -> None:
        self.gathered = gathered
        self.rows = 0
        self.not_eligible = 0
        self.bad: list[Outcome] = []

    def add(self, result: ChunkResult) -> None:
        self.gathered.lines.extend(result.clients)
        self.rows += result.rows
        self.not_eligible += result.not_eligible
        self.bad.extend(result.bad)

    def finish(self) -> int:
        if self.bad:
            first = self.bad[0]
            complain(
                f"input errors in {len(self.bad)} of {self.rows} rows "
                f"(first: row {first.row}, line {first.line}: {first.error})"
            )
            return 2
        return 1 if self.not_eligible else 0


def write_batch(
    settings: Settings, results: Iterable[ChunkResult], bar: Any, gathered: Gathered
) -> Tally:
    """Stream the output to stdout as it comes (a chunk at a time), in input order."""
    summary = Tally(gathered)
    opening, closing = {
        "json": ("[\n", "\n]\n"),
        "csv": (csv_line(RESULT_COLUMNS), ""),
        "text": ("", ""),
    }[settings.output]
    lead = opening.encode()
    separator = SEPARATORS[settings.output]
    for result in results:
        summary.add(result)
        click.echo(lead + result.output, nl=False)
        if result.spooled is not None:
            copy_to_stdout(result.spooled)
            os.unlink(result.spooled)
        lead = separator
        bar.update(result.size)
    click.echo(closing.encode(), nl=False)
    return summary


#: What ``sendfile`` answers when it cannot write to this kind of output (a terminal, a file
#: opened for appending on some systems): the bytes are then copied by hand.
_NO_SENDFILE = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF})


def copy_to_stdout(path: str) -> None:
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


class Bar:
    """No progress shown (the base of the two that show it)."""

    def update(self, size: int) -> None:
        pass

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class _PercentLines(Bar):
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


def progress_bar(file: Path, show: bool) -> Any:
    if not show:
        return Bar()
    total = file.stat().st_size
    if not sys.stderr.isatty():
        return _PercentLines(total)
    return click.progressbar(length=total, label="Checking", file=sys.stderr)
