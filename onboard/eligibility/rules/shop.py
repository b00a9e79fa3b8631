"""The new TikTok shop (RULES.md §5)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from onboard.eligibility.model import Application, Check, Status
from onboard.eligibility.rules.base import (
    UNIQUE_TEXT,
    RuleContext,
    rule,
    unique_outcome,
    uniqueness,
)

#: Latin letters, digits, spaces and ordinary punctuation — "written in English" — and, for
#: finding the characters that are not, every other one.
_NOT_ENGLISH_CHAR = re.compile(r"[^A-Za-z0-9 .,'’&\-!?:;()/+#@\"_]")
_LETTER = re.compile(r"[A-Za-z]")


_ENGLISH_TEXT: Mapping[str, str] = MappingProxyType(
    {
        "en": "English: Latin letters, digits, spaces, punctuation",
        "zh": "英文：拉丁字母、数字、空格和常用标点",
    }
)


@rule("shop.name")
def shop_name(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    name = (app.shop.name or "").strip()
    expected = "English: Latin letters, digits, spaces, punctuation"
    if not name:
        return (ctx.check(Status.MISSING, expected=expected, expected_text=_ENGLISH_TEXT),)
    if _NOT_ENGLISH_CHAR.search(name) is None and _LETTER.search(name):
        return (
            ctx.check(Status.PASS, expected=expected, actual=name, expected_text=_ENGLISH_TEXT),
        )
    offending = sorted(set(_NOT_ENGLISH_CHAR.findall(name)))
    shown = " ".join(offending) if offending else "no Latin letter"
    # Edition 2 says what is wrong with a name of digits and punctuation only in words of
    # its own, rather than "(no Latin letter not allowed)".
    outcome = "fail_no_letter" if not offending and ctx.ruleset.edition >= 2 else None
    return (
        ctx.check(
            Status.FAIL,
            outcome,
            expected=expected,
            actual=name,
            offending=shown,
            expected_text=_ENGLISH_TEXT,
            evidence={"offending": offending},
        ),
    )


@rule("shop.name_unique")
def name_unique(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    name = (app.shop.name or "").strip()
    if not name:
        return ()
    found = uniqueness(ctx, "shop.name", name)
    if found is not None:
        return (found,)
    outcome = unique_outcome(ctx, "shop.name")
    if outcome is None:
        if ctx.ruleset.edition < 2:
            return ()
        return (ctx.shared("not_applicable", None, _unchecked, ctx),)
    return (
        ctx.check(Status.PASS, outcome, expected="unique", actual=name, expected_text=UNIQUE_TEXT),
    )


def _unchecked(ctx: RuleContext) -> Check:
    """A pre-screen cannot see other applications: checked at submission (RULES.md §6)."""
    return ctx.check(Status.NOT_APPLICABLE, expected="unique", expected_text=UNIQUE_TEXT)


@rule("shop.category_match")
def category_match(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    shop, store = app.shop.main_category, app.store.main_category
    if not shop or not store:
        field = "shop.main_category" if not shop else "store.main_category"
        return (ctx.check(Status.MISSING, field=field),)
    # Decided by the two categories alone: built once per pair a batch uses.
    outcome = "pass" if shop == store else "fail"
    return (ctx.shared(outcome, (shop, store), _compared, ctx, shop, store),)


def _compared(ctx: RuleContext, shop: str, store: str) -> Check:
    names = ctx.ruleset.categories

    def name(category: str, lang: str) -> str:
        return names[category][lang] if category in names else category

    status = Status.PASS if shop == store else Status.FAIL
    return ctx.check(
        status,
        expected=store,
        actual=shop,
        expected_text={"en": name(store, "en"), "zh": name(store, "zh")},
        actual_text={"en": name(shop, "en"), "zh": name(shop, "zh")},
        actual_en=name(shop, "en"),
        actual_zh=name(shop, "zh"),
        expected_en=name(store, "en"),
        expected_zh=name(store, "zh"),
    )
