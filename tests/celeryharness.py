"""Real Celery workers for tests and benchmarks: ``celery -A onboard.worker worker`` as
subprocesses on the local Redis, each test on a queue (and key prefix) of its own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

REDIS_URL = os.environ.get("ONBOARD_TEST_REDIS", "redis://127.0.0.1:6379/0")


def redis_problem(url: str = REDIS_URL) -> str | None:
    """None when Redis answers at ``url``; else why not."""
    import redis  # noqa: PLC0415

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return str(exc)
    return None


def new_queue() -> str:
    return f"onboard-test-{uuid.uuid4().hex[:12]}"


def worker_env(app_config: dict, **extra: str) -> dict[str, str]:
    """The environment of a worker process that shares ``app_config``'s database, files
    and queue."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": app_config["DATABASE_URL"],
            "ONBOARD_DATA_DIR": app_config["ONBOARD_DATA_DIR"],
            "ONBOARD_SECRET_KEY": "test",
            "ONBOARD_OCR": "on" if app_config.get("ONBOARD_OCR") else "off",
            "ONBOARD_BROKER_URL": app_config["ONBOARD_BROKER_URL"],
            "ONBOARD_JOBS_QUEUE": app_config["ONBOARD_JOBS_QUEUE"],
            "ONBOARD_JOBS_VISIBILITY_TIMEOUT": str(app_config["ONBOARD_JOBS_VISIBILITY_TIMEOUT"]),
            "OMP_THREAD_LIMIT": "1",
            **extra,
        }
    )
    return env


def start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    """One worker process (solo pool: one job at a time, no child processes), in a session
    of its own so that it can be killed whole."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "onboard.worker",
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "WARNING",
        "--hostname",
        f"{name}@%h",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
    ]
    handle = log.open("ab")
    try:
        return subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        handle.close()


def kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown (SIGTERM), then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        kill(process)


def drop_queue_keys(queue: str, url: str = REDIS_URL) -> None:
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{queue}*", count=1000):
        client.delete(key)
    client.close()
