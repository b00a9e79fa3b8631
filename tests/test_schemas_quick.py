"""The schema's quick path: on any input, exactly marshmallow's answer, only sooner.

``parse_application`` first tries ``schemas._load_quickly`` (per-field checks compiled once,
frozen dataclasses filled directly) and falls back to marshmallow (``_load_carefully``) at
the first doubt. These tests hold the two to the same result: the same application, value
types included (``4`` is not ``4.0``), or the same :class:`InputError`. Inputs are drawn from
every field of the schema, mostly well formed, with the mistakes agencies and fuzzers make.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onboard.eligibility.model import Application
from onboard.eligibility.ruleset import default_ruleset
from onboard.errors import InputError
from onboard.intake import schemas
from tests.benchmarks import datagen
from tests.test_schemas import BASE

RULESET = default_ruleset()

Outcome = tuple[str, Any]


def outcome(load: Any, data: object) -> Outcome:
    """What a loader made of ``data``: the application (by value *and* by repr, which tells
    ``4`` from ``4.0`` and ``-0.0`` from ``0.0``) or the error it raised."""
    try:
        application = load(data)
    except InputError as exc:
        return "error", exc.errors
    assert type(application) is Application
    return "application", (application, repr(application))


def quick_then_careful(data: object) -> Outcome:
    return outcome(lambda d: schemas.parse_application(d, ruleset=RULESET), data)


def careful_only(data: object) -> Outcome:
    return outcome(lambda d: schemas._load_carefully(d, RULESET), data)


# --- values, field by field ----------------------------------------------------------------
#
# Each field kind gives (well formed, malformed) strategies; the malformed one draws three
# times in four from near misses at the field's edges, else from anything JSON holds.

Values = tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]

#: Characters a well-formed text may hold: no lone surrogates, no control characters.
_PLAIN = st.characters(exclude_categories=("Cs", "Cc"))
_any_text = st.text(st.characters(exclude_categories=()), max_size=12)  # lone surrogates too
_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    _any_text,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _malformed(*edges: Any, more: st.SearchStrategy[Any] = _junk) -> st.SearchStrategy[Any]:
    # Not ``sampled_from(edges) | more``: one_of flattens, and the edges would be one branch
    # among a dozen.
    near = st.sampled_from(edges)
    return st.integers(0, 3).flatmap(lambda n: more if n == 0 else near)


def _text(field: schemas.Text) -> Values:
    limit = field.max_length
    if field.choices or field.table:
        ids = sorted(field.choices or getattr(RULESET, field.table or ""))
        near = st.sampled_from(ids).flatmap(
            lambda v: st.sampled_from([v.upper(), f" {v}", f"{v} ", v[:-1], v + "\ud800"])
        )
        return st.sampled_from(ids), _malformed("", "unknown", "None", more=near | _junk)
    good = st.one_of(
        # No surrogates (hypothesis leaves them out by default) and no control characters:
        # those are refused (plaintext.py), so they belong to the malformed values.
        st.text(_PLAIN, max_size=20),
        st.sampled_from(["深圳市星河家居有限公司", "Star River Home", "😀" * limit, "a" * limit]),
    )
    bad = _malformed(
        "a" * (limit + 1), "字" * (limit + 1), "ok\udfff", "\ud83d", "\udc00字", 4.5, True
    )
    return good, bad


def _float(field: schemas.StrictFloat) -> Values:
    low, high = field.low, field.high
    good = st.one_of(
        st.floats(min_value=low, max_value=high),
        st.integers(min_value=int(low), max_value=int(high)),
        st.sampled_from([low, high, float(low), float(high), -0.0, 4.5]),
    )
    edges = [high + 1, high * 1.0000001, low - 1e-9, -1, 2**53 + 1, 10**400, "4.5"]
    edges += [True, False, float("nan"), float("inf"), float("-inf")]
    return good, _malformed(*edges)


def _integer(field: schemas.StrictInteger) -> Values:
    low, high = field.low, field.high
    good = st.one_of(st.integers(low, high), st.sampled_from([low, high]))
    # 310.0 is marshmallow's 310: the quick path leaves it to marshmallow.
    bad = _malformed(low - 1, high + 1, 310.0, 310.5, True, False, "310", 10**400, float("nan"))
    return good, bad


def _date(field: schemas.IsoDate) -> Values:
    low, high = schemas.YEARS
    good = st.one_of(
        st.dates().filter(lambda d: low <= d.year <= high).map(lambda d: d.isoformat()),
        st.sampled_from(["1900-01-01", "2199-12-31", "2028-02-29"]),
    )
    bad = _malformed(
        "2026-02-30",
        "2027-02-29",
        " 2026-01-01",
        "2026-01-01 ",
        "2026-1-5",
        "20260105",
        "2026-W01-1",
        "2026-01-01T00:00",
        "１９９９-01-01",  # full-width digits
        "1899-12-31",
        "2200-01-01",
        "0000-01-01",
        "2026/03/01",
        more=_junk | st.datetimes().map(str),
    )
    return good, bad


def _region(field: schemas.RegionCode) -> Values:
    good = st.text(st.sampled_from("ABCHNZabchnz"), min_size=2, max_size=2)
    bad = _malformed(
        "",
        "C",
        "CHN",
        "C1",
        "ÇN",
        "ＣＮ",
        "ǅA",
        "C\ud800",
        " C",
        "Cn ",
        more=_junk | st.text(max_size=3),
    )
    return good, bad


_KINDS = sorted(RULESET.document_kinds)
_FILE = st.one_of(
    st.sampled_from(["docs/000001/license.jpg", "营业执照.png", "x" * schemas.TEXT_MAX]),
    st.text(_PLAIN, min_size=1, max_size=20).filter(lambda n: not n.isspace()),
)


def _documents(field: schemas.DocumentFiles) -> Values:
    good = st.dictionaries(st.sampled_from(_KINDS), _FILE, max_size=4)
    bad_name = _malformed("", "   ", "\u3000", "\t\n", "x" * (schemas.TEXT_MAX + 1), "\udc80.jpg")
    bad_kind = st.sampled_from(["selfie", "", "LEGAL_REP_ID", "legal_rep_id "])
    one_bad = st.one_of(
        st.tuples(st.sampled_from(_KINDS), bad_name),  # a null name: marshmallow's to drop
        st.tuples(bad_kind, _FILE),
    )
    with_one_bad = st.builds(lambda files, extra: {**files, extra[0]: extra[1]}, good, one_bad)
    return good, st.integers(0, 3).flatmap(lambda n: _junk if n == 0 else with_one_bad)


_VALUES = {
    schemas.Text: _text,
    schemas.StrictFloat: _float,
    schemas.StrictInteger: _integer,
    schemas.IsoDate: _date,
    schemas.RegionCode: _region,
    schemas.DocumentFiles: _documents,
}


def _values(field: Any) -> Values:
    return _VALUES[type(field)](field)


# --- applications --------------------------------------------------------------------------


@st.composite
def _object(draw: st.DrawFn, schema: Any) -> dict[str, Any]:
    """A well-formed object of ``schema``: each field well formed, ``null`` or left out."""
    data: dict[str, Any] = {}
    for name, field in schema.load_fields.items():
        how = draw(st.integers(0, 9))
        if how == 0:
            continue  # not given
        if how == 1:
            data[name] = None
        elif isinstance(field, schemas.Section):
            data[name] = draw(_object(field.schema_class()))
        else:
            data[name] = draw(_values(field)[0])
    return data


applications = _object(schemas._SCHEMA)

#: Every place a malformed value can go: (section or None, field, the field).
PLACES = [
    (section, name, leaf)
    for section, field in schemas._SCHEMA.load_fields.items()
    if isinstance(field, schemas.Section)
    for name, leaf in field.schema_class().load_fields.items()
] + [
    (None, name, field)
    for name, field in schemas._SCHEMA.load_fields.items()
    if not isinstance(field, schemas.Section)
]
_SECTIONS = [name for name, f in schemas._SCHEMA.load_fields.items() if type(f) is schemas.Section]


@st.composite
def spoiled(draw: st.DrawFn, data: dict[str, Any]) -> Any:
    """``data`` with one mistake: a malformed value in one field, an unknown field, or a
    section that is not an object."""
    data = json.loads(json.dumps(data))
    how = draw(st.integers(0, 9))
    if how == 0:
        where = draw(st.sampled_from([None, *_SECTIONS]))
        target = data if where is None else _section(data, where)
        target[draw(st.sampled_from(["hobby", "Region", "rating_amazon", ""]))] = 1
        if where is not None:
            data[where] = target
    elif how == 1:
        data[draw(st.sampled_from(_SECTIONS))] = draw(_junk.filter(lambda v: v is not None))
    else:
        section, name, field = draw(st.sampled_from(PLACES))
        value = draw(_values(field)[1])
        if section is None:
            data[name] = value
        else:
            data[section] = {**_section(data, section), name: value}
    return data


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    """A copy of section ``name``, empty when absent or spoiled earlier (not an object)."""
    found = data.get(name)
    return dict(found) if isinstance(found, dict) else {}


@st.composite
def one_value(draw: st.DrawFn) -> Any:
    """An eligible application (or an empty one) with one field set to a value, well formed
    or not, of that field's kind."""
    data = json.loads(json.dumps(draw(st.sampled_from([BASE, {}]))))
    section, name, field = draw(st.sampled_from(PLACES))
    good, bad = _values(field)
    value = draw(st.integers(0, 3).flatmap(lambda n: good if n == 0 else bad))
    if section is None:
        data[name] = value
    else:
        data[section] = {**(data.get(section) or {}), name: value}
    return data


