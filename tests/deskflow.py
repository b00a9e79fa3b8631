"""Helpers for the reviewer desk's tests: accounts, logging in, submitted applications.

Applications are put straight into the database through :mod:`onboard.repository` (the form
has its own tests); each ``seller(n)`` has its own license number, phone, email and shop
name, so that only the duplicates a test means to make are duplicates.
"""

from __future__ import annotations

import io
import random
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from onboard import auth, repository
from onboard.eligibility.model import Application
from onboard.extensions import db
from onboard.intake.schemas import application_to_dict
from onboard.usecases import applications
from tests import imagefactory
from tests.factories import change, eligible
from tests.licensefactory import make_uscc

PASSWORD = "correct horse battery staple"


def seller(n: int, platform: str = "amazon", **changes: Any) -> Application:
    """An eligible application whose unique values are its own (``n`` picks them)."""
    app = change(
        eligible(platform),
        entity__license_number=make_uscc(random.Random(n)),
        contact__phone=f"+86 138 0013 {8000 + n:04d}",
        contact__email=f"ops{n}@example.cn",
        shop__name=f"Starriver Home {n}",
    )
    return change(app, **changes) if changes else app


def add_user(app: Flask, role: str = "reviewer", email: str | None = None) -> str:
    email = email or f"{role}@example.com"
    with app.app_context():
        auth.create_user(email, role.title(), role, PASSWORD)
        db.session.commit()
    return email


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match[1]


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> str:
    """Log ``client`` in; the CSRF token of its session, for the forms it posts next."""
    token = csrf_of(client.get("/desk/login").text)
    response = client.post(
        "/desk/login", data={"csrf_token": token, "email": email, "password": password}
    )
    assert response.status_code == 302, response.text
    return csrf_of(client.get("/desk/").text)


def draft(app: Flask, application: Application, *, locale: str = "en") -> tuple[str, str]:
    """A draft holding ``application`` and its documents: (public id, resume token)."""
    with app.app_context():
        record = repository.create_draft(locale)
        data = application_to_dict(application)
        data.pop("documents")
        repository.save_sections(record, data)
        for kind in application.documents:
            applications.attach_document(
                record, kind, io.BytesIO(imagefactory.png(160, 120)), f"{kind}.png",
                read_license=False,
            )  # fmt: skip
        token = repository.issue_resume_token(record)
        db.session.commit()
        return record.public_id, token


def submitted(app: Flask, application: Application, *, locale: str = "en") -> tuple[str, str]:
    public_id, token = draft(app, application, locale=locale)
    with app.app_context():
        record = repository.get_application(public_id)
        assert record is not None
        applications.submit(record)
        db.session.commit()
    return public_id, token


def tick_checklist(app: Flask, client: FlaskClient, token: str, public_id: str) -> None:
    """Tick every checklist item of the application's current version, as a reviewer."""
    from onboard.eligibility.ruleset import default_ruleset  # noqa: PLC0415
    from onboard.usecases import review  # noqa: PLC0415

    with app.app_context():
        record = repository.get_application(public_id)
        assert record is not None
        items = [item.key for item in review.checklist_for(record, default_ruleset())]
    response = client.post(
        f"/desk/applications/{public_id}/checklist",
        data={"csrf_token": token, **{f"mark-{key}": "ok" for key in items}},
    )
    assert response.status_code == 302, response.text


def approve(app: Flask, client: FlaskClient, token: str, public_id: str, **form: str) -> Any:
    """Tick the checklist and approve (``form`` adds fields, e.g. an override reason)."""
    tick_checklist(app, client, token, public_id)
    return client.post(
        f"/desk/applications/{public_id}/decision",
        data={"csrf_token": token, "outcome": "approved", **form},
    )
