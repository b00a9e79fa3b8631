"""The people of partner agencies who use the portal: invited by an admin, then logged in
with their own password (argon2id, as for the desk), and scoped to their agency.

An invitation is a private link: its token is shown once (to the admin who invites, or
printed once by ``onboard agencies invite``), only its SHA-256 is kept, and it works once,
within :data:`INVITE_TTL`. The portal's session names a person by ``<id>:<session_token>``;
logging out (or a new password, or deactivation) replaces the token, so a copied cookie
stops working everywhere at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from onboard import auth
from onboard.errors import InputError, Text, Words
from onboard.extensions import db
from onboard.models import Agency, AgencyUser, new_session_token, utcnow

INVITE_TTL = timedelta(days=7)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


GIVE_EMAIL = Words("Give the person's email address.", "请填写此人的电子邮箱。")
DEACTIVATED = Words(
    "{email} is deactivated: reactivate them first.", "{email} 已停用：请先重新启用该账户。"
)
ACCOUNT_EXISTS = Words("An account for {email} exists already.", "{email} 的账户已存在。")


def _clean_email(email: str) -> str:
    clean = (email or "").strip().casefold()
    if "@" not in clean or len(clean) > 320 or any(c.isspace() for c in clean):
        raise InputError({"email": [GIVE_EMAIL()]})
    return clean


def find_by_email(email: str) -> AgencyUser | None:
    key = (email or "").strip().casefold()
    return db.session.scalar(select(AgencyUser).where(func.lower(AgencyUser.email) == key))


def invite(
    agency: Agency, email: str, name: str = "", now: datetime | None = None
) -> tuple[AgencyUser, str]:
    """A new portal user of ``agency`` (or a fresh invitation for one who has not accepted
    yet): the record and the invitation token, to be shown once. An address that belongs to
    an active account already is refused (409)."""
    clean = _clean_email(email)
    user = find_by_email(clean)
    if user is not None and not user.active:
        # The link would not open (a deactivated person's invitation does not work).
        raise InputError({"email": [DEACTIVATED(email=clean)]}, status=409)
    if user is not None and (user.password_hash is not None or user.agency_id != agency.id):
        raise InputError({"email": [ACCOUNT_EXISTS(email=clean)]}, status=409)
    if user is None:
        shown = " ".join(name.split())[:200] or clean
        user = AgencyUser(agency_id=agency.id, email=clean, name=shown)
        db.session.add(user)
    token = secrets.token_urlsafe(32)
    user.invite_hash = _hash(token)
    user.invite_expires_at = (now or utcnow()) + INVITE_TTL
    db.session.flush()
    return user, token


def invited(token: str, now: datetime | None = None) -> AgencyUser | None:
    """The person an invitation link is for, while it is unused and unexpired."""
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(select(AgencyUser).where(AgencyUser.invite_hash == _hash(token)))
    if user is None or not user.active or user.invite_expires_at is None:
        return None
    if user.invite_expires_at <= (now or utcnow()):
        return None
    return user


def accept(user: AgencyUser, password: str) -> None:
    """Set the password of an invited person; the invitation stops working."""
    problem = auth.password_problem(password)
    if problem:
        raise InputError({"password": [Text(problem[0].upper() + problem[1:] + ".", problem.zh)]})
    user.password_hash = auth.hash_password(password)
    user.invite_hash = None
    user.invite_expires_at = None
    user.session_token = new_session_token()


def authenticate(email: str, password: str) -> AgencyUser | None:
    """The active person with this address and password, else None (the same work
    either way, so answers do not tell which addresses exist)."""
    user = find_by_email(email)
    stored = user.password_hash if user is not None and user.active else None
    if not auth.check_password(stored, password) or user is None:
        return None
    user.last_login_at = utcnow()
    return user


def session_value(user: AgencyUser) -> str:
    return f"{user.id}:{user.session_token}"


def from_session(value: object) -> AgencyUser | None:
    """The person a portal session names, while that session is still theirs."""
    if not isinstance(value, str):
        return None
    ident, _sep, token = value.partition(":")
    if not ident.isdigit() or not token:
        return None
    user = db.session.get(AgencyUser, int(ident))
    if user is None or not user.active or user.password_hash is None:
        return None
    if not secrets.compare_digest(user.session_token, token):
        return None
    return user


def set_active(user: AgencyUser, active: bool) -> None:
    """Let a person in or keep them out (someone who left the agency): a deactivated person
    is logged out everywhere at once, cannot log in, and an invitation not yet accepted
    stops working; reactivated, they log in with their password again."""
    user.active = active
    user.session_token = new_session_token()
    if not active:
        user.invite_hash = None
        user.invite_expires_at = None


def log_out(user: AgencyUser) -> None:
    user.session_token = new_session_token()


def members(agency: Agency) -> list[AgencyUser]:
    return list(
        db.session.scalars(
            select(AgencyUser).where(AgencyUser.agency_id == agency.id).order_by(AgencyUser.email)
        )
    )
