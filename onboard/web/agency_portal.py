"""The agencies' portal (``/agency/``): the people of a partner agency log in with their own
accounts (invited by an admin, see :mod:`onboard.agencies.users`), upload batch files,
follow and open their batches, download results, turn checked clients into applicants'
drafts, and manage their API keys and webhook.

Everything is scoped to the logged-in person's agency: another agency's batch, row or key
answers 404, exactly like one that does not exist. New secrets (an API key, a webhook
secret, a client's private link) are shown in the answer to the POST that made them, never
put in the session or a redirect, and never shown again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from onboard import audit
from onboard.agencies import batches, keys, report, samples, users
from onboard.bounds import DB_INT_MAX, bounded_int
from onboard.eligibility.model import Verdict
from onboard.eligibility.ruleset import ruleset_by_version
from onboard.errors import InputError
from onboard.extensions import db
from onboard.i18n import pick
from onboard.models import Agency, AgencyUser, Batch, BatchRow, utcnow
from onboard.web import logins, texts
from onboard.web.agency_api import application_link, csv_response, html_response, xlsx_response

bp = Blueprint("agency_portal", __name__, url_prefix="/agency")
F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "agency_user"
#: Rows shown per page of a batch.
PAGE_ROWS = 100
VERDICTS = (*(v.value for v in Verdict), "error")
#: The batch page's refresh while the batch runs, in seconds: at first, and at the most.
REFRESH_MIN, REFRESH_MAX = 3, 60


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


@bp.app_template_global()
def agency_name(agency_id: int | None) -> str:
    """The name of an agency by id (the desk shows who filed an application)."""
    agency = db.session.get(Agency, agency_id) if agency_id else None
    return agency.name if agency is not None else ""


# --- who is logged in ------------------------------------------------------------------------


def current_person() -> AgencyUser | None:
    if "agency_person" not in g:
        g.agency_person = users.from_session(session.get(SESSION_KEY))
    person: AgencyUser | None = g.agency_person
    return person


def member_required(view: F) -> F:
    """Refuse the view to anyone not logged in to the portal (to its login page)."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        person = current_person()
        if person is None:
            return redirect(url_for(".login", next=request.path))
        g.agency = person.agency
        return view(*args, **kwargs)

    return cast(F, guarded)


def _agency() -> Agency:
    agency: Agency = g.agency
    return agency


@bp.context_processor
def _portal_context() -> dict[str, Any]:
    locale = get_locale()
    return {
        "person": current_person(),
        "verdict_label": verdict_label,
        "fix_lang": "zh" if locale is not None and locale.language == "zh" else "en",
        "row_problems": texts.field_lines,
        "encoding_name": encoding_name,
    }


def encoding_name(encoding: str) -> str:
    """How a file's text encoding is named to people (``utf-8-sig`` is Python's name)."""
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030"}.get(encoding, encoding)


def verdict_label(verdict: str) -> str:
    """A verdict (or a row's ``error`` / ``pending``) as the portal names it."""
    return {
        "eligible": _("eligible"),
        "ineligible": _("not eligible yet"),
        "incomplete": _("incomplete"),
        "review": _("to be reviewed"),
        "error": _("input error"),
        "pending": _("pending"),
    }.get(verdict, verdict)


LOGIN = logins.LoginPage(
    "agencies/login.html", "/agency/", "agency_portal.home", "agency_login_failed"
)


@bp.route("/login", methods=["GET", "POST"])
@logins.throttled
def login() -> ResponseReturnValue:
    return logins.login(LOGIN, users.authenticate, _logged_in)


def _logged_in(person: AgencyUser) -> None:
    _start_session(person)
    audit.record("agency_login", actor=f"agency:{person.email}")


def _start_session(person: AgencyUser) -> None:
    session.clear()  # nothing of the anonymous session carries over
    session[SESSION_KEY] = users.session_value(person)
    session.permanent = True


