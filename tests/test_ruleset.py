"""The rule set is data: validated at load, versioned, with effective dates."""

from __future__ import annotations

import ast
import copy
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from onboard.eligibility import dates
from onboard.eligibility.engine import evaluate
from onboard.eligibility.rules import REGISTRY
from onboard.eligibility.ruleset import (
    RULESETS_DIR,
    RuleSetError,
    load_ruleset,
    parse_ruleset,
    published_rulesets,
    ruleset_by_version,
    ruleset_in_force,
)
from tests.factories import change, eligible

RULE_CODES_OF_RULES_MD = {
    "entity.region", "fulfillment.us_local", "entry.route", "entity.license_number",
    "entity.license_ocr", "entity.license_duplicate", "entity.hk_documents",
    "legal_rep.id_number", "contact.phone", "contact.email", "store.url",
    "store.entity_match", "store.age", "store.rating", "store.feedback", "store.gmv",
    "store.supply_recency", "store.account_health", "store.trustpilot",
    "store.social_followers", "document.required", "document.format", "document.size",
    "document.id_quality", "shop.name", "shop.name_unique", "shop.category_match",
    # The edition of 2026-12-06:
    "entity.enterprise", "entity.license_name", "legal_rep.license_name",
}  # fmt: skip


@pytest.fixture
def raw() -> dict:
    path = sorted(RULESETS_DIR.glob("*.toml"))[0]
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_every_rule_of_rules_md_is_in_the_file_and_implemented(ruleset):
    assert set(ruleset.codes) == RULE_CODES_OF_RULES_MD == set(REGISTRY)


def test_thresholds_of_rules_md(ruleset):
    def param(code: str, name: str) -> object:
        return ruleset.rule(code).params[name]

    assert param("store.rating", "min") == 4.0
    assert param("store.feedback", "min") == 90
    assert param("store.gmv", "min") == 500_000
    assert param("store.account_health", "min") == 250
    assert param("store.trustpilot", "min") == 3.8
    assert param("store.social_followers", "min") == 10_000
    assert param("store.age", "min_months") == 3
    assert param("entry.route", "douyin_gmv_180d_cny_over") == 6_000_000
    assert ruleset.max_bytes == 5 * 1024 * 1024 and ruleset.max_pixels == 50_000_000
    assert {"jewelry", "kitchenware", "home_supplies"} <= ruleset.category_ids


def test_a_threshold_is_a_data_change(raw):
    raw["rules"]["store.rating"]["min"] = 4.5
    changed = parse_ruleset(raw)
    app = eligible()  # rating 4.6
    assert evaluate(app, changed).by_code("store.rating")[0].status == "pass"
    raw["rules"]["store.rating"]["min"] = 4.7
    assert evaluate(app, parse_ruleset(raw)).by_code("store.rating")[0].status == "fail"


@pytest.mark.parametrize(
    ("mutate", "names"),
    [
        (lambda d: d["rules"]["store.rating"].pop("zh"), "rules.store.rating.zh"),
        (
            lambda d: d["rules"]["store.rating"]["messages"]["fail"].pop("en"),
            "rules.store.rating.messages.fail.en",
        ),
        (
            lambda d: d["rules"]["store.rating"].update(platforms=["myspace"]),
            "rules.store.rating.platforms",
        ),
        (lambda d: d["rules"]["store.rating"].update(min=True), "rules.store.rating.min"),
        (
            lambda d: d["rules"].update({"store.vibes": copy.deepcopy(d["rules"]["store.rating"])}),
            "store.vibes",
        ),
        (lambda d: d["rules"].pop("store.rating"), "store.rating"),
        (lambda d: d.update(effective_from="next week"), "effective_from"),
        (lambda d: d["documents_limits"].update(max_bytes=-1), "documents_limits.max_bytes"),
        (
            lambda d: d["documents"]["legal_rep_id"].update(regions=["TW"]),
            "documents.legal_rep_id.regions",
        ),
        (
            lambda d: d["rules"]["store.rating"]["messages"]["fail"].update(en="bad {"),
            "bad template",
        ),
        (
            lambda d: d["rules"]["store.rating"]["messages"]["fail"].update(zh="评分 {} 太低"),
            "rules.store.rating.messages.fail.zh: bad template: name every field",
        ),
        (
            lambda d: d["rules"]["store.rating"]["messages"]["pass"].update(en="{0} is fine"),
            "rules.store.rating.messages.pass.en: bad template: name every field",
        ),
        (lambda d: d.pop("version"), "version"),
        (
            lambda d: d["rules"]["store.gmv"]["messages"].pop("not_applicable"),
            "rules.store.gmv.messages: a rule limited to platforms",
        ),
    ],
)
def test_a_broken_rule_set_names_the_key(raw, mutate, names):
    mutate(raw)
    with pytest.raises(RuleSetError, match=names.replace(".", r"\.")):
        parse_ruleset(raw)


