"""Properties of the rule engine and the API over generated input (hypothesis).

``test_schemas.py`` holds the parser's: any JSON value in any field is an application or an
input error. Here the same holds end to end, and the engine is held to its own promises:

* through the API, any JSON value in any field is a 200 report or a 4xx JSON error naming
  fields — never a 5xx, never another shape;
* any application the schema can let through, and more (every field any value of its type,
  out of scale too; closed lists any of their values; any mix of document findings) gets a
  report: verdict consistent with its checks, one known
  status per check, a message in both languages, serialisable as JSON.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onboard.documents import Problem
from onboard.eligibility.engine import evaluate, verdict_of
from onboard.eligibility.model import (
    Application,
    Contact,
    DocumentFacts,
    Entity,
    Entry,
    Evidence,
    Fulfillment,
    ImageQuality,
    LegalRep,
    Shop,
    Status,
    Store,
    Verdict,
)
from onboard.eligibility.ruleset import RuleSet, ruleset_in_force
from onboard.intake.schemas import ID_TYPES
from tests.conftest import make_app
from tests.factories import AS_OF
from tests.test_schemas import BASE, FIELD_PATHS, _place, json_values

STATUSES = {status.value for status in Status}
VERDICTS = {verdict.value for verdict in Verdict}
RULESET: RuleSet = ruleset_in_force(AS_OF)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    app: Flask = make_app(tmp_path_factory.mktemp("properties"))
    return app.test_client()


def _assert_report(body: dict[str, Any]) -> None:
    assert body["verdict"] in VERDICTS and body["route"] in ("standard", "invitation")
    statuses = {check["status"] for check in body["checks"]}
    assert statuses <= STATUSES
    expected = verdict_of_statuses(statuses)
    assert body["verdict"] == expected, (body["verdict"], statuses)
    for check in body["checks"]:
        assert check["code"] and check["field"]
        assert check["message"]["en"] and check["message"]["zh"]


def verdict_of_statuses(statuses: set[str]) -> str:
    for status, verdict in (
        ("fail", "ineligible"),
        ("missing", "incomplete"),
        ("review", "review"),
    ):
        if status in statuses:
            return verdict
    return "eligible"


def _assert_error(response: Any) -> None:
    assert response.status_code in (400, 413, 415, 422), response.status_code
    body = response.json
    assert body["status"] == response.status_code and isinstance(body["message"], str)
    errors = body.get("errors") or {}
    assert all(
        isinstance(k, str) and v and all(isinstance(m, str) for m in v) for k, v in errors.items()
    )
    assert errors, body


# --- the API ------------------------------------------------------------------------------


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(path=st.sampled_from(FIELD_PATHS), value=json_values, base=st.sampled_from([BASE, {}]))
def test_any_json_value_in_any_field_through_the_api(api: FlaskClient, path, value, base):
    data = _place(base, path, value)
    body = json.dumps(data, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")
    response = api.post("/api/v1/prescreen", data=body, content_type="application/json")
    if response.status_code == 200:
        _assert_report(response.json)
    else:
        _assert_error(response)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=st.one_of(json_values.map(json.dumps), st.binary(max_size=200).map(repr)))
def test_any_body_at_all(api: FlaskClient, body: str):
    response = api.post(
        "/api/v1/prescreen",
        data=body.encode("utf-8", "surrogatepass"),
        content_type="application/json",
    )
    if response.status_code == 200:
        _assert_report(response.json)
    else:
        _assert_error(response)


# --- the engine ---------------------------------------------------------------------------

texts = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["", " ", "91440300MA5FXXXXXX", "440301199001011234", "A123456(7)"]),
)
numbers = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
)
counts = st.one_of(st.none(), st.integers(min_value=-(10**12), max_value=10**15))
dates = st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)))


def closed(values: Any) -> st.SearchStrategy[str | None]:
    """A closed list's values: the schema refuses any other before the engine runs (and
    ``test_schemas`` proves it does)."""
    return st.one_of(st.none(), st.sampled_from(sorted(values)))


regions = st.one_of(
    closed(["CN", "HK", "US", "TW"]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
)


applications = st.builds(
    Application,
    as_of=st.one_of(st.none(), st.dates(min_value=AS_OF, max_value=date(2030, 12, 31))),
    entity=st.builds(
        Entity,
        region=regions,
        company_name=texts,
        license_number=texts,
        hk_ci_number=texts,
    ),
    legal_rep=st.builds(
        LegalRep,
        name=texts,
        id_type=closed(ID_TYPES),
        id_number=texts,
    ),
    contact=st.builds(Contact, phone=texts, email=texts),
    store=st.builds(
        Store,
        platform=closed(RULESET.platforms),
        url=texts,
        registered_entity=texts,
        opened_on=dates,
        rating=numbers,
        positive_feedback_pct=numbers,
        gmv_12m_usd=numbers,
        account_health=counts,
        trustpilot_rating=numbers,
        social_followers=counts,
        last_supply_date=dates,
        main_category=closed(RULESET.categories),
    ),
    shop=st.builds(Shop, name=texts, main_category=closed(RULESET.categories)),
    fulfillment=st.builds(Fulfillment, method=closed(["us_warehouse", "fba_mcf", "none"])),
    entry=st.builds(
        Entry,
        mode=closed(["standard", "invitation"]),
        invitation_code=texts,
        douyin_gmv_180d_cny=numbers,
    ),
    documents=st.dictionaries(st.sampled_from(sorted(RULESET.document_kinds)), st.text(max_size=8)),
)


@st.composite
def evidence(draw: st.DrawFn) -> Evidence:
    kinds = draw(st.lists(st.sampled_from(sorted(RULESET.document_kinds)), unique=True))
    facts = {}
    for kind in kinds:
        problem = draw(st.one_of(st.none(), st.sampled_from([p.value for p in Problem])))
        quality = draw(
            st.one_of(
                st.none(),
                st.builds(
                    ImageQuality,
                    sharpness=st.floats(0, 1e6, allow_nan=False),
                    border_fraction=st.floats(0, 1, allow_nan=False),
                ),
            )
        )
        facts[kind] = DocumentFacts(
            kind,
            draw(st.integers(0, 10**9)),
            format=draw(st.sampled_from([None, "JPEG", "PNG", "BMP", "GIF"])),
            problem=problem,
            detail=draw(st.one_of(st.none(), st.text(max_size=20))),
            width=draw(st.one_of(st.none(), st.integers(0, 100_000))),
            height=draw(st.one_of(st.none(), st.integers(0, 100_000))),
            quality=quality,
        )
    return Evidence(documents=facts)


@settings(max_examples=200, deadline=None, database=None)
@given(application=applications, found=evidence())
def test_the_engine_judges_any_application_it_can_hold(application: Application, found):
    report = evaluate(application, RULESET, as_of=AS_OF, evidence=found)
    assert report.verdict == verdict_of(report.checks)
    assert report.rules_version == RULESET.version
    for check in report.checks:
        assert isinstance(check.status, Status)
        assert check.code in RULESET.codes and check.field
        assert check.message["en"] and check.message["zh"]
    text = json.dumps(report.to_dict(), ensure_ascii=False)
    assert json.loads(text)["verdict"] == report.verdict.value
