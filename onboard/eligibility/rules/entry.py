"""Who may apply and by which route (RULES.md §1)."""

from __future__ import annotations

from collections.abc import Iterator

from onboard.eligibility.formatting import display
from onboard.eligibility.model import Application, Check, Status
from onboard.eligibility.rules.base import RuleContext, rule


@rule("entity.region")
def region(app: Application, ctx: RuleContext) -> Iterator[Check]:
    value = app.entity.region
    allowed = ctx.threshold("allowed")
    if not value:
        yield ctx.check(Status.MISSING, expected=" or ".join(allowed))
    elif value in allowed:
        yield ctx.check(Status.PASS, expected=" or ".join(allowed), actual=value)
    else:
        yield ctx.check(Status.FAIL, expected=" or ".join(allowed), actual=value)


@rule("fulfillment.us_local")
def us_local(app: Application, ctx: RuleContext) -> Iterator[Check]:
    method = app.fulfillment.method
    allowed = ctx.threshold("allowed")
    expected = " or ".join(allowed)
    if not method:
        yield ctx.check(Status.MISSING, expected=expected)
    elif method in allowed:
        yield ctx.check(Status.PASS, expected=expected, actual=method)
    else:
        yield ctx.check(Status.FAIL, expected=expected, actual=method)


ROUTE_NAMES_ZH = {"standard": "标准入驻", "invitation": "邀请码入驻"}


def route_of(app: Application) -> str:
    """The route an application takes: standard unless it says invitation."""
    return app.entry.mode or "standard"


@rule("entry.route")
def entry_route(app: Application, ctx: RuleContext) -> Iterator[Check]:
    route = route_of(app)
    category = app.shop.main_category or app.store.main_category
    if route == "invitation":
        if not (app.entry.invitation_code or "").strip():
            yield ctx.check(
                Status.MISSING,
                field="entry.invitation_code",
                expected="an invitation code",
                actual=route,
            )
        else:
            yield ctx.check(Status.PASS, actual=route, actual_zh=ROUTE_NAMES_ZH[route])
        return
    if category and category in ctx.threshold("invitation_only_categories"):
        names = ctx.ruleset.categories.get(category, {"en": category, "zh": category})
        yield ctx.check(
            Status.FAIL,
            expected="invitation",
            actual=f"standard, main category {category}",
            category_en=names["en"],
            category_zh=names["zh"],
        )
        return
    gmv = app.entry.douyin_gmv_180d_cny
    if gmv is not None and gmv > ctx.threshold("douyin_gmv_180d_cny_over"):
        yield ctx.check(
            Status.PASS,
            "pass_douyin_option",
            actual=route,
            douyin_gmv=display(gmv),
            evidence={"options": ["invitation"]},
        )
        return
    yield ctx.check(Status.PASS, actual=route, actual_zh=ROUTE_NAMES_ZH[route])
