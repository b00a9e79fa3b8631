"""Duplicates across live applications, race-safe: the unique (field, value) of the
``live_claim`` table decides which of two submissions at once holds a value; the other is
flagged as its duplicate — on SQLite and on PostgreSQL, never an error."""

from __future__ import annotations

import html
import re
import threading

import pytest
from flask import Flask
from sqlalchemy import func, select

from onboard import repository
from onboard.eligibility.ruleset import default_ruleset
from onboard.extensions import db
from onboard.models import AuditEvent, LiveClaim, OutboxEmail
from onboard.usecases import applications
from tests.applyflow import csrf_token, ensure_catalogues
from tests.deskflow import add_user, approve, draft, login, seller, submitted

DUPLICATE_CODES = ("entity.license_duplicate", "contact.phone", "contact.email", "shop.name_unique")


def statuses(app: Flask, public_id: str) -> dict[str, str]:
    with app.app_context():
        record = repository.get_application(public_id)
        evaluation = record.evaluations[-1]
        return {c.code: c.status for c in evaluation.checks if c.code in DUPLICATE_CODES}


def test_a_second_live_application_is_flagged_with_a_link(db_app: Flask):
    first, _ = submitted(db_app, seller(1))
    # same license and, written differently, the same shop name; other contacts
    second, _ = submitted(
        db_app,
        seller(
            2,
            entity__license_number=seller(1).entity.license_number,
            shop__name="  STARRIVER   home 1 ",
        ),
    )
    assert set(statuses(db_app, first).values()) == {"pass"}
    after = statuses(db_app, second)
    assert after["entity.license_duplicate"] == "fail" and after["shop.name_unique"] == "fail"
    assert after["contact.phone"] == after["contact.email"] == "pass"
    with db_app.app_context():
        record = repository.get_application(second)
        check = next(
            c for c in record.evaluations[-1].checks if c.code == "entity.license_duplicate"
        )
        assert first in str(check.evidence)


def test_a_rejected_application_frees_its_values(db_app: Flask):
    from onboard.usecases import review  # noqa: PLC0415
    from tests.deskflow import add_user  # noqa: PLC0415

    add_user(db_app, "reviewer")
    first, _ = submitted(db_app, seller(1))
    with db_app.app_context():
        from onboard import auth  # noqa: PLC0415

        record = repository.get_application(first)
        review.decide(
            record,
            "rejected",
            reviewer=auth.find_user("reviewer@example.com"),
            comment="no",
            override_reason="the seller withdrew",
        )
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(LiveClaim)) == 0
    second, _ = submitted(db_app, seller(1))
    assert set(statuses(db_app, second).values()) == {"pass"}


def _race(app: Flask, public_ids: list[str]) -> list[BaseException]:
    """Submit every draft at once, one thread (and database connection) each."""
    barrier = threading.Barrier(len(public_ids))
    errors: list[BaseException] = []

    def run(public_id: str) -> None:
        try:
            barrier.wait(timeout=20)
            with app.app_context():  # a request's work: read, submit, commit
                record = repository.get_application(public_id)
                applications.submit(record)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in public_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.slow
@pytest.mark.parametrize("rounds", [3])
def test_concurrent_submissions_exactly_one_wins(db_app: Flask, rounds: int):
    """Eight sellers with the same license, phone, email and shop name submit at the same
    instant, a few rounds over: each round exactly one holds every value, seven are flagged."""
    for round_ in range(rounds):
        same = seller(100 + round_)
        public_ids = [draft(db_app, same)[0] for _ in range(8)]
        assert _race(db_app, public_ids) == []
        results = [statuses(db_app, p) for p in public_ids]
        winners = [r for r in results if set(r.values()) == {"pass"}]
        losers = [r for r in results if set(r.values()) == {"fail"}]
        assert len(winners) == 1 and len(losers) == 7, results
        winner = public_ids[results.index(winners[0])]
        with db_app.app_context():
            record = repository.get_application(winner)
            for field, value in repository._claimed_values(record).items():
                rows = db.session.scalars(
                    select(LiveClaim.application_id).where(
                        LiveClaim.field == field, LiveClaim.value == value
                    )
                ).all()
                assert rows == [record.id]


