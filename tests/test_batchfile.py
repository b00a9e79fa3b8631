"""The one reader of batch files (onboard/intake/batchfile.py): XLSX and GB18030 round trips,
Chinese column titles, the ref column, and hostile spreadsheets refused."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from onboard.agencies import report, samples
from onboard.eligibility.duplicates import unique_values
from onboard.eligibility.ruleset import default_ruleset
from onboard.errors import InputError
from onboard.intake import batchfile
from onboard.intake.batchfile import Limits, RowRead, read_all, read_row
from onboard.intake.schemas import CSV_COLUMNS, application_to_csv_row, application_to_dict
from tests.factories import PLATFORMS, change, eligible

APPLICATIONS = [eligible(p, r) for p in PLATFORMS for r in ("CN", "HK")]
RULESET = default_ruleset()


def workbook(
    records: list[list[object]], *, sheet_first: list[list[object]] | None = None
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if sheet_first is not None:  # another sheet before the one with the data
        for record in sheet_first:
            sheet.append(record)
        sheet = book.create_sheet("second")
    for record in records:
        sheet.append(record)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(records: list[list[str]], encoding: str = "utf-8") -> bytes:
    lines = [",".join(f'"{cell}"' if "," in cell else cell for cell in r) for r in records]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def table(applications=APPLICATIONS, refs: bool = True) -> list[list[str]]:
    header = (["ref"] if refs else []) + list(CSV_COLUMNS)
    rows = []
    for number, application in enumerate(applications, start=1):
        cells = application_to_csv_row(application)
        rows.append(([f"C-{number:03}"] if refs else []) + [cells[c] for c in CSV_COLUMNS])
    return [header, *rows]


def applications_of(opened: batchfile.BatchFile):
    out = []
    for item in opened.rows:
        read = read_row(item.payload, RULESET, ref=item.ref, errors=item.errors)
        assert read.errors is None, read.errors
        out.append((read.ref, read.application))
    return out


def typed(records: list[list[str]]) -> list[list[object]]:
    """The records as a spreadsheet holds them: numbers as numbers, dates as dates."""
    out: list[list[object]] = [list(records[0])]
    for record in records[1:]:
        cells: list[object] = []
        for column, cell in zip(records[0], record, strict=True):
            value: object = cell or None
            if cell and (column.endswith(("_on", "_date")) or column == "as_of"):
                value = datetime.combine(date.fromisoformat(cell), datetime.min.time())
            elif cell and column.startswith("store.") and cell.replace(".", "", 1).isdigit():
                value = float(cell) if "." in cell else int(cell)
            cells.append(value)
        out.append(cells)
    return out


def test_xlsx_round_trip_gives_the_same_applications_as_csv():
    records = table()
    from_csv = applications_of(read_all(csv_bytes(records), "csv"))
    opened = read_all(workbook(typed(records)), "xlsx")
    assert opened.encoding is None and opened.columns == records[0]
    from_xlsx = applications_of(opened)
    assert from_xlsx == from_csv
    assert [application for _, application in from_csv] == APPLICATIONS
    assert [ref for ref, _ in from_xlsx] == [f"C-{n:03}" for n in range(1, len(APPLICATIONS) + 1)]


def test_xlsx_line_numbers_are_worksheet_rows_blank_rows_skipped():
    records = typed(table(APPLICATIONS[:2]))
    data = workbook([records[0], [None] * 3, records[1], [], records[2]])
    rows = list(read_all(data, "xlsx").rows)
    assert [(item.row, item.line) for item in rows] == [(1, 3), (2, 5)]


def test_only_the_first_worksheet_is_read():
    records = table(APPLICATIONS[:1])
    data = workbook([["nothing", "here"]], sheet_first=typed(records))
    assert len(list(read_all(data, "xlsx").rows)) == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_chinese_column_titles_are_aliases(fmt):
    titles = batchfile.column_titles()
    records = table(APPLICATIONS[:3])
    chinese = [[titles[c] for c in records[0]], *records[1:]]
    assert "统一社会信用代码" in chinese[0] and "参考编号" in chinese[0]
    data = csv_bytes(chinese) if fmt == "csv" else workbook(typed(records)[:1] and chinese)
    opened = read_all(data, fmt)
    assert opened.columns == records[0]
    assert [a for _, a in applications_of(opened)] == APPLICATIONS[:3]


@pytest.mark.parametrize(
    ("encoding", "prefix", "reported"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("gb18030", b"", "gb18030"),
        ("gbk", b"", "gb18030"),
    ],
)
def test_csv_encodings_are_detected_and_reported(encoding, prefix, reported):
    records = table(
        [change(a, entity__company_name="深圳市星河跨境电子商务有限公司") for a in APPLICATIONS]
    )
    opened = read_all(prefix + csv_bytes(records, encoding), "csv")
    assert opened.encoding == reported
    got = applications_of(opened)
    assert {a.entity.company_name for _, a in got} == {"深圳市星河跨境电子商务有限公司"}
    assert len(got) == len(APPLICATIONS)


def test_gb18030_round_trip_through_the_results_download():
    """What Excel on a Chinese Windows saves (GB18030) is read; what we give back (UTF-8
    with a BOM) reads back to the same names."""
    names = ["深圳市星河跨境电子商务有限公司", "香港星河貿易有限公司", "广州市云帆贸易有限公司"]
    apps = [change(eligible(), entity__company_name=name) for name in names]
    opened = read_all(csv_bytes(table(apps), "gb18030"), "csv")
    lines = [
        report.ClientLine(row=item.row, label=item.client(), verdict="eligible", line=item.line)
        for item in opened.rows
    ]
    written = "".join(report.csv_text(lines)).encode("utf-8")
    assert written.startswith(b"\xef\xbb\xbf")
    back = list(__import__("csv").DictReader(io.StringIO(written.decode("utf-8-sig"))))
    assert [row["client"] for row in back] == names


def test_a_csv_that_is_no_encoding_spoils_only_its_rows():
    records = table(APPLICATIONS[:2])
    data = csv_bytes(records[:2]) + csv_bytes(records[2:3]).replace(b"Starriver", b"St\xff\xfe")
    rows = list(read_all(data, "csv").rows)
    assert rows[0].errors is None
    assert rows[1].errors and "shop.name" in rows[1].errors
    assert "UTF-8" in rows[1].errors["shop.name"][0]


def test_a_gb18030_csv_with_one_bad_byte_is_refused_naming_where():
    """It was read as UTF-8 (neither encoding decoded it all): every Chinese cell became a
    row error. Fewer bad bytes as GB18030 than as UTF-8: the file is refused, naming the
    first bad byte and its line."""
    records = table(
        [change(a, entity__company_name="深圳市星河跨境电子商务有限公司") for a in APPLICATIONS]
    )
    data = csv_bytes(records, "gb18030")
    lines = data.split(b"\n")
    lines[2] = lines[2] + b"\xff"
    broken = b"\n".join(lines)
    with pytest.raises(InputError) as caught:
        read_all(broken, "csv")
    (message,) = caught.value.errors["file"]
    offset = broken.index(b"\xff")
    assert f"byte {offset:,} (line 3)" in message and "GB18030" in message


def test_the_ref_and_client_travel_with_error_rows():
    records = table(APPLICATIONS[:1])
    records[1][records[0].index("store.rating")] = "4.5分"
    (item,) = read_all(csv_bytes(records), "csv").rows
    company = APPLICATIONS[0].entity.company_name
    assert item.ref == "C-001" and item.client() == company
    read = read_row(item.payload, RULESET, ref=item.ref, errors=item.errors)
    assert read.application is None and read.errors and "store.rating" in read.errors
    assert (read.ref, read.client) == ("C-001", company)


def test_a_json_lines_ref_is_taken_out_of_the_application():
    read = read_row(b'{"ref": "KH-9", "shop": {"name": "Starriver"}}', RULESET, ref="R-0")
    assert (read.ref, read.client, read.errors) == ("KH-9", "Starriver", None)
    assert read.application is not None and read.application.shop.name == "Starriver"


@pytest.mark.parametrize(
    ("payload", "message"),
    [(b'{"shop": ', "Not valid JSON: "), (b"\xff{}", "Not UTF-8 text"), ("[1", "Not valid JSON")],
)
def test_a_row_that_is_not_json_is_an_error_of_the_row(payload, message):
    read = read_row(payload, RULESET, ref="R-1")
    assert read.application is None and read.ref == "R-1" and read.errors
    assert list(read.errors) == ["_schema"] and read.errors["_schema"][0].startswith(message)


def test_the_readers_errors_keep_the_row_from_being_read():
    refused = {"_row": ["More cells than columns."]}
    read = read_row({"shop.name": "Starriver"}, RULESET, ref="R-2", errors=refused)
    assert read == RowRead("R-2", "Starriver", None, refused)


def test_the_lists_come_from_the_rule_set_given():
    without_toys = dataclasses.replace(
        RULESET, categories={k: v for k, v in RULESET.categories.items() if k != "toys"}
    )
    for payload in (b'{"shop": {"main_category": "toys"}}', {"shop.main_category": "toys"}):
        found = read_row(payload, RULESET).application
        assert found is not None and found.shop.main_category == "toys"
        assert list(read_row(payload, without_toys).errors or {}) == ["shop.main_category"]
    without_gmv = dataclasses.replace(
        RULESET,
        document_kinds={k: v for k, v in RULESET.document_kinds.items() if k != "gmv_screenshot"},
    )
    cells = {"documents.gmv_screenshot": "gmv.png"}
    found = read_row(cells, RULESET).application
    assert found is not None and found.documents == {"gmv_screenshot": "gmv.png"}
    assert list(read_row(cells, without_gmv).errors or {}) == ["documents.gmv_screenshot"]


def test_the_first_pass_reads_the_values_the_check_reads():
    """A batch's first pass (unique_values_of, from the raw row) and the check (unique_values
    of the application read) compare the same normalised values: JSON and cells, both
    regions, a number with and without its country code, an invalid phone and email kept as
    typed, spacing and case folded, a section missing."""
    hk = APPLICATIONS[1]
    odd = change(
        APPLICATIONS[0],
        entity__license_number=" 9144 0300 ",
        contact__phone=" 12345 ",
        contact__email="Not An Email",
        shop__name="  Star   RIVER ",
    )
    local = change(APPLICATIONS[0], contact__phone="138-3424-7646", contact__email="A@Example.COM")
    for application in (*APPLICATIONS, odd, local, change(hk, shop__name=None)):
        expected = unique_values(application)
        assert expected  # every sample fills some unique field
        row = application_to_csv_row(application)
        line = json.dumps(application_to_dict(application), default=str).encode()
        assert batchfile.unique_values_of(line) == expected
        assert batchfile.unique_values_of({k: v for k, v in row.items() if v}) == expected
    assert unique_values(local)["contact.phone"] == "+8613834247646"
    assert unique_values(odd)["contact.phone"] == "12345"
    assert unique_values(odd)["shop.name"] == "star river"
    for wrong in (b'{"contact": {"phone": 13834247646}, "shop": []}', b"[1]", b"not json"):
        assert batchfile.unique_values_of(wrong) == {}


# --- hostile spreadsheets --------------------------------------------------------------------


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _refused(data: bytes, limits: Limits | None = None) -> InputError:
    with pytest.raises(InputError) as caught:
        read_all(data, "xlsx", limits=limits or Limits())
    assert "file" in caught.value.errors
    return caught.value


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    members = _members(workbook(table(APPLICATIONS[:1])))
    members["xl/media/padding.bin"] = b"\0" * (50 * 1024 * 1024)  # 50 MiB -> ~50 KiB
    error = _refused(_zip(members))
    assert error.status == 413 and "zip bomb" in error.summary()


def test_a_workbook_unpacking_past_the_limit_is_refused():
    data = workbook(table(APPLICATIONS))
    error = _refused(data, Limits(max_xlsx_unzipped=10_000))
    assert error.status == 413


def test_too_many_parts_too_many_rows_and_columns_are_refused():
    members = _members(workbook(table(APPLICATIONS[:1])))
    members.update({f"xl/media/{n}.bin": b"x" for n in range(50)})
    assert _refused(_zip(members), Limits(max_xlsx_members=40)).status == 413
    assert _refused(workbook(table(APPLICATIONS)), Limits(max_rows=3)).status == 413
    wide = [[*table()[0], *[f"extra{n}" for n in range(300)]]]
    assert _refused(workbook(wide)).status == 413


@pytest.mark.parametrize(
    "data",
    [
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,  # an old .xls (or encrypted) file
        b"PK\x03\x04 but not really a zip",
        _zip({"hello.txt": b"not a workbook"}),
        b"",
    ],
)
def test_what_is_not_a_workbook_is_refused(data):
    assert _refused(data).status == 422


def test_an_xml_entity_bomb_is_refused():
    members = _members(workbook(table(APPLICATIONS[:1])))
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    sheet = members["xl/worksheets/sheet1.xml"]
    body = sheet.split(b"?>", 1)[-1]
    members["xl/worksheets/sheet1.xml"] = laughs + body.replace(b"<v>", b"<v>&lol3;", 1)
    assert "EntitiesForbidden" in _refused(_zip(members)).summary()  # defusedxml said no


def test_formulas_are_never_evaluated_nor_their_cached_results_read():
    records = table(APPLICATIONS[:2])
    data = workbook(typed(records))
    members = _members(data)
    rating = records[0].index("store.rating")
    column = openpyxl.utils.get_column_letter(rating + 1)
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    # Row 2's rating becomes a formula whose cached result (what Excel saved) looks valid.
    start = sheet.index(f'<c r="{column}2"')
    end = sheet.index("</c>", start) + 4
    sheet = (
        sheet[:start]
        + f'<c r="{column}2"><f>WEBSERVICE("http://x")</f><v>4.6</v></c>'
        + sheet[end:]
    )
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    first, second = read_all(_zip(members), "xlsx").rows
    assert first.errors == {"store.rating": [first.errors["store.rating"][0]]}
    assert "formula" in first.errors["store.rating"][0]
    assert first.payload["store.rating"] == ""  # the cached 4.6 is not taken
    assert second.errors is None


def test_external_links_are_not_loaded():
    members = _members(workbook(typed(table(APPLICATIONS[:1]))))
    members["xl/externalLinks/externalLink1.xml"] = (
        b'<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><externalBook r:id="rId1" xmlns:r="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships"/></externalLink>'
    )
    members["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
        b'Target="file:///etc/passwd" TargetMode="External"/></Relationships>'
    )
    (item,) = read_all(_zip(members), "xlsx").rows
    assert item.errors is None


def test_a_huge_cell_is_an_error_of_its_row():
    records = table(APPLICATIONS[:1])
    records[1][records[0].index("shop.name")] = "x" * 20_000
    (item,) = read_all(workbook(records), "xlsx").rows
    assert item.errors and "Longer than" in item.errors["shop.name"][0]


def test_results_workbook_writes_formula_like_text_as_text():
    line = report.ClientLine(
        row=1, label='=HYPERLINK("http://evil","x")', verdict="error", line=2, ref="@SUM(1)"
    )
    data = report.xlsx_bytes(report.summarize([line]), [("file", "=cmd|' /C calc'!A0")])
    book = openpyxl.load_workbook(io.BytesIO(data))
    results = book.worksheets[0]
    assert results["D3"].value == '=HYPERLINK("http://evil","x")'
    assert results["D3"].data_type == "s" and results["C3"].data_type == "s"
    assert book.worksheets[1]["B1"].data_type == "s"


def test_the_samples_give_every_verdict_and_an_error():
    for name in ("sample.csv", "sample.xlsx"):
        body, _ = samples.sample_file(name)
        fmt = name.rsplit(".", 1)[1]
        rows = list(read_all(body, fmt).rows)
        assert [item.ref for item in rows] == ["KH-001", "KH-002", "KH-003", "KH-004", "KH-005"]
    template, _ = samples.sample_file("template.xlsx")
    with pytest.raises(InputError, match="No applications"):
        read_all(template, "xlsx")
    assert samples.sample_file("../secrets") is None
