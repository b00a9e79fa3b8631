"""The third-party store the seller already runs (RULES.md §3)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import parse_qs, urlsplit

from onboard.eligibility.dates import add_months, iso_date, months_and_days, span_words
from onboard.eligibility.model import Application, Check
from onboard.eligibility.rules.base import FAIL, MISSING, PASS, REVIEW, RuleContext, rule

# --- store.url ----------------------------------------------------------------------------

#: The US site of each marketplace, and the link shapes RULES.md accepts on it.
_US_HOST = {
    "amazon": "amazon.com",
    "amazon_vc": "amazon.com",
    "walmart": "walmart.com",
    "walmart_dsv": "walmart.com",
    "ebay": "ebay.com",
}
_SHAPE = {
    "amazon": "a seller page amazon.com/sp?seller=ID",
    "walmart": "a seller page walmart.com/seller/ID",
    "ebay": "a store page ebay.com/str/NAME or ebay.com/usr/NAME",
    "amazon_vc": "a product link on amazon.com",
    "walmart_dsv": "a product link on walmart.com",
    "independent": "an https link to the brand's own site",
}
_SHAPE_ZH = {
    "amazon": "亚马逊卖家页面链接（amazon.com/sp?seller=ID）",
    "walmart": "沃尔玛卖家页面链接（walmart.com/seller/ID）",
    "ebay": "eBay 店铺链接（ebay.com/str/NAME 或 ebay.com/usr/NAME）",
    "amazon_vc": "amazon.com 上的商品链接",
    "walmart_dsv": "walmart.com 上的商品链接",
    "independent": "品牌独立站的 https 链接",
}
_MARKETPLACE = re.compile(
    r"(^|\.)(amazon|ebay|walmart|aliexpress|alibaba|temu|shein|etsy|wish|shopee|lazada|"
    r"tiktok|mercadolibre|rakuten)\.[a-z.]+$"
)
_PRODUCT_PATH = {
    "amazon_vc": re.compile(r"(^|/)(dp|gp/product)/[A-Z0-9]{10}(/|$)", re.IGNORECASE),
    "walmart_dsv": re.compile(r"^/ip/(.+/)?\d+/?$"),
}


def _on_host(host: str, base: str) -> bool:
    return host == base or host.endswith("." + base)


def _shape_ok(platform: str, path: str, query: str) -> bool:
    parts = [p for p in path.split("/") if p]
    if platform == "amazon":
        seller = parse_qs(query).get("seller", [""])[0]
        return parts == ["sp"] and bool(re.fullmatch(r"[A-Z0-9]{6,20}", seller))
    if platform == "walmart":
        return len(parts) == 2 and parts[0] == "seller" and parts[1].isalnum()
    if platform == "ebay":
        return len(parts) == 2 and parts[0] in ("str", "usr") and bool(parts[1])
    return bool(_PRODUCT_PATH[platform].search(path))


#: The common shapes of a good link, decided without urllib: lower-case https host on the US
#: site, no port or user, plain ASCII path and query (no %-escapes, "+", ";" or "#"), so that
#: urlsplit and parse_qs would read them back unchanged. Anything else takes the general path
#: (tests/test_rule_fast_paths.py proves both agree on every link these match).
_SAFE = r"[A-Za-z0-9_.-]"
_PAIR = rf"{_SAFE}+={_SAFE}+"


def _on_site(platform: str) -> str:
    """A host on ``platform``'s US site (what _on_host accepts), as the pattern's group 1."""
    return r"((?:[a-z0-9-]+\.)*" + re.escape(_US_HOST[platform]) + ")"


_FAST_PASS = {
    # parse_qs takes the first "seller": no pair before ours may be named so.
    "amazon": rf"https://{_on_site('amazon')}/sp\?(?:(?!seller=){_PAIR}&)*"
    rf"seller=[A-Z0-9]{{6,20}}(?:&{_PAIR})*",
    "walmart": rf"https://{_on_site('walmart')}/seller/[A-Za-z0-9]+/?",
    "ebay": rf"https://{_on_site('ebay')}/(?:str|usr)/{_SAFE}+/?",
    "amazon_vc": rf"https://{_on_site('amazon_vc')}(?:/{_SAFE}+)*/(?:dp|gp/product)/"
    r"[A-Za-z0-9]{10}(?:/[A-Za-z0-9_.=-]*)*",
    "walmart_dsv": rf"https://{_on_site('walmart_dsv')}/ip/(?:{_SAFE}+/)*[0-9]+/?",
    # Any such host passes unless it is a marketplace's: decided below, as in general.
    "independent": rf"https://((?:[a-z0-9-]+\.)+[a-z0-9-]+)(?:/{_SAFE}*)*",
}
FAST_PASS = {platform: re.compile(pattern) for platform, pattern in _FAST_PASS.items()}


def judge_store_url(platform: str, text: str) -> tuple[str, str | None]:
    """("pass" | "fail" | "fail_not_us", host) for a link on ``platform``."""
    fast = FAST_PASS[platform].fullmatch(text)
    if fast is None:
        return judge_store_url_in_general(platform, text)
    host = fast[1]
    if platform == "independent" and _MARKETPLACE.search(host):
        return "fail", host
    return "pass", host


def judge_store_url_in_general(platform: str, text: str) -> tuple[str, str | None]:
    """:func:`judge_store_url` for any text, by urllib's reading of it."""
    raw = text.strip()
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return "fail", None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return "fail", host or None
    if platform == "independent":
        ok = parts.scheme == "https" and "." in host and not _MARKETPLACE.search(host)
        return ("pass" if ok else "fail"), host
    base = _US_HOST[platform]
    if not _on_host(host, base):
        brand = base.split(".")[0]
        foreign = re.search(rf"(^|\.){brand}\.[a-z.]+$", host)
        return ("fail_not_us" if foreign else "fail"), host
    return ("pass" if _shape_ok(platform, parts.path, parts.query) else "fail"), host


