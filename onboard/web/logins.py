"""One login for the reviewers' desk and the agencies' portal.

Both log people in by email address and password, and both are throttled the same way:
failed attempts count per client address *and* per account (the address typed), each up to
``ONBOARD_LOGIN_LIMIT``. The first stops one machine from guessing many accounts, the second
many machines from guessing one; beyond either, even the right password waits (429 with
``Retry-After``), so guessing cannot go on by getting it right. A success does not count.
Each area's counters are its own (Flask-Limiter scopes them by endpoint).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from onboard import audit
from onboard.extensions import db, limiter

F = TypeVar("F", bound=Callable[..., Any])
P = TypeVar("P")


def _limit() -> str:
    return str(current_app.config.get("ONBOARD_LOGIN_LIMIT", "10 per 5 minutes"))


def _failed(response: Response) -> bool:
    """Only failed attempts count towards the limits (a success redirects)."""
    return response.status_code != 302


def _account() -> str:
    return "account:" + (request.form.get("email") or "").strip().casefold()[:320]


def throttled(view: F) -> F:
    """Limit failed POSTs to ``view`` per client address and per account."""
    per_account = limiter.limit(_limit, methods=["POST"], key_func=_account, deduct_when=_failed)
    per_address = limiter.limit(
        _limit, methods=["POST"], key_func=get_remote_address, deduct_when=_failed
    )
    return cast(F, per_address(per_account(view)))


def throttled_per_address(view: F) -> F:
    """Limit failed POSTs to ``view`` per client address (a form with no account to name,
    such as accepting an invitation)."""
    limit = limiter.limit(
        _limit, methods=["POST"], key_func=get_remote_address, deduct_when=_failed
    )
    return cast(F, limit(view))


@dataclass(frozen=True, slots=True)
class LoginPage:
    """What differs between the two logins: the page, where it may send one back to after a
    success (a path under ``area``, else ``home``), and the audit entry of a failure."""

    template: str
    area: str  # "/desk/", "/agency/"
    home: str  # endpoint
    failed_event: str

    def safe_next(self, target: str | None) -> str:
        if target and target.startswith(self.area) and not target.startswith("//"):
            return target
        return url_for(self.home)


def login(
    page: LoginPage,
    authenticate: Callable[[str, str], P | None],
    start: Callable[[P], None],
) -> ResponseReturnValue:
    """The login view: the form (GET), or an attempt (POST) that starts the person's session
    with ``start`` and sends them on, or answers 401 with the form again."""
    if request.method == "GET":
        return render_template(page.template, next=request.args.get("next", ""))
    email = request.form.get("email", "")
    person = authenticate(email, request.form.get("password", ""))
    if person is None:
        audit.record(page.failed_event, actor="anonymous", account=email.strip()[:320])
        db.session.commit()
        error = _("Wrong email address or password.")
        return render_template(
            page.template, error=error, email=email, next=request.form.get("next", "")
        ), 401
    start(person)
    db.session.commit()
    return redirect(page.safe_next(request.form.get("next")))
