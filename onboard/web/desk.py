"""The reviewer desk: login, the queue, one application with its evidence, decisions, and
the admins' pages (reason templates, accounts, audit log, outbox).

Every page except the login refuses anyone not logged in with the right role
(:func:`onboard.auth.login_required`). What is decided and stored lives in
:mod:`onboard.usecases.review`; the views only route and render.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from onboard import audit, auth, repository
from onboard.agencies import keys
from onboard.bounds import bounded_int
from onboard.eligibility.ruleset import default_ruleset
from onboard.extensions import db
from onboard.i18n import babel_locale
from onboard.links import external_url
from onboard.mail import send_email
from onboard.models import ApplicationRecord, Decision, ReasonTemplate, UserAccount
from onboard.usecases import review
from onboard.web import deskview, forms, logins, texts
from onboard.web.apply import send_private_link

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.after_request
def _private(response: Response) -> Response:
    """Desk pages show personal data: never cached. (The Content-Security-Policy and the
    other headers every page gets come from :mod:`onboard.security`.)"""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def state_name(state: str) -> str:
    return {
        "draft": _("draft"),
        "submitted": _("waiting for review"),
        "approved": _("approved"),
        "rejected": _("rejected"),
        "changes_requested": _("changes requested"),
    }.get(state, state)


@bp.app_template_global()
def status_name(status: str) -> str:
    """A check's status in words (the class names stay the codes)."""
    return {
        "pass": _("pass"),
        "fail": _("fail"),
        "missing": _("missing"),
        "review": _("needs a person"),
        "n/a": _("not applicable"),
    }.get(status, status)


bp.add_app_template_global(deskview.check_text, "check_text")
bp.add_app_template_global(deskview.when, "when")
bp.add_app_template_global(deskview.action_name, "action_name")


@bp.app_template_global()
def value_label(name: str, value: Any) -> str:
    """An answer's value in words (``CN`` -> mainland China, a platform by its name)."""
    return deskview.show_value(name, value, default_ruleset())


@bp.app_template_global()
def reading_status(status: str) -> str:
    return deskview.ocr_status(status)


@bp.app_template_filter()
def isoday(text: str | None) -> str:
    """An ISO date kept as text (an evaluation's ``as_of``) in the reader's language."""
    return deskview.show_value("", text, default_ruleset()) if text else ""


@bp.app_template_global()
def outcome_name(outcome: str) -> str:
    return {
        "approved": _("Approve"),
        "rejected": _("Reject"),
        "changes_requested": _("Ask for changes"),
    }.get(outcome, outcome)


def _application(public_id: str) -> ApplicationRecord:
    record = repository.get_application(public_id)
    if record is None or record.state == "draft":
        abort(404)
    return record


# --- login and logout ----------------------------------------------------------------------


LOGIN = logins.LoginPage("desk/login.html", "/desk/", "desk.queue", "login_failed")


@bp.route("/login", methods=["GET", "POST"])
@logins.throttled
def login() -> ResponseReturnValue:
    return logins.login(LOGIN, auth.authenticate, auth.log_in)


@bp.post("/logout")
@auth.login_required()
def logout() -> ResponseReturnValue:
    auth.log_out(current_user._get_current_object())
    db.session.commit()
    flash(_("You are logged out."), "ok")
    return redirect(url_for(".login"))


# --- the queue -----------------------------------------------------------------------------


@bp.get("/")
@auth.login_required()
def queue() -> ResponseReturnValue:
    me = current_user._get_current_object()
    filters = review.QueueFilter.from_args(request.args)
    page = review.queue(filters, me)
    return render_template(
        "desk/queue.html",
        page=page,
        ruleset=default_ruleset(),
        saved=[(saved, review.filter_args(saved)) for saved in review.saved_filters(me)],
        reviewers=review.reviewers(),
        # Chosen by name: the filter holds the agency's id, which nobody should have to know.
        agencies=keys.list_agencies(),
    )


@bp.post("/assign")
@auth.login_required()
def assign_many() -> ResponseReturnValue:
    """Assign the ticked queue rows at once (to someone, to me, or to nobody)."""
    assignee = _assignee(request.form.get("assignee", ""))
    count = review.assign_many(request.form.getlist("application"), assignee)
    db.session.commit()
    assigned = ngettext(
        "%(count)s application assigned.", "%(count)s applications assigned.", count, count=count
    )
    flash(assigned, "ok")
    return redirect(_back_to_queue())


def _queue_url(args: dict[str, str]) -> str:
    return url_for(".queue") + ("?" + urlencode(args) if args else "")


def _back_to_queue() -> str:
    """The queue page the form came from, its query read back through the queue's filter."""
    back = dict(parse_qsl(request.form.get("back", "")[:1000]))
    return _queue_url(review.QueueFilter.from_args(back).args())


