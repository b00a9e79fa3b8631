"""The reviewer desk at work: the queue, one application with its evidence, decisions with
reasons, the email to the applicant through a real SMTP server, and the resubmission loop."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboard import repository
from onboard.extensions import db
from onboard.models import AuditEvent, OutboxEmail, ReasonTemplate
from onboard.usecases import applications
from tests import imagefactory
from tests.applyflow import csrf_token, ensure_catalogues, step_data
from tests.conftest import make_app
from tests.deskflow import add_user, approve, login, seller, submitted


@pytest.fixture(scope="module", autouse=True)
def _catalogues() -> None:
    ensure_catalogues()


def reviewer(app: Flask, role: str = "reviewer") -> tuple[FlaskClient, str]:
    email = add_user(app, role)
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client, login(client, email)


def template_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ReasonTemplate.id).where(ReasonTemplate.key == code))


# --- the queue -----------------------------------------------------------------------------


def test_queue_puts_review_and_near_misses_first_and_filters(app: Flask):
    eligible_id, _ = submitted(app, seller(1))
    hopeless, _ = submitted(
        app, seller(2, store__rating=3.0, store__account_health=100, fulfillment__method="none")
    )
    near, _ = submitted(app, seller(3, store__rating=3.9))
    walmart, _ = submitted(app, seller(4, "walmart"))
    client, _token = reviewer(app)
    page = client.get("/desk/").text
    order = re.findall(r'data-id="(A-[0-9A-Z]+)"', page)
    assert order.index(near) < order.index(eligible_id) < order.index(hopeless)
    assert 'class="queue-row near-miss"' in page and 'data-count="submitted">4<' in page
    only = client.get("/desk/?platform=walmart").text
    assert re.findall(r'data-id="(A-[0-9A-Z]+)"', only) == [walmart]
    assert re.findall(
        r'data-id="(A-[0-9A-Z]+)"', client.get("/desk/?verdict=ineligible&sort=newest").text
    ) == [near, hopeless]
    assert client.get("/desk/?region=HK").text.count('data-id="') == 0
    assert client.get("/desk/?from=2000-01-01&to=2000-01-02").text.count('data-id="') == 0
    # personal numbers masked in the list
    number = seller(1).entity.license_number
    assert number not in page and "•" * 14 + number[-4:] in page


def test_assignment_and_my_queue(app: Flask):
    public_id, _ = submitted(app, seller(1))
    client, token = reviewer(app)
    assert client.get("/desk/?assignee=me").text.count('data-id="') == 0
    client.post(
        f"/desk/applications/{public_id}/assign", data={"csrf_token": token, "assignee": "me"}
    )
    mine = client.get("/desk/?assignee=me").text
    assert public_id in mine and "Reviewer" in mine
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assigned"))
        assert (
            event.actor == "reviewer@example.com" and event.detail["to"] == "reviewer@example.com"
        )


# --- one application -----------------------------------------------------------------------


def test_the_application_shows_every_check_with_its_evidence(app: Flask):
    public_id, _ = submitted(app, seller(1, store__rating=3.9))
    client, _token = reviewer(app)
    page = client.get(f"/desk/applications/{public_id}").text
    rating = re.search(
        r'<tr class="check status-fail[^"]*" data-code="store.rating"[^>]*>(.*?)</tr>', page, re.S
    )[1]
    assert "3.9" in rating and "4.0" in rating
    assert page.count('<tr class="check') >= 20
    assert f"/desk/applications/{public_id}/documents/business_license" in page
    with app.app_context():
        viewed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "viewed"))
        number = seller(1).entity.license_number
        assert viewed.detail["license_number"].endswith(number[-4:]) and number not in str(
            viewed.detail
        )


def test_a_chinese_desk_names_rules_by_title_never_by_code(app: Flask):
    """Rule codes (``store.rating``) are ids: the Chinese desk shows each rule's title only
    (the application's checks, the reason templates); the English desk keeps the codes."""
    from onboard.eligibility.ruleset import default_ruleset  # noqa: PLC0415

    public_id, _ = submitted(app, seller(1, store__rating=3.9))
    client, _token = reviewer(app, "admin")
    codes = [spec.code for spec in default_ruleset().rules]
    client.set_cookie("lang", "zh_Hans")
    for path in (f"/desk/applications/{public_id}", "/desk/reasons"):
        page = client.get(path).text
        shown = re.sub(r"<[^>]+>", " ", re.sub(r'(value|data-code|id|href)="[^"]*"', "", page))
        assert [code for code in codes if re.search(rf"(?<![\w.]){re.escape(code)}\b", shown)] == []
        assert default_ruleset().rule("store.rating").title["zh"] in page
    client.set_cookie("lang", "en")
    assert '<code class="rule-code">store.rating</code>' in client.get("/desk/reasons").text


def test_duplicates_are_linked_both_ways(app: Flask):
    first, _ = submitted(app, seller(1))
    second, _ = submitted(app, seller(2, contact__phone=seller(1).contact.phone))
    client, _token = reviewer(app)
    page = client.get(f"/desk/applications/{second}").text
    assert f'href="/desk/applications/{first}"' in page and "contact.phone" in page
    assert f'href="/desk/applications/{second}"' in client.get(f"/desk/applications/{first}").text


def test_the_license_reading_is_shown_beside_the_typed_number(app: Flask):
    number = seller(1).entity.license_number
    public_id, _ = submitted(app, seller(1))
    position = next(i for i, ch in enumerate(number) if ch in "0158")
    read = (
        number[:position]
        + {"0": "O", "1": "I", "5": "S", "8": "B"}[number[position]]
        + number[position + 1 :]
    )
    with app.app_context():
        record = repository.get_application(public_id)
        document = repository.document(record, "business_license")
        document.reading = {
            "license_number": read,
            "status": "ambiguous",
            "raw": read,
            "corrections": [],
            "candidates": [],
        }
        db.session.commit()
    client, _token = reviewer(app)
    page = client.get(f"/desk/applications/{public_id}").text
    panel = page[page.index('id="license"') :]
    marks = re.findall(r'<mark class="ch flagged"[^>]*>(.)</mark>', panel)
    assert marks[:2] == [read[position], number[position]]
    assert f"Position {position + 1}" in panel


# --- decisions, email, resubmission --------------------------------------------------------


def test_decision_email_resubmission_loop(tmp_path: Path, smtp, monkeypatch):
    box, port = smtp
    app = make_app(tmp_path, ONBOARD_SMTP_URL=f"smtp://127.0.0.1:{port}")
    application = seller(1, store__rating=3.9)
    public_id, _token = submitted(app, application, locale="zh")
    client, token = reviewer(app)
    client.get(f"/desk/applications/{public_id}")  # seeds the reason templates
    decided = client.post(
        f"/desk/applications/{public_id}/decision",
        data={
            "csrf_token": token,
            "outcome": "changes_requested",
            "reason": [str(template_id(app, "store.rating"))],
            "comment": "请上传最新的店铺评分截图。",
            "note": "looks like a reseller, check again",
        },
    )
    assert decided.status_code == 302 and decided.location == "/desk/"

    # the applicant's email, through SMTP, in Chinese, with the reason and a fresh link
    assert len(box.messages) == 1
    mail = message_from_bytes(box.messages[0], policy=policy.default)
    body = mail.get_body().get_content()
    assert mail["To"] == "ops1@example.cn" and "请修改" in mail["Subject"]
    assert "未满足：店铺评分不低于 4.0" in body and "请上传最新的店铺评分截图" in body
    assert "reseller" not in body  # the internal note stays inside
    link = re.search(r"http://localhost/apply/([^/\s]+)/", body)
    with app.app_context():
        row = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.purpose == "decision_changes_requested")
        )
        assert row.sent_at is not None and row.error is None

    # the link opens the application with the reasons and the failed item marked
    applicant = app.test_client()
    opened = applicant.get(f"/apply/{link[1]}/")
    assert opened.location.endswith("/status")
    review_page = applicant.get(opened.location).text
    assert 'id="decision"' in review_page and 'data-code="store.rating"' in review_page
    assert 'class="result result-fail"' in review_page

    # the applicant corrects the rating and resubmits; the license photo is not read again
    calls = []
    monkeypatch.setattr("onboard.ocr.read_license", lambda *a, **k: calls.append(a) or None)
    form = applicant.get(f"/apply/{link[1]}/store").text
    data = step_data(seller(1), "store")
    saved = applicant.post(
        f"/apply/{link[1]}/store", data={**data, "csrf_token": csrf_token(form), "go": "force"}
    )
    assert saved.status_code == 302
    with app.app_context():
        record = repository.get_application(public_id)
        before = {d.kind: d.id for d in record.documents}
        same = repository.document(record, "business_license")
        same_bytes = repository.document_store().read(same.sha256)
    again = applicant.post(f"/apply/{link[1]}/submit", data={"csrf_token": csrf_token(form)})
    assert again.status_code == 302 and calls == []
    with app.app_context():
        record = repository.get_application(public_id)
        assert record.state == "submitted" and record.version == 2
        assert {d.kind: d.id for d in record.documents} == before
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "resubmitted")
        ).detail["changed"] == ["store.rating"]
        assert same_bytes  # the stored file is still there
    # back in the queue, with what changed
    queue = client.get("/desk/").text
    assert public_id in queue and "version 2" in queue
    page = client.get(f"/desk/applications/{public_id}").text
    assert re.search(r'<tr class="check status-pass changed" data-code="store.rating"[^>]*>', page)
    history = page[page.index('id="history"') :]
    assert "<del>3.9</del>" in history and "<ins>4.6</ins>" in history
    assert "looks like a reseller" in page  # reviewers see the internal note
    with app.app_context():
        db.engine.dispose()


