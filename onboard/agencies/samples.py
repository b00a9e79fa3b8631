"""Template and sample batch files, to try batches without touching real data.

Both live in the package as CSV (``samples/template.csv``: the header only;
``samples/sample.csv``: five invented clients that give each verdict once, and a row with
bad input); the XLSX versions are made from them when asked, so the two formats never
drift apart. Downloads of CSV carry a byte-order mark, so that Excel opens them as UTF-8.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from onboard.agencies.report import XLSX_MEDIA_TYPE
from onboard.intake import batchfile
from onboard.intake.schemas import application_to_dict

FOLDER = Path(__file__).resolve().parent / "samples"
#: What can be downloaded: file name -> (packaged CSV it is made from, format).
FILES = {
    "template.csv": ("template.csv", "csv"),
    "template.xlsx": ("template.csv", "xlsx"),
    "sample.csv": ("sample.csv", "csv"),
    "sample.xlsx": ("sample.csv", "xlsx"),
}
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def sample_file(name: str) -> tuple[bytes, str] | None:
    """The download ``name`` as (bytes, media type); None for a name not offered."""
    found = FILES.get(name)
    if found is None:
        return None
    source, fmt = found
    text = (FOLDER / source).read_text(encoding="utf-8")
    if fmt == "csv":
        return ("\ufeff" + text).encode("utf-8"), CSV_MEDIA_TYPE
    return _workbook(list(csv.reader(io.StringIO(text)))), XLSX_MEDIA_TYPE


def sample_text() -> str:
    """The sample CSV as text (the CSV upload's example body)."""
    return (FOLDER / "sample.csv").read_text(encoding="utf-8")


def _workbook(records: list[list[str]]) -> bytes:
    """The records as the first sheet (every cell text, and formatted as text so that
    Excel keeps long numbers such as ID numbers whole), and a sheet naming the columns."""
    from openpyxl import Workbook  # noqa: PLC0415 — ~250 ms CPU to import; this download only
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

    book = Workbook(write_only=True)
    sheet = book.create_sheet("clients 客户")
    header = records[0]
    for record in records:
        cells = []
        for value in record:
            cell = WriteOnlyCell(sheet, value=value or None)
            cell.data_type = "s"
            cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    guide = book.create_sheet("columns 列说明")
    titles = batchfile.column_titles()
    guide.append(["column", "列名（中文，也可作为表头）"])
    for column in header:
        guide.append([column, titles.get(column, "")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def example_application() -> dict[str, Any]:
    """The sample's first client (the eligible one) as the JSON of an application: the
    example of the API's documentation, so that "Try it out" answers with a report."""
    sample = (FOLDER / "sample.csv").read_bytes()
    first = next(batchfile.read_all(sample, "csv").rows)
    application = batchfile.application_of(batchfile.decode(first.payload))
    data = application_to_dict(application)
    return {key: value for key, value in data.items() if value not in (None, {})}


def example_rows(limit: int = 3) -> bytes:
    """The sample's first rows as JSON Lines (the batch upload's example body)."""
    sample = (FOLDER / "sample.csv").read_bytes()
    lines = []
    for item in batchfile.read_all(sample, "csv").rows:
        decoded = batchfile.decode(item.payload, item.ref)
        data = application_to_dict(batchfile.application_of(decoded))
        lines.append(json.dumps({"ref": item.ref, **data}, ensure_ascii=False))
        if len(lines) == limit:
            break
    return ("\n".join(lines) + "\n").encode()
