"""Who may apply and by which route (RULES.md §1)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from onboard.eligibility.formatting import display
from onboard.eligibility.model import Application, Check, Status
from onboard.eligibility.rules.base import RuleContext, rule
from onboard.eligibility.vocabulary import ENTRY_MODES, Vocabulary, names


def _one_of(value: str | None, ctx: RuleContext, vocabulary: Vocabulary) -> Check:
    """The check of a value that must be one of the rule's ``allowed``: built once per value,
    as a batch names only a handful of regions or shipping methods."""
    if not value:
        return ctx.shared("missing", None, _one_of_check, ctx, Status.MISSING, None, vocabulary)
    status = Status.PASS if value in ctx.threshold("allowed") else Status.FAIL
    return ctx.shared(
        "pass" if status is Status.PASS else "fail",
        value,
        _one_of_check,
        ctx,
        status,
        value,
        vocabulary,
    )


def _one_of_check(
    ctx: RuleContext, status: Status, value: str | None, vocabulary: Vocabulary
) -> Check:
    named = names(ctx.ruleset, vocabulary)
    allowed = ctx.threshold("allowed")
    expected_text = {
        "en": " or ".join(named[v]["en"] if v in named else v for v in allowed),
        "zh": "或".join(named[v]["zh"] if v in named else v for v in allowed),
    }
    value_text = named.get(value) if value else None
    actual_text = (
        {"en": value_text["en"], "zh": value_text["zh"]} if value_text else None
    )  # a value outside the vocabulary is the applicant's own text
    shown = actual_text or {"en": value or "", "zh": value or ""}
    # The region's and the method's names, as the edition-2 messages say them.
    prefix = "region" if vocabulary == "regions" else "method"
    named_values: dict[str, Any] = {f"{prefix}_en": shown["en"], f"{prefix}_zh": shown["zh"]}
    return ctx.check(
        status,
        expected=" or ".join(allowed),
        actual=value,
        expected_text=expected_text,
        actual_text=actual_text,
        **named_values,
    )


@rule("entity.region")
def region(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    return (_one_of(app.entity.region, ctx, "regions"),)


@rule("fulfillment.us_local")
def us_local(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    return (_one_of(app.fulfillment.method, ctx, "fulfillment_methods"),)


#: The routes as the first edition's messages name them (2026.11.1 keeps its words; the
#: second names them by vocabulary.ENTRY_MODES, in the guide's terms).
ROUTE_NAMES_ZH = {"standard": "标准入驻", "invitation": "邀请码入驻"}


def route_of(app: Application) -> str:
    """The route an application takes: standard unless it says invitation."""
    return app.entry.mode or "standard"


def invitation_granted(app: Application) -> bool:
    """The application takes the invitation route with a code (the platform then decides
    whether the store requirements matter: RULES.md §1, edition of 2026-12-06)."""
    return route_of(app) == "invitation" and bool((app.entry.invitation_code or "").strip())


_INVITATION_TEXT: Mapping[str, str] = MappingProxyType(
    {"en": "entry by invitation code", "zh": "邀请码入驻"}
)
_CODE_TEXT: Mapping[str, str] = MappingProxyType({"en": "an invitation code", "zh": "邀请码"})
#: Where a jewelry category was found, as the edition-2 message says it.
_WHERE = {
    "store": ("existing store's category", "现有店铺的主营类目"),
    "shop": ("new shop's category", "新店铺的主营类目"),
    "both": ("category of the store and of the new shop", "现有店铺和新店铺的主营类目"),
}


def _invitation_category(app: Application, ctx: RuleContext) -> tuple[str, str] | None:
    """(category, where) when the application sells in an invitation-only category.

    Edition 2 judges either category (the store's or the new shop's: RULES.md §1); the first
    edition judged the shop's, or the store's when the shop had none."""
    only = ctx.threshold("invitation_only_categories")
    shop, store = app.shop.main_category, app.store.main_category
    if ctx.ruleset.edition < 2:
        category = shop or store
        return (category, "shop") if category and category in only else None
    in_shop, in_store = shop in only, store in only
    if in_shop and in_store:
        return (shop or "", "both")
    if in_shop:
        return (shop or "", "shop")
    if in_store:
        return (store or "", "store")
    return None


@rule("entry.route")
def entry_route(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    route = route_of(app)
    # Every outcome but the Douyin option is decided by the route or the category alone.
    if route == "invitation":
        code = (app.entry.invitation_code or "").strip()
        if not code:
            return (ctx.shared("missing", route, _code_missing, ctx, route),)
        if ctx.ruleset.edition >= 2:
            # A person at the platform grants and checks the code (RULES.md §1).
            return (
                ctx.check(
                    Status.REVIEW,
                    "review",
                    expected="invitation",
                    actual=route,
                    code=code,
                    expected_text=_INVITATION_TEXT,
                    actual_text=_INVITATION_TEXT,
                ),
            )
        return (ctx.shared("pass", route, _route_open, ctx, route),)
    found = _invitation_category(app, ctx)
    if found is not None:
        category, where = found
        return (ctx.shared("fail", found, _invitation_only, ctx, category, where),)
    gmv = app.entry.douyin_gmv_180d_cny
    if gmv is not None and gmv > ctx.threshold("douyin_gmv_180d_cny_over"):
        return (
            ctx.check(
                Status.PASS,
                "pass_douyin_option",
                actual=route,
                douyin_gmv=display(gmv),
                evidence={"options": ["invitation"]},
                actual_text=_route_text(route),
            ),
        )
    return (ctx.shared("pass", route, _route_open, ctx, route),)


def _route_text(route: str) -> Mapping[str, str] | None:
    return ENTRY_MODES.get(route)


def _route_open(ctx: RuleContext, route: str) -> Check:
    texts = _route_text(route) or {"en": route, "zh": route}
    return ctx.check(
        Status.PASS,
        actual=route,
        actual_zh=ROUTE_NAMES_ZH.get(route, route),
        route_en=texts["en"],
        route_zh=texts["zh"],
        actual_text=_route_text(route),
    )


def _code_missing(ctx: RuleContext, route: str) -> Check:
    return ctx.check(
        Status.MISSING,
        field="entry.invitation_code",
        expected="an invitation code",
        actual=route,
        expected_text=_CODE_TEXT,
        actual_text=_route_text(route),
    )


def _invitation_only(ctx: RuleContext, category: str, where: str) -> Check:
    category_names = ctx.ruleset.categories.get(category, {"en": category, "zh": category})
    where_en, where_zh = _WHERE[where]
    return ctx.check(
        Status.FAIL,
        expected="invitation",
        actual=f"standard, main category {category}",
        category_en=category_names["en"],
        category_zh=category_names["zh"],
        where_en=where_en,
        where_zh=where_zh,
        expected_text=_INVITATION_TEXT,
        actual_text={
            "en": f"standard entry, main category {category_names['en']}",
            "zh": f"普通入驻，主营类目为{category_names['zh']}",
        },
        # The first edition's checks carried no evidence: its answers stay as they were.
        evidence={"category": category, "where": where} if ctx.ruleset.edition >= 2 else None,
    )
