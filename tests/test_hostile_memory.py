"""Memory under hostile files, measured in separate processes: the peak resident set size
(``VmHWM`` in ``/proc/<pid>/status``) of the command line running the bomb set, and of a
gunicorn worker taking the bomb set through the form and the API, then oversized requests.

Bombs are refused from their headers, so the peak must stay near the process's size at rest;
the figures go to ``test-artifacts/hostile-memory.json`` (and into the issue's report). The
largest file onboard accepts (just under the pixel budget) is measured too: what a legitimate
upload can cost is bounded by the budget, not by what a file claims.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from onboard.intake.schemas import application_to_dict
from tests.conftest import make_app
from tests.factories import eligible
from tests.hostile import BOMBS, MIB
from tests.imagefactory import jpeg_claiming

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hostile-memory")]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
GUNICORN = Path(sys.executable).with_name("gunicorn")
#: Growth allowed over the process at rest while it refuses the bomb set.
BOMB_GROWTH_MB = 120
#: The dearest file onboard accepts: a JPEG of 7000 x 7000 pixels (just under 50 MP).
BUDGET_IMAGE = (7000, 7000)


def status_kb(pid: int | str, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    assert match, field
    return int(match[1])


def record(name: str, figures: dict[str, object]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "hostile-memory.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[name] = figures
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


# --- the command line -----------------------------------------------------------------------

_CLI_SCRIPT = r"""
import json, re, sys
from pathlib import Path
from onboard.cli import main

def hwm():
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", text, re.M)[1])

folder = Path(sys.argv[1])
at_rest = hwm()
codes = {}
for app in sorted(folder.glob("*.json")):
    codes["check " + app.stem] = main(["check", str(app), "--no-ocr"], standalone_mode=False)
    image = app.with_suffix(".img")
    codes["ocr " + app.stem] = main(["ocr", str(image)], standalone_mode=False)
