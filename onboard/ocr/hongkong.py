"""Reading Hong Kong's two registration documents (issue 19): the Business Registration
Certificate (the BR number and the business name) and the Certificate of Incorporation (the
company number and the company name, in English and, when it has one, in Chinese).

Which document a photo shows is read off the photo itself: each prints its title in capitals
(BUSINESS REGISTRATION CERTIFICATE; CERTIFICATE OF INCORPORATION) near the top. The page's
text rows are found the way the mainland code line is (:func:`~onboard.ocr.reader.prepare`),
and the rows of its top part are read with Tesseract's English model, capitals only, until
a title is recognised. The same reading tells which way up the photo is: the turns of
:func:`~onboard.ocr.reader.turn_order` are tried until one shows a title. A caller that
knows which document it sent (``document``) is believed; the title then only finds the turn.

A Certificate of Incorporation says "I hereby certify that <NAME> <中文名稱> is this day
incorporated in Hong Kong…": the English name is the row after the one that reads
``certify``, the Chinese name (when printed) the row after it. The English name is read by
Tesseract in capitals (it keeps the spaces between words) and checked by PaddleOCR's
recogniser (:mod:`onboard.ocr.chinese`, which reads Latin capitals as well but drops the
spaces); the Chinese name by PaddleOCR's recogniser, twice, differently cropped. The
company number is printed top right (編號 No. 2837074): up to 7 digits from the Companies
Registry, or since 27 December 2023 the 8-digit BR number; reported as
:func:`~onboard.eligibility.identifiers.validate_hk_ci` normalises it (8 digits), scheme
``hk_ci``.

The safety rule is the mainland fields': a name is ``ok`` only when every character was read
with confidence, it has a company name's form, and a second reading agrees character for
character. Hong Kong publishes no check digit, so a number is ``ok`` only when two readers
agree on every digit and Tesseract was sure of each; otherwise it is ``ambiguous``, offered
to a person as the one candidate.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import time
from dataclasses import dataclass, replace

from PIL import Image

from onboard.eligibility.identifiers import validate_hk_ci
from onboard.eligibility.lookalikes import CONFIDENT
from onboard.eligibility.model import FieldReading, LicenseReading
from onboard.ocr import geometry
from onboard.ocr.backends import Backend, LineText, OcrTimeout
from onboard.ocr.chinese import get_recognizer
from onboard.ocr.fields import (
    FIELD_CONFIDENT,
    HK_NAME_WHITELIST,
    _prepare_crop,
    _rows,
    paddle_agrees,
    read_hk_fields,
    union_of,
    unreadable,
    whole_line,
)
from onboard.ocr.reader import (
    SURE,
    TURNS,
    Crop,
    Found,
    Page,
    TooSmall,
    find_hk_br,
    ink_height,
    min_digit_px,
    normalise,
    prepare,
    straighten,
    turn_order,
)

#: The document kinds (RULES.md §4) this module reads, and the scheme of each one's number.
BUSINESS_REGISTRATION = "hk_business_registration"
INCORPORATION = "hk_incorporation_certificate"
SCHEMES = {BUSINESS_REGISTRATION: "hk_br", INCORPORATION: "hk_ci"}
DOCUMENTS = tuple(SCHEMES)

#: What each title is recognised by: words of its English title, every one of which must be
#: read (closely: see :func:`_has_word`) on one row.
TITLES = {
    BUSINESS_REGISTRATION: ("BUSINESS", "REGISTRATION"),
    INCORPORATION: ("CERTIFICATE", "INCORPORATION"),
}
TITLE_WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ "
#: Heights of the certificates' text rows, in page widths: body text about 0.015–0.025,
#: titles up to 0.035 (the page's measured text height is no guide on a blurred photo,
#: where the guilloche's specks outnumber the glyphs).
ROW_HEIGHT = (0.008, 0.045)
#: The title is printed in the top part of the page: BR about 0.17 page widths down, CI
#: about 0.44 (measured in widths, which a photo of the top part only keeps).
TITLE_AREA = 0.65
#: How many rows of the top part are read at most looking for a title.
TITLE_ROWS = 9
#: How close a word read must be to a title's word (difflib's ratio): one wrong letter in
#: ten is a title still, a different word is not.
WORD_MATCH = 0.8
#: What the CI's number line is read with (編號 No. 2837074: the label's Chinese glyphs are
#: their own blob, "No." often joins the number's), the number at its end, and how many
#: blobs above the title are read at most.
NUMBER_WHITELIST = "0123456789No."
_NUMBER = re.compile(r"[0-9]{6,8}$")
NUMBER_BLOBS = 12
#: How many text rows after the title are read at most looking for "I hereby certify that"
#: (the Chinese 本人謹此證明 comes first).
CERTIFY_ROWS = 5
#: How far (in page widths) a name row's centre may lie from the certify row's.
CENTRED = 0.06
#: A CI's English name: capitals, digits, ``& . , ' ( ) -`` and single spaces, ending in
#: the legal form of a limited company ("Limited"; its Chinese name in 有限公司).
_CI_NAME = re.compile(r"^[A-Z0-9&.,'()\-]+( [A-Z0-9&.,'()\-]+)* LIMITED$")
_CI_NAME_ZH = re.compile(r"^[\u3400-\u9fff（）()&·A-Za-z0-9]{2,}有限公司$")
#: How the certificate's Chinese text after the names begins (於本日根據《公司條例》…).
_AFTER_NAME = "於本日"


@dataclass(frozen=True, slots=True)
class _Upright:
    """The photo turned upright, its page and rows, and the document its title names."""

    turn: int
    image: Image.Image
    page: Page
    rows: list[geometry.Line]
    document: str | None
    title_row: int | None


def read_hk(
    image: Image.Image,
    backend: Backend,
    deadline: float,
    *,
    document: str | None = None,
    fields: bool = True,
) -> LicenseReading:
    """The number (and with ``fields`` the names) of the Hong Kong registration document on
    ``image``, whichever way up: ``document`` one of :data:`DOCUMENTS`, or ``None`` to tell
    from its title. A photo whose title cannot be read is read as a BR certificate (what a
    Hong Kong license image was before CIs were read). The reading's ``document`` and
    ``scheme`` say which document was read; ``shows`` the other one, when ``document`` was
    named and the photo's title names the other (it is read as named all the same)."""
    ink = geometry.ink_channel(image)
    upright = _find_upright(ink, backend, deadline, document)
    kind = document or (upright.document if upright is not None else None) or BUSINESS_REGISTRATION
    turn = upright.turn if upright is not None else 0
    turned = upright.image if upright is not None else ink
    if kind == INCORPORATION:
        if upright is None:
            upright = _rows_of(turn, turned)
        reading = _read_ci(upright, backend, deadline, fields)
    else:
        reading = _read_br(turned, backend, deadline, fields)
    titled = upright.document if upright is not None else None
    shows = titled if document is not None and titled not in (None, document) else ""
    return replace(reading, orientation=turn, document=kind, scheme=SCHEMES[kind], shows=shows)


