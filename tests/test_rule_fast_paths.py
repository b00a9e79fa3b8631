"""The rules' fast paths give exactly what the general paths they shortcut give.

Store links of the common shapes are judged by one regular expression instead of urllib, names
are searched by one regular expression instead of character by character, month arithmetic
skips the dates it need not build, checks decided by a small key are built once and shared,
plans are kept per rule set, date and platform, and company names in ASCII are folded in one
pass. Each is proved here against the general path (or the definition) it stands in for.
(Messages: tests/test_messages.py.)
"""

from __future__ import annotations

import calendar
import inspect
import re
import sys
import tomllib
import unicodedata
from datetime import date
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onboard.eligibility import dates, engine, identifiers
from onboard.eligibility.engine import evaluate
from onboard.eligibility.memo import Memo
from onboard.eligibility.model import Check, Duplicate, Evidence, Report, SharedCheck, Status
from onboard.eligibility.rules import REGISTRY, entity, shop, store
from onboard.eligibility.ruleset import RULESETS_DIR, parse_ruleset
from tests.factories import AS_OF, PLATFORMS, STORES, VALID_USCC, change, eligible

# --- store.url -------------------------------------------------------------------------------

_SCHEMES = st.sampled_from(["https://", "http://", "HTTPS://", "", "//", "ftp://", " https://"])
_HOSTS = st.sampled_from(
    [
        "www.amazon.com",
        "amazon.com",
        "smile.amazon.com",
        "AMAZON.com",
        "www.amazon.com.",
        "www.amazon.co.uk",
        "amazon.com.evil.cn",
        "xamazon.com",
        "user@www.amazon.com",
        "www.amazon.com:443",
        "www.walmart.com",
        "walmart.ca",
        "www.ebay.com",
        "ebay.de",
        "shop.temu.com",
        "www.brand.com",
        "brand",
        "127.0.0.1",
        "[::1]",
        "[::1",
        "bränd.com",
        "-.amazon.com",
        "..amazon.com",
    ]
)
_SEGMENTS = st.sampled_from(
    ["sp", "seller", "str", "usr", "dp", "gp", "product", "ip", "B0C1234567", "101234567", ""]
) | st.text(alphabet="abXY09_.-=%+;: é中", max_size=11)
_PATHS = st.lists(_SEGMENTS, max_size=4).map(lambda parts: "".join("/" + p for p in parts))
_PAIRS = st.tuples(
    st.sampled_from(["seller", "ie", "sel%6Cer", "tab", "", "seller ", "seller="]),
    st.sampled_from(["=", ""]),
    st.sampled_from(["A2EXAMPLE12345", "ABCDEF", "ABCDE", "abcdef", "", "A+B", "AB%43DEF", "UTF8"]),
)
_QUERIES = st.lists(_PAIRS, max_size=4).map(lambda pairs: "&".join("".join(p) for p in pairs))
_LINKS = st.builds(
    lambda scheme, host, path, query, asked, tail: (
        scheme + host + path + ("?" + query if asked else "") + tail
    ),
    _SCHEMES,
    _HOSTS,
    _PATHS,
    _QUERIES,
    st.booleans(),
    st.sampled_from(["", "#x", "/", "\n", " ", "?"]),
)


_GOOD_LINKS = [
    *(store_fields["url"] for store_fields in STORES.values()),
    "https://www.amazon.com/sp?seller=A2EXAMPLE12345&ie=UTF8",
    "https://www.amazon.com/gp/product/B0C1234567/ref=x",
    "https://www.ebay.com/usr/a.b-c_d/",
    "https://walmart.com/ip/a/b/123/",
]


