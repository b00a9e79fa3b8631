"""The desk's words: evidence as sentences, values by their names, the one helper for a
check's expected/actual text (issue 16's bilingual texts first)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask

from onboard.eligibility.ruleset import RuleSet
from onboard.web import deskview


@pytest.fixture
def english(app: Flask):
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def chinese(app: Flask):
    with app.test_request_context("/?lang=zh"):
        yield


def test_check_text_prefers_the_bilingual_text(english):
    plain = SimpleNamespace(expected=">= 4.0", actual="3.9", evidence={})
    assert deskview.check_text(plain, "expected") == ">= 4.0"
    assert deskview.check_text(plain, "actual") == "3.9"
    texts = SimpleNamespace(
        expected=">= 4.0",
        expected_text={"en": "at least 4.0", "zh": "不低于 4.0"},
        actual=None,
        evidence={},
    )
    assert deskview.check_text(texts, "expected") == "at least 4.0"
    assert deskview.check_text(texts, "actual") == ""


def test_check_text_in_chinese(chinese):
    stored = SimpleNamespace(
        expected="unique", actual=None, evidence={"expected_text": {"en": "unique", "zh": "唯一"}}
    )
    assert deskview.check_text(stored, "expected") == "唯一"


def test_evidence_is_words_never_a_dict(english, ruleset: RuleSet):
    words = deskview.evidence_words(
        {
            "ocr": {
                "license_number": "91350100M000100Y43",
                "valid": True,
                "status": "corrected",
                "raw": "9135O100M000100Y43",
                "corrections": [{"position": 5, "read": "O", "as": "0"}],
                "candidates": [],
                "confidence": 0.93,
            },
            "positions": [5],
            "size_bytes": 6_000_000,
            "opened_on": "2025-03-01",
            "options": ["invitation"],
            "border_fraction": 0.125,
        },
        ruleset,
    )
    text = " | ".join(f"{label}: {value}" for label, value in words)
    assert "{" not in text and "'" not in text and "True" not in text
    assert "Number read from the photo: 91350100M000100Y43" in text
    assert "read after look-alike corrections" in text and "93%" in text
    assert "position 5 read as “O”, taken as “0”" in text
    assert "6,000,000 bytes" in text and "March 1, 2025" in text
    assert "entry by invitation code" in text and "Border around the card: 12%" in text


@pytest.mark.parametrize(
    ("name", "value", "en", "zh"),
    [
        ("entity.region", "CN", "mainland China", "中国大陆"),
        ("legal_rep.id_type", "cn_resident_id", "mainland resident ID card", "中国大陆居民身份证"),
        ("fulfillment.method", "us_warehouse", "a US overseas warehouse", "美国海外仓"),
        ("store.opened_on", "2025-03-01", "March 1, 2025", "2025年3月1日"),
        ("store.gmv_12m_usd", 820000, "820,000", "820,000"),
    ],
)
def test_values_by_their_names_in_each_language(
    app: Flask, ruleset: RuleSet, name: str, value: object, en: str, zh: str
):
    for lang, expected in (("en", en), ("zh", zh)):
        with app.test_request_context(f"/?lang={lang}"):
            assert deskview.show_value(name, value, ruleset) == expected


def _evidence_of_a_broad_sample() -> list[dict]:
    """Every check's evidence over the rule book's cases and a generated sample (issue 16's)."""
    from onboard.eligibility.engine import evaluate  # noqa: PLC0415
    from tests.test_chinese_texts import AS_OF, RULESET, _sample  # noqa: PLC0415

    found = []
    for application, evidence, _own in _sample():
        report = evaluate(application, RULESET, as_of=AS_OF, evidence=evidence)
        found += [dict(check.evidence) for check in report.checks if check.evidence]
    return found


def test_every_evidence_of_a_broad_sample_reads_in_chinese(chinese, ruleset: RuleSet):
    """The 2026.11.2 checks' evidence (holder type, rows of a batch, the printed name, the
    earliest date, an identifier's problem …) fell back to its English key on the desk:
    each now has its Chinese label, and values name things, never ids."""
    from tests.test_chinese_texts import RULESET, foreign_words  # noqa: PLC0415

    keys: set[str] = set()
    for evidence in _evidence_of_a_broad_sample():
        keys |= set(evidence)
        for label, value in deskview.evidence_words(evidence, RULESET):
            assert foreign_words(label) == [], (label, evidence)
            own = [str(v) for v in (evidence.get("offending") or ())]
            printed = evidence.get("printed") or {}
            own += [str(printed.get("value") or "")]
            own += [str(evidence.get("detail") or "")]
            reading = evidence.get("ocr") or {}  # the number read: the license's own
            own += [str(reading.get(k) or "") for k in ("license_number", "raw")]
            own += [str(number) for number in reading.get("candidates") or ()]
            own += [str(held) for held in evidence.get("duplicates") or ()]  # application ids
            assert foreign_words(value, own) == [], (label, value, evidence)
    assert {"holder_type", "rows", "printed", "earliest", "problem", "category"} <= keys
    problem = deskview.evidence_words({"problem": "check_char", "position": "18"}, RULESET)
    assert problem == [("问题", RULESET.identifier_problems["check_char"]["zh"])]


def test_evidence_in_english_names_things_too(english, ruleset: RuleSet):
    words = dict(
        deskview.evidence_words(
            {"category": "jewelry", "where": "store", "rows": [2, 5], "weird_key": "x"}, ruleset
        )
    )
    assert words["Category given for"] == "the existing store"
    assert words["Rows of this batch that hold it"] == "2, 5"
    assert words["Weird key"] == "x"  # a key with no label yet: by its name, in English only
