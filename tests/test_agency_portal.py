"""The agencies' portal: invitations, logins scoped to one agency, uploads, results,
downloads, keys and webhook, and a checked client turned into an applicant's draft."""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from onboard import jobs
from onboard.agencies import keys, samples, users
from onboard.extensions import db
from onboard.models import ApplicationRecord, ResumeToken
from tests.agencyhelpers import agency_with_key

PASSWORD = "correct horse battery"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def portal_user(app: Flask, agency_name: str, email: str) -> str:
    """An agency with one invited person; returns the invitation token."""
    with app.app_context():
        agency = keys.find_agency(agency_name) or keys.create_agency(agency_name)
        _, token = users.invite(agency, email, "Ms Test")
        db.session.commit()
        return token


def logged_in(app: Flask, agency_name: str, email: str):
    client = app.test_client()
    token = portal_user(app, agency_name, email)
    page = client.get(f"/agency/invitation/{token}")
    assert page.status_code == 200 and agency_name in page.text
    answer = client.post(
        f"/agency/invitation/{token}",
        data={"csrf_token": _csrf(page.text), "password": PASSWORD, "password_again": PASSWORD},
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/agency/")
    return client


def upload_sample(client, name: str = "sample.xlsx") -> str:
    home = client.get("/agency/")
    body, _media = samples.sample_file(name)
    answer = client.post(
        "/agency/batches",
        data={"csrf_token": _csrf(home.text), "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303, answer.text
    batch_id = answer.headers["Location"].rsplit("/", 1)[-1]
    runner = jobs.runner(client.application)
    if isinstance(runner, jobs.ThreadRunner):
        runner.wait_idle(60, include_delayed=False)
    return batch_id


def test_invitation_works_once_and_login_needs_the_password(app: Flask):
    token = portal_user(app, "Acme", "a@acme.example")
    client = app.test_client()
    assert client.get("/agency/").status_code == 302  # to the login page
    page = client.get(f"/agency/invitation/{token}")
    short = client.post(
        f"/agency/invitation/{token}",
        data={"csrf_token": _csrf(page.text), "password": "short", "password_again": "short"},
    )
    assert short.status_code == 400
    client.post(
        f"/agency/invitation/{token}",
        data={"csrf_token": _csrf(page.text), "password": PASSWORD, "password_again": PASSWORD},
    )
    assert client.get(f"/agency/invitation/{token}").status_code == 404  # used up
    with app.app_context():
        person = users.find_by_email("a@acme.example")
        assert person.password_hash.startswith("$argon2id$") and person.invite_hash is None
    other = app.test_client()
    login = other.get("/agency/login")
    wrong = other.post(
        "/agency/login",
        data={"csrf_token": _csrf(login.text), "email": "a@acme.example", "password": "nope"},
    )
    assert wrong.status_code == 401
    right = other.post(
        "/agency/login",
        data={"csrf_token": _csrf(login.text), "email": "A@acme.example", "password": PASSWORD},
    )
    assert right.status_code == 302 and other.get("/agency/").status_code == 200


def test_upload_results_filters_and_downloads(app: Flask):
    client = logged_in(app, "Acme", "a@acme.example")
    batch_id = upload_sample(client)
    page = client.get(f"/agency/batches/{batch_id}")
    assert page.status_code == 200
    for ref in ("KH-001", "KH-002", "KH-003", "KH-004", "KH-005"):
        assert ref in page.text
    only = client.get(f"/agency/batches/{batch_id}?verdict=ineligible").text
    assert "KH-002" in only and "KH-001" not in only
    by_rule = client.get(f"/agency/batches/{batch_id}?rule=store.rating").text
    assert "KH-002" in by_rule and "KH-004" not in by_rule
    errors = client.get(f"/agency/batches/{batch_id}?verdict=error").text
    assert "KH-005" in errors and "东莞市拓远五金制品有限公司" in errors
    csv_answer = client.get(f"/agency/batches/{batch_id}/results.csv")
    assert csv_answer.data.startswith(b"\xef\xbb\xbf") and "KH-005" in csv_answer.text
    xlsx = client.get(f"/agency/batches/{batch_id}/results.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert [sheet.title for sheet in book.worksheets] == ["results 结果", "summary 汇总"]
    html = client.get(f"/agency/batches/{batch_id}/report.html")
    assert html.status_code == 200 and "KH-003" in html.text


def test_another_agencys_batch_row_and_key_are_404(app: Flask):
    first = logged_in(app, "Acme", "a@acme.example")
    batch_id = upload_sample(first, "sample.csv")
    second = logged_in(app, "Rival", "b@rival.example")
    _, _key = agency_with_key(app, "Third")
    with app.app_context():
        acme_key = keys.create_key(keys.find_agency("Acme"), "k")[0].id
        db.session.commit()
    page = second.get("/agency/")
    token = _csrf(page.text)
    for path in (
        f"/agency/batches/{batch_id}",
        f"/agency/batches/{batch_id}/results.csv",
        f"/agency/batches/{batch_id}/results.xlsx",
        f"/agency/batches/{batch_id}/report.html",
    ):
        assert second.get(path).status_code == 404, path
    assert (
        second.post(
            f"/agency/batches/{batch_id}/rows/1/application", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        second.post(f"/agency/keys/{acme_key}/revoke", data={"csrf_token": token}).status_code
        == 404
    )
    assert batch_id not in page.text


def test_a_checked_row_becomes_a_prefilled_draft_with_a_private_link(app: Flask):
    client = logged_in(app, "Acme", "a@acme.example")
    batch_id = upload_sample(client, "sample.csv")
    page = client.get(f"/agency/batches/{batch_id}")
    answer = client.post(
        f"/agency/batches/{batch_id}/rows/2/application", data={"csrf_token": _csrf(page.text)}
    )
    assert answer.status_code == 201
    link = re.search(r'id="private-link">([^<]+)<', answer.text).group(1)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    with app.app_context():
        record = db.session.scalar(db.select(ApplicationRecord))
        assert record.state == "draft" and record.agency_id == keys.find_agency("Acme").id
        assert record.data["entity"]["company_name"] == "广州市云帆贸易有限公司"
        assert record.data["store"]["rating"] == 3.8 and "documents" not in record.data
        # The link is stored only as its hash.
        stored = db.session.scalars(db.select(ResumeToken.token_hash)).all()
        assert token not in stored and len(stored) == 1
    applicant = app.test_client().get(link)
    assert applicant.status_code == 302  # the form opens at its step
    form = app.test_client().get(applicant.headers["Location"])
    assert form.status_code == 200 and "广州市云帆贸易有限公司" in form.text
    # An error row cannot become an application.
    refused = client.post(
        f"/agency/batches/{batch_id}/rows/5/application", data={"csrf_token": _csrf(page.text)}
    )
    assert refused.status_code == 303


def test_keys_and_webhook_are_managed_in_the_portal(app: Flask):
    client = logged_in(app, "Acme", "a@acme.example")
    page = client.get("/agency/keys")
    created = client.post("/agency/keys", data={"csrf_token": _csrf(page.text), "name": "erp"})
    assert created.status_code == 201
    key = re.search(r'id="new-key">([^<]+)<', created.text).group(1)
    assert app.test_client().get("/api/v1/agency", headers={"X-API-Key": key}).status_code == 200
    with app.app_context():
        record = keys.authenticate(key)
        key_id = record.id
    client.post(f"/agency/keys/{key_id}/revoke", data={"csrf_token": _csrf(page.text)})
    assert app.test_client().get("/api/v1/agency", headers={"X-API-Key": key}).status_code == 401
    hook = client.post(
        "/agency/webhook",
        data={"csrf_token": _csrf(page.text), "webhook_url": "https://erp.example/hook"},
    )
    assert hook.status_code == 200 and "whsec_" in hook.text


def test_an_admin_invites_from_the_desk_and_the_link_is_shown_once(app: Flask):
    from tests.deskflow import add_user, login  # noqa: PLC0415

    with app.app_context():
        agency_id = keys.create_agency("Acme").id
        db.session.commit()
    desk = app.test_client()
    token = login(desk, add_user(app, "admin"))
    answer = desk.post(
        f"/desk/agencies/{agency_id}/users",
        data={"csrf_token": token, "email": "New@Acme.example", "name": "Wang Fang"},
    )
    assert answer.status_code == 201
    link = re.search(r'id="new-invitation">([^<]+)<', answer.text).group(1)
    assert "/agency/invitation/" in link
    listing = desk.get("/desk/agencies/").text
    assert "new@acme.example" in listing and link not in listing
    with app.app_context():
        person = users.find_by_email("new@acme.example")
        assert person.invite_hash and person.invite_hash not in link
    assert app.test_client().get(link).status_code == 200
    # A reviewer (not an admin) cannot invite.
    reviewer = app.test_client()
    other = login(reviewer, add_user(app, "reviewer"))
    refused = reviewer.post(
        f"/desk/agencies/{agency_id}/users", data={"csrf_token": other, "email": "x@y.example"}
    )
    assert refused.status_code == 403


def test_onboard_agencies_invite_prints_the_link_once(tmp_path, monkeypatch):
    from click.testing import CliRunner  # noqa: PLC0415

    from onboard.cli import main  # noqa: PLC0415

    monkeypatch.setenv("ONBOARD_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["agencies", "create", "Acme"]).exit_code == 0
    result = runner.invoke(
        main,
        ["agencies", "invite", "Acme", "zhou@acme.example", "--base-url", "https://x.example"],
    )
    assert result.exit_code == 0, result.stderr
    assert re.search(r"https://x\.example/agency/invitation/[\w-]{40,}", result.stdout)
    again = runner.invoke(main, ["agencies", "invite", "Acme", "zhou@acme.example"])
    assert again.exit_code == 0  # not accepted yet: a fresh invitation
    bad = runner.invoke(main, ["agencies", "invite", "Acme", "not-an-address"])
    assert bad.exit_code == 2 and "email" in bad.stderr


def test_a_page_number_the_database_cannot_hold_is_refused_not_a_500(app: Flask):
    """``?page=²`` (a digit to str.isdigit, not to int) and a page past the database's
    integers answered 500; like page 0, they are malformed page numbers (422)."""
    client = logged_in(app, "Acme", "a@acme.example")
    batch_id = upload_sample(client, "sample.csv")
    for page in ("²", "99999999999999999999", "-1", "x"):
        answer = client.get(f"/agency/batches/{batch_id}", query_string={"page": page})
        assert answer.status_code == 422, (page, answer.status_code)
    assert client.get(f"/agency/batches/{batch_id}?page=2147483647").status_code == 200
    assert client.get(f"/agency/batches/{batch_id}?page=0").status_code == 422


def test_the_most_common_failing_rules_are_named_in_the_readers_language(app: Flask):
    """The summary listed bare codes (``store.rating``): each now carries its rule's title,
    in Chinese on a Chinese page, from the rule set the batch was checked with."""
    from onboard.eligibility.ruleset import ruleset_by_version  # noqa: PLC0415

    client = logged_in(app, "Acme", "a@acme.example")
    batch_id = upload_sample(client, "sample.csv")
    with app.app_context():
        from onboard.models import Batch  # noqa: PLC0415

        version = db.session.scalar(select(Batch.rules_version))
    title = ruleset_by_version(version).rule("store.rating").title
    client.set_cookie("lang", "zh_Hans")
    page = client.get(f"/agency/batches/{batch_id}").text
    common = page[page.index('id="summary-title"') : page.index('id="clients-title"')]
    assert title["zh"] in common
    client.set_cookie("lang", "en")
    page = client.get(f"/agency/batches/{batch_id}").text
    common = page[page.index('id="summary-title"') : page.index('id="clients-title"')]
    assert title["en"] in common and "<code>store.rating</code>" in common


def test_a_chinese_batch_page_names_rules_by_title_never_by_code(app: Flask):
    """Codes (``store.rating``) are ids: a Chinese page names every rule by its title, in
    the summary, on each row and in the filter (whose value stays the code)."""
    from onboard.eligibility.ruleset import default_ruleset  # noqa: PLC0415

    client = logged_in(app, "Acme", "a@acme.example")
    batch_id = upload_sample(client, "sample.csv")
    client.set_cookie("lang", "zh_Hans")
    page = client.get(f"/agency/batches/{batch_id}").text
    codes = {spec.code for spec in default_ruleset().rules}
    shown = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r'value="[^"]*"', "", page)))
    assert not [code for code in codes if re.search(rf"(?<![\w.]){re.escape(code)}\b", shown)]
    title = default_ruleset().rule("store.rating").title["zh"]
    assert f'<option value="store.rating">{title}</option>' in page
    filtered = client.get(f"/agency/batches/{batch_id}?rule=store.rating").text
    assert '<option value="store.rating" selected>' in filtered
    assert filtered.count('<tr id="row-') == 1


def test_counts_of_clients_and_rows_agree_with_their_number(app: Flask):
    """Each count chooses its plural ("1 clients" was wrong); Chinese has one form."""
    client = logged_in(app, "Acme", "a@acme.example")
    batch_id = upload_sample(client, "sample.csv")
    client.set_cookie("lang", "en")
    page = client.get(f"/agency/batches/{batch_id}").text
    counts = re.findall(r"· (\d+) (clients?)</li>", page)
    assert counts and all((n == "1") == (word == "client") for n, word in counts), counts
    assert "5 of 5 rows" in page
    client.set_cookie("lang", "zh_Hans")
    page = client.get(f"/agency/batches/{batch_id}").text
    shown = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert re.search(r"· 1 个客户</li>", page) and "client" not in shown


# --- what a walk of the portal found (issue 20, after the first build) -----------------------

#: Besides tests/test_chinese_texts.py's: file formats and programs agencies use, the
#: established acronym of the keys page (API 密钥), and the date format the form's own
#: placeholder shows (YYYY-MM-DD).
PORTAL_ALLOWED = {
    "api", "csv", "xlsx", "jsonl", "json", "zip", "utf", "gb18030", "gbk", "excel", "wps",
    "yyyy", "mm", "dd",
}  # fmt: skip


def _chinese(text: str, own: tuple[str, ...] = ()) -> list[str]:
    from tests.test_chinese_texts import foreign_words  # noqa: PLC0415

    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return [w for w in foreign_words(text, own) if w.lower() not in PORTAL_ALLOWED]


def _flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash[^"]*">(.*?)</p>', html, re.S)


def _post_file(client, data: bytes, name: str):
    home = client.get("/agency/")
    return client.post(
        "/agency/batches",
        data={"csrf_token": _csrf(home.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_upload_errors_are_chinese_on_a_chinese_page_and_english_on_an_english_one(app: Flask):
    client = logged_in(app, "Acme", "a@acme.example")
    bad_files = [
        (b"shop.name,store.ratingx\nA,1\n", "clients.csv"),  # an unknown column
        (b"", "clients.csv"),  # empty
        (b"entity.company_name,shop.name\n", "clients.csv"),  # no rows
        (b"PK\x03\x04 not really", "clients.xlsx"),  # a broken workbook
        (b"name\n", "clients.pdf"),  # not a batch file
        (b"shop.name,shop.name\nA,B\n", "clients.csv"),  # a column twice
    ]
    for data, name in bad_files:
        client.set_cookie("lang", "zh_Hans")
        (flash,) = _flashes(_post_file(client, data, name).text)
        assert flash.startswith("未上传"), flash
        assert _chinese(flash, ("store.ratingx",)) == [], flash
        client.set_cookie("lang", "en")
        (flash,) = _flashes(_post_file(client, data, name).text)
        assert flash.startswith("Not uploaded"), flash


def test_error_rows_name_their_columns_in_chinese(app: Flask):
    client = logged_in(app, "Acme", "a@acme.example")
    batch_id = upload_sample(client, "sample.csv")
    client.set_cookie("lang", "zh_Hans")
    page = client.get(f"/agency/batches/{batch_id}?verdict=error").text
    fixes = re.findall(r'<ul class="fix">(.*?)</ul>', page, re.S)
    assert fixes and "店铺评分" in fixes[0]
    assert "store.rating" not in fixes[0] and _chinese(fixes[0]) == []
    client.set_cookie("lang", "en")
    page = client.get(f"/agency/batches/{batch_id}?verdict=error").text
    assert "store.rating" in re.findall(r'<ul class="fix">(.*?)</ul>', page, re.S)[0]
    # a row with input errors cannot become an application: said in Chinese
    client.set_cookie("lang", "zh_Hans")
    refused = client.post(
        f"/agency/batches/{batch_id}/rows/5/application",
        data={"csrf_token": _csrf(page)},
        follow_redirects=True,
    )
    (flash,) = _flashes(refused.text)
    assert "预审" in flash and _chinese(flash) == []


def test_key_and_webhook_errors_are_chinese(app: Flask):
    client = logged_in(app, "Acme", "a@acme.example")
    client.set_cookie("lang", "zh_Hans")
    token = _csrf(client.get("/agency/keys").text)
    attempts = [
        ("/agency/keys", {"name": "k" * 101}),
        ("/agency/webhook", {"webhook_url": "ftp://erp.example/hook"}),
        ("/agency/webhook", {"webhook_url": "http://127.0.0.1:8201/desk/"}),
        ("/agency/webhook", {"webhook_url": "https://user:pw@erp.example/hook"}),
        ("/agency/webhook", {"webhook_url": "https://erp.example:99999/hook"}),
    ]
    for path, form in attempts:
        answer = client.post(path, data={"csrf_token": token, **form}, follow_redirects=True)
        (flash,) = _flashes(answer.text)
        assert flash.startswith("未保存"), flash
        assert _chinese(flash, ("127.0.0.1", "erp.example")) == [], flash


def test_a_gbk_file_with_a_bad_byte_is_refused_naming_the_line(app: Flask):
    """It was read as UTF-8: every Chinese cell became mojibake or a row error."""
    client = logged_in(app, "Acme", "a@acme.example")
    body, _media = samples.sample_file("sample.csv")
    gbk = body.decode("utf-8-sig").encode("gb18030")
    lines = gbk.split(b"\n")
    lines[3] = lines[3] + b"\xff"  # one damaged byte at the end of the third client's line
    client.set_cookie("lang", "zh_Hans")
    (flash,) = _flashes(_post_file(client, b"\n".join(lines), "clients.csv").text)
    assert "第 4 行" in flash and "GB18030" in flash and _chinese(flash) == [], flash
    client.set_cookie("lang", "en")
    (flash,) = _flashes(_post_file(client, b"\n".join(lines), "clients.csv").text)
    assert "(line 4)" in flash, flash
    with app.app_context():
        from onboard.models import Batch  # noqa: PLC0415

        assert db.session.scalar(select(Batch.id)) is None  # nothing half-read was kept


def test_inviting_a_client_twice_asks_first_and_says_the_first_link_died(app: Flask):
    client = logged_in(app, "Acme", "a@acme.example")
    batch_id = upload_sample(client, "sample.csv")
    page = client.get(f"/agency/batches/{batch_id}").text
    path = f"/agency/batches/{batch_id}/rows/2/application"
    first = client.post(path, data={"csrf_token": _csrf(page)})
    assert first.status_code == 201 and 'id="link-replaced"' not in first.text
    link = re.search(r'id="private-link">([^<]+)<', first.text).group(1)
    # the batch page now marks the row and asks before making another link
    page = client.get(f"/agency/batches/{batch_id}").text
    row = page[page.index('id="row-2"') : page.index('id="row-3"')]
    assert "data-confirm" in row and 'name="replace" value=""' in row
    # pressed again without confirming (no JavaScript): a question, the first link still works
    asked = client.post(path, data={"csrf_token": _csrf(page)})
    assert asked.status_code == 409 and 'name="replace" value="1"' in asked.text
    assert app.test_client().get(link).status_code == 302
    # confirmed: a new link, the page says the earlier one stopped working, and it did
    second = client.post(path, data={"csrf_token": _csrf(page), "replace": "1"})
    assert second.status_code == 201 and 'id="link-replaced"' in second.text
    new_link = re.search(r'id="private-link">([^<]+)<', second.text).group(1)
    assert new_link != link
    assert app.test_client().get(link).status_code == 404
    assert app.test_client().get(new_link).status_code == 302
    with app.app_context():
        from onboard.models import AuditEvent  # noqa: PLC0415

        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "agency_application_relinked" in actions


def test_the_batch_page_stops_refreshing_when_done_and_backs_off_while_it_runs(app: Flask):
    from datetime import timedelta  # noqa: PLC0415

    from onboard.models import Batch, utcnow  # noqa: PLC0415
    from onboard.web.agency_portal import refresh_seconds  # noqa: PLC0415

    client = logged_in(app, "Acme", "a@acme.example")
    batch_id = upload_sample(client, "sample.csv")
    done = client.get(f"/agency/batches/{batch_id}").text
    assert 'http-equiv="refresh"' not in done and "data-progress-url" not in done
    assert client.get(f"/agency/batches/{batch_id}/progress").json["state"] == "done"
    with app.app_context():
        batch = db.session.scalar(select(Batch))
        now = utcnow()
        batch.state, batch.created_at = "running", now - timedelta(minutes=30)
        db.session.commit()
        young = Batch(state="running", created_at=now)
        assert refresh_seconds(young, now) == 3
        assert refresh_seconds(young, now + timedelta(seconds=90)) == 9
        assert refresh_seconds(young, now + timedelta(hours=5)) == 60
        young.state = "done"
        assert refresh_seconds(young, now) is None
    running = client.get(f"/agency/batches/{batch_id}").text
    assert '<noscript><meta http-equiv="refresh" content="60"></noscript>' in running
    url = re.search(r'data-progress-url="([^"]+)"', running).group(1)
    progress = client.get(url).json
    assert progress["total"] == 5 and progress["state"] in ("running", "done")
    # another agency's batch: 404 here too
    other = logged_in(app, "Rival", "b@rival.example")
    assert other.get(url).status_code == 404


BAD_CELLS = {
    "store.rating": ["abc", "9", "4,5"],
    "store.opened_on": ["2026-13-01", "1800-01-01", "yesterday"],
    "entity.region": ["china"],
    "store.platform": ["tmall"],
    "shop.main_category": ["nothing"],
    "store.gmv_12m_usd": ["1e999", "NaN"],
    "contact.email": ["a\x00b"],
    "entity.company_name": ["x" * 3000],
    "fulfillment.method": ["drone"],
    "entry.mode": ["vip"],
    "store.social_followers": ["1.5", "-3"],
    "store.positive_feedback_pct": ["120"],
}


def test_every_row_error_of_a_broad_sample_reads_in_chinese(app: Flask):
    """Each bad cell's message, as the batch page shows it on a Chinese page: the column's
    Chinese title and a Chinese text that says what to do (never the catch-all)."""
    import csv  # noqa: PLC0415

    from onboard.errors import InputError  # noqa: PLC0415
    from onboard.intake import batchfile  # noqa: PLC0415
    from onboard.intake.schemas import CSV_COLUMNS, application_to_csv_row  # noqa: PLC0415
    from onboard.web import texts  # noqa: PLC0415
    from tests.factories import eligible  # noqa: PLC0415

    good = application_to_csv_row(eligible())
    shown = []
    with app.test_request_context("/agency/", headers={"Cookie": "lang=zh_Hans"}):
        catch_all = texts.message("no such message at all")
        for column, values in BAD_CELLS.items():
            for value in values:
                buffer = io.StringIO()
                writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
                writer.writeheader()
                writer.writerow({**good, column: value})
                (item,) = batchfile.read_all(buffer.getvalue().encode(), "csv").rows
                errors = item.errors
                if not errors:
                    with pytest.raises(InputError) as caught:
                        batchfile.application_of(batchfile.decode(item.payload, item.ref))
                    errors = caught.value.errors
                assert column in errors, (column, value, errors)
                lines = texts.field_lines(errors)
                # as the batch page reads them back from the database: plain English
                assert texts.field_lines(json.loads(json.dumps(errors))) == lines
                shown += lines
    title = batchfile.column_titles()
    for line in shown:
        assert _chinese(line) == [], line
        assert catch_all not in line, line
    assert any(line.startswith(title["store.rating"]) for line in shown)


def _bad_files() -> dict[str, Callable[[], object]]:
    """A call of the batch reader for each way a file as a whole (or a JSON line) is refused."""
    from onboard.intake import batchfile  # noqa: PLC0415
    from onboard.intake.batchfile import Limits  # noqa: PLC0415

    def read(data: bytes, fmt: str = "csv", **limits: int) -> Callable[[], object]:
        return lambda: list(batchfile.read_all(data, fmt, limits=Limits(**limits)).rows)

    two_rows = b"shop.name\nA\nB\n"
    return {
        "format": lambda: batchfile.file_format("clients.txt"),
        "empty": read(b""),
        "no rows": read(b"shop.name\n"),
        "unknown column": read(b"nonsense\n1\n"),
        "unnamed column": read(b"shop.name,,store.rating\nA,1,2\n"),
        "column twice": read(b"shop.name,shop.name\nA,B\n"),
        "too many rows": read(two_rows, max_rows=1),
        "too many columns": read(two_rows.replace(b"\n", b",ref\n", 1), max_columns=1),
        "csv line": read(b"shop.name\nA\n" + b"B" * 200_000 + b"\n"),
        "neither encoding": read("shop.name\n店铺\n".encode("gb18030") * 50 + b"\xff\xff\n"),
        "not xlsx": read(b"not a workbook", "xlsx"),
        "damaged xlsx": read(b"PK\x03\x04 damaged", "xlsx"),
        "workbook too large": read(b"PK\x03\x04" + b"0" * 100, "xlsx", max_xlsx_bytes=10),
        "not utf-8 line": lambda: batchfile.decode(b'{"shop": "\xff"}'),
        "not json": lambda: batchfile.decode(b'{"shop": '),
        "ref not text": lambda: batchfile.decode(b'{"ref": ["x"]}'),
    }


@pytest.mark.parametrize("case", sorted(_bad_files()))
def test_every_file_error_of_the_batch_reader_carries_its_chinese(app: Flask, case: str):
    """A refused file names what to do in Chinese on a Chinese page (its own words, from
    where it is raised), and the same English read back from storage finds the same words."""
    from onboard.errors import InputError, Text, recognise  # noqa: PLC0415
    from onboard.web import texts  # noqa: PLC0415

    with pytest.raises(InputError) as caught:
        _bad_files()[case]()
    found = [text for lines in caught.value.errors.values() for text in lines]
    assert found and all(isinstance(text, Text) for text in found), found
    for text in found:
        assert recognise(str(text)) is not None, text
    with app.test_request_context("/agency/", headers={"Cookie": "lang=zh_Hans"}):
        catch_all = texts.message("no such message at all")
        shown = texts.field_lines(caught.value.errors)
    for line in shown:
        assert _chinese(line, own=("nonsense",)) == [], line  # the agency's own column name
        assert catch_all not in line, line


def test_every_message_the_batch_reader_declares_is_chinese():
    """Each of the reader's messages has a Chinese text with no English word in it, and
    English that reads back to it (so a stored row error keeps its Chinese)."""
    from onboard.errors import Words  # noqa: PLC0415
    from onboard.intake import batchfile  # noqa: PLC0415

    declared = [value for value in vars(batchfile).values() if isinstance(value, Words)]
    assert len(declared) > 20
    for words in declared:
        assert _chinese(re.sub(r"\{[^}]*\}", "1", words.zh)) == [], words.zh
        filled = re.sub(r"\{[^}]*\}", "7", words.en)
        read = words.read(filled)
        assert read is not None and read.zh == re.sub(r"\{[^}]*\}", "7", words.zh), words.en
