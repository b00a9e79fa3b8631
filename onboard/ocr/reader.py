"""Reading the credit code off a license photo: locate, crop, normalise, read, repair.

The slow way (Chinese recognition over the whole page, then a regular expression) takes
seconds and misreads the Song-face digits. Here the page's text lines are found with numpy
(:mod:`onboard.ocr.geometry`), the few that sit where the code line sits (top left, long and
thin, the label 统一社会信用代码 in front of the code) are cut out of the full-resolution
photo, straightened, scaled so capitals are about 30 px high (Tesseract's sweet spot),
binarised, and read as one line with the code's 31-character whitelist. The label is cut
off geometrically: its eight square glyphs are taller than the digits. Each reading goes
through :func:`onboard.eligibility.lookalikes.repair_uscc`, and the first candidate line
that gives a valid code wins.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image, ImageOps

from onboard.eligibility.identifiers import USCC_ALPHABET
from onboard.eligibility.lookalikes import repair_hk_br, repair_uscc
from onboard.eligibility.model import LicenseReading
from onboard.ocr import geometry
from onboard.ocr.backends import Backend, LineText, OcrTimeout

#: Digits lower than this (in the photo's own pixels) carry too little detail: measured
#: accuracy falls off a cliff below about 12–14 px, and a guess from such text is how a
#: wrong number comes to pass both checks. Ask for a sharper photo instead.
MIN_DIGIT_PX = 12.0
#: The height capitals are scaled to before reading (willus.org's measured sweet spot).
TARGET_CAP_PX = 30.0
#: How many candidate lines are read at most before giving up.
MAX_CANDIDATES = 4

HK_WHITELIST = "0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class TooSmall(Exception):
    """The text on the page is too small to read safely."""


@dataclass(frozen=True, slots=True)
class Crop:
    """A straightened line from the photo, ready to read, with its measured digit height."""

    image: Image.Image
    digit_px: float


@dataclass(frozen=True, slots=True)
class Page:
    """A photo prepared for locating lines: the ink channel at full size and the deskewed
    working-size mask with its line blobs."""

    ink: Image.Image
    factor: float  # full-size pixels per working pixel
    angle: float
    work_size: tuple[int, int]
    mask: geometry.Mask
    lines: list[geometry.Line]


def prepare(image: Image.Image, search: tuple[float, float] = (0.6, 1.0)) -> Page:
    """Binarise at working size, measure the skew, find the line blobs in the top-left
    ``search`` fraction (height, width) of the page, where the number is printed."""
    ink = geometry.ink_channel(image)
    factor = max(1.0, ink.width / geometry.WORK_WIDTH)
    size = (max(1, round(ink.width / factor)), max(1, round(ink.height / factor)))
    reduce_by = int(factor)
    small = ink.reduce(reduce_by) if reduce_by > 1 else ink
    small = small.resize(size, Image.Resampling.BILINEAR) if small.size != size else small
    grey = np.asarray(small, dtype=np.float32)
    mask = geometry.binarise(grey, radius=12)
    angle = geometry.skew_angle(mask)
    if abs(angle) > 0.05:
        rotated = Image.fromarray(mask).rotate(angle, resample=Image.Resampling.NEAREST)
        mask = np.asarray(rotated, dtype=bool)
    # A page is searched in its top part only; a strip (a crop of one line) whole.
    rows = size[1] if size[1] < 0.25 * size[0] else round(size[1] * search[0])
    region = mask[:rows, : round(size[0] * search[1])]
    height = geometry.text_height(region) or size[0] / 110
    smeared = geometry.smear(region, gap=max(4, round(0.9 * height)))
    lines = geometry.components(smeared)
    return Page(ink, factor, angle, size, mask, lines)


def _density(page: Page, line: geometry.Line) -> float:
    return float(page.mask[line.y0 : line.y1, line.x0 : line.x1].mean())


def code_line_candidates(page: Page) -> list[geometry.Line]:
    """Line blobs that could hold the code, best first.

    The code line is long and thin (label + 18 characters: about 17 times as wide as tall;
    9–14 for the code alone), as tall as the page's ordinary text lines (not the title, not
    the speckle of a carpet or the hairlines of the border), inked like text, and sits in the
    top half, left of the middle, as on every license since 2015. Blobs shaped most like the
    labelled code line and nearest the top left come first.
    """
    w, h = page.work_size
    heights = sorted(
        line.height for line in page.lines if line.width >= 4 * line.height and line.height >= 6
    )
    if not heights:
        return []
    typical = heights[len(heights) // 2]
    chosen = []
    for line in page.lines:
        aspect = line.width / max(1, line.height)
        if not 0.6 * typical <= line.height <= 2.0 * typical or not 7 <= aspect <= 40:
            continue
        if line.y0 > h * 0.55 or line.x0 > w * 0.55:
            continue
        if not 0.15 <= _density(page, line) <= 0.65:
            continue
        chosen.append(line)

    def score(line: geometry.Line) -> float:
        shape = abs(math.log(line.width / max(1, line.height) / 17.0))
        return shape + line.y0 / h + 0.5 * line.x0 / w

    return sorted(chosen, key=score)


def straighten(page: Page, line: geometry.Line, pad: float = 0.6) -> Image.Image:
    """The line's region of the full-size ink channel, rotated level, with a margin of
    ``pad`` line heights around it."""
    w, h = page.work_size
    cx, cy = w / 2, h / 2
    bx, by = (line.x0 + line.x1) / 2 - cx, (line.y0 + line.y1) / 2 - cy
    a = math.radians(page.angle)
    # Inverse of Image.rotate(angle): where the blob's centre was before deskewing.
    ox = cx + bx * math.cos(a) - by * math.sin(a)
    oy = cy + bx * math.sin(a) + by * math.cos(a)
    f = page.factor
    half_w = (line.width / 2 + pad * line.height) * f
    half_h = (line.height / 2 + pad * line.height) * f
    reach_w = half_w * abs(math.cos(a)) + half_h * abs(math.sin(a))
    reach_h = half_w * abs(math.sin(a)) + half_h * abs(math.cos(a))
    box = (
        round(ox * f - reach_w),
        round(oy * f - reach_h),
        round(ox * f + reach_w),
        round(oy * f + reach_h),
    )
    region = page.ink.crop(box)
    if abs(page.angle) > 0.05:
        region = region.rotate(
            page.angle, resample=Image.Resampling.BICUBIC, fillcolor=_paper(region)
        )
    mx, my = region.width / 2, region.height / 2
    return region.crop(
        (round(mx - half_w), round(my - half_h), round(mx + half_w), round(my + half_h))
    )


def _paper(region: Image.Image) -> int:
    values = np.asarray(region)
    return int(np.percentile(values, 90)) if values.size else 255


def otsu(values: np.ndarray) -> float:
    """Otsu's threshold of grey ``values``: the split that best separates ink from paper."""
    hist = np.bincount(np.clip(values, 0, 255).astype(np.int64).ravel(), minlength=256)
    total = hist.sum()
    if total == 0:
        return 128.0
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(hist)
    mean = np.cumsum(hist * levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean[-1] * weight - mean * total) ** 2 / (weight * (total - weight))
    return float(np.nanargmax(between))


