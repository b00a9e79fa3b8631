"""The new TikTok shop (RULES.md §5)."""

from __future__ import annotations

import re

from onboard.eligibility.model import Application, Check
from onboard.eligibility.rules.base import FAIL, MISSING, PASS, RuleContext, duplicates_of, rule

#: Latin letters, digits, spaces and ordinary punctuation — "written in English" — and, for
#: finding the characters that are not, every other one.
_NOT_ENGLISH_CHAR = re.compile(r"[^A-Za-z0-9 .,'’&\-!?:;()/+#@\"_]")
_LETTER = re.compile(r"[A-Za-z]")


@rule("shop.name")
def shop_name(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    name = (app.shop.name or "").strip()
    expected = "English: Latin letters, digits, spaces, punctuation"
    if not name:
        return (ctx.check(MISSING, expected=expected),)
    if _NOT_ENGLISH_CHAR.search(name) is None and _LETTER.search(name):
        return (ctx.check(PASS, expected=expected, actual=name),)
    offending = sorted(set(_NOT_ENGLISH_CHAR.findall(name)))
    shown = " ".join(offending) if offending else "no Latin letter"
    return (
        ctx.check(
            FAIL,
            expected=expected,
            actual=name,
            offending=shown,
            evidence={"offending": offending},
        ),
    )


@rule("shop.name_unique")
def name_unique(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    others = duplicates_of(ctx, "shop.name")
    name = (app.shop.name or "").strip()
    if others is None or not name:
        return ()
    if others:
        return (
            ctx.check(
                FAIL,
                expected="unique",
                actual=name,
                others=", ".join(others),
                evidence={"duplicates": list(others)},
            ),
        )
    return (ctx.check(PASS, expected="unique", actual=name),)


@rule("shop.category_match")
def category_match(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    shop, store = app.shop.main_category, app.store.main_category
    if not shop or not store:
        field = "shop.main_category" if not shop else "store.main_category"
        return (ctx.check(MISSING, field=field),)
    # Decided by the two categories alone: built once per pair a batch uses.
    outcome = "pass" if shop == store else "fail"
    return (ctx.shared(outcome, (shop, store), _compared, ctx, shop, store),)


def _compared(ctx: RuleContext, shop: str, store: str) -> Check:
    names = ctx.ruleset.categories

    def name(category: str, lang: str) -> str:
        return names[category][lang] if category in names else category

    status = PASS if shop == store else FAIL
    return ctx.check(
        status,
        expected=store,
        actual=shop,
        actual_en=name(shop, "en"),
        actual_zh=name(shop, "zh"),
        expected_en=name(store, "en"),
        expected_zh=name(store, "zh"),
    )
