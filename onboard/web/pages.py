"""Pages for people: the landing page (the applicant form arrives with its own blueprint)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from onboard.eligibility.ruleset import default_ruleset

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    ruleset = default_ruleset()
    return render_template("index.html", ruleset=ruleset)


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    return {"status": "ok"}
