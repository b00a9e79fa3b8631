"""The `onboard` command of CONTRACT.md: exit codes, one-line errors, batches, formats."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from onboard import cli
from onboard.cli import check as check_command
from onboard.cli import chunks as batch_chunks
from onboard.cli import output as batch_output
from onboard.cli import render
from onboard.eligibility.model import Application, LicenseReading
from onboard.errors import InputError
from onboard.intake.schemas import CSV_COLUMNS, application_to_csv_row, application_to_dict
from onboard.usecases.prescreen import prescreen
from tests import imagefactory
from tests.factories import PLATFORMS, another_seller, change, eligible

ONBOARD = Path(sys.executable).with_name("onboard")


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli.main, [str(a) for a in args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


def one_line_error(result: Result) -> str:
    """The single stderr line of a refused input (exit 2)."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("onboard: error: ")
    return lines[0]


def undocumented(application: Application) -> dict[str, Any]:
    """The application's JSON without document files: no image needed where the point is
    not the documents."""
    data = application_to_dict(application)
    data["documents"] = {}
    return data


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    text = "".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
        for line in lines
    )
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(path: Path, applications: list[Application]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for application in applications:
            writer.writerow(application_to_csv_row(change(application, documents={})))
    return path


INELIGIBLE = another_seller(change(eligible("ebay"), store__positive_feedback_pct=80.0))


# --- one application -----------------------------------------------------------------------


def test_json_report_and_exit_1_when_not_eligible(tmp_path):
    result = run("check", write_json(tmp_path / "app.json", undocumented(INELIGIBLE)), "--no-ocr")
    assert result.exit_code == 1 and result.stderr == ""
    report = json.loads(result.stdout)
    assert report["verdict"] == "ineligible" and report["as_of"] == "2026-11-22"
    feedback = next(c for c in report["checks"] if c["code"] == "store.feedback")
    assert feedback["status"] == "fail" and feedback["field"] == "store.positive_feedback_pct"


def test_a_document_named_but_not_on_disk_is_declared_not_an_error(tmp_path):
    """One treatment everywhere (README, "One answer whichever way"): as over the API."""
    data = undocumented(eligible())
    data["documents"] = {"legal_rep_id": "missing.png"}
    result = run("check", write_json(tmp_path / "app.json", data), "--no-ocr")
    report = json.loads(result.stdout)
    (check,) = [c for c in report["checks"] if c["field"] == "documents.legal_rep_id"]
    assert check["actual"] == "declared" and "not inspected" in check["message"]["en"]
    assert "未检查" in check["message"]["zh"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"store": {"rating": "4.6"}}, "store.rating"),
        ({"store": {"rating": True}}, "store.rating"),
        ({"store": {"account_health": 310.5}}, "store.account_health"),
        ({"as_of": "2026-02-29"}, "as_of"),
        ({"store": {"opened_on": "2025-3-1"}}, "store.opened_on"),
        ({"shop": {"colour": "red"}}, "shop.colour"),
        ({"documents": {"selfie": "me.png"}}, "documents.selfie"),
        ({"as_of": "1999-05-01"}, "as_of"),  # before the first published rule set
    ],
)
def test_bad_field_is_exit_2_with_one_line_naming_it(tmp_path, patch, field):
    data = undocumented(eligible())
    for key, value in patch.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    result = run("check", write_json(tmp_path / "app.json", data), "--no-ocr")
    assert field in one_line_error(result)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.json", b"", "empty file"),
        ("blank.json", b" \n\t\n", "empty file"),
        ("broken.json", b'{"store": {', "Not valid JSON"),
        ("latin1.json", '{"shop": {"name": "Caf\xe9"}}'.encode("latin-1"), "Not UTF-8 text"),
        ("list.json", b"[{}]", "_schema"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "Not valid JSON"),
        ("app.txt", b"{}", "unknown file type"),
    ],
)
def test_unreadable_input_is_exit_2_with_one_line(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in one_line_error(run("check", path, "--no-ocr"))


def test_missing_file_and_directory(tmp_path):
    assert "no such file" in one_line_error(run("check", tmp_path / "nothing.json"))
    (tmp_path / "folder.json").mkdir()
    assert "folder.json" in one_line_error(run("check", tmp_path / "folder.json"))


@pytest.mark.parametrize("as_of", ["2026-02-29", "2026-1-5", "tomorrow", "1999-01-01"])
def test_bad_as_of_option_is_one_line(tmp_path, as_of):
    path = write_json(tmp_path / "app.json", undocumented(eligible()))
    assert "--as-of" in one_line_error(run("check", path, "--as-of", as_of))


def test_as_of_option_stands_in_when_the_application_has_none(tmp_path):
    data = undocumented(eligible())
    del data["as_of"]
    path = write_json(tmp_path / "app.json", data)
    report = json.loads(run("check", path, "--no-ocr", "--as-of", "2026-12-01").stdout)
    assert report["as_of"] == "2026-12-01"
    data["as_of"] = "2026-11-22"  # the application's own date wins
    write_json(path, data)
    report = json.loads(run("check", path, "--no-ocr", "--as-of", "2026-12-01").stdout)
    assert report["as_of"] == "2026-11-22"


def test_usage_errors_are_one_line_too(tmp_path):
    path = write_json(tmp_path / "app.json", {})
    assert "--format" in one_line_error(run("check", path, "--format", "xml"))
    assert "--bogus" in one_line_error(run("check", path, "--bogus"))


# --- text and csv output -------------------------------------------------------------------


def test_text_output_puts_what_needs_fixing_first(tmp_path):
    result = run(
        "check",
        write_json(tmp_path / "app.json", undocumented(INELIGIBLE)),
        "--no-ocr",
        "--format",
        "text",
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("application: INELIGIBLE")
    assert "route standard" in lines[0] and "rules 2026." in lines[0] and "2026-11-22" in lines[0]
    statuses = [
        line.split()[0]
        for line in lines[1:-1]
        if line.startswith("  ") and not line.startswith("   ")
    ]
    order = ["fail", "missing", "review", "pass", "n/a"]
    ranks = [order.index(status) for status in statuses]
    assert ranks == sorted(ranks) and statuses[0] == "fail" and "n/a" in statuses
    fail = lines.index(next(line for line in lines if "store.feedback" in line))
    assert "expected at least 90 %" in lines[fail] and "got 80" in lines[fail]
    assert "90" in lines[fail + 1]  # the message that says what to fix, on the next line
    assert "\x1b[" not in result.stdout  # no colour off a terminal
    assert lines[-1].strip().startswith("1 fail,")


def test_text_output_in_chinese(tmp_path):
    path = write_json(tmp_path / "app.json", undocumented(INELIGIBLE))
    result = run("check", path, "--no-ocr", "--format", "text", "--lang", "zh")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.stdout)


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert check_command._colour_wanted(Terminal())
    assert not check_command._colour_wanted(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not check_command._colour_wanted(Terminal())


def test_csv_output_one_row_per_application(tmp_path):
    good = undocumented(eligible("walmart"))
    lines = [good, undocumented(INELIGIBLE), {"store": {"rating": "x"}}]
    result = run("check", write_jsonl(tmp_path / "b.jsonl", lines), "--no-ocr", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(render.RESULT_COLUMNS)
    assert [row["row"] for row in rows] == ["1", "2", "3"]
    assert rows[1]["verdict"] == "ineligible" and rows[1]["failed"] == "store.feedback"
    assert rows[1]["fail"] == "1"
    assert "document.required:legal_rep_id" in rows[0]["missing_codes"].split(";")
    assert rows[2]["verdict"] == "error" and rows[2]["errors"].startswith("store.rating:")
    assert result.exit_code == 2


# --- batches -------------------------------------------------------------------------------


def test_jsonl_bad_row_in_the_middle_keeps_its_place(tmp_path):
    lines = [undocumented(eligible()), {"store": {"rating": "high"}}, undocumented(INELIGIBLE)]
    result = run("check", write_jsonl(tmp_path / "b.jsonl", lines), "--no-ocr")
    items = json.loads(result.stdout)
    assert len(items) == 3
    assert items[1] == {"row": 2, "line": 2, "errors": {"store.rating": ["Not a valid number."]}}
    assert items[0]["verdict"] == "incomplete" and items[2]["verdict"] == "ineligible"
    line = one_line_error(result)
    assert "1 of 3 rows" in line and "row 2" in line and "store.rating" in line


def test_jsonl_rows_skip_blank_lines_and_survive_broken_lines(tmp_path):
    path = tmp_path / "b.jsonl"
    good = json.dumps(undocumented(eligible())).encode()
    path.write_bytes(
        b"\n".join([good, b"", b"{broken", b'{"shop": {"name": "Caf\xe9"}}', good]) + b"\n"
    )
    items = json.loads(run("check", path, "--no-ocr").stdout)
    assert len(items) == 4
    assert items[1]["row"] == 2 and items[1]["line"] == 3 and "_schema" in items[1]["errors"]
    assert items[2]["row"] == 3 and "_schema" in items[2]["errors"]
    assert "verdict" in items[3]


def test_batch_exit_codes(tmp_path):
    ineligible = write_jsonl(tmp_path / "a.jsonl", [undocumented(INELIGIBLE)] * 2)
    assert run("check", ineligible, "--no-ocr").exit_code == 1
    empty = write_jsonl(tmp_path / "empty.jsonl", [])
    assert "no applications" in one_line_error(run("check", empty))
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n\n")
    assert "no applications" in one_line_error(run("check", blank))


def test_csv_round_trip_gives_the_same_reports_as_jsonl(tmp_path):
    applications = [eligible(p, r) for p in PLATFORMS for r in ("CN", "HK")] + [INELIGIBLE]
    from_csv = run("check", write_csv(tmp_path / "b.csv", applications), "--no-ocr")
    lines = [undocumented(application) for application in applications]
    from_jsonl = run("check", write_jsonl(tmp_path / "b.jsonl", lines), "--no-ocr")
    assert from_csv.exit_code == from_jsonl.exit_code == 1
    from_csv_items, from_jsonl_items = json.loads(from_csv.stdout), json.loads(from_jsonl.stdout)
    # The same reports; each item also says where it came from (the CSV's header is line 1).
    assert [item.pop("line") for item in from_csv_items] == list(range(2, len(lines) + 2))
    assert [item.pop("line") for item in from_jsonl_items] == list(range(1, len(lines) + 1))
    assert from_csv_items == from_jsonl_items


def test_csv_with_a_subset_of_columns_bad_cells_and_a_bom(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(
        "\ufeffshop.name,store.rating,store.account_health\n"
        "Starriver,4.5,310\n"
        "Other,4;5,300\n"
        '"Multi\nline",4.0,299.5\n',
        encoding="utf-8",
    )
    result = run("check", path, "--no-ocr")
    items = json.loads(result.stdout)
    assert "verdict" in items[0]
    assert items[1] == {
        "row": 2,
        "line": 3,
        "client": "Other",
        "errors": {"store.rating": ["Not a number: '4;5'."]},
    }
    assert items[2]["row"] == 3 and items[2]["line"] == 4
    # a line break has no place in a shop name (a single-line field)
    assert set(items[2]["errors"]) == {"store.account_health", "shop.name"}
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("shop.name,store.colour\n", "store.colour"),
        ("shop.name,shop.name\n", "appears twice"),
        ("", "empty file"),
        ("shop.name\n", "no applications"),
    ],
)
def test_csv_whole_file_problems(tmp_path, header, expected):
    path = tmp_path / "b.csv"
    path.write_text(header, encoding="utf-8")
    assert expected in one_line_error(run("check", path)).lower()


def test_csv_cell_that_is_not_utf8_spoils_only_its_row(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(b"shop.name\nStarriver\nCaf\xe9\n")
    items = json.loads(run("check", path, "--no-ocr").stdout)
    assert "verdict" in items[0] and list(items[1]["errors"]) == ["shop.name"]


def test_documents_are_paths_relative_to_the_input(tmp_path):
    folder = tmp_path / "batch"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "id.png").write_bytes(imagefactory.png(400, 250))
    (folder / "files" / "gif.png").write_bytes(imagefactory.gif())
    data = undocumented(eligible())
    data["documents"] = {"legal_rep_id": "files/id.png", "gmv_screenshot": "files/gif.png"}
    report = json.loads(run("check", write_json(folder / "app.json", data), "--no-ocr").stdout)
    formats = {c["field"]: c["status"] for c in report["checks"] if c["code"] == "document.format"}
    assert formats == {"documents.legal_rep_id": "pass", "documents.gmv_screenshot": "fail"}


def test_workers_give_the_same_output_in_the_same_order(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_chunks, "CHUNK_ROWS", 3)
    lines: list[Any] = [undocumented(eligible(p)) for p in PLATFORMS] * 3
    lines[4] = {"store": {"rating": "x"}}
    path = write_jsonl(tmp_path / "b.jsonl", lines)
    serial = run("check", path, "--no-ocr", "--jobs", "1")
    parallel = run("check", path, "--no-ocr", "--jobs", "2")
    assert parallel.stdout == serial.stdout
    assert parallel.exit_code == serial.exit_code == 2
    assert json.loads(parallel.stdout)[4]["row"] == 5


def test_progress_on_request_when_stderr_is_not_a_terminal(tmp_path):
    path = write_jsonl(tmp_path / "b.jsonl", [undocumented(INELIGIBLE)] * 3)
    assert run("check", path, "--no-ocr").stderr == ""
    shown = run("check", path, "--no-ocr", "--progress")
    assert shown.stderr.splitlines()[-1] == "onboard: checked 100%"


# --- the example files ------------------------------------------------------------------------

DATA = Path(__file__).with_name("data")


def test_example_files_stay_in_step_with_the_schema():
    with (DATA / "batch.csv").open(encoding="utf-8", newline="") as stream:
        assert next(csv.reader(stream)) == CSV_COLUMNS
    batch = run("check", DATA / "batch.csv", "--format", "csv")
    verdicts = [row["verdict"] for row in csv.DictReader(io.StringIO(batch.stdout))]
    assert verdicts == ["incomplete", "ineligible", "ineligible"] and batch.exit_code == 1
    single = run("check", DATA / "application.json")
    assert json.loads(single.stdout)["verdict"] == "incomplete" and single.exit_code == 1


# --- the real executable --------------------------------------------------------------------


def test_installed_command_exit_codes_1_and_2(tmp_path):
    ineligible = write_json(tmp_path / "no.json", undocumented(INELIGIBLE))
    bad = write_json(tmp_path / "bad.json", {"store": {"rating": "4.6"}})
    done = subprocess.run(
        [ONBOARD, "check", ineligible, "--no-ocr"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and json.loads(done.stdout)["verdict"] == "ineligible"
    done = subprocess.run([ONBOARD, "check", bad], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "store.rating" in done.stderr
    assert "Traceback" not in done.stderr
    done = subprocess.run(
        [ONBOARD, "check", tmp_path / "none.json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def _eligible_with_files(folder: Path, *, readable_license: bool = False) -> Path:
    """An eligible application whose documents are real files; with ``readable_license`` the
    license is a synthetic photo that OCR reads (needs Tesseract and the CJK fonts)."""
    application = eligible("amazon")
    license_image = imagefactory.png(320, 200)
    if readable_license:
        from tests.licensefactory import license_sample  # noqa: PLC0415 — fonts, numpy

        sample = license_sample(1)
        application = change(
            application,
            entity__license_number=sample.code,
            entity__company_name=sample.fields["company_name"],
            store__registered_entity=sample.fields["company_name"],
            legal_rep__name=sample.fields["legal_representative"],
        )
        license_image = sample.image
    for kind, name in application.documents.items():
        data = license_image if kind == "business_license" else imagefactory.png(320, 200)
        (folder / name).write_bytes(data)
    return write_json(folder / "app.json", application_to_dict(application))


def test_installed_command_exit_0_when_eligible(tmp_path):
    path = _eligible_with_files(tmp_path)
    done = subprocess.run(
        [ONBOARD, "check", path, "--no-ocr"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["verdict"] == "eligible" and done.stderr == ""


@pytest.mark.ocr
def test_license_is_read_unless_no_ocr(tmp_path):
    path = _eligible_with_files(tmp_path, readable_license=True)
    done = subprocess.run([ONBOARD, "check", path], capture_output=True, text=True, check=False)
    report = json.loads(done.stdout)
    # The license's name fields may come back uncertain (a person then compares them), but
    # nothing on the license contradicts the application.
    assert report["verdict"] in ("eligible", "review"), done.stdout
    assert not [c for c in report["checks"] if c["status"] in ("fail", "missing")]
    ocr = [c for c in report["checks"] if c["code"] == "entity.license_ocr"]
    assert [c["status"] for c in ocr] == ["pass"]
    unread = json.loads(run("check", path, "--no-ocr").stdout)
    assert all(c["code"] != "entity.license_ocr" or c["status"] != "pass" for c in unread["checks"])


# --- the use case behind the CLI and the API -------------------------------------------------


def test_prescreen_inspects_bytes_paths_and_streams_alike(tmp_path):
    image = imagefactory.png(400, 250)
    path = tmp_path / "id.png"
    path.write_bytes(image)
    stream = io.BytesIO(image)
    stream.read(10)  # an upload someone peeked at is still read from its start
    application = change(eligible(), documents={})
    reports = [
        prescreen(application, documents={"legal_rep_id": source}, read_license=False)
        for source in (image, path, stream)
    ]
    assert reports[0] == reports[1] == reports[2]
    fmt = reports[0].by_code("document.format")
    assert [(c.field, c.status.value) for c in fmt] == [("documents.legal_rep_id", "pass")]


def test_prescreen_reads_the_license_of_the_region_and_survives_missing_tesseract(monkeypatch):
    import onboard.ocr  # noqa: PLC0415

    seen: list[tuple[bytes, str]] = []

    def fake_read(
        data: bytes, *, region: str = "CN", document: str | None = None
    ) -> LicenseReading:
        seen.append((data, region))
        raise FileNotFoundError("tesseract is not installed")  # what pytesseract raises

    monkeypatch.setattr(onboard.ocr, "read_license", fake_read)
    license_image = imagefactory.jpeg(300, 200)
    files = {"business_license": license_image, "legal_rep_id": imagefactory.png(300, 200)}
    report = prescreen(eligible(), documents=files)
    assert seen == [(license_image, "CN")]
    assert not report.by_code("entity.license_ocr")  # no reading: left to a person
    seen.clear()
    prescreen(eligible(), documents=files, read_license=False)
    broken = {"business_license": imagefactory.gif()}
    prescreen(eligible(), documents=broken)
    assert seen == []  # OCR off, or an image that does not decode: never read


def test_prescreen_refuses_unknown_document_kinds():
    with pytest.raises(InputError) as caught:
        prescreen(eligible(), documents={"selfie": b"..."})
    assert list(caught.value.errors) == ["documents.selfie"]


# --- onboard ocr and serve -----------------------------------------------------------------


@pytest.mark.ocr
def test_ocr_prints_the_contract_json_and_text(tmp_path):
    from tests.licensefactory import license_sample  # noqa: PLC0415

    sample = license_sample(1)
    path = tmp_path / "license.jpg"
    path.write_bytes(sample.image)
    result = run("ocr", path)
    assert result.exit_code == 0
    reading = json.loads(result.stdout)
    assert reading["license_number"] == sample.code and reading["status"] in ("ok", "corrected")
    assert set(reading) >= {"valid", "raw", "corrections", "candidates", "confidence", "seconds"}
    text = run("ocr", path, "--format", "text").stdout
    assert text.startswith(f"license number  {sample.code}")


@pytest.mark.parametrize(
    ("content", "expected"),
    [(imagefactory.gif(), "GIF"), (b"%PDF-1.7\n", "license.jpg"), (b"", "license.jpg")],
)
def test_ocr_refuses_what_is_not_a_sound_image(tmp_path, content, expected):
    path = tmp_path / "license.jpg"
    path.write_bytes(content)
    assert expected in one_line_error(run("ocr", path))


def test_ocr_missing_file(tmp_path):
    assert "no such file" in one_line_error(run("ocr", tmp_path / "none.png"))


def test_serve_runs_the_app_threaded(tmp_path, monkeypatch):
    import werkzeug.serving  # noqa: PLC0415

    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        werkzeug.serving, "run_simple", lambda *args, **kwargs: calls.append((args, kwargs))
    )
    monkeypatch.setenv("ONBOARD_DATA_DIR", str(tmp_path))
    assert run("serve", "--port", "8123").exit_code == 0
    (host, port, app), options = calls[0]
    assert (host, port, options["threaded"]) == ("127.0.0.1", 8123, True)
    assert app.name == "onboard"


# --- batches over worker processes -----------------------------------------------------------


def test_csv_batches_over_workers_match_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_chunks, "CHUNK_ROWS", 2)
    applications = [eligible(p, r) for p in PLATFORMS for r in ("CN", "HK")] + [INELIGIBLE]
    path = write_csv(tmp_path / "b.csv", applications)
    for output in ("json", "csv", "text"):
        serial = run("check", path, "--no-ocr", "--jobs", "1", "--format", output)
        parallel = run("check", path, "--no-ocr", "--jobs", "2", "--format", output)
        assert parallel.stdout == serial.stdout and parallel.exit_code == serial.exit_code


def test_jsonl_chunks_keep_row_and_line_numbers_across_blank_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_chunks, "CHUNK_ROWS", 2)
    good = json.dumps(undocumented(eligible())).encode()
    path = tmp_path / "b.jsonl"
    path.write_bytes(b"\n".join([b"", good, b"  ", good, b"{bad", b"", b"", b"{bad", good]))
    chunks = list(batch_chunks.jsonl_chunks(path))
    assert [(c.rows, c.first_row, c.first_line) for c in chunks] == [
        (2, 1, 1),
        (2, 3, 5),
        (1, 5, 9),
    ]
    assert b"".join(c.lines for c in chunks if isinstance(c.lines, bytes)) == path.read_bytes()
    assert sum(c.size for c in chunks) == path.stat().st_size
    rows = [(r.row, r.line) for c in chunks for r in batch_chunks.rows_of(c)]
    assert rows == [(1, 2), (2, 4), (3, 5), (4, 8), (5, 9)]
    items = json.loads(run("check", path, "--no-ocr", "--jobs", "2").stdout)
    assert [(i["row"], i["line"]) for i in items if "errors" in i] == [(3, 5), (4, 8)]


def _batch_of(tmp_path: Path, rows: int) -> Path:
    lines: list[Any] = [undocumented(eligible(PLATFORMS[n % len(PLATFORMS)])) for n in range(rows)]
    lines[rows // 2] = {"store": {"rating": "x"}}
    return write_jsonl(tmp_path / "b.jsonl", lines)


@pytest.mark.parametrize("output", ["json", "text"])
def test_installed_command_spools_worker_output_to_files_pipes_and_cleans_up(
    tmp_path, output, request
):
    """Workers write their output to files that the parent copies to stdout with sendfile:
    to a file, to a pipe, byte for byte what one process writes; the spool folder is gone."""
    path = _batch_of(tmp_path, 1200)  # three chunks of CHUNK_ROWS
    # A short folder of its own: the forkserver's socket lives under TMPDIR, and an AF_UNIX
    # path may not exceed 107 bytes (pytest's numbered tmp_path can grow past that).
    spool_parent = Path(tempfile.mkdtemp(prefix="spool", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(spool_parent, ignore_errors=True))
    env = {**os.environ, "TMPDIR": str(spool_parent)}
    command = [ONBOARD, "check", path, "--no-ocr", "--format", output, "--jobs"]
    serial = subprocess.run([*command, "1"], capture_output=True, check=False, env=env)
    piped = subprocess.run([*command, "2"], capture_output=True, check=False, env=env)
    with (tmp_path / "out").open("wb") as stream:
        to_file = subprocess.run(
            [*command, "2"], stdout=stream, stderr=subprocess.PIPE, env=env, check=False
        )
    assert serial.returncode == piped.returncode == to_file.returncode == 2
    assert piped.stdout == serial.stdout == (tmp_path / "out").read_bytes()
    assert piped.stderr == serial.stderr and b"row 601" in serial.stderr
    assert list(spool_parent.iterdir()) == []


def test_copy_to_stdout_finishes_by_hand_when_sendfile_gives_up(tmp_path, monkeypatch):
    source = tmp_path / "spooled"
    source.write_bytes(bytes(range(256)) * 5000)
    calls = []

    def partial_then_refuse(out: int, in_: int, offset: int, count: int) -> int:
        calls.append(offset)
        if len(calls) > 1:
            raise OSError(errno.EINVAL, "not for this output")
        return os.write(out, os.pread(in_, 1000, offset))  # as sendfile: at out's offset

    monkeypatch.setattr(os, "sendfile", partial_then_refuse)
    with (tmp_path / "out").open("w") as stream:
        monkeypatch.setattr(sys, "stdout", stream)
        batch_output.copy_to_stdout(str(source))
    assert calls == [0, 1000]
    assert (tmp_path / "out").read_bytes() == source.read_bytes()


def test_copy_to_stdout_passes_on_real_write_errors(tmp_path, monkeypatch):
    source = tmp_path / "spooled"
    source.write_bytes(b"x" * 10)

    def broken_pipe(*args: int) -> int:
        raise BrokenPipeError(errno.EPIPE, "reader went away")

    monkeypatch.setattr(os, "sendfile", broken_pipe)
    with (tmp_path / "out").open("w") as stream:
        monkeypatch.setattr(sys, "stdout", stream)
        with pytest.raises(BrokenPipeError):
            batch_output.copy_to_stdout(str(source))


# --- the command group -------------------------------------------------------------------------


def test_help_lists_every_command_family_in_order():
    result = run("--help")
    assert result.exit_code == 0
    listed = [
        line.split()[0]
        for line in result.output.split("Commands:", 1)[1].splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    ]
    assert listed == ["agencies", "check", "keys", "ocr", "privacy", "serve", "users"]


@pytest.mark.parametrize(
    ("command", "loaded", "not_loaded"),
    [
        ("serve", "onboard.cli.serve", "onboard.usecases.prescreen"),
        ("check", "onboard.usecases.prescreen", "onboard.cli.serve"),
        ("privacy", "onboard.usecases.privacy", "onboard.cli.check"),
    ],
)
def test_a_command_loads_its_own_module_only(command, loaded, not_loaded):
    probe = (
        "import sys\n"
        "from onboard.cli import main\n"
        f"main([{command!r}, '--help'], standalone_mode=False)\n"
        f"print({loaded!r} in sys.modules, {not_loaded!r} in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.split()[-2:] == ["True", "False"]
