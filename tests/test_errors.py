"""Errors that carry their own words: the English is the string itself (API, CLI, logs),
the Chinese travels with it, and stored English reads back to the same words."""

from __future__ import annotations

import json
import pickle

import pytest

from onboard.errors import InputError, Text, Words, recognise

PARTS = Words("The workbook has {count:,} parts, {what}.", "工作簿有 {count:,} 个部分，{what}。")


def test_a_text_is_its_english_and_carries_its_chinese():
    text = PARTS(count=12000, what=Text("too many", "太多"))
    assert text == "The workbook has 12,000 parts, too many."
    assert type(str(text)) is str and str(text) == text
    assert text.zh == "工作簿有 12,000 个部分，太多。"
    assert text.in_lang("zh") == text.zh and text.in_lang("en") == text
    assert json.dumps({"file": [text]}) == json.dumps({"file": [str(text)]})
    copy = pickle.loads(pickle.dumps(text))
    assert isinstance(copy, Text) and copy.zh == text.zh
    with pytest.raises(AttributeError):
        text.zh = "别的"  # type: ignore[misc]


def test_an_input_error_keeps_the_words_and_its_english_message():
    error = InputError({"file": [PARTS(count=3, what="few")]})
    (kept,) = error.errors["file"]
    assert isinstance(kept, Text) and kept.zh == "工作簿有 3 个部分，few。"
    assert error.message == "file: The workbook has 3 parts, few."


def test_stored_english_reads_back_to_its_words():
    nested = Words("Refused here: {why}", "此处未接受：{why}")
    inner = Words("the rows are {state}", "行{state}")
    back = recognise(str(nested(why=inner(state="gone"))))
    assert back is not None and back.zh == "此处未接受：行gone"
    assert recognise("  The workbook has 1,000 parts, many. ").zh == "工作簿有 1,000 个部分，many。"
    assert recognise("Nobody declared this sentence.") is None


def test_the_chinese_names_only_fields_the_english_fills():
    with pytest.raises(ValueError, match="names a field"):
        Words("At most {count}.", "最多 {limit}。")
