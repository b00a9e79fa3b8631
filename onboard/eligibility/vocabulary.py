"""The names people read for the closed sets of values an application holds.

A check, a page or an email that shows a region, a platform, a category, a fulfilment
method, an ID type, an entry route or a document kind shows it by its name in the reader's
language, never by its id (RULES.md §7: ``CN`` is 中国大陆 in a Chinese text). Platforms,
categories and document kinds are named by the rule set that defines them; the other
vocabularies are fixed by the application's schema and named here. A value outside a
vocabulary is the applicant's own text and is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from onboard.eligibility.spec import RuleSet

Lang = Literal["en", "zh"]
Texts = Mapping[str, str]

REGIONS: Mapping[str, Texts] = {
    "CN": {"en": "mainland China", "zh": "中国大陆"},
    "HK": {"en": "Hong Kong", "zh": "中国香港"},
}
FULFILLMENT_METHODS: Mapping[str, Texts] = {
    "us_warehouse": {"en": "a US overseas warehouse", "zh": "美国海外仓"},
    "fba_mcf": {"en": "Amazon FBA multi-channel fulfilment", "zh": "亚马逊 FBA 多渠道配送"},
    "none": {"en": "no shipping from inside the US", "zh": "不从美国境内发货"},
}
ID_TYPES: Mapping[str, Texts] = {
    "cn_resident_id": {"en": "mainland resident ID card", "zh": "中国大陆居民身份证"},
    "hk_id": {"en": "Hong Kong permanent ID card", "zh": "香港永久性居民身份证"},
    "passport": {"en": "Passport", "zh": "护照"},
}
ENTRY_MODES: Mapping[str, Texts] = {
    "standard": {"en": "standard entry", "zh": "普通入驻"},
    "invitation": {"en": "entry by invitation code", "zh": "邀请码入驻"},
}

Vocabulary = Literal[
    "regions",
    "fulfillment_methods",
    "id_types",
    "entry_modes",
    "platforms",
    "categories",
    "documents",
]

_FIXED: Mapping[str, Mapping[str, Texts]] = {
    "regions": REGIONS,
    "fulfillment_methods": FULFILLMENT_METHODS,
    "id_types": ID_TYPES,
    "entry_modes": ENTRY_MODES,
}


def names(ruleset: RuleSet, vocabulary: Vocabulary) -> Mapping[str, Texts]:
    """Every value of ``vocabulary`` with its names in English and Chinese."""
    if vocabulary == "platforms":
        return ruleset.platforms
    if vocabulary == "categories":
        return ruleset.categories
    if vocabulary == "documents":
        return {kind: spec.name for kind, spec in ruleset.document_kinds.items()}
    return _FIXED[vocabulary]


def label(ruleset: RuleSet, vocabulary: Vocabulary, value: str, lang: Lang) -> str:
    """``value``'s name in ``lang``; a value outside the vocabulary is shown as given."""
    texts = names(ruleset, vocabulary).get(value)
    return texts[lang] if texts else value
