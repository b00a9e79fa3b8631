"""Reading a license's other printed fields: 名称, 法定代表人, 成立日期 (issue 19).

The fields sit in two columns below the title, each a spaced label in a Hei face followed by
its value in a Song face on the same line. They are found the way the code line is, without
recognising anything first: the page's text-line blobs (on the page already turned upright and
deskewed by the code's reader) are grouped into rows, and in each row a short blob followed
by another is a label candidate. The candidates are read top to bottom, stopping once all
three labels are found, and each label's value is the blob right after it. Both are read
with PaddleOCR's recognition network (:mod:`onboard.ocr.chinese`: about 15 ms a label, 20–50
ms a value, and right on nearly every name where Tesseract's Chinese model misread one in
five); without it, with Tesseract's Chinese model, restricted to the labels' own characters
for a label and to digits and 年月日 for the date.

The safety rule is the number's: a value is ``ok`` only when the recogniser was confident of
every one of its characters and it has the form such a value has (a company name ends in a
legal form; a person's name is two to four Chinese characters; a date is a real date), and
a second, differently cropped look agrees unless every character was all but certain.
Anything less is ``uncertain``, for the applicant or a reviewer to confirm, and nothing
usable is ``unreadable``.
"""

from __future__ import annotations

import difflib
import re
import time
from datetime import date

from PIL import Image

from onboard.eligibility.model import LICENSE_FIELDS, FieldReading
from onboard.ocr import geometry
from onboard.ocr.backends import Backend, LineText, OcrTimeout
from onboard.ocr.chinese import get_recognizer
from onboard.ocr.reader import Page, ink_height, normalise, straighten

#: The printed label of each field (mainland license, 2019 edition; individual businesses
#: print 经营者 where companies print 法定代表人).
LABELS = {
    "company_name": ("名称",),
    "legal_representative": ("法定代表人", "经营者", "负责人"),
    "established_on": ("成立日期", "注册日期"),
}
#: Every label a license's field column holds, so that the others are recognised as such.
OTHER_LABELS = ("类型", "注册资本", "营业期限", "住所", "经营范围", "经营场所", "组成形式")
LABEL_WHITELIST = "".join(
    sorted(
        {char for names in LABELS.values() for name in names for char in name}
        | {char for name in OTHER_LABELS for char in name}
    )
)
DATE_WHITELIST = "0123456789年月日"

#: A character read below this confidence (0–1) makes its value ``uncertain``. Measured on
#: the tuning corpus (tests/licensefactory.py, 100 photos): wrong names came with a
#: character under 0.90, and one at 0.962 on a hard photo, with both readings agreeing.
FIELD_CONFIDENT = 0.97
#: Height (px) Chinese glyphs are scaled to before reading.
TARGET_GLYPH_PX = 40.0
#: Legal forms a company name ends with (企业名称登记管理规定: the organisational form).
_COMPANY_ENDINGS = ("公司", "厂", "店", "社", "中心", "部", "行", "所", "合伙）", "合伙)", "企业")
#: What a crop's ends may hold that is no part of a name: the edge of a neighbour's
#: stroke, punctuation after the value.
_STRAY = "|丨!！:：,，.。;；、'\"‘’“” _-—"
_PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def unreadable() -> FieldReading:
    return FieldReading(value=None, status="unreadable", confidence=0.0)


def _rows(lines: list[geometry.Line]) -> list[list[geometry.Line]]:
    """Blobs grouped into rows (vertical overlap with the row's first blob of at least half
    the smaller height), rows top to bottom, blobs left to right."""
    rows: list[list[geometry.Line]] = []
    for line in sorted(lines, key=lambda item: (item.y0 + item.y1) / 2):
        for row in rows:
            first = row[0]
            overlap = min(first.y1, line.y1) - max(first.y0, line.y0)
            if overlap >= 0.5 * min(first.height, line.height):
                row.append(line)
                break
        else:
            rows.append([line])
    return [sorted(row, key=lambda item: item.x0) for row in rows]