# --- which document, which way up ----------------------------------------------------------


def _find_upright(
    ink: Image.Image, backend: Backend, deadline: float, document: str | None
) -> _Upright | None:
    """The first turn (likeliest first) on which either title is read (the document the
    caller names may be sent with the other's title, and is read as named all the same);
    ``None`` when no turn shows one."""
    for turn in turn_order(ink):
        transpose = TURNS[turn]
        turned = ink if transpose is None else ink.transpose(transpose)
        upright = _rows_of(turn, turned)
        found = _title(upright, backend, deadline)
        if found is not None:
            return replace(upright, document=found[0], title_row=found[1])
    return None


def _rows_of(turn: int, turned: Image.Image) -> _Upright:
    page = prepare(turned, search=(1.0, 1.0))
    w = page.work_size[0]
    lines = [
        line
        for line in page.lines
        if ROW_HEIGHT[0] * w <= line.height <= ROW_HEIGHT[1] * w and line.width >= 1.5 * line.height
    ]
    rows = [union_of(row) for row in _rows(lines)]
    return _Upright(turn, turned, page, rows, None, None)


def _title(upright: _Upright, backend: Backend, deadline: float) -> tuple[str, int] | None:
    """The document whose title one of the top rows reads as, and that row's index."""
    w = upright.page.work_size[0]
    read = 0
    for index, row in enumerate(upright.rows):
        if row.y0 > TITLE_AREA * w or read >= TITLE_ROWS:
            break
        if row.width < 6 * row.height:
            continue  # too short for either title
        read += 1
        text = _read_row(upright.page, row, backend, deadline, TITLE_WHITELIST)
        words = text.text.upper().split() if text is not None else []
        for document, title in TITLES.items():
            if all(_has_word(words, word) for word in title):
                return document, index
    return None


def _has_word(words: list[str], word: str) -> bool:
    return any(difflib.SequenceMatcher(None, read, word).ratio() >= WORD_MATCH for read in words)


def _read_row(
    page: Page,
    row: geometry.Line,
    backend: Backend,
    deadline: float,
    whitelist: str,
    *,
    pad: float = 0.35,
    target: float = 30.0,
) -> LineText | None:
    image = _prepare_crop(straighten(page, row, pad=pad), target)
    if image is None:
        return None
    return backend.read_line(image, whitelist, _remaining(deadline), psm=7)


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OcrTimeout("time limit reached")
    return remaining


