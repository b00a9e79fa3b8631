"""The reviewer desk's decisions and queue for a team: decisions against the verdict need a
reason (and, with four eyes, a second reviewer), the manual checklist gates approvals, the
page reads top-down in words, and the queue keeps assignments, ages, bulk assignment and
saved filters."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from onboard import repository
from onboard.extensions import db
from onboard.models import AuditEvent, ChecklistMark, Decision, OutboxEmail, ReasonTemplate
from onboard.usecases import applications, review
from tests.applyflow import csrf_token, ensure_catalogues
from tests.deskflow import add_user, approve, login, seller, submitted, tick_checklist


@pytest.fixture(scope="module", autouse=True)
def _catalogues() -> None:
    ensure_catalogues()


def desk(app: Flask, email: str, role: str = "reviewer") -> tuple[FlaskClient, str]:
    add_user(app, role, email)
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client, login(client, email)


def decide(client: FlaskClient, token: str, public_id: str, **form: object):
    return client.post(
        f"/desk/applications/{public_id}/decision", data={"csrf_token": token, **form}
    )


def state_of(app: Flask, public_id: str) -> str:
    with app.app_context():
        return repository.get_application(public_id).state


def decision_emails(app: Flask) -> list[OutboxEmail]:
    with app.app_context():
        return list(
            db.session.scalars(select(OutboxEmail).where(OutboxEmail.purpose.like("decision_%")))
        )


# --- 1. decisions against the verdict ------------------------------------------------------


def test_approving_an_ineligible_application_shows_the_override_and_needs_a_reason(app: Flask):
    public_id, _ = submitted(app, seller(1, store__rating=3.9, fulfillment__method="none"))
    client, token = desk(app, "li.na@example.com")
    page = client.get(f"/desk/applications/{public_id}").text
    warning = page[page.index('id="override-approved"') :]
    warning = warning[: warning.index("</div>")]
    assert "Approving overrides" in warning and "not eligible yet" in warning
    assert "2 checks fail or lack something" in warning
    tick_checklist(app, client, token, public_id)

    refused = decide(client, token, public_id, outcome="approved")
    assert refused.location.endswith("#decide") and state_of(app, public_id) == "submitted"
    flashed = client.get(f"/desk/applications/{public_id}").text
    assert "goes against the verdict" in flashed and decision_emails(app) == []

    done = decide(client, token, public_id, outcome="approved", override_reason="old rating shown")
    assert done.location == "/desk/" and state_of(app, public_id) == "approved"
    with app.app_context():
        decision = db.session.scalar(select(Decision))
        assert decision.override == {
            "verdict": "ineligible",
            "checks": ["fulfillment.us_local", "store.rating"],
            "checklist": [],
            "reason": "old rating shown",
        }
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "decided"))
        assert event.detail["override"]["reason"] == "old rating shown"
        assert event.detail["override"]["verdict"] == "ineligible"
    assert len(decision_emails(app)) == 1
    page = client.get(f"/desk/applications/{public_id}").text
    assert "Against the verdict:" in page and "old rating shown" in page


def test_rejecting_an_eligible_application_needs_a_reason_but_following_it_does_not(app: Flask):
    eligible, _ = submitted(app, seller(1))
    failing, _ = submitted(app, seller(2, store__rating=3.9))
    client, token = desk(app, "li.na@example.com")
    refused = decide(client, token, eligible, outcome="rejected", comment="no")
    assert refused.location.endswith("#decide") and state_of(app, eligible) == "submitted"
    assert (
        decide(
            client,
            token,
            eligible,
            outcome="rejected",
            comment="no",
            override_reason="fraud report",
        ).location
        == "/desk/"
    )
    # rejecting what fails, or asking for changes, overrides nothing
    assert decide(client, token, failing, outcome="rejected", comment="rating").location == "/desk/"
    with app.app_context():
        overrides = [d.override for d in db.session.scalars(select(Decision).order_by(Decision.id))]
    assert overrides[0]["verdict"] == "eligible" and overrides[0]["reason"] == "fraud report"
    assert overrides[1] is None


def test_an_unticked_checklist_is_an_override_too(app: Flask):
    public_id, _ = submitted(app, seller(1))
    client, token = desk(app, "li.na@example.com")
    with app.app_context():
        record = repository.get_application(public_id)
        assert record.verdict in ("eligible", "review")
    refused = decide(client, token, public_id, outcome="approved")
    assert refused.location.endswith("#decide") and state_of(app, public_id) == "submitted"
    assert (
        decide(
            client, token, public_id, outcome="approved", override_reason="checked by phone"
        ).location
        == "/desk/"
    )
    with app.app_context():
        decision = db.session.scalar(select(Decision))
        assert set(decision.override["checklist"]) == {
            "manual.business_scope",
            "manual.screenshot_details",
            "manual.seller_info_company",
            "manual.gmv_12_months",
        }
        assert decision.override["verdict"] is None


@pytest.mark.parametrize("four_eyes", [False, True])
def test_four_eyes_setting(app: Flask, four_eyes: bool):
    public_id, _ = submitted(app, seller(1, store__rating=3.9))
    admin, admin_token = desk(app, "admin@example.com", "admin")
    saved = admin.post(
        "/desk/settings",
        data={"csrf_token": admin_token, "four_eyes": ["0", "1"] if four_eyes else "0"},
    )
    assert saved.status_code == 302
    first, token = desk(app, "li.na@example.com")
    second, second_token = desk(app, "wang.fang@example.com")
    done = approve(app, first, token, public_id, override_reason="rating screenshot is old")
    assert done.location == "/desk/"
    if not four_eyes:
        assert state_of(app, public_id) == "approved" and len(decision_emails(app)) == 1
        return
    # waiting: nothing changed for the applicant, nobody can decide over it
    assert state_of(app, public_id) == "submitted" and decision_emails(app) == []
    queue = first.get("/desk/").text
    assert "waits for a second reviewer" in queue
    own = first.get(f"/desk/applications/{public_id}").text
    assert "Another reviewer must confirm or decline it." in own and 'id="decide"' not in own
    itself = first.post(
        f"/desk/applications/{public_id}/confirm", data={"csrf_token": token, "answer": "confirm"}
    )
    assert itself.location.endswith("#decide") and state_of(app, public_id) == "submitted"
    again = decide(second, second_token, public_id, outcome="rejected", comment="x")
    assert again.location.endswith("#decide")
    # the second reviewer declines (with a note), then the first approves again and the
    # second confirms: only then the applicant is told
    unexplained = second.post(
        f"/desk/applications/{public_id}/confirm",
        data={"csrf_token": second_token, "answer": "decline"},
    )
    assert unexplained.location.endswith("#decide")
    declined = second.post(
        f"/desk/applications/{public_id}/confirm",
        data={"csrf_token": second_token, "answer": "decline", "note": "ask for a new screenshot"},
    )
    assert declined.location == "/desk/" and state_of(app, public_id) == "submitted"
    assert (
        approve(app, first, token, public_id, override_reason="new screenshot checked").location
        == "/desk/"
    )
    confirmed = second.post(
        f"/desk/applications/{public_id}/confirm",
        data={"csrf_token": second_token, "answer": "confirm"},
    )
    assert confirmed.location == "/desk/" and state_of(app, public_id) == "approved"
    assert len(decision_emails(app)) == 1
    with app.app_context():
        decisions = db.session.scalars(select(Decision).order_by(Decision.id)).all()
        assert [(d.second_outcome, d.pending) for d in decisions] == [
            ("declined", False),
            ("confirmed", False),
        ]
        events = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "second_review")
        ).all()
        assert [e["outcome"] for e in events] == ["declined", "confirmed"]
        setting = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "setting_changed")
        )
        assert setting.detail == {"key": "four_eyes", "before": False, "after": True}


def test_only_admins_change_settings(app: Flask):
    client, token = desk(app, "li.na@example.com")
    assert client.get("/desk/settings").status_code == 403
    assert (
        client.post("/desk/settings", data={"csrf_token": token, "four_eyes": "1"}).status_code
        == 403
    )
    with app.app_context():
        assert review.setting("four_eyes") is False


# --- 4. the checklist ----------------------------------------------------------------------


def test_checklist_items_follow_the_platform(app: Flask):
    amazon, _ = submitted(app, seller(1))
    supplier, _ = submitted(app, seller(2, platform="amazon_vc"))
    with app.app_context():
        from onboard.eligibility.ruleset import default_ruleset  # noqa: PLC0415

        ruleset = default_ruleset()
        keys = {
            p: [i.key for i in review.checklist_for(repository.get_application(p), ruleset)]
            for p in (amazon, supplier)
        }
    assert "manual.gmv_12_months" in keys[amazon] and "manual.gmv_12_months" not in keys[supplier]
    assert "manual.screenshot_details" in keys[supplier]


def test_a_failed_item_needs_a_note_and_has_reason_templates(app: Flask):
    public_id, _ = submitted(app, seller(1))
    client, token = desk(app, "li.na@example.com")
    page = client.get(f"/desk/applications/{public_id}").text
    assert "business scope covers the categories the seller sells" in page
    refused = client.post(
        f"/desk/applications/{public_id}/checklist",
        data={"csrf_token": token, "mark-manual.gmv_12_months": "fail"},
    )
    assert refused.location.endswith("#checklist")
    client.post(
        f"/desk/applications/{public_id}/checklist",
        data={
            "csrf_token": token,
            "mark-manual.gmv_12_months": "fail",
            "note-manual.gmv_12_months": "only 6 months shown",
        },
    )
    with app.app_context():
        mark = db.session.scalar(select(ChecklistMark))
        assert (mark.item, mark.status, mark.note) == (
            "manual.gmv_12_months",
            "fail",
            "only 6 months shown",
        )
        template = db.session.scalar(
            select(ReasonTemplate).where(ReasonTemplate.code == "manual.gmv_12_months")
        )
        assert template is not None and "12" in template.text_zh
    # the failed item's reason is offered first, and a request for changes can use it
    page = client.get(f"/desk/applications/{public_id}").text
    decide_form = page[page.index('id="decide"') :]
    first_reasons = decide_form[: decide_form.index("<details>")]
    assert f'value="{template.id}" data-code="manual.gmv_12_months"' in first_reasons
    done = decide(client, token, public_id, outcome="changes_requested", reason=[str(template.id)])
    assert done.location == "/desk/"
    body = decision_emails(app)[0].body
    assert "12 months" in body


def test_admins_tie_reason_templates_to_checklist_items(app: Flask):
    client, token = desk(app, "admin@example.com", "admin")
    page = client.get("/desk/reasons").text
    assert 'value="manual.business_scope"' in page
    saved = client.post(
        "/desk/reasons",
        data={
            "csrf_token": token,
            "code": "manual.business_scope",
            "text_en": "Your license does not cover jewelry.",
            "text_zh": "营业执照的经营范围未涵盖珠宝。",
            "active": "1",
        },
    )
    assert saved.status_code == 302
    bad = client.post(
        "/desk/reasons",
        data={
            "csrf_token": token,
            "code": "manual.nothing",
            "text_en": "x",
            "text_zh": "x",
            "active": "1",
        },
    )
    assert "#reason-" not in bad.location
    with app.app_context():
        texts = db.session.scalars(
            select(ReasonTemplate.text_en).where(ReasonTemplate.code == "manual.business_scope")
        ).all()
    assert "Your license does not cover jewelry." in texts


# --- 3. the page reads top-down, in words --------------------------------------------------


def test_the_page_puts_the_summary_first_and_speaks_in_words(app: Flask):
    first, _ = submitted(app, seller(1))
    public_id, _ = submitted(
        app, seller(2, store__rating=3.9, contact__phone=seller(1).contact.phone), locale="zh"
    )
    client, _token = desk(app, "li.na@example.com")
    page = client.get(f"/desk/applications/{public_id}").text
    order = [page.index(f'id="{part}"') for part in ("summary", "evidence", "checklist", "checks")]
    assert order == sorted(order)
    summary = page[order[0] : order[1]]
    fails = summary[summary.index("summary-fail") : summary.index("summary-missing")]
    with app.app_context():
        from onboard.eligibility.ruleset import default_ruleset  # noqa: PLC0415

        title = default_ruleset().rule("store.rating").title["en"]
    assert title in fails and "#check-store-rating" in fails
    duplicates = summary[summary.index('id="duplicates"') : summary.index('id="changes"')]
    assert "phone number" in duplicates and f'href="/desk/applications/{first}"' in duplicates
    assert "a license already in use" not in duplicates  # the match is a phone
    answers = page[page.index('id="answers"') :]
    assert "cn_resident_id" not in answers and "mainland resident ID card" in answers
    assert "mainland China" in answers and ">CN<" not in answers
    assert "{&#39;" not in page and "{'" not in page  # no raw dicts
    assert re.search(r"\d{1,2}/\d{1,2}/\d{2}\b", page) is None  # no US short dates
    zh = client.get(f"/desk/applications/{public_id}?lang=zh").text
    assert "年" in zh[zh.index('id="summary"') :] and "中国大陆" in zh


def test_license_fields_read_are_shown_beside_the_typed_values(app: Flask):
    application = seller(1)
    public_id, _ = submitted(app, application)
    with app.app_context():
        record = repository.get_application(public_id)
        document = repository.document(record, "business_license")
        document.reading = {
            "license_number": application.entity.license_number,
            "status": "ok",
            "raw": application.entity.license_number,
            "valid": True,
            "corrections": [],
            "candidates": [],
            "fields": {
                "company_name": {
                    "value": application.entity.company_name,
                    "status": "ok",
                    "confidence": 0.9,
                },
                "legal_representative": {"value": "李四", "status": "uncertain", "confidence": 0.5},
                "established_on": {"value": "2019-03-08", "status": "ok", "confidence": 0.97},
            },
            "orientation": 0,
        }
        db.session.commit()
    client, _token = desk(app, "li.na@example.com")
    page = client.get(f"/desk/applications/{public_id}").text
    table = page[page.index('id="license-fields"') :]
    table = table[: table.index("</table>")]
    rows = dict(re.findall(r'<tr data-field="(\w+)" class="([^"]*)"', table))
    assert rows == {
        "company_name": "agrees",
        "legal_representative": "differs",
        "established_on": "",
    }
    assert "March 8, 2019" in table and "李四" in table and "to confirm" in table


# --- 5. the queue for a team ---------------------------------------------------------------


def test_assignment_survives_resubmission(app: Flask):
    public_id, _link = submitted(app, seller(1, store__rating=3.9))
    client, token = desk(app, "li.na@example.com")
    client.post(
        f"/desk/applications/{public_id}/assign", data={"csrf_token": token, "assignee": "me"}
    )
    decide(client, token, public_id, outcome="changes_requested", comment="rating")
    with app.app_context():
        record = repository.get_application(public_id)
        repository.save_sections(record, {"store": {"rating": 4.6}})
        applications.submit(record)
        db.session.commit()
        assert record.version == 2 and record.assignee_id is not None
    queue = client.get("/desk/?assignee=me").text
    row = re.search(rf'<tr class="queue-row[^"]*" data-id="{public_id}">(.*?)</tr>', queue, re.S)[1]
    assert "Reviewer" in row and "Li.Na" not in row  # the account's name, see add_user
    assert re.search(r'class="assignee">\s*Reviewer\s*<', row)
    page = client.get(f"/desk/applications/{public_id}").text
    assert re.search(r'<option value="\d+" selected>Reviewer</option>', page)


def test_bulk_assignment_age_column_and_sort(app: Flask):
    ids = [submitted(app, seller(n))[0] for n in (1, 2, 3)]
    with app.app_context():
        for days, public_id in zip((1, 9, 4), ids, strict=True):
            record = repository.get_application(public_id)
            record.submitted_at = record.submitted_at - timedelta(days=days)
        db.session.commit()
    client, token = desk(app, "li.na@example.com")
    queue = client.get("/desk/?sort=oldest").text
    assert re.findall(r'data-id="(A-\w+)"', queue) == [ids[1], ids[2], ids[0]]
    ages = re.findall(r'class="age" data-days="(\d+)"', queue)
    assert ages == ["9", "4", "1"]
    moved = client.post(
        "/desk/assign",
        data={"csrf_token": token, "assignee": "me", "application": ids[:2], "back": "sort=oldest"},
    )
    assert moved.location.startswith("/desk/?") and "sort=oldest" in moved.location
    mine = client.get("/desk/?assignee=me").text
    assert set(re.findall(r'data-id="(A-\w+)"', mine)) == set(ids[:2])
    with app.app_context():
        assert (
            len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assigned")).all())
            == 2
        )


def test_saved_filters_belong_to_their_reviewer(app: Flask):
    submitted(app, seller(1))
    first, token = desk(app, "li.na@example.com")
    other, _other_token = desk(app, "wang.fang@example.com")
    saved = first.post(
        "/desk/filters",
        data={
            "csrf_token": token,
            "name": "My HK work",
            "region": "HK",
            "assignee": "me",
            "sort": "oldest",
            "bogus": "x",
        },
    )
    assert saved.location.startswith("/desk/?") and "region=HK" in saved.location
    page = first.get("/desk/").text
    assert "My HK work" in page
    link = re.search(r'<a href="(/desk/\?[^"]+)">My HK work</a>', page)[1]
    assert "bogus" not in link and "assignee=me" in link
    assert "My HK work" not in other.get("/desk/").text
    filter_id = re.search(r"/desk/filters/(\d+)/delete", page)[1]
    assert (
        other.post(
            f"/desk/filters/{filter_id}/delete",
            data={"csrf_token": csrf_token(other.get("/desk/").text)},
        ).status_code
        == 404
    )
    assert (
        first.post(f"/desk/filters/{filter_id}/delete", data={"csrf_token": token}).status_code
        == 302
    )
    assert "My HK work" not in first.get("/desk/").text


def test_take_it_wins_over_the_select_it_sits_beside(app: Flask):
    """The assignment form posts its select too: "Take it" must assign the reviewer, not
    the select's "nobody" (the cause of "resubmission loses the assignment")."""
    public_id, _ = submitted(app, seller(1))
    client, token = desk(app, "li.na@example.com")
    client.post(
        f"/desk/applications/{public_id}/assign",
        data={"csrf_token": token, "assignee": "", "take": "me"},
    )
    with app.app_context():
        assert repository.get_application(public_id).assignee_id is not None