def field_lines(page_mask: geometry.Mask, text_px: float, below: int) -> list[list[geometry.Line]]:
    """The rows of text-line blobs of ordinary text height under row ``below`` of the page."""
    region = page_mask[below:]
    smeared = geometry.smear(region, gap=max(3, round(0.9 * text_px)))
    lines = [
        geometry.Line(line.x0, line.y0 + below, line.x1, line.y1 + below)
        for line in geometry.components(smeared)
        if 0.6 * text_px <= line.height <= 2.2 * text_px
        and line.width >= 1.2 * line.height
        # A line cut by the image's edge (a photo of the top part) reads as other words.
        and line.y1 + below < page_mask.shape[0] - 1
        and line.x0 > 0
        and line.x1 < page_mask.shape[1] - 1
    ]
    return _rows(lines)


def match_label(text: str) -> str | None:
    """The field whose label ``text`` reads as (a close match), or ``None``; a text closer
    to another label of the column than to the field's own is that other label."""
    text = "".join(text.split())
    if not text:
        return None
    scores = [
        (difflib.SequenceMatcher(None, text, label).ratio(), name)
        for name, labels in LABELS.items()
        for label in labels
    ] + [(difflib.SequenceMatcher(None, text, label).ratio(), "") for label in OTHER_LABELS]
    best = max(scores, key=lambda item: item[0])
    return best[1] or None if best[0] >= 0.75 else None


def _confidence(line: LineText) -> float:
    values = [c for c in (line.confidences or ()) if c is not None]
    return round(min(values), 3) if values else round(line.confidence, 3)


def judge_name(name: str, line: LineText) -> FieldReading:
    """A company name or a person's name as read: ``ok`` when every character was read with
    :data:`FIELD_CONFIDENT` and it has the form of such a name."""
    # A stroke of the frame or a comma read at either end of the crop is not the name's.
    value = "".join(line.text.split()).strip(_STRAY)
    if not value:
        return unreadable()
    confidence = _confidence(line)
    confident = line.confidences is not None and confidence >= FIELD_CONFIDENT
    if name == "company_name":
        shaped = len(value) >= 4 and value.endswith(_COMPANY_ENDINGS)
    else:
        shaped = bool(_PERSON.match(value))
    status = "ok" if confident and shaped else "uncertain"
    return FieldReading(value=value, status=status, confidence=confidence)


def judge_date(line: LineText) -> FieldReading:
    """A date read as ``YYYY年MM月DD日``, reported as ISO ``YYYY-MM-DD``."""
    text = "".join(line.text.split())
    match = _DATE.search(text)
    if match is None:
        return unreadable() if not text else FieldReading(None, "unreadable", 0.0)
    year, month, day = (int(part) for part in match.groups())
    try:
        when = date(year, month, day)
    except ValueError:
        return FieldReading(None, "unreadable", 0.0)
    confidence = _confidence(line)
    confident = line.confidences is not None and confidence >= FIELD_CONFIDENT
    plausible = 1949 <= year <= date.today().year
    status = "ok" if confident and plausible else "uncertain"
    return FieldReading(value=when.isoformat(), status=status, confidence=confidence)


def _prepare_crop(region: Image.Image, target: float) -> Image.Image | None:
    """A value's crop scaled so its glyphs are ``target`` px high, ink black on
    white with a margin (the number reader's :func:`~onboard.ocr.reader.normalise`)."""
    glyph_px = ink_height(region, fraction=0.1)
    if glyph_px is None or glyph_px < 6:
        return None
    return normalise(region, glyph_px, target=target)


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OcrTimeout("time limit reached")
    return remaining


#: How far before its blob a value's crop starts, in line heights.
VALUE_LEAD = 0.6
#: How many label candidates are read at most (the 2019 layout has eight labels).
MAX_LABELS = 10


def read_cn_fields(
    page: Page, code_line: geometry.Line | None, backend: Backend, deadline: float
) -> dict[str, FieldReading]:
    """The company name, legal representative and date of establishment printed on the
    upright ``page`` whose code line is ``code_line`` (its height sets the text size; the
    fields are below it); each :func:`unreadable` when not found. Raises
    :class:`OcrTimeout` past ``deadline``."""
    found = dict.fromkeys(LICENSE_FIELDS, unreadable())
    w, h = page.work_size
    if code_line is not None:
        text_px, below = float(code_line.height), code_line.y1 + 2 * code_line.height
    else:
        text_px = geometry.text_height(page.mask) or w / 110
        below = round(0.25 * h)
    if below >= h:
        return found
    rows = field_lines(page.mask, text_px, below)
    wanted = set(LICENSE_FIELDS)
    tried = 0
    for row in rows:
        for index, line in enumerate(row[:-1]):
            if not wanted or tried >= MAX_LABELS:
                return found
            if line.width > 7 * line.height:
                continue  # a value (or a label merged with it), not a label alone
            tried += 1
            label = _read(page, line, backend, deadline, LABEL_WHITELIST)
            name = match_label(label.text) if label is not None else None
            if name is None or name not in wanted:
                continue
            value_line = row[index + 1]
            if value_line.x0 - line.x1 > 12 * text_px:
                continue
            wanted.discard(name)
            # The working mask can lose the thin first strokes of the value's first glyph:
            # its crop starts a little before the blob (the label ends two heights before).
            lead = round(VALUE_LEAD * value_line.height)
            value_line = geometry.Line(
                max(line.x1, value_line.x0 - lead), value_line.y0, value_line.x1, value_line.y1
            )
            found[name] = _read_value(page, value_line, backend, deadline, name)
    return found