@rule("store.url")
def store_url(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    platform, url = app.store.platform, app.store.url
    if not platform:
        return (ctx.check(MISSING, "missing_platform", field="store.platform"),)
    expected = _SHAPE[platform]
    link = url.strip() if url else ""
    if not link:
        return (ctx.check(MISSING, expected=expected),)
    outcome, host = judge_store_url(platform, link)
    status = PASS if outcome == "pass" else FAIL
    return (
        ctx.check(
            status,
            outcome,
            expected=expected,
            actual=link,
            expected_zh=_SHAPE_ZH[platform],
            host=host or "?",
            expected_host=_US_HOST.get(platform, "?"),
        ),
    )


# --- store.entity_match -------------------------------------------------------------------

_SUFFIXES = (
    ("companylimited", "coltd"),
    ("corporation", "corp"),
    ("incorporated", "inc"),
    ("limited", "ltd"),
    ("company", "co"),
    ("有限责任公司", "有限公司"),
    ("有限責任公司", "有限公司"),
    ("有限公司", "有限公司"),
)


#: The ASCII characters str.isalnum() refuses, for bytes.translate to delete.
_ASCII_NOT_ALNUM = bytes(code for code in range(128) if not chr(code).isalnum())


def normalize_company(name: str) -> str:
    """A company name reduced to what identifies it: width, case, spacing, punctuation and
    brackets folded, and the common legal suffixes spelled one way."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    # Letters and numbers (Unicode categories L* and N*, which is what str.isalnum() tests:
    # tests/test_rules.py proves it over every code point) kept, the rest dropped: in one
    # bytes.translate for ASCII names (English ones), character by character for the others.
    if folded.isascii():
        kept = folded.encode("ascii").translate(None, _ASCII_NOT_ALNUM).decode("ascii")
    else:
        kept = "".join(filter(str.isalnum, folded))
    for long, short in _SUFFIXES:
        kept = kept.replace(long, short)
    return kept


#: Every character whose name says CJK UNIFIED lies in these blocks (the BMP's two, the
#: squared and bracketed ones of the Enclosed Ideographic Supplement, all of planes 2 and 3:
#: tests/test_rule_fast_paths.py proves it over every code point), so only these need their
#: name looked up.
_HAN_CANDIDATE = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\U0001f200-\U0001f2ff\U00020000-\U0003ffff]"
)


def _has_han(text: str) -> bool:
    # The first candidate is nearly always Han: look no further than the first that is.
    for candidate in _HAN_CANDIDATE.finditer(text):
        if "CJK UNIFIED" in unicodedata.name(candidate[0], ""):
            return True
    return False


@rule("store.entity_match")
def entity_match(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    store_name, company = app.store.registered_entity, app.entity.company_name
    registered = store_name.strip() if store_name else ""
    applicant = company.strip() if company else ""
    if not registered or not applicant:
        field = "store.registered_entity" if not registered else "entity.company_name"
        return (ctx.check(MISSING, field=field),)
    assert store_name is not None and company is not None
    # The same text normalizes the same: most stores name the company exactly as applied.
    if store_name == company:
        return (ctx.check(PASS, expected=applicant, actual=registered),)
    a, b = normalize_company(store_name), normalize_company(company)
    if a == b:
        return (ctx.check(PASS, expected=applicant, actual=registered),)
    status = REVIEW if _has_han(a) != _has_han(b) else FAIL
    return (ctx.check(status, expected=applicant, actual=registered, company=applicant),)


# --- time-based rules ---------------------------------------------------------------------


@rule("store.age")
def store_age(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    opened = app.store.opened_on
    months = ctx.threshold("min_months")
    expected = f">= {months} months"
    if opened is None:
        return (ctx.check(MISSING, expected=expected),)
    if opened > ctx.as_of:
        return (ctx.check(FAIL, "fail_future", expected=expected, actual=opened, opened_on=opened),)
    span_en, span_zh = span_words(*months_and_days(opened, ctx.as_of))
    ready_on = add_months(opened, months)
    status = PASS if ready_on <= ctx.as_of else FAIL
    ready_text = iso_date(ready_on)  # what display(ready_on) shows, made once
    return (
        ctx.check(
            status,
            expected=expected,
            actual=span_en,
            actual_zh=span_zh,
            ready_on=ready_text,
            evidence={"opened_on": iso_date(opened), "eligible_from": ready_text},
        ),
    )


@rule("store.supply_recency")
def supply_recency(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    last = app.store.last_supply_date
    months = ctx.threshold("max_months")
    earliest: date = add_months(ctx.as_of, -months)
    expected = f"on or after {iso_date(earliest)}"
    if last is None:
        return (ctx.check(MISSING, expected=expected),)
    if last > ctx.as_of:
        return (ctx.check(FAIL, "fail_future", expected=expected, actual=last),)
    # Within N months: last + N months >= as_of (clamped calendar months).
    status = PASS if add_months(last, months) >= ctx.as_of else FAIL
    return (ctx.check(status, expected=expected, actual=last, earliest=earliest),)


# --- numeric thresholds -------------------------------------------------------------------


def _minimum(code: str, attribute: str, unit: str = "") -> None:
    """Register a rule "value >= min" over ``store.<attribute>`` (inclusive bound)."""

    @rule(code)
    def minimum(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
        value = getattr(app.store, attribute)
        # The rule set showed the threshold once at load: the same text display() gives.
        expected = f">= {ctx.spec.shown_params['min']}{unit}"
        if value is None:
            return (ctx.check(MISSING, expected=expected),)
        status = PASS if value >= ctx.threshold("min") else FAIL
        return (ctx.check(status, expected=expected, actual=value),)

    minimum.__name__ = minimum.__qualname__ = attribute


_minimum("store.rating", "rating")
_minimum("store.feedback", "positive_feedback_pct", " %")
_minimum("store.gmv", "gmv_12m_usd", " USD")
_minimum("store.account_health", "account_health")
_minimum("store.trustpilot", "trustpilot_rating")
_minimum("store.social_followers", "social_followers")
