"""The application JSON of CONTRACT.md: strict types, dotted error names, CSV, round trips."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from onboard.eligibility.model import Application, Store
from onboard.errors import InputError
from onboard.intake import schemas
from onboard.intake.schemas import (
    CSV_COLUMNS,
    application_to_csv_row,
    application_to_dict,
    csv_row_to_data,
    flatten_errors,
    parse_application,
    parse_date,
)
from tests.factories import PLATFORMS, eligible


def errors_of(data: object) -> dict[str, list[str]]:
    with pytest.raises(InputError) as caught:
        parse_application(data)
    return caught.value.errors


def with_field(dotted: str, value: Any) -> dict[str, Any]:
    """The eligible application's JSON with one dotted field set to ``value``."""
    data = application_to_dict(eligible())
    section, _, leaf = dotted.partition(".")
    if leaf:
        data[section] = {**(data[section] or {}), leaf: value}
    else:
        data[section] = value
    return data


# --- well-formed input ---------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("region", ["CN", "HK"])
def test_round_trip_of_every_platform_and_region(platform, region):
    application = eligible(platform, region)
    assert parse_application(application_to_dict(application)) == application
    text = json.dumps(application_to_dict(application), ensure_ascii=False)
    assert parse_application(json.loads(text)) == application


def test_contract_example_parses_once_its_category_is_a_published_one():
    data = {
        "as_of": "2026-11-22",
        "entity": {
            "region": "CN",
            "company_name": "深圳市星河跨境电子商务有限公司",
            "license_number": "91440300MA5FXXXXXX",
            "hk_ci_number": None,
        },
        "legal_rep": {
            "name": "张伟",
            "id_type": "cn_resident_id",
            "id_number": "440301199001011234",
        },
        "contact": {"phone": "+86 138 0013 8000", "email": "ops@example.cn"},
        "store": {
            "platform": "amazon",
            "url": "https://www.amazon.com/sp?ie=UTF8&seller=A2EXAMPLE12345",
            "registered_entity": "深圳市星河跨境电子商务有限公司",
            "opened_on": "2025-03-01",
            "rating": 4.6,
            "positive_feedback_pct": None,
            "gmv_12m_usd": 820000,
            "account_health": 310,
            "trustpilot_rating": None,
            "social_followers": None,
            "last_supply_date": None,
            "main_category": "kitchenware",
        },
        "shop": {"name": "Starriver Home", "main_category": "kitchenware"},
        "fulfillment": {"method": "us_warehouse"},
        "entry": {"mode": "standard", "invitation_code": None, "douyin_gmv_180d_cny": None},
        "documents": {"business_license": "license.jpg", "legal_rep_id": "id.png"},
    }
    application = parse_application(data)
    assert application.store.opened_on == date(2025, 3, 1)
    assert application.store.gmv_12m_usd == 820000.0
    assert isinstance(application.store.account_health, int)
    assert application.documents == {"business_license": "license.jpg", "legal_rep_id": "id.png"}


@pytest.mark.parametrize("data", [{}, {"store": None, "entity": {}}, {"documents": None}])
def test_a_draft_may_be_empty(data):
    assert parse_application(data) == Application()


def test_null_fields_and_null_documents_are_not_given():
    application = parse_application(
        {"store": {"rating": None, "platform": None}, "documents": {"legal_rep_id": None}}
    )
    assert application == Application()


def test_region_is_upper_cased_and_any_two_letter_code_is_left_to_the_rule():
    assert parse_application({"entity": {"region": "hk"}}).entity.region == "HK"
    assert parse_application({"entity": {"region": "US"}}).entity.region == "US"


def test_whole_float_is_an_integer_and_integers_are_floats_where_floats_are_asked():
    application = parse_application({"store": {"account_health": 310.0, "rating": 4}})
    assert application.store.account_health == 310
    assert type(application.store.account_health) is int
    assert type(application.store.rating) is float


# --- type errors name their dotted field -----------------------------------------------------