@st.composite
def _near_links(draw: st.DrawFn) -> str:
    """A good link with one to three characters inserted, dropped or replaced."""
    link = draw(st.sampled_from(_GOOD_LINKS))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(link)))
        char = draw(st.sampled_from("/?&=.:@#%+;[] ASZasz09-_\n\té中"))
        how = draw(st.sampled_from(["insert", "drop", "replace"]))
        link = link[:at] + ("" if how == "drop" else char) + link[at + (how != "insert") :]
    return link


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(max_examples=100)
@given(data=st.data())
def test_a_link_of_a_fast_shape_is_judged_as_urllib_would(platform, data):
    link = data.draw(st.from_regex(store.FAST_PASS[platform], fullmatch=True))
    general = store.judge_store_url_in_general(platform, link)
    assert store.judge_store_url(platform, link) == general
    if platform != "independent":
        assert general[0] == "pass"


@settings(max_examples=1000)
@given(platform=st.sampled_from(PLATFORMS), link=_LINKS | _near_links() | st.text(max_size=40))
def test_any_link_is_judged_as_urllib_would(platform, link):
    assert store.judge_store_url(platform, link) == store.judge_store_url_in_general(platform, link)


@pytest.mark.parametrize(
    "link",
    [
        "https://www.amazon.com/sp?seller=abcdef&seller=A2EXAMPLE12345",  # parse_qs: first one
        "https://www.amazon.com/sp?seller=&seller=A2EXAMPLE12345",  # blank ones are dropped
        "https://www.amazon.com/sp?sel%6Cer=A2EXAMPLE12345",
        "https://www.amazon.com/sp?seller=A2EXAMPLE12345%",
        "https://www.amazon.com/sp?seller=A2EXAMPLE12345\n",
        "https://www.amazon.com/sp?seller=A2EXAMPLE12345#top",
        "https://www.amazon.com/sp/?seller=A2EXAMPLE12345",
        "https://www.amazon.com./sp?seller=A2EXAMPLE12345",
    ],
)
def test_links_off_the_fast_shapes_are_judged_in_general(link):
    assert store.FAST_PASS["amazon"].fullmatch(link) is None
    assert store.judge_store_url("amazon", link) == store.judge_store_url_in_general("amazon", link)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_usual_links_take_the_fast_path(platform):
    assert store.FAST_PASS[platform].fullmatch(STORES[platform]["url"])


# --- store.entity_match -------------------------------------------------------------------


def test_every_cjk_unified_ideograph_is_a_han_candidate():
    """_has_han looks up the names of the candidates only: none of the others is one."""
    missed = [
        hex(point)
        for point in range(sys.maxunicode + 1)
        if "CJK UNIFIED" in unicodedata.name(chr(point), "")
        and not store._HAN_CANDIDATE.match(chr(point))
    ]
    assert missed == []


@pytest.mark.parametrize(
    ("company", "registered", "status"),
    [
        (" 星河有限公司 ", " 星河有限公司 ", Status.PASS),  # the same text
        ("Starriver Ltd", "Starriver Ltd", Status.PASS),
        ("星河有限公司", "Starriver Ltd", Status.REVIEW),
        ("星河有限公司", "㐀 Ltd", Status.FAIL),  # extension A is Han too
        ("Starriver Ltd", "あ Ltd", Status.FAIL),  # kana are not
        ("Starriver Ltd", "\U0001f210 Ltd", Status.REVIEW),  # squared 手: NFKC makes it Han
    ],
)
def test_entity_match_shortcuts(ruleset, company, registered, status):
    app = change(eligible(), entity__company_name=company, store__registered_entity=registered)
    (check,) = evaluate(app, ruleset).by_code("store.entity_match")
    assert (check.status, check.expected, check.actual) == (
        status,
        company.strip(),
        registered.strip(),
    )


# --- shop.name ----------------------------------------------------------------------------

#: RULES.md's "written in English", one character at a time (what the rule used to test).
_ENGLISH_CHAR = re.compile(r"[A-Za-z0-9 .,'’&\-!?:;()/+#@\"_]")


@settings(max_examples=500)
@given(st.text(max_size=30) | st.text(alphabet="AZaz09 .,'’&-!?:;()/+#@\"_\\[]^中é\n", max_size=30))
def test_offending_characters_found_at_once_as_one_by_one(name):
    one_by_one = sorted({ch for ch in name if not _ENGLISH_CHAR.fullmatch(ch)})
    assert sorted(set(shop._NOT_ENGLISH_CHAR.findall(name))) == one_by_one