def test_claims_follow_a_corrected_application(db_app: Flask):
    """A resubmission that changes its email lets go of the old one and claims the new."""
    from onboard import auth  # noqa: PLC0415
    from onboard.usecases import review  # noqa: PLC0415
    from tests.deskflow import add_user  # noqa: PLC0415

    add_user(db_app, "reviewer")
    first, _ = submitted(db_app, seller(1))
    with db_app.app_context():
        record = repository.get_application(first)
        review.decide(
            record,
            "changes_requested",
            reviewer=auth.find_user("reviewer@example.com"),
            comment="email",
        )
        repository.save_sections(record, {"contact": {"email": "new@example.cn"}})
        applications.submit(record)
        db.session.commit()
        emails = db.session.scalars(
            select(LiveClaim.value).where(LiveClaim.field == "contact.email")
        ).all()
        assert emails == ["new@example.cn"]
    assert set(
        statuses(db_app, submitted(db_app, seller(2, contact__email="ops1@example.cn"))[0]).values()
    ) == {"pass"}


# --- one truth: the holder keeps its value; every side says the same -----------------------


def _desk_statuses(page: str) -> dict[str, str]:
    return {
        code: status
        for status, code in re.findall(
            r'<tr class="check status-(\w+)[^"]*" data-code="([^"]+)"', page
        )
        if code in DUPLICATE_CODES
    }


def _duplicate_titles() -> dict[str, str]:
    """The English title of each duplicate check: the applicant's pages show titles, not
    rule codes (issue 15)."""
    ruleset = default_ruleset()
    titles = {ruleset.rule(code).title["en"]: code for code in DUPLICATE_CODES}
    assert len(titles) == len(DUPLICATE_CODES)
    others = {r.title["en"] for r in ruleset.rules if r.code not in DUPLICATE_CODES}
    assert not others & titles.keys(), "a duplicate check's title is not its own"
    return titles


def _applicant_statuses(page: str) -> dict[str, str]:
    found = re.findall(
        r'<li class="result result-(\w+)">\s*<div class="result-head">.*?'
        r'<strong class="result-title">([^<]+)</strong>',
        page,
        re.S,
    )
    titles = _duplicate_titles()
    return {titles[html.unescape(t)]: s for s, t in found if html.unescape(t) in titles}


def _submit_through_the_form(app: Flask, application) -> tuple[str, str]:
    """A draft submitted as the applicant does (so the receipt email goes out)."""
    public_id, token = draft(app, application)
    client = app.test_client()
    client.set_cookie("lang", "en")
    page = client.get(f"/apply/{token}/review").text
    assert (
        client.post(f"/apply/{token}/submit", data={"csrf_token": csrf_token(page)}).status_code
        == 302
    )
    return public_id, token


def _every_side(app: Flask, desk, public_id: str, token: str) -> dict[str, dict[str, str]]:
    applicant = app.test_client()
    applicant.set_cookie("lang", "en")
    with app.app_context():
        record = repository.get_application(public_id)
        stored = {
            c.code: c.status for c in record.evaluations[-1].checks if c.code in DUPLICATE_CODES
        }
        live = {
            c.code: c.status.value
            for c in applications.evaluate_record(record).checks
            if c.code in DUPLICATE_CODES
        }
    return {
        "stored": stored,
        "live": live,
        "desk": _desk_statuses(desk.get(f"/desk/applications/{public_id}").text),
        # once submitted, the review page leads to the status page: what the applicant reads
        "review page": _applicant_statuses(
            applicant.get(f"/apply/{token}/review", follow_redirects=True).text
        ),
        "status page": _applicant_statuses(applicant.get(f"/apply/{token}/status").text),
    }


def _receipt_says_duplicate(app: Flask, email: str) -> bool:
    with app.app_context():
        body = db.session.scalar(
            select(OutboxEmail.body).where(
                OutboxEmail.to == email, OutboxEmail.purpose == "submitted"
            )
        )
    return "mobile number" in body and "already" in body