def _settings(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


@_settings(1500)
@given(data=one_value())
def test_any_value_in_any_field_gets_marshmallows_answer(data: Any):
    assert quick_then_careful(data) == careful_only(data)


@_settings(150)
@given(data=applications.flatmap(spoiled))
def test_one_mistake_anywhere_gets_marshmallows_answer(data: Any):
    assert quick_then_careful(data) == careful_only(data)


@_settings(100)
@given(data=applications.flatmap(spoiled).flatmap(spoiled).flatmap(spoiled))
def test_several_mistakes_get_marshmallows_answer(data: Any):
    assert quick_then_careful(data) == careful_only(data)


@_settings(150)
@given(data=applications)
def test_well_formed_applications_take_the_quick_path(data: Any):
    """The fast path is no use if it falls back: everything well formed goes through it (the
    few exceptions, like an account health of ``310.0``, are left out of the strategy)."""
    quick = schemas._load_quickly(data, RULESET)
    assert ("application", (quick, repr(quick))) == careful_only(data)


@pytest.mark.parametrize("data", [None, [], "{}", 1, {"store": []}, {"documents": "a.jpg"}])
def test_what_is_not_an_object_falls_back(data: Any):
    with pytest.raises(schemas._Fallback):
        schemas._load_quickly(data, RULESET)
    assert quick_then_careful(data) == careful_only(data)


def test_documents_are_a_copy_of_what_was_given():
    files = {"legal_rep_id": "id.jpg"}
    application = schemas._load_quickly({"documents": files}, RULESET)
    assert application.documents == files and application.documents is not files


def test_null_and_missing_sections_and_fields_are_the_defaults():
    for data in ({}, {"entity": None, "documents": None, "as_of": None}, {"store": {}}):
        assert schemas._load_quickly(data, RULESET) == Application()
        assert careful_only(data) == quick_then_careful(data)
    store = schemas._load_quickly({"store": {"rating": None, "url": "x"}}, RULESET).store
    assert store.rating is None and store.url == "x"


@pytest.mark.parametrize("documents", [True, False])
def test_a_benchmark_batch_parses_the_same_both_ways(tmp_path: Path, documents: bool):
    """2,000 realistic lines, one in twenty malformed the way agency scripts get it wrong;
    every well-formed line takes the quick path."""
    path = datagen.write_jsonl(
        tmp_path / "batch.jsonl", 2000, malformed_share=0.05, documents=documents
    )
    fallbacks = errors = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        expected = careful_only(data)
        assert quick_then_careful(data) == expected
        try:
            schemas._load_quickly(data, RULESET)
        except schemas._Fallback:
            fallbacks += 1
        errors += expected[0] == "error"
    assert fallbacks == errors > 0


def test_a_model_that_null_cannot_fill_is_refused_when_the_loader_is_made():
    @dataclass(frozen=True, slots=True)
    class Sized:
        size: int | None = 0

    class SizedSchema(schemas._Strict):
        model: ClassVar[type[Any]] = Sized
        size = schemas.StrictInteger(low=0, high=9)

    with pytest.raises(TypeError, match="default"):
        schemas._quick_loader(SizedSchema())
