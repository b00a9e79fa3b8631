"""Settings, read from the environment in one place.

Every setting has a safe default for the embedded set-up (`make run`: SQLite and files under
the data directory). Production sets ``ONBOARD_ENV=production``, which refuses to start
without a real ``ONBOARD_SECRET_KEY`` (at least 32 random bytes) and ``ONBOARD_BASE_URL``;
``ONBOARD_ENV`` itself must be exactly one of :data:`ENVIRONMENTS`, so that a typo never
silently runs a production server in development mode.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import secrets
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MIB = 1024 * 1024
#: The values ``ONBOARD_ENV`` may take, exactly (lower case).
ENVIRONMENTS = ("development", "production")
#: A production secret key must carry at least this many random bytes.
MIN_SECRET_BYTES = 32
#: Where links in emails, webhooks and reports point when ``ONBOARD_BASE_URL`` is unset
#: (development only): the address ``onboard serve`` listens on by default.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8000"


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


def environment(env: Mapping[str, str]) -> str:
    """``ONBOARD_ENV``, which must be exactly one of :data:`ENVIRONMENTS` (unset means
    development); ``Production`` or ``prod`` stop the start instead of running unguarded."""
    value = env.get("ONBOARD_ENV", "development")
    if value not in ENVIRONMENTS:
        raise ConfigError(
            f"ONBOARD_ENV must be exactly one of {', '.join(ENVIRONMENTS)}, got {value!r}"
        )
    return value


def _secret_bytes(secret: str) -> bytes:
    """The key's bytes: hex (``secrets.token_hex``) and URL-safe base64
    (``secrets.token_urlsafe``) are decoded, anything else is taken as it is written."""
    text = secret.strip()
    if len(text) % 2 == 0 and all(ch in "0123456789abcdefABCDEF" for ch in text):
        return bytes.fromhex(text)
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return text.encode("utf-8")


def check_secret_key(secret: str | None) -> None:
    """A production key must hold at least :data:`MIN_SECRET_BYTES` random bytes. Length
    alone is not enough (``"x" * 64``): the key's bytes must also look random, i.e. carry at
    least 4 bits of entropy per byte by their frequencies, which a generated key always does
    (``python -c 'import secrets; print(secrets.token_hex(32))'``)."""
    if not secret:
        raise ConfigError("ONBOARD_SECRET_KEY must be set when ONBOARD_ENV=production")
    data = _secret_bytes(secret)
    counts = Counter(data)
    entropy = -sum(n / len(data) * math.log2(n / len(data)) for n in counts.values())
    if len(data) < MIN_SECRET_BYTES or entropy < 4.0:
        raise ConfigError(
            f"ONBOARD_SECRET_KEY must be at least {MIN_SECRET_BYTES} random bytes "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
        )


def base_url(env: Mapping[str, str], *, production: bool) -> str:
    """``ONBOARD_BASE_URL`` without its trailing slash: where every link the service sends
    (emails, webhooks, reports) points, never the ``Host`` a request happened to name."""
    raw = (env.get("ONBOARD_BASE_URL") or "").strip()
    if not raw:
        if production:
            raise ConfigError(
                "ONBOARD_BASE_URL must be set when ONBOARD_ENV=production "
                "(e.g. https://onboard.example.com)"
            )
        return DEVELOPMENT_BASE_URL
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(f"ONBOARD_BASE_URL must be an http(s) URL, got {raw!r}")
    if production and parts.scheme != "https":
        raise ConfigError("ONBOARD_BASE_URL must be https when ONBOARD_ENV=production")
    return raw.rstrip("/")


def trusted_hosts(env: Mapping[str, str], base: str, *, production: bool) -> list[str] | None:
    """The ``Host`` names a production server answers (the base URL's, plus
    ``ONBOARD_TRUSTED_HOSTS``, comma-separated); None (any) in development."""
    if not production:
        return None
    hosts = [urlsplit(base).hostname or ""]
    hosts += [h.strip() for h in (env.get("ONBOARD_TRUSTED_HOSTS") or "").split(",") if h.strip()]
    return list(dict.fromkeys(hosts))


def from_environment(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask config keys built from ``ONBOARD_*`` (and ``DATABASE_URL``) variables."""
    env = os.environ if env is None else env
    production = environment(env) == "production"
    secret = env.get("ONBOARD_SECRET_KEY")
    if production:
        check_secret_key(secret)
    base = base_url(env, production=production)
    data_dir = Path(env.get("ONBOARD_DATA_DIR") or Path.cwd() / "var").resolve()
    return {
        "ONBOARD_ENV": "production" if production else "development",
        "SECRET_KEY": secret or _local_secret(data_dir),
        "ONBOARD_BASE_URL": base,
        # Flask refuses (400) a request whose Host is not one of these (None: any).
        "TRUSTED_HOSTS": trusted_hosts(env, base, production=production),
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
        # Redis out of reach: count in this process's memory (one warning logged) rather
        # than answer 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # What anyone may do without logging in, per client address (drafts, emails, uploads)
        # and per recipient (emails) or per draft (uploads): 429 with Retry-After beyond it.
        "ONBOARD_DRAFT_LIMIT": env.get("ONBOARD_DRAFT_LIMIT") or "30 per hour",
        "ONBOARD_EMAIL_LIMIT": env.get("ONBOARD_EMAIL_LIMIT") or "30 per hour",
        "ONBOARD_RECIPIENT_LIMIT": env.get("ONBOARD_RECIPIENT_LIMIT") or "5 per hour",
        "ONBOARD_UPLOAD_LIMIT": env.get("ONBOARD_UPLOAD_LIMIT") or "100 per hour",
        # Agencies (issue 6). Background jobs: worker threads in this process by default;
        # Celery on this broker (redis://…) when set, run by `celery -A onboard.worker worker`.
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
        # A running batch without progress for this long has its jobs enqueued again, by a
        # sweep every ONBOARD_BATCH_SWEEP_SECONDS (0: no periodic sweep) and at start-up.
        "ONBOARD_BATCH_STALL_SECONDS": _int(env, "ONBOARD_BATCH_STALL_SECONDS", 600),
        "ONBOARD_BATCH_SWEEP_SECONDS": _int(env, "ONBOARD_BATCH_SWEEP_SECONDS", 60),
        "ONBOARD_WEBHOOK_ATTEMPTS": _int(env, "ONBOARD_WEBHOOK_ATTEMPTS", 8),
        "ONBOARD_WEBHOOK_BACKOFF": _int(env, "ONBOARD_WEBHOOK_BACKOFF", 5),
        "ONBOARD_WEBHOOK_TIMEOUT": _int(env, "ONBOARD_WEBHOOK_TIMEOUT", 10),
        # Webhooks go only to public addresses; "on" lets development (never production)
        # deliver to a receiver on its own machine or network.
        "ONBOARD_WEBHOOK_ALLOW_PRIVATE": env.get("ONBOARD_WEBHOOK_ALLOW_PRIVATE") == "on",
        "PROPAGATE_EXCEPTIONS": False,
    }
