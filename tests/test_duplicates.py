"""Duplicates across live applications, race-safe: the unique (field, value) of the
``live_claim`` table decides which of two submissions at once holds a value; the other is
flagged as its duplicate — on SQLite and on PostgreSQL, never an error."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import func, select

from onboard import repository
from onboard.extensions import db
from onboard.models import LiveClaim
from tests.deskflow import draft, seller, submitted

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
    from onboard import review  # noqa: PLC0415
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
                repository.submit(record)
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
    from onboard import auth, review  # noqa: PLC0415
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
        repository.submit(record)
        db.session.commit()
        emails = db.session.scalars(
            select(LiveClaim.value).where(LiveClaim.field == "contact.email")
        ).all()
        assert emails == ["new@example.cn"]
    assert set(
        statuses(db_app, submitted(db_app, seller(2, contact__email="ops1@example.cn"))[0]).values()
    ) == {"pass"}
