"""Who may apply and by which route (RULES.md §1)."""

from __future__ import annotations

from onboard.eligibility.formatting import display
from onboard.eligibility.model import Application, Check, Status
from onboard.eligibility.rules.base import FAIL, MISSING, PASS, RuleContext, rule


def _one_of(value: str | None, ctx: RuleContext) -> Check:
    """The check of a value that must be one of the rule's ``allowed``: built once per value,
    as a batch names only a handful of regions or shipping methods."""
    if not value:
        return ctx.shared("missing", None, _one_of_check, ctx, MISSING, None)
    status = PASS if value in ctx.threshold("allowed") else FAIL
    return ctx.shared(
        "pass" if status is PASS else "fail", value, _one_of_check, ctx, status, value
    )


def _one_of_check(ctx: RuleContext, status: Status, value: str | None) -> Check:
    return ctx.check(status, expected=" or ".join(ctx.threshold("allowed")), actual=value)


@rule("entity.region")
def region(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    return (_one_of(app.entity.region, ctx),)


@rule("fulfillment.us_local")
def us_local(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    return (_one_of(app.fulfillment.method, ctx),)


ROUTE_NAMES_ZH = {"standard": "标准入驻", "invitation": "邀请码入驻"}


def route_of(app: Application) -> str:
    """The route an application takes: standard unless it says invitation."""
    return app.entry.mode or "standard"


@rule("entry.route")
def entry_route(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    route = route_of(app)
    category = app.shop.main_category or app.store.main_category
    # Every outcome but the Douyin option is decided by the route or the category alone.
    if route == "invitation":
        if not (app.entry.invitation_code or "").strip():
            return (ctx.shared("missing", route, _code_missing, ctx, route),)
        return (ctx.shared("pass", route, _route_open, ctx, route),)
    if category and category in ctx.threshold("invitation_only_categories"):
        return (ctx.shared("fail", category, _invitation_only, ctx, category),)
    gmv = app.entry.douyin_gmv_180d_cny
    if gmv is not None and gmv > ctx.threshold("douyin_gmv_180d_cny_over"):
        return (
            ctx.check(
                PASS,
                "pass_douyin_option",
                actual=route,
                douyin_gmv=display(gmv),
                evidence={"options": ["invitation"]},
            ),
        )
    return (ctx.shared("pass", route, _route_open, ctx, route),)


def _route_open(ctx: RuleContext, route: str) -> Check:
    return ctx.check(PASS, actual=route, actual_zh=ROUTE_NAMES_ZH[route])


def _code_missing(ctx: RuleContext, route: str) -> Check:
    return ctx.check(
        MISSING, field="entry.invitation_code", expected="an invitation code", actual=route
    )


def _invitation_only(ctx: RuleContext, category: str) -> Check:
    names = ctx.ruleset.categories.get(category, {"en": category, "zh": category})
    return ctx.check(
        FAIL,
        expected="invitation",
        actual=f"standard, main category {category}",
        category_en=names["en"],
        category_zh=names["zh"],
    )