@bp.post("/filters")
@auth.login_required()
def save_filter() -> ResponseReturnValue:
    filters = review.QueueFilter.from_args(request.form)
    try:
        saved = review.save_filter(
            current_user._get_current_object(), request.form.get("name", ""), filters
        )
    except review.DecisionError as exc:
        db.session.rollback()
        flash(_("Not saved: %(why)s", why=texts.message(str(exc))), "warn")
        return redirect(_queue_url(filters.args()))
    db.session.commit()
    flash(_("Filter “%(name)s” saved.", name=saved.name), "ok")
    return redirect(_queue_url(review.filter_args(saved)))


@bp.post("/filters/<int:filter_id>/delete")
@auth.login_required()
def delete_filter(filter_id: int) -> ResponseReturnValue:
    if not review.delete_filter(current_user._get_current_object(), filter_id):
        abort(404)
    db.session.commit()
    flash(_("Filter deleted."), "ok")
    return redirect(url_for(".queue"))


# --- one application -----------------------------------------------------------------------


def _view_context(record: ApplicationRecord) -> dict[str, Any]:
    """The page top-down: summary, documents beside what they prove, every check."""
    ruleset = default_ruleset()
    evaluation = record.evaluations[-1] if record.evaluations else None
    checks = sorted(
        evaluation.checks if evaluation else [],
        key=lambda c: forms.STATUS_ORDER.index(c.status) if c.status in forms.STATUS_ORDER else 9,
    )
    history = review.history(record)
    changed = {c.field for c in history[0].changes} if history and history[0].number > 1 else set()
    review.seed_reason_templates(ruleset)
    lines = deskview.check_lines(checks, ruleset, changed)
    items = review.checklist_for(record, ruleset)
    marks = review.checklist_marks(record)
    flagged = {c.code for c in checks if c.status in ("fail", "missing", "review")}
    flagged |= {key for key, mark in marks.items() if mark.status == "fail"}
    return {
        "record": record,
        "ruleset": ruleset,
        "evaluation": evaluation,
        "lines": lines,
        "summary": deskview.summary(lines, review.duplicates(record), history, ruleset),
        "changed": changed,
        "license": forms.license_view(record),
        "license_fields": deskview.license_fields(record, ruleset),
        "documents": deskview.document_panels(record, ruleset, lines, items, changed),
        "checklist": deskview.checklist_lines(items, marks, ruleset),
        "answers": _answers(record, ruleset),
        "history": deskview.history_lines(history, ruleset),
        "decisions": review.decisions(record),
        "pending": review.pending_decision(record),
        "overrides": {
            outcome: review.override_of(record, outcome, ruleset)
            for outcome in ("approved", "rejected")
        },
        "templates": review.reason_templates(),
        "flagged": flagged,
        "reason_label": lambda code: deskview.reason_label(code, ruleset),
        "claimed_names": deskview.CLAIMED_NAMES,
        "reviewers": review.reviewers(),
        "events": review.audit_events(50, record),
        "four_eyes": review.setting("four_eyes"),
    }


def _answers(
    record: ApplicationRecord, ruleset: Any
) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The application's answers by section: (field, label, value in words)."""
    out = []
    for section, values in record.data.items():
        if not isinstance(values, dict):
            continue
        rows = [
            (
                f"{section}.{key}",
                deskview.field_label(f"{section}.{key}", ruleset),
                deskview.show_value(f"{section}.{key}", value, ruleset),
            )
            for key, value in values.items()
        ]
        out.append((str(deskview.SECTION_NAMES.get(section, section)), rows))
    return out


@bp.get("/applications/<public_id>")
@auth.login_required()
def application(public_id: str) -> ResponseReturnValue:
    record = _application(public_id)
    context = _view_context(record)
    review.viewed(record)
    db.session.commit()
    return render_template("desk/application.html", **context)


def _assignee(raw: str) -> UserAccount | None:
    """The account a form names ("me", an id, or "" for nobody); 400 for anything else."""
    if raw == "me":
        raw = str(current_user.id)
    assignee = db.session.get(UserAccount, bounded_int(raw, "assignee", 0)) if raw else None
    if raw and (assignee is None or not assignee.active):
        abort(400)
    return assignee


@bp.post("/applications/<public_id>/assign")
@auth.login_required()
def assign(public_id: str) -> ResponseReturnValue:
    record = _application(public_id)
    # "Take it" is its own button: the form's select also posts an ``assignee`` (whatever
    # it shows), which must not win over the button the reviewer pressed.
    wanted = "me" if request.form.get("take") == "me" else request.form.get("assignee", "")
    review.assign(record, _assignee(wanted))
    db.session.commit()
    flash(_("Assignment saved."), "ok")
    return redirect(url_for(".application", public_id=public_id))


