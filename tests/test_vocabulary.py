"""Every value of every closed vocabulary has an English and a Chinese name."""

from __future__ import annotations

import re

import pytest

from onboard.eligibility import vocabulary
from onboard.eligibility.ruleset import default_ruleset
from onboard.intake import schemas

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
BRANDS = {"Amazon", "eBay", "Walmart", "TikTok", "Shop", "Trustpilot", "FBA", "VC", "DSV", "GMV"}


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("fulfillment_methods", schemas.FULFILLMENT_METHODS),
        ("entry_modes", schemas.ENTRY_MODES),
        ("id_types", schemas.ID_TYPES),
        ("regions", ("CN", "HK")),
    ],
)
def test_each_schema_value_is_named_in_both_languages(name, values):
    ruleset = default_ruleset()
    for value in values:
        en = vocabulary.label(ruleset, name, value, "en")
        zh = vocabulary.label(ruleset, name, value, "zh")
        assert en != value
        assert not set(LATIN_WORD.findall(zh)) - BRANDS, zh


def test_rule_set_vocabularies_and_unknown_values():
    ruleset = default_ruleset()
    assert vocabulary.label(ruleset, "categories", "jewelry", "zh") == "珠宝与衍生品"
    assert vocabulary.label(ruleset, "platforms", "ebay", "en") == "eBay seller store"
    assert vocabulary.label(ruleset, "documents", "business_license", "zh") == "营业执照"
    assert vocabulary.label(ruleset, "regions", "US", "zh") == "US"
