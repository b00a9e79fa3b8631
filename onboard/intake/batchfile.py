"""Reading a batch file: the one reader of CSV, JSON Lines and XLSX rows, used by
``onboard check`` and by agency batches alike, so that the same file gives the same rows,
the same line numbers and the same per-row errors whichever way it is sent.

* **CSV**: a header row, then one application per record. The encoding is detected over the
  whole file and reported: UTF-8 with a byte-order mark (``utf-8-sig``, what Excel writes
  with "CSV UTF-8"), UTF-8, else GB18030 (a superset of GBK, what Excel on a Chinese Windows
  writes with plain "CSV"). A file that is neither is read as UTF-8 and each record with
  bytes that are not UTF-8 becomes an error row naming its column.
* **JSON Lines**: one JSON object per non-blank line; each line stays bytes until it is
  checked, so a bad line spoils only itself.
* **XLSX**: the first worksheet, a header row, the same columns as CSV. A workbook is a zip
  of XML files, so it is opened only after its zip directory passes the limits of
  :class:`Limits` (size, members, unpacked bytes, compression ratio) and its XML is parsed by
  openpyxl over defusedxml (no entity expansion). Formulas are never evaluated: a formula
  cell is an error naming its column (and a cached result is never read); links to other
  workbooks are not loaded.

Headers name columns by their dotted names (``store.rating``), or by their Chinese titles
(:func:`column_titles`); ``ref`` (参考编号), the agency's own client id, is optional and is
echoed in every output, never checked. Records are numbered from 1 (``row``); ``line`` is the
line (CSV, JSON Lines) or worksheet row (XLSX) where the record starts.

Nothing here knows about Flask or the database: problems with the file as a whole raise
:class:`~onboard.errors.InputError` on ``file``; problems of one row travel with the row.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any, NamedTuple

from onboard.eligibility.duplicates import raw_unique_values
from onboard.eligibility.model import Application
from onboard.eligibility.ruleset import RuleSet, default_ruleset
from onboard.errors import InputError, Text, Words
from onboard.intake.jsontext import loads_line
from onboard.intake.schemas import (
    SURPLUS_CELLS,
    csv_columns,
    csv_row_to_data,
    is_unicode,
    parse_application,
)

#: The optional column of the agency's own client id.
REF = "ref"
REF_MAX = 200

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}
MEDIA_TYPES = {
    "text/csv": "csv",
    "application/jsonl": "jsonl",
    "application/x-ndjson": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP_MAGIC = b"PK\x03\x04"
_READ_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """What a batch file may hold; past these it is refused as a whole (413)."""

    max_rows: int = 100_000
    max_columns: int = 200
    #: Characters in one cell: far above any field (the schema's own limits then apply).
    max_cell_chars: int = 10_000
    #: An XLSX file as uploaded, and its XML once unzipped.
    max_xlsx_bytes: int = 50 * 1024 * 1024
    max_xlsx_unzipped: int = 400 * 1024 * 1024
    max_xlsx_members: int = 2_000
    #: Unzipped / zipped bytes of one member: spreadsheet XML reaches 10-30, bombs 1000s.
    max_xlsx_ratio: int = 200


class Row(NamedTuple):
    """One record of a batch file, before it is checked. A named tuple: sent to worker
    processes by the hundred thousand, and pickled about three times faster than a frozen
    dataclass."""

    row: int
    line: int
    #: The JSON text of a JSON Lines record; the cells of a CSV or XLSX record by column.
    payload: bytes | dict[str, str]
    size: int  # bytes of input it took, for progress bars
    ref: str | None = None
    #: Refused already (cells that are not text, a formula, more cells than columns).
    errors: dict[str, list[str]] | None = None

    def client(self) -> str | None:
        """How the row names its client while it is unchecked (error rows included)."""
        if isinstance(self.payload, dict):
            return label_of_cells(self.payload)
        return None


@dataclass(slots=True)
class BatchFile:
    """An opened batch file: its format, the encoding read (CSV, JSON Lines), its columns
    (CSV, XLSX) and its rows, read lazily."""

    format: str
    encoding: str | None
    columns: list[str]
    rows: Iterator[Row]


# --- what the reader says, in both languages (the guide's terms in Chinese) ------------------

SEND_A_FILE = Words(
    "Send a .csv, .xlsx or .jsonl file of applications (one per row).",
    "请上传 CSV、XLSX 或 JSONL 文件，每行一份申请。",
)
NO_APPLICATIONS = Words("No applications in the file.", "文件中没有申请数据。")
TOO_MANY_ROWS = Words(
    "Too many rows: at most {count:,} per batch.", "行数过多：每批最多 {count:,} 行。"
)
EMPTY_FILE = Words(
    "Empty file: expected a header row of column names.", "文件为空：第一行须为列名。"
)
UNKNOWN_COLUMN = Words(
    "Unknown column {what}: columns are named like store.rating.",
    "未知的列{what}：请按模板填写列名。",
)
COLUMN_TWICE = Words("Column {name} appears twice.", "{name} 列重复出现。")
CELL_NOT_UTF8 = Words(
    "Not UTF-8 text: save the file as UTF-8 (or as GB18030 / GBK).",
    "此处文字无法读取：请将文件另存为 UTF-8（或 GB18030/GBK）编码。",
)
LINE_NOT_UTF8 = Words(
    "Not UTF-8 text: save the file as UTF-8.",
    "此行不是 UTF-8 编码的文字：请将文件另存为 UTF-8 编码。",
)
NOT_JSON = Words("Not valid JSON: {problem}", "此行不是可读取的 JSON 对象。")
REF_NOT_TEXT = Words(
    "A text: the agency's own client id.", "参考编号须为文字（贵司自己的客户编号）。"
)
CELL_TOO_LONG = Words("Longer than {count:,} characters.", "最多 {count:,} 个字符。")
NEITHER_ENCODING = Words(
    "Not UTF-8 or GB18030 text: byte {offset:,} (line {line}) cannot be read; "
    "save the file again as UTF-8 or GB18030.",
    "文件既不是 UTF-8 编码，也不是 GB18030/GBK 编码：第 {line} 行（字节位置 {offset:,}）"
    "有无法读取的字节。请将文件重新另存为 UTF-8 或 GB18030 编码。",
)
CSV_HEADER = Words("Not a readable CSV header: {problem}.", "第一行无法按 CSV 格式读取。")
TOO_MANY_COLUMNS = Words("More than {count} columns.", "列数超过 {count} 列。")
CSV_LINE = Words(
    "Line {line}: not readable as CSV: {problem}.", "第 {line} 行无法按 CSV 格式读取。"
)
WORKBOOK_TOO_LARGE = Words(
    "The workbook is larger than {count:,} bytes.", "工作簿超过 {count:,} 字节。"
)
NO_WORKSHEET = Words("The workbook has no worksheet.", "工作簿中没有工作表。")
_RESAVE = "无法读取此 XLSX 工作簿：请在 Excel 或 WPS 中重新另存为 .xlsx 文件。"
NOT_XLSX = Words("Not an .xlsx workbook (an encrypted or old .xls file? save as .xlsx).", _RESAVE)
DAMAGED_XLSX = Words("Not a readable .xlsx workbook (a damaged zip).", _RESAVE)
UNREADABLE_XLSX = Words("Not a readable .xlsx workbook ({cause}).", _RESAVE)
TOO_MANY_PARTS = Words("The workbook has too many parts.", "工作簿解压后过大。")
ZIP_BOMB = Words(
    "The workbook unpacks to far more than its size (a zip bomb).", "工作簿解压后过大。"
)
UNPACKS_TOO_LARGE = Words(
    "The workbook unpacks to more than {count:,} bytes.", "工作簿解压后过大。"
)
FORMULA = Words(
    "A formula: formulas are not evaluated; paste the value instead.",
    "这是公式：此处不计算公式，请粘贴数值。",
)
ERROR_VALUE = Words("An error value in the cell ({value}).", "单元格中是表格的错误值。")


def file_format(filename: str, media_type: str | None = None) -> str:
    """``csv``, ``jsonl`` or ``xlsx`` from the file name, else the media type (415)."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    found = FORMATS.get(suffix) or MEDIA_TYPES.get((media_type or "").split(";")[0].lower())
    if found is None:
        raise InputError(
            {"file": [SEND_A_FILE()]},
            status=415,
        )
    return found


