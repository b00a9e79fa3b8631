"""What a walk of the product in Chinese found, in a real browser (Debian's chromium under
Playwright): a Chinese page holds no English word or internal id, whatever the browser's own
language, and fits a phone.

- The portal's file controls were the browser's ("Choose File", "No file chosen" in an
  English browser): ours now, in the page's language, naming the file chosen.
- The batch page named rules by code (``store.rating``) and said "1 clients".
- The HTML report's verdict column scrolled sideways at 390 px once named in both languages.
- The batch's state left a dangling "·" on a phone, and its Chinese count said 已完成 twice.
"""

from __future__ import annotations

import pytest

from tests.test_agency_portal_browser import PHONE, fits, invitation, no_violations
from tests.test_portal_gaps_browser import english_in, set_password, upload, wait_done

pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


def test_a_chinese_portal_in_an_english_browser_is_chinese(live, browser, tmp_path):
    from onboard.agencies import samples  # noqa: PLC0415

    app, base = live
    link = invitation(app, "星河代运营", "zhou@xinghe.example")
    context = browser.new_context(bypass_csp=True, locale="en-US", viewport=PHONE)
    context.add_cookies([{"name": "lang", "value": "zh_Hans", "url": base}])
    page = context.new_page()
    set_password(page, base, link)

    form = page.locator("#upload-form")
    assert english_in(form.inner_text()) == [], form.inner_text()
    assert "选择文件" in form.inner_text() and "未选择文件" in form.inner_text()
    page.set_input_files("#batch-file", {"name": "客户.csv", "mimeType": "text/csv", "buffer": b""})
    assert "客户.csv" in page.locator("#batch-file + label + [data-file-name]").inner_text()
    no_violations(page)
    fits(page, PHONE["width"])

    body, _ = samples.sample_file("sample.csv")
    upload(page, base, body, "sample.csv", tmp_path)
    wait_done(page)
    page.reload()
    summary = page.locator("#summary-title + *").locator("xpath=..").inner_text()
    clients = page.locator("#clients").inner_text()
    own = ("KH",)  # the agency's refs (KH-001 …)
    assert english_in(summary) == [], summary
    assert english_in(clients, own) == [], clients
    assert "store.rating" not in page.locator("main").inner_text()
    state = page.locator("#batch-state").inner_text()
    assert "·" not in state and state.count("已完成") == 1, state  # no dangling separator
    boxes = [
        page.locator(f"#batch-state > {tag}").first.bounding_box() for tag in ("span", "progress")
    ]
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 20, boxes  # the state beside its bar on a phone
    fits(page, PHONE["width"])
    no_violations(page)

    page.goto(page.url + "/report.html")
    fits(page, PHONE["width"])  # the bilingual report, on a phone
    context.close()
