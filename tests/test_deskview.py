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
