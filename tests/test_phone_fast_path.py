"""The phone fast path answers only what phonenumbers would answer, and does answer the plain
shapes real batches are made of (people._plain_phone against people._phonenumbers_e164)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onboard.eligibility.rules import people

REGIONS = st.sampled_from(["CN", "HK", "US", None])
ASCII_DIGITS = "0123456789"
CODES = {"CN": "86", "HK": "852"}
#: The ways around a number and between its digits that phonenumbers reads and the fast path
#: leaves to it (or must): one of them per generated text, besides plain ones.
ODDITIES = ("prefix", "separator", "start", "end", "width")
PLAIN_SEPARATORS = st.sampled_from([" ", "-", ""])
OTHER_SEPARATORS = st.sampled_from(
    ["  ", " - ", "--", ".", "/", "(", ")", "\t", "\n", "\u00a0", "\u3000", "\u2007", "－", "x"]
)
OTHER_PREFIXES = st.sampled_from(
    [
        *("+1 ", "+44", "+853 ", "+", "++86", "＋86", "(+86) ", "tel:+86", "+86  ", "+86\t"),
        *("86", "852", "+85 2", "+860", "+8520"),  # country codes run into the number
        *("0", "00", "0086 ", "+86 0", "12593", "17951 "),  # trunk, IDD and carrier prefixes
    ]
)
ODD_STARTS = st.sampled_from([" ", "\n", "Tel: ", "-", "0"])
ODD_ENDINGS = st.sampled_from([" ", "\n", " ext 12", "#", "x3", ";ext=5", ";phone-context=+1"])
FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")


def _nationals(region: str) -> st.SearchStrategy[str]:
    """National numbers phonenumbers' own metadata describes for ``region``, and any digits."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    assert metadata is not None
    descs = (metadata.mobile, metadata.fixed_line, metadata.general_desc, metadata.toll_free)
    patterns = [d.national_number_pattern for d in descs if d and d.national_number_pattern]
    return st.one_of(
        *(st.from_regex(p, fullmatch=True, alphabet=ASCII_DIGITS) for p in patterns),
        st.text(ASCII_DIGITS, min_size=1, max_size=13),
    )


NATIONALS = {region: _nationals(region) for region in CODES}


@st.composite
def written_numbers(draw: st.DrawFn, oddity: str | None) -> tuple[str, str | None]:
    """(text, seller's region): a CN or HK number as people write it, perhaps one digit off, in
    groups, after its country code or none; plainly, or with one ``oddity``."""
    home = draw(st.sampled_from(sorted(CODES)))
    national = draw(NATIONALS[home])
    edit = draw(st.sampled_from(["as is", "as is", "as is", "drop last", "add digit", "first"]))
    if edit == "drop last":
        national = national[:-1]
    elif edit == "add digit":
        national += draw(st.sampled_from(ASCII_DIGITS))
    elif edit == "first" and national:
        national = draw(st.sampled_from(ASCII_DIGITS)) + national[1:]
    cuts = sorted(
        draw(
            st.sets(
                st.integers(1, max(1, len(national) - 1)),
                min_size=1 if oddity == "separator" else 0,
                max_size=4,
            )
        )
    )
    groups = [national[a:b] for a, b in zip([0, *cuts], [*cuts, None], strict=True)]
    separators = [draw(PLAIN_SEPARATORS) for _ in groups[1:]]
    if oddity == "separator":  # one odd separator among plain ones
        separators[draw(st.integers(0, len(separators) - 1))] = draw(OTHER_SEPARATORS)
    text = groups[0] + "".join(s + g for s, g in zip(separators, groups[1:], strict=True))
    if oddity == "prefix":
        text = draw(OTHER_PREFIXES) + text
    else:
        code = draw(st.sampled_from([CODES[home], CODES[home], *CODES.values()]))
        text = draw(st.sampled_from(["", f"+{code}", f"+{code} ", f"+{code}-"])) + text
    if oddity == "start":
        text = draw(ODD_STARTS) + text
    if oddity == "end":
        text += draw(ODD_ENDINGS)
    if oddity == "width":  # one character, or all from there on, typed full-width
        at = draw(st.integers(0, max(0, len(text) - 1)))
        end = len(text) if draw(st.booleans()) else at + 1
        text = text[:at] + text[at:end].translate(FULL_WIDTH) + text[end:]
    return text, draw(st.one_of(st.just(home), REGIONS))