# --- the Business Registration Certificate -------------------------------------------------


def _read_br(
    turned: Image.Image, backend: Backend, deadline: float, fields: bool
) -> LicenseReading:
    found = find_hk_br(turned, backend, deadline)
    if not fields:
        return found.reading
    return replace(found.reading, fields=_br_fields(found, backend, deadline))


def _br_fields(found: Found, backend: Backend, deadline: float) -> dict[str, FieldReading]:
    if found.page is None or not getattr(backend, "per_character", True):
        return {"company_name": unreadable()}
    try:
        return read_hk_fields(found.page, found.line, backend, deadline)
    except (OcrTimeout, RuntimeError, OSError):
        return {"company_name": unreadable()}


# --- the Certificate of Incorporation ------------------------------------------------------


def _read_ci(upright: _Upright, backend: Backend, deadline: float, fields: bool) -> LicenseReading:
    try:
        reading = _ci_number(upright, backend, deadline)
    except TooSmall:
        reading = _ci_reading("unreadable", "")
    if not fields:
        return reading
    names: dict[str, FieldReading] = {"company_name": unreadable()}
    if getattr(backend, "per_character", True):
        with contextlib.suppress(OcrTimeout, RuntimeError, OSError):
            names = _ci_names(upright, backend, deadline)
    return replace(reading, fields=names)


def _ci_reading(
    status: str,
    raw: str,
    number: str | None = None,
    *,
    candidates: tuple[str, ...] = (),
    confidence: float = 0.0,
) -> LicenseReading:
    return LicenseReading(
        status=status,
        license_number=number,
        valid=number is not None,
        raw=raw,
        candidates=candidates,
        confidence=round(confidence, 3),
        scheme="hk_ci",
    )


def _ci_number(upright: _Upright, backend: Backend, deadline: float) -> LicenseReading:
    """The company number printed above the title (編號 No. 2837074): the first short line
    there that reads as 6 to 8 digits, judged by :func:`judge_ci_number`."""
    page = upright.page
    top = upright.rows[upright.title_row].y0 if upright.title_row is not None else None
    limit = top if top is not None else round(0.2 * page.work_size[1])
    blobs = sorted(
        (
            line
            for line in page.lines
            if line.y1 <= limit and line.width >= 2.5 * line.height and line.height >= 4
        ),
        key=lambda line: (line.y0, line.x0),
    )
    too_small = False
    for line in blobs[:NUMBER_BLOBS]:
        region = straighten(page, line)
        digit_px = ink_height(region)
        if digit_px is None:
            continue
        if digit_px < min_digit_px(Crop(region, digit_px)):
            too_small = True
            continue
        text = _number_part(
            backend.read_line(normalise(region, digit_px), NUMBER_WHITELIST, _remaining(deadline))
        )
        if text is not None:
            paddle = get_recognizer()
            if paddle is None:
                return judge_ci_number(text, None)
            second = _number_part(paddle.read_line(straighten(page, line, pad=0.2)))
            return judge_ci_number(text, second or LineText("", 0.0))
    if too_small:
        raise TooSmall("the text is too small to read; send a sharper or closer photo")
    return _ci_reading("unreadable", "")


def _number_part(line: LineText) -> LineText | None:
    """The 6 to 8 digits that end a reading of the number line (after "No."), with their
    confidences; ``None`` when it does not end so."""
    text = line.text.replace(" ", "")
    match = _NUMBER.search(text)
    if match is None:
        return None
    confidences = line.confidences
    if confidences is not None and len(confidences) == len(text):
        confidences = confidences[match.start() :]
        return LineText(match.group(), min(confidences), confidences)
    return LineText(match.group(), line.confidence)


def judge_ci_number(first: LineText, second: LineText | None) -> LicenseReading:
    """A CI's number as Tesseract read it (``first``, the digits), checked against a second
    reader's reading of the same crop (``second``, PaddleOCR's, empty when it read no
    number there; ``None`` without the recogniser).

    No check digit exists, so nothing but the readers vouches for a digit: ``ok`` when the
    number has the published form (:func:`validate_hk_ci`) and the second reader read the
    same digits, and one of the two was sure of every digit (Tesseract at
    :data:`~onboard.eligibility.lookalikes.CONFIDENT`, PaddleOCR's recogniser at
    :data:`~onboard.ocr.reader.SURE`: Tesseract is often unsure of the digit right after
    "No."); without a second reader, when Tesseract was sure of every digit. Anything else is
    ``ambiguous``, the reading offered as the one candidate, for a person."""
    raw = first.text
    check = validate_hk_ci(raw)
    if not check.valid:
        return _ci_reading("ambiguous" if raw else "unreadable", raw)
    number = check.normalized
    sure = _sure(first, CONFIDENT)
    if second is not None:
        agreed = validate_hk_ci(second.text).normalized == number and len(second.text) == len(raw)
        sure = agreed and (sure or _sure(second, SURE))
    if sure:
        return _ci_reading("ok", raw, number, confidence=first.confidence)
    return _ci_reading(
        "ambiguous", raw, candidates=(number,), confidence=min(first.confidence, 0.5)
    )