def test_resending_the_same_file_reuses_its_reading(app: Flask, monkeypatch):
    """attach_document with a file already stored for that kind changes nothing: no OCR."""
    public_id, _ = submitted(app, seller(1))
    content = imagefactory.png(160, 120)
    calls = []
    monkeypatch.setattr("onboard.ocr.read_license", lambda *a, **k: calls.append(a))
    with app.app_context():
        import io  # noqa: PLC0415

        record = repository.get_application(public_id)
        old = repository.document(record, "business_license")
        kept = applications.attach_document(
            record, "business_license", io.BytesIO(content), "x.png"
        )
        assert kept is old and calls == []


def test_every_decision_is_emailed_in_the_applicants_language(app: Flask):
    english, _ = submitted(app, seller(1), locale="en")
    chinese, _ = submitted(app, seller(2), locale="zh")
    client, token = reviewer(app)
    client.get(f"/desk/applications/{english}")
    assert approve(app, client, token, english).location == "/desk/"
    client.post(
        f"/desk/applications/{chinese}/decision",
        data={
            "csrf_token": token,
            "outcome": "rejected",
            "reason": [str(template_id(app, "store.age"))],
            "override_reason": "the store was sold to another company",
        },
    )
    with app.app_context():
        mails = {
            m.to: m
            for m in db.session.scalars(
                select(OutboxEmail).where(OutboxEmail.purpose.like("decision_%"))
            )
        }
        assert (
            "approved" in mails["ops1@example.cn"].subject
            and "/apply/" not in mails["ops1@example.cn"].body
        )
        assert (
            "未获通过" in mails["ops2@example.cn"].subject
            and "/apply/" in mails["ops2@example.cn"].body
        )
        outbox = Path(app.config["ONBOARD_DATA_DIR"]) / "outbox"
        assert len(list(outbox.glob("*-decision_*.eml"))) == 2
        decisions = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "decided")
        ).all()
        assert {d.detail["outcome"] for d in decisions} == {"approved", "rejected"}
    assert client.get("/desk/outbox").status_code == 403  # admins only
    admin = app.test_client()
    login(admin, add_user(app, "admin"))
    assert "ops2@example.cn" in admin.get("/desk/outbox").text