# --- months -------------------------------------------------------------------------------


def _add_months_in_general(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@settings(max_examples=1000)
@given(st.dates(), st.integers(-1300, 1300))
def test_add_months_skips_clamping_only_where_no_month_needs_it(day, months):
    try:
        expected = _add_months_in_general(day, months)
    except ValueError:
        with pytest.raises(ValueError):
            dates.add_months(day, months)
    else:
        assert dates.add_months(day, months) == expected


@settings(max_examples=1000)
@given(
    st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.dates(date(1900, 1, 1), date(2100, 12, 31))
)
def test_months_and_days_are_whole_months_then_days(start, end):
    months, days = dates.months_and_days(start, end)
    if end <= start:
        assert (months, days) == (0, 0)
        return
    reached = dates.add_months(start, months)
    assert reached <= end < dates.add_months(start, months + 1)
    assert days == (end - reached).days


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (date(2026, 8, 22), date(2026, 11, 22), ("3 months", "3 个月")),
        (date(2026, 10, 21), date(2026, 11, 22), ("1 month 1 day", "1 个月1 天")),
        (date(2026, 11, 20), date(2026, 11, 22), ("2 days", "2 天")),
        (date(2026, 11, 22), date(2026, 11, 22), ("0 days", "0 天")),
        (date(2026, 1, 31), date(2026, 3, 1), ("1 month 1 day", "1 个月1 天")),
        (date(2024, 2, 29), date(2025, 2, 28), ("12 months", "12 个月")),
    ],
)
def test_span_words(start, end, words):
    assert dates.span_words(*dates.months_and_days(start, end)) == words
    assert dates.describe_span(start, end) == {"en": words[0], "zh": words[1]}


# --- checks built once per key ------------------------------------------------------------

SHARED = ["entity.region", "fulfillment.us_local", "entry.route", "shop.category_match"]


def _only(report: Report, code: str):  # type: ignore[no-untyped-def]
    (check,) = report.by_code(code)
    return check


@pytest.mark.parametrize("code", [*SHARED, "entity.hk_documents"])
def test_checks_decided_by_a_small_key_are_shared(ruleset, code):
    first = _only(evaluate(eligible("amazon", "HK"), ruleset), code)
    other = change(eligible("ebay", "HK"), store__opened_on=date(2024, 1, 1))
    assert _only(evaluate(other, ruleset), code) is first


@pytest.mark.parametrize(
    ("code", "field", "value"),
    [
        ("store.rating", "store__rating", 4.6),
        ("store.rating", "store__rating", 3.1),
        ("store.rating", "store__rating", None),
        ("store.account_health", "store__account_health", 250),
    ],
)
def test_a_score_s_check_is_shared_by_value(ruleset, code, field, value):
    first = _only(evaluate(change(eligible("amazon", "CN"), **{field: value}), ruleset), code)
    other = change(eligible("amazon", "HK"), store__opened_on=date(2024, 1, 1), **{field: value})
    assert _only(evaluate(other, ruleset), code) is first


def test_equal_scores_of_other_types_are_shown_as_typed(ruleset):
    """4 and 4.0 are equal keys, yet read "4" and "4.0": each is its own shared check."""
    shown = []
    for rating in (4, 4.0, 4):
        check = _only(evaluate(change(eligible(), store__rating=rating), ruleset), "store.rating")
        shown.append((check.actual, check.message["en"]))
    assert [actual for actual, _ in shown] == ["4", "4.0", "4"]
    assert "rating 4 meets" in shown[0][1] and "rating 4.0 meets" in shown[1][1]


def test_amounts_are_judged_afresh(ruleset):
    """GMV rarely repeats: its checks are the application's own, not shared."""
    app = change(eligible("walmart", "CN"), store__gmv_12m_usd=820_000.0)
    first = _only(evaluate(app, ruleset), "store.gmv")
    assert type(first) is Check
    assert _only(evaluate(app, ruleset), "store.gmv") == first