TEXT_FIELDS = [
    "entity.company_name",
    "entity.license_number",
    "entity.hk_ci_number",
    "entity.region",
    "legal_rep.name",
    "legal_rep.id_type",
    "legal_rep.id_number",
    "contact.phone",
    "contact.email",
    "store.platform",
    "store.url",
    "store.registered_entity",
    "store.main_category",
    "shop.name",
    "shop.main_category",
    "fulfillment.method",
    "entry.mode",
    "entry.invitation_code",
]
FLOAT_FIELDS = [
    "store.rating",
    "store.positive_feedback_pct",
    "store.gmv_12m_usd",
    "store.trustpilot_rating",
    "entry.douyin_gmv_180d_cny",
]
INT_FIELDS = ["store.account_health", "store.social_followers"]
DATE_FIELDS = ["as_of", "store.opened_on", "store.last_supply_date"]


def test_the_lists_above_cover_every_column():
    covered = set(TEXT_FIELDS + FLOAT_FIELDS + INT_FIELDS + DATE_FIELDS)
    assert covered == {c for c in CSV_COLUMNS if not c.startswith("documents.")}


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("value", [123, 4.5, True, [], {"a": 1}])
def test_text_fields_refuse_other_types(field, value):
    assert field in errors_of(with_field(field, value))


@pytest.mark.parametrize("field", FLOAT_FIELDS + INT_FIELDS)
@pytest.mark.parametrize("value", ["4.5", "310", True, False, [], {}, "", "nan"])
def test_number_fields_refuse_strings_and_booleans(field, value):
    assert list(errors_of(with_field(field, value))) == [field]


@pytest.mark.parametrize("field", FLOAT_FIELDS + INT_FIELDS)
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**400, -1])
def test_number_fields_refuse_non_finite_huge_and_negative(field, value):
    assert list(errors_of(with_field(field, value))) == [field]


@pytest.mark.parametrize("field", INT_FIELDS)
def test_integer_fields_refuse_fractions(field):
    assert list(errors_of(with_field(field, 310.5))) == [field]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("store.rating", 5.01),
        ("store.trustpilot_rating", 5.5),
        ("store.positive_feedback_pct", 100.5),
        ("store.account_health", 1001),
    ],
)
def test_values_off_their_scale_are_refused(field, value):
    assert list(errors_of(with_field(field, value))) == [field]


@pytest.mark.parametrize("field", DATE_FIELDS)
@pytest.mark.parametrize(
    "value",
    [
        "2026-02-29",  # not a leap year
        "2026-1-5",
        "2026/01/05",
        "20260105",
        "2026-W01",
        "2026-01-05T00:00:00",
        " 2026-01-05",
        "2026-01-05\n",
        "1899-12-31",
        "9999-12-31",
        "２０２６-０１-０５",  # full-width digits
        20260105,
        True,
        [],
    ],
)
def test_dates_are_calendar_dates_spelt_yyyy_mm_dd(field, value):
    assert list(errors_of(with_field(field, value))) == [field]


def test_leap_day_of_a_leap_year_is_a_date():
    assert parse_date("2028-02-29") == date(2028, 2, 29)
    assert parse_application({"as_of": "2028-02-29"}).as_of == date(2028, 2, 29)


def test_date_messages_say_what_is_wrong():
    assert "calendar" in errors_of({"as_of": "2026-02-29"})["as_of"][0]
    assert "YYYY-MM-DD" in errors_of({"as_of": "2026-1-5"})["as_of"][0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("entity.region", "CHN"),
        ("entity.region", "C1"),
        ("legal_rep.id_type", "driving_licence"),
        ("store.platform", "etsy"),
        ("store.main_category", "home_kitchen"),
        ("shop.main_category", "spaceships"),
        ("fulfillment.method", "dropship"),
        ("entry.mode", "vip"),
    ],
)
def test_closed_lists(field, value):
    messages = errors_of(with_field(field, value))
    assert list(messages) == [field]


def test_long_text_is_a_field_error():
    assert list(errors_of(with_field("entity.company_name", "字" * 501))) == ["entity.company_name"]
    assert parse_application(with_field("entity.company_name", "字" * 500))


def test_lone_surrogates_are_refused_not_carried_to_the_output():
    data = json.loads('{"shop": {"name": "Star\\ud800"}}')
    assert list(errors_of(data)) == ["shop.name"]


