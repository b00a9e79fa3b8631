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
        "JSON_SORT_KEYS": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PROPAGATE_EXCEPTIONS": False,
    }
