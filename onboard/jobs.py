"""Background work: in-process worker threads by default, Celery with Redis when
``ONBOARD_BROKER_URL`` is set.

A job is a plain function registered by name with :func:`job`; it receives ids (never
objects: the microblog habit), re-reads what it needs and is idempotent, so running it twice
does no harm. :func:`enqueue` hands it to whichever runner the app has:

- :class:`ThreadRunner` (the embedded default): ``ONBOARD_JOB_THREADS`` daemon threads of
  this process, started on the first job. Delayed jobs (retries, back-off) wait in a heap.
- :class:`CeleryRunner`: a message on the Redis queue ``ONBOARD_JOBS_QUEUE``, run by
  ``celery -A onboard.worker worker`` (the Procfile's ``worker:`` line). Messages are
  acknowledged late, after the job returns, and rejected back to the queue when a worker
  process is lost; a worker killed outright leaves its message unacknowledged, and Redis
  hands it to another worker once ``ONBOARD_JOBS_VISIBILITY_TIMEOUT`` seconds have passed.

A job asks to run again later by raising :class:`Retry`; any other exception is retried
with exponential back-off up to the job's ``max_retries``, then logged and dropped.

Nobody has to poll for work to finish: the job :data:`SWEEP_JOB` resumes stalled batches. A
serving process starts it with :func:`start_sweeper` (``onboard serve``, each gunicorn
worker): at once (the embedded runner's threads died with any earlier process, so every
running batch is resumed) and then every ``ONBOARD_BATCH_SWEEP_SECONDS`` from a timer thread;
on the scale path Celery beat runs it on the same period (``celery -A onboard.worker beat``, the
Procfile's ``beat:`` line). A broker out of reach when a job is handed over is
:class:`JobsUnavailable` (a 503 with ``Retry-After`` at the web edge), never a 500.
"""

from __future__ import annotations

import heapq
import importlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app

log = logging.getLogger(__name__)

#: Modules whose import registers the jobs (imported on first use, also in Celery workers).
JOB_MODULES = ("onboard.agencies.batches", "onboard.agencies.webhooks")
EXTENSION = "onboard_jobs"


#: Resumes stalled batches (registered by :mod:`onboard.agencies.batches`).
SWEEP_JOB = "batch.sweep"


class JobsUnavailable(RuntimeError):
    """The broker could not take a job (Redis down): the caller may answer 503."""