def test_deciding_the_later_duplicate_never_flips_the_holder(db_app: Flask):
    """The first applicant holds the phone number; a later application uses it too. The
    reviewer approves the later one (overriding its duplicate): the holder's phone check
    stays `pass` and the later one's stays `fail`, on the desk, on each applicant's review and
    status pages, in the stored evaluation, in a fresh evaluation and in the receipt emails."""
    ensure_catalogues()
    first, first_token = _submit_through_the_form(db_app, seller(1))
    later, later_token = _submit_through_the_form(
        db_app, seller(2, contact__phone=seller(1).contact.phone)
    )
    desk = db_app.test_client()
    desk.set_cookie("lang", "en")
    token = login(desk, add_user(db_app, "reviewer"))
    desk.get(f"/desk/applications/{later}")
    decided = approve(db_app, desk, token, later, override_reason="same owner, second brand")
    assert decided.location == "/desk/"
    with db_app.app_context():
        assert repository.get_application(later).state == "approved"

    holder = _every_side(db_app, desk, first, first_token)
    duplicate = _every_side(db_app, desk, later, later_token)
    for side, statuses in holder.items():
        assert statuses["contact.phone"] == "pass", (side, statuses)
    for side, statuses in duplicate.items():
        if side in ("review page", "status page"):
            # an approved application's page gives the next steps, not the checks (issue 15):
            # it must never say `pass` for the value another application holds
            assert statuses.get("contact.phone", "fail") == "fail", (side, statuses)
        else:
            assert statuses["contact.phone"] == "fail", (side, statuses)
    assert not _receipt_says_duplicate(db_app, "ops1@example.cn")
    assert _receipt_says_duplicate(db_app, "ops2@example.cn")
    # the desk says which side holds the value, and links the other
    page = desk.get(f"/desk/applications/{first}").text
    summary = page[page.index('id="duplicates"') : page.index('id="changes"')]
    assert f'href="/desk/applications/{later}"' in summary and "holds the phone number" in summary


def test_a_rejected_holder_hands_its_value_to_the_next_and_every_side_follows(db_app: Flask):
    """Rejecting the holder frees its value: the application that has used it longest takes
    it, its stored checks are judged again (a `rechecked` audit event), and the desk and the
    applicant's pages say `pass` for it; the rejected one, corrected and resubmitted with
    the same number, is now the duplicate."""
    ensure_catalogues()
    first, _first_token = _submit_through_the_form(db_app, seller(1))
    later, later_token = _submit_through_the_form(
        db_app, seller(2, contact__phone=seller(1).contact.phone)
    )
    desk = db_app.test_client()
    desk.set_cookie("lang", "en")
    token = login(desk, add_user(db_app, "reviewer"))
    rejected = desk.post(
        f"/desk/applications/{first}/decision",
        data={
            "csrf_token": token,
            "outcome": "rejected",
            "comment": "withdrawn",
            "override_reason": "the seller asked to withdraw",
        },
    )
    assert rejected.location == "/desk/"
    later_sides = _every_side(db_app, desk, later, later_token)
    for side, statuses in later_sides.items():
        assert statuses["contact.phone"] == "pass", (side, statuses)
    with db_app.app_context():
        record = repository.get_application(later)
        assert record.verdict != "ineligible" and len(record.evaluations) == 2
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rechecked"))
        assert (
            event.application_id == record.id and event.detail["checks"]["contact.phone"] == "pass"
        )
        holder = repository.holders(record)["contact.phone"]
        assert holder == record.id
        # the rejected applicant sees the number is now someone else's before resubmitting
        first_record = repository.get_application(first)
        live = {c.code: c.status.value for c in applications.evaluate_record(first_record).checks}
        assert live["contact.phone"] == "fail"
        applications.submit(first_record)
        db.session.commit()
        assert {c.code: c.status for c in first_record.evaluations[-1].checks}[
            "contact.phone"
        ] == "fail"
