"""Error texts of the agency portal and the desk in the page's language.

The errors come from code that knows nothing of pages (the batch-file reader, the schemas,
the key and account functions, the desk's use cases) and speaks English, which is what the
API's JSON ``message`` and the CLI keep (CONTRACT.md). Each message is declared once, where
it is raised, in both languages (:class:`onboard.errors.Words`): a page shows its Chinese.
An error stored as English (a batch row's errors) is read back by the same declaration.
Field names become the column titles agencies see in the template (the guide's terms). A
message nobody declared is never shown in English on a Chinese page: it becomes a general
sentence, and the English stays in the logs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence

from flask_babel import gettext as _

from onboard.errors import InputError, Words, recognise
from onboard.i18n import lang
from onboard.intake.batchfile import column_titles
from onboard.plaintext import MESSAGE, MULTI_LINE_MESSAGE
from onboard.web.forms import localize

log = logging.getLogger(__name__)

# Messages of modules that do not declare their own words yet (the schemas, marshmallow,
# the documents zip, the batch runner): declared here, once, until they do.
_REQUIRED = "必填。"
_NOT_ACCEPTED = "此处不接受该值。"
_NUMBER = "请输入数字。"
_NOT_ALLOWED = "不是模板允许的值，请参照模板和示例文件填写。"
_CONTROL = "此处不能含有控制字符（如空字符或换行符）。"
_UNKNOWN_KIND = "模板中没有此类文件。"
_FAULT = "由于系统故障，此行未能完成预审。"
OTHERS: tuple[Words, ...] = (
    Words("Missing data for required field.", _REQUIRED),
    Words("Field may not be null.", _REQUIRED),
    Words("Unknown field.", "模板中没有此列。"),
    Words("Not a valid string.", _NOT_ACCEPTED),
    Words("Not a valid boolean.", _NOT_ACCEPTED),
    Words("Expected an object: document kind -> file name.", _NOT_ACCEPTED),
    Words("Not a number: {value}.", _NUMBER),
    Words("Special numeric values (nan or infinity) are not permitted.", _NUMBER),
    Words("Must be one of: {choices}.", _NOT_ALLOWED),
    Words("Must be a two-letter country or region code such as CN or HK.", _NOT_ALLOWED),
    Words("Unknown document kind.", _UNKNOWN_KIND),
    Words("Unknown document kind; known: {kinds}.", _UNKNOWN_KIND),
    Words("Give the file name as a non-empty string.", "请填写文件名。"),
    Words(MESSAGE, _CONTROL),
    Words(MULTI_LINE_MESSAGE, _CONTROL),
    Words("Not a readable zip file: {problem}", "文件压缩包无法读取（不是有效的 ZIP 文件）。"),
    Words("Too many files in the zip: at most {count}.", "压缩包中的文件过多：最多 {count} 个。"),
    Words("The zip inflates to more than {count} bytes.", "压缩包解压后超过 {count} 字节。"),
    Words(
        "Only a checked row (no input errors) can become an application.",
        "只有已完成预审（没有输入错误）的行才能生成申请。",
    ),
    Words("This client's application was submitted already.", "该客户的申请已经提交。"),
    Words("This row could not be checked (internal error).", _FAULT),
    Words("This row's result could not be stored: {problem}", _FAULT),
)
#: Names of the input as a whole: their messages need no field named before them.
_WHOLE = frozenset({"file", "_file", "_schema", "_row"})
_HAN = re.compile(r"[\u3400-\u9fff]")


def message(text: str, field: str | None = None) -> str:
    """One message of an error in the page's language: its own words if it was declared
    (:class:`onboard.errors.Words`), else the form's table, else a general sentence."""
    words = recognise(text)
    if words is not None:
        return words.in_lang(lang())
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
