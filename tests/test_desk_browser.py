"""The reviewer desk in a real browser (Debian's chromium, headless, driven by Playwright):
log in, work the queue, see the duplicate and the failed check, ask for changes with a
reason; then the applicant opens the emailed link and sees what to fix. Screenshots go to
``test-artifacts/screenshots/desk-*.png``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from onboard.extensions import db
from onboard.mail import email_sent
from onboard.models import OutboxEmail
from tests.applyflow import ensure_catalogues
from tests.browser import SCREENSHOTS, chromium, served
from tests.conftest import body_of, make_app
from tests.deskflow import PASSWORD, add_user, seller, submitted

pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture
def live_desk(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    ensure_catalogues()
    app = make_app(tmp_path)
    with served(app) as base:
        yield app, base


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"desk-{name}.png"), full_page=True)


def _outbox_body(app: Flask) -> str:
    with app.app_context():
        mail = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.purpose == "decision_changes_requested")
        )
        return str(mail.body)


def test_a_reviewer_works_the_queue_and_the_applicant_fixes(live_desk, browser):
    app, base = live_desk
    sent: list[EmailMessage] = []
    email_sent.connect(lambda _app, message, **_: sent.append(message), sender=app, weak=False)
    add_user(app, "reviewer", "li.na@example.com")
    near, _ = submitted(app, seller(1, store__rating=3.9), locale="zh")
    copy, _ = submitted(app, seller(2, entity__license_number=seller(1).entity.license_number))
    submitted(app, seller(3))

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/desk/")
    page.wait_for_url("**/desk/login**")
    page.fill("#login-email", "li.na@example.com")
    page.fill("#login-password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/desk/")
    rows = page.locator("tr.queue-row")
    assert rows.count() == 3
    assert rows.first.get_attribute("data-id") == near  # the near miss comes first
    shot(page, "queue")

    page.locator(f'a[href="/desk/applications/{copy}"]').click()
    page.wait_for_url(f"**/desk/applications/{copy}")
    assert page.locator(f'#duplicates a[href="/desk/applications/{near}"]').is_visible()
    page.locator(f'#duplicates a[href="/desk/applications/{near}"]').click()
    page.wait_for_url(f"**/desk/applications/{near}")
    rating = page.locator('tr.check[data-code="store.rating"]')
    assert "status-fail" in rating.get_attribute("class") and "3.9" in rating.inner_text()
    assert page.locator(".doc-grid img").count() >= 5
    page.wait_for_load_state("load")
    loaded = "imgs => imgs.every(i => i.complete && i.naturalWidth > 0)"
    assert page.locator(".doc-grid img").evaluate_all(loaded)
    shot(page, "application")

    page.get_by_role("button", name="Take it").click()
    page.wait_for_url(f"**/desk/applications/{near}")
    page.check("#outcome-changes_requested")
    page.locator('#decide input[data-code="store.rating"]').check()
    page.fill("#comment", "请上传最新的店铺评分截图。")
    page.fill("#note", "second store of the same owner?")
    page.get_by_role("button", name="Save the decision and email the applicant").click()
    page.wait_for_url(base + "/desk/")
    assert "Decision saved" in page.locator(".flashes").inner_text()
    assert page.locator(f'tr[data-id="{near}"]').count() == 0  # no longer waiting
    context.close()

    # the link as it went out (the outbox keeps it masked)
    assert sent and "/apply/••••••••/" in _outbox_body(app)
    link = re.search(r"http://\S+/apply/[\w-]{16,}/", body_of(sent[-1]))[0]
    applicant = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = applicant.new_page()
    page.goto(link)
    page.wait_for_url("**/review")
    banner = page.locator("#decision")
    assert "审核员要求修改" in banner.inner_text() and "店铺评分" in banner.inner_text()
    assert "second store" not in page.content()
    shot(page, "applicant-changes")
    applicant.close()
