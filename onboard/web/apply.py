"""The applicant's form: a draft behind a private link, step by step, then submission.

Every page of a draft lives under ``/apply/<token>/``: the token is the private resume link
(only its hash is stored; it expires and can be revoked), so nobody without it can open the
draft. Steps are validated by the application schema and judged by the rule engine, through
:mod:`onboard.web.forms` and :mod:`onboard.repository`; the views only route.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _

from onboard import repository
from onboard.eligibility.identifiers import normalize_identifier
from onboard.eligibility.model import Report, Status
from onboard.eligibility.ruleset import RuleSet, default_ruleset
from onboard.errors import InputError
from onboard.extensions import db
from onboard.i18n import babel_locale, day, lang, pick
from onboard.links import external_url
from onboard.mail import send_email
from onboard.models import ApplicationRecord
from onboard.usecases import applications, review
from onboard.web import forms, limits

bp = Blueprint("apply", __name__, url_prefix="/apply")
FORM_STEP = "<any(company, legal_rep, contact, store, shop):step>"


@bp.after_request
def _private(response: Response) -> Response:
    """Drafts hold personal data and their URL is a secret: no caching, no referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


@bp.app_template_filter("isodate")
def _isodate(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


bp.add_app_template_global(forms.verdict_name, "verdict_name")
bp.add_app_template_global(forms.wrong_document, "wrong_document")


@bp.app_template_global()
def approval_steps(record: ApplicationRecord) -> list[str]:
    """For the approved status page and the approval email (one text for both)."""
    return forms.approval_steps(record, default_ruleset())


@bp.app_template_global()
def approved_details(record: ApplicationRecord) -> list[tuple[str, str]]:
    return forms.approved_details(record, default_ruleset())


@bp.app_template_global()
def step_url(token: str, step: str) -> str:
    endpoint = ".page" if step in ("documents", "review") else ".form_step"
    return url_for(f"apply{endpoint}", token=token, step=step)


def _draft(token: str) -> ApplicationRecord:
    record = repository.application_for_token(token)
    if record is None:
        abort(404)
    g.token = token
    return record


def _editable(token: str) -> ApplicationRecord:
    """The draft for a change: refused, with the reason, once it waits for a reviewer or is
    approved (to its status page); open again after a rejection or a request for changes."""
    record = _draft(token)
    if record.state not in repository.EDITABLE_STATES:
        flash(_locked_reason(record), "warn")
        abort(redirect(url_for(".status", token=token)))
    return record


def _locked_reason(record: ApplicationRecord) -> str:
    if record.state == "approved":
        return _(
            "Your application is approved, so it can no longer be changed. To change what "
            "TikTok Shop holds, use the seller centre once you have registered."
        )
    return _(
        "Your application is waiting for a reviewer, so it cannot be changed now. If the "
        "reviewer asks for changes, you can edit it again."
    )


def _steps() -> tuple[RuleSet, dict[str, forms.Step]]:
    ruleset = default_ruleset()
    return ruleset, {step.name: step for step in forms.build_steps(ruleset)}


def _page(template: str, record: ApplicationRecord, current: str, **context: Any) -> str:
    ruleset, steps = _steps()
    return render_template(
        template,
        record=record,
        ruleset=ruleset,
        steps=list(steps.values()),
        current=current,
        token=g.token,
        link=external_url("apply.resume", token=g.token),
        link_expires=repository.resume_token_expiry(g.token),
        reached=(
            forms.STEP_NAMES.index(record.step or "company")
            if record.state == "draft"
            else len(forms.STEP_NAMES)  # submitted once: every step was done
        ),
        editable=record.state in repository.EDITABLE_STATES,
        accept=forms.ACCEPT,
        max_bytes=ruleset.max_bytes,
        **context,
    )


def _step_page(record: ApplicationRecord, name: str, **context: Any) -> str:
    _ruleset, steps = _steps()
    step = steps[name]
    report = applications.evaluate_record(record)
    context.setdefault("data", record.data)
    return _page(
        "apply/step.html",
        record,
        name,
        step=step,
        fields_by_name={f.name: f for f in step.fields},
        notes=forms.notes_for(step, report.checks),
        license=forms.license_view(record) if name == "company" else None,
        suggestion=forms.license_suggestion(record) if name == "company" else None,
        filled=forms.filled_from_license(record),
        neighbours=forms.neighbours(name),
        # The language switch posts this form (saved first, so nothing typed is lost).
        lang_form=("step-form", url_for(".save_step", token=g.token, step=name)),
        **context,
    )


# --- starting and resuming ----------------------------------------------------------------


@bp.get("/")
def start() -> ResponseReturnValue:
    return render_template("apply/start.html", ruleset=default_ruleset())


@bp.post("/")
@limits.new_drafts
def create() -> ResponseReturnValue:
    record = repository.create_draft(lang())
    token = repository.issue_resume_token(record)
    db.session.commit()
    return redirect(url_for(".form_step", token=token, step="company", new=1))


@bp.get("/<token>/")
def resume(token: str) -> ResponseReturnValue:
    """The private link: where the application stands, whatever its state."""
    _draft(token)
    return redirect(url_for(".status", token=token))


@bp.post("/<token>/forget")
@limits.emails
def forget(token: str) -> ResponseReturnValue:
    record = _draft(token)
    repository.revoke_resume_tokens(record)
    emailed = (
        send_private_link(record, repository.issue_resume_token(record)) if record.email else None
    )
    db.session.commit()
    return render_template("apply/forgotten.html", emailed=emailed, ruleset=default_ruleset())


# --- the form steps -----------------------------------------------------------------------


@bp.get(f"/<token>/{FORM_STEP}")
def form_step(token: str, step: str) -> ResponseReturnValue:
    record = _editable(token)
    return _step_page(record, step, new=request.args.get("new") == "1")


@bp.post(f"/<token>/{FORM_STEP}")
@limits.emails
@limits.uploads
def save_step(token: str, step: str) -> ResponseReturnValue:
    record = _editable(token)
    outcome = _save(record, _steps()[1][step])
    db.session.commit()  # what was valid (an upload, other fields) is kept
    if outcome.errors:
        data = forms.posted_data(_steps()[1][step], request.form, record.data)
        return _step_page(record, step, errors=outcome.errors, data=data), 422
    target = outcome.target
    if forms.STEP_NAMES.index(target) > forms.STEP_NAMES.index(record.step or "company"):
        record.step = target
        db.session.commit()
    if not outcome.warned:
        flash(_("Saved."), "ok")
    return redirect(step_url(token, target) + outcome.anchor)


@bp.get("/<token>/<any(documents, review):step>")
def page(token: str, step: str) -> ResponseReturnValue:
    record = _editable(token)
    if step == "documents":
        return _documents_page(record)
    return _review_page(record, applications.evaluate_record(record))


@dataclass
class _Outcome:
    target: str
    anchor: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    warned: bool = False  # the rules stopped "continue": that message says it was saved


def _save(record: ApplicationRecord, step: forms.Step) -> _Outcome:
    """Save a posted step; where to go next, or the errors to show next to the fields."""
    sections = forms.read_sections(step, request.form, record.data)
    taken = request.form.get("take_license", "").strip()
    if step.name == "company" and taken:  # the valid reading, chosen with one click
        sections.setdefault("entity", {})["license_number"] = taken
    try:
        repository.save_sections(record, sections)
    except InputError as exc:
        return _Outcome(step.name, errors=forms.field_errors(exc))
    record.locale = lang()
    if taken:
        repository.confirm_license_reading(record, normalize_identifier(taken))
        outcome = _Outcome(step.name, "#f-entity-license-number-field")
        _license_extras(record, outcome, "stay")  # a photo chosen meanwhile is kept too
        return outcome
    before, after = forms.neighbours(step.name)
    go = request.form.get("go", "next")
    outcome = _Outcome({"back": before, "stay": step.name}.get(go, after) or step.name)
    if step.name == "company":
        _license_extras(record, outcome, go)
    elif step.name == "contact" and record.email:
        _send_link_once(record)
    if go == "next" and not outcome.errors and outcome.target == after:
        report = applications.evaluate_record(record)
        notes = forms.notes_for(step, report.checks)
        if any(c.status == Status.FAIL for checks in notes.values() for c in checks):
            flash(_("Saved, but some answers do not meet the entry rules: see the notes."), "warn")
            outcome.target, outcome.warned = step.name, True
    return outcome


def _send_link_once(record: ApplicationRecord) -> None:
    """The private link goes to each address the applicant gives, once."""
    if record.email and record.email not in repository.emails_sent(record, "resume_link"):
        flash(_("We sent your private link to %(email)s.", email=record.email), "ok")
        send_private_link(record, g.token)


def _license_extras(record: ApplicationRecord, outcome: _Outcome, go: str) -> None:
    """The license photo of the company step: upload and OCR, then the look-alike check."""
    file = request.files.get("license_file")
    if file is not None and file.filename:
        error = _store_upload(record, forms.license_kind(record), file)
        if error:
            outcome.errors["license_file"] = [error]
            return
        outcome.target, outcome.anchor = "company", "#license"
        return
    view = forms.license_view(record)
    if view is None or not view.needs_confirmation:
        return
    if request.form.get("license_confirm"):
        repository.confirm_license_reading(record, view.typed)
    elif go != "stay":
        outcome.errors["license_confirm"] = [
            _("Compare the highlighted characters with the license photo and tick the box.")
        ]


# --- documents ----------------------------------------------------------------------------


def _store_upload(record: ApplicationRecord, kind: str | None, file: Any) -> str | None:
    """Store one upload; the reason it was refused, in the applicant's language, or None."""
    ruleset = default_ruleset()
    if kind is None:
        return _("Choose where the company is registered first.")
    if file is None or not file.filename:
        return _("Choose a file to upload.")
    try:
        forms.upload(record, kind, file, read_license=current_app.config.get("ONBOARD_OCR", True))
    except applications.DocumentRejected as exc:
        return forms.document_problem(ruleset, exc.facts)
    flash(_("%(name)s uploaded.", name=pick(ruleset.document_kinds[kind].name)), "ok")
    return None


def _documents_page(record: ApplicationRecord, errors: dict[str, str] | None = None) -> str:
    slots = forms.document_slots(default_ruleset(), record)
    return _page(
        "apply/documents.html",
        record,
        "documents",
        slots=slots,
        upload_errors=errors or {},
        capture_kinds=forms.CAPTURE_KINDS,
        lang_form=("documents-form", url_for(".upload_all", token=g.token)),
    )


def _document_kind(kind: str) -> str:
    if kind not in default_ruleset().document_kinds:
        abort(404)
    return kind


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _leave_documents(token: str) -> str:
    """Where the documents form goes once its files are stored: the step its button names,
    or a page of this draft that a link led to (the script carries it as ``next``)."""
    target = request.form.get("next", "")
    if target.startswith(f"/apply/{token}/") and "//" not in target and "\\" not in target:
        return target
    go = request.form.get("go", "stay")
    if go in ("review", "shop"):
        return step_url(token, go)
    return url_for(".page", token=token, step="documents")


@bp.post("/<token>/documents")
@limits.uploads
def upload_all(token: str) -> ResponseReturnValue:
    """Every chosen file of the documents page in one go; a refused one is named on its card,
    the others are kept. Nothing chosen is ever dropped without a word."""
    record = _editable(token)
    errors: dict[str, str] = {}
    for kind in default_ruleset().document_kinds:
        file = request.files.get(f"file-{kind}")
        if file is not None and file.filename:
            error = _store_upload(record, kind, file)
            if error:
                errors[kind] = error
    if not errors and request.form.get("go") == "review" and record.step != "review":
        record.step = "review"  # the documents step is done: the step list says so
    db.session.commit()
    if errors:
        return _documents_page(record, errors), 422
    return redirect(_leave_documents(token))


@bp.post("/<token>/documents/<kind>")
@limits.uploads
def upload(token: str, kind: str) -> ResponseReturnValue:
    """One file (the page's script sends each card's file here, to show its progress)."""
    record = _editable(token)
    error = _store_upload(record, _document_kind(kind), request.files.get("file"))
    db.session.commit()
    if _wants_json():
        if error:
            return jsonify(ok=False, error=error), 422
        return jsonify(ok=True)
    if error:
        return _documents_page(record, {kind: error}), 422
    return redirect(url_for(".page", token=token, step="documents") + f"#doc-{kind}")


@bp.post("/<token>/documents/<kind>/remove")
def remove(token: str, kind: str) -> ResponseReturnValue:
    record = _editable(token)
    if repository.remove_document(record, _document_kind(kind)):
        flash(_("%(name)s removed.", name=pick(default_ruleset().document_kinds[kind].name)), "ok")
    db.session.commit()
    return redirect(url_for(".page", token=token, step="documents") + f"#doc-{kind}")


@bp.get("/<token>/documents/<kind>/file")
def document_file(token: str, kind: str) -> ResponseReturnValue:
    """The stored (re-encoded) file: its real type, never sniffed, never run as a page."""
    document = repository.document(_draft(token), _document_kind(kind))
    if document is None:
        abort(404)
    data = repository.document_store().read(document.sha256)
    disposition = "attachment" if request.args.get("download") else "inline"
    extension = document.mime_type.rsplit("/", 1)[-1]
    response = Response(data, mimetype=document.mime_type)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{kind}.{extension}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- review, submission -------------------------------------------------------------------


def _review_page(record: ApplicationRecord, report: Report) -> str:
    ruleset, steps = _steps()
    summary = forms.summarize(report.checks, list(steps.values()), ruleset)
    decision = (
        review.last_decision(record) if record.state in ("changes_requested", "rejected") else None
    )
    return _page(
        "apply/review.html", record, "review", report=report, summary=summary, decision=decision
    )


@bp.post("/<token>/submit")
@limits.emails
def submit(token: str) -> ResponseReturnValue:
    record = _editable(token)
    report = applications.submit(record)
    if record.email:
        _send_receipt(record, report)
    db.session.commit()
    return redirect(url_for(".status", token=token))


@bp.get("/<token>/submitted")
def submitted(token: str) -> ResponseReturnValue:
    """The address of the status page before it had its own (links in old emails)."""
    _draft(token)
    return redirect(url_for(".status", token=token))


@bp.get("/<token>/status")
def status(token: str) -> ResponseReturnValue:
    """Where the application stands, in the words of the emails: a draft and what is left,
    waiting for review, changes asked for, approved and what to do next, or rejected."""
    record = _draft(token)
    ruleset, steps = _steps()
    report = applications.evaluate_record(record)
    decision = review.last_decision(record) if record.state in DECIDED else None
    return _page(
        "apply/status.html",
        record,
        "status",
        report=report,
        summary=forms.summarize(report.checks, list(steps.values()), ruleset),
        decision=decision,
        resume_step=record.step or "company",
    )


#: States in which the last word is a reviewer's decision.
DECIDED = ("changes_requested", "rejected", "approved")


# --- email --------------------------------------------------------------------------------


def send_private_link(record: ApplicationRecord, token: str) -> str:
    """Email the private link, in the applicant's language; the address it went to. (The
    desk's "send a new link" uses it too: the reviewer never sees the link.)"""
    limits.spend_email(str(record.email))
    link = external_url("apply.resume", token=token)
    with force_locale(babel_locale(record.locale)):
        expires = day(repository.resume_token_expiry(token))
        body = render_template("apply/email_link.txt", record=record, link=link, expires=expires)
        subject = _("Your TikTok Shop US application %(id)s: private link", id=record.public_id)
    send_email(str(record.email), subject, body, purpose="resume_link", application_id=record.id)
    return str(record.email)


def _send_receipt(record: ApplicationRecord, report: Report) -> None:
    if not limits.may_email(str(record.email)):
        # The submission stands (its page shows the result); only the copy is left out.
        current_app.logger.warning("receipt of %s not sent: recipient limit", record.public_id)
        return
    link = external_url("apply.status", token=g.token)
    with force_locale(babel_locale(record.locale)):
        body = render_template("apply/email_receipt.txt", record=record, report=report, link=link)
        subject = _("We received your application %(id)s", id=record.public_id)
    send_email(str(record.email), subject, body, purpose="submitted", application_id=record.id)
