"""Who may open what on the reviewer desk: each role × each route, and the session rules
(argon2id hashes, cookie flags, logout that really ends the session, login throttling)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from onboard import auth
from onboard.eligibility.ruleset import default_ruleset
from onboard.extensions import db
from onboard.models import AuditEvent, ReasonTemplate, UserAccount
from onboard.usecases import review
from tests.applyflow import ensure_catalogues
from tests.conftest import make_app
from tests.deskflow import PASSWORD, add_user, csrf_of, login, seller, submitted


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """One app for the whole matrix: an admin, a reviewer, a spare account, an application."""
    ensure_catalogues()
    app = make_app(tmp_path_factory.mktemp("desk"))
    add_user(app, "admin")
    add_user(app, "reviewer")
    add_user(app, "reviewer", "spare@example.com")
    public_id, _token = submitted(app, seller(1))
    with app.app_context():
        # The reason templates exist from the start, whichever test of the matrix runs first
        # (the desk seeds them when an admin first opens /desk/reasons).
        review.seed_reason_templates(default_ruleset())
        db.session.commit()
    yield app, public_id
    with app.app_context():
        db.engine.dispose()


#: (method, path, the role it needs); {id} is the application, {spare} an account id,
#: {reason} a reason template's id.
ROUTES = [
    ("GET", "/desk/", "reviewer"),
    ("GET", "/desk/?status=all&sort=oldest", "reviewer"),
    ("GET", "/desk/applications/{id}", "reviewer"),
    ("GET", "/desk/applications/{id}/documents/legal_rep_id", "reviewer"),
    ("POST", "/desk/applications/{id}/assign", "reviewer"),
    ("POST", "/desk/applications/{id}/decision", "reviewer"),
    ("POST", "/desk/applications/{id}/confirm", "reviewer"),
    ("POST", "/desk/applications/{id}/checklist", "reviewer"),
    ("POST", "/desk/assign", "reviewer"),
    ("POST", "/desk/filters", "reviewer"),
    ("GET", "/desk/outbox", "admin"),  # it shows what was sent to applicants
    ("POST", "/desk/logout", "reviewer"),
    ("GET", "/desk/reasons", "admin"),
    ("POST", "/desk/reasons", "admin"),
    ("POST", "/desk/reasons/{reason}", "admin"),
    ("GET", "/desk/users", "admin"),
    ("POST", "/desk/users", "admin"),
    ("POST", "/desk/users/{spare}/active", "admin"),
    ("GET", "/desk/audit", "admin"),
    ("GET", "/desk/settings", "admin"),
    ("POST", "/desk/settings", "admin"),
]
GRANTED = {"anonymous": set(), "reviewer": {"reviewer"}, "admin": {"reviewer", "admin"}}


def _request(client: FlaskClient, method: str, path: str, token: str):
    if method == "GET":
        return client.get(path)
    # Harmless forms: no outcome, no assignee change, empty accounts and reasons.
    return client.post(path, data={"csrf_token": token, "active": "1"})


@pytest.mark.parametrize("role", ["anonymous", "reviewer", "admin"])
@pytest.mark.parametrize(("method", "path", "needs"), ROUTES)
def test_each_role_on_each_route(desk, role: str, method: str, path: str, needs: str):
    app, public_id = desk
    with app.app_context():
        spare = db.session.scalar(
            select(UserAccount.id).where(UserAccount.email == "spare@example.com")
        )
        reason = db.session.scalar(select(func.min(ReasonTemplate.id)))
    path = path.format(id=public_id, spare=spare, reason=reason)
    client = app.test_client()
    if role == "anonymous":
        token = csrf_of(client.get("/desk/login").text)
    else:
        token = login(client, f"{role}@example.com")
    response = _request(client, method, path, token)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.location.startswith("/desk/login")
    elif needs not in GRANTED[role]:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302), response.text[:300]
        assert not (response.location or "").startswith("/desk/login") or path == "/desk/logout"
    if response.status_code == 200 and method == "GET" and "documents" not in path:
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


def test_the_applicants_document_route_does_not_open_desk_files(desk):
    app, public_id = desk
    assert (
        app.test_client().get(f"/desk/applications/{public_id}/documents/legal_rep_id").status_code
        == 302
    )
    assert app.test_client().get("/desk/applications/A-NOSUCHAPP0/documents/x").status_code == 302


def test_passwords_are_argon2id_and_never_stored(app: Flask):
    email = add_user(app, "admin")
    with app.app_context():
        user = auth.find_user(email.upper())
        assert user is not None and user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert auth.authenticate(email, PASSWORD) is user
        assert auth.authenticate(email, PASSWORD + "x") is None
        assert auth.authenticate("nobody@example.com", PASSWORD) is None
        with pytest.raises(auth.AccountError):
            auth.create_user("x@example.com", "X", "admin", "short")
        with pytest.raises(auth.AccountError):
            auth.create_user(email, "Again", "admin", PASSWORD)
        with pytest.raises(auth.AccountError):
            auth.create_user("y@example.com", "Y", "owner", PASSWORD)


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(app: Flask, client):
    add_user(app, "reviewer")
    token = csrf_of(client.get("/desk/login").text)
    wrong = client.post(
        "/desk/login",
        data={"csrf_token": token, "email": "reviewer@example.com", "password": "x" * 12},
    )
    unknown = client.post(
        "/desk/login", data={"csrf_token": token, "email": "who@example.com", "password": "x" * 12}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email address or password" in wrong.text or "邮箱地址或密码错误" in wrong.text
    with app.app_context():
        failed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login_failed")
        ).all()
        assert len(failed) == 2


def test_logins_are_throttled_per_address_and_account(tmp_path: Path):
    app = make_app(tmp_path, ONBOARD_LOGIN_LIMIT="3 per minute")
    add_user(app, "reviewer")
    client = app.test_client()
    token = csrf_of(client.get("/desk/login").text)
    body = {"csrf_token": token, "email": "reviewer@example.com", "password": "wrong password!"}
    statuses = [client.post("/desk/login", data=body).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    # even the right password waits now: guessing cannot go on by getting it right
    right = client.post("/desk/login", data={**body, "password": PASSWORD})
    assert right.status_code == 429 and "Retry-After" in right.headers
    with app.app_context():
        db.engine.dispose()


def test_session_cookie_and_logout(app: Flask):
    add_user(app, "reviewer")
    client = app.test_client()
    token = login(client, "reviewer@example.com")
    cookie = client.get_cookie("onboard_desk", path="/desk")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert client.post("/desk/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/desk/").status_code == 302
    # the cookie from before the logout, replayed, opens nothing
    thief = app.test_client()
    thief.set_cookie("onboard_desk", cookie.value, path="/desk")
    assert thief.get("/desk/").location.startswith("/desk/login")


def test_production_cookies_are_secure(tmp_path: Path):
    from onboard.config import from_environment  # noqa: PLC0415

    settings = from_environment(
        {
            "ONBOARD_ENV": "production",
            "ONBOARD_SECRET_KEY": "9f3c1a7be2d84f6089c5e1d3a7b2f4c6e8d0a1b3c5e7f90214365879bcdef10",
            "ONBOARD_BASE_URL": "https://onboard.example.com",
            "ONBOARD_DATA_DIR": str(tmp_path),
        }
    )
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]
    assert settings["REMEMBER_COOKIE_SECURE"]
    assert settings["PERMANENT_SESSION_LIFETIME"] == 8 * 3600


def test_a_deactivated_account_is_logged_out_at_once(app: Flask):
    add_user(app, "admin")
    add_user(app, "reviewer")
    reviewer = app.test_client()
    login(reviewer, "reviewer@example.com")
    admin = app.test_client()
    token = login(admin, "admin@example.com")
    with app.app_context():
        ident = auth.find_user("reviewer@example.com").id
    admin.post(f"/desk/users/{ident}/active", data={"csrf_token": token, "active": "0"})
    assert reviewer.get("/desk/").status_code == 302
    refused = reviewer.post(
        "/desk/login",
        data={
            "csrf_token": csrf_of(reviewer.get("/desk/login").text),
            "email": "reviewer@example.com",
            "password": PASSWORD,
        },
    )
    assert refused.status_code == 401


def test_login_sends_people_back_only_to_the_desk(app: Flask):
    add_user(app, "reviewer")
    client = app.test_client()
    token = csrf_of(client.get("/desk/login?next=/desk/outbox").text)
    body = {"csrf_token": token, "email": "reviewer@example.com", "password": PASSWORD}
    assert (
        client.post("/desk/login", data={**body, "next": "/desk/outbox"}).location == "/desk/outbox"
    )
    client = app.test_client()
    token = csrf_of(client.get("/desk/login").text)
    away = client.post(
        "/desk/login", data={**body, "csrf_token": token, "next": "https://evil.example/"}
    )
    assert away.location == "/desk/"


def test_the_command_line_creates_the_first_admin(tmp_path: Path, monkeypatch):
    from click.testing import CliRunner  # noqa: PLC0415

    from onboard.cli import main  # noqa: PLC0415

    monkeypatch.setenv("ONBOARD_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.setenv("ONBOARD_SECRET_KEY", "test")
    result = CliRunner().invoke(
        main,
        ["users", "create", "--email", "Boss@Example.com", "--name", "Boss"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "created admin boss@example.com" in result.output
    again = CliRunner().invoke(
        main, ["users", "create", "--email", "boss@example.com"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert again.exit_code == 2 and "exists already" in again.output
    app = make_app(
        tmp_path / "fresh",
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh' / 'onboard.db'}",
        ONBOARD_DATA_DIR=str(tmp_path / "fresh"),
    )
    client = app.test_client()
    login(client, "boss@example.com")
    assert client.get("/desk/users").status_code == 200
    with app.app_context():
        db.engine.dispose()


# --- the desk's error texts in the reviewer's language (a walk found them in English) ---------


def _flash_of(html: str) -> str:
    import html as html_module  # noqa: PLC0415
    import re  # noqa: PLC0415

    found = re.findall(r'<p class="flash[^"]*">(.*?)</p>', html, re.S)
    assert len(found) == 1, found
    return html_module.unescape(found[0])


def _foreign(text: str, own: tuple[str, ...] = ()) -> list[str]:
    from tests.test_chinese_texts import foreign_words  # noqa: PLC0415

    return foreign_words(text, own)


@pytest.mark.parametrize(
    ("form", "own"),
    [
        ({"email": "new@example.com", "name": "N", "role": "reviewer", "password": "short"}, ()),
        ({"email": "nobody", "name": "N", "role": "reviewer", "password": PASSWORD}, ()),
        ({"email": "new@example.com", "name": "N", "role": "owner", "password": PASSWORD}, ()),
        (
            {"email": "admin@example.com", "name": "N", "role": "admin", "password": PASSWORD},
            ("admin@example.com",),
        ),
    ],
)
def test_account_errors_are_chinese_on_a_chinese_desk(app: Flask, form: dict, own: tuple):
    add_user(app, "admin")
    client = app.test_client()
    client.set_cookie("lang", "zh_Hans", path="/")
    token = login(client, "admin@example.com")
    answer = client.post("/desk/users", data={"csrf_token": token, **form}, follow_redirects=True)
    flash = _flash_of(answer.text)
    assert flash.startswith("未保存") and _foreign(flash, own) == [], flash
    client.set_cookie("lang", "en", path="/")
    answer = client.post("/desk/users", data={"csrf_token": token, **form}, follow_redirects=True)
    assert _flash_of(answer.text).startswith("Not saved"), answer.text


def test_a_reason_for_an_unknown_code_is_refused_in_chinese(app: Flask):
    add_user(app, "admin")
    client = app.test_client()
    client.set_cookie("lang", "zh_Hans", path="/")
    token = login(client, "admin@example.com")
    answer = client.post(
        "/desk/reasons",
        data={"csrf_token": token, "code": "no.such_rule", "text_en": "x", "text_zh": "某"},
        follow_redirects=True,
    )
    flash = _flash_of(answer.text)
    assert "规则编号" in flash and _foreign(flash, ("no.such_rule",)) == [], flash


def test_agency_admin_errors_are_chinese(app: Flask):
    add_user(app, "admin")
    client = app.test_client()
    client.set_cookie("lang", "zh_Hans", path="/")
    token = login(client, "admin@example.com")
    for form in ({"name": ""}, {"name": "Acme", "webhook_url": "http://10.0.0.8/hook"}):
        answer = client.post(
            "/desk/agencies/", data={"csrf_token": token, **form}, follow_redirects=True
        )
        flash = _flash_of(answer.text)
        assert flash.startswith("未保存") and _foreign(flash, ("10.0.0.8",)) == [], flash
