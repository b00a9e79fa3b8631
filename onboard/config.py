"""Settings, read from the environment in one place.

Every setting has a safe default for the embedded set-up (`make run`: SQLite and files under
the data directory). Production sets ``ONBOARD_ENV=production``, which refuses to start
without a real ``ONBOARD_SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _local_secret(data_dir: Path) -> str:
    """A key generated once and kept in the data directory (mode 0600), so that sessions and
    CSRF tokens survive restarts and agree across the workers of the embedded set-up."""
    path = data_dir / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def from_environment(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask config keys built from ``ONBOARD_*`` (and ``DATABASE_URL``) variables."""
    env = os.environ if env is None else env
    production = env.get("ONBOARD_ENV", "development") == "production"
    secret = env.get("ONBOARD_SECRET_KEY")
    if production and not secret:
        raise ConfigError("ONBOARD_SECRET_KEY must be set when ONBOARD_ENV=production")
    data_dir = Path(env.get("ONBOARD_DATA_DIR") or Path.cwd() / "var").resolve()
    return {
        "ONBOARD_ENV": "production" if production else "development",
        "SECRET_KEY": secret or _local_secret(data_dir),
        "ONBOARD_DATA_DIR": str(data_dir),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'onboard.db'}",
        # Eleven document kinds of < 5 MiB each, plus the form: anything bigger is refused
        # with 413 before it is read.
        "MAX_CONTENT_LENGTH": _int(env, "ONBOARD_MAX_REQUEST_BYTES", 60 * MIB),
        # Non-file form fields held in memory, and the number of parts in one request.
        "MAX_FORM_MEMORY_SIZE": _int(env, "ONBOARD_MAX_FORM_MEMORY_BYTES", 1 * MIB),
        "MAX_FORM_PARTS": _int(env, "ONBOARD_MAX_FORM_PARTS", 64),
        "ONBOARD_OCR": env.get("ONBOARD_OCR", "on") != "off",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        # The desk's sessions end after a working day; nobody is remembered across browsers.
        "PERMANENT_SESSION_LIFETIME": _int(env, "ONBOARD_SESSION_SECONDS", 8 * 3600),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Outgoing email: SMTP when set (smtp://user:pass@host:587?starttls), else the outbox.
        "ONBOARD_SMTP_URL": env.get("ONBOARD_SMTP_URL") or None,
        "ONBOARD_MAIL_FROM": env.get("ONBOARD_MAIL_FROM") or "onboard <no-reply@onboard.local>",
        # Login throttling shared by every worker when set; per process in memory otherwise.
        "RATELIMIT_STORAGE_URI": env.get("ONBOARD_REDIS_URL") or "memory://",
        "ONBOARD_LOGIN_LIMIT": env.get("ONBOARD_LOGIN_LIMIT") or "10 per 5 minutes",
        # Agencies (issue 6). Background jobs: worker threads in this process by default;
        # Celery on this broker (redis://…) when set, run by `celery -A onboard.jobs worker`.
        "ONBOARD_BROKER_URL": env.get("ONBOARD_BROKER_URL") or None,
        "ONBOARD_JOBS_QUEUE": env.get("ONBOARD_JOBS_QUEUE") or "onboard",
        # Seconds before Redis hands the job of a worker that died to another worker.
        "ONBOARD_JOBS_VISIBILITY_TIMEOUT": _int(env, "ONBOARD_JOBS_VISIBILITY_TIMEOUT", 3600),
        "ONBOARD_JOB_THREADS": _int(env, "ONBOARD_JOB_THREADS", 2),
        # Requests per API key (Flask-Limiter syntax), counted in RATELIMIT_STORAGE_URI.
        "ONBOARD_API_RATE_LIMIT": env.get("ONBOARD_API_RATE_LIMIT") or "600 per minute",
        "ONBOARD_BATCH_MAX_ROWS": _int(env, "ONBOARD_BATCH_MAX_ROWS", 100_000),
        "ONBOARD_BATCH_CHUNK_ROWS": _int(env, "ONBOARD_BATCH_CHUNK_ROWS", 100),
        "ONBOARD_BATCH_MAX_DOCUMENTS": _int(env, "ONBOARD_BATCH_MAX_DOCUMENTS", 20_000),
        "ONBOARD_BATCH_MAX_UNZIPPED_BYTES": _int(
            env, "ONBOARD_BATCH_MAX_UNZIPPED_BYTES", 1024 * MIB
        ),
        # A running batch without progress for this long has its jobs enqueued again.
        "ONBOARD_BATCH_STALL_SECONDS": _int(env, "ONBOARD_BATCH_STALL_SECONDS", 600),
        "ONBOARD_WEBHOOK_ATTEMPTS": _int(env, "ONBOARD_WEBHOOK_ATTEMPTS", 8),
        "ONBOARD_WEBHOOK_BACKOFF": _int(env, "ONBOARD_WEBHOOK_BACKOFF", 5),
        "ONBOARD_WEBHOOK_TIMEOUT": _int(env, "ONBOARD_WEBHOOK_TIMEOUT", 10),
        "PROPAGATE_EXCEPTIONS": False,
    }