#: The two preparations of a value's crop: (line heights of margin, glyph height in px; the
#: height is Tesseract's only). Each reading of Tesseract's Chinese model alone is wrong on
#: about one name in five on Song print; a value is ``ok`` only when both agree, character
#: for character (with PaddleOCR's recogniser, see :data:`SURE_ALONE`).
VALUE_LOOKS = ((0.35, TARGET_GLYPH_PX), (0.8, 48.0))
#: A value PaddleOCR's recogniser read with every character at least this sure needs no
#: second look. Its probabilities are not Tesseract's: on the tuning photos its wrong
#: readings of names had a character under 0.9 and its right ones mostly none under 0.99;
#: between the two a second look must agree.
SURE_ALONE = 0.99


def _read(
    page: Page,
    line: geometry.Line,
    backend: Backend,
    deadline: float,
    whitelist: str,
    *,
    pad: float = 0.35,
    target: float = TARGET_GLYPH_PX,
) -> LineText | None:
    recognizer = get_recognizer()
    if recognizer is not None:
        # PaddleOCR's recogniser reads the crop as photographed (it was trained on such
        # lines), at any size; no whitelist: a label is matched, a value judged, afterwards.
        _remaining(deadline)
        region = straighten(page, line, pad=pad)
        return recognizer.read_line(region) if min(region.size) >= 4 else None
    image = _prepare_crop(straighten(page, line, pad=pad), target)
    if image is None:
        return None
    # As a text line (psm 7) first; Tesseract drops a short name of two or three
    # characters altogether that way, so an empty reading is read again as a raw line.
    text = backend.read_line(image, whitelist, _remaining(deadline), psm=7, lang="chi_sim")
    if not text.text.strip():
        text = backend.read_line(image, whitelist, _remaining(deadline), psm=13, lang="chi_sim")
    return text


def _read_value(
    page: Page, line: geometry.Line, backend: Backend, deadline: float, name: str
) -> FieldReading:
    """A field's value read in both :data:`VALUE_LOOKS`, judged; ``ok`` only when the two
    readings agree (else the more confident one, ``uncertain``). The second look is taken
    only when the first would be ``ok``, and not when PaddleOCR's recogniser read every
    character of the first at :data:`SURE_ALONE` or more."""
    whitelist = DATE_WHITELIST if name == "established_on" else ""
    judged: list[FieldReading] = []
    for pad, target in VALUE_LOOKS:
        text = _read(page, line, backend, deadline, whitelist, pad=pad, target=target)
        if text is not None:
            judged.append(judge_date(text) if name == "established_on" else judge_name(name, text))
        if not judged or judged[0].status != "ok":
            break  # a second look could not make it ok: not worth its time
        if judged[0].confidence >= SURE_ALONE and get_recognizer() is not None:
            return judged[0]
    readable = [reading for reading in judged if reading.value is not None]
    if not readable:
        return unreadable()
    best = max(readable, key=lambda reading: reading.confidence)
    agreed = len(readable) == len(VALUE_LOOKS) and len({r.value for r in readable}) == 1
    if best.status == "ok" and not (agreed and all(r.status == "ok" for r in readable)):
        best = FieldReading(best.value, "uncertain", best.confidence)
    return best


#: What a Hong Kong business name is printed with (the certificate prints it in capitals).
HK_NAME_WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789&.,'()- "
_HK_NAME = re.compile(r"^[A-Z0-9&.,'()\-]+( [A-Z0-9&.,'()\-]+)+$")


