"""RULES.md §7: Chinese is Chinese.

Every text of rule set 2026.11.2 meant for people, and every text the engine and the
remedies make of it over a broad generated sample, is read for English words and internal
ids inside its Chinese: regions, platforms, categories, fulfilment methods, ID types and
entry routes must be named in Chinese. Left as they are: the applicant's own values (names,
numbers, links, masked numbers), brand and product names, file formats and units, and the
single letters a format is described with ("除 I、O、S、V、Z 外的大写字母").
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Iterable
from datetime import date
from typing import Any

import pytest

from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import Application, Check, Evidence
from onboard.eligibility.remedies import changes_for
from onboard.eligibility.ruleset import RuleSet, ruleset_by_version
from onboard.errors import InputError
from onboard.intake.schemas import parse_application
from tests.benchmarks import datagen
from tests.rulebook_cases import cases

RULESET: RuleSet = ruleset_by_version("2026.11.2")
AS_OF = date(2026, 11, 22)

#: Brands and products (the guide's own spelling), file formats and units.
ALLOWED = {
    "amazon", "ebay", "walmart", "tiktok", "shop", "trustpilot", "fba", "vc", "dsv", "gmv",
    "jpeg", "jpg", "png", "bmp", "gif", "pdf", "webp", "tiff", "html",
    "mib", "mb", "kb", "https",
}  # fmt: skip
#: A Latin word, or an id with underscores or dots (us_warehouse, documents.business_license).
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.][A-Za-z0-9_]+)*")
#: A link or a domain: the applicant's own, or the site a message names (amazon.com/…).
_LINK = re.compile(r"(?:https?://)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[^\s，。；：）（]*)?")


def foreign_words(text: str, own: Iterable[str] = ()) -> list[str]:
    """The English words and ids in the Chinese ``text`` that are not allowed there."""
    for value in sorted(own, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    text = _LINK.sub(" ", text)
    found = []
    for word in _WORD.findall(text):
        if word.lower() in ALLOWED or (len(word) == 1 and word.isupper()):
            continue
        found.append(word)
    return found


def test_the_checker_finds_what_the_issue_saw() -> None:
    assert foreign_words("仅限 CN or HK") == ["CN", "or", "HK"]
    assert foreign_words("none → us_warehouse or fba_mcf")
    assert foreign_words("→ a valid cn_resident_id number")
    assert foreign_words("公司注册地为 CN。") == ["CN"]
    assert foreign_words("订单从美国境内发货（us_warehouse）") == ["us_warehouse"]
    assert foreign_words("请上传 Amazon 店铺链接 https://www.amazon.com/sp?seller=A1") == []
    assert foreign_words("店铺名称 Starriver Home 为英文。", own=["Starriver Home"]) == []


# --- the templates as written ---------------------------------------------------------------


def _templates(ruleset: RuleSet) -> Iterable[tuple[str, str]]:
    for spec in ruleset.rules:
        yield f"rules.{spec.code}.zh", spec.title["zh"]
        for key, texts in spec.messages.items():
            yield f"rules.{spec.code}.messages.{key}.zh", texts["zh"]
    for table in ("platforms", "categories", "identifier_problems", "document_problems"):
        for key, texts in getattr(ruleset, table).items():
            yield f"{table}.{key}.zh", texts["zh"]
    for key, kind in ruleset.document_kinds.items():
        yield f"documents.{key}.zh", kind.name["zh"]
    for key, texts in ruleset.uscc_holders.items():
        yield f"uscc_holders.{key}.zh", texts["zh"]
    assert ruleset.invitation_route is not None
    for key, texts in ruleset.invitation_route.messages.items():
        yield f"invitation_route.messages.{key}.zh", texts["zh"]


def _without_fields(template: str) -> str:
    return "".join(literal for literal, *_ in string.Formatter().parse(template))


def test_every_chinese_template_of_2026_11_2_is_chinese() -> None:
    bad = {
        where: words
        for where, text in _templates(RULESET)
        if (words := foreign_words(_without_fields(text)))
    }
    assert bad == {}


def test_the_guide_s_terms() -> None:
    texts = " ".join(text for _, text in _templates(RULESET))
    for term in ("统一社会信用代码", "普通入驻", "邀请码入驻", "公司注册证明书", "商业登记证"):
        assert term in texts
    assert "店铺账户信息/商家信息截图" in texts
    for old in ("注册号 ", "标准入驻", "公司注册证书", "店铺公司信息截图"):
        assert old not in texts


# --- what the engine and the remedies make of them, over a broad sample -----------------------


#: The fields whose values are the applicant's own text (the others hold ids of closed
#: vocabularies: regions, platforms, categories … which must be named, never shown).
_FREE_TEXT = {
    "entity": ("company_name", "license_number", "hk_ci_number"),
    "legal_rep": ("name", "id_number"),
    "contact": ("phone", "email"),
    "store": ("url", "registered_entity"),
    "shop": ("name",),
    "entry": ("invitation_code",),
}


def _own_values(data: Any) -> set[str]:
    """Every text the applicant typed, as given and as the rules normalise it."""
    found: set[str] = set()
    for section, names in _FREE_TEXT.items():
        part = data.get(section) or {}
        for name in names:
            value = part.get(name)
            if isinstance(value, str):
                found |= {value, value.strip(), value.upper(), value.strip().casefold()}
    for value in (data.get("documents") or {}).values():
        found.add(str(value))
    # A value outside its vocabulary is the applicant's own text, shown as given.
    for section, name, known in _VOCABULARIES:
        value = (data.get(section) or {}).get(name)
        if isinstance(value, str) and value not in known:
            found.add(value)
    return found


_VOCABULARIES = (
    ("entity", "region", {"CN", "HK"}),
    ("legal_rep", "id_type", {"cn_resident_id", "hk_id", "passport"}),
    ("fulfillment", "method", {"us_warehouse", "fba_mcf", "none"}),
    ("entry", "mode", {"standard", "invitation"}),
    ("store", "platform", set(RULESET.platforms)),
    ("store", "main_category", set(RULESET.categories)),
    ("shop", "main_category", set(RULESET.categories)),
)


def _texts_of(check: Check) -> Iterable[str]:
    yield check.message["zh"]
    data = check.to_dict()
    for name in ("expected_text", "actual_text"):
        if name in data:
            yield data[name]["zh"]


def _sample() -> Iterable[tuple[Application, Evidence | None, set[str]]]:
    for _, application, evidence in cases():
        own = _own_values(json.loads(json.dumps(application, default=_plain)))
        yield application, evidence, own
    for _, data in datagen.applications(1500, seed=16, malformed_share=0.0):
        try:
            application = parse_application(data, ruleset=RULESET)
        except InputError:
            continue
        yield application, None, _own_values(data)


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    if isinstance(value, date):
        return value.isoformat()
    return dict(value)


def _normalised(check: Check) -> set[str]:
    """The applicant's values as a check shows them once normalised (E.164, masked IDs …)."""
    shown = {check.actual or "", check.expected or ""}
    if check.code in ("entity.license_name", "legal_rep.license_name", "entity.license_ocr"):
        printed = check.evidence.get("printed") or {}
        shown |= {printed.get("value") or ""}
        shown |= {str((check.evidence.get("ocr") or {}).get("license_number") or "")}
    if check.code.startswith("entity.") or check.code.startswith("legal_rep."):
        return {value for value in shown if not _WORD.fullmatch(value or "") or value.isupper()}
    return {check.actual or ""} if check.code in _OWN_ACTUAL else set()


