"""Domain exceptions shared by every adapter (web, API, CLI, batch).

They carry plain data, so each edge turns them into its own answer in one place: the API into
``{"errors": {...}}`` with a status code, the CLI into one line on stderr and exit status 2.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class InputError(ValueError):
    """The input is malformed: ``errors`` maps dotted field names to messages.

    Keys are the names of CONTRACT.md (``store.rating``, ``documents.business_license``);
    ``_schema`` stands for the input as a whole (e.g. not a JSON object). ``status`` is the
    HTTP status an API answer should carry (422 for field errors by default).
    """

    def __init__(
        self,
        errors: Mapping[str, Iterable[str]],
        *,
        status: int = 422,
        message: str | None = None,
    ) -> None:
        self.errors: dict[str, list[str]] = {
            _printable(str(name)): [_printable(text) for text in texts]
            for name, texts in errors.items()
        }
        self.status = status
        self.message = message or self.summary()
        super().__init__(self.message)

    def summary(self, limit: int = 3) -> str:
        """The errors on one line, the first ``limit`` fields named: for logs and stderr."""
        parts = [f"{name}: {' '.join(texts)}" for name, texts in self.errors.items()]
        if not parts:
            return "Invalid input."
        line = "; ".join(parts[:limit])
        if len(parts) > limit:
            line += f" (and {len(parts) - limit} more)"
        return one_line(line)


def _printable(text: object) -> str:
    """``text`` safe to encode as UTF-8: a field name or message may quote hostile input
    (lone surrogates from a JSON ``"\\ud800"`` escape), and an error must never fail to print.
    A :class:`Text` keeps its Chinese."""
    if isinstance(text, Text):
        return Text(_printable(str(text)), _printable(text.zh))
    text = str(text)
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def one_line(text: str, limit: int = 500) -> str:
    """``text`` without line breaks and cut to ``limit`` characters: a message must stay one
    line however hostile the value it quotes."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Text(str):
    """A message in English that carries its own Chinese.

    It *is* the English string (``str()``, JSON, stderr and the logs see exactly the text
    they saw before), so the API's ``message``/``errors`` and the CLI stay byte-identical
    (CONTRACT.md); a page asks :meth:`in_lang` for the reader's language. Immutable, and it
    survives pickling (worker processes) with both languages.
    """

    zh: str

    def __new__(cls, en: str, zh: str) -> Text:
        self = super().__new__(cls, en)
        object.__setattr__(self, "zh", zh)
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Text is immutable")

    def __reduce__(self) -> tuple[type[Text], tuple[str, str]]:
        return (Text, (str(self), self.zh))

    def in_lang(self, lang: str) -> str:
        """The message in ``lang`` ("zh" or anything else for English)."""
        return self.zh if lang == "zh" else str(self)

    def format(self, *args: object, **values: object) -> Text:
        """Both languages filled from the same values, a value that is itself a :class:`Text`
        filling each language with its own words. Libraries fill their messages with
        ``str.format`` (marshmallow's ``error_messages`` and validators' ``error``): given a
        :attr:`Words.template`, they give back the message in both languages."""
        zh = {
            name: value.zh if isinstance(value, Text) else value for name, value in values.items()
        }
        return Text(str.format(self, *args, **values), self.zh.format(*args, **zh))


_FORMATTER = string.Formatter()
#: Every :class:`Words` declared, in declaration order: what :func:`recognise` reads back.
_DECLARED: list[Words] = []


@dataclass(frozen=True)
class Words:
    """One message, written once in both languages: ``{name}`` fields filled by calling it.

    ``Words("Too many rows: at most {count:,} per batch.", "行数过多：每批最多 {count:,} 行。")``
    declared where the error is raised; ``WORDS(count=5000)`` is the :class:`Text` to raise.
    A value that is itself a :class:`Text` fills each language with its own words. The
    Chinese may leave out a field the English quotes (a library's English detail).

    An error stored as plain English (a batch row's errors in the database) is read back by
    :func:`recognise`, from the same English template, so the two never drift apart.
    """

    en: str
    zh: str
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        en_names = _names(self.en)
        if not _names(self.zh) <= en_names:
            raise ValueError(f"the Chinese of {self.en!r} names a field the English lacks")
        regex = "".join(
            re.escape(literal) + ("" if name is None else f"(?P<{name}>.*?)")
            for literal, name, _spec, _conv in _FORMATTER.parse(self.en)
        )
        object.__setattr__(self, "_pattern", re.compile(regex + "$", re.DOTALL))
        _DECLARED.append(self)

    @property
    def template(self) -> Text:
        """The words unfilled, for a library that fills its messages itself with
        ``str.format`` (see :meth:`Text.format`): marshmallow's ``error_messages``."""
        return Text(self.en, self.zh)

    def __call__(self, **values: object) -> Text:
        return self.template.format(**values)

    def read(self, english: str) -> Text | None:
        """``english`` as a :class:`Text` if these words wrote it, else ``None``."""
        match = self._pattern.match(english)
        if match is None:
            return None
        found = {name: _value_zh(value, english) for name, value in match.groupdict().items()}
        zh = "".join(
            literal + ("" if name is None else found[name])
            for literal, name, _spec, _conv in _FORMATTER.parse(self.zh)
        )
        return Text(english, zh)


def _value_zh(value: str, whole: str) -> str:
    """A value quoted in an English message, in Chinese when it is a declared message itself
    (a webhook's refusal inside "Refused: …"), else as it was written."""
    if value == whole:
        return value
    inner = recognise(value)
    return value if inner is None else inner.zh


def _names(template: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in _FORMATTER.parse(template) if name is not None}


def recognise(english: str) -> Text | None:
    """A message stored as plain English read back with its words (the first declaration
    that writes it), or ``None`` when no :class:`Words` wrote it."""
    if isinstance(english, Text):
        return english
    english = english.strip()
    for words in _DECLARED:
        text = words.read(english)
        if text is not None:
            return text
    return None
