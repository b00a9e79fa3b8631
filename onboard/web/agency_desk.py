"""The admin's page for partner agencies on the desk: agencies, their API keys (created and
shown once, revoked), webhooks and portal users (invited, deactivated). Admins only
(``auth.login_required(role="admin")``); every change is audited. A new key or webhook secret
is shown in the answer to the POST that made it, never put in the session or a redirect, and
never shown again.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from onboard import audit, auth
from onboard.agencies import keys, users
from onboard.errors import InputError
from onboard.extensions import db
from onboard.links import external_url
from onboard.models import Agency, AgencyUser, ApiKey
from onboard.web import texts

bp = Blueprint("agency_desk", __name__, url_prefix="/desk/agencies")


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _page(status: int = 200, **shown: Any) -> ResponseReturnValue:
    found = keys.list_agencies()
    people = {agency.id: users.members(agency) for agency in found}
    return render_template("desk/agencies.html", agencies=found, people=people, **shown), status


@bp.get("/")
@auth.login_required(role="admin")
def agencies() -> ResponseReturnValue:
    return _page()


def _failed(exc: InputError) -> ResponseReturnValue:
    db.session.rollback()
    flash(_("Not saved: %(why)s", why=texts.input_error(exc)), "warn")
    return redirect(url_for(".agencies"))


@bp.post("/")
@auth.login_required(role="admin")
def create_agency() -> ResponseReturnValue:
    try:
        agency = keys.create_agency(
            request.form.get("name", ""), webhook_url=request.form.get("webhook_url") or None
        )
    except InputError as exc:
        return _failed(exc)
    audit.record("agency_created", agency=agency.name, webhook=bool(agency.webhook_url))
    db.session.commit()
    return _page(201, new_secret=agency.webhook_secret, for_agency=agency)


def _agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    return agency


@bp.post("/<int:agency_id>/keys")
@auth.login_required(role="admin")
def create_key(agency_id: int) -> ResponseReturnValue:
    agency = _agency(agency_id)
    try:
        record, key = keys.create_key(agency, request.form.get("name") or "default")
    except InputError as exc:
        return _failed(exc)
    audit.record("api_key_created", agency=agency.name, key=record.prefix, name=record.name)
    db.session.commit()
    return _page(201, new_key=key, for_agency=agency)


@bp.post("/keys/<int:key_id>/revoke")
@auth.login_required(role="admin")
def revoke_key(key_id: int) -> ResponseReturnValue:
    record = db.session.get(ApiKey, key_id)
    if record is None:
        abort(404)
    if keys.revoke_key(record):
        audit.record("api_key_revoked", agency=record.agency.name, key=record.prefix)
        db.session.commit()
        flash(_("Key %(prefix)s… revoked.", prefix=record.prefix), "ok")
    return redirect(url_for(".agencies"))


@bp.post("/<int:agency_id>/users")
@auth.login_required(role="admin")
def invite_user(agency_id: int) -> ResponseReturnValue:
    """Invite a person to the agency's portal; the invitation link is shown this once."""
    agency = _agency(agency_id)
    try:
        person, token = users.invite(
            agency, request.form.get("email", ""), request.form.get("name", "")
        )
    except InputError as exc:
        return _failed(exc)
    audit.record("agency_user_invited", agency=agency.name, account=person.email)
    db.session.commit()
    link = external_url("agency_portal.invitation", token=token)
    return _page(201, new_invitation=link, invited=person, for_agency=agency)


@bp.post("/users/<int:user_id>/active")
@auth.login_required(role="admin")
def set_user_active(user_id: int) -> ResponseReturnValue:
    """Deactivate (or reactivate) a portal user: logged out at once, audited."""
    person = db.session.get(AgencyUser, user_id)
    if person is None:
        abort(404)
    users.set_active(person, request.form.get("active") == "1")
    audit.record(
        "agency_user_active", agency=person.agency.name, account=person.email, active=person.active
    )
    db.session.commit()
    return redirect(url_for(".agencies"))


@bp.post("/<int:agency_id>/webhook")
@auth.login_required(role="admin")
def set_webhook(agency_id: int) -> ResponseReturnValue:
    agency = _agency(agency_id)
    try:
        secret = keys.set_webhook(agency, request.form.get("webhook_url") or None)
    except InputError as exc:
        return _failed(exc)
    audit.record("agency_webhook", agency=agency.name, webhook=bool(secret))
    db.session.commit()
    return _page(200, new_secret=secret, for_agency=agency)
