"""What a walk of the portal and the desk found after they were built, walked again in a real
browser (Debian's chromium under Playwright), in Chinese and English, at 1280 and 390 px:

- errors of an upload, of a row, of the webhook form and of the desk's account form read in
  the page's language;
- "Invite to apply" pressed again asks first (a dialog, or a page without JavaScript) and
  says the earlier link stopped working;
- the batch page asks for progress less and less often and stops once the batch is done;
- the desk and the portal keep their own sessions in one browser.

Screenshots go to ``test-artifacts/screenshots/gaps-*.png``; axe-core finds no WCAG 2.1
A/AA violation on the new pages and none scrolls sideways at 390 px."""

from __future__ import annotations

import json
import re
import time
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from onboard.agencies import samples
from onboard.extensions import db
from onboard.models import Batch
from tests.browser import SCREENSHOTS
from tests.deskflow import PASSWORD as DESK_PASSWORD
from tests.deskflow import add_user
from tests.test_agency_portal_browser import (
    PASSWORD as PORTAL_PASSWORD,
)
from tests.test_agency_portal_browser import (
    PHONE,
    fits,
    invitation,
    no_violations,
)

pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

DESKTOP = {"width": 1280, "height": 900}
#: Latin words a Chinese error text may hold: file formats and programs agencies use.
ALLOWED = {"api", "csv", "xlsx", "jsonl", "json", "zip", "utf", "gb18030", "gbk", "excel", "wps"}


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"gaps-{name}.png"), full_page=True)