def test_a_registration_number_is_judged_once_per_application(ruleset, monkeypatch):
    """entity.license_number and entity.enterprise both need the number judged: once."""
    judged: list[str] = []
    real = identifiers.validate_uscc
    monkeypatch.setattr(
        identifiers, "validate_uscc", lambda text: judged.append(text) or real(text)
    )
    entity._validate.cache_clear()
    report = evaluate(eligible("amazon", "CN"), ruleset)
    assert judged == [VALID_USCC]
    assert {
        c.status
        for c in (*report.by_code("entity.license_number"), *report.by_code("entity.enterprise"))
    } == {Status.PASS}


def test_the_same_number_is_judged_by_each_region_s_rules(ruleset):
    for region, status in (("HK", Status.PASS), ("CN", Status.FAIL), ("HK", Status.PASS)):
        app = change(eligible("amazon", region), entity__license_number="12345678")
        assert _only(evaluate(app, ruleset), "entity.license_number").status is status


@pytest.mark.parametrize("code", [*SHARED, "entity.hk_documents"])
def test_a_shared_check_whose_message_names_the_date_is_kept_per_date(code):
    raw = tomllib.loads(sorted(RULESETS_DIR.glob("*.toml"))[0].read_text(encoding="utf-8"))
    raw["rules"][code]["messages"]["pass"]["en"] += " (as of {as_of})"
    dated = parse_ruleset(raw)
    for day in (AS_OF, date(2026, 12, 1), AS_OF):
        check = _only(evaluate(change(eligible(), as_of=day), dated), code)
        assert check.message["en"].endswith(f" (as of {day.isoformat()})")


def test_registration_documents_follow_the_rule_set_judging(ruleset):
    raw = tomllib.loads(sorted(RULESETS_DIR.glob("*.toml"))[0].read_text(encoding="utf-8"))
    raw["documents"]["hk_business_registration"]["regions"] = ["CN", "HK"]
    wider = parse_ruleset(raw)
    app = eligible("amazon", "CN")
    assert _only(evaluate(app, ruleset), "entity.hk_documents").status is Status.PASS
    check = _only(evaluate(app, wider), "entity.hk_documents")
    assert (check.status, check.field) == (Status.MISSING, "documents.hk_business_registration")
    assert check.expected == "business_license, hk_business_registration"


# --- the engine's plans ----------------------------------------------------------------------


def _evaluate_afresh(app, ruleset, evidence=None):  # type: ignore[no-untyped-def]
    """What evaluate() gives with no plan kept: every rule's context built for this call."""
    return evaluate(app, ruleset, evidence=evidence or Evidence())


@pytest.mark.parametrize("platform", [*PLATFORMS, None])
@pytest.mark.parametrize("region", ["CN", "HK", None])
def test_a_kept_plan_judges_as_a_fresh_one(ruleset, platform, region):
    app = change(eligible(platform or "amazon", region or "CN"))
    app = change(app, store__platform=platform, entity__region=region)
    for day in (AS_OF, date(2026, 12, 31), AS_OF):  # the second AS_OF is served by its plan
        dated = change(app, as_of=day)
        assert evaluate(dated, ruleset) == _evaluate_afresh(dated, ruleset)


def test_plans_are_kept_per_date_and_platform_and_bounded(ruleset, monkeypatch):
    monkeypatch.setattr(engine, "_PLANS", Memo(3))
    app = eligible("amazon", "CN")
    days = [date(2026, 11, day) for day in range(1, 8)]
    for day in days:
        for platform in ("amazon", "ebay"):
            dated = change(app, as_of=day, store__platform=platform)
            assert evaluate(dated, ruleset) == _evaluate_afresh(dated, ruleset)
            assert len(engine._PLANS) <= 3
    first = evaluate(change(app, as_of=days[-1]), ruleset)
    assert first.as_of == days[-1]