def ink_mask(grey: np.ndarray, radius: int) -> geometry.Mask:
    """Ink of a line crop: darker than its neighbourhood *and* on the dark side of Otsu's
    threshold, so the faint guilloche and the shadow of an uneven light both drop out."""
    grey = grey.astype(np.float32)
    return geometry.binarise(grey, radius=radius, k=0.08) & (grey < otsu(grey))


#: Where the label ends, in digit heights from its start: eight full-width Hei glyphs at the
#: code's point size (副本: both 12 pt) or a little larger (正本: 17 pt label, 16 pt code), over
#: a Song digit height of 0.69 em.
LABEL_WIDTH_DIGITS = (9.5, 14.5)
#: A line shorter than this (in digit heights) is the code alone: 18 half-width characters
#: are about 13 digit heights wide, label and code together about 26.
LABELLED_MIN_DIGITS = 19.0


def _gaps(inked: np.ndarray) -> list[tuple[int, int]]:
    """Runs of columns without ink, as (start, end) with exclusive end."""
    padded = np.concatenate(([1], inked.astype(np.int8), [1]))
    edges = np.diff(padded)
    return list(
        zip(np.flatnonzero(edges == -1).tolist(), np.flatnonzero(edges == 1).tolist(), strict=True)
    )


def _label_end(mask: geometry.Mask, top: int, bottom: int, left: int, right: int) -> int | None:
    """The first column of the gap between the label and the code, or ``None``.

    Found as the widest gap where the label must end (given the digit height), and failing
    that as the first gap after the last column of the line's left half whose ink leaves the
    digits' band (the label's Hei glyphs rise above and sink below the Song digits).
    """
    digit_px = bottom - top
    if right - left < LABELLED_MIN_DIGITS * digit_px:
        return None
    inked = np.asarray(mask[top:bottom].any(axis=0), dtype=bool)
    low, high = (left + f * digit_px for f in LABEL_WIDTH_DIGITS)
    wide = [
        (end - start, start)
        for start, end in _gaps(inked)
        if low <= start <= high and end - start >= 0.25 * digit_px and start > left
    ]
    if wide:
        return max(wide)[1]
    slack = max(1, round(0.12 * digit_px))
    outside = np.asarray(
        mask[: max(0, top - slack)].any(axis=0) | mask[bottom + slack :].any(axis=0), dtype=bool
    )
    tall = np.flatnonzero(outside[: left + (right - left) * 55 // 100])
    if not len(tall):
        return None
    last = int(tall[-1])
    after = [start for start, _ in _gaps(inked) if start > last]
    return after[0] if after else None


def split_label(region: Image.Image) -> tuple[Image.Image, float]:
    """Cut the label 统一社会信用代码 off the front of the line and measure the digits.

    Returns the code part cut to the digits' band with a margin, and the digit height in the
    photo's pixels (0 when the crop holds no ink); a line without a label comes back whole.
    The digit height is measured on the last third of the line, which is always code.
    """
    grey = np.asarray(region, dtype=np.float32)
    mask = ink_mask(grey, radius=max(4, grey.shape[0] // 2))
    cols = np.flatnonzero(mask.any(axis=0))
    if len(cols) == 0:
        return region, 0.0
    left, right = int(cols[0]), int(cols[-1]) + 1
    band = geometry.ink_rows(mask[:, left + (right - left) * 2 // 3 : right])
    if band is None:
        return region, 0.0
    top, bottom = band
    digit_px = float(bottom - top)
    start = left
    gap = _label_end(mask, top, bottom, left, right)
    if gap is not None:
        inked = mask[top:bottom, gap:].any(axis=0)
        first = gap + int(np.argmax(inked)) if inked.any() else gap
        start = max(gap, first - round(0.4 * digit_px))
    else:
        start = max(0, left - round(0.4 * digit_px))
    margin = round(0.45 * digit_px)
    box = (start, max(0, top - margin), min(region.width, right + margin), bottom + margin)
    return region.crop(box), digit_px


NORMALISE_MODE = "grey"


def normalise(region: Image.Image, digit_px: float) -> Image.Image:
    """Scale so capitals are ~30 px, stretch paper to white and ink to black, and add the
    white border Tesseract wants around a tight crop."""
    scale = TARGET_CAP_PX / max(1.0, digit_px)
    size = (max(1, round(region.width * scale)), max(1, round(region.height * scale)))
    scaled = region.resize(size, Image.Resampling.BICUBIC)
    grey = np.asarray(scaled, dtype=np.float32)
    background = geometry.box_mean(grey, round(TARGET_CAP_PX))
    flat = np.clip(grey / np.maximum(background, 1.0), 0.0, 1.2)
    if NORMALISE_MODE == "grey":
        ink = flat[flat < 0.9]
        paper = float(np.percentile(flat, 75))
        dark = float(np.percentile(ink, 10)) if ink.size else 0.0
        out = np.clip((flat - dark) / max(1e-3, paper - dark), 0.0, 1.0) * 255
    else:
        threshold = otsu(flat * 200)
        out = np.where(flat * 200 < threshold, 0, 255)
    image = Image.fromarray(out.astype(np.uint8))
    return ImageOps.expand(image, border=12, fill=255)


#: The fallback whitelist: every digit and capital. With the code's own 31 characters a
#: glyph whose best guesses lie outside them (a 5 that looks like an S) can drop out of the
#: line entirely; reading with S, O, I, Z, V allowed keeps it, and the repair maps it back.
FALLBACK_WHITELIST = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _read_uscc_line(
    backend: Backend, image: Image.Image, deadline: float
) -> tuple[LicenseReading, LineText]:
    """Read one normalised line until a reading repairs to a valid code: as a text line with
    the code's alphabet; then as a raw line (psm 13, no layout analysis, which keeps a first
    character that the line finder merged away); then with every capital allowed. Each pass
    costs one Tesseract call, so a clean photo costs one."""
    first: tuple[LicenseReading, LineText] | None = None
    for whitelist, psm in ((USCC_ALPHABET, 7), (USCC_ALPHABET, 13), (FALLBACK_WHITELIST, 7)):
        line = backend.read_line(image, whitelist, _remaining(deadline), psm=psm)
        reading = _repair_line(line)
        if reading.status in ("ok", "corrected"):
            return reading, line
        if first is None:
            first = (reading, line)
    assert first is not None
    return first


def _repair_line(line: LineText) -> LicenseReading:
    text = line.text.replace(" ", "")
    confidences, alternatives = line.confidences, line.alternatives
    if len(text) > 18:  # leftovers of the label in front, or a speck behind
        start = _best_window(text)
        text = text[start : start + 18]
        if confidences is not None and alternatives is not None:
            confidences = confidences[start : start + 18]
            alternatives = alternatives[start : start + 18]
    return repair_uscc(text, confidences=confidences, alternatives=alternatives)


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OcrTimeout("time limit reached")
    return remaining


def _best_window(text: str) -> int:
    """Start of the 18-character window most likely to be the code (one that is valid after
    repair if any, else the last one: the label stands in front of the code)."""
    for start in range(len(text) - 17, -1, -1):
        if repair_uscc(text[start : start + 18]).status in ("ok", "corrected"):
            return start
    return len(text) - 18


def _candidates(page: Page) -> Iterator[Crop]:
    for line in code_line_candidates(page)[:MAX_CANDIDATES]:
        region = straighten(page, line)
        code, digit_px = split_label(region)
        if digit_px <= 0:
            continue
        yield Crop(code, digit_px)


def read_uscc(image: Image.Image, backend: Backend, deadline: float) -> LicenseReading:
    """The best reading of the credit code on ``image`` before ``deadline`` (monotonic)."""
    page = prepare(image)
    best: LicenseReading | None = None
    too_small = False
    for crop in _candidates(page):
        if crop.digit_px < MIN_DIGIT_PX:
            too_small = True
            continue
        reading, line = _read_uscc_line(backend, normalise(crop.image, crop.digit_px), deadline)
        reading = _with_confidence(reading, line)
        if reading.status in ("ok", "corrected"):
            return reading
        if reading.status == "ambiguous" and len(reading.raw.replace(" ", "")) >= 17:
            best = best or reading
    if best is not None:
        return best
    if too_small:
        raise TooSmall("the text is too small to read; send a sharper or closer photo")
    return LicenseReading(status="unreadable", license_number=None, valid=False, raw="")


def _with_confidence(reading: LicenseReading, line: LineText) -> LicenseReading:
    confidence = line.confidence
    if reading.status == "corrected":
        confidence *= 0.9
    elif reading.status != "ok":
        confidence = min(confidence, 0.5)
    return replace(reading, confidence=round(max(0.0, min(1.0, confidence)), 3))


def read_hk_br(image: Image.Image, backend: Backend, deadline: float) -> LicenseReading:
    """The BR number from a Business Registration Certificate: the certificate number
    ``99999999-999-99-99-X`` on one of the top lines, whose first 8 digits it is."""
    page = prepare(image, search=(0.5, 1.0))
    h = page.work_size[1]
    lines = sorted(
        (
            line
            for line in page.lines
            if 5 <= line.height <= h * 0.05 and line.width >= 4 * line.height and line.y0 < h * 0.5
        ),
        key=lambda line: line.y0,
    )
    pattern = re.compile(r"(\d{8})-?\d{3}-?\d{2}-?\d{2}-?[0-9A-Z]")
    for line in lines[:10]:
        region = straighten(page, line)
        grey = np.asarray(region, dtype=np.float32)
        band = geometry.ink_rows(ink_mask(grey, radius=max(4, grey.shape[0] // 2)))
        if band is None:
            continue
        digit_px = float(band[1] - band[0])
        if digit_px < MIN_DIGIT_PX:
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OcrTimeout("time limit reached")
        text = backend.read_line(normalise(region, digit_px), HK_WHITELIST, remaining)
        match = pattern.search(text.text.replace(" ", ""))
        if match:
            reading = repair_hk_br(match.group(0))
            return _with_confidence(reading, text)
    return LicenseReading(
        status="unreadable", license_number=None, valid=False, raw="", scheme="hk_br"
    )