def assert_fast_path_agrees(text: str, region: str | None) -> None:
    fast = people._plain_phone(text, region)
    if fast is not None:
        assert fast == people._phonenumbers_e164(text, region), (text, region)


@pytest.mark.parametrize("oddity", [None, *ODDITIES])
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_fast_path_agrees_with_phonenumbers_on_written_numbers(oddity, data):
    assert_fast_path_agrees(*data.draw(written_numbers(oddity), label="(text, region)"))


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.from_regex(people._PLAIN_PHONE, fullmatch=True),
        st.text(alphabet="0123456789+- ()x#\t０８６", max_size=24),
        st.text(max_size=24),
    ),
    REGIONS,
)
def test_fast_path_agrees_with_phonenumbers_on_any_text(text, region):
    assert_fast_path_agrees(text, region)


# --- the boundaries, by example ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("+86 158 7725 4633", "CN", "+8615877254633"),
        ("+86 138-3424-7646", "CN", "+8613834247646"),
        ("+86-138-3424-7646", "HK", "+8613834247646"),
        ("+8613834247646", None, "+8613834247646"),
        ("+86 13834247646", "US", "+8613834247646"),
        ("13834247646", "CN", "+8613834247646"),
        ("138 3424 7646", "CN", "+8613834247646"),
        ("+852 9123 4567", "HK", "+85291234567"),
        ("+852 9123-4567", "CN", "+85291234567"),
        ("+85291234567", None, "+85291234567"),
        ("91234567", "HK", "+85291234567"),
        ("2123 4567", "HK", "+85221234567"),  # HK fixed line
    ],
)
def test_fast_path_answers_the_common_shapes(text, region, e164):
    assert people._plain_phone(text, region) == e164
    assert people._phonenumbers_e164(text, region) == e164
    assert people.normalize_phone(text, region) == e164


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # one digit too short or too long, and prefixes the mobile patterns leave out
        ("+86 158 7725 463", "CN"),
        ("+86 158 7725 46331", "CN"),
        ("1587725463", "CN"),
        ("+852 9123 456", "HK"),
        ("+852 9123 45678", "HK"),
        ("+86 140 1234 5678", "CN"),
        ("+852 1234 5678", "HK"),
        # a CN number read in HK and a HK number read in CN, or with nowhere to read them
        ("13834247646", "HK"),
        ("91234567", "CN"),
        ("13834247646", "US"),
        ("13834247646", None),
        # what phonenumbers reads its own way: trunk, carrier and international prefixes, a
        # country code without "+", spaces around, full-width digits, extensions, junk
        ("0138 3424 7646", "CN"),
        ("+86 0138 3424 7646", "CN"),
        ("12593 138 3424 7646", "CN"),
        ("0086 138 3424 7646", "CN"),
        ("86 138 3424 7646", "CN"),
        (" +86 138 3424 7646", "CN"),
        ("+86 138 3424 7646 ", "CN"),
        ("+86  138 3424 7646", "CN"),
        ("(+86) 138 3424 7646", "CN"),
        ("+86 138.3424.7646", "CN"),
        ("＋８６ １３８ ３４２４ ７６４６", "CN"),
        ("+86 138 3424 7646 ext 12", "CN"),
        ("phone", "CN"),
        ("12345", "CN"),
        ("", "CN"),
    ],
)
def test_fast_path_leaves_the_rest_to_phonenumbers(text, region):
    assert people._plain_phone(text, region) is None
    assert people.normalize_phone(text, region) == people._phonenumbers_e164(text, region)


def test_deferred_shapes_still_normalise_through_phonenumbers():
    assert people.normalize_phone("0138 3424 7646", "CN") == "+8613834247646"
    assert people.normalize_phone("0086 138 3424 7646", "CN") == "+8613834247646"
    assert people.normalize_phone(" +852 9123 4567 ", "HK") == "+85291234567"
    assert people.normalize_phone("＋８６ １３８ ３４２４ ７６４６", "CN") == "+8613834247646"
    assert people.normalize_phone("+86 158 7725 463", "CN") is None
    assert people.normalize_phone("91234567", "CN") is None
