"""``onboard serve``: the web app and the JSON API on the embedded defaults."""

from __future__ import annotations

import os

import click
from werkzeug.serving import run_simple

from onboard import create_app, database, jobs
from onboard.cli.group import complain
from onboard.config import ConfigError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--debug", is_flag=True, help="Reload on code changes and show the debugger.")
def serve(host: str, port: int, debug: bool) -> int:
    """Serve the web app and the JSON API (embedded defaults: SQLite, local files)."""
    try:
        app = create_app(_served_base_url(host, port))
        database.prepare_schema(app)
    except (ConfigError, database.SchemaOutOfDate) as exc:
        complain(str(exc))
        return 2
    if debug and app.config["ONBOARD_ENV"] == "production":
        complain("--debug is not allowed when ONBOARD_ENV=production (the debugger runs code)")
        return 2
    jobs.start_sweeper(app)  # stalled batches resume without anyone polling
    try:
        run_simple(host, port, app, threaded=True, use_reloader=debug, use_debugger=debug)
    except OSError as exc:
        complain(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        return 1
    return 0


def _served_base_url(host: str, port: int) -> dict[str, str]:
    """Without ``ONBOARD_BASE_URL`` (development only: production requires it), links in
    emails point where this server listens, not at the default port's address."""
    if os.environ.get("ONBOARD_BASE_URL", "").strip():
        return {}
    reachable = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return {"ONBOARD_BASE_URL": f"http://{reachable}:{port}"}