# --- unknown fields, sections that are not objects -----------------------------------------


@pytest.mark.parametrize(
    "section", ["entity", "legal_rep", "contact", "store", "shop", "fulfillment", "entry"]
)
def test_unknown_fields_in_every_section(section):
    data = with_field(f"{section}.colour", "red")
    messages = errors_of(data)
    assert list(messages) == [f"{section}.colour"]
    assert "Unknown field" in messages[f"{section}.colour"][0]


def test_unknown_top_level_field_and_unknown_document_kind():
    messages = errors_of({"hobby": "golf", "documents": {"selfie": "me.png"}})
    assert set(messages) == {"hobby", "documents.selfie"}


@pytest.mark.parametrize("value", ["", "   ", 3, ["a.png"], {"file": "a.png"}])
def test_document_file_names_are_non_empty_strings(value):
    assert list(errors_of({"documents": {"legal_rep_id": value}})) == ["documents.legal_rep_id"]


@pytest.mark.parametrize("value", [[], "x", 3, True])
def test_a_section_that_is_not_an_object_names_the_section(value):
    assert list(errors_of(with_field("store", value))) == ["store"]
    assert list(errors_of({"documents": value})) == ["documents"]


@pytest.mark.parametrize("value", [None, [], [{}], "{}", 3, 4.5, True])
def test_a_top_level_that_is_not_an_object_is_schema(value):
    assert list(errors_of(value)) == ["_schema"]


def test_many_errors_at_once_each_under_its_own_name():
    data = {"as_of": "x", "store": {"rating": "4", "colour": 1}, "shop": 3, "extra": 1}
    assert set(errors_of(data)) == {"as_of", "store.rating", "store.colour", "shop", "extra"}


def test_flatten_errors():
    nested = {"store": {"rating": ["bad"], "_schema": ["odd"]}, "_schema": ["top"], "a": "x"}
    assert flatten_errors(nested) == {
        "store.rating": ["bad"],
        "store": ["odd"],
        "_schema": ["top"],
        "a": ["x"],
    }


def test_input_error_summary_is_one_line():
    error = InputError({"a": ["line\nbreak"], "b": ["x"], "c": ["y"], "d": ["z"]})
    assert "\n" not in error.summary()
    assert error.summary().endswith("(and 1 more)")


def test_categories_come_from_the_rule_set_given(ruleset):
    fewer = dataclasses.replace(
        ruleset, categories={k: v for k, v in ruleset.categories.items() if k != "toys"}
    )
    data = {"shop": {"main_category": "toys"}}
    assert parse_application(data, ruleset=ruleset).shop.main_category == "toys"
    with pytest.raises(InputError) as caught:
        parse_application(data, ruleset=fewer)
    assert list(caught.value.errors) == ["shop.main_category"]
    assert parse_application(data).shop.main_category == "toys"  # the default is restored


# --- CSV -------------------------------------------------------------------------------------


def test_csv_columns_are_dotted_names_in_a_stable_order(ruleset):
    assert CSV_COLUMNS[0] == "as_of"
    assert len(set(CSV_COLUMNS)) == len(CSV_COLUMNS)
    assert CSV_COLUMNS.index("store.rating") < CSV_COLUMNS.index("shop.name")
    kinds = [c.removeprefix("documents.") for c in CSV_COLUMNS if c.startswith("documents.")]
    assert kinds == list(ruleset.document_kinds)
    leaves = {f"store.{f.name}" for f in dataclasses.fields(Store)}
    assert leaves <= set(CSV_COLUMNS)


def test_csv_cells_become_typed_values_in_one_place():
    row = {
        "as_of": "2026-11-22",
        "store.rating": " 4.5 ",
        "store.account_health": "310",
        "store.gmv_12m_usd": "8.2e5",
        "store.social_followers": "",
        "entity.company_name": "星河",
        "documents.legal_rep_id": "id.png",
        "entry.mode": "   ",
    }
    data = csv_row_to_data(row)
    assert data == {
        "as_of": "2026-11-22",
        "store": {"rating": 4.5, "account_health": 310, "gmv_12m_usd": 820000.0},
        "entity": {"company_name": "星河"},
        "documents": {"legal_rep_id": "id.png"},
    }
    application = parse_application(data)
    assert application.store.account_health == 310 and application.as_of == date(2026, 11, 22)