@bp.post("/logout")
@member_required
def logout() -> ResponseReturnValue:
    person = current_person()
    if person is not None:
        users.log_out(person)
        db.session.commit()
    session.clear()
    flash(_("You are logged out."), "ok")
    return redirect(url_for(".login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@logins.throttled_per_address
def invitation(token: str) -> ResponseReturnValue:
    """An invited person chooses a password (the link then stops working)."""
    person = users.invited(token)
    if person is None:
        abort(404)
    if request.method == "GET":
        return render_template("agencies/invitation.html", person=person, token=token)
    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        error = _("The two passwords differ.")
        return render_template(
            "agencies/invitation.html", person=person, token=token, error=error
        ), 400
    try:
        users.accept(person, password)
    except InputError:
        error = _("The password must have at least 12 characters.")
        return render_template(
            "agencies/invitation.html", person=person, token=token, error=error
        ), 400
    _start_session(person)
    audit.record("agency_invitation_accepted", actor=f"agency:{person.email}")
    db.session.commit()
    return redirect(url_for(".home"))


# --- batches ---------------------------------------------------------------------------------


@bp.get("/")
@member_required
def home() -> ResponseReturnValue:
    found = batches.list_batches(_agency(), limit=50)
    rows = [(batch, batches.progress(batch)) for batch in found]
    return render_template("agencies/home.html", batches=rows, samples=sorted(samples.FILES))


@bp.post("/batches")
@member_required
def upload() -> ResponseReturnValue:
    part = request.files.get("file")
    if part is None or not part.filename:
        flash(_("Choose a CSV or XLSX file of clients."), "warn")
        return _uploaded(url_for(".home"))
    documents = request.files.get("documents")
    try:
        batch, _created = batches.create_batch(
            _agency(),
            part.stream.read(),
            part.filename,
            media_type=part.mimetype,
            documents=documents.stream if documents is not None and documents.filename else None,
        )
    except InputError as exc:
        db.session.rollback()
        flash(_("Not uploaded: %(why)s", why=texts.input_error(exc)), "warn")
        return _uploaded(url_for(".home"))
    finally:
        for stream in request.files.values():
            stream.close()
    return _uploaded(url_for(".batch", batch_id=batch.public_id))


def _uploaded(location: str) -> ResponseReturnValue:
    """Where to go after an upload: a redirect for a form, the address for ``agency.js``
    (which sends the file itself to show progress). A redirect would be followed inside the
    script's request, and the page it fetched there would take the flash message with it:
    an upload's refusal was never seen."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return {"location": location}
    return redirect(location, 303)


def _batch(batch_id: str) -> Batch:
    batch = batches.get_batch(_agency(), batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.get("/batches/<batch_id>")
@member_required
def batch(batch_id: str) -> ResponseReturnValue:
    found = _batch(batch_id)
    batches.resume_if_stalled(found)
    verdict = request.args.get("verdict", "")
    verdict = verdict if verdict in VERDICTS else ""
    rule = request.args.get("rule", "").strip()[:40]
    # A page beyond the database's integers (or "²", a digit to str.isdigit but not to int)
    # is a 422 like any malformed number, never a 500 from the driver.
    page = bounded_int(request.args.get("page"), "page", 1, low=1)
    page = min(page, DB_INT_MAX // PAGE_ROWS)
    lines = list(
        batches.client_lines(
            found,
            verdict=verdict or None,
            rule=rule or None,
            offset=(page - 1) * PAGE_ROWS,
            limit=PAGE_ROWS + 1,
        )
    )
    summary = report.summarize(batches.client_lines(found))
    failing = [code for code, _count in summary.top_rules(50)]
    if rule and rule not in failing:  # a filter typed into the address: kept selected
        failing.append(rule)
    return render_template(
        "agencies/batch.html",
        batch=found,
        progress=batches.progress(found),
        refresh=refresh_seconds(found),
        summary=summary,
        rule_titles=_rule_titles(found, failing + [c for line in lines for c in line.codes]),
        filter_rules=failing,
        lines=lines[:PAGE_ROWS],
        invited=_invited(found, [line.row for line in lines[:PAGE_ROWS]]),
        more=len(lines) > PAGE_ROWS,
        page=page,
        verdict=verdict,
        rule=rule,
        verdicts=VERDICTS,
    )


@bp.get("/batches/<batch_id>/progress")
@member_required
def batch_progress(batch_id: str) -> ResponseReturnValue:
    """What the batch page polls while the batch runs (``agency.js``): state and counts."""
    found = _batch(batch_id)
    batches.resume_if_stalled(found)
    progress = batches.progress(found)
    return {"state": found.state, "done": progress.done, "total": progress.total}


def refresh_seconds(batch: Batch, now: datetime | None = None) -> int | None:
    """How long the batch page waits before it looks again without JavaScript: None once the
    batch is done; 3 s while it is young, then a tenth of its age, at most a minute, so that
    a page left open on a long (or stalled) batch does not ask every 3 s for good."""
    if batch.state == "done":
        return None
    age = ((now or utcnow()) - batch.created_at).total_seconds()
    return int(min(REFRESH_MAX, max(REFRESH_MIN, age // 10)))


def _rule_titles(batch: Batch, codes: list[str]) -> dict[str, str]:
    """What each failing rule's code means, in the reader's language, from the rule set the
    batch was checked with (a code the rule set does not know stays the code)."""
    try:
        ruleset = ruleset_by_version(batch.rules_version)
    except KeyError:
        return {}
    titles = {}
    for code in codes:
        try:
            titles[code] = pick(ruleset.rule(code).title)
        except KeyError:
            continue
    return titles


@bp.get("/batches/<batch_id>/results.csv")
@member_required
def download_csv(batch_id: str) -> Response:
    return csv_response(_batch(batch_id))


@bp.get("/batches/<batch_id>/results.xlsx")
@member_required
def download_xlsx(batch_id: str) -> Response:
    return xlsx_response(_batch(batch_id))


@bp.get("/batches/<batch_id>/report.html")
@member_required
def download_html(batch_id: str) -> Response:
    return html_response(_batch(batch_id))


@bp.post("/batches/<batch_id>/rows/<int:row>/application")
@member_required
def start_application(batch_id: str, row: int) -> ResponseReturnValue:
    """The client's draft, prefilled from the row, and its private link (shown once).

    One link works at a time (a new one revokes the earlier, as for every private link), so
    a row whose client was invited already first asks whether to replace the link the client
    may have (``replace=1`` confirms), and the new link's page says the earlier one is dead.
    """
    found = _batch(batch_id)
    item = batches.get_row(found, row)
    if item is None:
        abort(404)
    invited = _invited(found, [item.row])
    if item.row in invited and request.form.get("replace") != "1":
        return render_template("agencies/relink.html", batch=found, row=item), 409
    try:
        record, token = batches.start_application(found, item)
    except InputError as exc:
        db.session.rollback()
        flash(_("Not possible: %(why)s", why=texts.input_error(exc)), "warn")
        return redirect(url_for(".batch", batch_id=found.public_id), 303)
    if invited:  # the first link is audited as the draft's creation; a replacement here
        audit.record("agency_application_relinked", record, actor=_actor(), row=item.row)
        db.session.commit()
    link = application_link(record, token)
    return render_template(
        "agencies/link.html", batch=found, row=item, link=link, replaced=bool(invited)
    ), 201


def _invited(batch: Batch, rows: list[int]) -> set[int]:
    """Which of ``rows`` have an applicant's draft (and so a private link) already."""
    if not rows:
        return set()
    return set(
        db.session.scalars(
            select(BatchRow.row).where(
                BatchRow.batch_id == batch.id,
                BatchRow.row.in_(rows),
                BatchRow.application_id.is_not(None),
            )
        )
    )


@bp.get("/samples/<name>")
def sample(name: str) -> Response:
    found = samples.sample_file(name)
    if found is None:
        abort(404)
    body, media_type = found
    response = Response(body, content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="onboard-{name}"'
    return response


# --- keys and webhook ------------------------------------------------------------------------


def _keys_page(status: int = 200, **shown: Any) -> ResponseReturnValue:
    agency = _agency()
    return render_template("agencies/keys.html", agency=agency, **shown), status


@bp.get("/keys")
@member_required
def api_keys() -> ResponseReturnValue:
    return _keys_page()


@bp.post("/keys")
@member_required
def create_key() -> ResponseReturnValue:
    agency = _agency()
    try:
        record, key = keys.create_key(agency, request.form.get("name") or "portal")
    except InputError as exc:
        db.session.rollback()
        flash(_("Not saved: %(why)s", why=texts.input_error(exc)), "warn")
        return redirect(url_for(".api_keys"), 303)
    audit.record("api_key_created", actor=_actor(), agency=agency.name, key=record.prefix)
    db.session.commit()
    return _keys_page(201, new_key=key)


@bp.post("/keys/<int:key_id>/revoke")
@member_required
def revoke_key(key_id: int) -> ResponseReturnValue:
    record = keys.find_key(str(key_id), _agency())
    if record is None:
        abort(404)
    if keys.revoke_key(record):
        audit.record("api_key_revoked", actor=_actor(), agency=_agency().name, key=record.prefix)
        db.session.commit()
        flash(_("Key %(prefix)s… revoked.", prefix=record.prefix), "ok")
    return redirect(url_for(".api_keys"), 303)


@bp.post("/webhook")
@member_required
def set_webhook() -> ResponseReturnValue:
    agency = _agency()
    try:
        secret = keys.set_webhook(agency, request.form.get("webhook_url") or None)
    except InputError as exc:
        db.session.rollback()
        flash(_("Not saved: %(why)s", why=texts.input_error(exc)), "warn")
        return redirect(url_for(".api_keys"), 303)
    audit.record("agency_webhook", actor=_actor(), agency=agency.name, webhook=bool(secret))
    db.session.commit()
    return _keys_page(200, new_secret=secret)


def _actor() -> str:
    person = current_person()
    return f"agency:{person.email}" if person is not None else "agency"
