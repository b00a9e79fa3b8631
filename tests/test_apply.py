"""The applicant form through the Flask test client: steps, validation, uploads, links, CSRF,
languages and the OCR check, in Chinese and English."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from onboard import repository
from onboard.extensions import db
from onboard.models import OutboxEmail
from tests import imagefactory
from tests.applyflow import (
    TRANSLATIONS,
    csrf_token,
    ensure_catalogues,
    errors_on_page,
    step_data,
    token_of,
)
from tests.conftest import body_of, sent_as
from tests.factories import VALID_USCC, change, eligible

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("zh", "en")


@pytest.fixture(scope="session", autouse=True)
def _catalogues() -> None:
    ensure_catalogues()


def use_lang(client: FlaskClient, lang: str) -> FlaskClient:
    client.set_cookie("lang", "zh_Hans" if lang == "zh" else "en")
    return client


class Draft:
    """A draft opened through the form, with its token and the session's CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        start = client.get("/apply/")
        self.csrf = csrf_token(start.text)
        created = client.post("/apply/", data={"csrf_token": self.csrf})
        assert created.status_code == 302
        self.token = token_of(created.location)
        self.base = f"/apply/{self.token}"

    def post(self, step: str, data: dict[str, object], go: str = "next", **kwargs):
        body = {"csrf_token": self.csrf, "go": go, **data}
        return self.client.post(f"{self.base}/{step}", data=body, **kwargs)

    def get(self, path: str):
        return self.client.get(f"{self.base}/{path}")

    def upload(self, kind: str, content: bytes, name: str = "file.png"):
        # Encoded here, in memory: the test client would spool a big body to a temporary
        # file it never closes (a ResourceWarning, an error under filterwarnings=error).
        boundary, body = encode_multipart(
            {"csrf_token": self.csrf, "file": FileStorage(io.BytesIO(content), name)}
        )
        return self.client.post(
            f"{self.base}/documents/{kind}",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    def record(self):
        return repository.application_for_token(self.token)


def fill(draft: Draft, application=None) -> None:
    """Every form step of ``application`` (an eligible Amazon seller by default)."""
    application = application or eligible("amazon")
    for step in ("company", "legal_rep", "contact", "store", "shop"):
        response = draft.post(step, step_data(application, step), go="force")
        assert response.status_code == 302, (step, errors_on_page(response.text))


# --- starting, links, tokens --------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_new_draft_shows_its_private_link(client: FlaskClient, lang: str):
    draft = Draft(use_lang(client, lang))
    page = draft.get("company?new=1")
    assert page.status_code == 200
    assert f"http://localhost/apply/{draft.token}/" in page.text
    assert ("您的专属链接" if lang == "zh" else "Your private link") in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_nobody_without_the_token_opens_a_draft(client: FlaskClient):
    draft = Draft(client)
    fill(draft)
    assert draft.upload("legal_rep_id", imagefactory.png()).status_code == 302
    for path in (
        "/apply/not-a-token/company",
        "/apply/" + "x" * 43 + "/review",
        f"/apply/{draft.token[:-1]}/company",
        f"/apply/{draft.token[:-1]}/documents/legal_rep_id/file",
    ):
        assert client.get(path).status_code == 404, path
    assert draft.get("documents/legal_rep_id/file").status_code == 200


def test_expired_links_are_404(app: Flask, client: FlaskClient):
    with app.app_context():
        record = repository.create_draft()
        expired = repository.issue_resume_token(record, ttl=timedelta(seconds=-1))
        live = repository.issue_resume_token(record)
        db.session.commit()
    assert client.get(f"/apply/{expired}/company").status_code == 404
    assert client.get(f"/apply/{live}/company").status_code == 200


def test_forgetting_a_link_revokes_it_and_mails_a_new_one(
    app: Flask, client: FlaskClient, mailbox: list[EmailMessage]
):
    draft = Draft(client)
    fill(draft)
    response = client.post(f"{draft.base}/forget", data={"csrf_token": draft.csrf})
    assert response.status_code == 200 and "ops@example.cn" in response.text
    assert draft.get("company").status_code == 404
    bodies = [body_of(message) for message in mailbox]
    assert len(bodies) == 2  # the link when the email was given, then the new one
    new_token = token_of(bodies[-1])
    assert new_token != draft.token
    assert client.get(f"/apply/{new_token}/").status_code == 302


def test_the_link_is_emailed_once_per_address(
    app: Flask, client: FlaskClient, mailbox: list[EmailMessage]
):
    draft = Draft(client)
    contact = {"contact.phone": "+86 138 0013 8000", "contact.email": "ops@example.cn"}
    draft.post("contact", contact)
    draft.post("contact", contact)
    with app.app_context():
        rows = db.session.query(OutboxEmail).all()
        assert [(r.to, r.purpose) for r in rows] == [("ops@example.cn", "resume_link")]
        assert "专属链接" in rows[0].body and draft.token not in rows[0].body  # kept masked
    assert len(mailbox) == 1 and f"/apply/{draft.token}/" in body_of(mailbox[0])
    eml = list((Path(app.config["ONBOARD_DATA_DIR"]) / "outbox").glob("*.eml"))
    assert len(eml) == 1


def test_resuming_shows_the_draft_and_continues_at_the_furthest_step(client: FlaskClient):
    draft = Draft(client)
    draft.post("company", step_data(eligible(), "company"))
    draft.post("legal_rep", step_data(eligible(), "legal_rep"))
    resumed = client.get(f"{draft.base}/")
    assert resumed.status_code == 302 and resumed.location.endswith("/status")
    page = draft.get("status").text
    assert "草稿：尚未提交" in page
    assert f'href="{draft.base}/contact">从上次的位置继续' in page


# --- CSRF ---------------------------------------------------------------------------------


def test_forms_without_a_csrf_token_are_refused(client: FlaskClient):
    assert client.post("/apply/").status_code == 400
    draft = Draft(client)
    data = {"entity.company_name": "Changed", "go": "next"}
    refused = client.post(f"{draft.base}/company", data=data)
    assert refused.status_code == 400 and "表单已过期" in refused.text
    wrong = client.post(f"{draft.base}/company", data={**data, "csrf_token": "forged"})
    assert wrong.status_code == 400
    assert client.post(f"{draft.base}/forget").status_code == 400
    assert draft.get("company").status_code == 200  # nothing changed, link still works
    assert "Changed" not in draft.get("company").text


def test_the_json_api_needs_no_csrf_token(client: FlaskClient):
    response = client.post("/api/v1/prescreen", json={"entity": {"region": "CN"}})
    assert response.status_code == 200 and "verdict" in response.json


# --- steps and validation -----------------------------------------------------------------


#: The schema's own messages (intake.schemas declares each in both languages): the English
#: is the API's, word for word.
MESSAGES = {
    "zh": {
        "rating": "请输入 0 到 5 之间的数值",
        "opened": "不是真实存在的日期",
        "gmv": "请输入数字",
    },
    "en": {
        "rating": "Must be greater than or equal to 0 and less than or equal to 5.",
        "opened": "Not a real calendar date: 2026-02-30.",
        "gmv": "Not a valid number.",
    },
}


@pytest.mark.parametrize(("lang", "messages"), MESSAGES.items())
def test_errors_sit_next_to_their_fields_in_the_applicants_language(
    client: FlaskClient, lang: str, messages: dict[str, str]
):
    draft = Draft(use_lang(client, lang))
    data = {
        **step_data(eligible("walmart"), "store"),
        "store.rating": "46",
        "store.opened_on": "2026-02-30",
        "store.gmv_12m_usd": "lots",
    }
    response = draft.post("store", data)
    assert response.status_code == 422
    errors = errors_on_page(response.text)
    assert messages["rating"] in errors["f-store-rating"]
    assert messages["opened"] in errors["f-store-opened-on"]
    assert messages["gmv"] in errors["f-store-gmv-12m-usd"]
    # the input says it is invalid, points at its message, and keeps what was typed
    rating = re.search(r'<input id="f-store-rating"[^>]*>', response.text)[0]
    assert 'aria-invalid="true"' in rating and "f-store-rating-error" in rating
    assert 'value="46"' in rating
    assert 'href="#f-store-rating"' in response.text  # the summary links to the field
    assert repository_data(draft).get("store") is None  # nothing stored


def repository_data(draft: Draft) -> dict:
    with draft.client.application.app_context():
        return dict(draft.record().data)


def test_people_type_numbers_as_people_do(client: FlaskClient):
    draft = Draft(client)
    data = {
        **step_data(eligible("walmart"), "store"),
        "store.gmv_12m_usd": "US$ 650,000",
        "store.rating": "４.２",
    }
    assert draft.post("store", data).status_code == 302
    store = repository_data(draft)["store"]
    assert store["gmv_12m_usd"] == 650000 and store["rating"] == 4.2


def test_back_and_forward_keep_everything(client: FlaskClient):
    draft = Draft(client)
    app = eligible("ebay")
    company = draft.post("company", step_data(app, "company"))
    assert company.location.endswith("/legal_rep")
    back = draft.post("legal_rep", step_data(app, "legal_rep"), go="back")
    assert back.location.endswith("/company")
    page = draft.get("company").text
    assert 'value="深圳市星河跨境电子商务有限公司"' in page and f'value="{VALID_USCC}"' in page
    assert 'value="CN" checked' in page
    forward = draft.get("legal_rep").text
    assert 'value="张伟"' in forward and 'value="cn_resident_id" selected' in forward
    # an emptied field is cleared, the others stay
    draft.post("legal_rep", {**step_data(app, "legal_rep"), "legal_rep.name": ""}, go="stay")
    assert repository_data(draft)["legal_rep"] == {
        "id_type": "cn_resident_id",
        "id_number": app.legal_rep.id_number,
    }


def test_store_fields_follow_the_platform(client: FlaskClient):
    draft = Draft(client)
    draft.post("store", step_data(eligible("amazon"), "store"))

    def shown(page: str, field: str) -> bool:
        div = re.search(rf'<div class="field[^"]*" id="f-store-{field}-field"[^>]*>', page)[0]
        return " hidden" not in div

    amazon = draft.get("store").text
    assert shown(amazon, "rating") and shown(amazon, "account-health")
    assert not shown(amazon, "positive-feedback-pct") and not shown(amazon, "gmv-12m-usd")
    assert 'data-show-values="amazon walmart"' in amazon  # the rule set's platforms
    # switch to eBay: its fields appear, Amazon's answers are kept for a switch back
    draft.post("store", {**step_data(eligible("ebay"), "store")}, go="stay")
    ebay = draft.get("store").text
    assert shown(ebay, "positive-feedback-pct") and not shown(ebay, "rating")
    assert repository_data(draft)["store"]["account_health"] == 310


def test_hong_kong_companies_see_the_certificate_pair(client: FlaskClient):
    draft = Draft(client)
    hk = change(eligible("amazon", "HK"), entity__hk_ci_number="1234567")
    fill(draft, hk)
    company = draft.get("company").text
    assert 'id="f-entity-hk-ci-number-field"' in company
    assert not re.search(r'id="f-entity-hk-ci-number-field"[^>]* hidden', company)
    documents = draft.get("documents").text
    assert 'id="doc-hk_incorporation_certificate"' in documents
    assert 'id="doc-hk_business_registration"' in documents
    assert 'id="doc-business_license"' not in documents
    assert 'id="doc-account_health_screenshot"' in documents  # Amazon's


@pytest.mark.slow
@pytest.mark.ocr
@pytest.mark.parametrize("lang", LANGS)
def test_a_hong_kong_certificate_sent_as_the_other_is_named(tmp_path: Path, lang: str):
    """A CI uploaded as the BR certificate (or the reverse) is told by its title: the
    applicant reads which document the photo shows and where it goes, not that the photo
    was unreadable; the right document on its card says nothing of the kind."""
    from tests.conftest import make_app  # noqa: PLC0415
    from tests.licensefactory import hk_sample  # noqa: PLC0415

    app = make_app(tmp_path, ONBOARD_OCR=True)
    draft = Draft(use_lang(app.test_client(), lang))
    ci = hk_sample("hk_incorporation_certificate", 1)
    br = hk_sample("hk_business_registration", 3)
    draft.post("company", {"entity.region": "HK"}, go="stay")
    photo = {"entity.region": "HK", "license_file": (io.BytesIO(ci.image), "br.jpg")}
    draft.post("company", photo, content_type="multipart/form-data", go="stay")
    company = draft.get("company").text
    told = re.search(r'id="license-wrong-document">([^<]*)<', company)
    assert told, "a CI sent as the BR certificate is not named"
    expected = (
        "这张照片是公司注册证明书，不是商业登记证。"
        if lang == "zh"
        else "This photo shows the Certificate of Incorporation, not the Business Registration"
    )
    assert told[1].startswith(expected), told[1]
    assert "无法从照片中识别号码" not in company and "could not read the number" not in company
    # The documents step: the BR on the CI's card is named; the CI on its own card is not.
    assert draft.upload("hk_incorporation_certificate", br.image, "ci.jpg").status_code == 302
    documents = draft.get("documents").text
    wrong = re.search(r'id="doc-hk_incorporation_certificate-wrong">([^<]*)<', documents)
    assert wrong and ("商业登记证" if lang == "zh" else "Business Registration") in wrong[1]
    assert draft.upload("hk_incorporation_certificate", ci.image, "ci.jpg").status_code == 302
    documents = draft.get("documents").text
    assert 'id="doc-hk_incorporation_certificate-wrong"' not in documents
    assert 'id="doc-hk_business_registration-wrong"' in documents  # the CI sent as the BR
    with app.app_context():
        db.engine.dispose()


@pytest.mark.slow
@pytest.mark.ocr
@pytest.mark.parametrize("lang", LANGS)
def test_hong_kong_values_read_name_their_certificate(tmp_path: Path, lang: str):
    """A value filled in from a Hong Kong certificate says which certificate it was read
    from (a Hong Kong company has no 营业执照, the mainland's business license)."""
    from tests.conftest import make_app  # noqa: PLC0415
    from tests.licensefactory import hk_sample  # noqa: PLC0415

    app = make_app(tmp_path, ONBOARD_OCR=True)
    draft = Draft(use_lang(app.test_client(), lang))
    draft.post("company", {"entity.region": "HK"}, go="stay")
    br = hk_sample("hk_business_registration", 3)
    photo = {"entity.region": "HK", "license_file": (io.BytesIO(br.image), "br.jpg")}
    draft.post("company", photo, content_type="multipart/form-data", go="stay")
    ci = hk_sample("hk_incorporation_certificate", 1)
    assert draft.upload("hk_incorporation_certificate", ci.image, "ci.jpg").status_code == 302
    company = draft.get("company").text
    number = re.search(r'id="f-entity-license-number-read">([^<]*)<', company)
    name = re.search(r'id="f-entity-company-name-read">([^<]*)<', company)
    assert number and name, "values read are not marked"
    if lang == "zh":
        assert "商业登记证" in number[1] and "公司注册证明书" in name[1], (number[1], name[1])
        assert "营业执照" not in number[1] + name[1]
    else:
        assert "Business Registration Certificate" in number[1]
        assert "Certificate of Incorporation" in name[1]
        assert "license" not in number[1] + name[1]
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("lang", LANGS)
def test_rule_notes_stop_continue_once(client: FlaskClient, lang: str):
    draft = Draft(use_lang(client, lang))
    data = {**step_data(eligible(), "company"), "entity.license_number": "9144030012345"}
    first = draft.post("company", data)
    assert first.status_code == 302 and first.location.endswith("/company")
    page = draft.get("company").text
    notes_list = r'<ul class="rule-notes" id="f-entity-license-number-notes">(.*?)</ul>'
    notes = re.search(notes_list, page, re.S)[1]
    assert ("统一社会信用代码 9144030012345 无效" if lang == "zh" else "is not valid") in notes
    assert 'value="force"' in page  # the applicant may go on and fix it later
    assert draft.post("company", data, go="force").location.endswith("/legal_rep")


# --- uploads ------------------------------------------------------------------------------


def test_a_good_upload_is_previewed_replaced_and_removed(client: FlaskClient):
    draft = Draft(client)
    fill(draft)
    assert draft.upload("legal_rep_id", imagefactory.jpeg(), "id.jpg").status_code == 302
    page = draft.get("documents").text
    assert f'src="/apply/{draft.token}/documents/legal_rep_id/file"' in page
    preview = draft.get("documents/legal_rep_id/file")
    assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert preview.headers["Content-Disposition"].startswith("inline")
    download = draft.get("documents/legal_rep_id/file?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    first = preview.data
    assert draft.upload("legal_rep_id", imagefactory.png(), "id.png").status_code == 302
    assert draft.get("documents/legal_rep_id/file").mimetype == "image/png" != first
    removed = client.post(
        f"{draft.base}/documents/legal_rep_id/remove", data={"csrf_token": draft.csrf}
    )
    assert removed.status_code == 302
    assert draft.get("documents/legal_rep_id/file").status_code == 404


@pytest.mark.parametrize(
    ("lang", "content", "name", "expected"),
    [
        ("zh", imagefactory.encode(imagefactory.pattern(), "GIF"), "x.jpg", "文件是 GIF 图片"),
        ("en", imagefactory.encode(imagefactory.pattern(), "GIF"), "x.jpg", "a GIF image"),
        ("en", b"<html><script>alert(1)</script></html>", "x.png", "not an image"),
        ("zh", imagefactory.jpeg() + b"\0" * (5 * 1024 * 1024), "big.jpg", "须小于 5 MB"),
        ("en", imagefactory.jpeg() + b"\0" * (5 * 1024 * 1024), "big.jpg", "smaller than 5 MB"),
        ("en", imagefactory.png()[:-20], "cut.png", "truncated"),
    ],
)
def test_bad_uploads_are_refused_with_the_reason(
    client: FlaskClient, lang: str, content: bytes, name: str, expected: str
):
    draft = Draft(use_lang(client, lang))
    fill(draft)
    response = draft.upload("seller_info_screenshot", content, name)
    assert response.status_code == 422
    errors = errors_on_page(response.text)
    assert expected in errors["file-seller_info_screenshot"]
    assert draft.get("documents/seller_info_screenshot/file").status_code == 404


def test_upload_inputs_check_type_and_size_in_the_browser(client: FlaskClient):
    draft = Draft(client)
    fill(draft)
    page = draft.get("documents").text
    inputs = re.findall(r'<input class="file-input" type="file"[^>]*>', page)
    # Amazon, CN: license, ID, GMV, seller info, account health
    assert len(inputs) == 5
    for tag in inputs:
        assert 'accept="image/jpeg,image/png,image/bmp"' in tag
        assert 'data-max-bytes="5242880"' in tag
    assert "/static/apply.js" in page and "<script>" not in page


@pytest.mark.parametrize(
    ("lang", "limit"),
    [("zh", "每个文件小于 5 MB"), ("en", "each smaller than 5 MB")],
)
def test_the_documents_step_names_the_rule_sets_size_limit(
    client: FlaskClient, lang: str, limit: str
):
    """The step's words, the file control's own refusal and the size come from the rule set
    (eligibility.problems), never a second copy: the page says the limit the check applies."""
    draft = Draft(use_lang(client, lang))
    fill(draft)
    page = draft.get("documents").text
    assert limit in page
    too_large = "须小于 5 MB" if lang == "zh" else "must be smaller than 5 MB"
    assert re.search(r'data-msg-size="[^"]*' + re.escape(too_large), page)
    assert "%(limit)s" not in page


# --- the license OCR check ----------------------------------------------------------------


def stored_reading(app: Flask, draft: Draft, reading: dict) -> None:
    with app.app_context():
        record = draft.record()
        document = repository.document(record, "business_license")
        document.reading = reading
        db.session.commit()


CORRECTED = {
    "license_number": VALID_USCC,
    "valid": True,
    "status": "corrected",
    "raw": "9135O100M000100Y43",
    "corrections": [{"position": 5, "read": "O", "as": "0"}],
    "candidates": [],
    "confidence": 0.8,
    "seconds": 0.5,
    "scheme": "uscc",
}


@pytest.mark.parametrize("lang", LANGS)
def test_repaired_characters_are_highlighted_and_must_be_confirmed(
    app: Flask, client: FlaskClient, lang: str
):
    draft = Draft(use_lang(client, lang))
    company = step_data(eligible(), "company")
    draft.post("company", company)
    photo = {**company, "license_file": (io.BytesIO(imagefactory.jpeg(320, 200)), "lic.jpg")}
    uploaded = draft.post("company", photo, content_type="multipart/form-data")
    assert uploaded.status_code == 302 and uploaded.location.endswith("/company#license")
    stored_reading(app, draft, CORRECTED)
    page = draft.get("company").text
    number = re.search(r'<p class="license-number"[^>]*data-reading>(.*?)</p>', page, re.S)[1]
    cells = re.findall(r'<(mark|span) class="ch[^"]*"', number)
    assert len(cells) == 18 and [i for i, tag in enumerate(cells, 1) if tag == "mark"] == [5]
    assert ("识别为“O”，已按“0”处理" if lang == "zh" else "read as “O”, taken as “0”") in page
    assert f'src="/apply/{draft.token}/documents/business_license/file"' in page
    refused = draft.post("company", company)
    assert refused.status_code == 422 and "license-confirm" in errors_on_page(refused.text)
    confirmed = draft.post("company", {**company, "license_confirm": "1"})
    assert confirmed.location.endswith("/legal_rep")
    again = draft.get("company").text
    assert ("您已确认这些字符" if lang == "zh" else "You confirmed these characters") in again


def test_a_typed_number_that_differs_by_lookalikes_is_highlighted(app: Flask, client: FlaskClient):
    draft = Draft(client)
    typed = VALID_USCC[:4] + "O" + VALID_USCC[5:]  # O typed where the license has 0
    company = {**step_data(eligible(), "company"), "entity.license_number": typed}
    draft.post("company", company, go="force")
    photo = {**company, "license_file": (io.BytesIO(imagefactory.jpeg(320, 200)), "lic.jpg")}
    draft.post("company", photo, content_type="multipart/form-data")
    stored_reading(app, draft, {**CORRECTED, "status": "ok", "raw": VALID_USCC, "corrections": []})
    page = draft.get("company").text
    assert "您填写的是“O”，照片上是“0”" in page
    typed_row = re.search(r'<p class="license-number typed"[^>]*>(.*?)</p>', page, re.S)[1]
    assert re.findall(r'<mark class="ch flagged">(.)</mark>', typed_row) == ["O"]


def test_a_license_upload_needs_a_region(client: FlaskClient):
    draft = Draft(client)
    photo = {"license_file": (io.BytesIO(imagefactory.jpeg()), "lic.jpg")}
    response = draft.post("company", photo, content_type="multipart/form-data")
    assert response.status_code == 422 and "license-file" in errors_on_page(response.text)


@pytest.mark.slow
@pytest.mark.ocr
def test_the_license_number_is_read_and_filled_in(tmp_path: Path):
    from tests.conftest import make_app  # noqa: PLC0415
    from tests.licensefactory import license_sample  # noqa: PLC0415

    app = make_app(tmp_path, ONBOARD_OCR=True)
    client = app.test_client()
    draft = Draft(client)
    draft.post("company", {"entity.region": "CN"}, go="stay")
    sample = license_sample(0)
    photo = {"entity.region": "CN", "license_file": (io.BytesIO(sample.image), "license.jpg")}
    draft.post("company", photo, content_type="multipart/form-data")
    page = draft.get("company").text
    assert f'value="{sample.code}"' in page  # filled in from the reading
    number = re.search(r"data-reading>(.*?)</p>", page, re.S)[1]
    assert re.sub(r"<[^>]+>", "", number) == sample.code
    with app.app_context():
        db.engine.dispose()


# --- review and submission ----------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_review_lists_every_rule_and_submission_confirms(
    app: Flask, client: FlaskClient, mailbox: list[EmailMessage], lang: str
):
    draft = Draft(use_lang(client, lang))
    fill(draft, change(eligible("walmart"), store__rating=3.9))
    review = draft.get("review").text
    rating = re.search(r'<li class="result result-fail">(.*?)</li>', review, re.S)[1]
    assert "3.9" in rating
    assert ("店铺评分 3.9 低于 4.0" if lang == "zh" else "below 4.0") in rating
    assert "store.rating" not in review and "entity.region" not in review  # titles, not codes
    assert ("US$650,000.00" if lang == "zh" else "$650,000.00") in review  # money per locale
    assert ("2025年3月1日" if lang == "zh" else "March 1, 2025") in review  # dates too
    # What stops the application comes first: failures, then what is missing; the passing
    # checks come last, folded away under their count.
    fail_at = review.index('class="result result-fail"')
    missing_at = review.index('class="result result-missing"')  # documents not uploaded
    folded = review.index('<details class="passing">')
    assert fail_at < missing_at < folded
    assert 'class="result result-pass"' not in review[:folded]
    passing = len(re.findall(r'class="result result-pass"', review))
    assert re.search(rf"<summary>[^<]*\D{passing}\D", review[folded:])
    submitted = client.post(f"{draft.base}/submit", data={"csrf_token": draft.csrf})
    assert submitted.location.endswith("/status")
    result = draft.get("status").text
    assert "state-submitted" in result
    assert ("已提交：等待审核" if lang == "zh" else "waiting for review") in result
    with app.app_context():
        record = draft.record()
        assert record.state == "submitted" and record.version == 1
        mail = db.session.query(OutboxEmail).filter_by(purpose="submitted").one()
        assert record.public_id in mail.subject
        assert "correct the application" not in mail.body
        assert draft.token not in mail.body  # the outbox keeps the link masked
        assert f"{draft.base}/status" in body_of(sent_as(mailbox, mail))  # what went out


def test_a_complete_application_can_be_eligible(client: FlaskClient):
    draft = Draft(client)
    fill(draft, eligible("walmart"))
    for kind in ("business_license", "legal_rep_id", "gmv_screenshot", "seller_info_screenshot"):
        assert draft.upload(kind, imagefactory.png(400, 300)).status_code == 302
    review = draft.get("review").text
    assert 'class="result result-fail"' not in review
    assert 'class="result result-missing"' not in review


# --- languages ----------------------------------------------------------------------------


def test_language_follows_the_browser_then_the_switch(client: FlaskClient):
    assert '<html lang="zh-Hans">' in client.get("/apply/").text  # default
    english = client.get("/apply/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Start an application" in english.text
    chinese = client.get("/apply/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "开始申请" in chinese.text
    switched = client.get("/apply/?lang=en", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in switched.text and "lang=en" in switched.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "zh-CN"}).text


@pytest.mark.parametrize("path", ["/", "/apply/", "/nothing-here"])
def test_every_page_offers_the_other_language(client: FlaskClient, path: str):
    page = client.get(path).text
    assert f'href="{path}?lang=en"' in page and 'aria-current="true"' in page


def test_every_ui_string_is_translated_in_both_catalogues():
    found = set()
    for source in ("onboard", "templates"):
        method_map = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / source,
            method_map=method_map,
            keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None},
        ):
            found.add(message)
    assert len(found) > 150
    for locale in ("zh_Hans", "en"):
        with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle)
        untranslated = sorted(
            m for m in found if not catalog.get(m) or not catalog[m].string or catalog[m].fuzzy
        )
        assert untranslated == [], f"{locale}: run pybabel update and translate these"