def set_password(page, base: str, link: str) -> None:
    """Accept the invitation in whichever language the page is."""
    page.goto(base + link)
    page.fill("#new-password", PORTAL_PASSWORD)
    page.fill("#new-password-again", PORTAL_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(base + "/agency/")


def english_in(text: str, own: tuple[str, ...] = ()) -> list[str]:
    from tests.test_chinese_texts import foreign_words  # noqa: PLC0415

    return [w for w in foreign_words(text, own) if w.lower() not in ALLOWED]


def flash(page) -> str:
    return page.locator(".flash").first.inner_text()


def upload(page, base: str, body: bytes, name: str, tmp: Path) -> None:
    path = tmp / name
    path.write_bytes(body)
    page.goto(base + "/agency/")
    page.set_input_files("#batch-file", str(path))
    with page.expect_navigation():  # sent by agency.js with progress, then the answer opens
        page.locator("#upload-form button[type=submit]").click()


def wait_done(page) -> None:
    for _ in range(60):
        if page.locator("#batch-state[data-progress-url]").count() == 0:
            return
        time.sleep(0.5)
    raise AssertionError("the batch page did not open anew when the batch was done")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_errors_and_invitations_in_the_page_s_language(live, browser, tmp_path, language):
    app, base = live
    zh = language == "zh"
    link = invitation(app, "星河代运营", "zhou@xinghe.example")
    locale = "zh-CN" if zh else "en-US"
    context = browser.new_context(bypass_csp=True, locale=locale, viewport=DESKTOP)
    page = context.new_page()
    set_password(page, base, link)

    # An upload with an unknown column, and a GBK file with one damaged byte.
    upload(page, base, b"shop.name,store.ratingx\nA,1\n", "clients.csv", tmp_path)
    refused = flash(page)
    assert ("未知的列" if zh else "Unknown column") in refused
    if zh:
        assert english_in(refused, ("store.ratingx",)) == [], refused
    sample, _ = samples.sample_file("sample.csv")
    lines = sample.decode("utf-8-sig").encode("gb18030").split(b"\n")
    lines[3] += b"\xff"
    upload(page, base, b"\n".join(lines), "gbk.csv", tmp_path)
    refused = flash(page)
    assert ("第 4 行" if zh else "(line 4)") in refused, refused
    no_violations(page)
    shot(page, f"upload-refused-{language}")

    # The sample: the batch page polls, then opens anew once the batch is done.
    upload(page, base, sample, "sample.csv", tmp_path)
    wait_done(page)
    page.goto(page.url + "?verdict=error")
    fix = page.locator("#clients ul.fix").first.inner_text()
    assert ("店铺评分" if zh else "store.rating") in fix, fix
    if zh:
        assert english_in(fix) == [], fix
    page.goto(page.url.split("?")[0])
    no_violations(page)
    shot(page, f"batch-{language}")

    # Invite row 2, then press again: a dialog asks first; dismissed, nothing changes.
    page.locator("#row-2 button").click()
    first_link = page.locator("#private-link").inner_text().strip()
    page.go_back()
    page.reload()
    row = page.locator("#row-2")
    assert ("已邀请" if zh else "invited") in row.inner_text()
    questions: list[str] = []

    def dismiss(dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    row.locator("button").click()
    page.wait_for_timeout(300)
    assert questions and ("失效" if zh else "stop working") in questions[0]
    assert "/application" not in page.url
    # accepted: the new link, and the page says the first one stopped working
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button").click()
    page.wait_for_selector("#link-replaced")
    second_link = page.locator("#private-link").inner_text().strip()
    assert second_link != first_link
    no_violations(page)
    shot(page, f"link-replaced-{language}")
    applicant = browser.new_context(bypass_csp=True, locale=locale).new_page()
    assert applicant.goto(first_link).status == 404
    assert "/apply/" in applicant.goto(second_link).url

    # Without JavaScript the server asks on a page of its own.
    plain = browser.new_context(
        bypass_csp=True,
        locale=locale,
        java_script_enabled=False,
        viewport=PHONE,
        storage_state=context.storage_state(),
    ).new_page()
    batch_url = page.url.rsplit("/rows/", 1)[0]
    plain.goto(batch_url)
    plain.locator("#row-2 button").click()
    assert plain.locator("input[name=replace][value='1']").count() == 1
    fits(plain, PHONE["width"])
    shot(plain, f"relink-phone-{language}")
    plain.get_by_role("link", name="保留原链接" if zh else "Keep the earlier link").click()
    assert applicant.goto(second_link).status == 200  # still the valid link

    # The webhook form's refusals.
    page.goto(base + "/agency/keys")
    page.fill("#webhook-url", "http://127.0.0.1:8201/desk/")
    with page.expect_navigation():
        page.locator("#webhook-url").evaluate("e => e.form.submit()")
    refused = flash(page)
    assert ("未接受" if zh else "Refused") in refused, refused
    if zh:
        assert english_in(refused, ("127.0.0.1",)) == [], refused
    no_violations(page)
    shot(page, f"webhook-refused-{language}")
    phone = browser.new_context(
        bypass_csp=True, locale=locale, viewport=PHONE, storage_state=context.storage_state()
    ).new_page()
    for path in (batch_url, base + "/agency/keys", base + "/agency/"):
        phone.goto(path)
        fits(phone, PHONE["width"])
    phone.goto(batch_url)
    shot(phone, f"batch-phone-{language}")


def test_the_batch_page_backs_off_and_stops_when_done(live, browser):
    app, base = live
    link = invitation(app, "星河代运营", "zhou@xinghe.example")
    page = browser.new_context(bypass_csp=True, locale="zh-CN", viewport=DESKTOP).new_page()
    set_password(page, base, link)
    body, _ = samples.sample_file("sample.csv")
    page.set_input_files(
        "#batch-file", files=[{"name": "c.csv", "mimeType": "text/csv", "buffer": body}]
    )
    page.locator("#upload-form button[type=submit]").click()
    page.wait_for_url("**/agency/batches/B-*")
    wait_done(page)
    batch_url = page.url
    # Hold the batch as running, and answer the polls as the server would while it runs.
    with app.app_context():
        batch = db.session.scalar(select(Batch))
        batch.state = "running"
        db.session.commit()
    asked: list[float] = []
    answers = {"state": "running"}

    def progress(route) -> None:
        asked.append(time.monotonic())
        route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({"state": answers["state"], "done": 3, "total": 5}),
        )

    page.route("**/progress", progress)
    page.goto(batch_url)
    assert page.locator("#batch-state[data-progress-url]").count() == 1
    opened = time.monotonic()
    page.wait_for_timeout(10_500)
    # 2 s, then 3 s, then 4.5 s: at most three polls in ten seconds, and the gaps grow
    assert 2 <= len(asked) <= 3, asked
    gaps = [b - a for a, b in pairwise([opened, *asked])]
    assert all(later > earlier for earlier, later in pairwise(gaps)), gaps
    assert re.search(r"\b3\b.*\b5\b", page.locator("#batch-count").inner_text())
    # done: the page opens anew (the server's page of a done batch) and polls no more
    with app.app_context():
        batch = db.session.scalar(select(Batch))
        batch.state = "done"
        db.session.commit()
    answers["state"] = "done"
    page.wait_for_function("!document.querySelector('#batch-state[data-progress-url]')")
    count = len(asked)
    page.wait_for_timeout(5_000)
    assert len(asked) == count
    assert re.search(r"\b5\b.*\b5\b", page.locator("#batch-count").inner_text())


def test_the_desk_and_the_portal_keep_their_own_sessions(live, browser):
    app, base = live
    add_user(app, "admin", "admin@example.com")
    link = invitation(app, "星河代运营", "zhou@xinghe.example")
    context = browser.new_context(bypass_csp=True, locale="zh-CN", viewport=DESKTOP)
    page = context.new_page()
    set_password(page, base, link)
    page.goto(base + "/desk/login")
    page.fill("#login-email", "admin@example.com")
    page.fill("#login-password", DESK_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(base + "/desk/")
    names = sorted((c["name"], c["path"]) for c in context.cookies())
    assert ("onboard_agency", "/agency") in names and ("onboard_desk", "/desk") in names

    # the desk's account form says what is wrong in Chinese
    page.goto(base + "/desk/users")
    page.fill("input[name=email]", "new@example.com")
    page.fill("input[name=name]", "新同事")
    page.fill("input[name=password]", "short")
    with page.expect_navigation():
        page.locator("input[name=password]").evaluate("e => e.form.submit()")
    refused = flash(page)
    assert "密码至少" in refused and english_in(refused) == [], refused
    no_violations(page)
    shot(page, "desk-account-refused-zh")

    # logging out of the portal leaves the desk logged in, and the other way round
    page.goto(base + "/agency/")
    page.locator(".portal-nav form button").click()
    page.wait_for_url("**/agency/login")
    assert page.goto(base + "/desk/").url == base + "/desk/"
    shot(page, "desk-still-logged-in-zh")
    set_password_again = base + "/agency/login"
    page.goto(set_password_again)
    page.fill("#login-email", "zhou@xinghe.example")
    page.fill("#login-password", PORTAL_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(base + "/agency/")
    page.goto(base + "/desk/")
    page.locator("form[action$='/desk/logout'] button").click()
    page.wait_for_url("**/desk/login**")
    assert page.goto(base + "/agency/").url == base + "/agency/"
    phone = browser.new_context(
        bypass_csp=True, locale="zh-CN", viewport=PHONE, storage_state=context.storage_state()
    ).new_page()
    phone.goto(base + "/desk/login")
    fits(phone, PHONE["width"])
    shot(phone, "desk-login-phone-zh")
    phone.goto(base + "/agency/login")
    shot(phone, "agency-login-phone-zh")