def test_evidence_is_never_served_from_a_kept_plan(ruleset):
    app = eligible("amazon", "CN")
    plain = evaluate(app, ruleset)  # keeps the plan of (AS_OF, amazon)
    duplicates = {"entity.license_number": (Duplicate("other-1"),)}
    with_evidence = evaluate(app, ruleset, evidence=Evidence(duplicates=duplicates))
    (duplicate,) = with_evidence.by_code("entity.license_duplicate")
    assert duplicate.status is Status.FAIL
    assert [c.status for c in plain.by_code("entity.license_duplicate")] == [Status.NOT_APPLICABLE]
    assert evaluate(app, ruleset) == plain


def test_shared_checks_are_marked_and_read_only(ruleset):
    report = evaluate(eligible("walmart", "CN"), ruleset)
    shared = [check for check in report.checks if isinstance(check, SharedCheck)]
    assert {check.status for check in shared} >= {Status.NOT_APPLICABLE, Status.PASS}
    for check in shared:
        assert isinstance(check.message, MappingProxyType)
        assert check == Check(*check)  # a check like any other, for every reader
    unique = report.by_code("contact.phone")[0]
    assert type(unique) is Check


@pytest.mark.parametrize("platform", [*PLATFORMS, None, "tmall"])
@pytest.mark.parametrize("region", ["CN", "HK", None, "US"])
def test_documents_required_are_the_kinds_certainly_required(ruleset, region, platform):
    expected = tuple(
        kind
        for kind in ruleset.document_kinds.values()
        if kind.required_for(region, platform) is True
    )
    assert ruleset.documents_required(region, platform) == expected
    assert ruleset.documents_required(region, platform) == expected  # and when kept


# --- the engine's own ------------------------------------------------------------------------


def test_rules_return_their_checks_rather_than_yield_them():
    """The engine runs ~27 rules per application: a generator's setup and resumes cost more
    than the tuple (or list) a rule returns."""
    generators = [
        code for code, function in REGISTRY.items() if inspect.isgeneratorfunction(function)
    ]
    assert generators == []


def test_status_names_are_the_members():
    assert tuple(Status) == (
        Status.PASS,
        Status.FAIL,
        Status.MISSING,
        Status.REVIEW,
        Status.NOT_APPLICABLE,
    )
    assert Status.PASS is Status.PASS and Status.NOT_APPLICABLE is Status.NOT_APPLICABLE


def test_documents_of_region_are_its_registration_papers(ruleset):
    for region in ("CN", "HK", "XX"):
        assert ruleset.documents_of_region(region) == tuple(
            kind
            for kind in ruleset.document_kinds.values()
            if kind.regions is not None and region in kind.regions
        )
    assert [kind.kind for kind in ruleset.documents_of_region("HK")] == [
        "hk_incorporation_certificate",
        "hk_business_registration",
    ]


# --- company names and dates --------------------------------------------------------------


def _normalize_company_in_general(name: str) -> str:
    kept = "".join(filter(str.isalnum, unicodedata.normalize("NFKC", name).casefold()))
    for long, short in store._SUFFIXES:
        kept = kept.replace(long, short)
    return kept


@settings(max_examples=500)
@given(
    st.text(alphabet=st.characters(max_codepoint=127), max_size=40)
    | st.text(max_size=20)
    | st.sampled_from(["Starriver Co., Ltd.", "ＳＴＡＲ Company Limited", "星河有限责任公司"])
)
def test_company_names_are_normalized_as_in_general(name):
    assert store.normalize_company(name) == _normalize_company_in_general(name)


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(max_codepoint=0x30000), max_size=12))
def test_han_is_found_as_by_looking_at_every_candidate(text):
    every = [unicodedata.name(ch, "") for ch in store._HAN_CANDIDATE.findall(text)]
    assert store._has_han(text) == any("CJK UNIFIED" in name for name in every)


def test_dates_are_written_as_isoformat_writes_them():
    for day in (date(1, 1, 1), date(2026, 2, 28), date(9999, 12, 31), AS_OF):
        assert dates.iso_date(day) == day.isoformat() == dates.iso_date(day)
