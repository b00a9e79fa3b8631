"""``onboard check``'s batches as units of work: the input file read in chunks of
:data:`CHUNK_ROWS` rows (:mod:`onboard.intake.batchfile`, the reader agency batches use), a
chunk's result, and the first pass that finds rows sharing unique values."""

from __future__ import annotations

import dataclasses
import io
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple, TypeVar

from onboard.agencies.report import ClientLine
from onboard.cli.group import FileInputError
from onboard.cli.settings import Gathered, Outcome
from onboard.eligibility.duplicates import within_batch
from onboard.eligibility.model import Duplicate
from onboard.errors import InputError
from onboard.intake.batchfile import Limits, Row, jsonl_rows, open_batch, unique_values_of

T = TypeVar("T")

#: Batches with more rows than this are spread over worker processes (``--jobs 0``).
PARALLEL_MIN_ROWS = 2000
#: Rows per unit of work: big enough that inter-process traffic is a small cost.
CHUNK_ROWS = 500


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


def rows_of(chunk: Chunk) -> Iterable[Row]:
    if not isinstance(chunk.lines, bytes):
        return chunk.lines
    return jsonl_rows(io.BytesIO(chunk.lines), chunk.first_row, chunk.first_line)


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
    clients: list[ClientLine] = dataclasses.field(default_factory=list)  # Settings.collect
    spooled: str | None = None


def peek_rows(chunks: Iterator[Chunk], rows: int) -> tuple[list[Chunk], Iterator[Chunk]]:
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


def worker_count(jobs: int, rows_seen: int) -> int:
    if jobs:
        return jobs
    if rows_seen <= PARALLEL_MIN_ROWS:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def jsonl_chunks(file: Path) -> Iterator[Chunk]:
    """The file in chunks of :data:`CHUNK_ROWS` non-blank lines, each as the bytes read."""
    with open_binary(file) as stream:
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


def open_binary(file: Path) -> IO[bytes]:
    try:
        return file.open("rb")
    except OSError as exc:
        raise FileInputError(f"{file}: cannot read: {exc.strerror or exc}") from None


#: A file on the command line may hold any number of rows (the server's batches may not).
UNLIMITED_ROWS = Limits(max_rows=sys.maxsize)


def table_chunks(file: Path, kind: str, gathered: Gathered) -> Iterator[Chunk]:
    """A CSV or XLSX file's rows (:func:`onboard.intake.batchfile.open_batch`) in chunks of
    :data:`CHUNK_ROWS`; a problem with the file as a whole (its header, its size, a hostile
    workbook) is a :class:`~onboard.cli.group.FileInputError`."""
    with open_binary(file) as stream:
        try:
            opened = open_batch(stream, kind, limits=UNLIMITED_ROWS)
            gathered.encoding = (opened.encoding or None) if kind == "csv" else None
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


def batch_duplicates(file: Path, kind: str) -> dict[int, dict[str, tuple[Duplicate, ...]]]:
    """A first pass over the batch: the rows that share a license number, mobile number,
    email or shop name with other rows (:mod:`onboard.eligibility.duplicates`)."""
    with open_binary(file) as stream:
        try:
            rows = (
                jsonl_rows(stream)
                if kind == "jsonl"
                else open_batch(stream, kind, limits=UNLIMITED_ROWS).rows
            )
            return within_batch(
                (row.row, unique_values_of(row.payload)) for row in rows if not row.errors
            )
        except InputError as exc:
            raise FileInputError(f"{file}: {exc.summary()}") from None
