"""``onboard check`` for agencies offline: --documents DIR, --explain, --html and the summary
table (the rest of ``check`` is tested in test_cli.py)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from onboard.cli import main
from tests.agencyhelpers import csv_file, jsonl_file
from tests.factories import another_seller, change, eligible
from tests.imagefactory import png


def test_explain_adds_changes_to_json_and_text(tmp_path):
    bare = change(eligible(), documents={})  # no files to find next to the batch
    rows = [bare, another_seller(change(bare, store__rating=3.8))]
    batch = tmp_path / "clients.jsonl"
    batch.write_bytes(jsonl_file(rows))
    runner = CliRunner()
    plain = json.loads(runner.invoke(main, ["check", str(batch), "--no-ocr"]).stdout)
    assert all("changes" not in report for report in plain)
    result = runner.invoke(main, ["check", str(batch), "--no-ocr", "--explain"])
    explained = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [c["action"] for c in explained[0]["changes"]] == ["upload"] * 5
    assert "rating 3.8 → ≥ 4.0" in [c["text"]["en"] for c in explained[1]["changes"]]
    assert explained[1]["checks"] == plain[1]["checks"]
    text = runner.invoke(main, ["check", str(batch), "--no-ocr", "--explain", "--format", "text"])
    assert "to change:" in text.stdout and "rating 3.8 → ≥ 4.0" in text.stdout
    zh = runner.invoke(
        main, ["check", str(batch), "--no-ocr", "--explain", "--format", "text", "--lang", "zh"]
    )
    assert "店铺评分 3.8 → ≥ 4.0" in zh.stdout


def test_documents_dir_html_report_and_summary(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    good = eligible()
    for name in good.documents.values():
        (docs / name).write_bytes(png())
    rows = [
        good,
        another_seller(change(good, store__rating=3.0), 1),
        another_seller(change(good, documents={"legal_rep_id": "nope.png"}), 2),
    ]
    batch = tmp_path / "in" / "clients.csv"
    batch.parent.mkdir()
    batch.write_bytes(csv_file(rows, ["2026-11-22,CN,,,,,,,,,amazon,,,,high"]))
    report = tmp_path / "report.html"
    result = CliRunner().invoke(
        main,
        [
            "check",
            str(batch),
            "--no-ocr",
            "--documents",
            str(docs),
            "--html",
            str(report),
            "--summary",
            "--format",
            "csv",
            "--progress",
        ],
    )
    assert result.exit_code == 2, result.stderr  # the last row has bad input
    lines = result.stdout.splitlines()
    assert (
        lines[1].split(",")[1] in ("eligible", "review") and lines[2].split(",")[1] == "ineligible"
    )
    # A document named but not on disk is declared, not an input error (as over the API).
    assert lines[3].split(",")[1] == "incomplete"
    assert lines[4].split(",")[1] == "error" and "store.rating" in lines[4]
    assert "verdict" in result.stderr and "store.rating" in result.stderr
    assert "onboard: checked" in result.stderr  # --progress, not a terminal: lines
    html = report.read_text(encoding="utf-8")
    assert "rating 3.0 → ≥ 4.0" in html and "店铺评分" in html
    assert "<script" not in html and "most common failing rules" in html.lower()


def test_html_report_escapes_what_clients_typed(tmp_path):
    hostile = change(
        eligible(),
        entity__company_name="<script>alert(1)</script>",
        store__rating=2.0,
        documents={},
    )
    batch = tmp_path / "c.jsonl"
    batch.write_bytes(jsonl_file([hostile]))
    report = tmp_path / "r.html"
    CliRunner().invoke(main, ["check", str(batch), "--no-ocr", "--html", str(report)])
    html = report.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_encoding_read_is_reported_in_the_summary_and_the_html(tmp_path):
    batch = tmp_path / "clients.csv"
    text = csv_file([change(eligible(), entity__company_name="深圳市星河跨境电子商务有限公司")])
    batch.write_bytes(text.decode("utf-8").encode("gb18030"))
    report = tmp_path / "r.html"
    result = CliRunner().invoke(
        main, ["check", str(batch), "--no-ocr", "--summary", "--html", str(report)]
    )
    assert "read as gb18030" in result.stderr
    assert "gb18030" in report.read_text(encoding="utf-8")
    assert "深圳市星河跨境电子商务有限公司" in result.stdout