class Retry(Exception):
    """Raised by a job to be run again after ``delay`` seconds (counts as an attempt)."""

    def __init__(self, delay: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {delay:.1f} s")
        self.delay = delay


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str
    function: Callable[..., Any]
    max_retries: int = 5
    backoff: float = 2.0  # seconds before the first retry; doubles each time


_REGISTRY: dict[str, JobSpec] = {}


def job(
    name: str, *, max_retries: int = 5, backoff: float = 2.0
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``function`` as the job ``name`` (its arguments must be ids: ints, strs)."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY[name] = JobSpec(name, function, max_retries, backoff)
        return function

    return register


def spec(name: str) -> JobSpec:
    if name not in _REGISTRY:
        for module in JOB_MODULES:
            importlib.import_module(module)
    return _REGISTRY[name]


def retry_delay(job_spec: JobSpec, attempt: int, error: BaseException) -> float | None:
    """Seconds before attempt ``attempt + 1``, or None when the job has had its tries."""
    if attempt >= job_spec.max_retries:
        return None
    if isinstance(error, Retry):
        return error.delay
    return job_spec.backoff * 2**attempt


class Runner(Protocol):
    def enqueue(self, name: str, args: tuple[Any, ...], delay: float = 0.0) -> None: ...


def runner(app: Flask | None = None) -> Runner:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found: Runner | None = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = _make_runner(app)
    return found


def _make_runner(app: Flask) -> Runner:
    if app.config.get("ONBOARD_BROKER_URL"):
        return CeleryRunner(make_celery(app.config))
    return ThreadRunner(app, threads=int(app.config.get("ONBOARD_JOB_THREADS", 2)))


def enqueue(name: str, *args: Any, delay: float = 0.0) -> None:
    """Run job ``name`` with ``args`` in the background (after ``delay`` seconds)."""
    spec(name)  # fail here, in the caller, for an unknown job
    runner().enqueue(name, args, delay)


def run_now(app: Flask, name: str, args: tuple[Any, ...]) -> None:
    """Run a job in this thread inside an app context (what runners do)."""
    with app.app_context():
        spec(name).function(*args)


# --- in-process threads --------------------------------------------------------------------


class ThreadRunner:
    """Jobs run by a few daemon threads of this process (nothing to install or run)."""

    def __init__(self, app: Flask, threads: int = 2) -> None:
        self.app = app
        self.threads = max(1, threads)
        self._heap: list[tuple[float, int, str, tuple[Any, ...], int]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._running = 0
        self._workers: list[threading.Thread] = []

    def enqueue(self, name: str, args: tuple[Any, ...], delay: float = 0.0) -> None:
        self._push(name, args, delay, attempt=0)

    def _push(self, name: str, args: tuple[Any, ...], delay: float, attempt: int) -> None:
        with self._cond:
            due = time.monotonic() + max(0.0, delay)
            heapq.heappush(self._heap, (due, next(self._order), name, args, attempt))
            self._start()
            self._cond.notify()

    def _start(self) -> None:
        while len(self._workers) < self.threads:
            worker = threading.Thread(
                target=self._work, name=f"onboard-job-{len(self._workers)}", daemon=True
            )
            self._workers.append(worker)
            worker.start()

    def _next(self) -> tuple[str, tuple[Any, ...], int]:
        with self._cond:
            while True:
                if self._heap:
                    wait = self._heap[0][0] - time.monotonic()
                    if wait <= 0:
                        _, _, name, args, attempt = heapq.heappop(self._heap)
                        self._running += 1
                        return name, args, attempt
                    self._cond.wait(wait)
                else:
                    self._cond.wait()

    def _work(self) -> None:
        while True:
            name, args, attempt = self._next()
            try:
                run_now(self.app, name, args)
            except Exception as error:  # a job's failure must not kill the thread
                self._failed(name, args, attempt, error)
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

    def _failed(self, name: str, args: tuple[Any, ...], attempt: int, error: Exception) -> None:
        delay = retry_delay(spec(name), attempt, error)
        if delay is None:
            log.error("job %s%r failed for good: %s", name, args, error, exc_info=error)
            return
        if not isinstance(error, Retry):
            log.warning(
                "job %s%r failed (attempt %d): %s", name, args, attempt + 1, error, exc_info=error
            )
        self._push(name, args, delay, attempt + 1)

    def wait_idle(self, timeout: float = 30.0, *, include_delayed: bool = True) -> bool:
        """Wait until no job is queued or running; False on timeout. For tests and the CLI."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._running or (
                self._heap and (include_delayed or self._heap[0][0] <= time.monotonic())
            ):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True


# --- Celery ----------------------------------------------------------------------------------

TASK_NAME = "onboard.run_job"


def celery_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Celery's configuration from onboard's settings."""
    queue = config.get("ONBOARD_JOBS_QUEUE") or "onboard"
    visibility = int(config.get("ONBOARD_JOBS_VISIBILITY_TIMEOUT") or 3600)
    return {
        "broker_url": config["ONBOARD_BROKER_URL"],
        "task_default_queue": queue,
        # Acknowledge after the job ran: a worker that dies mid-job leaves the message to
        # be delivered again (jobs are idempotent).
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": visibility,
            # Look for the messages of dead workers often enough to honour the timeout.
            "unacked_restore_interval": min(10, max(1, visibility // 5)),
            "unacked_restore_throttle": 1,
            # Every key of this queue under one prefix: queues do not share "unacked".
            "global_keyprefix": f"{queue}:",
        },
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        # A dead broker must not hold a web request for long: a few quick tries, then
        # JobsUnavailable (the sweep resumes whatever was stored).
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        "broker_connection_timeout": 2,
        # Celery beat (`celery -A onboard.worker beat`): the stalled-batch sweep.
        "beat_schedule": {
            "stalled-batch-sweep": {
                "task": TASK_NAME,
                "schedule": float(config.get("ONBOARD_BATCH_SWEEP_SECONDS") or 60),
                "args": (SWEEP_JOB, [], 0),
            }
        },
    }


def make_celery(config: Mapping[str, Any], worker_app: Callable[[], Flask] | None = None) -> Any:
    """A Celery app sending to onboard's queue and, given ``worker_app`` (the worker's Flask
    app, built once: :mod:`onboard.worker`), running the jobs it consumes from it."""
    from celery import Celery  # noqa: PLC0415 — only when a broker is configured

    celery = Celery("onboard", set_as_current=False)
    celery.conf.update(celery_settings(config))

    @celery.task(name=TASK_NAME, bind=True, max_retries=None)
    def run_job(task: Any, name: str, args: list[Any], attempt: int = 0) -> None:
        if worker_app is None:
            raise RuntimeError("this process only sends jobs: run `celery -A onboard.worker`")
        app = worker_app()
        try:
            run_now(app, name, tuple(args))
        except Exception as error:
            delay = retry_delay(spec(name), attempt, error)
            if delay is None:
                log.error("job %s%r failed for good: %s", name, args, error, exc_info=error)
                return
            # A new message with the next attempt number (the retry count is ours).
            task.apply_async((name, args, attempt + 1), countdown=delay)

    return celery


class CeleryRunner:
    def __init__(self, celery: Any) -> None:
        self.celery = celery

    def enqueue(self, name: str, args: tuple[Any, ...], delay: float = 0.0) -> None:
        from kombu.exceptions import OperationalError  # noqa: PLC0415 — with Celery only

        try:
            self.celery.send_task(TASK_NAME, args=(name, list(args), 0), countdown=delay or None)
        except (OperationalError, OSError) as exc:
            raise JobsUnavailable(f"the job broker is out of reach: {exc}") from exc


# --- the stalled-batch sweep ---------------------------------------------------------------


class Sweeper:
    """The timer thread of :func:`start_sweeper`; ``stop()`` ends it (tests, shutdown)."""

    def __init__(self, app: Flask, period: float) -> None:
        self._stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._run, args=(app, period), name="onboard-batch-sweep", daemon=True
        )
        self.thread.start()

    def _run(self, app: Flask, period: float) -> None:
        while not self._stopped.wait(period):
            try:
                with app.app_context():
                    enqueue(SWEEP_JOB)
            except Exception as exc:
                log.warning("stalled-batch sweep failed: %s", exc)

    def stop(self) -> None:
        self._stopped.set()
        self.thread.join(timeout=5)


def start_sweeper(app: Flask) -> Sweeper | None:
    """Sweep for stalled batches now and, with the embedded runner, every
    ``ONBOARD_BATCH_SWEEP_SECONDS`` (0: only now) from a daemon timer thread. With Celery
    the start-up sweep is the ordinary one (other workers may hold the running batches'
    jobs) and beat runs the periodic one. Never raises: a server starts without it."""
    period = float(app.config.get("ONBOARD_BATCH_SWEEP_SECONDS", 60))
    embedded = not app.config.get("ONBOARD_BROKER_URL")
    try:
        with app.app_context():
            enqueue(SWEEP_JOB, embedded)
    except Exception as exc:
        log.warning("stalled-batch sweep at start-up failed: %s", exc)
    if not embedded or period <= 0:
        return None
    return Sweeper(app, period)
