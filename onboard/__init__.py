"""onboard: pre-screens sellers against TikTok Shop's US cross-border entry rules.

``create_app`` is the application factory (``gunicorn 'onboard:create_app()'``). The domain
core lives in :mod:`onboard.eligibility` and knows nothing of the web.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults from the environment, then test overrides, then extensions and
    blueprints (flaskr's order)."""
    # Imported here: `import onboard` stays light for the CLI's batch workers.
    from onboard import config, database, security  # noqa: PLC0415
    from onboard.web import register  # noqa: PLC0415

    app = Flask(
        __name__,
        template_folder=str(_ROOT / "templates"),
        static_folder=str(_ROOT / "static"),
    )
    # Bounded ids in every route and a nesting limit on JSON: before any route is added.
    security.install_input_guards(app)
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    Path(app.config["ONBOARD_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    # Answers keep the contract's key order and send Chinese as UTF-8, not \uXXXX escapes
    # (Flask 3 reads these from its JSON provider, not from config).
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    database.init_app(app)
    # The embedded default migrates itself, so that a fresh data folder serves at once (tests
    # build their schema themselves). PostgreSQL is migrated by the release step and checked
    # by the servers (`onboard serve`, gunicorn's master) before they listen.
    if database.is_embedded(app) and not app.testing:
        database.upgrade_embedded(app)
    register(app)
    return app