@pytest.mark.parametrize("cell", ["4,5", "abc", "nan", "inf", "1e", "--1", "4.5.1", "１"])
def test_csv_bad_number_names_its_column(cell):
    with pytest.raises(InputError) as caught:
        csv_row_to_data({"store.rating": cell, "shop.name": "ok"})
    assert list(caught.value.errors) == ["store.rating"]


def test_csv_fraction_in_an_integer_column_is_a_schema_error():
    with pytest.raises(InputError) as caught:
        parse_application(csv_row_to_data({"store.account_health": "310.5"}))
    assert list(caught.value.errors) == ["store.account_health"]
    assert parse_application(csv_row_to_data({"store.account_health": "310.0"}))


def test_csv_unknown_columns_and_surplus_cells():
    with pytest.raises(InputError) as caught:
        csv_row_to_data({"store.colour": "red", None: ["x"], "shop.name": "ok"})
    assert set(caught.value.errors) == {"store.colour", "_row"}


def test_csv_short_rows_leave_fields_out():
    assert csv_row_to_data({"shop.name": "ok", "store.rating": None}) == {"shop": {"name": "ok"}}


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("region", ["CN", "HK"])
def test_csv_round_trip(platform, region):
    application = eligible(platform, region)
    row = application_to_csv_row(application)
    assert list(row) == CSV_COLUMNS
    assert all(isinstance(cell, str) for cell in row.values())
    assert parse_application(csv_row_to_data(row)) == application


# --- property: no input makes the parser fail in another way -------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(exclude_categories=()), max_size=20)
    | st.sampled_from(["2026-02-28", "2026-02-29", "CN", "amazon", "toys", "4.5", "", "\ud800"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
FIELD_PATHS = [*CSV_COLUMNS, "entity", "store", "documents", "hobby", "store.colour"]


def _place(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(base))
    section, _, leaf = path.partition(".")
    if not leaf:
        data[section] = value
    elif isinstance(data.get(section), dict):
        data[section][leaf] = value
    else:
        data[section] = {leaf: value}
    return data


BASE = application_to_dict(eligible())


def _outcome(data: object) -> Application | dict[str, list[str]]:
    try:
        application = parse_application(data)
    except InputError as exc:
        assert exc.errors and all(isinstance(k, str) for k in exc.errors)
        assert all(v and all(isinstance(m, str) for m in v) for v in exc.errors.values())
        json.dumps(exc.errors, ensure_ascii=False).encode("utf-8")  # always printable
        return exc.errors
    assert isinstance(application, Application)
    return application


@settings(
    max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(path=st.sampled_from(FIELD_PATHS), value=json_values, base=st.sampled_from([BASE, {}]))
def test_any_json_value_in_any_field_is_an_application_or_an_input_error(path, value, base):
    _outcome(_place(base, path, value))


@settings(max_examples=100, deadline=None, database=None)
@given(value=json_values)
def test_any_json_value_as_the_whole_application(value):
    _outcome(value)


def test_quick_path_takes_well_formed_applications():
    for platform in PLATFORMS:
        data = application_to_dict(eligible(platform))
        quick = schemas._load_quickly(data, schemas.current_ruleset())
        assert quick == eligible(platform)


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(path=st.sampled_from(FIELD_PATHS), value=json_values, base=st.sampled_from([BASE, {}]))
def test_quick_path_agrees_with_marshmallow(path, value, base):
    """The quick path only ever returns what marshmallow would (see schemas' fields)."""
    data = _place(base, path, value)
    try:
        quick = schemas._load_quickly(data, schemas.current_ruleset())
    except schemas._Fallback:
        return
    try:
        careful = schemas._SCHEMA.load(data)
    except ValidationError as exc:  # pragma: no cover — a disagreement is the bug we look for
        pytest.fail(f"quick path accepted what marshmallow refuses: {exc.messages}")
    assert quick == careful
