"""The agencies' portal in a real browser (Debian's chromium, headless, driven by Playwright):
accept the invitation, log in, upload the sample workbook with progress, follow the batch,
filter its rows, download CSV and XLSX, read the report on a phone, see another agency's
batch refused, and invite a client whose draft opens prefilled. axe-core finds no WCAG
2.1 A/AA violation on any portal page; no page scrolls sideways at 390 px. Screenshots go
to ``test-artifacts/screenshots/agency-*.png``."""

from __future__ import annotations

import io
import time
from pathlib import Path

import openpyxl
import pytest
from flask import Flask

from onboard.agencies import keys, samples, users
from onboard.extensions import db
from tests.browser import SCREENSHOTS, axe_violations

pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}


def invitation(app: Flask, agency_name: str, email: str) -> str:
    with app.app_context():
        agency = keys.find_agency(agency_name) or keys.create_agency(agency_name)
        _, token = users.invite(agency, email, "Zhou Min")
        db.session.commit()
    return f"/agency/invitation/{token}"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"agency-{name}.png"), full_page=True)


def no_violations(page) -> None:
    found = axe_violations(page)
    assert found == [], found


def fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: {scroll} px wide at {width}"


def set_password(page, base: str, link: str) -> None:
    page.goto(base + link)
    page.fill("#new-password", PASSWORD)
    page.fill("#new-password-again", PASSWORD)
    page.get_by_role("button", name="Save and log in").click()
    page.wait_for_url(base + "/agency/")


def test_the_portal_journey(live, browser):
    app, base = live
    link = invitation(app, "星河代运营", "zhou@xinghe.example")
    context = browser.new_context(
        bypass_csp=True, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    set_password(page, base, link)

    # Log out and in again, as on any other day.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/agency/login")
    no_violations(page)
    page.fill("#login-email", "zhou@xinghe.example")
    page.fill("#login-password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/agency/")
    no_violations(page)

    # Upload the sample workbook; the request is held back a moment so that the progress
    # shown while it is sent can be seen.
    body, _ = samples.sample_file("sample.xlsx")
    sample = Path(SCREENSHOTS.parent / "sample.xlsx")
    sample.parent.mkdir(parents=True, exist_ok=True)
    sample.write_bytes(body)

    def slow(route) -> None:
        time.sleep(0.8)
        route.continue_()

    page.route("**/agency/batches", slow)
    page.set_input_files("#batch-file", str(sample))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_selector("#upload-status", state="visible")
    assert page.locator("#upload-progress").get_attribute("max") == "100"
    page.wait_for_url("**/agency/batches/B-*")
    page.unroute("**/agency/batches")
    batch_url = page.url
    for _ in range(40):  # the page refreshes itself while the batch is checked
        if "done" in page.locator("#batch-state").inner_text():
            break
        time.sleep(0.5)
        page.reload()
    assert "5 of 5 rows" in page.locator("#batch-state").inner_text()
    assert page.locator("#batch-progress").get_attribute("value") == "5"
    assert page.locator("#clients tbody tr").count() == 5
    no_violations(page)
    shot(page, "batch")

    # Filter by verdict, then by failing rule.
    page.select_option("#filter-verdict", "error")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**verdict=error**")
    assert page.locator("#clients tbody tr").count() == 1
    assert "KH-005" in page.locator("#clients").inner_text()
    page.goto(batch_url + "?rule=store.rating")
    assert page.locator("#clients tbody tr").count() == 1
    assert "KH-002" in page.locator("#clients").inner_text()

    # Downloads.
    page.goto(batch_url)
    with page.expect_download() as caught:
        page.locator("ul.downloads a", has_text="CSV").click()
    data = Path(caught.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"KH-005" in data
    with page.expect_download() as caught:
        page.locator("ul.downloads a", has_text="XLSX").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(caught.value.path()).read_bytes()))
    assert book.worksheets[0]["C7"].value == "KH-005"

    # The report, and every page, on a phone: no sideways scrolling.
    phone = browser.new_context(
        bypass_csp=True, locale="zh-CN", viewport=PHONE, storage_state=context.storage_state()
    )
    small = phone.new_page()
    for path in (batch_url, batch_url + "/report.html", base + "/agency/", base + "/agency/keys"):
        small.goto(path)
        fits(small, PHONE["width"])
    small.goto(batch_url)
    no_violations(small)
    shot(small, "batch-phone-zh")
    small.goto(batch_url + "/report.html")
    shot(small, "report-phone")

    # Invite a client: the draft opens prefilled for them.
    page.locator("#row-2 button", has_text="Invite to apply").click()
    private = page.locator("#private-link").inner_text().strip()
    # Read and copied by hand: full size (it was 13 px) and selected whole in one click.
    shown = page.locator("#private-link")
    assert shown.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 16
    assert shown.evaluate("e => getComputedStyle(e).userSelect") == "all"
    no_violations(page)
    shot(page, "link")
    client = browser.new_context(bypass_csp=True, locale="zh-CN").new_page()
    client.goto(private)
    assert "/apply/" in client.url
    # the link shows the draft's status page (issue 15); from there the steps, prefilled
    client.get_by_role("link", name="从上次的位置继续").click()
    client.wait_for_load_state("load")
    assert client.locator("input[value='广州市云帆贸易有限公司']").count() == 1

    # Another agency's person gets a 404 for this batch.
    other_link = invitation(app, "Rival", "li@rival.example")
    rival = browser.new_context(bypass_csp=True, locale="en-US").new_page()
    set_password(rival, base, other_link)
    answer = rival.goto(batch_url)
    assert answer is not None and answer.status == 404
    assert rival.goto(batch_url + "/results.csv").status == 404

    # Keys page.
    page.goto(base + "/agency/keys")
    page.fill("#key-name", "ERP")
    page.get_by_role("button", name="Create a key").click()
    assert page.locator("#new-key").inner_text().startswith("obk_")
    no_violations(page)
