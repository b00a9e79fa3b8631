"""Shared fixtures: the rule set, and the Flask app, client and CLI runner (flaskr style)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from onboard import create_app
from onboard.eligibility.ruleset import RuleSet, ruleset_in_force
from tests.factories import AS_OF


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return ruleset_in_force(AS_OF)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "ONBOARD_DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": "test",
        }
    )
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
