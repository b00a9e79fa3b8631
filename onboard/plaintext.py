"""What counts as text: no NUL and no other control characters.

A control character in a name or a number is never what a person meant, and NUL cannot even be
stored (PostgreSQL refuses it in text and JSON). Every boundary refuses them with a message
naming the field: the application schema (form, API, CLI, batch rows; its fields are single
lines, so tab and line breaks go too) and :mod:`onboard.security` for every other form field,
query argument and JSON string (where tab and line breaks may belong to a multi-line field).
"""

from __future__ import annotations

import re

#: C0 controls except tab, line feed and carriage return; DEL; C1 controls.
CONTROL = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]")
#: The same with tab and line breaks: what a single-line field may not hold.
SINGLE_LINE_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f]")
#: The same as a JSON-Schema ``pattern`` (for the OpenAPI document): what a client may send.
SINGLE_LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
MESSAGE = "Control characters (such as NUL, tab or a line break) are not allowed here."
MULTI_LINE_MESSAGE = "Control characters (such as NUL) are not allowed in text."


def has_control(text: str, *, multi_line: bool = False) -> bool:
    """Whether ``text`` holds a control character (tab and line breaks allowed when
    ``multi_line``). ``isprintable`` answers most text at C speed before any search."""
    if text.isprintable():
        return False
    return (CONTROL if multi_line else SINGLE_LINE_CONTROL).search(text) is not None