def test_unreadable_file_is_a_rule_set_error(tmp_path: Path):
    bad = tmp_path / "broken.toml"
    bad.write_text("version = ", encoding="utf-8")
    with pytest.raises(RuleSetError, match=r"broken\.toml"):
        load_ruleset(bad)


def test_future_version_published_before_it_applies(raw, tmp_path: Path):
    (tmp_path / "a.toml").write_text(
        (RULESETS_DIR / sorted(p.name for p in RULESETS_DIR.glob("*.toml"))[0]).read_text("utf-8"),
        encoding="utf-8",
    )
    future = (tmp_path / "a.toml").read_text("utf-8")
    future = future.replace('version = "', 'version = "future-', 1).replace(
        f'effective_from = "{raw["effective_from"]}"', 'effective_from = "2027-07-01"', 1
    )
    (tmp_path / "b.toml").write_text(future, encoding="utf-8")
    published_rulesets.cache_clear()
    try:
        assert ruleset_in_force(date(2027, 6, 30), tmp_path).version == raw["version"]
        assert ruleset_in_force(date(2027, 7, 1), tmp_path).version.startswith("future-")
        assert ruleset_by_version("future-" + raw["version"], tmp_path).effective_from == date(
            2027, 7, 1
        )
        with pytest.raises(RuleSetError, match="no rule set is in force"):
            ruleset_in_force(date(2000, 1, 1), tmp_path)
    finally:
        published_rulesets.cache_clear()


def test_a_rule_with_its_own_effective_dates(raw):
    raw["rules"]["store.rating"]["effective_from"] = "2027-01-01"
    raw["rules"]["store.account_health"]["effective_until"] = "2026-06-30"
    ruleset = parse_ruleset(raw)
    before = evaluate(eligible(), ruleset)
    assert before.by_code("store.rating") == []
    assert before.by_code("store.account_health") == []
    later = evaluate(change(eligible(), as_of=date(2027, 1, 1)), ruleset)
    assert [c.status for c in later.by_code("store.rating")] == ["pass"]


def test_published_rules_document(ruleset):
    data = ruleset.to_dict()
    assert data["rules_version"] == ruleset.version
    rating = next(r for r in data["rules"] if r["code"] == "store.rating")
    assert rating["thresholds"] == {"min": 4.0}
    assert rating["platforms"] == ["amazon", "walmart"]
    assert set(rating["title"]) == {"en", "zh"}


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 1), 0, date(2026, 3, 1)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert dates.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 8, 22), date(2026, 11, 22), (3, 0)),
        (date(2026, 8, 31), date(2026, 11, 29), (2, 29)),
        (date(2026, 8, 31), date(2026, 11, 30), (3, 0)),
        (date(2026, 1, 1), date(2026, 1, 1), (0, 0)),
        (date(2026, 1, 2), date(2026, 1, 1), (0, 0)),
    ],
)
def test_months_and_days(start, end, expected):
    assert dates.months_and_days(start, end) == expected


# --- the core knows nothing of the web ----------------------------------------------------

CORE = Path(__file__).resolve().parent.parent / "onboard" / "eligibility"
ALLOWED_THIRD_PARTY = {"stdnum", "phonenumbers", "email_validator", "opencc"}


def test_the_core_imports_no_web_image_ocr_or_database_code():
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                ok = (
                    top in sys.stdlib_module_names
                    or top in ALLOWED_THIRD_PARTY
                    or name.startswith("onboard.eligibility")
                )
                assert ok, f"{path.name} imports {name}"