print(json.dumps({"at_rest_kb": at_rest, "peak_kb": hwm(), "codes": codes}))
"""


def test_the_command_line_refuses_the_bomb_set_in_bounded_memory(tmp_path: Path):
    for vector in BOMBS:
        (tmp_path / f"{vector.name}.img").write_bytes(vector.data)
        data = application_to_dict(eligible())
        data["documents"] = {"legal_rep_id": f"{vector.name}.img"}
        (tmp_path / f"{vector.name}.json").write_text(json.dumps(data), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _CLI_SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    codes = result["codes"]
    assert all(code == 1 for name, code in codes.items() if name.startswith("check")), codes
    assert all(code == 2 for name, code in codes.items() if name.startswith("ocr")), codes
    growth = (result["peak_kb"] - result["at_rest_kb"]) / 1024
    record(
        "cli",
        {
            "files": len(BOMBS),
            "at_rest_mb": round(result["at_rest_kb"] / 1024, 1),
            "peak_mb": round(result["peak_kb"] / 1024, 1),
        },
    )
    assert growth < BOMB_GROWTH_MB, result


# --- gunicorn -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[str, int, int]]:
    """One sync worker on loopback, on a migrated SQLite database; (base URL, master pid,
    worker pid)."""
    app = make_app(tmp_path)
    with app.app_context():
        from onboard.extensions import db  # noqa: PLC0415

        db.engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "ONBOARD_DATA_DIR": app.config["ONBOARD_DATA_DIR"],
        "DATABASE_URL": app.config["DATABASE_URL"],
        "ONBOARD_SECRET_KEY": "memory-test",
        "ONBOARD_OCR": "off",
    }
    server = subprocess.Popen(
        [GUNICORN, "--workers", "1", "--bind", f"127.0.0.1:{port}", "onboard:create_app()"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a loaded machine boots a worker slowly
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=10).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        children = workers(server.pid)
        assert len(children) == 1
        yield base, server.pid, children[0]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text(encoding="ascii")
    return [int(pid) for pid in children.split()]


def _draft(session: requests.Session, base: str) -> tuple[str, str]:
    """(the new draft's URL, the session's CSRF token)."""
    start = session.get(f"{base}/apply/", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', start.text)
    assert token
    created = session.post(f"{base}/apply/", data={"csrf_token": token[1]}, timeout=30)
    return str(created.url).split("/company")[0], token[1]


def test_a_gunicorn_worker_refuses_the_bomb_set_in_bounded_memory(gunicorn):
    base, master, worker = gunicorn
    session = requests.Session()
    draft, csrf = _draft(session, base)
    application = json.dumps({"entity": {"region": "CN"}})
    # Warm up every route once, so that "at rest" includes what first use loads.
    session.post(f"{base}/api/v1/prescreen", json={"entity": {"region": "CN"}}, timeout=30)
    at_rest = status_kb(worker, "VmHWM")
    statuses: dict[str, set[int]] = {"form": set(), "prescreen": set(), "ocr": set()}
    for vector in BOMBS:
        files = {"file": (vector.filename, vector.data)}
        form = session.post(
            f"{draft}/documents/legal_rep_id", data={"csrf_token": csrf}, files=files, timeout=30
        )
        statuses["form"].add(form.status_code)
        prescreen = requests.post(
            f"{base}/api/v1/prescreen",
            data={"application": application},
            files={"legal_rep_id": (vector.filename, vector.data)},
            timeout=30,
        )
        statuses["prescreen"].add(prescreen.status_code)
        ocr = requests.post(f"{base}/api/v1/ocr/license", files=files, timeout=30)
        statuses["ocr"].add(ocr.status_code)
    # Requests too big to parse: many parts, a huge field, a huge body with and without a
    # length (chunked): refused as they are read.
    many = requests.post(
        f"{base}/api/v1/prescreen", files={f"p{i}": ("x", b"x") for i in range(500)}, timeout=30
    )
    field = requests.post(
        f"{base}/api/v1/prescreen", files={"application": (None, "x" * (4 * MIB))}, timeout=30
    )
    started = time.monotonic()
    body = requests.post(
        f"{base}/api/v1/prescreen",
        data=b"x" * (80 * MIB),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    chunked = requests.post(
        f"{base}/api/v1/prescreen",
        data=(b"x" * MIB for _ in range(80)),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    oversize_seconds = time.monotonic() - started
    peak = status_kb(worker, "VmHWM")

    assert statuses == {"form": {422}, "prescreen": {200}, "ocr": {413, 422}}
    assert (many.status_code, field.status_code, body.status_code) == (413, 413, 413)
    assert chunked.status_code in (413, 400), chunked.status_code
    assert oversize_seconds < 30  # refused as read, not after (a loaded machine is slow)
    # The same worker, alive and answering.
    assert workers(master) == [worker] and requests.get(f"{base}/healthz", timeout=5).ok

    # The dearest file accepted: a real JPEG of just under the pixel budget.
    budget = jpeg_claiming(*BUDGET_IMAGE)
    accepted = session.post(
        f"{draft}/documents/legal_rep_id",
        data={"csrf_token": csrf},
        files={"file": ("big.jpg", budget)},
        timeout=60,
    )
    worst = status_kb(worker, "VmHWM")
    record(
        "gunicorn",
        {
            "bomb_files": len(BOMBS),
            "requests": 3 * len(BOMBS) + 4,
            "worker_at_rest_mb": round(at_rest / 1024, 1),
            "worker_peak_bombs_mb": round(peak / 1024, 1),
            "worker_peak_after_a_7000x7000_jpeg_mb": round(worst / 1024, 1),
            "worker_rss_now_mb": round(status_kb(worker, "VmRSS") / 1024, 1),
        },
    )
    assert (peak - at_rest) / 1024 < BOMB_GROWTH_MB
    assert accepted.status_code in (302, 200)
    # Bounded by the pixel budget: 49 MP of RGB is 147 MB, decoded once at a time.
    assert (worst - at_rest) / 1024 < 600
