"""Database set-up that differs by engine: SQLite tuned for a web server, PostgreSQL as is.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every transaction
starts with ``BEGIN IMMEDIATE``: a writer takes the write lock at the start instead of failing
with "database is locked" when it upgrades a read lock mid-transaction.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

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
    from onboard import models  # noqa: F401, PLC0415 — register the tables with the metadata
    from onboard.agencies import models as _agencies  # noqa: F401, PLC0415

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
