"""Hong Kong's two registration documents read by OCR (issue 19: "the BR number and business
name from the BR certificate and the company name from the Certificate of Incorporation"):
which document a photo shows, the CI's number and names, their safety, and their use — the
rule ``entity.license_name`` for HK, the API, ``onboard ocr``, the applicant's form and the
desk, in Chinese and English. The corpus is ``tests.licensefactory.hk_sample``; the figures
per condition and stream are the benchmark's (``tests/benchmarks/ocr_bench.py``)."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.test import TestResponse

from onboard import repository
from onboard.cli import main
from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import Evidence, FieldReading, LicenseReading, Status
from onboard.eligibility.ruleset import ruleset_by_version
from onboard.extensions import db
from onboard.ocr import clear_cache, fields, hongkong, read_license
from onboard.ocr.backends import LineText
from onboard.ocr.hongkong import judge_ci_number
from tests.factories import AS_OF, change, eligible
from tests.licensefactory import HK_DOCUMENTS, hk_sample

NEW = ruleset_by_version("2026.11.2")
CI = "hk_incorporation_certificate"
BR = "hk_business_registration"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()


# --- the corpus ------------------------------------------------------------------------------


def test_the_corpus_is_reproducible_and_its_streams_apart() -> None:
    first, again = hk_sample(CI, 3), hk_sample(CI, 3)
    assert first.image == again.image and first.code == again.code
    held = hk_sample(CI, 3, held_out=True)
    assert held.image != first.image
    assert first.region == "HK" and len(first.code) == 8 and first.code.isdigit()
    assert first.fields["company_name"].endswith("LIMITED")
    names = [hk_sample(CI, seed).fields for seed in range(12)]
    assert any("company_name_zh" in f for f in names)
    assert any("company_name_zh" not in f for f in names)
    with pytest.raises(ValueError, match="document"):
        hk_sample("business_license", 0)
    with pytest.raises(ValueError, match="condition"):
        hk_sample(CI, 0, "blurry")


# --- the CI's number: two readers must agree --------------------------------------------------


def _line(text: str, *confidences: float) -> LineText:
    values = confidences or (0.99,) * len(text)
    return LineText(text, min(values), tuple(values))


@pytest.mark.parametrize(
    ("first", "second", "status", "number"),
    [
        (_line("2837074"), _line("2837074"), "ok", "02837074"),
        (_line("12345678"), _line("12345678"), "ok", "12345678"),
        # Tesseract unsure of one digit, the other reader sure of all and agreeing
        (_line("2837074", 0.3, *(0.99,) * 6), _line("2837074", *(0.999,) * 7), "ok", "02837074"),
        # neither sure of every digit
        (
            _line("2837074", 0.3, *(0.99,) * 6),
            _line("2837074", 0.9, *(0.99,) * 6),
            "ambiguous",
            None,
        ),
        # the readers disagree on one digit, or on the length
        (_line("2837074"), _line("2887074"), "ambiguous", None),
        (_line("2837074"), _line("02837074"), "ambiguous", None),
        # the second reader found no number on the line
        (_line("2837074"), LineText("", 0.0), "ambiguous", None),
        # without a second reader: Tesseract must be sure of each digit
        (_line("2837074"), None, "ok", "02837074"),
        (_line("2837074", 0.5, *(0.99,) * 6), None, "ambiguous", None),
        # not the published form (1 to 8 digits)
        (_line("123456789"), _line("123456789"), "ambiguous", None),
        (LineText("", 0.0), None, "unreadable", None),
    ],
)
def test_a_ci_number_is_ok_only_when_two_readers_agree(first, second, status, number) -> None:
    reading = judge_ci_number(first, second)
    assert (reading.status, reading.license_number, reading.scheme) == (status, number, "hk_ci")
    assert reading.valid is (number is not None)
    if status == "ambiguous" and first.text.isdigit() and len(first.text) <= 8:
        assert reading.candidates == (first.text.rjust(8, "0"),)


# --- reading the photos -------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "condition"), [(0, "ordinary"), (1, "ordinary"), (0, "hard")])
@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.xdist_group("ocr")
def test_a_certificate_of_incorporation_is_told_and_read(seed: int, condition: str) -> None:
    sample = hk_sample(CI, seed, condition)
    reading = read_license(sample.image, region="HK")
    assert (reading.document, reading.scheme) == (CI, "hk_ci")
    assert (reading.status, reading.license_number) == ("ok", sample.code)
    assert set(reading.fields) == set(sample.fields)
    for name, printed in sample.fields.items():
        assert reading.fields[name].value == printed, name
    data = reading.to_dict()
    assert data["document"] == CI and data["scheme"] == "hk_ci" and data["orientation"] == 0


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.xdist_group("ocr")
def test_either_certificate_turned_is_told_by_its_title() -> None:
    ci = hk_sample(CI, 1, "turned_90")
    reading = read_license(ci.image, region="HK")
    assert (reading.document, reading.orientation, reading.license_number) == (CI, 270, ci.code)
    br = hk_sample(BR, 0, "turned_180")
    reading = read_license(br.image, region="HK")
    assert (reading.document, reading.scheme, reading.orientation) == (BR, "hk_br", 180)
    assert reading.license_number == br.code
    assert reading.fields["company_name"].value == br.fields["company_name"]


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.xdist_group("ocr")
def test_the_caller_may_say_which_document() -> None:
    ci = hk_sample(CI, 2)
    named = read_license(ci.image, region="HK", document=CI)
    assert (named.document, named.license_number) == (CI, ci.code)
    # Named as the other document, it is read as that one: no BR number on a CI.
    wrong = read_license(ci.image, region="HK", document=BR)
    assert (wrong.document, wrong.scheme, wrong.status) == (BR, "hk_br", "unreadable")
    # ... and says which document the photo shows (its title), for the applicant to be told.
    assert (named.shows, wrong.shows) == ("", CI)
    assert wrong.to_dict()["shows"] == CI and "shows" not in named.to_dict()
    assert LicenseReading.from_dict(wrong.to_dict()).shows == CI
    br = hk_sample(BR, 3)
    assert read_license(br.image, region="HK", document=CI).shows == BR
    assert read_license(br.image, region="HK").shows == ""  # nothing named: nothing to say
    with pytest.raises(ValueError, match="not a"):
        read_license(ci.image, region="CN", document=CI)
    with pytest.raises(ValueError, match="not a"):
        read_license(ci.image, region="HK", document="business_license")


def test_an_undecodable_hk_image_is_unreadable_as_the_document_named() -> None:
    reading = read_license(b"not an image", region="HK", document=CI)
    assert (reading.status, reading.document, reading.scheme) == ("unreadable", CI, "hk_ci")
    reading = read_license(b"not an image", region="HK")
    assert (reading.status, reading.document) == ("unreadable", BR)
    assert "document" not in read_license(b"not an image").to_dict()  # CN: as before


class _Liar:
    """A second reader that reads every line sure of each character and wrong by one: the
    name it checks must then never be ``ok``."""

    def read_line(self, image: Image.Image) -> LineText:
        text = "BLUE BAY JADE HOLDINGS LIMITEO 藍灣翡翠控股有限公同 2837075"
        return LineText(text, 0.999, (0.999,) * len(text.replace(" ", "")))


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.xdist_group("ocr")
def test_no_name_is_ok_when_the_second_reader_disagrees(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hongkong, "get_recognizer", _Liar)
    monkeypatch.setattr(fields, "get_recognizer", _Liar)
    sample = hk_sample(CI, 0)
    reading = read_license(sample.image, region="HK")
    assert reading.document == CI
    assert reading.fields["company_name"].status != "ok"
    assert reading.status != "ok"  # the number is not vouched for either
    zh = reading.fields.get("company_name_zh")
    assert zh is None or zh.status != "ok"


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.xdist_group("ocr")
def test_a_short_first_word_of_a_business_name_is_read_not_dropped() -> None:
    """The benchmark's BR photo whose first word (BAY), too short to be a line by itself,
    was left out of the box both readings read: "COMMERCE COMPANY LIMITED" was reported
    ``ok``. The whole line is read now, and a name that does not start under its label is
    never ``ok``."""
    for seed, condition in ((1001, "ordinary"), (1009, "turned_90")):
        sample = hk_sample(BR, seed, condition)
        field = read_license(sample.image, region="HK").fields["company_name"]
        assert field.value == sample.fields["company_name"], (seed, field)


# --- entity.license_name for Hong Kong: the Certificate of Incorporation's name ---------------


def _ci(english: FieldReading | None = None, chinese: FieldReading | None = None) -> LicenseReading:
    fields = {}
    if english is not None:
        fields["company_name"] = english
    if chinese is not None:
        fields["company_name_zh"] = chinese
    return LicenseReading(
        "ok", "02837074", True, "2837074", scheme="hk_ci", document=CI, fields=fields
    )


def _hk(company: str) -> object:
    return change(eligible("amazon", "HK"), entity__company_name=company)


def _name_check(app, evidence: Evidence):
    (check,) = evaluate(app, NEW, as_of=AS_OF, evidence=evidence).by_code("entity.license_name")
    return check


@pytest.mark.parametrize(
    ("typed", "english", "chinese", "status"),
    [
        ("Starriver Trading Ltd", "STARRIVER TRADING LIMITED", None, Status.PASS),
        ("星河贸易有限公司", "STARRIVER TRADING LIMITED", "星河貿易有限公司", Status.PASS),
        ("Blue Bay Trading Limited", "STARRIVER TRADING LIMITED", None, Status.FAIL),
        ("蓝湾贸易有限公司", "STARRIVER TRADING LIMITED", "星河貿易有限公司", Status.FAIL),
        # typed in Chinese, the CI prints no Chinese name: a person compares the scripts
        ("星河贸易有限公司", "STARRIVER TRADING LIMITED", None, Status.REVIEW),
    ],
)
def test_hk_company_name_is_judged_against_the_ci(typed, english, chinese, status) -> None:
    zh = FieldReading(chinese, "ok", 0.99) if chinese else None
    evidence = Evidence(incorporation_reading=_ci(FieldReading(english, "ok", 0.99), zh))
    check = _name_check(_hk(typed), evidence)
    assert (check.status, check.field) == (status, "entity.company_name")
    if status is not Status.PASS:
        assert "Certificate of Incorporation" in check.message["en"]
        assert "公司注册证明书" in check.message["zh"]
        assert "Certificate" not in check.message["zh"]


def test_an_uncertain_ci_name_goes_to_a_person() -> None:
    evidence = Evidence(incorporation_reading=_ci(FieldReading("STARR1VER TRADING", "uncertain")))
    check = _name_check(_hk("Starriver Trading Ltd"), evidence)
    assert check.status is Status.REVIEW and "STARR1VER" in check.message["en"]


def test_the_br_certificate_s_business_name_is_not_the_ci_s() -> None:
    br = LicenseReading(
        "ok",
        "12345678",
        True,
        "12345678",
        scheme="hk_br",
        document=BR,
        fields={"company_name": FieldReading("OTHER TRADING LIMITED", "ok", 0.99)},
    )
    check = _name_check(_hk("Starriver Trading Ltd"), Evidence(license_reading=br))
    assert check.status is Status.NOT_APPLICABLE  # no CI read: nothing to compare


def test_a_ci_read_as_the_br_certificate_is_named_in_the_reading_check() -> None:
    """entity.license_ocr on a BR slot holding a CI says what the photo is, not only that no
    number was found."""

    def ocr_check(reading: LicenseReading):
        report = evaluate(
            _hk("Starriver Trading Ltd"),
            NEW,
            as_of=AS_OF,
            evidence=Evidence(license_reading=reading),
        )
        (check,) = report.by_code("entity.license_ocr")
        return check

    unread = LicenseReading("unreadable", None, False, "", scheme="hk_br", document=BR)
    plain = ocr_check(unread)
    assert plain.status is Status.REVIEW and "公司注册证明书" not in plain.message["zh"]
    named = ocr_check(replace(unread, shows=CI))
    assert named.status is Status.REVIEW
    assert "the photo shows the Certificate of Incorporation" in named.message["en"]
    assert (
        "照片是公司注册证明书" in named.message["zh"] and "Certificate" not in named.message["zh"]
    )


# --- where it is reported: the API and onboard ocr ----------------------------------------------


def _post(client: FlaskClient, data: dict) -> TestResponse:
    response = client.post("/api/v1/ocr/license", data=data, content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()
    return response


def test_the_api_refuses_a_document_hong_kong_has_not(client: FlaskClient) -> None:
    for document in ("business_license", "passport"):
        image = (io.BytesIO(b"\x89PNG"), "x.png")
        response = _post(client, {"file": image, "region": "HK", "document": document})
        assert response.status_code == 422 and "document" in response.json["errors"]


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.xdist_group("ocr")
def test_the_api_reads_a_ci(client: FlaskClient) -> None:
    sample = hk_sample(CI, 0)
    response = _post(client, {"file": (io.BytesIO(sample.image), "ci.jpg"), "region": "HK"})
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["document"], body["scheme"], body["license_number"]) == (CI, "hk_ci", sample.code)
    # Naming the document implies Hong Kong, whatever region the request says.
    named = {"file": (io.BytesIO(sample.image), "ci.jpg"), "region": "CN", "document": CI}
    assert _post(client, named).json["license_number"] == sample.code
    assert body["fields"]["company_name"]["value"] == sample.fields["company_name"]
    assert body["fields"]["company_name_zh"]["value"] == sample.fields["company_name_zh"]
    spec = client.get("/api/v1/openapi.json").json
    schema = spec["components"]["schemas"]["LicenseReading"]["properties"]
    assert {"document", "scheme", "shows"} <= set(schema)
    assert "shows" not in body  # nothing named: nothing to say
    # Sent as the BR certificate, the CI is read as one, and the answer says what it shows.
    wrong = {"file": (io.BytesIO(sample.image), "br.jpg"), "region": "HK", "document": BR}
    assert _post(client, wrong).json["shows"] == CI


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.xdist_group("ocr")
def test_onboard_ocr_reads_a_ci(tmp_path: Path) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    sample = hk_sample(CI, 0)
    image = tmp_path / "ci.jpg"
    image.write_bytes(sample.image)
    result = CliRunner().invoke(main, ["ocr", str(image), "--region", "HK"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["document"], data["scheme"], data["license_number"]) == (CI, "hk_ci", sample.code)
    assert data["fields"]["company_name"]["value"] == sample.fields["company_name"]
    text = CliRunner().invoke(main, ["ocr", str(image), "--region", "HK", "--format", "text"])
    assert f"document        {CI}" in text.output and "Chinese name" in text.output
    named = CliRunner().invoke(main, ["ocr", str(image), "--document", CI])  # implies HK
    assert named.exit_code == 0 and json.loads(named.output)["license_number"] == sample.code
    refused = CliRunner().invoke(main, ["ocr", str(image), "--document", "passport"])
    assert refused.exit_code == 2 and "--document" in refused.output


# --- the form and the desk ------------------------------------------------------------------------


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.xdist_group("ocr")
def test_the_ci_upload_fills_the_company_name(tmp_path: Path) -> None:
    from tests.conftest import make_app  # noqa: PLC0415
    from tests.test_apply import Draft  # noqa: PLC0415

    app = make_app(tmp_path, ONBOARD_OCR=True)
    draft = Draft(app.test_client())
    draft.post("company", {"entity.region": "HK"}, go="stay")
    br = hk_sample(BR, 0)
    assert draft.upload(BR, br.image, "br.jpg").status_code == 302
    page = draft.get("company").text
    assert f'value="{br.code}"' in page  # the BR certificate fills its number …
    assert br.fields["company_name"] not in page  # … and not the company's name
    ci = hk_sample(CI, 0)
    assert draft.upload(CI, ci.image, "ci.jpg").status_code == 302
    page = draft.get("company").text
    assert f'value="{ci.fields["company_name"]}"' in page
    assert f'value="{ci.code}"' in page  # the CI number
    with app.app_context():
        record = draft.record()
        stored = repository.document(record, CI).reading
        assert stored["document"] == CI and stored["scheme"] == "hk_ci"
        assert set(stored["filled"]) == {"entity.company_name", "entity.hk_ci_number"}
        db.engine.dispose()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_desk_shows_the_ci_name_beside_the_name_typed(app: Flask, lang: str) -> None:
    from tests.deskflow import add_user, login, submitted  # noqa: PLC0415

    application = change(eligible("amazon", "HK"), entity__company_name="Starriver Trading Ltd")
    public_id, _ = submitted(app, application)
    with app.app_context():
        record = repository.get_application(public_id)
        repository.document(record, CI).reading = _ci(
            FieldReading("STARRIVER TRADING LIMITED", "ok", 0.99),
            FieldReading("星河貿易有限公司", "uncertain", 0.8),
        ).to_dict()
        repository.document(record, BR).reading = LicenseReading(
            "ok",
            "12345678",
            True,
            "12345678",
            scheme="hk_br",
            document=BR,
            fields={"company_name": FieldReading("OTHER TRADING LIMITED", "ok", 0.99)},
        ).to_dict()
        db.session.commit()
    client = app.test_client()
    login(client, add_user(app))
    page = client.get(f"/desk/applications/{public_id}?lang={lang}").text
    table = page[page.index('id="license-fields"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(
        r'<tr data-field="(\w+)" class="([^"]*)">\s*<th scope="row">(.*?)</th>', table
    )
    documents = {
        "en": ("Business Registration Certificate", "Certificate of Incorporation"),
        "zh": ("商业登记证", "公司注册证明书"),
    }[lang]
    assert [(name, css) for name, css, _ in rows] == [
        ("company_name", "differs"),  # the BR's business name
        ("company_name", "agrees"),  # the CI's English name, Ltd = Limited
        ("company_name_zh", "differs"),
    ]
    assert documents[0] in rows[0][2] and documents[1] in rows[1][2]
    assert ("公司中文名称" if lang == "zh" else "Company name in Chinese") in rows[2][2]
    assert "STARRIVER TRADING LIMITED" in table and "星河貿易有限公司" in table


def test_every_hk_document_is_in_the_corpus() -> None:
    assert set(HK_DOCUMENTS) == {BR, CI} == set(hongkong.DOCUMENTS)


def test_the_hk_benchmark_table() -> None:
    """The benchmark's Hong Kong table from fabricated outcomes (the real run is
    ``make bench``): per document, stream and set, and the totals."""
    from tests.benchmarks.ocr_bench import HkOutcome, HkRow, hk_render  # noqa: PLC0415

    names = {"company_name": (True, True, False), "company_name_zh": (True, False, False)}
    right = HkOutcome(True, True, False, 0.2, names)
    wrong = HkOutcome(False, False, True, 0.4, {"company_name": (False, True, True)})
    rows = [HkRow(CI, "tuning", "ordinary", (right, wrong)), HkRow(CI, "tuning", "hard", (right,))]
    text = hk_render(rows)
    assert "| CI | tuning | ordinary | 2 | 50% | 50% | 1 | 50% | 100% | 1 | 0.300 |" in text
    assert "| CI | tuning | hard | 1 | 100% | 100% | 0 | 100% | 100% | 0 | 0.200 |" in text
    assert "| CI | tuning | **all** | 3 | 67% | 67% | 1 | 67% | 100% | 1 | 0.200 |" in text
    assert "| BR |" not in text  # no rows of it, no totals


def test_the_desk_files_the_name_check_under_the_ci_only(app: Flask) -> None:
    """Hong Kong's company name is judged from the Certificate of Incorporation (RULES.md
    §2): the BR certificate's panel does not claim entity.license_name as its evidence."""
    from onboard.usecases import applications  # noqa: PLC0415
    from tests.deskflow import add_user, draft, login  # noqa: PLC0415

    application = change(eligible("amazon", "HK"), entity__company_name="Starriver Trading Ltd")
    public_id, _ = draft(app, application)
    with app.app_context():
        record = repository.get_application(public_id)
        repository.document(record, CI).reading = _ci(
            FieldReading("OTHER TRADING LIMITED", "ok", 0.99)
        ).to_dict()
        report = applications.submit(record)
        db.session.commit()
    assert [c.status for c in report.checks if c.code == "entity.license_name"] == ["fail"]
    client = app.test_client()
    login(client, add_user(app))
    page = client.get(f"/desk/applications/{public_id}?lang=en").text

    def panel(kind: str) -> str:
        start = page.index(f'data-kind="{kind}"')
        end = page.find('<li class="doc-panel', start + 1)
        return page[start : end if end != -1 else page.index("</section>", start)]

    assert 'href="#check-entity-license_name"' in panel(CI)
    assert 'href="#check-entity-license_name"' not in panel(BR)


@pytest.mark.parametrize(
    ("region", "lang", "hint"),
    [
        ("HK", "en", "Exactly as on the Certificate of Incorporation."),
        ("HK", "zh", "与公司注册证明书上的名称完全一致。"),
        ("CN", "en", "Exactly as on the business license."),
        ("CN", "zh", "与营业执照上的名称完全一致。"),
    ],
)
def test_the_company_name_hint_names_the_region_s_document(
    app: Flask, region: str, lang: str, hint: str
) -> None:
    from tests.test_apply import Draft  # noqa: PLC0415

    draft = Draft(app.test_client())
    draft.post("company", {"entity.region": region}, go="stay")
    page = draft.get(f"company?lang={lang}").text
    assert hint in page
