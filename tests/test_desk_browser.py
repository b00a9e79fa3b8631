"""The reviewer desk in a real browser (Debian's chromium, headless, driven by Playwright):
log in, work the queue, see the duplicate and the failed check, ask for changes with a
reason; then the applicant opens the emailed link and sees what to fix. Screenshots go to
``test-artifacts/screenshots/desk-*.png``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage

import pytest
from flask import Flask
from sqlalchemy import select

from onboard.extensions import db
from onboard.models import OutboxEmail
from tests.browser import SCREENSHOTS, axe_violations
from tests.conftest import body_of, mail_of, sent_as
from tests.deskflow import PASSWORD, add_user, seller, submitted

pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture
def desk_mail(live: tuple[Flask, str]) -> Iterator[list[EmailMessage]]:
    """What the served app sends, as it went out (the outbox keeps private links masked)."""
    with mail_of(live[0]) as sent:
        yield sent


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"desk-{name}.png"), full_page=True)


def test_a_reviewer_works_the_queue_and_the_applicant_fixes(live, desk_mail, browser):
    app, base = live
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
    assert page.locator(".doc-panels img").count() >= 5
    page.wait_for_load_state("load")
    loaded = "imgs => imgs.every(i => i.complete && i.naturalWidth > 0)"
    assert page.locator(".doc-panels img").evaluate_all(loaded)
    shot(page, "application")

    page.get_by_role("button", name="Take it").click()
    page.wait_for_url(f"**/desk/applications/{near}")
    page.locator("#checklist input[value=ok]").evaluate_all("els => els.forEach(e => e.click())")
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_url(f"**/desk/applications/{near}#checklist")
    page.check("#outcome-changes_requested")
    page.locator('#decide input[data-code="store.rating"]').check()
    page.fill("#comment", "请上传最新的店铺评分截图。")
    page.fill("#note", "second store of the same owner?")
    page.get_by_role("button", name="Save the decision and email the applicant").click()
    page.wait_for_url(base + "/desk/")
    assert "Decision saved" in page.locator(".flashes").inner_text()
    assert page.locator(f'tr[data-id="{near}"]').count() == 0  # no longer waiting
    context.close()

    with app.app_context():
        mail = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.purpose == "decision_changes_requested")
        )
        link = re.search(r"http://\S+/apply/\S+/", body_of(sent_as(desk_mail, mail)))[0]
    applicant = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = applicant.new_page()
    page.goto(link.replace("http://localhost", base))
    page.wait_for_url("**/status")  # the private link shows where the application stands
    banner = page.locator("#decision")
    assert "审核员要求修改" in banner.inner_text() and "店铺评分" in banner.inner_text()
    assert "second store" not in page.content()
    shot(page, "applicant-changes")
    applicant.close()


# --- the whole desk journey, and every desk page under axe-core at two widths --------------

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def no_axe_violations(page, where: str, found: dict[str, object] | None = None) -> None:
    """Assert no violation, or (``found`` given) collect them to assert all at once."""
    violations = axe_violations(page)
    if found is None:
        assert violations == [], f"{where}: {violations}"
    elif violations:
        found[where] = violations


def sideways_scroll(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/desk/login")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/desk/")


def test_the_desk_journey(live, desk_mail, browser):
    """Log in, work the queue, open an application, tick the checklist (failing one item
    with a note), approve another application against its verdict with a reason, ask for
    changes; the applicant corrects and resubmits; the assignment is kept; approve."""
    app, base = live
    add_user(app, "reviewer", "li.na@example.com")
    near, _ = submitted(app, seller(1, store__rating=3.9), locale="zh")
    other, _ = submitted(app, seller(2, fulfillment__method="none"))

    context = browser.new_context(locale="en-US", viewport=WIDTHS["desktop"])
    page = context.new_page()
    log_in(page, base, "li.na@example.com")
    assert page.locator("tr.queue-row").count() == 2
    assert page.locator(f'tr[data-id="{near}"] td.age').inner_text().startswith("0 days")
    shot(page, "journey-1-queue")

    # an approval against the verdict: the page says what it overrides and wants a reason
    page.goto(f"{base}/desk/applications/{other}")
    page.locator("#checklist input[value=ok]").evaluate_all("els => els.forEach(e => e.click())")
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_url(f"**/desk/applications/{other}#checklist")
    assert not page.locator("#override-approved").is_visible()
    page.check("#outcome-approved")
    warning = page.locator("#override-approved")
    assert warning.is_visible() and "not eligible yet" in warning.inner_text()
    page.get_by_role("button", name="Save the decision and email the applicant").click()
    page.wait_for_url(f"**/desk/applications/{other}#decide")
    assert "give the reason" in page.locator(".flashes").inner_text()
    page.check("#outcome-approved")
    page.fill("#override_reason", "ships from a partner's US warehouse; contract seen")
    shot(page, "journey-2-override")
    page.get_by_role("button", name="Save the decision and email the applicant").click()
    page.wait_for_url(base + "/desk/")

    # the near miss: summary first, take it, the checklist with a failed item, ask for changes
    page.locator(f'a[href="/desk/applications/{near}"]').click()
    page.wait_for_url(f"**/desk/applications/{near}")
    summary = page.locator("#summary")
    assert "Store rating" in summary.inner_text() or "rating" in summary.inner_text()
    box = summary.bounding_box()
    assert box is not None and box["y"] < 900  # above the fold
    page.get_by_role("button", name="Take it").click()
    page.wait_for_url(f"**/desk/applications/{near}")
    zoom = page.locator(".zoom-figure")
    page.get_by_role("button", name="Zoom in").click()
    assert zoom.get_attribute("data-zoom") == "2"
    page.locator("#checklist input[value=ok]").evaluate_all("els => els.forEach(e => e.click())")
    page.check("#mark-manual-gmv_12_months-fail")
    page.fill("#note-manual-gmv_12_months", "the screenshot shows 6 months")
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_url(f"**/desk/applications/{near}#checklist")
    assert "marked-fail" in page.locator('[data-item="manual.gmv_12_months"]').get_attribute(
        "class"
    )
    shot(page, "journey-3-application")
    page.check("#outcome-changes_requested")
    page.locator('#decide input[data-code="store.rating"]').check()
    page.locator('#decide input[data-code="manual.gmv_12_months"]').check()
    page.fill("#comment", "请上传最新的店铺评分截图和 12 个月的 GMV 截图。")
    page.get_by_role("button", name="Save the decision and email the applicant").click()
    page.wait_for_url(base + "/desk/")

    # the applicant corrects the rating and submits again
    with app.app_context():
        mail = db.session.scalar(
            select(OutboxEmail).where(OutboxEmail.purpose == "decision_changes_requested")
        )
        link = re.search(r"http://\S+/apply/(\S+?)/", body_of(sent_as(desk_mail, mail)))[1]
    applicant = browser.new_context(locale="zh-CN", viewport=WIDTHS["phone"])
    form = applicant.new_page()
    form.goto(f"{base}/apply/{link}/store")
    form.fill('[name="store.rating"]', "4.6")
    form.get_by_role("button", name="保存并继续", exact=True).click()
    form.wait_for_load_state("load")
    form.goto(f"{base}/apply/{link}/review")
    form.get_by_role("button", name="提交申请").click()
    form.wait_for_url("**/status")
    applicant.close()

    # back on the desk: version 2, still assigned to the reviewer who took it
    page.goto(base + "/desk/")
    row = page.locator(f'tr[data-id="{near}"]')
    assert "version 2" in row.inner_text() and row.locator("td.assignee").inner_text() == "Reviewer"
    page.locator(f'a[href="/desk/applications/{near}"]').click()
    page.wait_for_url(f"**/desk/applications/{near}")
    changes = page.locator("#changes")
    assert "4.6" in changes.inner_text() and "3.9" in changes.inner_text()
    assert page.locator("#assignee option:checked").inner_text() == "Reviewer"
    page.locator("#checklist input[value=ok]").evaluate_all("els => els.forEach(e => e.click())")
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_url(f"**/desk/applications/{near}#checklist")
    page.check("#outcome-approved")
    assert (
        not page.locator("#override-approved").count()
        or not page.locator("#override-approved").is_visible()
    )
    shot(page, "journey-4-resubmitted")
    page.get_by_role("button", name="Save the decision and email the applicant").click()
    page.wait_for_url(base + "/desk/")
    assert "Decision saved" in page.locator(".flashes").inner_text()
    with app.app_context():
        from onboard import repository  # noqa: PLC0415

        assert repository.get_application(near).state == "approved"
        assert repository.get_application(other).state == "approved"
    context.close()


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_desk_page_passes_axe(live, browser, width: str):
    app, base = live
    add_user(app, "admin", "admin@example.com")
    first, _ = submitted(app, seller(1, store__rating=3.9))
    second, _ = submitted(
        app, seller(2, store__opened_on=date(2026, 10, 1), contact__phone=seller(1).contact.phone)
    )
    # axe-core is injected as an inline script: the page's CSP (script-src 'self') would
    # refuse it, so this context alone bypasses CSP (the app's headers are unchanged).
    context = browser.new_context(locale="en-US", viewport=WIDTHS[width], bypass_csp=True)
    page = context.new_page()
    page.goto(base + "/desk/login")
    no_axe_violations(page, f"login at {width}")
    log_in(page, base, "admin@example.com")
    pages = [
        "/desk/",
        "/desk/?status=all&sort=oldest",
        f"/desk/applications/{first}",
        f"/desk/applications/{second}",
        "/desk/outbox",
        "/desk/reasons",
        "/desk/users",
        "/desk/agencies",
        "/desk/audit",
        "/desk/settings",
    ]
    found: dict[str, object] = {}
    for path in [*pages, "/desk/?lang=zh", f"/desk/applications/{first}?lang=zh"]:
        page.goto(base + path)
        page.wait_for_load_state("load")
        no_axe_violations(page, f"{path} at {width}", found)
        if path == "/desk/" or "/desk/applications/" in path:
            assert sideways_scroll(page) <= 0, f"{path} scrolls sideways at {width}"
    assert found == {}
    page.goto(base + "/desk/?status=all&lang=en")
    shot(page, f"queue-{width}")
    page.goto(f"{base}/desk/applications/{second}")
    shot(page, f"application-{width}")
    context.close()