def test_a_rejection_needs_a_reason_and_decisions_happen_once(app: Flask):
    public_id, _ = submitted(app, seller(1))
    client, token = reviewer(app)
    refused = client.post(
        f"/desk/applications/{public_id}/decision",
        data={"csrf_token": token, "outcome": "rejected"},
    )
    assert refused.location.endswith("#decide")
    with app.app_context():
        assert repository.get_application(public_id).state == "submitted"
    approve(app, client, token, public_id)
    twice = client.post(
        f"/desk/applications/{public_id}/decision",
        data={"csrf_token": token, "outcome": "rejected", "comment": "x"},
    )
    assert twice.location.endswith("#decide")
    with app.app_context():
        assert repository.get_application(public_id).state == "approved"


def test_an_approved_application_cannot_be_changed_by_its_link(app: Flask):
    public_id, link = submitted(app, seller(1))
    client, token = reviewer(app)
    approve(app, client, token, public_id)
    applicant = app.test_client()
    form = applicant.get(f"/apply/{link}/status").text
    refused = applicant.post(f"/apply/{link}/submit", data={"csrf_token": csrf_token(form)})
    assert refused.location.endswith("/status")
    assert "您的申请已通过，不能再修改" in applicant.get(refused.location).text
    with app.app_context():
        assert repository.get_application(public_id).version == 1


def test_admins_reword_reason_templates_in_both_languages(app: Flask):
    submitted(app, seller(1))
    client, token = reviewer(app, "admin")
    page = client.get("/desk/reasons").text
    assert "store.rating" in page
    ident = template_id(app, "store.rating")
    client.post(
        f"/desk/reasons/{ident}",
        data={
            "csrf_token": token,
            "text_en": "Rating too low.",
            "text_zh": "评分过低。",
            "active": "1",
        },
    )
    client.post(
        "/desk/reasons",
        data={
            "csrf_token": token,
            "code": "store.url",
            "text_en": "Use the US store link.",
            "text_zh": "请使用美国站店铺链接。",
            "active": "1",
        },
    )
    half = client.post(
        "/desk/reasons",
        data={"csrf_token": token, "code": "store.url", "text_en": "Only English", "text_zh": ""},
    )
    assert half.status_code == 302
    with app.app_context():
        rating = db.session.get(ReasonTemplate, ident)
        assert (rating.text_en, rating.text_zh) == ("Rating too low.", "评分过低。")
        urls = db.session.scalars(
            select(ReasonTemplate).where(ReasonTemplate.code == "store.url")
        ).all()
        assert (
            sorted(t.text_en for t in urls)
            == ["Not met: Store link is on the US site.", "Use the US store link."]
            or len(urls) == 2
        )
