"""Rule set 2026.11.2 (RULES.md, edition of 2026-12-06): each corrected reading at its
boundaries, against 2026.11.1's old answer where the reading changed."""

from __future__ import annotations

from datetime import date, timedelta

import phonenumbers
import pytest

from onboard.eligibility.dates import add_months
from onboard.eligibility.duplicates import NAMED_ROWS, unique_values, within_batch
from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import (
    Application,
    Check,
    DocumentFacts,
    Duplicate,
    Evidence,
    FieldReading,
    Status,
    Verdict,
)
from onboard.eligibility.phones import read_phone
from onboard.eligibility.remedies import changes_for
from onboard.eligibility.rules.base import BATCH_ROWS_NAMED
from onboard.eligibility.rules.store import earliest_within
from onboard.eligibility.ruleset import RuleSet, ruleset_by_version
from tests.factories import AS_OF, VALID_USCC, change, eligible, uscc
from tests.rulebook_cases import COMPANY, reading, resident_id

NEW: RuleSet = ruleset_by_version("2026.11.2")
OLD: RuleSet = ruleset_by_version("2026.11.1")


def only(app: Application, code: str, ruleset: RuleSet = NEW, **kwargs: object) -> Check:
    (check,) = evaluate(app, ruleset, as_of=AS_OF, **kwargs).by_code(code)  # type: ignore[arg-type]
    return check


# --- entity.enterprise --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "status", "holder_zh"),
    [
        ("91", Status.PASS, None),
        ("92", Status.FAIL, "个体工商户"),
        ("93", Status.FAIL, "农民专业合作社"),
        ("11", Status.FAIL, "机关"),
        ("12", Status.FAIL, "事业单位"),
        ("51", Status.FAIL, "社会团体"),
    ],
)
def test_enterprise_by_the_code_s_first_two_characters(head, status, holder_zh):
    number = uscc(head)
    app = change(eligible(), entity__license_number=number)
    assert only(app, "entity.license_number").status is Status.PASS  # a valid code
    check = only(app, "entity.enterprise")
    assert check.status is status
    if holder_zh:
        assert holder_zh in check.message["zh"] and f"以 {head} 开头" in check.message["zh"]
        assert check.actual_text["zh"] == holder_zh
        assert "enterprise" in check.message["en"]
    # The first reading had no such rule: every valid code passed.
    assert evaluate(app, OLD, as_of=AS_OF).by_code("entity.enterprise") == []


@pytest.mark.parametrize("number", [None, "", "91440300MA5FXXXXX1"])
def test_enterprise_waits_for_a_valid_number(number):
    app = change(eligible(), entity__license_number=number)
    assert only(app, "entity.enterprise").status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("ci", "status"),
    [
        ("2837074", Status.PASS),
        ("02837074", Status.PASS),
        ("1", Status.PASS),
        ("66820292", Status.PASS),  # a certificate since 2023-12-27 prints the BR number
        ("123456789", Status.FAIL),
        ("C0012345", Status.FAIL),
        (None, Status.MISSING),
    ],
)
def test_hk_company_by_its_certificate_of_incorporation_number(ci, status):
    app = change(eligible("amazon", "HK"), entity__hk_ci_number=ci)
    check = only(app, "entity.enterprise")
    assert (check.status, check.field) == (status, "entity.hk_ci_number")


# --- entry.route and the invitation route -------------------------------------------------


def test_invitation_route_with_a_code_is_a_person_s_call():
    app = change(eligible(), entry__mode="invitation", entry__invitation_code="INV-9")
    check = only(app, "entry.route")
    assert check.status is Status.REVIEW and "INV-9" in check.message["en"]
    assert only(app, "entry.route", OLD).status is Status.PASS


def test_invited_seller_with_a_low_rating_is_reviewed_not_refused():
    app = change(
        eligible(), entry__mode="invitation", entry__invitation_code="INV-9", store__rating=3.5
    )
    report = evaluate(app, NEW, as_of=AS_OF)
    (rating,) = report.by_code("store.rating")
    assert rating.status is Status.REVIEW and report.verdict is Verdict.REVIEW
    assert "平台" in rating.message["zh"] and "4.0" in rating.message["zh"]
    assert rating.evidence["standard_route"]["status"] == "fail"
    assert evaluate(app, OLD, as_of=AS_OF).verdict is Verdict.INELIGIBLE