#: Rules whose ``actual`` is the applicant's own value, normalised.
_OWN_ACTUAL = {"contact.phone", "contact.email", "store.url", "shop.name", "store.entity_match"}


def test_no_english_inside_chinese_texts_over_a_broad_sample() -> None:
    seen: set[tuple[str, str]] = set()
    bad: list[tuple[str, str, list[str]]] = []
    count = 0
    for application, evidence, own in _sample():
        report = evaluate(application, RULESET, as_of=AS_OF, evidence=evidence)
        for check in report.checks:
            keys = _message_keys(check)
            seen |= keys
            for text in _texts_of(check):
                count += 1
                words = foreign_words(text, own | _normalised(check))
                if words:
                    bad.append((check.code, text, words))
        shown = set().union(*(_normalised(check) for check in report.checks))
        for change in changes_for(report, application, RULESET):
            count += 1
            words = foreign_words(change.text["zh"], own | shown | {change.current or ""})
            if words:
                bad.append((f"remedy {change.field}", change.text["zh"], words))
    assert count > 40_000
    first = {}
    for code, text, words in bad:
        first.setdefault((code, tuple(words)), text)
    assert first == {}
    # The sample reached every message of every rule (and so every template was read filled).
    every = {(spec.code, key) for spec in RULESET.rules for key in spec.messages}
    assert every - seen == set()


def _message_keys(check: Check) -> set[tuple[str, str]]:
    """Which message of its rule a check carries (matched by its Chinese text's fixed parts)."""
    spec = RULESET.rule(check.code)
    found = set()
    for key, texts in spec.messages.items():
        pattern = "".join(
            re.escape(literal) + (".*?" if name is not None else "")
            for literal, name, _, _ in string.Formatter().parse(texts["zh"])
        )
        if re.fullmatch(pattern, check.message["zh"], re.DOTALL):
            found.add((check.code, key))
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_drafts_keep_chinese_chinese(seed: int) -> None:
    """Half-empty drafts (fields dropped at random) say nothing English in Chinese either."""
    rng = random.Random(seed)
    for _, data in datagen.applications(200, seed=seed, malformed_share=0.0):
        for section in list(data):
            if isinstance(data[section], dict):
                for name in list(data[section]):
                    if rng.random() < 0.3:
                        data[section][name] = None
        try:
            application = parse_application(data, ruleset=RULESET)
        except InputError:
            continue
        own = _own_values(data)
        report = evaluate(application, RULESET, as_of=AS_OF)
        for check in report.checks:
            for text in _texts_of(check):
                assert foreign_words(text, own | _normalised(check)) == [], (check.code, text)
        shown = set().union(*(_normalised(check) for check in report.checks))
        for change in changes_for(report, application, RULESET):
            words = foreign_words(change.text["zh"], own | shown | {change.current or ""})
            assert words == [], change
