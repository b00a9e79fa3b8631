"""``onboard check``'s worker processes: chunks of a large batch checked in a pool, results
in input order, each worker's output spooled to a file the parent copies to stdout."""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import AsyncResult

from onboard.cli.chunks import Chunk, ChunkResult
from onboard.cli.settings import Settings

#: What a worker does with a chunk (:func:`onboard.cli.rows.check_chunk`).
Work = Callable[[Settings, Chunk], ChunkResult]

# Worker processes receive the work, the settings and the spool folder once, then chunks.
_worker: tuple[Work, Settings, str] | None = None


def _init_worker(work: Work, settings: Settings, spool: str) -> None:
    # Per-process state of a pool worker.
    global _worker  # noqa: PLW0603 — one per worker process
    _worker = (work, settings, spool)
    gc.freeze()  # what start-up loaded lives to the end: keep it out of every collection


def _work_in_worker(chunk: Chunk) -> ChunkResult:
    assert _worker is not None
    work, settings, spool = _worker
    result = work(settings, chunk)
    descriptor, name = tempfile.mkstemp(dir=spool, prefix=f"{chunk.first_row}-")
    with open(descriptor, "wb") as spooled:
        spooled.write(result.output)
    return dataclasses.replace(result, output=b"", spooled=name)


@contextmanager
def run_in_pool(
    work: Work, settings: Settings, chunks: Iterator[Chunk], workers: int
) -> Iterator[Iterator[ChunkResult]]:
    """Chunks checked by ``workers`` processes with ``work`` (a module-level function, sent
    to each worker once by name), results in input order, with a bounded number of chunks in
    flight so that a huge file is never held in memory whole; workers spool their output to
    files in a private folder, removed with what is left in it at the end.

    Workers start from a fork server that has imported onboard once: they start fast, and
    the parent (which may have threads, e.g. under a test runner) is never forked itself.
    """
    context = multiprocessing.get_context("forkserver" if sys.platform == "linux" else "spawn")
    if sys.platform == "linux":
        context.set_forkserver_preload(
            ["onboard.cli.rows", "onboard.usecases.prescreen", "onboard.intake.schemas"]
        )
    with (
        tempfile.TemporaryDirectory(prefix="onboard-check-") as spool,
        context.Pool(workers, initializer=_init_worker, initargs=(work, settings, spool)) as pool,
    ):

        def results() -> Iterator[ChunkResult]:
            pending: deque[AsyncResult[ChunkResult]] = deque()
            for chunk in chunks:
                pending.append(pool.apply_async(_work_in_worker, (chunk,)))
                if len(pending) >= 4 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()

        yield results()