def test_douyin_brand_without_a_us_store_is_not_incomplete():
    app = change(
        eligible(),
        entry__mode="invitation",
        entry__invitation_code="DY-2026",
        store__platform=None,
        store__url=None,
        store__registered_entity=None,
        store__opened_on=None,
        store__rating=None,
        store__account_health=None,
        store__main_category=None,
        documents={"business_license": "l.jpg", "legal_rep_id": "id.png"},
    )
    report = evaluate(app, NEW, as_of=AS_OF)
    assert report.verdict is Verdict.REVIEW
    assert not [c for c in report.checks if c.status in (Status.MISSING, Status.FAIL)]
    assert changes_for(report, app, NEW) == []
    assert evaluate(app, OLD, as_of=AS_OF).verdict is Verdict.INCOMPLETE


def test_invitation_without_a_code_still_misses_the_store_data():
    app = change(eligible(), entry__mode="invitation", store__rating=None)
    report = evaluate(app, NEW, as_of=AS_OF)
    assert only(app, "entry.route").status is Status.MISSING
    assert report.by_code("store.rating")[0].status is Status.MISSING


@pytest.mark.parametrize(
    ("store", "shop", "status"),
    [
        ("jewelry", "fashion_accessories", Status.FAIL),
        ("fashion_accessories", "jewelry", Status.FAIL),
        ("jewelry", "jewelry", Status.FAIL),
        ("fashion_accessories", "fashion_accessories", Status.PASS),
    ],
)
def test_jewelry_from_either_category(store, shop, status):
    app = change(eligible(), store__main_category=store, shop__main_category=shop)
    check = only(app, "entry.route")
    assert check.status is status
    if status is Status.FAIL:
        assert "珠宝与衍生品" in check.message["zh"]
        for remedy in changes_for(evaluate(app, NEW, as_of=AS_OF), app, NEW):
            # never a category change to escape the rule: no remedy names another category
            assert remedy.target != "fashion_accessories"
            assert "时尚配件" not in remedy.text["zh"]


def test_the_first_reading_judged_the_shop_s_category_only():
    app = change(eligible(), store__main_category="jewelry", shop__main_category="toys")
    assert only(app, "entry.route", OLD).status is Status.PASS


@pytest.mark.parametrize(
    ("gmv", "option"), [(6_000_000, False), (6_000_000.01, True), (None, False)]
)
def test_douyin_option_over_six_million_names_all_three_conditions(gmv, option):
    check = only(change(eligible(), entry__douyin_gmv_180d_cny=gmv), "entry.route")
    assert check.status is Status.PASS
    assert (check.evidence.get("options") == ["invitation"]) is option
    if option:
        for words in ("知名品牌", "6,000,000", "服务口碑"):
            assert words in check.message["zh"]
        assert "service reputation" in check.message["en"]


# --- contact.phone ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "region", "status", "kind"),
    [
        ("+86 138 0013 8000", "CN", Status.PASS, None),
        ("13800138000", "CN", Status.PASS, None),
        ("+86 10 6552 9988", "CN", Status.FAIL, "FIXED_LINE"),
        ("010 6552 9988", "CN", Status.FAIL, "FIXED_LINE"),
        ("+86 400 810 8888", "CN", Status.FAIL, None),
        ("+86 800 810 8888", "CN", Status.FAIL, "TOLL_FREE"),
        ("+852 9123 4567", "HK", Status.PASS, None),
        ("+852 2123 4567", "HK", Status.FAIL, "FIXED_LINE"),
        ("+1 650 253 0000", "CN", Status.PASS, None),  # FIXED_LINE_OR_MOBILE
        ("+1 800 253 0000", "CN", Status.FAIL, "TOLL_FREE"),
    ],
)
def test_only_mobile_numbers(phone, region, status, kind):
    app = change(eligible("amazon", region), contact__phone=phone)
    check = only(app, "contact.phone")
    assert check.status is status
    if status is Status.FAIL:
        assert "手机号码" in check.message["zh"] and "mobile" in check.message["en"]
        if kind:
            assert check.evidence["number_type"] == kind
    # The first reading took any valid number.
    assert only(app, "contact.phone", OLD).status is Status.PASS


