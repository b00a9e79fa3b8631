"""The whole applicant journey in a real browser: Debian's chromium, headless, driven by
Playwright (never a downloaded browser), against the app served on a free loopback port.

One journey per language: start, the license photo read by OCR with the look-alike character
highlighted, every step, a file refused by the browser and one refused by the server, good
uploads, leaving and coming back by the private link in a fresh browser, submitting. A
screenshot of each step goes to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests import imagefactory
from tests.applyflow import ensure_catalogues
from tests.browser import SCREENSHOTS, chromium, served
from tests.conftest import make_app

pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

LOOKALIKE = {"0": "O", "5": "S", "1": "I", "2": "Z", "8": "B"}
TEXT = {
    "zh": {
        "start": "开始申请",
        "continue": "保存并继续",
        "upload_read": "上传并识别",
        "upload": "上传",
        "review": "继续核对",
        "submit": "提交申请",
        "sent": "专属链接已发送至",
        "refused": "文件不是图片",
        "too_large": "请选择 JPEG、PNG 或 BMP 图片",
    },
    "en": {
        "start": "Start an application",
        "continue": "Save and continue",
        "upload_read": "Upload and read",
        "upload": "Upload",
        "review": "Continue to review",
        "submit": "Submit application",
        "sent": "We sent your private link to",
        "refused": "the file is not an image",
        "too_large": "Choose a JPEG, PNG or BMP image.",
    },
}


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    ensure_catalogues()
    app = make_app(tmp_path, ONBOARD_OCR=True)
    with served(app) as base:
        yield app, base


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


class Journey:
    def __init__(self, browser, base: str, lang: str) -> None:
        self.browser, self.base, self.lang = browser, base, lang
        self.text = TEXT[lang]
        self.shots = 0
        self.context = self.new_context()
        self.page = self.context.new_page()

    def new_context(self):
        locale = "zh-CN" if self.lang == "zh" else "en-US"
        return self.browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})

    def shot(self, name: str) -> None:
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.lang}-{self.shots:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def fill(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            self.page.fill(f'[name="{name}"]', value)

    def proceed(self, expected_step: str) -> None:
        self.page.get_by_role("button", name=self.text["continue"], exact=True).click()
        self.page.wait_for_url(f"**/{expected_step}*")


def png_file(name: str, content: bytes, mime: str = "image/png") -> dict[str, object]:
    return {"name": name, "mimeType": mime, "buffer": content}


def company_step(journey: Journey, code: str, license_photo: bytes) -> None:
    page = journey.page
    assert page.locator("#resume-link").input_value().startswith(journey.base + "/apply/")
    journey.shot("start")
    page.check("#f-entity-region-CN")
    position = next(i for i, ch in enumerate(code) if ch in LOOKALIKE)
    typed = code[:position] + LOOKALIKE[code[position]] + code[position + 1 :]
    journey.fill({"entity.company_name": "深圳市星河跨境电子商务有限公司"})
    journey.fill({"entity.license_number": typed})
    page.check("#f-entry-mode-standard")
    assert page.locator("#f-entry-invitation-code-field").is_hidden()
    page.check("#f-entry-mode-invitation")  # the code field follows the answer
    assert page.locator("#f-entry-invitation-code-field").is_visible()
    page.check("#f-entry-mode-standard")
    page.set_input_files("#license-file", png_file("license.jpg", license_photo, "image/jpeg"))
    page.get_by_role("button", name=journey.text["upload_read"]).click()
    page.wait_for_url("**/company#license")
    flagged = page.locator("[data-reading] mark.flagged")
    assert flagged.count() == 1 and flagged.first.inner_text().startswith(code[position])
    assert page.locator(".license-number.typed mark.flagged").inner_text() == typed[position]
    journey.shot("license-ocr")
    journey.fill({"entity.license_number": code})  # corrected after the highlight
    journey.proceed("legal_rep")


def form_steps(journey: Journey) -> None:
    page = journey.page
    journey.fill({"legal_rep.name": "张伟", "legal_rep.id_number": "440524198301010015"})
    page.select_option("#f-legal-rep-id-type", "cn_resident_id")
    journey.shot("legal-rep")
    journey.proceed("contact")
    journey.fill({"contact.phone": "+86 138 0013 8000", "contact.email": "ops@example.cn"})
    journey.proceed("store")
    assert journey.text["sent"] in page.locator(".flashes").inner_text()
    assert page.locator("#f-store-rating-field").is_hidden()
    page.select_option("#f-store-platform", "amazon")
    assert page.locator("#f-store-account-health-field").is_visible()
    assert page.locator("#f-store-positive-feedback-pct-field").is_hidden()
    journey.fill(
        {
            "store.url": "https://www.amazon.com/sp?ie=UTF8&seller=A2EXAMPLE12345",
            "store.registered_entity": "深圳市星河跨境电子商务有限公司",
            "store.opened_on": "2025-03-01",
            "store.rating": "46",  # a slip: the server says what is wrong, next to the field
            "store.account_health": "310",
        }
    )
    page.select_option("#f-store-main-category", "home_supplies")
    journey.proceed("store")
    assert page.locator("#f-store-rating").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-store-rating-error").is_visible()
    journey.shot("store-error")
    journey.fill({"store.rating": "4.6"})
    journey.proceed("shop")
    journey.fill({"shop.name": "Starriver Home"})
    page.select_option("#f-shop-main-category", "home_supplies")
    page.check("#f-fulfillment-method-us_warehouse")
    journey.shot("shop")
    journey.proceed("documents")


def documents_step(journey: Journey) -> None:
    page = journey.page
    # refused in the browser: not an image type, nothing is sent
    page.set_input_files("#file-legal_rep_id", png_file("id.pdf", b"%PDF-1.7", "application/pdf"))
    check = page.locator("#file-legal_rep_id-check")
    assert check.is_visible() and journey.text["too_large"] in check.inner_text()
    # refused by the server: claims to be a PNG, is HTML
    fake = png_file("id.png", b"<html><body>not an image</body></html>")
    page.set_input_files("#file-legal_rep_id", fake)
    page.locator("#doc-legal_rep_id").get_by_role("button", name=journey.text["upload"]).click()
    page.wait_for_load_state()
    assert journey.text["refused"] in page.locator("#file-legal_rep_id-error").inner_text()
    journey.shot("upload-refused")
    for kind in ("legal_rep_id", "gmv_screenshot", "seller_info_screenshot",
                 "account_health_screenshot"):  # fmt: skip
        page.set_input_files(f"#file-{kind}", png_file(f"{kind}.png", imagefactory.png(480, 320)))
        page.locator(f"#doc-{kind}").get_by_role("button", name=journey.text["upload"]).click()
        page.wait_for_url(f"**/documents#doc-{kind}")
    assert page.locator(".document .thumb img").count() == 5
    journey.shot("documents")


def resume_and_submit(journey: Journey, link: str) -> None:
    journey.context.close()  # leave: a fresh browser has no cookie, only the link
    journey.context = journey.new_context()
    journey.page = page = journey.context.new_page()
    page.goto(link)
    page.wait_for_url("**/documents")
    assert page.locator(".document .thumb img").count() == 5
    page.get_by_role("link", name=journey.text["review"]).click()
    page.wait_for_url("**/review")
    assert page.locator(".result").count() > 15
    journey.shot("review")
    page.get_by_role("button", name=journey.text["submit"]).click()
    page.wait_for_url("**/submitted")
    assert page.locator(".verdict").is_visible()
    assert page.locator(".result-fail").count() == 0
    journey.shot("submitted")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_whole_journey(live_app: tuple[Flask, str], browser, lang: str):
    from tests.licensefactory import license_sample  # noqa: PLC0415

    _app, base = live_app
    sample = license_sample(1)
    journey = Journey(browser, base, lang)
    journey.page.goto(base + "/")
    journey.page.get_by_role("button", name=journey.text["start"]).click()
    journey.page.wait_for_url("**/company?new=1")
    link = journey.page.locator("#resume-link").input_value()
    company_step(journey, sample.code, sample.image)
    form_steps(journey)
    documents_step(journey)
    resume_and_submit(journey, link)


def test_the_form_fits_a_phone(live_app: tuple[Flask, str], browser):
    _app, base = live_app
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    page.goto(base + "/apply/")
    page.get_by_role("button", name=TEXT["zh"]["start"]).click()
    page.wait_for_url("**/company?new=1")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "phone-company.png"), full_page=True)
    page.keyboard.press("Tab")  # the skip link comes first for keyboard users
    assert page.evaluate("document.activeElement.className") == "skip"
    context.close()
