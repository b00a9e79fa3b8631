"""What agencies get back: results with line, ref and client on every row (JSON, CSV with a
BOM, XLSX, HTML), sample files, the documented examples, and a row turned into an
applicant's draft through the API."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
from flask import Flask

from onboard.agencies import samples
from onboard.extensions import db
from onboard.models import ApplicationRecord, AuditEvent
from tests.agencyhelpers import agency_with_key, bearer, upload, wait_done
from tests.deskflow import add_user, login


def sample_batch(app: Flask, client, name: str = "sample.csv") -> tuple[str, str]:
    _, key = agency_with_key(app, "Acme")
    body, _ = samples.sample_file(name)
    created = upload(client, key, body, name)
    assert created.status_code == 202, created.json
    wait_done(client, key, created.json["id"])
    return key, created.json["id"]


def test_every_output_keeps_line_ref_and_client_error_rows_included(app: Flask, client):
    key, batch_id = sample_batch(app, client)
    rows = client.get(f"/api/v1/batches/{batch_id}/results", headers=bearer(key)).json["rows"]
    error = rows[4]
    assert error["state"] == "error" and error["ref"] == "KH-005" and error["line"] == 6
    assert error["label"] == "东莞市拓远五金制品有限公司"
    assert [row["ref"] for row in rows] == ["KH-001", "KH-002", "KH-003", "KH-004", "KH-005"]

    answer = client.get(f"/api/v1/batches/{batch_id}/results.csv", headers=bearer(key))
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert table[4]["ref"] == "KH-005" and table[4]["line"] == "6"
    assert table[4]["client"] == "东莞市拓远五金制品有限公司" and table[4]["verdict"] == "error"
    assert table[1]["to_fix_zh"] and table[1]["failing_rules"] == "store.rating"
    # a row with bad input: its errors in English, and in Chinese where Chinese is read
    assert table[4]["errors"].startswith("store.rating: ") and table[4]["to_fix"] == ""
    assert table[4]["to_fix_zh"].startswith("店铺评分：")

    book = client.get(f"/api/v1/batches/{batch_id}/results.xlsx", headers=bearer(key))
    assert book.mimetype.endswith("spreadsheetml.sheet")
    sheets = openpyxl.load_workbook(io.BytesIO(book.data)).worksheets
    values = [[cell.value for cell in row] for row in sheets[0].iter_rows()]
    assert values[0][:4] == ["row", "line", "ref", "client"] and values[1][2] == "参考编号"
    assert values[6][:5] == [5, 6, "KH-005", "东莞市拓远五金制品有限公司", "error"]
    assert values[3][5] and values[3][6]  # what to fix, en and zh
    summary = {row[0].value: row[1].value for row in sheets[1].iter_rows() if row[0].value}
    assert summary["eligible"] == 1 and summary["error"] == 1 and summary["total 合计"] == 5

    html = client.get(f"/api/v1/batches/{batch_id}/report.html", headers=bearer(key)).text
    assert "KH-005" in html and "东莞市拓远五金制品有限公司" in html
    assert "@media (max-width: 40rem)" in html  # cards on a phone (measured in the browser)


def test_samples_are_public_and_complete(client):
    for name in ("template.csv", "template.xlsx", "sample.csv", "sample.xlsx"):
        answer = client.get(f"/api/v1/samples/{name}")
        assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    assert client.get("/api/v1/samples/sample.csv").data.startswith(b"\xef\xbb\xbf")
    assert client.get("/api/v1/samples/../config.py").status_code == 404
    assert client.get("/api/v1/samples/nothing.csv").status_code == 404
    docs = client.get("/api/v1/openapi.json").json
    upload_doc = docs["paths"]["/api/v1/batches"]["post"]
    assert "/api/v1/samples/sample.xlsx" in upload_doc["description"]


def test_documented_examples_work(app: Flask, client):
    docs = client.get("/api/v1/openapi.json").json
    body = docs["paths"]["/api/v1/prescreen"]["post"]["requestBody"]["content"]
    answer = client.post("/api/v1/prescreen", json=body["application/json"]["example"])
    assert answer.status_code == 200 and answer.json["verdict"] == "eligible"
    _, key = agency_with_key(app, "Examples")
    content = docs["paths"]["/api/v1/batches"]["post"]["requestBody"]["content"]
    for media in ("text/csv", "application/jsonl"):
        example = content[media]["example"].encode()
        created = client.post(
            "/api/v1/batches", data=example, headers=bearer(key), content_type=media
        )
        assert created.status_code == 202, created.json
        done = wait_done(client, key, created.json["id"])
        assert done["state"] == "done" and done["verdicts"]["eligible"] >= 1


def test_a_row_becomes_a_draft_through_the_api(app: Flask, client):
    key, batch_id = sample_batch(app, client)
    made = client.post(f"/api/v1/batches/{batch_id}/rows/1/application", headers=bearer(key))
    assert made.status_code == 201, made.json
    assert made.json["replaced_earlier_link"] is False
    link = made.json["link"]
    again = client.post(f"/api/v1/batches/{batch_id}/rows/1/application", headers=bearer(key))
    assert again.json["application"] == made.json["application"] and again.json["link"] != link
    assert again.json["replaced_earlier_link"] is True  # the agency is told the first died
    refused = client.post(f"/api/v1/batches/{batch_id}/rows/5/application", headers=bearer(key))
    assert refused.status_code == 409
    _, other = agency_with_key(app, "Rival")
    stranger = client.post(f"/api/v1/batches/{batch_id}/rows/1/application", headers=bearer(other))
    assert stranger.status_code == 404
    with app.app_context():
        record = db.session.scalar(
            db.select(ApplicationRecord).where(
                ApplicationRecord.public_id == made.json["application"]
            )
        )
        assert record.agency_id is not None and record.data["shop"]["name"] == "Starriver Home"
        logged = " ".join(str(event.detail) for event in db.session.scalars(db.select(AuditEvent)))
        assert link.rsplit("/", 2)[-2] not in logged and link not in logged
    # The newest link opens the prefilled draft for the applicant to finish; asking again
    # revoked the first one (one private link works at a time).
    assert app.test_client().get(link).status_code == 404
    opened = app.test_client().get(again.json["link"], follow_redirects=True)
    assert opened.status_code == 200 and "深圳市星河跨境电子商务有限公司" in opened.text


def test_the_desk_shows_the_agency_of_an_application(app: Flask, client):
    key, batch_id = sample_batch(app, client)
    made = client.post(f"/api/v1/batches/{batch_id}/rows/1/application", headers=bearer(key))
    with app.app_context():
        record = db.session.scalar(
            db.select(ApplicationRecord).where(
                ApplicationRecord.public_id == made.json["application"]
            )
        )
        record.state = "submitted"
        db.session.commit()
    desk = app.test_client()
    login(desk, add_user(app))
    page = desk.get(f"/desk/applications/{made.json['application']}")
    assert page.status_code == 200 and re.search(r"id=\"app-agency\">[^<]*Acme<", page.text)


def test_the_html_report_says_everything_in_both_languages(app: Flask, client):
    """Error rows were in English only: each bad field now also reads in Chinese (the
    template's column title and the message's declared Chinese), verdicts are named in both
    languages, and the most common failing rules by their titles."""
    from onboard.agencies.report import VERDICT_NAMES  # noqa: PLC0415
    from onboard.eligibility.ruleset import default_ruleset  # noqa: PLC0415
    from tests.test_chinese_texts import foreign_words  # noqa: PLC0415

    key, batch_id = sample_batch(app, client)
    page = client.get(f"/api/v1/batches/{batch_id}/report.html", headers=bearer(key)).text
    error_row = page[page.index("KH-005") :]
    error_row = error_row[: error_row.index("</tr>")]
    fixes = re.findall(r"<li>(.*?)</li>", error_row, re.S)
    assert fixes
    for fix in fixes:
        english, _, chinese = fix.partition('<span class="zh">· ')
        assert re.match(r"[a-z_.]+: ", english), english  # the API's field name and English
        chinese = html_text(chinese)
        assert chinese and foreign_words(chinese) == [], chinese
        assert "：" in chinese and "此处不接受该值" not in chinese
    assert "输入有误" in error_row and "input error" in error_row
    for english, chinese in VERDICT_NAMES.values():
        assert f"{english} · {chinese}" in page
    title = default_ruleset().rule("store.rating").title
    assert f"{title['en']} · {title['zh']} <code>store.rating</code>" in page
    assert "状态" in page and "预审日期" in page


def html_text(fragment: str) -> str:
    import html  # noqa: PLC0415

    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()
