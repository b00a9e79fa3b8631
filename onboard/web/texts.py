"""Error texts of the agency portal and the desk in the page's language.

The errors come from code that knows nothing of pages (the batch-file reader, the schemas,
the key and account functions, the desk's use cases) and speaks English, which is what the
API's JSON ``message`` and the CLI keep (CONTRACT.md). Each message is declared once, where
it is raised, in both languages (:class:`onboard.errors.Words`): a page shows its Chinese,
the applicant's form included (:func:`message` serves it too).
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

from onboard.errors import InputError, recognise
from onboard.i18n import lang
from onboard.intake.batchfile import column_titles

log = logging.getLogger(__name__)

#: Names of the input as a whole: their messages need no field named before them.
_WHOLE = frozenset({"file", "_file", "_schema", "_row"})
_HAN = re.compile(r"[\u3400-\u9fff]")


def message(text: str, field: str | None = None) -> str:
    """One message of an error in the page's language: its own words, declared where it is
    raised (:class:`onboard.errors.Words`; a message stored as English is read back by the
    same declaration), else as it is on an English page or if it is Chinese already, else a
    general sentence (the English goes to the log, to be declared)."""
    words = recognise(text)
    if words is not None:
        return words.in_lang(lang())
    if lang() != "zh" or _HAN.search(text):
        return text
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