# --- store.entity_match -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registered", "applying", "status"),
    [
        ("深圳市星河跨境電子商務有限公司", COMPANY, Status.PASS),
        ("Starriver (HK) Ltd", "Starriver (Hong Kong) Limited", Status.PASS),
        ("STARRIVER TRADING CO., LTD.", "Starriver Trading Company Limited", Status.PASS),
        ("Starriver Corp", "Starriver Corporation", Status.PASS),
        ("Another Trading Co., Ltd.", "Starriver Trading Co., Ltd.", Status.FAIL),
        ("广州市某某贸易有限公司", COMPANY, Status.FAIL),
        ("Starriver Ltd", COMPANY, Status.REVIEW),
    ],
)
def test_same_company_in_either_script_and_spelling(registered, applying, status):
    app = change(eligible(), store__registered_entity=registered, entity__company_name=applying)
    check = only(app, "store.entity_match")
    assert check.status is status
    if status is Status.FAIL:
        (remedy,) = [
            c
            for c in changes_for(evaluate(app, NEW, as_of=AS_OF), app, NEW)
            if c.field == "store.registered_entity"
        ]
        # the store's company is a fact: never "change it to <the applicant's name>"
        assert remedy.target is None and applying not in remedy.text["en"]
        assert "owns the store" in remedy.text["en"] and "店铺所属公司" in remedy.text["zh"]


def test_the_first_reading_did_not_fold_traditional_chinese():
    app = change(eligible(), store__registered_entity="深圳市星河跨境電子商務有限公司")
    assert only(app, "store.entity_match", OLD).status is Status.FAIL


# --- legal_rep.id_number ------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["81", "82", "83"])
def test_residence_permits_are_not_mainland_id_cards(prefix):
    app = change(eligible(), legal_rep__id_number=resident_id(prefix))
    check = only(app, "legal_rep.id_number")
    assert check.status is Status.FAIL and check.evidence["problem"] == "residence_permit"
    assert "香港永久性居民身份证或护照" in check.message["zh"]
    assert only(app, "legal_rep.id_number", OLD).status is Status.PASS


@pytest.mark.parametrize("prefix", ["11", "44", "65"])
def test_mainland_provinces_still_pass(prefix):
    app = change(eligible(), legal_rep__id_number=resident_id(prefix))
    assert only(app, "legal_rep.id_number").status is Status.PASS


# --- store.url ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("https://www.starriverhome.com", Status.PASS),
        ("https://starriver.us", Status.PASS),
        ("https://starriver.io", Status.PASS),
        ("https://starriver.shop", Status.PASS),
        ("https://www.starriver.co.uk", Status.REVIEW),
        ("https://starriver.de", Status.REVIEW),
        ("https://www.starriver.com.cn", Status.REVIEW),
        ("https://www.amazon.com/sp?seller=A1", Status.FAIL),
    ],
)
def test_independent_sites_outside_the_us_market(url, status):
    app = change(eligible("independent"), store__url=url)
    assert only(app, "store.url").status is status
    if status is Status.REVIEW:
        assert only(app, "store.url", OLD).status is Status.PASS


# --- store.feedback, store.supply_recency, document.size ----------------------------------


@pytest.mark.parametrize(
    ("value", "status", "hint"),
    [(90, Status.PASS, None), (89.9, Status.FAIL, None), (0.95, Status.FAIL, "95"),
     (1, Status.FAIL, "100"), (0, Status.FAIL, None)],
)  # fmt: skip
def test_a_feedback_fraction_gets_a_hint(value, status, hint):
    check = only(change(eligible("ebay"), store__positive_feedback_pct=value), "store.feedback")
    assert check.status is status
    if hint:
        assert f"{hint} %" in check.message["en"] and "百分数" in check.message["zh"]
    else:
        assert "percentage" not in check.message["en"]


def test_supply_recency_names_the_earliest_date_that_passes():
    vc = change(eligible("amazon_vc"), as_of=date(2026, 5, 31))
    stale = only(change(vc, store__last_supply_date=date(2026, 2, 28)), "store.supply_recency")
    assert stale.status is Status.FAIL and "2026-03-01" in stale.message["en"]
    assert "2026-02-28 或之后" not in stale.message["zh"] and "2026-03-01" in stale.message["zh"]
    fresh = only(change(vc, store__last_supply_date=date(2026, 3, 1)), "store.supply_recency")
    assert fresh.status is Status.PASS
    (remedy,) = [
        c
        for c in changes_for(
            evaluate(change(vc, store__last_supply_date=date(2026, 2, 28)), NEW), vc, NEW
        )
        if c.field == "store.last_supply_date"
    ]
    assert remedy.action == "upload" and remedy.target == "2026-03-01"


def test_earliest_within_is_the_first_day_that_passes_on_every_day_of_two_years():
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        earliest = earliest_within(day, 3)
        assert add_months(earliest, 3) >= day > add_months(earliest - timedelta(days=1), 3)
        day += timedelta(days=1)


