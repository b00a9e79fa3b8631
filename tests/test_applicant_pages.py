"""The applicant's journey through the Flask test client (issue 15): the status page behind the
private link in every state and the emails in the same words, refused edits that say why,
contact errors in the page's language, the license photo re-read and prefilling, look-alike
suggestions taken with one click, documents in one go, the language switch that keeps what
was typed, and the favicon."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from onboard.eligibility.model import Check, FieldReading, LicenseReading, Status
from onboard.extensions import db
from onboard.models import OutboxEmail
from onboard.web import forms
from tests import imagefactory
from tests.applyflow import csrf_token, ensure_catalogues, errors_on_page, step_data
from tests.conftest import body_of, make_app, sent_as
from tests.deskflow import add_user, approve, login
from tests.factories import VALID_USCC, eligible
from tests.test_apply import Draft, fill, use_lang

LANGS = ("zh", "en")
#: Latin words in a Chinese page's own text (brand names and values aside).
ENGLISH_WORD = re.compile(r"\b(?!TikTok|Shop|JPEG|PNG|BMP|MB|Amazon|FBA)[A-Za-z]{3,}\b")


@pytest.fixture(scope="session", autouse=True)
def _catalogues() -> None:
    ensure_catalogues()


def _outbox(app: Flask, purpose: str) -> OutboxEmail:
    with app.app_context():
        rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.purpose == purpose))
        return list(rows)[-1]


def _kinds(app: Flask, draft: Draft) -> set[str]:
    with app.app_context():
        return {d.kind for d in draft.record().documents}


def _public_id(app: Flask, draft: Draft) -> str:
    with app.app_context():
        return draft.record().public_id


def _decide(app: Flask, public_id: str, outcome: str, comment: str = "") -> None:
    """A reviewer's decision; an approval ticks the desk's checklist first (issue 17)."""
    desk = app.test_client()
    desk.set_cookie("lang", "en")
    email = f"{outcome}@example.com"
    add_user(app, "reviewer", email)
    token = login(desk, email)
    if outcome == "approved":
        response = approve(app, desk, token, public_id, comment=comment)
    else:
        response = desk.post(
            f"/desk/applications/{public_id}/decision",
            data={"csrf_token": token, "outcome": outcome, "comment": comment},
        )
    assert response.status_code == 302, response.text


def _upload_all(draft: Draft, files: dict[str, bytes], **extra: str):
    fields: dict[str, object] = {"csrf_token": draft.csrf, **extra}
    for kind, content in files.items():
        fields[f"file-{kind}"] = FileStorage(io.BytesIO(content), f"{kind}.png")
    boundary, body = encode_multipart(fields)
    return draft.client.post(
        f"{draft.base}/documents",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


AMAZON_DOCUMENTS = (
    "business_license",
    "legal_rep_id",
    "gmv_screenshot",
    "seller_info_screenshot",
    "account_health_screenshot",
)


# --- the status page and the emails -------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_private_link_tells_where_the_application_stands(
    app: Flask, client: FlaskClient, mailbox: list[EmailMessage], lang: str
):
    draft = Draft(use_lang(client, lang))
    fill(draft)
    zh = lang == "zh"

    draft_page = draft.get("status").text
    assert ("草稿：尚未提交" if zh else "Draft: not submitted yet") in draft_page
    assert ("尚缺信息或文件" if zh else "Still missing") in draft_page  # the documents

    uploaded = _upload_all(draft, dict.fromkeys(AMAZON_DOCUMENTS, imagefactory.png(160, 120)))
    assert uploaded.status_code == 302
    submitted = client.post(f"{draft.base}/submit", data={"csrf_token": draft.csrf})
    assert submitted.location.endswith("/status")
    waiting = draft.get("status").text
    assert ("已提交：等待审核" if zh else "Submitted: waiting for review") in waiting
    since = "提交日期：" if zh else "Submitted on "
    assert since in waiting
    promise = (
        "审核员将进行审核，并通过邮件告知您结果。"
        if zh
        else "A reviewer will look at it and we will email you the decision."
    )
    assert promise in waiting
    assert promise in _outbox(app, "submitted").body  # the receipt says the same

    # An edit while it waits is refused, and the page says why.
    refused = draft.post("store", step_data(eligible(), "store"))
    assert refused.status_code == 302 and refused.location.endswith("/status")
    why = "正在等待审核，目前无法修改" if zh else "waiting for a reviewer, so it cannot be changed"
    assert why in draft.get("status").text
    assert draft.get("company").location.endswith("/status")

    public_id = _public_id(app, draft)
    _decide(app, public_id, "changes_requested", comment="Upload a sharper GMV screenshot")
    # From here on, the link the decision email carries (a new link may revoke the old one).
    # The outbox keeps it masked; the message that went out carries it.
    sent = sent_as(mailbox, _outbox(app, "decision_changes_requested"))
    emailed = re.search(r"/apply/([^/\s]+)/", body_of(sent))
    assert emailed
    draft.token, draft.base = emailed[1], f"/apply/{emailed[1]}"
    asked = client.get(f"{draft.base}/status").text
    assert ("需要修改" if zh else "Changes requested") in asked
    # The decision email's first line, word for word on the page.
    email = _outbox(app, "decision_changes_requested").body
    assert email.splitlines()[0] in asked
    assert "Upload a sharper GMV screenshot" in asked
    assert ("修改后重新提交" if zh else "Correct and submit again") in asked

    # Resubmitted as it is, then approved: the page and the email give the next steps.
    again = client.post(f"{draft.base}/submit", data={"csrf_token": draft.csrf})
    assert again.location.endswith("/status")
    _decide(app, public_id, "approved")
    approved = client.get(f"{draft.base}/status").text
    assert ("已通过" if zh else "Approved") in approved
    assert forms.REGISTRATION_URL.replace("&", "&amp;") in approved
    assert "+86 138 0013 8000" in approved and "ops@example.cn" in approved
    assert ("北美" if zh else "North America") in approved
    assert ("普通入驻" if zh else "standard entry") in approved
    assert ("中国大陆" if zh else "mainland China") in approved
    assert "Starriver Home" in approved  # the approved details, to copy
    mail = _outbox(app, "decision_approved").body
    assert mail.splitlines()[0] in approved
    assert forms.REGISTRATION_URL in mail and ("北美" if zh else "North America") in mail
    assert "Starriver Home" in mail and "+86 138 0013 8000" in mail
    locked = draft.post("store", step_data(eligible(), "store"))
    assert locked.location.endswith("/status")
    assert ("您的申请已通过，不能再修改" if zh else "can no longer be changed") in (
        draft.get("status").text
    )
    if zh:  # the status page's own words are Chinese (values and brands aside)
        main = approved.split('id="main"', 1)[1].split("</main>", 1)[0]
        main = main.split("</aside>", 1)[1]  # the private link box holds the link itself
        text = re.sub(r"<[^>]+>|https?://\S+|\S+@\S+", " ", main.split(">", 1)[1])
        text = text.replace(public_id, " ")  # the application's id is a value, not a word
        assert not ENGLISH_WORD.findall(text.replace("Starriver Home", ""))


def test_a_rejection_gives_its_reasons_and_reopens(
    app: Flask, client: FlaskClient, mailbox: list[EmailMessage]
):
    draft = Draft(use_lang(client, "en"))
    fill(draft)
    client.post(f"{draft.base}/submit", data={"csrf_token": draft.csrf})
    _decide(app, _public_id(app, draft), "rejected", comment="The store belongs to another firm")
    # the rejection email carries a new link, which revokes the old one
    emailed = re.search(
        r"/apply/([^/\s]+)/", body_of(sent_as(mailbox, _outbox(app, "decision_rejected")))
    )
    assert emailed and draft.get("status").status_code == 404
    draft.token, draft.base = emailed[1], f"/apply/{emailed[1]}"
    page = draft.get("status").text
    assert "Not accepted" in page and "Why the application was not accepted" in page
    assert "The store belongs to another firm" in page
    assert _outbox(app, "decision_rejected").body.splitlines()[0] in page
    assert draft.get("store").status_code == 200  # open again to correct


def test_old_submitted_links_lead_to_the_status_page(client: FlaskClient):
    draft = Draft(client)
    assert draft.get("submitted").location.endswith("/status")


# --- what stops the application comes first -----------------------------------------------


def test_values_show_the_checks_display_text_in_the_page_language(app: Flask):
    plain = Check("store.age", Status.FAIL, "store.opened_on", ">= 3 months", "2 months", {})
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        app.preprocess_request()
        assert forms.value_text(plain, "actual") == "2 months"  # as the engine wrote it
        texts = SimpleNamespace(
            expected=">= 3 months",
            expected_text={"en": "at least 3 months", "zh": "至少 3 个月"},
            actual="2 months",
            actual_text={"en": "2 months", "zh": "2 个月"},
        )
        assert forms.value_text(texts, "expected") == "至少 3 个月"
        assert forms.value_text(texts, "actual") == "2 个月"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        app.preprocess_request()
        assert forms.value_text(texts, "expected") == "at least 3 months"


@pytest.mark.parametrize("lang", LANGS)
def test_the_home_page_names_rules_by_title_not_code(client: FlaskClient, lang: str):
    page = use_lang(client, lang).get("/").text
    assert "entity.region" not in page and "store.rating" not in page


# --- library errors in the page's language ------------------------------------------------


@pytest.mark.parametrize(
    ("address", "zh_reason", "en_reason"),
    [
        ("seller@example", "@ 之后的部分", "after the @ sign"),
        ("seller.example.com", "须包含 @ 符号", "needs an @ sign"),
        ("sel..ler@example.com", "点号", "Check the dots"),
        ("@example.com", "@ 之前的部分", "before the @ sign"),
        ("a@x.invalid", "该域名无法接收邮件", "cannot receive email"),
    ],
)
def test_email_errors_are_ours_in_the_page_language(
    client: FlaskClient, address: str, zh_reason: str, en_reason: str
):
    for lang, reason in (("zh", zh_reason), ("en", en_reason)):
        draft = Draft(use_lang(client, lang))
        contact = {"contact.phone": "+86 138 0013 8000", "contact.email": address}
        draft.post("contact", contact, go="stay")
        page = draft.get("contact").text
        notes = re.search(
            r'<ul class="rule-notes" id="f-contact-email-notes">(.*?)</ul>', page, re.S
        )
        assert notes, page
        text = re.sub(r"<[^>]+>", "", notes[1])
        assert reason in text and address in text
        assert "@-sign" not in text and "It should" not in text  # not email-validator's words
        field = re.search(r'<input id="f-contact-email"[^>]*>', page)
        assert field and 'aria-invalid="true"' in field[0]  # failing, for screen readers too


def test_phone_errors_name_what_is_wrong(client: FlaskClient):
    draft = Draft(use_lang(client, "zh"))
    draft.post("contact", {"contact.phone": "+86 138", "contact.email": ""}, go="stay")
    page = draft.get("contact").text
    notes = re.search(r'id="f-contact-phone-notes">(.*?)</ul>', page, re.S)
    assert notes and "号码过短" in notes[1]
    assert forms.phone_problem("+86 138 0013 8000") is None  # a valid mobile: the rule speaks


# --- the license photo --------------------------------------------------------------------


@pytest.fixture
def ocr_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """The app with OCR on, the reader replaced by readings the test constructs."""
    app = make_app(tmp_path, ONBOARD_OCR=True)
    queue: list[LicenseReading] = []
    monkeypatch.setattr("onboard.ocr.read_license", lambda *a, **k: queue.pop(0))
    yield SimpleNamespace(app=app, client=app.test_client(), readings=queue)
    with app.app_context():
        db.engine.dispose()


OTHER_USCC = "91440300MA5FXXXXXX"


def _reading(number: str | None, **fields: tuple[str, str]) -> LicenseReading:
    return LicenseReading(
        status="ok" if number else "unreadable",
        license_number=number,
        valid=bool(number),
        raw=number or "",
        fields={name: FieldReading(value, status, 0.9) for name, (value, status) in fields.items()},
    )


def _photo(draft: Draft, content: bytes, **data: str):
    body = {"entity.region": "CN", **data, "license_file": (io.BytesIO(content), "lic.jpg")}
    return draft.post("company", body, go="stay", content_type="multipart/form-data")


def test_a_new_license_photo_replaces_what_the_old_one_filled_in(ocr_app: SimpleNamespace):
    import random  # noqa: PLC0415

    from tests.licensefactory import make_uscc  # noqa: PLC0415

    second = make_uscc(random.Random(7))
    draft = Draft(ocr_app.client)
    ocr_app.readings.append(
        _reading(
            VALID_USCC,
            company_name=("深圳市星河跨境电子商务有限公司", "ok"),
            legal_representative=("张伟", "uncertain"),
        )
    )
    _photo(draft, imagefactory.jpeg(320, 200))
    company = draft.get("company").text
    assert f'value="{VALID_USCC}"' in company
    assert 'value="深圳市星河跨境电子商务有限公司"' in company
    assert 'id="f-entity-company-name-read"' in company  # marked, to confirm
    rep = draft.get("legal_rep").text
    assert 'value="张伟"' in rep and 'class="read-mark read-uncertain"' in rep

    # A new photo: the values the old one filled in are replaced (the form posts them back
    # unchanged, as a browser does); the number is not flagged as the applicant's typing.
    ocr_app.readings.append(_reading(second, company_name=("深圳市新公司有限公司", "ok")))
    replaced = _photo(
        draft,
        imagefactory.png(320, 200),
        **{
            "entity.license_number": VALID_USCC,
            "entity.company_name": "深圳市星河跨境电子商务有限公司",
        },
    )
    assert replaced.status_code == 302, errors_on_page(replaced.text)
    company = draft.get("company").text
    assert f'value="{second}"' in company and VALID_USCC not in company
    assert 'value="深圳市新公司有限公司"' in company
    assert "您填写的是" not in company  # nothing is "typed" by the applicant
    assert 'value="张伟"' not in draft.get("legal_rep").text  # the new photo reads no name

    # What the applicant typed is never replaced (the name); what still holds the reading is.
    ocr_app.readings.append(_reading(VALID_USCC, company_name=("别的公司", "ok")))
    _photo(
        draft,
        imagefactory.jpeg(300, 210),
        **{"entity.license_number": second, "entity.company_name": "我自己填写的公司"},
    )
    company = draft.get("company").text
    assert 'value="我自己填写的公司"' in company and 'value="别的公司"' not in company
    assert f'value="{VALID_USCC}"' in company  # the number was the photo's: re-read
    assert 'id="f-entity-license-number-read"' in company
    assert 'id="f-entity-company-name-read"' not in company


def test_an_unreadable_name_is_not_filled_in(ocr_app: SimpleNamespace):
    draft = Draft(ocr_app.client)
    ocr_app.readings.append(_reading(VALID_USCC, company_name=("", "unreadable")))
    _photo(draft, imagefactory.jpeg(320, 200))
    assert 'id="f-entity-company-name-read"' not in draft.get("company").text


@pytest.mark.parametrize(
    ("region", "typed", "valid"),
    [
        ("CN", VALID_USCC[:4] + "O" + VALID_USCC[5:], VALID_USCC),
        ("HK", "7123456O", "71234560"),
        ("HK", "7I23456O", "71234560"),
    ],
)
def test_a_lookalike_slip_offers_the_valid_reading_to_take(
    client: FlaskClient, region: str, typed: str, valid: str
):
    draft = Draft(use_lang(client, "en"))
    draft.post("company", {"entity.region": region, "entity.license_number": typed}, go="stay")
    page = draft.get("company").text
    offer = re.search(r'<div class="suggestion"[^>]*>(.*?)</div>', page, re.S)
    assert offer and valid in offer[1]
    assert f'name="take_license" value="{valid}"' in offer[1]
    taken = draft.post(
        "company",
        {"entity.region": region, "entity.license_number": typed, "take_license": valid},
    )
    assert taken.status_code == 302
    page = draft.get("company").text
    assert f'value="{valid}"' in page and 'class="suggestion"' not in page


def test_a_photo_that_settles_a_lookalike_offers_its_reading(ocr_app: SimpleNamespace):
    typed = VALID_USCC[:4] + "O" + VALID_USCC[5:]
    draft = Draft(use_lang(ocr_app.client, "en"))
    draft.post("company", {"entity.region": "CN", "entity.license_number": typed}, go="stay")
    ocr_app.readings.append(_reading(VALID_USCC))
    _photo(draft, imagefactory.jpeg(320, 200), **{"entity.license_number": typed})
    page = draft.get("company").text
    assert f'name="take_license" value="{VALID_USCC}"' in page
    draft.post(
        "company",
        {"entity.region": "CN", "entity.license_number": typed, "take_license": VALID_USCC},
    )
    page = draft.get("company").text
    assert "You confirmed these characters" in page or "Check the highlighted" not in page
    with ocr_app.app.app_context():
        assert draft.record().license_number == VALID_USCC


# --- documents ----------------------------------------------------------------------------


def test_every_chosen_file_is_uploaded_with_one_action(app: Flask, client: FlaskClient):
    draft = Draft(client)
    fill(draft)
    files = {kind: imagefactory.png(160 + i, 120) for i, kind in enumerate(AMAZON_DOCUMENTS[:4])}
    done = _upload_all(draft, files, go="review")
    assert done.status_code == 302 and done.location.endswith("/review")
    assert _kinds(app, draft) == set(files)


def test_a_refused_file_is_named_and_the_others_are_kept(app: Flask, client: FlaskClient):
    draft = Draft(use_lang(client, "en"))
    fill(draft)
    files = {"legal_rep_id": imagefactory.png(), "gmv_screenshot": b"<html>not an image</html>"}
    response = _upload_all(draft, files, go="review")
    assert response.status_code == 422
    assert "not an image" in errors_on_page(response.text)["file-gmv_screenshot"]
    assert _kinds(app, draft) == {"legal_rep_id"}


def test_a_link_followed_with_chosen_files_goes_on_after_uploading(client: FlaskClient):
    draft = Draft(client)
    fill(draft)
    files = {"legal_rep_id": imagefactory.png()}
    done = _upload_all(draft, files, next=f"{draft.base}/store")
    assert done.location.endswith(f"{draft.base}/store")
    elsewhere = _upload_all(draft, files, next="//evil.example/apply/x/")
    assert elsewhere.location.endswith(f"{draft.base}/documents")
    other = _upload_all(draft, files, next="/apply/another-token/store")
    assert other.location.endswith(f"{draft.base}/documents")


def test_the_documents_page_uploads_in_one_form_with_camera_and_progress(client: FlaskClient):
    draft = Draft(client)
    fill(draft)
    page = draft.get("documents").text
    form = re.search(r'<form id="documents-form".*?</form>', page, re.S)[0]
    inputs = re.findall(r'<input class="file-input" type="file"[^>]*>', form)
    assert len(inputs) == 5
    capture = [tag for tag in inputs if 'capture="environment"' in tag]
    assert len(capture) == 2 and all(
        "file-business_license" in t or "file-legal_rep_id" in t for t in capture
    )
    assert form.count("<progress") == 5
    assert "选择文件" in form and "未选择文件" in form  # our file control, in Chinese
    assert 'value="review"' in form and "data-pending-message" in form


def test_the_json_upload_answers_for_the_progress_bar(client: FlaskClient):
    draft = Draft(use_lang(client, "en"))
    fill(draft)
    for content, status in ((imagefactory.png(), 200), (b"nope", 422)):
        boundary, body = encode_multipart(
            {"csrf_token": draft.csrf, "file": FileStorage(io.BytesIO(content), "x.png")}
        )
        answer = client.post(
            f"{draft.base}/documents/legal_rep_id",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={"Accept": "application/json"},
        )
        assert answer.status_code == status
        assert answer.json["ok"] is (status == 200)
        if status == 422:
            assert "not an image" in answer.json["error"]


# --- the language switch ------------------------------------------------------------------


def test_switching_language_mid_step_keeps_what_was_typed(client: FlaskClient):
    draft = Draft(use_lang(client, "zh"))
    page = draft.get("legal_rep").text
    switch = re.search(r'<button class="lang lang-button"[^>]*>English</button>', page)
    assert switch and 'form="step-form"' in switch[0]
    action = re.search(r'formaction="([^"]+)"', switch[0])[1].replace("&amp;", "&")
    assert action == f"{draft.base}/legal_rep?lang=en"
    typed = {"legal_rep.name": "张伟", "legal_rep.id_type": "passport", "legal_rep.id_number": ""}
    switched = client.post(action, data={"csrf_token": draft.csrf, "go": "stay", **typed})
    assert switched.status_code == 302 and switched.location.endswith("/legal_rep")
    page = client.get(switched.location).text
    assert '<html lang="en">' in page and 'value="张伟"' in page
    assert '<option value="passport" selected>' in page


# --- small things -------------------------------------------------------------------------


def test_every_page_names_a_favicon_that_exists(client: FlaskClient):
    page = client.get("/").text
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)[1]
    with client.get(icon) as response:
        assert response.status_code == 200
    assert client.get("/favicon.ico").location.endswith(icon)


def test_dates_are_typed_as_iso_text_not_the_browsers_date_control(client: FlaskClient):
    draft = Draft(client)
    fill(draft)
    page = draft.get("store").text
    tag = re.search(r'<input id="f-store-opened-on"[^>]*>', page)[0]
    assert 'type="text"' in tag and 'placeholder="YYYY-MM-DD"' in tag
    assert "年-月-日" in page


def test_a_check_without_display_texts_falls_back_to_its_values(app: Flask):
    with app.test_request_context():
        app.preprocess_request()
        check = Check("store.rating", Status.FAIL, "store.rating", ">= 4.0", "3.9", {})
        assert forms.value_text(check, "expected") == ">= 4.0"
        assert forms.value_text(check, "missing") is None


def test_contact_problem_leaves_duplicates_to_the_rule():
    check = Check(
        "contact.email",
        Status.FAIL,
        "contact.email",
        "unique",
        "ops@example.cn",
        {"en": "dup", "zh": "dup"},
        {"duplicates": ["A-1"]},
    )
    assert forms.contact_problem(check) is None


def test_editing_a_submitted_application_through_documents_is_refused(
    app: Flask, client: FlaskClient
):
    draft = Draft(client)
    fill(draft)
    client.post(f"{draft.base}/submit", data={"csrf_token": draft.csrf})
    refused = _upload_all(draft, {"legal_rep_id": imagefactory.png()})
    assert refused.location.endswith("/status")
    assert not _kinds(app, draft)
    assert csrf_token(draft.get("status").text)
