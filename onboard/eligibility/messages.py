"""Rule messages: compiled once when a rule set loads, rendered when a check is made.

A message is a pair of ``str.format`` templates, one per language. When a check renders it,
its names resolve in this order, a later one winning over an earlier one of the same name:
``expected``, ``actual`` and ``as_of`` (what every check has); the rule's thresholds, as
messages show them (``{min}`` → ``500,000``); the values the rule passes to the check.

Compiling writes the thresholds into the templates once (their values' braces escaped), so
that a check formats only what it brings, and renders a message that names nothing but
thresholds once for good; a threshold field that does not format (``{min:d}`` of a text) is a
:class:`MessageError` then, so a broken rule set stops at load. A template with a nested
field (``{min:{width}}``) is rendered as written, with every name, as ``format_map`` does.

A check holds a :class:`Message`: the template and what the check brings, rendered into text
the first time a language is read (a page shows one language; most checks of a batch that
only counts verdicts are never read). A name the message needs that nobody gives is a
``KeyError`` when the check is made, as if it were rendered then.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from onboard.eligibility.formatting import display

Texts = Mapping[str, str]

#: The names every check gives a message.
CHECK_NAMES = frozenset({"expected", "actual", "as_of"})


class MessageError(ValueError):
    """A template is malformed (the text says how)."""


def _base_name(field_name: str) -> str:
    """The name a template field looks up ("min" of "min", "min.real" and "min[0]")."""
    return field_name.split(".", 1)[0].split("[", 1)[0]


def template_names(template: str) -> frozenset[str]:
    """The names ``template`` fills in ("{min:,}" and "{min}" both name ``min``); raises
    :class:`MessageError` for a malformed template or a field without a name."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template)]
    except ValueError as exc:
        raise MessageError(f"bad template: {exc}") from None
    if any(name is not None and not name[:1].isidentifier() for name in fields):
        raise MessageError("bad template: name every field, like {min}")
    return frozenset(_base_name(name) for name in fields if name)


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _write_in(template: str, shown: Mapping[str, str]) -> str | None:
    """``template`` with every field naming one of the thresholds ``shown`` formatted in; None
    when one cannot be (see the module's docstring)."""
    out = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        out.append(_escape(literal))
        if name is None:
            continue
        if spec and "{" in spec:
            return None  # a nested field may name anything, thresholds included
        field = "{" + name + (f"!{conversion}" if conversion else "")
        field += (f":{spec}" if spec else "") + "}"
        if _base_name(name) in shown:
            try:
                out.append(_escape(field.format_map(shown)))
            except (LookupError, AttributeError, ValueError, TypeError) as exc:
                shown_value = shown[_base_name(name)]
                raise MessageError(f"bad template: {field} of {shown_value!r}: {exc}") from None
        else:
            out.append(field)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    """One message of a rule, compiled: see the module's docstring."""

    #: The templates as written, by language.
    texts: Texts
    #: The rule's thresholds as messages show them.
    shown: Mapping[str, str]
    #: Every name the templates fill in, those of them that are thresholds, and those that
    #: only a check's own values can give.
    names: frozenset[str]
    thresholds: frozenset[str]
    free: frozenset[str]
    #: The templates with the thresholds written in, or None (rendered as written).
    filled: Texts | None
    #: The message itself when the templates name nothing but thresholds.
    fixed: Texts | None
    #: Whether the message names the as-of date.
    dated: bool

    @classmethod
    def compile(cls, texts: Texts, shown: Mapping[str, str]) -> MessageTemplate:
        names = frozenset().union(*(template_names(text) for text in texts.values()))
        thresholds = names & shown.keys()
        written = {lang: _write_in(text, shown) for lang, text in texts.items()}
        filled = None
        if all(text is not None for text in written.values()):
            filled = MappingProxyType({lang: str(text) for lang, text in written.items()})
        fixed = None
        if names <= thresholds:
            fixed = MappingProxyType({lang: text.format_map(shown) for lang, text in texts.items()})
        free = names - thresholds - CHECK_NAMES
        return cls(texts, shown, names, thresholds, free, filled, fixed, "as_of" in names)

    def message(
        self, expected: str | None, actual: str | None, as_of: str, values: Mapping[str, Any]
    ) -> Texts:
        """The message a check of ``expected``, ``actual``, ``as_of`` and the rule's own
        ``values`` carries: the one rendered at load when it names nothing they give, else a
        :class:`Message` rendered when read."""
        if values:
            if not self.free <= values.keys():
                raise KeyError(min(self.free - values.keys()))
            if self.fixed is not None and self.names.isdisjoint(values):
                return self.fixed
            return Message(self, expected, actual, as_of, values)
        if self.fixed is not None:
            return self.fixed
        if self.free:
            raise KeyError(min(self.free))
        return Message(self, expected, actual, as_of, values)

    def render(
        self, expected: str | None, actual: str | None, as_of: str, values: Mapping[str, Any]
    ) -> dict[str, str]:
        """The message in every language; ``values`` are the rule's own (shown with
        :func:`~onboard.eligibility.formatting.display` unless text already)."""
        overridden = bool(values) and not self.thresholds.isdisjoint(values)
        names = {"expected": expected or "", "actual": actual or "", "as_of": as_of}
        templates = self.filled
        if templates is None or overridden:
            templates = self.texts
            names.update(self.shown)
        for name, value in values.items():
            names[name] = value if type(value) is str else display(value)
        return {"en": templates["en"].format_map(names), "zh": templates["zh"].format_map(names)}


class Message(Mapping[str, str]):
    """A check's message, ``{"en": …, "zh": …}``, rendered the first time it is read."""

    __slots__ = ("_actual", "_as_of", "_expected", "_template", "_texts", "_values")

    def __init__(
        self,
        template: MessageTemplate,
        expected: str | None,
        actual: str | None,
        as_of: str,
        values: Mapping[str, Any],
    ) -> None:
        self._template = template
        self._expected = expected
        self._actual = actual
        self._as_of = as_of
        self._values = values
        self._texts: dict[str, str] | None = None

    def texts(self) -> dict[str, str]:
        """The message in every language (a new dict each time)."""
        texts = self._texts
        if texts is None:
            texts = self._texts = self._template.render(
                self._expected, self._actual, self._as_of, self._values
            )
        return dict(texts)

    def __getitem__(self, lang: str) -> str:
        texts = self._texts
        if texts is None:
            texts = self._texts = self._template.render(
                self._expected, self._actual, self._as_of, self._values
            )
        return texts[lang]

    def __iter__(self) -> Iterator[str]:
        return iter(self._template.texts)

    def __len__(self) -> int:
        return len(self._template.texts)

    def __repr__(self) -> str:
        return repr(self.texts())
