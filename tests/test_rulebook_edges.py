"""Rule set 2026.11.2 through the command line, the JSON API and agency batches: the
corrected readings at the edges, duplicates within a batch, and 2026.11.1 by name."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from onboard.cli import main
from onboard.intake.schemas import application_to_dict
from tests.agencyhelpers import agency_with_key, bearer, csv_file, jsonl_file, upload, wait_done
from tests.factories import another_seller, change, eligible, uscc
from tests.rulebook_cases import resident_id


def bare(app):  # no document files: the point is not the documents
    return change(app, documents={})


def checks_of(report: dict) -> dict[str, dict]:
    return {
        check["code"]: check for check in report["checks"] if check["code"] != "document.required"
    }


def run(*args: str | Path):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def write(path: Path, apps) -> Path:
    path.write_bytes(jsonl_file(apps) if path.suffix == ".jsonl" else csv_file(apps))
    return path


# --- the command line ---------------------------------------------------------------------


def test_cli_single_application_edges(tmp_path):
    landline = change(bare(eligible()), contact__phone="+86 10 6552 9988")
    path = tmp_path / "app.json"
    path.write_text(json.dumps(application_to_dict(landline), ensure_ascii=False))
    report = json.loads(run("check", path, "--no-ocr").stdout)
    checks = checks_of(report)
    assert report["rules_version"] == "2026.11.2"
    assert checks["contact.phone"]["status"] == "fail"
    assert checks["contact.phone"]["expected_text"]["zh"] == "有效的手机号码"
    # a single pre-screen: uniqueness is made at submission, never silently absent
    assert checks["entity.license_duplicate"]["status"] == "n/a"
    assert checks["shop.name_unique"]["status"] == "n/a"
    zh = run("check", path, "--no-ocr", "--format", "text", "--lang", "zh").stdout
    assert "应为 有效的手机号码" in zh and "固定电话号码" in zh


def test_cli_batch_rows_sharing_values_fail_and_name_each_other(tmp_path):
    first = bare(eligible())
    same = bare(eligible())
    other = another_seller(bare(eligible()))
    for suffix in (".jsonl", ".csv"):
        path = write(tmp_path / f"batch{suffix}", [first, same, other])
        reports = json.loads(run("check", path, "--no-ocr", "--as-of", "2026-11-22").stdout)
        one, two, three = (checks_of(report) for report in reports)
        for code in (
            "entity.license_duplicate",
            "contact.phone",
            "contact.email",
            "shop.name_unique",
        ):
            assert one[code]["status"] == "fail" and "Row(s) 2 " in one[code]["message"]["en"]
            assert two[code]["status"] == "fail" and "Row(s) 1 " in two[code]["message"]["en"]
            assert three[code]["status"] in ("pass",), (suffix, code, three[code])
            assert "batch" in three[code]["message"]["en"]


def test_cli_invitation_route_and_residence_permit(tmp_path):
    invited = change(
        bare(eligible()),
        entry__mode="invitation",
        entry__invitation_code="INV-1",
        store__rating=3.5,
    )
    permit = another_seller(change(bare(eligible()), legal_rep__id_number=resident_id("82")))
    reports = json.loads(
        run("check", write(tmp_path / "b.jsonl", [invited, permit]), "--no-ocr").stdout
    )
    assert checks_of(reports[0])["store.rating"]["status"] == "review"
    assert checks_of(reports[0])["entry.route"]["status"] == "review"
    assert checks_of(reports[1])["legal_rep.id_number"]["status"] == "fail"
    assert "澳门" in checks_of(reports[1])["legal_rep.id_number"]["message"]["zh"]


# --- the JSON API -------------------------------------------------------------------------


def test_api_edges_and_the_old_version_by_name(client: FlaskClient):
    data = application_to_dict(
        change(
            eligible(),
            contact__phone="+86 400 810 8888",
            store__registered_entity="深圳市星河跨境電子商務有限公司",
            entity__license_number=uscc("92"),
        )
    )
    new = client.post("/api/v1/prescreen", json=data).json
    old = client.post("/api/v1/prescreen?rules_version=2026.11.1", json=data).json
    assert (new["rules_version"], old["rules_version"]) == ("2026.11.2", "2026.11.1")
    new_checks, old_checks = checks_of(new), checks_of(old)
    assert new_checks["contact.phone"]["status"] == "fail"
    assert old_checks["contact.phone"]["status"] == "pass"
    assert new_checks["store.entity_match"]["status"] == "pass"
    assert old_checks["store.entity_match"]["status"] == "fail"
    assert new_checks["entity.enterprise"]["status"] == "fail"
    assert "个体工商户" in new_checks["entity.enterprise"]["message"]["zh"]
    assert "entity.enterprise" not in old_checks
    assert new_checks["entity.license_duplicate"]["status"] == "n/a"
    assert "entity.license_duplicate" not in old_checks
    # the old answer's messages are the old ones, word for word
    assert old_checks["contact.phone"]["message"]["zh"].startswith("联系电话")


def test_api_rules_publish_2026_11_2(client: FlaskClient):
    rules = client.get("/api/v1/rules").json
    assert rules["rules_version"] == "2026.11.2" and rules["supersedes"] == "2026.11.1"
    assert rules["edition"] == 2
    codes = [rule["code"] for rule in rules["rules"]]
    for code in ("entity.enterprise", "entity.license_name", "legal_rep.license_name"):
        assert code in codes
    assert "store.rating" in rules["invitation_route"]["store_rules"]
    assert rules["uscc_holders"]["92"]["zh"] == "个体工商户"
    phone = next(rule for rule in rules["rules"] if rule["code"] == "contact.phone")
    assert phone["thresholds"]["mobile_types"] == ["MOBILE", "FIXED_LINE_OR_MOBILE"]
    assert rules["documents"]["seller_info_screenshot"]["name"]["zh"] == "店铺账户信息/商家信息截图"


# --- agency batches -----------------------------------------------------------------------


def test_agency_batch_flags_rows_sharing_values(app: Flask, client: FlaskClient):
    _, key = agency_with_key(app, "Dupes")
    rows = [eligible(), eligible(), another_seller(eligible())]
    created = upload(client, key, csv_file(rows))
    assert created.status_code == 202, created.json
    body = wait_done(client, key, created.json["id"])
    results = client.get(body["links"]["results"], headers=bearer(key)).json["rows"]
    first, second, third = (checks_of(row["report"]) for row in results)
    assert (
        first["contact.email"]["status"] == "fail"
        and "Row(s) 2" in first["contact.email"]["message"]["en"]
    )
    assert second["shop.name_unique"]["status"] == "fail"
    assert "第 1 行" in second["shop.name_unique"]["message"]["zh"]
    assert third["contact.email"]["status"] == "pass"
    table = client.get(body["links"]["csv"], headers=bearer(key)).text
    assert len(list(csv.DictReader(io.StringIO(table)))) == 3