def read_hk_fields(
    page: Page, number_line: geometry.Line | None, backend: Backend, deadline: float
) -> dict[str, FieldReading]:
    """The business name of a Business Registration Certificate (``company_name``): the
    value under the first field label below the certificate number (業務名稱 Name of
    Business), read twice in capitals; ``ok`` only when both readings agree, every character
    is confident, it reads as words, it starts where its label starts (a first word left
    out of the line's box would otherwise be read by neither), and PaddleOCR's recogniser,
    where installed, reads the same characters."""
    if number_line is None:
        return {"company_name": unreadable()}
    below = sorted(
        (
            line
            for line in page.lines
            if line.y0 >= number_line.y1
            and line.width >= 3 * line.height
            and 0.5 * number_line.height <= line.height <= 2 * number_line.height
        ),
        key=lambda line: line.y0,
    )
    rows = _rows(below)
    if len(rows) < 2:
        return {"company_name": unreadable()}
    # rows[0] is the label; the name's words may be blobs of their own, and a short word
    # (BAY) is no row's: the whole line is taken around the row.
    label, value = whole_line(page, union_of(rows[0])), whole_line(page, union_of(rows[1]))
    aligned = abs(value.x0 - label.x0) <= label.height
    readings = []
    for pad, target in ((0.35, 30.0), (0.6, 36.0)):
        image = _prepare_crop(straighten(page, value, pad=pad), target)
        if image is None:
            continue
        text = backend.read_line(image, HK_NAME_WHITELIST, _remaining(deadline), psm=7)
        words = " ".join(text.text.split())
        if words:
            confident = text.confidences is not None and _confidence(text) >= FIELD_CONFIDENT
            shaped = bool(_HK_NAME.match(words))
            status = "ok" if confident and shaped and aligned else "uncertain"
            readings.append(FieldReading(words, status, _confidence(text)))
    if not readings:
        return {"company_name": unreadable()}
    best = max(readings, key=lambda reading: reading.confidence)
    agreed = len(readings) == 2 and readings[0].value == readings[1].value
    if best.status == "ok" and agreed and all(r.status == "ok" for r in readings):
        agreed = paddle_agrees(page, value, best.value or "", deadline)
    if best.status == "ok" and not (agreed and all(r.status == "ok" for r in readings)):
        best = FieldReading(best.value, "uncertain", best.confidence)
    return {"company_name": best}


def union_of(row: list[geometry.Line]) -> geometry.Line:
    """The box around the blobs of ``row``."""
    return geometry.Line(
        min(line.x0 for line in row),
        min(line.y0 for line in row),
        max(line.x1 for line in row),
        max(line.y1 for line in row),
    )


def whole_line(page: Page, row: geometry.Line) -> geometry.Line:
    """``row`` with the words of its line that grouping blobs into rows left out: a short
    word (too short to count as a line by itself), or the last word of a long line that
    slopes in a photo taken at an angle (lower than the first by more than half a line). A
    blob of the line's height joins when it lies within two line heights of the line's
    nearest end and its middle is level with that end, so that the next line down, which a
    sloping line comes near, never joins."""
    ends = [row, row]  # the left and the right end, as joined so far
    grown = row
    blobs = [line for line in page.lines if 0.6 * row.height <= line.height <= 1.6 * row.height]
    for rightwards in (True, False):
        ordered = sorted(blobs, key=lambda item: item.x0 if rightwards else -item.x1)
        for line in ordered:
            end = ends[rightwards]
            gap = line.x0 - grown.x1 if rightwards else grown.x0 - line.x1
            middle = (line.y0 + line.y1) / 2
            if -row.height < gap <= 2 * row.height and end.y0 <= middle <= end.y1:
                grown = union_of([grown, line])
                ends[rightwards] = line
    return grown


def paddle_agrees(page: Page, line: geometry.Line, value: str, deadline: float) -> bool:
    """Whether PaddleOCR's recogniser reads ``line`` as ``value`` character for character,
    punctuation included (it drops spaces), each character at :data:`FIELD_CONFIDENT`;
    ``True`` when it is not installed (the readings so far stand)."""
    recognizer = get_recognizer()
    if recognizer is None:
        return True
    _remaining(deadline)
    other = recognizer.read_line(straighten(page, line, pad=0.2))
    return other.text.replace(" ", "") == value.replace(" ", "") and all(
        confidence >= FIELD_CONFIDENT for confidence in other.confidences or (0.0,)
    )