def open_batch(
    stream: IO[bytes], fmt: str, *, ruleset: RuleSet | None = None, limits: Limits = Limits()
) -> BatchFile:
    """Open ``stream`` (binary, seekable) as a batch file of format ``fmt``.

    The header is read and checked now (:class:`InputError` on ``file`` for an empty file,
    an unknown or repeated column, a hostile workbook); rows come as they are read, and the
    iterator raises :class:`InputError` (413) past ``limits.max_rows``.
    """
    if fmt == "jsonl":
        return BatchFile("jsonl", "utf-8", [], _limited(jsonl_rows(stream), limits.max_rows))
    if fmt == "xlsx":
        return _open_xlsx(stream, ruleset, limits)
    if fmt == "csv":
        return _open_csv(stream, ruleset, limits)
    raise ValueError(f"unknown batch format {fmt!r}")


def read_all(
    data: bytes, fmt: str, *, ruleset: RuleSet | None = None, limits: Limits = Limits()
) -> BatchFile:
    """:func:`open_batch` over bytes in memory, every row read (a list in ``rows``)."""
    opened = open_batch(io.BytesIO(data), fmt, ruleset=ruleset, limits=limits)
    rows = list(opened.rows)
    if not rows:
        raise InputError({"file": [NO_APPLICATIONS()]})
    opened.rows = iter(rows)
    return opened


