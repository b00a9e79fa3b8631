"""Error texts of the agency portal and the desk in the page's language.

The errors come from code that knows nothing of pages (the batch-file reader, the schemas,
the key and account functions, the desk's use cases) and speaks English, which is what the
API's JSON ``message`` and the CLI keep (CONTRACT.md). A page turns them into the reader's
language here, in one place: each known English message (by its wording, as
:func:`onboard.web.forms.localize` does for the form) becomes a catalogue text, field names
become the column titles agencies see in the template (the guide's terms). A message this
module does not know is never shown in English on a Chinese page: it becomes a general
sentence naming the field, and the English stays in the logs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from flask_babel import gettext as _

from onboard.errors import InputError
from onboard.i18n import lang
from onboard.intake.batchfile import column_titles
from onboard.web.forms import localize

log = logging.getLogger(__name__)
Render = Callable[[re.Match[str]], str]

_FILE = r"(?:Send a \.csv, \.xlsx or \.jsonl file of applications \(one per row\)\.)"
_CATALOGUE: tuple[tuple[str, Render], ...] = (
    # --- the batch file as a whole (onboard/intake/batchfile.py) ---
    (_FILE, lambda m: _("Send a CSV, XLSX or JSONL file of applications, one per row.")),
    (r"No applications in the file\.", lambda m: _("No applications in the file.")),
    (
        r"Too many rows: at most ([\d,]+) per batch\.",
        lambda m: _("Too many rows: at most %(count)s per batch.", count=m[1]),
    ),
    (
        r"Empty file: expected a header row of column names\.",
        lambda m: _("The file is empty: the first row must name the columns."),
    ),
    (
        r"Unknown column (.*): columns are named like store\.rating\.",
        lambda m: _(
            "Unknown column %(name)s: name the columns as the template does.",
            name=m[1].strip("'\""),
        ),
    ),
    (
        r"Unknown column: columns are dotted field names \(store\.rating\)\.",
        lambda m: _("Unknown column: name the columns as the template does."),
    ),
    (
        r"Column '(.*)' appears twice\.",
        lambda m: _("The column %(name)s appears twice.", name=column_label(m[1])),
    ),
    (r"More cells than columns\.", lambda m: _("This row has more cells than the header.")),
    (
        r"Not UTF-8 text: save the file as UTF-8.*",
        lambda m: _("This text cannot be read: save the file as UTF-8 (or GB18030/GBK)."),
    ),
    (
        r"Not UTF-8 or GB18030 text: byte ([\d,]+) \(line (\d+)\) cannot be read.*",
        lambda m: _(
            "The file is neither UTF-8 nor GB18030/GBK text: the byte at offset %(offset)s"
            " (line %(line)s) cannot be read. Save the file again as UTF-8 or GB18030.",
            offset=m[1],
            line=m[2],
        ),
    ),
    (
        r"Longer than ([\d,]+) characters\.",
        lambda m: _("Use at most %(count)s characters.", count=m[1]),
    ),
    (r"Not a readable CSV header: .*", lambda m: _("The first row is not readable as CSV.")),
    (r"More than (\d+) columns\.", lambda m: _("More than %(count)s columns.", count=m[1])),
    (
        r"Line (\d+): not readable as CSV: .*",
        lambda m: _("Line %(line)s is not readable as CSV.", line=m[1]),
    ),
    (
        r"The workbook is larger than ([\d,]+) bytes\.",
        lambda m: _("The workbook is larger than %(count)s bytes.", count=m[1]),
    ),
    (r"The workbook has no worksheet\.", lambda m: _("The workbook has no worksheet.")),
    (
        r"Not an? (?:readable )?\.xlsx workbook.*",
        lambda m: _("Not a readable XLSX workbook: save it again as .xlsx in Excel or WPS."),
    ),
    (
        r"The workbook has too many parts\.|The workbook unpacks to .*",
        lambda m: _("The workbook is too large once unpacked."),
    ),
    (
        r"A formula: formulas are not evaluated; paste the value instead\.",
        lambda m: _("A formula: formulas are not calculated here; paste the value instead."),
    ),
    (
        r"An error value in the cell .*",
        lambda m: _("The cell holds a spreadsheet error value."),
    ),
    (
        r"Not valid JSON: .*|Not UTF-8 text: save the file as UTF-8\.",
        lambda m: _("This line is not a readable JSON object."),
    ),
    (r"A text: the agency's own client id\.", lambda m: _("Your own client reference, as text.")),
    # --- values of a row (onboard/intake/schemas.py; forms.localize knows the rest) ---
    (r"Missing data for required field\.", lambda m: _("Required.")),
    (r"Field may not be null\.", lambda m: _("Required.")),
    (r"Unknown field\.", lambda m: _("Not a column of the template.")),
    (r"Not a valid (?:string|boolean)\.", lambda m: _("This value is not accepted here.")),
    (
        r"Not a number: .*|Special numeric values \(nan or infinity\) are not permitted\.",
        lambda m: _("Enter a number."),
    ),
    (
        r"Must be one of: .*|Unknown (?:platform|category id) .*|Must be a two-letter .*",
        lambda m: _("Not a value the template allows: see the template and the sample file."),
    ),
    (r"Unknown document kind.*", lambda m: _("Not a document of the template.")),
    (
        r"Give the file name as a non-empty string\.",
        lambda m: _("Give the document's file name."),
    ),
    (
        r"Control characters .* are not allowed.*",
        lambda m: _("Control characters (such as NUL or a line break) are not allowed here."),
    ),
    (r"Expected an object.*", lambda m: _("This value is not accepted here.")),
    # --- the documents zip (onboard/agencies/documents_zip.py) ---
    (r"Not a readable zip file.*", lambda m: _("The documents file is not a readable zip.")),
    (
        r"Too many files in the zip: at most (\d+)\.",
        lambda m: _("Too many files in the zip: at most %(count)s.", count=m[1]),
    ),
    (
        r"The zip inflates to more than (\d+) bytes\.",
        lambda m: _("The zip unpacks to more than %(count)s bytes.", count=m[1]),
    ),
    # --- rows of a batch (onboard/agencies/batches.py) ---
    (
        r"Only a checked row \(no input errors\) can become an application\.",
        lambda m: _("Only a checked row (without input errors) can become an application."),
    ),
    (
        r"This client's application was submitted already\.",
        lambda m: _("This client's application was submitted already."),
    ),
    (
        r"This row could not be checked \(internal error\)\.|This row's result could not be.*",
        lambda m: _("This row could not be checked because of a fault on our side."),
    ),
    # --- API keys, webhooks, agencies, portal users (onboard/agencies/) ---
    (r"A name is required\.", lambda m: _("A name is required.")),
    (r"At most (\d+) characters\.", lambda m: _("Use at most %(count)s characters.", count=m[1])),
    (
        r"An http\(s\) URL of at most 2048 characters\.",
        lambda m: _("Enter an address starting with https:// (at most 2048 characters)."),
    ),
    (
        r"Refused: (\S+) points to a non-public address \((.*)\)\.",
        lambda m: _(
            "Refused: %(host)s points to an address inside a private network (%(address)s);"
            " the webhook must be reachable from the internet.",
            host=m[1],
            address=m[2],
        ),
    ),
    (r"Refused: webhooks must use https\.", lambda m: _("Refused: the address must use https.")),
    (
        r"Refused: the URL may not carry a user name or password\.",
        lambda m: _("Refused: the address may not contain a user name or password."),
    ),
    (
        r"Refused: .*",
        lambda m: _("Refused: enter a full address such as https://example.com/hook."),
    ),
    (
        r"An agency named '(.*)' exists already\.",
        lambda m: _("An agency named “%(name)s” exists already.", name=m[1]),
    ),
    (
        r"(?:Give|give) the person's email address\.?",
        lambda m: _("Give the person's email address."),
    ),
    (
        r"(\S+) is deactivated: reactivate them first\.",
        lambda m: _("%(email)s is deactivated: reactivate the account first.", email=m[1]),
    ),
    (
        r"(?:An|an) account for (\S+) exists already\.?",
        lambda m: _("An account for %(email)s exists already.", email=m[1]),
    ),
    (
        r"(?:The|the) password must have at least (\d+) characters\.?",
        lambda m: _("The password must have at least %(count)s characters.", count=m[1]),
    ),
    # --- the desk (onboard/auth.py, onboard/usecases/review.py) ---
    (r"role must be one of .*", lambda m: _("Choose the role: reviewer or admin.")),
    (
        r"unknown (?:setting|checklist item|outcome) .*|a checklist item is ticked or failed.*",
        lambda m: _("This choice is not offered: reload the page and try again."),
    ),
    (
        r"unknown rule code or checklist item (.*)",
        lambda m: _(
            "%(code)s is neither a rule code nor a checklist item: choose one from the list.",
            code=m[1],
        ),
    ),
)
_COMPILED: tuple[tuple[re.Pattern[str], Render], ...] = tuple(
    (re.compile(pattern + "$", re.DOTALL), render) for pattern, render in _CATALOGUE
)
#: Names of the input as a whole: their messages need no field named before them.
_WHOLE = frozenset({"file", "_file", "_schema", "_row"})
_HAN = re.compile(r"[\u3400-\u9fff]")


def message(text: str, field: str | None = None) -> str:
    """One message of an error in the page's language."""
    for pattern, render in _COMPILED:
        match = pattern.match(text.strip())
        if match:
            return render(match)
    localized = localize(text)
    if localized != text or lang() != "zh" or _HAN.search(text):
        return localized  # translated by the form's table, an English page, or Chinese already
    log.info("no Chinese text for the message %r (field %s)", text, field)
    return _("This value is not accepted here.")


