"""What a walk of the Hong Kong applicant's journey found, in a real browser (Debian's
chromium under Playwright):

- "Continue to review" with files chosen uploaded them card by card, then only opened the
  review page: the documents step was never marked done, so the step list showed it
  unfinished beside six finished ones. The button is now posted once the files are in.
"""

from __future__ import annotations

import pytest

from tests import imagefactory

pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _documents_done(page) -> bool:
    documents = page.locator(".progress-step").nth(5)
    return "done" in (documents.get_attribute("class") or "")


@pytest.mark.parametrize(("lang", "width"), [("zh", "desktop"), ("en", "phone")])
def test_continue_to_review_with_files_chosen_marks_the_documents_step_done(
    live, browser, lang: str, width: str
):
    _app, base = live
    words = {
        "zh": ("开始申请", "保存", "继续核对"),
        "en": ("Start an application", "Save", "Continue to review"),
    }
    start, save, review = words[lang]
    context = browser.new_context(
        locale="zh-CN" if lang == "zh" else "en-US", viewport=WIDTHS[width]
    )
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_role("button", name=start, exact=True).click()
    page.wait_for_url("**/company?new=1")
    page.check("#f-entity-region-HK")
    page.get_by_role("button", name=save, exact=True).click()
    page.wait_for_load_state("load")
    page.goto(page.url.split("/company")[0] + "/documents")
    assert page.locator("#doc-hk_incorporation_certificate").count() == 1
    photo = imagefactory.id_card_jpeg(1200)
    page.set_input_files(
        "#file-legal_rep_id", {"name": "id.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    page.get_by_role("button", name=review, exact=True).click()
    page.wait_for_url("**/review")
    page.wait_for_load_state("load")
    assert page.locator("#doc-legal_rep_id").count() == 0  # on the review page, uploaded
    assert _documents_done(page), page.locator(".progress").inner_html()
    # Nothing chosen: the button posts the form as it always did, and the step stays done.
    page.goto(page.url.rsplit("/", 1)[0] + "/documents")
    assert page.locator("#doc-legal_rep_id .thumb img").count() == 1
    page.get_by_role("button", name=review, exact=True).click()
    page.wait_for_url("**/review")
    assert _documents_done(page)
    context.close()
