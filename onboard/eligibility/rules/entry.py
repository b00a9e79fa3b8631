"""Who may apply and by which route (RULES.md §1)."""

from __future__ import annotations

from collections.abc import Iterator

from onboard.eligibility.formatting import display
from onboard.eligibility.model import Application, Check, Status
from onboard.eligibility.rules.base import RuleContext, rule


def _one_of(value: str | None, ctx: RuleContext) -> Check:
    """The check of a value that must be one of the rule's ``allowed``: built once per value,
    as a batch names only a handful of regions or shipping methods."""
    allowed = ctx.threshold("allowed")
    if not value:
        return ctx.shared(
            "missing",
            None,
            lambda: ctx.check(Status.MISSING, expected=" or ".join(allowed)),
        )
    status = Status.PASS if value in allowed else Status.FAIL
    return ctx.shared(
        "pass" if status is Status.PASS else "fail",
        value,
        lambda: ctx.check(status, expected=" or ".join(allowed), actual=value),
    )


@rule("entity.region")
def region(app: Application, ctx: RuleContext) -> Iterator[Check]:
    yield _one_of(app.entity.region, ctx)


@rule("fulfillment.us_local")
def us_local(app: Application, ctx: RuleContext) -> Iterator[Check]:
    yield _one_of(app.fulfillment.method, ctx)


ROUTE_NAMES_ZH = {"standard": "标准入驻", "invitation": "邀请码入驻"}


def route_of(app: Application) -> str:
    """The route an application takes: standard unless it says invitation."""
    return app.entry.mode or "standard"


@rule("entry.route")
def entry_route(app: Application, ctx: RuleContext) -> Iterator[Check]:
    route = route_of(app)
    category = app.shop.main_category or app.store.main_category
    # Every outcome but the Douyin option is decided by the route or the category alone.
    if route == "invitation":
        if not (app.entry.invitation_code or "").strip():
            yield ctx.shared(
                "missing",
                route,
                lambda: ctx.check(
                    Status.MISSING,
                    field="entry.invitation_code",
                    expected="an invitation code",
                    actual=route,
                ),
            )
        else:
            yield _route_open(ctx, route)
        return
    if category and category in ctx.threshold("invitation_only_categories"):
        yield ctx.shared("fail", category, lambda: _invitation_only(ctx, category))
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
    yield _route_open(ctx, route)


def _route_open(ctx: RuleContext, route: str) -> Check:
    return ctx.shared(
        "pass",
        route,
        lambda: ctx.check(Status.PASS, actual=route, actual_zh=ROUTE_NAMES_ZH[route]),
    )


def _invitation_only(ctx: RuleContext, category: str) -> Check:
    names = ctx.ruleset.categories.get(category, {"en": category, "zh": category})
    return ctx.check(
        Status.FAIL,
        expected="invitation",
        actual=f"standard, main category {category}",
        category_en=names["en"],
        category_zh=names["zh"],
    )
