"""Desk accounts: argon2id password hashes, Flask-Login sessions, and role checks.

Two roles: ``reviewer`` works the queue and decides; ``admin`` can do that too, and also
edits reason templates, manages accounts and reads the audit log. Views say what they need
with :func:`login_required` (``@login_required(role="admin")``); :func:`roles_required` is
the same check named by the roles that pass.

The session cookie carries ``<id>:<session_token>``; logging out (or deactivating, or a new
password) replaces the token, so a copied cookie stops working everywhere at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import Flask, abort, session
from flask_login import AnonymousUserMixin, current_user, login_user, logout_user
from sqlalchemy import func, select

from onboard import audit
from onboard.errors import Text, Words
from onboard.extensions import db, login_manager
from onboard.models import ROLES, UserAccount, new_session_token, utcnow

__all__ = ["current_user", "login_required", "roles_required"]

F = TypeVar("F", bound=Callable[..., Any])
#: argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, 64 MiB, p=4).
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
#: What a role may do: an admin passes every reviewer check.
_GRANTS = {"reviewer": frozenset({"reviewer", "admin"}), "admin": frozenset({"admin"})}


class AccountError(ValueError):
    """A bad account request (unknown role, short password, address in use)."""


CHOOSE_ROLE = Words("role must be one of {roles}", "请选择角色：审核员或管理员。")
GIVE_EMAIL = Words("give the person's email address", "请填写此人的电子邮箱。")
PASSWORD_TOO_SHORT = Words(
    "the password must have at least {count} characters", "密码至少须有 {count} 个字符。"
)
ACCOUNT_EXISTS = Words("an account for {email} exists already", "{email} 的账户已存在。")


class Anonymous(AnonymousUserMixin):
    role: str | None = None
    is_admin = False


# --- passwords -----------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash to verify against when the address is unknown, so that the answer takes as
    long as for a wrong password (no way to learn which addresses have accounts)."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(_hasher.hash("not a password"))
    return _DUMMY_HASH[0]


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the argon2 hash ``stored``; with no hash (an unknown
    person, an invitation not yet accepted) the same work is done and the answer is no."""
    if stored is None:
        _verify(_dummy_hash(), password)
        return False
    return _verify(stored, password)


def password_problem(password: str) -> Text | None:
    """Why ``password`` cannot be used, in both languages (None when it can)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return PASSWORD_TOO_SHORT(count=MIN_PASSWORD_LENGTH)
    return None


# --- accounts ------------------------------------------------------------------------------


def find_user(email: str) -> UserAccount | None:
    key = email.strip().casefold()
    return db.session.scalar(select(UserAccount).where(func.lower(UserAccount.email) == key))


def create_user(email: str, name: str, role: str, password: str) -> UserAccount:
    """A new active account; :class:`AccountError` says what is wrong with the request."""
    email = email.strip().casefold()
    if role not in ROLES:
        raise AccountError(CHOOSE_ROLE(roles=", ".join(ROLES)))
    if "@" not in email or len(email) > 320:
        raise AccountError(GIVE_EMAIL())
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(PASSWORD_TOO_SHORT(count=MIN_PASSWORD_LENGTH))
    if find_user(email) is not None:
        raise AccountError(ACCOUNT_EXISTS(email=email))
    user = UserAccount(
        email=email, name=name.strip() or email, role=role, password_hash=hash_password(password)
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_active(user: UserAccount, active: bool) -> None:
    user.active = active
    user.session_token = new_session_token()  # a deactivated account is logged out now


def users() -> list[UserAccount]:
    return list(db.session.scalars(select(UserAccount).order_by(UserAccount.email)))


def authenticate(email: str, password: str) -> UserAccount | None:
    """The active account with this address and password, else None (same work either way)."""
    user = find_user(email)
    if user is None or not user.active:
        _verify(_dummy_hash(), password)
        return None
    if not _verify(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def log_in(user: UserAccount) -> None:
    """Start a fresh session for ``user`` (nothing of the anonymous session carries over)."""
    session.clear()
    login_user(user)
    session.permanent = True
    user.last_login_at = utcnow()
    audit.record("login", actor=user)


def log_out(user: UserAccount) -> None:
    audit.record("logout", actor=user)
    user.session_token = new_session_token()
    logout_user()
    session.clear()


@login_manager.user_loader
def _load_user(user_id: str) -> UserAccount | None:
    ident, _sep, token = user_id.partition(":")
    if not ident.isdigit() or not token:
        return None
    user = db.session.get(UserAccount, int(ident))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


# --- guarding views ------------------------------------------------------------------------


def allowed(role: str) -> bool:
    """Whether the current user has ``role`` (an admin has every role)."""
    return bool(current_user.is_authenticated) and current_user.role in _GRANTS[role]


def login_required(role: str = "reviewer") -> Callable[[F], F]:
    """Refuse the view to anyone not logged in (to the login page) or without ``role`` (403)."""
    if role not in _GRANTS:
        raise ValueError(f"unknown role {role!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allowed(role):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


def roles_required(*roles: str) -> Callable[[F], F]:
    """``@roles_required("admin")``: the same check, named by the roles that pass."""
    return login_required("admin" if set(roles) == {"admin"} else "reviewer")


def init_app(app: Flask, login_view: str) -> None:
    login_manager.init_app(app)
    login_manager.login_view = login_view
    login_manager.anonymous_user = Anonymous
    # A session cookie replayed from another address or browser is dropped.
    login_manager.session_protection = "strong"
    login_manager.login_message = None
