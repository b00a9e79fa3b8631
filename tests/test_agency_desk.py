"""The admin's agencies page on the desk: admins only, keys shown once, revocation audited."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from onboard.extensions import db
from onboard.models import AgencyUser, ApiKey
from tests.agencyhelpers import bearer
from tests.deskflow import add_user, csrf_of, login


def test_admins_create_agencies_and_keys_and_revoke_them(app: Flask, client):
    login(client, add_user(app, "admin"))
    page = client.get("/desk/agencies/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    made = client.post(
        "/desk/agencies/",
        data={"csrf_token": csrf_of(page.text), "name": "Desk Agency", "webhook_url": ""},
    )
    assert made.status_code == 201 and "Desk Agency" in made.text
    with app.app_context():
        from onboard.models import Agency  # noqa: PLC0415

        agency_id = db.session.scalar(db.select(Agency.id))
    created = client.post(
        f"/desk/agencies/{agency_id}/keys",
        data={"csrf_token": csrf_of(made.text), "name": "ops laptop"},
    )
    assert created.status_code == 201
    key = re.search(r'id="new-key">([^<]+)<', created.text)[1]
    assert key.startswith("obk_")
    assert client.get("/api/v1/agency", headers=bearer(key)).json["name"] == "Desk Agency"
    listing = client.get("/desk/agencies/").text
    assert key not in listing and "ops laptop" in listing  # shown once only
    with app.app_context():
        key_id = db.session.scalar(db.select(ApiKey.id))
    revoked = client.post(
        f"/desk/agencies/keys/{key_id}/revoke", data={"csrf_token": csrf_of(listing)}
    )
    assert revoked.status_code == 302
    assert client.get("/api/v1/agency", headers=bearer(key)).status_code == 401
    audit = client.get("/desk/audit").text
    assert "api_key_created" in audit and "api_key_revoked" in audit


def test_reviewers_and_strangers_are_kept_out(app: Flask, client):
    assert client.get("/desk/agencies/").status_code == 302  # to the login page
    login(client, add_user(app, "reviewer"))
    assert client.get("/desk/agencies/").status_code == 403
    token = csrf_of(client.get("/desk/").text)
    assert (
        client.post("/desk/agencies/", data={"csrf_token": token, "name": "X"}).status_code == 403
    )


def test_forms_need_the_csrf_token(app: Flask, client):
    login(client, add_user(app, "admin"))
    assert client.post("/desk/agencies/", data={"name": "No token"}).status_code in (400, 403)


def test_admins_deactivate_a_portal_user_who_is_logged_out_at_once(app: Flask, client):
    """Nothing could stop a person who left an agency: their password kept working. An
    admin deactivates them on the desk: their session ends, their login and a pending
    invitation stop working, and it is audited; reactivated, they log in again."""
    from tests.test_agency_portal import PASSWORD, logged_in  # noqa: PLC0415

    portal = logged_in(app, "Acme", "zhou@acme.example")
    assert portal.get("/agency/").status_code == 200
    login(client, add_user(app, "admin"))
    with app.app_context():
        person_id = db.session.scalar(db.select(AgencyUser.id))
    page = client.get("/desk/agencies/").text
    assert f"/desk/agencies/users/{person_id}/active" in page
    off = client.post(
        f"/desk/agencies/users/{person_id}/active",
        data={"csrf_token": csrf_of(page), "active": "0"},
    )
    assert off.status_code == 302
    assert portal.get("/agency/").status_code == 302  # to the login page
    again = app.test_client()
    form = again.get("/agency/login").text
    answer = again.post(
        "/agency/login",
        data={"csrf_token": csrf_of(form), "email": "zhou@acme.example", "password": PASSWORD},
    )
    assert answer.status_code == 401
    assert 'data-action="agency_user_active"' in client.get("/desk/audit").text
    with app.app_context():  # a new invitation would not open: refused, saying why
        from onboard.agencies import keys, users  # noqa: PLC0415
        from onboard.errors import InputError  # noqa: PLC0415

        with pytest.raises(InputError) as refused:
            users.invite(keys.find_agency("Acme"), "zhou@acme.example")
        assert "deactivated" in refused.value.summary()
    page = client.get("/desk/agencies/").text
    client.post(
        f"/desk/agencies/users/{person_id}/active",
        data={"csrf_token": csrf_of(page), "active": "1"},
    )
    answer = again.post(
        "/agency/login",
        data={"csrf_token": csrf_of(form), "email": "zhou@acme.example", "password": PASSWORD},
    )
    assert answer.status_code == 302


def test_a_reviewer_cannot_deactivate_a_portal_user(app: Flask, client):
    from tests.test_agency_portal import logged_in  # noqa: PLC0415

    logged_in(app, "Acme", "zhou@acme.example")
    login(client, add_user(app, "reviewer"))
    token = csrf_of(client.get("/desk/").text)
    with app.app_context():
        person_id = db.session.scalar(db.select(AgencyUser.id))
    answer = client.post(
        f"/desk/agencies/users/{person_id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert answer.status_code == 403