def _sure(line: LineText, threshold: float) -> bool:
    return line.confidences is not None and all(value >= threshold for value in line.confidences)


def _ci_names(upright: _Upright, backend: Backend, deadline: float) -> dict[str, FieldReading]:
    """``company_name`` (English) and, when a Chinese name is printed under it,
    ``company_name_zh``: the rows after the one that reads ``certify``."""
    page = upright.page
    # Rows of text, not the specks a copy mark or the seal leaves between them.
    rows = [
        row for row in upright.rows[(upright.title_row or 0) + 1 :] if row.width >= 3 * row.height
    ]
    certify = None
    for index, row in enumerate(rows[:CERTIFY_ROWS]):
        text = _read_row(page, row, backend, deadline, "")
        if text is not None and "certify" in text.text.lower().replace(" ", ""):
            certify = index
            break
    if certify is None:
        return {"company_name": unreadable()}
    # The names are centred under it, as the whole text is; a row off that axis is a
    # fragment of something else (a copy mark stamped across the page).
    axis = (rows[certify].x0 + rows[certify].x1) / 2
    reach = CENTRED * page.work_size[0]
    names = [row for row in rows[certify + 1 :] if abs((row.x0 + row.x1) / 2 - axis) <= reach]
    if not names:
        return {"company_name": unreadable()}
    found = {"company_name": _english_name(page, whole_line(page, names[0]), backend, deadline)}
    if len(names) > 1:
        chinese = _chinese_name(page, whole_line(page, names[1]), deadline)
        if chinese is not None:
            found["company_name_zh"] = chinese
    return found


def _english_name(
    page: Page, row: geometry.Line, backend: Backend, deadline: float
) -> FieldReading:
    """The English name, read by Tesseract in capitals (with its spaces); ``ok`` only when
    every character is confident, it reads as a company name ending in LIMITED, and a
    second reading agrees character for character (PaddleOCR's, spaces aside; without it,
    Tesseract's own of a wider crop)."""
    text = _read_row(page, row, backend, deadline, HK_NAME_WHITELIST)
    words = " ".join(text.text.split()) if text is not None else ""
    if text is None or not words:
        return unreadable()
    confidence = round(min(text.confidences or (text.confidence,)), 3)
    confident = text.confidences is not None and confidence >= FIELD_CONFIDENT
    if not (confident and _CI_NAME.match(words)):
        return FieldReading(words, "uncertain", confidence)
    if get_recognizer() is not None:
        agreed = paddle_agrees(page, row, words, deadline)
    else:
        second = _read_row(page, row, backend, deadline, HK_NAME_WHITELIST, pad=0.6, target=36)
        agreed = second is not None and " ".join(second.text.split()) == words
    return FieldReading(words, "ok" if agreed else "uncertain", confidence)


#: The Chinese name's two looks: margins (in row heights) of PaddleOCR's crops.
ZH_LOOKS = (0.2, 0.5)


def _chinese_name(page: Page, row: geometry.Line, deadline: float) -> FieldReading | None:
    """The Chinese name on ``row``, or ``None`` when the row holds none (no recogniser, a
    row of other text: a company without a Chinese name). ``ok`` only when both looks read
    the same name, ending in 有限公司, every character at :data:`FIELD_CONFIDENT`."""
    recognizer = get_recognizer()
    if recognizer is None:
        return None
    readings: list[FieldReading] = []
    for pad in ZH_LOOKS:
        _remaining(deadline)
        text = recognizer.read_line(straighten(page, row, pad=pad))
        value = text.text.strip()
        if not readings and (
            sum(1 for char in value if "\u3400" <= char <= "\u9fff") < 2
            or value.startswith(_AFTER_NAME)
        ):
            return None  # not a name: the certificate's text goes on
        confidence = round(min(text.confidences or (0.0,)), 3)
        shaped = bool(_CI_NAME_ZH.match(value))
        status = "ok" if shaped and confidence >= FIELD_CONFIDENT else "uncertain"
        readings.append(FieldReading(value, status, confidence))
        if status != "ok":
            break  # a second look could not make it ok
    best = max(readings, key=lambda reading: reading.confidence)
    agreed = len(readings) == len(ZH_LOOKS) and len({r.value for r in readings}) == 1
    if best.status == "ok" and not agreed:
        return FieldReading(best.value, "uncertain", best.confidence)
    return best