@pytest.mark.parametrize(("size", "status"), [(5_242_879, Status.PASS), (5_242_880, Status.FAIL)])
def test_size_is_said_in_the_unit_it_is_judged_in(size, status):
    facts = DocumentFacts(
        "legal_rep_id", size, problem="too_large" if status is Status.FAIL else None
    )
    check = only(eligible(), "document.size", evidence=Evidence(documents={"legal_rep_id": facts}))
    assert check.status is status
    assert f"{size:,}" in check.message["en"] and "5,242,880" in check.message["zh"]
    assert check.message["en"].count("5.00 MB") == 0


# --- shop.name ----------------------------------------------------------------------------


def test_a_shop_name_of_digits_only():
    app = change(eligible(), shop__name="12345")
    check = only(app, "shop.name")
    assert check.status is Status.FAIL and "拉丁字母" in check.message["zh"]
    (remedy,) = [c for c in changes_for(evaluate(app, NEW), app, NEW) if c.field == "shop.name"]
    assert "?" not in remedy.text["zh"] and "去掉" not in remedy.text["zh"]


# --- the license's printed fields ---------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "status"),
    [
        (FieldReading("深圳市星河跨境電子商務有限公司", "ok", 0.95), Status.PASS),
        (FieldReading("广州市某某贸易有限公司", "ok", 0.95), Status.FAIL),
        (FieldReading("深圳市星河跨境电子商?有限公司", "uncertain", 0.5), Status.REVIEW),
        # unsure of some characters, yet every one agrees with the name typed in
        (FieldReading("深圳市星河跨境电子商务有限公司", "uncertain", 0.8), Status.PASS),
        (FieldReading("广州市某某贸易有限公司", "uncertain", 0.8), Status.REVIEW),
        (FieldReading(None, "unreadable", 0.0), Status.REVIEW),
        (FieldReading("Starriver Ltd", "ok", 0.9), Status.REVIEW),
    ],
)
def test_company_name_on_the_license(printed, status):
    evidence = Evidence(license_reading=reading(company=printed))
    check = only(eligible(), "entity.license_name", evidence=evidence)
    assert (check.status, check.field) == (status, "entity.company_name")
    if status is Status.FAIL:
        assert "申请公司本身" in check.message["zh"]


@pytest.mark.parametrize(
    ("printed", "typed", "status"),
    [
        (FieldReading("張偉", "ok", 0.9), "张伟", Status.PASS),
        (FieldReading("张 伟", "ok", 0.9), "张伟", Status.PASS),
        (FieldReading("李娜", "ok", 0.9), "张伟", Status.FAIL),
        (FieldReading("张?", "uncertain", 0.4), "张伟", Status.REVIEW),
        (FieldReading("張偉", "uncertain", 0.6), "张伟", Status.PASS),
        (FieldReading("张伟", "ok", 0.9), None, Status.MISSING),
    ],
)
def test_legal_representative_on_the_license(printed, typed, status):
    app = change(eligible(), legal_rep__name=typed)
    evidence = Evidence(license_reading=reading(representative=printed))
    assert only(app, "legal_rep.license_name", evidence=evidence).status is status


def test_printed_fields_are_not_judged_without_an_image_or_in_hong_kong():
    assert only(eligible(), "entity.license_name").status is Status.NOT_APPLICABLE
    hk = eligible("amazon", "HK")
    evidence = Evidence(license_reading=reading("12345678", scheme="hk_br"))
    assert only(hk, "legal_rep.license_name", evidence=evidence).status is Status.NOT_APPLICABLE


def test_a_lookalike_difference_gives_the_valid_reading():
    typed = VALID_USCC  # 91350100M000100Y43
    read = typed.replace("0", "O", 1)  # 9135O100…: O is no character of a USCC
    evidence = Evidence(license_reading=reading(read, status="corrected"))
    check = only(eligible(), "entity.license_ocr", evidence=evidence)
    assert check.status is Status.REVIEW
    assert f"Only {typed} passes" in check.message["en"] and typed in check.message["zh"]
    assert "有效的读法" in check.message["zh"]


# --- duplicates ---------------------------------------------------------------------------

UNIQUE = ("entity.license_number", "contact.phone", "contact.email", "shop.name")


def test_a_single_pre_screen_says_uniqueness_is_checked_at_submission():
    report = evaluate(eligible(), NEW, as_of=AS_OF)
    for code in ("entity.license_duplicate", "shop.name_unique"):
        (check,) = report.by_code(code)
        assert check.status is Status.NOT_APPLICABLE and "submission" in check.message["en"]
    for code in ("contact.phone", "contact.email"):
        assert "submission" in report.by_code(code)[0].message["en"]


