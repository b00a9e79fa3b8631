"""Web security, one test per promise of issue 7 §5: CSRF on every form, security headers on
every answer, production cookies, documents with their real type, no stack traces or debug
pages in production, secrets only from the environment.

(The desk's and the API's rate limits are tested with the desk and the agencies' API.)
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from onboard import create_app
from onboard.config import ConfigError
from onboard.security import CSP, DOCS_CSP, HSTS
from tests import imagefactory, test_browser
from tests.test_apply import Draft, fill

# The browser test below runs on test_browser's server and Chromium.
live_app = test_browser.live_app
browser = test_browser.browser

#: A key as `secrets.token_hex(32)` makes one (production refuses a guessable key).
SECRET = "9f3c1a7be2d84f6089c5e1d3a7b2f4c6e8d0a1b3c5e7f9021436587a9bcdef10"
BASE_URL = "https://onboard.example"
ONBOARD = Path(sys.executable).with_name("onboard")


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.fixture
def production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app as deployed: ONBOARD_ENV=production, the secret from the environment."""
    monkeypatch.setenv("ONBOARD_ENV", "production")
    monkeypatch.setenv("ONBOARD_SECRET_KEY", SECRET)
    monkeypatch.setenv("ONBOARD_BASE_URL", BASE_URL)
    monkeypatch.setenv("ONBOARD_TRUSTED_HOSTS", "localhost")  # the test client's host
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    from flask_migrate import upgrade  # noqa: PLC0415

    data = tmp_path / "data"
    app = create_app({"ONBOARD_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data}/p.db"})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from onboard.extensions import db  # noqa: PLC0415

        db.engine.dispose()


# --- CSRF ---------------------------------------------------------------------------------


def _fill_rule(rule: str) -> str:
    """A concrete URL for a route, any value in each converter's place."""

    def value(match: re.Match[str]) -> str:
        converter, name = match[1] or "", match[2]
        if converter.startswith("int"):
            return "1"
        return "company" if name == "step" else "x"

    return re.sub(r"<(?:([^:>]+):)?([^>]+)>", value, rule)


def test_every_state_changing_form_needs_a_csrf_token(app: Flask, client: FlaskClient):
    """Every POST/PUT/PATCH/DELETE route outside the JSON API refuses a request without a
    token, before the view runs: no route was left out of CSRFProtect by accident."""
    checked = []
    for rule in app.url_map.iter_rules():
        unsafe = (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
        if not unsafe or rule.rule.startswith("/api/"):
            continue
        url = _fill_rule(rule.rule)
        for method in sorted(unsafe):
            response = client.open(url, method=method, data={"field": "value"})
            assert response.status_code == 400, (method, rule.rule, response.status_code)
            checked.append(rule.rule)
    assert "/apply/" in checked and any(r.startswith("/desk/") for r in checked)


# --- security headers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/apply/", "/healthz", "/static/style.css", "/no/such/page", "/api/v1/rules", "/desk/"],
)
def test_security_headers_on_every_answer(client: FlaskClient, path: str):
    response = client.get(path)
    headers = response.headers
    policy = _directives(headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in policy.get(directive, []), (path, directive)
    assert policy.get("object-src", ["'none'"]) == ["'none'"] or "default-src" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in (
        "strict-origin-when-cross-origin",
        "no-referrer",
        "same-origin",
    )
    assert "Strict-Transport-Security" not in headers  # development serves plain HTTP
    response.close()


def test_pages_allow_no_inline_script_or_style():
    policy = _directives(CSP)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    templates = Path(__file__).resolve().parent.parent / "templates"
    for page in templates.rglob("*.html"):
        if page.parts[-2] == "agencies":  # a downloadable report, served with its own policy
            continue
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), page
        assert "<style" not in text and " style=" not in text, page
        assert not re.search(r"\son[a-z]+=", text), page  # onclick= and friends


def test_swagger_ui_alone_gets_a_relaxed_policy(client: FlaskClient):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert docs.headers["Content-Security-Policy"] == DOCS_CSP
    assert _directives(DOCS_CSP)["frame-ancestors"] == ["'none'"]
    spec = client.get("/api/v1/openapi.json")
    assert spec.headers["Content-Security-Policy"] == CSP


def test_hsts_in_production(production: Flask):
    response = production.test_client().get("/", base_url="https://onboard.example")
    assert response.headers["Strict-Transport-Security"] == HSTS


# --- cookies ------------------------------------------------------------------------------