def _limited(rows: Iterator[Row], max_rows: int) -> Iterator[Row]:
    for item in rows:
        if item.row > max_rows:
            raise InputError({"file": [TOO_MANY_ROWS(count=max_rows)]}, status=413)
        yield item


# --- from a row to an application ------------------------------------------------------------


class Decoded(NamedTuple):
    """A row's content before the schema: the JSON value (JSON Lines) or the cells (CSV,
    XLSX), with the agency's ``ref`` taken out and the client it names."""

    data: Any
    ref: str | None
    client: str | None
    cells: bool


def decode(payload: bytes | str | Mapping[str, str], ref: str | None = None) -> Decoded:
    """The content of a row's payload (a JSON text, or cells by column); :class:`InputError`
    for text that is not UTF-8 or not JSON. A JSON object's ``ref`` member is the row's ref
    (a ``ref`` column's value, ``ref``, for cells)."""
    if isinstance(payload, Mapping):
        return Decoded(payload, ref, label_of_cells(payload), True)
    raw = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
    try:
        data = loads_line(raw)
    except UnicodeDecodeError:
        raise InputError({"_schema": [LINE_NOT_UTF8()]}) from None
    except (ValueError, RecursionError) as exc:
        raise InputError({"_schema": [NOT_JSON(problem=_json_problem(exc))]}) from None
    if isinstance(data, dict) and REF in data:
        data = dict(data)
        value = data.pop(REF)
        if value is not None and not isinstance(value, str | int):
            raise InputError({REF: [REF_NOT_TEXT()]})
        ref = (str(value).strip()[:REF_MAX] or None) if value is not None else ref
    return Decoded(data, ref, _label_of_json(data), False)


def application_of(decoded: Decoded, ruleset: RuleSet | None = None) -> Application:
    """The application of a decoded row; :class:`InputError` naming the fields otherwise."""
    data = csv_row_to_data(decoded.data, ruleset=ruleset) if decoded.cells else decoded.data
    return parse_application(data, ruleset=ruleset)