def test_live_duplicates_keep_the_other_ids_out_of_the_messages():
    evidence = Evidence(duplicates={field: (Duplicate("APP-7Q2X"),) for field in UNIQUE})
    report = evaluate(eligible(), NEW, as_of=AS_OF, evidence=evidence)
    failed = [c for c in report.checks if c.status is Status.FAIL]
    assert len(failed) == 4
    for check in failed:
        assert check.evidence["duplicates"] == ["APP-7Q2X"]
        assert all("APP-7Q2X" not in text for text in check.message.values())


def test_batch_rows_sharing_values_fail_and_name_the_other_rows():
    apps = [
        eligible(),
        eligible(),
        change(eligible(), shop__name="Other Shop", contact__phone=None),
    ]
    found = within_batch((row, unique_values(app)) for row, app in enumerate(apps, 1))
    assert set(found) == {1, 2, 3}
    assert {f: [d.row for d in ds] for f, ds in found[1].items()} == {
        "entity.license_number": [2, 3],
        "contact.phone": [2],
        "contact.email": [2, 3],
        "shop.name": [2],
    }
    evidence = Evidence(duplicates=found[3], duplicates_scope="batch")
    report = evaluate(apps[2], NEW, as_of=AS_OF, evidence=evidence)
    (license_check,) = report.by_code("entity.license_duplicate")
    assert license_check.status is Status.FAIL and "1, 2" in license_check.message["en"]
    assert "第 1, 2 行" in license_check.message["zh"]
    (shop,) = report.by_code("shop.name_unique")
    assert shop.status is Status.PASS and "batch" in shop.message["en"]
    # The first reading knew no batches: nothing changes there.
    assert evaluate(apps[2], OLD, as_of=AS_OF, evidence=evidence).by_code("shop.name_unique") == []


def test_normalisation_is_the_live_registry_s():
    a = change(eligible(), contact__phone="13800138000", contact__email="OPS@Example.CN")
    b = change(eligible(), contact__phone="+86 138-0013-8000", shop__name="  starriver   HOME ")
    assert unique_values(a) == unique_values(b)


def test_a_batch_of_one_application_repeated_names_a_few_rows_only():
    assert NAMED_ROWS == BATCH_ROWS_NAMED
    found = within_batch((row, {"shop.name": "same"}) for row in range(1, 5001))
    assert len(found) == 5000 and all(len(v["shop.name"]) == NAMED_ROWS + 1 for v in found.values())
    evidence = Evidence(duplicates=found[1], duplicates_scope="batch")
    (shop,) = evaluate(eligible(), NEW, evidence=evidence).by_code("shop.name_unique")
    assert "2, 3, 4, 5, 6, 7, 8, 9, 10, 11 …" in shop.message["en"]


# --- the published texts ------------------------------------------------------------------


def test_license_names_are_the_rule_set_s_document_names():
    from onboard.eligibility.rules.entity import _LICENSE_NAMES, LICENSE_DOCUMENT  # noqa: PLC0415

    for region, kind in LICENSE_DOCUMENT.items():
        name = NEW.document_kinds[kind].name
        assert _LICENSE_NAMES[region]["license_zh"] == name["zh"]
        assert _LICENSE_NAMES[region]["license_en"].lower() == name["en"].lower()


def test_checks_carry_their_values_in_both_languages():
    report = evaluate(change(eligible(), fulfillment__method="none"), NEW, as_of=AS_OF)
    (method,) = report.by_code("fulfillment.us_local")
    data = method.to_dict()
    assert data["expected"] == "us_warehouse or fba_mcf" and data["actual"] == "none"
    assert data["expected_text"]["zh"] == "美国海外仓或亚马逊 FBA 多渠道配送"
    assert data["actual_text"]["zh"] == "不从美国境内发货"
    assert method.text("expected", "zh") == "美国海外仓或亚马逊 FBA 多渠道配送"
    (region,) = report.by_code("entity.region")
    assert region.message["zh"] == "公司注册地为中国大陆。"


@pytest.mark.parametrize(
    "text",
    ["+86 138 0013 8000", "13800138000", "+86 10 6552 9988", "+852 9123 4567", "+852 2123-4567",
     "+86 400 810 8888", "1065529988", "+1 650 253 0000", "(010) 6552-9988"],
)  # fmt: skip
def test_read_phone_is_what_phonenumbers_parses(text):
    """The number read is phonenumbers' own parse: the same E.164, the same type."""
    found = read_phone(text, "CN")
    parsed = phonenumbers.parse(text, "CN")
    assert found is not None and phonenumbers.is_valid_number(parsed)
    assert found.e164 == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    kind = phonenumbers.number_type(parsed)
    assert getattr(phonenumbers.PhoneNumberType, found.kind) == kind
