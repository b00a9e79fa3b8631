"""gunicorn settings for the Procfile's ``web:`` line (``--config python:onboard.gunicorn_conf``).

The Procfile and the HTTP benchmark both serve with these; workers, address and worker class
stay on the command line.
Both settings are about the slowest answers rather than the average one:

* ``post_worker_init``: once a worker has loaded the app, everything loaded so far (rule sets,
  schemas, models, translations: some 100,000 objects) is moved out of the garbage collector's
  sight with ``gc.freeze()``. Those objects live as long as the worker, yet every full
  collection walked them all: a pause of about 100 ms every few thousand requests, which was
  the API's p99.
* ``post_worker_init`` also starts the stalled-batch sweep of the worker
  (:func:`onboard.jobs.start_sweeper`): batches resume after a crash without anyone polling.
* ``on_starting``: the master brings the embedded database's schema up to date (or checks a
  PostgreSQL one, migrated by the Procfile's release step) once, before any worker forks; a
  schema that is behind stops the server at start with a message, never a 500 later.
* ``worker_tmp_dir``: a worker touches a file on every turn of its loop to tell the master it
  is alive; on a disk-backed ``/tmp`` that can wait on the disk. ``/dev/shm`` is memory.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

SHARED_MEMORY = "/dev/shm"

worker_tmp_dir = (
    SHARED_MEMORY
    if os.path.isdir(SHARED_MEMORY) and os.access(SHARED_MEMORY, os.W_OK)
    else None  # gunicorn's default: the system's temporary directory
)


def post_worker_init(worker: Any) -> None:
    """Freeze what the app loaded: collected first, so that no garbage is kept for good.
    Then start the worker's sweep for stalled batches."""
    gc.collect()
    gc.freeze()
    app = getattr(worker, "wsgi", None)
    if app is not None and hasattr(app, "config"):
        from onboard import jobs  # noqa: PLC0415 — only in a gunicorn worker

        jobs.start_sweeper(app)


def on_starting(server: Any) -> None:
    """Prepare the schema in the master, before the workers fork (see the module's text)."""
    from onboard import create_app, database  # noqa: PLC0415 — the master loads the app once
    from onboard.config import ConfigError  # noqa: PLC0415

    try:
        database.prepare_schema(create_app())
    except (ConfigError, database.SchemaOutOfDate) as exc:
        print(f"onboard: {exc}", file=sys.stderr)
        sys.exit(1)