def test_a_reason_id_that_is_no_number_names_no_reason(app: Flask):
    """``reason=²`` (a digit to str.isdigit, not to int) answered 500: it names no
    template, like any id that does not exist, and the rest of the decision stands."""
    public_id, _ = submitted(app, seller(1, store__rating=3.9))
    client, token = desk(app, "li.na@example.com")
    answer = decide(
        client, token, public_id, outcome="rejected", reason=["²", "9" * 30], comment="x"
    )
    assert answer.status_code == 302
    assert state_of(app, public_id) == "rejected"


def test_the_last_day_there_is_ends_the_queue_filter_instead_of_a_500(app: Flask):
    """The queue ends a ``to`` filter on the next day, which ``9999-12-31`` has not."""
    public_id, _ = submitted(app, seller(1))
    client, _token = desk(app, "li.na@example.com")
    answer = client.get("/desk/?to=9999-12-31")
    assert answer.status_code == 200 and public_id in answer.text
    answer = client.get("/desk/?from=9999-12-31&to=9999-12-31")
    assert answer.status_code == 200 and public_id not in answer.text


def test_the_audit_log_names_actions_in_words_and_applications_by_public_id(app: Flask):
    """The log showed raw action codes (``viewed``) and the applications' internal database
    ids (``4``): it now says what happened in the reader's language and links the ``A-…``
    id of each application the desk can open."""
    public_id, _ = submitted(app, seller(1))
    client, _token = desk(app, "lead@example.com", role="admin")
    client.get(f"/desk/applications/{public_id}")
    client.set_cookie("lang", "zh_Hans")
    log = client.get("/desk/audit").text
    rows = log[log.index("<tbody>") :]
    assert 'data-action="viewed">已查看</td>' in rows and ">viewed</td>" not in rows
    assert f'<a href="/desk/applications/{public_id}">{public_id}</a>' in rows
    with app.app_context():
        internal = repository.get_application(public_id).id
    assert f"<td>{internal}</td>" not in rows


def test_the_queue_filters_by_agency_chosen_by_name(app: Flask):
    """The agency filter was a box for the agency's internal number; it is a list of the
    agencies by name, and the one chosen stays selected."""
    from onboard.agencies import keys  # noqa: PLC0415

    with app.app_context():
        agency = keys.create_agency("Starriver Partners")
        db.session.commit()
        agency_id = agency.id
    client, _token = desk(app, "li.na@example.com")
    queue = client.get(f"/desk/?agency={agency_id}").text
    chosen = re.search(r'<select name="agency">(.*?)</select>', queue, re.S)
    assert chosen, "no agency list"
    assert f'<option value="{agency_id}" selected>Starriver Partners</option>' in chosen[1]
