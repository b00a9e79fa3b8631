"""The applicant's whole journey in a real browser: Debian's chromium, headless, driven by
Playwright (never a downloaded browser), against ``onboard serve`` started as a real process
on an empty data folder (its schema migrated by the server itself).

Two journeys, Chinese at desktop width and English on a phone, and every page also checked
at the other width: start, every step with real uploads (the license photo read by OCR, the
ID photo, the screenshots), the look-alike reading taken with one click, a library's error
in the page's language, the language switched mid-step without losing what was typed, the
documents uploaded in one go (and a link followed with files chosen), leaving and coming back
through the private link, submitting, a reviewer's request for changes, the status page and
resubmission, then approval and the approved status page with its next steps.

On every page: axe-core (loaded from the copy ``make setup`` installs) reports no WCAG 2.1
A/AA violation, nothing scrolls sideways at 390 px, and the console stays free of errors (a
missing favicon was one). Screenshots go to ``test-artifacts/screenshots/journey-*.png``;
with ``ONBOARD_REFRESH_SCREENSHOTS=1`` the README's applicant screenshots
(``static/screenshots/``) are replaced by this run's.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from tests import imagefactory
from tests.applyflow import ensure_catalogues
from tests.browser import SCREENSHOTS, axe_violations, chromium, served
from tests.conftest import make_app
from tests.smtpbox import Mailbox, smtp_server

pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
README_SHOTS = ROOT / "static" / "screenshots"
DESK_EMAIL, DESK_PASSWORD = "reviewer@example.com", "correct horse battery staple"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LOOKALIKE = {"0": "O", "5": "S", "1": "I", "2": "Z", "8": "B"}

TEXT = {
    "zh": {
        "start": "开始申请",
        "continue": "保存并继续",
        "save": "保存",
        "upload_read": "上传并识别",
        "review": "继续核对",
        "upload": "上传已选择的文件",
        "submit": "提交申请",
        "draft": "草稿：尚未提交",
        "submitted": "已提交：等待审核",
        "changes": "需要修改",
        "approved": "已通过",
        "resubmit": "修改后重新提交",
        "to_review": "核对并提交",
        "market": "北美",
        "email_error": "@ 之后的部分",
        "other": "English",
        "nothing_stops": "没有阻碍您申请的问题",
    },
    "en": {
        "start": "Start an application",
        "continue": "Save and continue",
        "save": "Save",
        "upload_read": "Upload and read",
        "review": "Continue to review",
        "upload": "Upload the chosen files",
        "submit": "Submit application",
        "draft": "Draft: not submitted yet",
        "submitted": "Submitted: waiting for review",
        "changes": "Changes requested",
        "approved": "Approved",
        "resubmit": "Correct and submit again",
        "to_review": "Review and submit",
        "market": "North America",
        "email_error": "after the @ sign",
        "other": "中文",
        "nothing_stops": "Nothing stops your application",
    },
}


# --- the server: a real process on an empty data folder ---------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base: str
    data: Path
    mailbox: Mailbox  # what the server sent through SMTP (the outbox keeps links masked)


@pytest.fixture(scope="module")
def journey_smtp() -> Iterator[tuple[Mailbox, int]]:
    """The SMTP server the journey's server sends through: the applicant's inbox."""
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, journey_smtp: tuple[Mailbox, int]
) -> Iterator[Server]:
    ensure_catalogues()
    data = tmp_path_factory.mktemp("journey") / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    env.pop("DATABASE_URL", None)
    env.update(ONBOARD_DATA_DIR=str(data), ONBOARD_OCR="on", ONBOARD_NEW_PASSWORD=DESK_PASSWORD)
    mailbox, smtp_port = journey_smtp
    env["ONBOARD_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN / "onboard"), "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"onboard serve exited: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                requests.get(base + "/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening, or booting
                assert time.monotonic() < deadline, "onboard serve did not answer in 60 s"
                time.sleep(0.2)
        created = subprocess.run(
            [str(BIN / "onboard"), "users", "create", "--email", DESK_EMAIL, "--role", "reviewer"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert created.returncode == 0, created.stderr
        yield Server(base, data, mailbox)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The app in this process, on a threaded server (for other modules' browser tests)."""
    ensure_catalogues()
    app = make_app(tmp_path, ONBOARD_OCR=True)
    with served(app) as base:
        yield app, base