@bp.post("/applications/<public_id>/decision")
@auth.login_required()
def decide(public_id: str) -> ResponseReturnValue:
    record = _application(public_id)
    try:
        done = review.decide(
            record,
            request.form.get("outcome", ""),
            reviewer=current_user._get_current_object(),
            ruleset=default_ruleset(),
            reason_ids=_reason_ids(request.form.getlist("reason")),
            comment=request.form.get("comment", ""),
            note=request.form.get("note", ""),
            override_reason=request.form.get("override_reason", ""),
        )
    except review.DecisionError as exc:
        db.session.rollback()
        flash(_("The decision was not saved: %(why)s", why=texts.message(str(exc))), "warn")
        return redirect(url_for(".application", public_id=public_id) + "#decide")
    if done.waiting:
        db.session.commit()
        flash(_("Approval saved: it waits for a second reviewer to confirm it."), "ok")
        return redirect(url_for(".queue"))
    _send_decision(record, done.decision, done.token)
    db.session.commit()
    flash(_("Decision saved: %(outcome)s.", outcome=outcome_name(done.decision.outcome)), "ok")
    return redirect(url_for(".queue"))


def _reason_ids(values: list[str]) -> list[int]:
    """The ticked reason templates' ids; anything else (``²`` is a digit to ``isdigit`` but
    not to ``int``) names no template and is dropped."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 10]


@bp.post("/applications/<public_id>/confirm")
@auth.login_required()
def confirm(public_id: str) -> ResponseReturnValue:
    """Four eyes: a second reviewer confirms or declines an approval against the verdict."""
    record = _application(public_id)
    try:
        done = review.confirm(
            record,
            reviewer=current_user._get_current_object(),
            confirmed=request.form.get("answer") == "confirm",
            note=request.form.get("note", ""),
        )
    except review.DecisionError as exc:
        db.session.rollback()
        flash(_("Not saved: %(why)s", why=texts.message(str(exc))), "warn")
        return redirect(url_for(".application", public_id=public_id) + "#decide")
    if done.decision.second_outcome == "confirmed":
        _send_decision(record, done.decision, done.token)
        flash(_("Approval confirmed and the applicant told."), "ok")
    else:
        flash(_("Approval declined: the application waits for a decision again."), "ok")
    db.session.commit()
    return redirect(url_for(".queue"))


@bp.post("/applications/<public_id>/checklist")
@auth.login_required()
def checklist(public_id: str) -> ResponseReturnValue:
    """Tick or fail the checklist items posted (``mark-<item>`` = ok/fail, ``note-<item>``)."""
    record = _application(public_id)
    me = current_user._get_current_object()
    try:
        for item in review.checklist_for(record, default_ruleset()):
            status = request.form.get(f"mark-{item.key}", "")
            if status:
                review.mark_item(
                    record, item.key, status, request.form.get(f"note-{item.key}", ""), reviewer=me
                )
    except review.DecisionError as exc:
        db.session.rollback()
        flash(_("Checklist not saved: %(why)s", why=texts.message(str(exc))), "warn")
        return redirect(url_for(".application", public_id=public_id) + "#checklist")
    db.session.commit()
    flash(_("Checklist saved."), "ok")
    return redirect(url_for(".application", public_id=public_id) + "#checklist")


def _send_decision(record: ApplicationRecord, decision: Decision, token: str | None) -> None:
    """The applicant hears of every decision, in their language, with the reasons and (unless
    approved) a fresh link to correct and resubmit. The internal note stays out."""
    if not record.email:
        flash(_("This application has no email address: tell the applicant another way."), "warn")
        return
    link = external_url("apply.resume", token=token) if token else None
    language = "en" if record.locale == "en" else "zh"
    with force_locale(babel_locale(record.locale)):
        body = render_template(
            "desk/email_decision.txt",
            record=record,
            decision=decision,
            link=link,
            lang=language,
            override=decision.override,
        )
        subject = {
            "approved": _("Your application %(id)s is approved", id=record.public_id),
            "rejected": _("Your application %(id)s was not accepted", id=record.public_id),
            "changes_requested": _(
                "Your application %(id)s: please make changes", id=record.public_id
            ),
        }[decision.outcome]
    row = send_email(
        record.email,
        subject,
        body,
        purpose=f"decision_{decision.outcome}",
        application_id=record.id,
    )
    decision.email_id = row.id


@bp.get("/applications/<public_id>/documents/<kind>")
@auth.login_required()
def document_file(public_id: str, kind: str) -> ResponseReturnValue:
    """A stored document for the reviewer: its real type, sandboxed, never cached."""
    record = _application(public_id)
    document = repository.document(record, kind)
    if document is None:
        abort(404)
    review.viewed(record, f"documents.{kind}")
    db.session.commit()
    extension = document.mime_type.rsplit("/", 1)[-1]
    response = Response(
        repository.document_store().read(document.sha256), mimetype=document.mime_type
    )
    response.headers["Content-Disposition"] = f'inline; filename="{kind}.{extension}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- outbox --------------------------------------------------------------------------------


@bp.get("/outbox")
@auth.login_required(role="admin")
def outbox() -> ResponseReturnValue:
    """Admins only; what it shows has every private link masked (see onboard.mail)."""
    return render_template("desk/outbox.html", emails=review.outbox())


@bp.post("/applications/<public_id>/link")
@auth.login_required()
def send_link(public_id: str) -> ResponseReturnValue:
    """Mail the applicant a new private link (the old one stops working); audited. The
    reviewer never sees the link itself."""
    record = _application(public_id)
    if not record.email:
        abort(400)
    send_private_link(record, repository.issue_resume_token(record))
    audit.record("link_sent", record)
    db.session.commit()
    flash(_("A new private link was sent to the applicant; the old one no longer works."), "ok")
    return redirect(url_for(".application", public_id=public_id))


# --- admins: reason templates, accounts, audit log -----------------------------------------


@bp.get("/reasons")
@auth.login_required(role="admin")
def reasons() -> ResponseReturnValue:
    ruleset = default_ruleset()
    review.seed_reason_templates(ruleset)
    db.session.commit()
    templates = review.reason_templates(active_only=False)
    return render_template(
        "desk/reasons.html",
        templates=templates,
        ruleset=ruleset,
        checklist=review.CHECKLIST,
        reason_label=lambda code: deskview.reason_label(code, ruleset),
    )


@bp.post("/reasons", defaults={"template_id": None})
@bp.post("/reasons/<int:template_id>")
@auth.login_required(role="admin")
def save_reason(template_id: int | None) -> ResponseReturnValue:
    template = None
    if template_id is not None:
        template = db.session.get(ReasonTemplate, template_id)
        if template is None:
            abort(404)
    form = request.form
    try:
        saved = review.save_reason_template(
            template,
            code=form.get("code", template.code if template else ""),
            text_en=form.get("text_en", ""),
            text_zh=form.get("text_zh", ""),
            active=form.get("active") == "1",
            by=current_user._get_current_object(),
            ruleset=default_ruleset(),
        )
    except review.DecisionError as exc:
        db.session.rollback()
        flash(_("Not saved: %(why)s", why=texts.message(str(exc))), "warn")
        return redirect(url_for(".reasons"))
    db.session.commit()
    flash(_("Reason saved."), "ok")
    return redirect(url_for(".reasons") + f"#reason-{saved.id}")


@bp.get("/users")
@auth.login_required(role="admin")
def users() -> ResponseReturnValue:
    return render_template("desk/users.html", users=auth.users())


@bp.post("/users")
@auth.login_required(role="admin")
def create_user() -> ResponseReturnValue:
    form = request.form
    try:
        user = auth.create_user(
            form.get("email", ""),
            form.get("name", ""),
            form.get("role", ""),
            form.get("password", ""),
        )
    except auth.AccountError as exc:
        db.session.rollback()
        flash(_("Not saved: %(why)s", why=texts.message(str(exc))), "warn")
        return redirect(url_for(".users"))
    audit.record("account_created", account=user.email, role=user.role)
    db.session.commit()
    flash(_("Account created for %(email)s.", email=user.email), "ok")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/active")
@auth.login_required(role="admin")
def set_active(user_id: int) -> ResponseReturnValue:
    user = db.session.get(UserAccount, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:
        abort(400)  # an admin cannot lock themselves out
    auth.set_active(user, request.form.get("active") == "1")
    audit.record("account_active", account=user.email, active=user.active)
    db.session.commit()
    return redirect(url_for(".users"))


@bp.route("/settings", methods=["GET", "POST"])
@auth.login_required(role="admin")
def settings() -> ResponseReturnValue:
    if request.method == "POST":
        review.change_setting(
            "four_eyes",
            "1" in request.form.getlist("four_eyes"),
            current_user._get_current_object(),
        )
        db.session.commit()
        flash(_("Settings saved."), "ok")
        return redirect(url_for(".settings"))
    return render_template("desk/settings.html", four_eyes=review.setting("four_eyes"))


@bp.get("/audit")
@auth.login_required(role="admin")
def audit_log() -> ResponseReturnValue:
    events = review.audit_events(500)
    return render_template("desk/audit.html", events=events, public_ids=review.public_ids(events))