def test_production_session_cookie_is_secure_httponly_samesite(production: Flask):
    client = production.test_client()
    page = client.get("/apply/", base_url="https://onboard.example")  # the form's CSRF token
    cookies = page.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    flags = {part.strip().split("=")[0].lower() for part in session.split(";")}
    assert {"secure", "httponly", "samesite"} <= flags
    assert "SameSite=Lax" in session


# --- documents ----------------------------------------------------------------------------


def test_documents_are_served_with_their_real_type_and_a_disposition(client: FlaskClient):
    draft = Draft(client)
    fill(draft)
    # A PNG named .jpg: the stored, re-encoded file is a PNG and is served as one.
    assert draft.upload("legal_rep_id", imagefactory.png(), "../photo.jpg").status_code == 302
    served = draft.get("documents/legal_rep_id/file")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.data.startswith(b"\x89PNG")
    assert served.headers["Content-Disposition"] == 'inline; filename="legal_rep_id.png"'
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert "no-store" in served.headers["Cache-Control"]
    download = draft.get("documents/legal_rep_id/file?download=1")
    assert download.headers["Content-Disposition"] == 'attachment; filename="legal_rep_id.png"'


# --- production: no debug, no traces, secrets from the environment -----------------------


def _boom() -> str:
    raise RuntimeError("secret-detail /srv/onboard/config.py password=hunter2")


def test_production_answers_an_exception_with_a_generic_500(production: Flask):
    production.add_url_rule("/boom", "boom", _boom)
    production.add_url_rule("/api/v1/boom", "api_boom", _boom)
    client = production.test_client()
    page = client.get("/boom")
    assert page.status_code == 500 and page.mimetype == "text/html"
    api = client.get("/api/v1/boom")
    assert api.status_code == 500 and api.json == {
        "status": 500,
        "message": api.json["message"],
    }
    for response in (page, api):
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and "secret-detail" not in text
        assert "hunter2" not in text and "config.py" not in text
    assert not production.debug and not production.config["PROPAGATE_EXCEPTIONS"]


def test_production_refuses_debug_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ONBOARD_ENV", "production")
    monkeypatch.setenv("ONBOARD_SECRET_KEY", SECRET)
    monkeypatch.setenv("ONBOARD_BASE_URL", BASE_URL)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="debug"):
        create_app({"ONBOARD_DATA_DIR": str(tmp_path)})


def test_production_refuses_to_start_without_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ONBOARD_ENV", "production")
    monkeypatch.delenv("ONBOARD_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="ONBOARD_SECRET_KEY"):
        create_app({"ONBOARD_DATA_DIR": str(tmp_path)})
    # The same through the installed command: one line, exit 2, no traceback.
    env = {"ONBOARD_ENV": "production", "ONBOARD_DATA_DIR": str(tmp_path), "PATH": ""}
    done = subprocess.run(
        [ONBOARD, "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "ONBOARD_SECRET_KEY" in done.stderr and "Traceback" not in done.stderr


def test_the_secret_comes_from_the_environment_in_production(production: Flask):
    assert production.config["SECRET_KEY"] == SECRET
    data_dir = Path(production.config["ONBOARD_DATA_DIR"])
    assert not (data_dir / "secret_key").exists()  # no key generated on disk


def test_production_serve_refuses_the_debugger(tmp_path: Path):
    env = {
        "ONBOARD_ENV": "production",
        "ONBOARD_SECRET_KEY": SECRET,
        "ONBOARD_BASE_URL": BASE_URL,
        "ONBOARD_DATA_DIR": str(tmp_path),
        "PATH": "",
    }
    done = subprocess.run(
        [ONBOARD, "serve", "--debug", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "debug" in done.stderr and "Traceback" not in done.stderr


# --- the policies in a real browser -------------------------------------------------------


@pytest.mark.slow
@pytest.mark.xdist_group("browser")
def test_no_page_breaks_its_policy_in_a_browser(live_app, browser):  # type: ignore[no-untyped-def]
    """Chromium reports every Content-Security-Policy violation: the form's pages have none
    (their script and styles are files), and Swagger UI renders under its own policy."""
    _app, base = live_app
    page = browser.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security" in msg.text else None,
    )
    page.goto(f"{base}/apply/")
    page.click("form button[type=submit]")
    page.wait_for_url("**/company*")
    token_url = page.url.split("/company")[0]
    for path in ("company", "store", "documents", "review"):
        page.goto(f"{token_url}/{path}")
        assert page.evaluate("getComputedStyle(document.body).margin") is not None
    # The stylesheet applied (a rule of style.css), so 'self' styles are allowed.
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") != ""
    page.goto(f"{base}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)
    assert violations == []
    page.close()
