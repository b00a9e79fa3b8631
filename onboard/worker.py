"""The entry point of Celery's processes: ``celery -A onboard.worker worker`` and ``celery -A
onboard.worker beat`` (the Procfile's ``worker:`` and ``beat:`` lines).

Like :mod:`onboard.gunicorn_conf` for the web processes, this is where a worker's Flask app
is built (once per process, from the environment) and handed to :mod:`onboard.jobs`, which
itself knows nothing of the app factory.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask

from onboard import create_app, jobs
from onboard.config import from_environment

_app: Flask | None = None
_lock = threading.Lock()


def worker_app() -> Flask:
    """The Flask app of this worker process, built once from the environment."""
    global _app  # noqa: PLW0603 — one per worker process
    with _lock:
        if _app is None:
            _app = create_app()
        return _app


def __getattr__(name: str) -> Any:
    """Celery finds its app here (``-A onboard.worker``), configured from the environment
    (``ONBOARD_BROKER_URL``, ``ONBOARD_JOBS_QUEUE`` …)."""
    if name != "celery":
        raise AttributeError(name)
    config = from_environment()
    if not config.get("ONBOARD_BROKER_URL"):
        raise RuntimeError("set ONBOARD_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to run workers")
    app = jobs.make_celery(config, worker_app)
    globals()["celery"] = app
    return app