def column_label(name: str) -> str:
    """A field (column) name as the page names it: on a Chinese page the template's Chinese
    title ("店铺评分" for ``store.rating``); the file, a row as a whole, or a name the
    template does not know (quoted, as the agency wrote it) otherwise."""
    if name in ("file", "_file"):
        return _("the file")
    if name in ("_schema", "_row", "row"):
        return _("the row")
    if name == "documents":
        return _("the documents zip")
    if name == "webhook_url":
        return _("Webhook URL")
    if name in ("name", "email", "password", "role"):
        return {
            "name": _("Name"),
            "email": _("Email address"),
            "password": _("Password"),
            "role": _("Role"),
        }[name]
    if lang() != "zh":
        return name
    title = column_titles().get(name)
    return title if title is not None else "“" + name + "”"


def field_lines(errors: Mapping[str, Sequence[str]] | None) -> list[str]:
    """Each field's errors as one line: "店铺评分：请输入数字。"."""
    return [
        _joined(name, texts)
        if name in _WHOLE
        else _("%(field)s: %(problem)s", field=column_label(name), problem=_joined(name, texts))
        for name, texts in (errors or {}).items()
    ]


def _joined(name: str, texts: Iterable[str]) -> str:
    return " ".join(message(text, name) for text in texts)


def input_error(error: InputError, limit: int = 3) -> str:
    """An :class:`InputError` on one line, for a flash message (the first fields named)."""
    lines = field_lines(error.errors)
    if not lines:
        return _("This value is not accepted here.")
    shown = ("；" if lang() == "zh" else "; ").join(lines[:limit])
    if len(lines) > limit:
        shown += " " + _("(and %(count)s more)", count=len(lines) - limit)
    return shown
