"""Database set-up that differs by engine: SQLite tuned for a web server, PostgreSQL as is.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every transaction
starts with ``BEGIN IMMEDIATE``: a writer takes the write lock at the start instead of failing
with "database is locked" when it upgrades a read lock mid-transaction.

The schema: on the embedded default the app brings its SQLite database up to date itself
before it serves (a fresh data folder works at the first click), under a file lock so that
workers starting together migrate once. PostgreSQL is migrated by the release step (the
Procfile's ``release:``); a server started on an out-of-date schema stops at once with a
message that says so, instead of answering 500 at the first query.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine

from onboard import models  # noqa: F401 — its import registers every table with the metadata
from onboard.extensions import db, migrate

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, issue BEGIN (see the "begin" listener).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("postgres://"):  # Heroku-style URLs name the old dialect
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    else:
        options.setdefault("pool_pre_ping", True)
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=url.startswith("sqlite"))
    if url.startswith("sqlite"):
        with app.app_context():
            _tune_sqlite(db.engine)


# --- the schema at start-up ----------------------------------------------------------------


class SchemaOutOfDate(RuntimeError):
    """The database's schema is not the one this code expects; the message says what to run."""


def is_embedded(app: Flask) -> bool:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")


def schema_revisions(app: Flask) -> tuple[set[str], set[str]]:
    """(the revisions the database is at, the heads of the code's migrations)."""
    with app.app_context():
        migrate_ext = app.extensions["migrate"]
        script = ScriptDirectory.from_config(migrate_ext.migrate.get_config(migrate_ext.directory))
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        return current, set(script.get_heads())


def upgrade_embedded(app: Flask) -> None:
    """Bring the embedded SQLite database to the newest revision, once, whoever starts first.

    Every process that serves runs this before its first request; an exclusive ``flock`` on a
    file in the data folder makes the others wait while one migrates, after which they find
    the schema current and do nothing. (SQLite's own locking is no help here: Alembic's DDL
    spans several transactions.)
    """
    lock_path = Path(app.config["ONBOARD_DATA_DIR"]) / ".migrate.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current, heads = schema_revisions(app)
            if current != heads:
                with app.app_context():
                    upgrade()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    with app.app_context():
        db.engine.dispose()  # no connection opened here is carried into a forked worker


def prepare_schema(app: Flask) -> None:
    """Before serving: migrate the embedded database, or check a PostgreSQL one.

    Raises :class:`SchemaOutOfDate` when a PostgreSQL database is behind (or ahead of) the
    code: its migrations are the release step's, run before the new code serves.
    """
    if is_embedded(app):
        upgrade_embedded(app)
        return
    current, heads = schema_revisions(app)
    with app.app_context():
        db.engine.dispose()
    if current != heads:
        at = ", ".join(sorted(current)) or "empty (no tables)"
        raise SchemaOutOfDate(
            f"the database schema is at revision {at}, this code needs "
            f"{', '.join(sorted(heads))}: run `flask --app onboard db upgrade` "
            "(the Procfile's release step) before starting the web process"
        )
