"""Domain exceptions shared by every adapter (web, API, CLI, batch).

They carry plain data, so each edge turns them into its own answer in one place: the API into
``{"errors": {...}}`` with a status code, the CLI into one line on stderr and exit status 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


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
            _printable(str(name)): [_printable(str(text)) for text in texts]
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


def _printable(text: str) -> str:
    """``text`` safe to encode as UTF-8: a field name or message may quote hostile input
    (lone surrogates from a JSON ``"\\ud800"`` escape), and an error must never fail to print."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def one_line(text: str, limit: int = 500) -> str:
    """``text`` without line breaks and cut to ``limit`` characters: a message must stay one
    line however hostile the value it quotes."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