class RowRead(NamedTuple):
    """A batch row read into an application: whom it names, and its application or the
    errors that kept it from being one (exactly one of the two)."""

    ref: str | None
    client: str | None
    application: Application | None
    errors: dict[str, list[str]] | None


def read_row(
    payload: bytes | str | Mapping[str, str],
    ruleset: RuleSet,
    *,
    ref: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> RowRead:
    """Row -> application, the one way ``onboard check`` and agency batches read a row.

    ``payload`` is a :class:`Row`'s (a JSON Lines text, or CSV / XLSX cells by column),
    ``ref`` the row's own (a ``ref`` member of a JSON object replaces it) and ``errors``
    what the file's reader refused already (:attr:`Row.errors`: the row is then not read
    further). Category, platform and document-kind lists come from ``ruleset``. Never
    raises for bad input: the errors, by dotted field name, come back with whom the row
    names, so that an error line can still say which client it is about.
    """
    try:
        decoded = decode(payload, ref)
    except InputError as exc:  # not UTF-8, not JSON, a ref that is not text
        return RowRead(ref, None, None, exc.errors)
    if errors:
        return RowRead(decoded.ref, decoded.client, None, dict(errors))
    try:
        application = application_of(decoded, ruleset)
    except InputError as exc:
        return RowRead(decoded.ref, decoded.client, None, exc.errors)
    return RowRead(decoded.ref, decoded.client, application, None)


def unique_values_of(payload: bytes | str | Mapping[str, str]) -> dict[str, str]:
    """The values a row may not share with another row of its batch (RULES.md §6), read
    from its payload as its check reads it; nothing for a row whose input is bad (its own
    check reports that)."""
    try:
        decoded = decode(payload)
        data = csv_row_to_data(decoded.data) if decoded.cells else decoded.data
    except (InputError, ValueError, RecursionError, TypeError):
        return {}
    return raw_unique_values(data)


def _label_of_json(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    for section, name in (("entity", "company_name"), ("shop", "name")):
        part = data.get(section)
        value = part.get(name) if isinstance(part, dict) else None
        if isinstance(value, str) and value.strip() and is_unicode(value):
            return value.strip()[:200]
    return None


def _json_problem(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)


# --- JSON Lines ------------------------------------------------------------------------------


def jsonl_rows(stream: Iterable[bytes], first_row: int = 1, first_line: int = 1) -> Iterator[Row]:
    """Non-blank lines as rows, numbered on from ``first_row``; lines stay bytes (decoding
    is part of checking the row, so a bad line spoils only itself)."""
    row = first_row
    for line_no, raw in enumerate(stream, start=first_line):
        if raw.strip():
            yield Row(row, line_no, raw, len(raw))
            row += 1


# --- columns ---------------------------------------------------------------------------------

#: Chinese titles of the application's columns (the guide's terms, RULES.md §7): accepted in
#: headers as aliases of the dotted names, and written in the template's second header row.
_ZH_TITLES = {
    REF: "参考编号",
    "as_of": "评估日期",
    "entity.region": "注册地区",
    "entity.company_name": "公司名称",
    "entity.license_number": "统一社会信用代码",
    "entity.hk_ci_number": "公司注册证明书编号",
    "legal_rep.name": "法定代表人",
    "legal_rep.id_type": "法定代表人证件类型",
    "legal_rep.id_number": "法定代表人证件号码",
    "contact.phone": "手机号码",
    "contact.email": "电子邮箱",
    "store.platform": "第三方平台",
    "store.url": "店铺链接",
    "store.registered_entity": "店铺注册公司",
    "store.opened_on": "开店日期",
    "store.rating": "店铺评分",
    "store.positive_feedback_pct": "好评率",
    "store.gmv_12m_usd": "近12个月GMV（美元）",
    "store.account_health": "账户健康评分",
    "store.trustpilot_rating": "Trustpilot 评分",
    "store.social_followers": "海外社媒粉丝数",
    "store.last_supply_date": "最近供货日期",
    "store.main_category": "店铺主营类目",
    "shop.name": "新店铺名称",
    "shop.main_category": "新店铺主营类目",
    "fulfillment.method": "发货方式",
    "entry.mode": "入驻方式",
    "entry.invitation_code": "邀请码",
    "entry.douyin_gmv_180d_cny": "抖音近180天GMV（人民币）",
}


def columns_of(ruleset: RuleSet | None = None) -> list[str]:
    """The documented columns: ``ref``, then every field of the application by dotted name,
    then one per document kind of ``ruleset``."""
    return [REF, *csv_columns(ruleset)]


def column_titles(ruleset: RuleSet | None = None) -> dict[str, str]:
    """Each documented column's Chinese title (document columns: the document's name)."""
    rules = ruleset or default_ruleset()
    titles = {}
    for column in columns_of(rules):
        kind = column.removeprefix("documents.")
        if kind != column:
            titles[column] = "文件：" + rules.document_kinds[kind].name["zh"]
        else:
            titles[column] = _ZH_TITLES.get(column, column)
    return titles


def header_columns(names: Iterable[Any], ruleset: RuleSet | None = None) -> list[str]:
    """The dotted column names of a header row (Chinese titles resolved); :class:`InputError`
    for an empty header, an unknown or a repeated column."""
    cells = [_header_text(name) for name in names]
    while cells and not cells[-1]:
        cells.pop()  # spreadsheets pad rows with empty cells
    if not any(cells):
        raise InputError({"file": [EMPTY_FILE()]})
    known = columns_of(ruleset)
    by_title = {title: column for column, title in column_titles(ruleset).items()}
    accepted = set(known)
    columns = []
    for position, name in enumerate(cells, start=1):
        column = name if name in accepted else by_title.get(name)
        if column is None:
            what = (
                Text(repr(name[:60]), "“" + name[:60] + "”")
                if name
                else Text(f"(empty, column {position})", f"（第 {position} 列没有列名）")
            )
            raise InputError({"file": [UNKNOWN_COLUMN(what=what)]})
        columns.append(column)
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        title = column_titles(ruleset).get(repeated[0]) or "“" + repeated[0] + "”"
        raise InputError({"file": [COLUMN_TWICE(name=Text(repr(repeated[0]), title))]})
    return columns


def _header_text(name: Any) -> str:
    return "" if name is None else str(name).strip().lstrip("\ufeff").strip()


def label_of_cells(cells: Mapping[str, Any]) -> str | None:
    """The client a record names: its company, else its shop (error rows included)."""
    for column in ("entity.company_name", "shop.name"):
        value = cells.get(column)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None


def _record(
    columns: list[str], values: list[str], row: int, line: int, *, size: int, max_chars: int
) -> Row:
    """A data record as a :class:`Row`: cells by column, ``ref`` taken out, and the errors a
    reader can see already (surplus cells, text that is not UTF-8, oversized cells)."""
    cells = dict(zip(columns, values, strict=False))
    errors: dict[str, list[str]] = {}
    if any(value.strip() for value in values[len(columns) :]):
        errors["_row"] = [SURPLUS_CELLS()]
    for column, cell in cells.items():
        if not is_unicode(cell):
            errors[column] = [CELL_NOT_UTF8()]
            cells[column] = cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        elif len(cell) > max_chars:
            errors[column] = [CELL_TOO_LONG(count=max_chars)]
            cells[column] = cell[:max_chars]
    ref = cells.pop(REF, "").strip()[:REF_MAX] or None
    return Row(row, line, cells, size, ref, errors or None)


# --- CSV -------------------------------------------------------------------------------------


def detect_encoding(stream: IO[bytes]) -> str:
    """``utf-8-sig``, ``utf-8`` or ``gb18030``: the first that decodes the whole stream (read
    in blocks, then rewound); ``utf-8`` when none does (bad bytes are then errors of their
    rows), unless the file reads as GB18030 but for a few bytes: that is refused naming the
    first bad byte (read as UTF-8, all its Chinese would be mojibake or row errors)."""
    start = stream.tell()
    head = stream.read(3)
    stream.seek(start)
    if head == codecs.BOM_UTF8:
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        if _first_bad_byte(stream, encoding) is None:
            return encoding
    _refuse_broken_gb18030(stream)
    return "utf-8"


def _first_bad_byte(stream: IO[bytes], encoding: str) -> int | None:
    """The offset of the first byte ``encoding`` cannot decode (None: it all decodes); the
    stream is rewound."""
    start = stream.tell()
    decoder = codecs.getincrementaldecoder(encoding)()
    done = 0
    try:
        while block := stream.read(_READ_BLOCK):
            decoder.decode(block)
            done += len(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:  # exc.object: the bytes held back, then this block
        return done - (len(exc.object) - len(block)) + exc.start
    finally:
        stream.seek(start)
    return None


def _bad_sequences(stream: IO[bytes], encoding: str) -> int:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    start = stream.tell()
    count = 0
    while block := stream.read(_READ_BLOCK):
        count += decoder.decode(block).count("\ufffd")
    count += decoder.decode(b"", final=True).count("\ufffd")
    stream.seek(start)
    return count


def _refuse_broken_gb18030(stream: IO[bytes]) -> None:
    """:class:`InputError` for a file with fewer bad bytes as GB18030 than as UTF-8 (what
    Excel on a Chinese Windows saved, with a byte damaged), naming the first bad byte."""
    if _bad_sequences(stream, "gb18030") >= _bad_sequences(stream, "utf-8"):
        return
    offset = _first_bad_byte(stream, "gb18030") or 0
    start = stream.tell()
    line = 1 + stream.read(offset).count(b"\n")
    stream.seek(start)
    raise InputError({"file": [NEITHER_ENCODING(offset=offset, line=line)]})


class _Lines:
    """Decoded lines of a binary stream for :mod:`csv`, counting lines and bytes consumed."""

    def __init__(self, stream: IO[bytes], encoding: str) -> None:
        self.stream = stream
        self.encoding = encoding  # utf-8-sig drops the byte-order mark of the first line
        self.consumed = 0
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.stream:
            self.consumed += len(raw)
            self.line += 1
            yield raw.decode(self.encoding, "surrogateescape")


def _open_csv(stream: IO[bytes], ruleset: RuleSet | None, limits: Limits) -> BatchFile:
    encoding = detect_encoding(stream)
    lines = _Lines(stream, encoding)
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError({"file": [CSV_HEADER(problem=exc)]}) from None
    if header is not None and len(header) > limits.max_columns:
        raise InputError({"file": [TOO_MANY_COLUMNS(count=limits.max_columns)]}, status=413)
    columns = header_columns(header or [], ruleset)
    rows = _limited(_csv_records(reader, lines, columns, limits), limits.max_rows)
    return BatchFile("csv", encoding, columns, rows)


def _csv_records(reader: Any, lines: _Lines, columns: list[str], limits: Limits) -> Iterator[Row]:
    done = lines.consumed
    row = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a NUL byte, a field over the csv module's limit
            raise InputError({"file": [CSV_LINE(line=lines.line, problem=exc)]}) from None
        if not any(cell.strip() for cell in record):
            done = lines.consumed
            continue
        row += 1
        start_line = lines.line - sum(cell.count("\n") for cell in record)
        yield _record(
            columns,
            record,
            row,
            start_line,
            size=lines.consumed - done,
            max_chars=limits.max_cell_chars,
        )
        done = lines.consumed


# --- XLSX ------------------------------------------------------------------------------------


def _open_xlsx(stream: IO[bytes], ruleset: RuleSet | None, limits: Limits) -> BatchFile:
    data = stream.read(limits.max_xlsx_bytes + 1)
    if len(data) > limits.max_xlsx_bytes:
        raise InputError({"file": [WORKBOOK_TOO_LARGE(count=limits.max_xlsx_bytes)]}, status=413)
    _check_workbook_zip(data, limits)
    import openpyxl  # noqa: PLC0415 — only for workbooks (a second's import otherwise spent)

    try:
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False, keep_vba=False
        )
    except Exception as exc:  # openpyxl raises many kinds for a damaged or hostile file
        raise _unreadable(exc) from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise InputError({"file": [NO_WORKSHEET()]})
        sheet = sheets[0]
        sheet.reset_dimensions()  # never trust the declared size: read what is there
        columns, rows = _xlsx_table(
            sheet.iter_rows(max_col=limits.max_columns + 1), ruleset, limits
        )
    except InputError:
        raise
    except Exception as exc:
        raise _unreadable(exc) from None
    finally:
        book.close()
    return BatchFile("xlsx", None, columns, iter(rows))


def _unreadable(exc: BaseException) -> InputError:
    """A workbook openpyxl could not read; named by the first cause (openpyxl wraps what the
    XML parser says, e.g. defusedxml's ``EntitiesForbidden``, in a ValueError)."""
    cause = exc.__cause__ or exc.__context__ or exc
    return InputError({"file": [UNREADABLE_XLSX(cause=type(cause).__name__)]})


def _check_workbook_zip(data: bytes, limits: Limits) -> None:
    """Refuse what is not a zip, or a zip that would unpack past the limits (a bomb)."""
    if not data.startswith(_ZIP_MAGIC):
        raise InputError({"file": [NOT_XLSX()]})
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError({"file": [DAMAGED_XLSX()]}) from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_xlsx_members:
            raise InputError({"file": [TOO_MANY_PARTS()]}, status=413)
        total = 0
        for member in members:
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > 1 << 20 and ratio > limits.max_xlsx_ratio:
                raise InputError({"file": [ZIP_BOMB()]}, status=413)
        if total > limits.max_xlsx_unzipped:
            raise InputError(
                {"file": [UNPACKS_TOO_LARGE(count=limits.max_xlsx_unzipped)]}, status=413
            )


def _xlsx_table(
    records: Iterator[tuple[Any, ...]], ruleset: RuleSet | None, limits: Limits
) -> tuple[list[str], list[Row]]:
    """The header's columns and the data rows of a worksheet (blank rows skipped)."""
    columns: list[str] | None = None
    rows: list[Row] = []
    for line, record in enumerate(records, start=1):
        read = [_cell_text(cell) for cell in record]
        texts = [text for text, _ in read]
        problems = [problem for _, problem in read]
        if not any(text.strip() for text in texts):
            continue
        if columns is None:
            if len(texts) > limits.max_columns and any(
                t.strip() for t in texts[limits.max_columns :]
            ):
                raise InputError({"file": [TOO_MANY_COLUMNS(count=limits.max_columns)]}, status=413)
            columns = header_columns(texts, ruleset)
            continue
        if len(rows) >= limits.max_rows:
            raise InputError({"file": [TOO_MANY_ROWS(count=limits.max_rows)]}, status=413)
        found = _record(
            columns, texts, len(rows) + 1, line, size=0, max_chars=limits.max_cell_chars
        )
        errors = {
            column: [problem]
            for column, problem in zip(columns, problems, strict=False)
            if problem and column != REF
        }
        if errors:
            found = found._replace(errors={**(found.errors or {}), **errors})
        rows.append(found)
    if columns is None:
        raise InputError({"file": [EMPTY_FILE()]})
    return columns, rows


def _cell_text(cell: Any) -> tuple[str, str | None]:
    """A worksheet cell as the text a CSV cell would hold, and a problem with it if any."""
    value = getattr(cell, "value", None)
    kind = getattr(cell, "data_type", None)
    if value is None:
        return "", None
    if kind == "f":
        return "", FORMULA()
    if kind == "e":
        return "", ERROR_VALUE(value=str(value)[:20])
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value)), None
        return repr(value), None
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat(), None
        return value.isoformat(), None
    if isinstance(value, date | time):
        return value.isoformat(), None
    return str(value), None
