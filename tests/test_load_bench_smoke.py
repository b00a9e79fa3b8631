"""The load benchmark (``tests/benchmarks/load_bench.py``) runs end to end at a tiny size:
gunicorn starts on a migrated database, locust drives applicants and agencies, and every
request kind answers without an error. No timing is asserted (BENCHMARKS.md has the figures).
"""

from __future__ import annotations

import pytest

from tests.benchmarks import load_bench

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("load-bench")]


def test_the_load_section_runs_at_tiny_size() -> None:
    markdown = load_bench.run(quick=True, seconds=6, users=3)
    assert markdown.startswith("## Load")
    assert "| /api/v1/prescreen |" in markdown
    assert "(save) |" in markdown and "| worker 2 |" in markdown
    assert "Errors:" not in markdown, markdown
