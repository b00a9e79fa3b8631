"""Phone numbers are read as phonenumbers reads them (``phones.read_phone``): the E.164 form
and the type of the shapes sellers type, None for what is not a valid number where it is
read; and the plain-number path answers only what phonenumbers would answer (hypothesis)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onboard.eligibility import phones

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


def phonenumbers_reading(text: str, region: str | None) -> phones.PhoneReading | None:
    """phonenumbers' own reading, the reference: parse, is_valid_number, E.164, type."""
    try:
        parsed = phonenumbers.parse(text, phones.DEFAULT_REGION.get(region or ""))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    kind = phonenumbers.number_type(parsed)
    return phones.PhoneReading(e164, phonenumbers.PhoneNumberType.to_string(kind))


def assert_plain_path_agrees(text: str, region: str | None) -> None:
    plain = phones._plain_number(text, region)
    if plain is not None and phonenumbers.is_valid_number(plain):  # else read_phone says None
        assert plain == phonenumbers.parse(text, phones.DEFAULT_REGION.get(region or "")), text
    assert phones.read_phone(text, region) == phonenumbers_reading(text, region), (text, region)


@pytest.mark.parametrize("oddity", [None, *ODDITIES])
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_plain_path_agrees_with_phonenumbers_on_written_numbers(oddity, data):
    assert_plain_path_agrees(*data.draw(written_numbers(oddity), label="(text, region)"))


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.from_regex(phones._PLAIN, fullmatch=True),
        st.text(alphabet="0123456789+- ()x#\t０８６", max_size=24),
        st.text(max_size=24),
    ),
    REGIONS,
)
def test_plain_path_agrees_with_phonenumbers_on_any_text(text, region):
    assert_plain_path_agrees(text, region)


#: Valid national numbers of every type phonenumbers gives an example of, CN and HK.
VALID_NATIONALS = sorted(
    {
        phonenumbers.national_significant_number(example)
        for region in CODES
        for kind in vars(phonenumbers.PhoneNumberType).values()
        if isinstance(kind, int)
        and (example := phonenumbers.example_number_for_type(region, kind)) is not None
    }
)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["", "+86", "+852", "86", "852", "0", "00", "0086", "12593", "1", "+"]),
    st.sampled_from(["", " ", "-"]),
    st.sampled_from(VALID_NATIONALS),
    REGIONS,
)
def test_plain_path_agrees_with_phonenumbers_on_valid_numbers_after_prefixes(
    prefix, separator, national, region
):
    """Where a prefix could be a country code, a trunk or an international prefix."""
    assert_plain_path_agrees(prefix + separator + national, region)


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("+86 158 7725 4633", "CN"),
        ("+86 138-3424-7646", "CN"),
        ("+86-138-3424-7646", "HK"),
        ("+8613834247646", None),
        ("13834247646", "CN"),
        ("138 3424 7646", "CN"),
        ("+852 9123 4567", "HK"),
        ("+852 9123-4567", "CN"),
        ("91234567", "HK"),
        ("2123 4567", "HK"),
        ("+86 158 7725 463", "CN"),  # invalid, but plainly written: phonenumbers types it
    ],
)
def test_plain_path_reads_the_common_shapes(text, region):
    assert phones._plain_number(text, region) is not None


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("13834247646", "US"),
        ("13834247646", None),
        ("0138 3424 7646", "CN"),
        ("+86 0138 3424 7646", "CN"),
        ("12593 138 3424 7646", "CN"),
        ("0086 138 3424 7646", "CN"),
        ("86 138 3424 7646", "CN"),
        (" +86 138 3424 7646", "CN"),
        ("+86  138 3424 7646", "CN"),
        ("(+86) 138 3424 7646", "CN"),
        ("＋８６ １３８ ３４２４ ７６４６", "CN"),
        ("+86 138 3424 7646 ext 12", "CN"),
        ("+1 650 253 0000", "CN"),
    ],
)
def test_plain_path_leaves_the_rest_to_phonenumbers(text, region):
    assert phones._plain_number(text, region) is None


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
        ("91234567", "HK", "+85291234567"),
        ("2123 4567", "HK", "+85221234567"),
        # trunk and international prefixes, spaces around, full-width digits
        ("0138 3424 7646", "CN", "+8613834247646"),
        ("0086 138 3424 7646", "CN", "+8613834247646"),
        (" +852 9123 4567 ", "HK", "+85291234567"),
        ("＋８６ １３８ ３４２４ ７６４６", "CN", "+8613834247646"),
        # not valid where read: one digit short or long, the wrong region, nowhere, junk
        ("+86 158 7725 463", "CN", None),
        ("+86 158 7725 46331", "CN", None),
        ("+852 9123 456", "HK", None),
        ("91234567", "CN", None),
        ("13834247646", "HK", None),
        ("13834247646", None, None),
        ("phone", "CN", None),
        ("", "CN", None),
    ],
)
def test_numbers_normalise_to_e164(text, region, e164):
    assert phones.normalize_phone(text, region) == e164
    try:
        parsed = phonenumbers.parse(text, region if region in ("CN", "HK") else None)
    except phonenumbers.NumberParseException:
        return
    assert phonenumbers.is_valid_number(parsed) is (e164 is not None)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("+86 138 0013 8000", "MOBILE"),
        ("+86 10 6552 9988", "FIXED_LINE"),
        ("+86 400 810 8888", "SHARED_COST"),
        ("+852 9123 4567", "MOBILE"),
        ("+852 2123-4567", "FIXED_LINE"),
    ],
)
def test_a_number_is_typed_as_phonenumbers_types_it(text, kind):
    reading = phones.read_phone(text, "CN")
    assert reading is not None and reading.kind == kind
