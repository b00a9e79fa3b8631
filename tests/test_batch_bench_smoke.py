"""The agency-batch benchmark section runs (tiny sizes: the figures mean nothing)."""

from __future__ import annotations

import pytest

from tests.benchmarks import batch_bench

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("celery")]


def test_batch_bench_quick_run_gives_its_table():
    markdown = batch_bench.run(quick=True)
    assert markdown.startswith("## Agency batches end to end")
    assert "| in-process (worker threads, SQLite) | 2 threads |" in markdown
    assert "**Scaling.**" in markdown
    assert "Celery + Redis, SQLite | 1 |" in markdown or "Redis not reachable" in markdown