#: The elements that stick out of the page on the right, for a failure's message.
WIDER_THAN_PAGE = """() => {
  const limit = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > limit + 0.5)
    .slice(0, 8)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} ${e.getBoundingClientRect().right}`);
}"""


# --- one applicant, one language, one width ---------------------------------------------------


@dataclass
class Journey:
    browser: Any
    base: str
    lang: str
    width: str
    n: int
    shots: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.text = TEXT[self.lang]
        self.open_context()

    def open_context(self) -> None:
        self.context = self.browser.new_context(
            locale="zh-CN" if self.lang == "zh" else "en-US",
            viewport=WIDTHS[self.width],
            is_mobile=self.width == "phone",
            has_touch=self.width == "phone",
            bypass_csp=True,  # axe-core is injected into each page
        )
        self.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=self.base)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        self.page.on("dialog", lambda dialog: dialog.accept())

    def _console(self, message: Any) -> None:
        # A form posted with errors is answered 422 on purpose (its page shows them); Chromium
        # logs every 4xx page it loads as a console error, so those lines are not counted.
        if message.type in ("error", "warning") and "status of 422" not in message.text:
            self.console.append(f"{message.type}: {message.text} ({self.page.url})")

    # checking every page

    def audit(self, name: str) -> None:
        """Screenshot, accessibility and fit at this journey's width, then at the other."""
        page = self.page
        page.wait_for_load_state("load")
        other = "phone" if self.width == "desktop" else "desktop"
        for width in (self.width, other):
            page.set_viewport_size(WIDTHS[width])
            problems = axe_violations(page)
            assert problems == [], f"{name} at {width}: {problems}"
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            wide = page.evaluate(WIDER_THAN_PAGE) if overflow > 0 else []
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}: {wide}"
            if width == "phone":
                steps = page.locator(".progress-step")
                for index in range(steps.count()):  # every step reachable on a phone
                    assert steps.nth(index).is_visible(), f"{name}: step {index + 1} hidden"
            self.shot(f"{name}-{width}")
        page.set_viewport_size(WIDTHS[self.width])

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"journey-{self.lang}-{len(self.shots) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(str(path))

    # driving the form

    def fill(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            self.page.fill(f'[name="{name}"]', value)

    def button(self, name: str) -> Any:
        return self.page.get_by_role("button", name=name, exact=True)

    def proceed(self, expected: str) -> None:
        self.button(self.text["continue"]).click()
        self.page.wait_for_url(f"**/{expected}*")

    def value(self, name: str) -> str:
        return str(self.page.locator(f'[name="{name}"]').input_value())


def file(name: str, content: bytes, mime: str = "image/png") -> dict[str, object]:
    return {"name": name, "mimeType": mime, "buffer": content}


def drop(page: Any, selector: str, name: str, content: bytes) -> None:
    """Drop a PNG file onto ``selector`` as a desktop's drag and drop does."""
    page.evaluate(
        """([selector, name, data]) => {
          const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name, {type: "image/png"}));
          const target = document.querySelector(selector);
          for (const kind of ["dragover", "drop"]) {
            target.dispatchEvent(new DragEvent(kind, {dataTransfer: transfer, bubbles: true,
                                                      cancelable: true}));
          }
        }""",
        [selector, name, base64.b64encode(content).decode("ascii")],
    )


def seller(n: int) -> dict[str, str]:
    """The values of applicant ``n``: unique where the rules need them unique."""
    return {
        "phone": f"+86 138 0013 {8000 + n:04d}",
        "email": f"ops{n}@example.cn",
        "shop": f"Starriver Home {n}",
    }


# --- the reviewer desk, driven by its URLs and forms (its layout may change) -------------------


def desk_login(browser: Any, base: str) -> Any:
    context = browser.new_context(locale="en-US", viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.goto(base + "/desk/login")
    page.fill('input[name="email"]', DESK_EMAIL)
    page.fill('input[name="password"]', DESK_PASSWORD)
    page.locator('form [type="submit"]').first.click()
    page.wait_for_url(re.compile(r".*/desk/(?!login).*"))
    return context


def desk_decide(context: Any, base: str, public_id: str, outcome: str, comment: str = "") -> None:
    page = context.new_page()
    page.goto(f"{base}/desk/applications/{public_id}")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    if outcome == "approved":  # an approval needs every checklist item ticked (issue 17)
        items = page.locator("li.checklist-item[data-item]")
        keys = [items.nth(i).get_attribute("data-item") for i in range(items.count())]
        ticked = context.request.post(
            f"{base}/desk/applications/{public_id}/checklist",
            form={"csrf_token": token, **{f"mark-{key}": "ok" for key in keys}},
            max_redirects=0,
        )
        assert ticked.status == 302, ticked.text()
    answer = context.request.post(
        f"{base}/desk/applications/{public_id}/decision",
        form={"csrf_token": token, "outcome": outcome, "comment": comment},
        max_redirects=0,
    )
    assert answer.status == 302, answer.text()
    page.goto(f"{base}/desk/applications/{public_id}")
    assert outcome.split("_", maxsplit=1)[0] in page.content().lower()
    page.close()


# --- the steps ------------------------------------------------------------------------------


def start(journey: Journey) -> str:
    page = journey.page
    page.goto(journey.base + "/apply/")
    journey.audit("apply")
    page.goto(journey.base + "/")
    journey.audit("home")
    journey.button(journey.text["start"]).click()
    page.wait_for_url("**/company?new=1")
    return str(page.locator("#resume-link").input_value())


def company(journey: Journey, sample: Any) -> str:
    """The company step; the company name as it stands (read from the photo, or typed)."""
    page = journey.page
    journey.audit("company-new")
    page.check("#f-entity-region-CN")
    position = next(i for i, ch in enumerate(sample.code) if ch in LOOKALIKE)
    slip = sample.code[:position] + LOOKALIKE[sample.code[position]] + sample.code[position + 1 :]
    journey.fill({"entity.license_number": slip})
    page.check("#f-entry-mode-standard")
    page.set_input_files("#license-file", file("license.jpg", sample.image, "image/jpeg"))
    assert page.locator("#license-file").evaluate("e => e.files.length") == 1
    assert "license.jpg" in page.locator(".license-panel [data-file-name]").inner_text()
    journey.button(journey.text["upload_read"]).click()
    page.wait_for_url("**/company#license")
    cells = page.locator("[data-reading] .ch").all_inner_texts()
    assert "".join(cell.strip()[:1] for cell in cells) == sample.code
    offer = page.locator("#license-suggestion")
    assert offer.is_visible() and sample.code in offer.inner_text()
    journey.audit("license-ocr")
    offer.get_by_role("button").click()  # the valid reading, with one click
    page.wait_for_load_state("load")
    assert journey.value("entity.license_number") == sample.code
    assert page.locator("#license-suggestion").count() == 0
    if not journey.value("entity.company_name"):  # not filled from the photo: typed
        journey.fill({"entity.company_name": "深圳市星河跨境电子商务有限公司"})
    name = journey.value("entity.company_name")
    journey.proceed("legal_rep")
    return name


def legal_rep(journey: Journey) -> None:
    if not journey.value("legal_rep.name"):
        journey.fill({"legal_rep.name": "张伟"})
    journey.fill({"legal_rep.id_number": "440524198301010015"})
    journey.page.select_option("#f-legal-rep-id-type", "cn_resident_id")
    journey.audit("legal-rep")
    journey.proceed("contact")


def contact(journey: Journey, me: dict[str, str]) -> None:
    page = journey.page
    journey.fill({"contact.phone": me["phone"], "contact.email": "seller@example"})
    journey.button(journey.text["continue"]).click()  # the rules stop it here, once
    page.wait_for_url("**/contact")
    email = page.locator("#f-contact-email")
    assert email.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "f-contact-email"  # the first problem
    notes = page.locator("#f-contact-email-notes")
    assert journey.text["email_error"] in notes.inner_text()  # ours, not email-validator's
    assert "@-sign" not in notes.inner_text()
    journey.audit("contact-error")
    journey.fill({"contact.email": me["email"]})
    journey.proceed("store")


def store(journey: Journey, registered: str) -> None:
    page = journey.page
    page.select_option("#f-store-platform", "amazon")
    journey.fill(
        {
            "store.url": "https://www.amazon.com/sp?ie=UTF8&seller=A2EXAMPLE12345",
            "store.registered_entity": registered,
            "store.opened_on": "2025-03-01",
            "store.rating": "4,6",  # a slip: the server says what is wrong, next to the field
            "store.account_health": "310",
        }
    )
    page.select_option("#f-store-main-category", "home_supplies")
    journey.proceed("store")
    assert page.locator("#f-store-rating").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    journey.audit("store-error")
    journey.fill({"store.rating": "4.6"})
    journey.proceed("shop")


def shop(journey: Journey, me: dict[str, str]) -> None:
    page = journey.page
    journey.fill({"shop.name": me["shop"]})
    page.select_option("#f-shop-main-category", "home_supplies")
    page.check("#f-fulfillment-method-us_warehouse")
    # Switching language mid-step keeps what was typed (the switch saves the form first).
    page.get_by_role("button", name=journey.text["other"]).click()
    page.wait_for_url("**/shop")
    assert journey.value("shop.name") == me["shop"]
    assert page.locator("#f-fulfillment-method-us_warehouse").is_checked()
    other = "中文" if journey.text["other"] == "English" else "English"
    page.get_by_role("button", name=other).click()
    page.wait_for_url("**/shop")
    assert page.locator("html").get_attribute("lang") == (
        "zh-Hans" if journey.lang == "zh" else "en"
    )
    journey.audit("shop")
    journey.proceed("documents")


def documents(journey: Journey) -> None:
    page = journey.page
    journey.audit("documents-empty")
    # A file the browser refuses (not an image): named on its card, nothing sent.
    page.set_input_files("#file-gmv_screenshot", file("gmv.pdf", b"%PDF-1.7", "application/pdf"))
    assert page.locator("#file-gmv_screenshot-check").is_visible()
    # One the server refuses (it claims to be a PNG, it is HTML): named on its card, in place.
    fake = file("gmv.png", b"<html><body>not an image</body></html>")
    page.set_input_files("#file-gmv_screenshot", fake)
    journey.button(journey.text["upload"]).click()
    refused = page.locator("#file-gmv_screenshot-check")
    refused.wait_for(state="visible")
    assert page.locator("#file-gmv_screenshot").get_attribute("aria-invalid") == "true"
    journey.audit("documents-error")
    # Two files chosen, then a link followed: they are uploaded, then the link is followed.
    page.set_input_files(
        "#file-legal_rep_id", file("id.jpg", imagefactory.id_card_jpeg(1200), "image/jpeg")
    )
    page.set_input_files("#file-gmv_screenshot", file("gmv.png", imagefactory.png(900, 600)))
    page.locator(".progress-step a").nth(4).click()  # "New shop", in the step list
    page.wait_for_url("**/shop")
    page.goto(page.url.rsplit("/", 1)[0] + "/documents")
    assert page.locator("#doc-legal_rep_id .thumb img").count() == 1
    assert page.locator("#doc-gmv_screenshot .thumb img").count() == 1
    # The other two in one go, with the button that continues.
    # One dropped onto its card (drag and drop on a desktop), one chosen with the picker.
    drop(page, "#doc-seller_info_screenshot", "seller.png", imagefactory.png(900, 640))
    assert "seller.png" in page.locator("#doc-seller_info_screenshot [data-file-name]").inner_text()
    health = file("health.png", imagefactory.png(880, 600))
    page.set_input_files("#file-account_health_screenshot", health)
    journey.button(journey.text["review"]).click()
    page.wait_for_url("**/review")


def review_and_leave(journey: Journey, link: str) -> None:
    page = journey.page
    journey.audit("review")
    assert page.locator(".result-fail").count() == 0, page.locator(
        ".result-group"
    ).all_inner_texts()
    assert journey.text["nothing_stops"] in page.content(), page.locator(
        ".result-group"
    ).all_inner_texts()
    assert page.locator("details.passing").count() == 1
    journey.context.close()  # leave: a fresh browser has no cookie, only the link
    journey.open_context()
    journey.page.goto(link)
    journey.page.wait_for_url("**/status")
    assert journey.text["draft"] in journey.page.content()
    journey.audit("status-draft")


def submit(journey: Journey) -> str:
    page = journey.page
    page.get_by_role("link", name=journey.text["to_review"], exact=True).last.click()
    page.wait_for_url("**/review")
    journey.button(journey.text["submit"]).click()
    page.wait_for_url("**/status")
    assert journey.text["submitted"] in page.content()
    public_id = re.search(r"A-[2-9A-HJ-NP-Z]{10}", page.content())
    assert public_id
    return public_id[0]


@pytest.mark.parametrize(("lang", "width", "n"), [("zh", "desktop", 1), ("en", "phone", 2)])
def test_the_whole_journey(server: Server, browser: Any, lang: str, width: str, n: int):
    from tests.licensefactory import license_sample  # noqa: PLC0415

    sample = license_sample(n)
    me = seller(n)
    journey = Journey(browser, server.base, lang, width, n)
    link = start(journey)
    registered = company(journey, sample)
    legal_rep(journey)
    contact(journey, me)
    store(journey, registered)
    shop(journey, me)
    documents(journey)
    review_and_leave(journey, link)
    public_id = submit(journey)
    journey.audit("status-submitted")

    desk = desk_login(browser, server.base)
    desk_decide(desk, server.base, public_id, "changes_requested", "请上传最新的店铺评分截图")
    link = emailed_link(server, "decision_changes_requested")  # the link the applicant got
    page = journey.page
    page.goto(link)
    page.wait_for_url("**/status")
    assert journey.text["changes"] in page.content()
    assert "请上传最新的店铺评分截图" in page.content()
    journey.audit("status-changes")
    page.get_by_role("link", name=journey.text["resubmit"]).click()
    page.wait_for_url("**/review")
    journey.button(journey.text["submit"]).click()
    page.wait_for_url("**/status")
    assert journey.text["submitted"] in page.content()

    desk_decide(desk, server.base, public_id, "approved")
    desk.close()
    page.goto(link)
    page.wait_for_url("**/status")
    content = page.content()
    assert journey.text["approved"] in content and journey.text["market"] in content
    assert "seller.tiktokglobalshop.com/account/register" in content
    assert me["phone"] in content and me["email"] in content and me["shop"] in content
    journey.audit("status-approved")
    emails = sorted((server.data / "outbox").glob("*-decision_approved.eml"))
    mail = message_from_bytes(emails[-1].read_bytes(), policy=policy.default)
    body = mail.get_body().get_content()  # type: ignore[union-attr]
    assert "seller.tiktokglobalshop.com/account/register" in body and me["shop"] in body
    journey.context.close()
    assert journey.console == [], journey.console
    if os.environ.get("ONBOARD_REFRESH_SCREENSHOTS") == "1":
        _refresh_readme_screenshots(journey)


def emailed_link(server: Server, purpose: str) -> str:
    """The private link in the newest email of ``purpose``: the outbox's .eml file names the
    message (its links masked), the SMTP server holds it as the applicant received it."""
    emails = sorted((server.data / "outbox").glob(f"*-{purpose}.eml"))
    assert emails, f"no {purpose} email"
    kept = message_from_bytes(emails[-1].read_bytes(), policy=policy.default)
    received = [m for m in server.mailbox.parsed() if m["Message-ID"] == kept["Message-ID"]]
    assert len(received) == 1, f"{kept['Message-ID']} did not arrive by SMTP"
    assert received[0]["Subject"] == kept["Subject"]
    body = received[0].get_body().get_content()  # type: ignore[union-attr]
    found = re.search(r"https?://\S+/apply/[^/\s]+/", body)
    assert found, body
    return found[0]


def _refresh_readme_screenshots(journey: Journey) -> None:
    """The README shows real runs: the OCR'd license (zh), a step with errors and the approved
    status (en, on a phone)."""
    wanted = {
        ("zh", "license-ocr-desktop"): "zh-02-license-ocr.png",
        ("zh", "status-approved-desktop"): "zh-approved.png",
        ("en", "store-error-phone"): "en-04-store-error.png",
        ("en", "company-new-phone"): "phone-company.png",
        ("en", "documents-empty-desktop"): "en-07-documents.png",
        ("en", "status-approved-phone"): "phone-approved.png",
    }
    for shot in journey.shots:
        name = Path(shot).stem.split("-", 3)[3]
        target = wanted.get((journey.lang, name))
        if target:
            shutil.copyfile(shot, README_SHOTS / target)
