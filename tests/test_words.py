"""Every error message is declared once, in both languages, where it is raised.

The schema's messages (marshmallow's own English, which the API and the CLI keep byte for
byte: CONTRACT.md) carry their Chinese with them, so neither the applicant's form nor the
agency portal has to recognise English wording; a message stored as English (a batch row's
errors) is read back by the same declaration.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask

from onboard import errors
from onboard.agencies import batches, documents_zip
from onboard.errors import InputError, Text, Words, recognise
from onboard.intake import batchfile, schemas
from onboard.intake.schemas import csv_row_to_data, parse_application
from onboard.usecases import evidence
from onboard.web import texts
from tests.test_chinese_texts import foreign_words as all_foreign_words

#: File formats named in messages to agencies (RULES.md §7 leaves formats as they are).
FORMATS = {"json", "zip"}


def foreign_words(text: str) -> list[str]:
    return [word for word in all_foreign_words(text) if word.lower() not in FORMATS]


#: Bad input and the English the API answered before the messages were declared (main at
#: b295526): the declarations must not change a byte of it.
ENGLISH = {
    "store.rating": (
        {"store": {"rating": 46}},
        "Must be greater than or equal to 0 and less than or equal to 5.",
    ),
    "store.account_health": ({"store": {"account_health": 3.5}}, "Not a valid integer."),
    "store.gmv_12m_usd": ({"store": {"gmv_12m_usd": "lots"}}, "Not a valid number."),
    "store.trustpilot_rating": ({"store": {"trustpilot_rating": 10**400}}, "Number too large."),
    "store.positive_feedback_pct": (
        {"store": {"positive_feedback_pct": float("nan")}},
        "Special numeric values (nan or infinity) are not permitted.",
    ),
    "store.opened_on": (
        {"store": {"opened_on": "2026-02-30"}},
        "Not a real calendar date: 2026-02-30.",
    ),
    "store.last_supply_date": (
        {"store": {"last_supply_date": "2026-2-3"}},
        "Not a valid date: use YYYY-MM-DD, e.g. 2026-03-01.",
    ),
    "as_of": ({"as_of": "3000-01-01"}, "The year must be between 1900 and 2199."),
    "store.platform": (
        {"store": {"platform": "etsy"}},
        "Unknown platform 'etsy'; see GET /api/v1/rules (rules {version}).",
    ),
    "store.main_category": (
        {"store": {"main_category": "nope"}},
        "Unknown category id 'nope'; see GET /api/v1/categories (rules {version}).",
    ),
    "shop.main_category": ({"shop": {"main_category": 5}}, "Not a valid string."),
    "entity.region": (
        {"entity": {"region": "CHN"}},
        "Must be a two-letter country or region code such as CN or HK.",
    ),
    "entity.company_name": (
        {"entity": {"company_name": "a\x00b"}},
        "Control characters (such as NUL, tab or a line break) are not allowed here.",
    ),
    "shop.name": ({"shop": {"name": "x" * 501}}, "Longer than maximum length 500."),
    "legal_rep.name": ({"legal_rep": {"name": "\ud800"}}, "Not valid Unicode text."),
    "entity.foo": (
        {"entity": {"foo": 1}},
        "Unknown field: not part of the application (see CONTRACT.md).",
    ),
    "contact": ({"contact": 5}, "Expected a JSON object."),
    "fulfillment.method": (
        {"fulfillment": {"method": "boat"}},
        "Must be one of: us_warehouse, fba_mcf, none.",
    ),
    "documents": ({"documents": 5}, "Expected an object: document kind -> file name."),
    "documents.business_license": (
        {"documents": {"business_license": " "}},
        "Give the file name as a non-empty string.",
    ),
}


def _caught(call: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("field", sorted(ENGLISH))
def test_the_schema_s_messages_carry_their_chinese_and_keep_their_english(field: str) -> None:
    data, english = ENGLISH[field]
    error = _caught(lambda: parse_application(data))
    (message,) = error.errors[field]
    version = schemas.current_ruleset().version
    assert str(message) == english.format(version=version)  # the API's text, unchanged
    assert json.dumps(error.errors[field]) == json.dumps([english.format(version=version)])
    assert isinstance(message, Text) and message.zh != str(message)
    assert foreign_words(message.zh) == [], message.zh
    assert recognise(str(message)) == message and recognise(str(message)).zh == message.zh


def test_the_csv_cells_messages_carry_their_chinese() -> None:
    error = _caught(lambda: csv_row_to_data({"store.rating": "4.5分", "nonsense": "1"}))
    assert error.errors == {
        "store.rating": ["Not a number: '4.5分'."],
        "nonsense": ["Unknown column: columns are dotted field names (store.rating)."],
    }
    assert [text.zh for texts_ in error.errors.values() for text in texts_] == [
        "请输入数字。",
        "模板中没有此列。",
    ]


def _declared_in(*modules: Any) -> list[Words]:
    return [
        value for module in modules for value in vars(module).values() if isinstance(value, Words)
    ]


@pytest.mark.parametrize(
    "module", [schemas, documents_zip, batches, evidence], ids=lambda module: module.__name__
)
def test_every_message_declared_where_it_is_raised_is_chinese(module: Any) -> None:
    """Chinese without English words or ids, and English that reads back to it (a batch
    row's errors are stored as English)."""
    declared = _declared_in(module)
    assert declared
    for words in declared:
        assert foreign_words(re.sub(r"\{[^}]*\}", "1", words.zh)) == [], words.zh
        filled = re.sub(r"\{[^}]*\}", "7", words.en)
        read = recognise(filled)
        assert read is not None and read.zh == re.sub(r"\{[^}]*\}", "7", words.zh), words.en


def test_each_english_message_is_declared_once() -> None:
    """The pages' old table of other modules' messages is gone: each English template has one
    declaration, so the Chinese a stored message reads back to is the one it was raised with."""
    assert not hasattr(texts, "OTHERS")
    templates = [words.en for words in errors._DECLARED]
    assert len(templates) == len(set(templates)), sorted(
        {en for en in templates if templates.count(en) > 1}
    )
    assert batchfile.SURPLUS_CELLS is schemas.SURPLUS_CELLS


def test_a_text_filled_by_a_library_keeps_both_languages() -> None:
    """What marshmallow does with a message: ``str.format`` with its own values."""
    words = Words("Longer than {max} for {what}.", "{what}超过 {max}。")
    inner = Text("the name", "名称")
    filled = words.template.format(input="x" * 9, max=5, what=inner)
    assert filled == "Longer than 5 for the name." and filled.zh == "名称超过 5。"
    assert isinstance(filled, Text)


#: Bad answers to the store step, each in a post of its own where they hide each other
#: (an unknown platform hides the fields its rules would read).
ZH_FORM_POSTS = (
    {
        "store.rating": "46",
        "store.opened_on": "2026-02-30",
        "store.account_health": "2.5",
        "store.url": "x" * 3000,
    },
    {"store.platform": "etsy"},
    {"store.opened_on": "1800-01-01"},
)


def test_the_chinese_form_shows_every_schema_error_in_chinese(client: Any) -> None:
    from tests.applyflow import errors_on_page, step_data  # noqa: PLC0415
    from tests.factories import eligible  # noqa: PLC0415
    from tests.test_apply import Draft, use_lang  # noqa: PLC0415

    draft = Draft(use_lang(client, "zh"))
    shown: dict[str, str] = {}
    for values in ZH_FORM_POSTS:
        response = draft.post("store", {**step_data(eligible("amazon"), "store"), **values})
        assert response.status_code == 422
        shown.update(errors_on_page(response.text))
        summary = response.text[response.text.index('class="error-summary"') :]
        summary = summary[: summary.index("</ul>")]
        assert "：" in summary and ": " not in summary  # a Chinese colon after each label
    for name in {name for values in ZH_FORM_POSTS for name in values}:
        assert "f-" + name.replace(".", "-").replace("_", "-") in shown, (name, shown)
    for key, text in shown.items():
        assert foreign_words(text) == [], (key, text)
        assert "此处不接受该值" not in text, (key, text)  # never the catch-all


def test_an_undeclared_message_never_shows_english_on_a_chinese_page(app: Flask) -> None:
    with app.test_request_context("/agency/", headers={"Cookie": "lang=zh_Hans"}):
        assert texts.message("Something nobody declared.") == "此处不接受该值。"
        assert texts.message("已是中文。") == "已是中文。"
    with app.test_request_context("/agency/", headers={"Cookie": "lang=en"}):
        assert texts.message("Something nobody declared.") == "Something nobody declared."


def test_a_refused_control_character_names_its_field_in_chinese(client: Any) -> None:
    """The page refusing control characters listed the fields by their dotted names."""
    from tests.applyflow import step_data  # noqa: PLC0415
    from tests.factories import eligible  # noqa: PLC0415
    from tests.test_apply import Draft, use_lang  # noqa: PLC0415

    draft = Draft(use_lang(client, "zh"))
    data = {**step_data(eligible("amazon"), "store"), "store.registered_entity": "a\x01b"}
    response = draft.post("store", data)
    assert response.status_code == 422
    listed = response.text[response.text.index("<ul>", response.text.index('class="error"')) :]
    listed = listed[: listed.index("</ul>")]
    assert batchfile.column_titles()["store.registered_entity"] in listed
    assert "store.registered_entity" not in listed


def test_a_bad_row_s_errors_read_in_chinese_in_reports() -> None:
    """The report's (and downloads') Chinese of a bad row: column titles, each stored English
    message read back to its declared Chinese; a row-wide message without a column; an
    unknown column as the agency wrote it; a message nobody declared never in English."""
    from onboard.agencies.report import error_lines  # noqa: PLC0415

    stored = {
        "store.rating": ["Not a number: '4.5分'."],
        "_row": ["More cells than columns."],
        "colour": ["Something nobody declared."],
    }
    assert error_lines(stored) == [
        "store.rating: Not a number: '4.5分'.",
        "_row: More cells than columns.",
        "colour: Something nobody declared.",
    ]
    title = batchfile.column_titles()["store.rating"]
    assert error_lines(stored, "zh") == [
        f"{title}：请输入数字。",
        "此行的单元格多于列名。",
        "“colour”：此处不接受该值。",
    ]


def test_a_json_line_that_is_not_utf8_says_so_in_both_languages() -> None:
    with pytest.raises(InputError) as raised:
        batchfile.decode(b'{"ref": "caf\xe9"}')
    (message,) = raised.value.errors["_schema"]
    assert str(message) == "Not UTF-8 text: save the file as UTF-8."
    assert "UTF-8" in message.in_lang("zh") and "另存为" in message.in_lang("zh")
