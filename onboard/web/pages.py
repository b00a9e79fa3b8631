"""Pages for people: the landing page (the applicant form arrives with its own blueprint)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
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


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico whatever a page names (PDF viewers, old bookmarks): no
    404 in the console."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
