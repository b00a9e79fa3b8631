"""Reading the credit code off a license photo: locate, crop, normalise, read, repair.

The slow way (Chinese recognition over the whole page, then a regular expression) takes
seconds and misreads the Song-face digits. Here the page's text lines are found with numpy
(:mod:`onboard.ocr.geometry`), the few that sit where the code line sits (top left, long and
thin, the label 统一社会信用代码 in front of the code) are cut out of the full-resolution
photo, straightened, scaled so capitals are about 30 px high (Tesseract's sweet spot),
binarised, and read as one line with the code's 31-character whitelist. The label is cut
off geometrically: its eight square glyphs are taller than the digits. Each reading goes
through :func:`onboard.eligibility.lookalikes.repair_uscc`, and the first candidate line
that gives a valid business code wins. A line that reads about 18 characters without
settling gets a few second looks (thinned, smaller, sharpened, larger: :data:`RETRIES`),
and a code from any pass but the first must be confirmed by another reading of the same
line, so that extra passes add right answers and not lucky wrong ones. The second pass, when
PaddleOCR's recognition network is installed (:mod:`onboard.ocr.chinese`), reads the whole
line, label included, with another engine whose misreads come with low probabilities: its
code stands alone only when read clean and sure (:func:`sure_as_read`). A page on which no
line settles gets one more look with only near-black print as ink (a grey copy mark).

A photo may come turned: the turn tried first is the one that puts the license's QR block
top right (:func:`license_turn_order`), and every turn tried shares the one working-size ink
mask of the photo (:class:`Photo`), turned, while lines are cut out of the photo as stored
and turned alone (:meth:`Page.crop`).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from onboard.eligibility.identifiers import USCC_ALPHABET
from onboard.eligibility.lookalikes import CONFIDENT, clean_reading, repair_hk_br, repair_uscc
from onboard.eligibility.model import LicenseReading
from onboard.ocr import geometry
from onboard.ocr.backends import Backend, LineText, OcrTimeout
from onboard.ocr.chinese import get_recognizer

#: Digits lower than this (in the photo's own pixels) carry too little detail: measured
#: accuracy falls off a cliff below about 12–14 px, and a guess from such text is how a
#: wrong number comes to pass both checks. Ask for a sharper photo instead, unless two
#: recognisers agree on every character (:func:`_small_print`, from
#: :data:`MIN_SMALL_DIGIT_PX`).
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
    #: The whole line, label included, as straightened (for PaddleOCR's recogniser, which
    #: reads the label too and so needs no cut, which a shadow's edge can misplace).
    whole: Image.Image | None = None


#: Clockwise turns of the photo, and the Pillow transposition that makes each.
TURNS = {
    0: None,
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def turn_array(array: np.ndarray, turn: int) -> np.ndarray:
    """``array`` (rows first, as an image's) turned clockwise by ``turn`` degrees, as
    ``Image.transpose(TURNS[turn])`` turns an image."""
    return np.rot90(array, -(turn // 90)) if turn else array


def stored_box(
    box: tuple[int, int, int, int], turn: int, size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """The box of a photo stored ``size`` (width, height) that, transposed by ``TURNS[turn]``,
    is ``box`` of the photo turned clockwise by ``turn`` degrees."""
    x0, y0, x1, y1 = box
    w, h = size
    if turn == 90:  # ROTATE_270: turned (x, y) is stored (y, h - 1 - x)
        return (y0, h - x1, y1, h - x0)
    if turn == 180:
        return (w - x1, h - y1, w - x0, h - y0)
    if turn == 270:  # ROTATE_90: turned (x, y) is stored (w - 1 - y, x)
        return (w - y1, x0, w - y0, x1)
    return box


class Photo:
    """A photo as decoded, with its ink channel at the working size and that channel's ink
    mask: what every turn of the photo that is tried shares (:func:`prepare`). The ink of the
    full-size photo is taken only where a line is cut out (:meth:`Page.crop`): reducing the
    colour photo first and taking its ink at the working size costs a third of taking the
    ink of every pixel and reducing that."""

    def __init__(self, image: Image.Image, across: int | None = None) -> None:
        """``across``: the extent of ``image`` (px) that the working size brings to
        :data:`~onboard.ocr.geometry.WORK_WIDTH` (its width by default)."""
        self.image = image
        self.factor = max(1.0, (across or image.width) / geometry.WORK_WIDTH)
        size = (
            max(1, round(image.width / self.factor)),
            max(1, round(image.height / self.factor)),
        )
        self.reduce_by = int(self.factor)
        small = image.reduce(self.reduce_by) if self.reduce_by > 1 else image
        small = geometry.ink_channel(small)
        self.small = small.resize(size, Image.Resampling.BILINEAR) if small.size != size else small
        self.mask = geometry.binarise_image(self.small, radius=12)
        self._darkest: Image.Image | None = None

    def darkest(self) -> Image.Image:
        """The working-size image whose every pixel is the darkest full-size ink pixel it
        stands for (see :func:`prepare`'s ``dark``), as stored."""
        if self._darkest is None:
            if self.reduce_by > 1:
                ink = geometry.ink_channel(self.image)
                self._darkest = geometry.darkest_reduce(ink, self.reduce_by, self.small.size)
            else:
                self._darkest = self.small
        return self._darkest


@dataclass(frozen=True, slots=True)
class Page:
    """A photo turned upright, prepared for locating lines: the deskewed working-size mask
    with its line blobs, and the photo's full size for cutting lines out (:meth:`crop`)."""

    photo: Photo
    factor: float  # full-size pixels per working pixel
    angle: float
    work_size: tuple[int, int]
    mask: geometry.Mask
    lines: list[geometry.Line]
    #: Whether only near-black print was taken as ink (:func:`prepare`'s ``dark``).
    dark: bool = False
    #: How far (degrees clockwise) the photo as stored was turned to make the page upright.
    turn: int = 0

    def crop(self, box: tuple[int, int, int, int]) -> Image.Image:
        """The ink channel of ``box`` of the full-size photo turned upright (black outside
        the photo), cut out of the photo as stored and turned alone: turning the whole photo
        costs more than reading a line."""
        size = self.photo.image.size
        region = self.photo.image.crop(stored_box(box, self.turn, size))
        transpose = TURNS[self.turn]
        if transpose is not None:
            region = region.transpose(transpose)
        return geometry.ink_channel(region)


#: Digits this sharp (steepest edge over ink contrast, per pixel: :func:`edge_sharpness`)
#: are a screen capture or a scan, not a blurred photo: they can be read from
#: :data:`MIN_SHARP_DIGIT_PX` up, where a blurred photo's need :data:`MIN_DIGIT_PX`.
SHARP_EDGES = 0.45
MIN_SHARP_DIGIT_PX = 9.0


def edge_sharpness(region: Image.Image) -> float:
    """How sharp the print of a line crop is: the steepest horizontal step between
    neighbouring pixels (98th percentile) over the contrast between ink and paper. A crisp
    edge crosses from ink to paper in one or two pixels (0.5–1.0); a photo blurred by a
    pixel or more takes three or four (0.2–0.35)."""
    grey = np.asarray(region, dtype=np.float32)
    if grey.shape[1] < 3:
        return 0.0
    contrast = float(np.percentile(grey, 95) - np.percentile(grey, 3))
    if contrast < 20:
        return 0.0
    steps = np.abs(np.diff(grey, axis=1))
    return float(np.percentile(steps, 98)) / contrast


def min_digit_px(crop: Crop) -> float:
    """The smallest digit height read on ``crop`` (see :data:`SHARP_EDGES`)."""
    sharp = edge_sharpness(crop.image) >= SHARP_EDGES
    return MIN_SHARP_DIGIT_PX if sharp else MIN_DIGIT_PX


#: See :func:`prepare`: print's darkest pixels are under this share of the paper's grey
#: in a sharp photo; a grey copy mark's are at 0.65–0.85.
DARK_SHARE = 0.7
#: The same at full size, in a line's crop, where print is sharper and so darker.
DARK_CROP_SHARE = 0.55


def prepare(
    image: Image.Image | Photo,
    search: tuple[float, float] = (0.6, 1.0),
    *,
    dark: bool = False,
    turn: int = 0,
) -> Page:
    """Binarise at working size, measure the skew, find the line blobs in the top-left
    ``search`` fraction (height, width) of the page, where the number is printed. ``image``
    is a photo (or its :class:`Photo`), turned clockwise by ``turn`` degrees first. With
    ``dark``, only near-black print counts as ink (a second look at a page where a grey
    copy mark merged with the code line; blurred print fails it, so it is not the first)."""
    photo = image if isinstance(image, Photo) else Photo(image)
    small = turn_array(np.asarray(photo.small), turn)
    mask = turn_array(photo.mask, turn)
    size = (small.shape[1], small.shape[0])
    if dark:
        # Print is near black at its darkest; a grey copy mark stamped across the license
        # is not, however much darker than the paper it is: a working pixel is ink only
        # where the darkest full-size pixel it stands for is under DARK_SHARE of the paper.
        darkest = turn_array(np.asarray(photo.darkest(), dtype=np.float32), turn)
        paper = np.asarray(Image.fromarray(small).filter(ImageFilter.BoxBlur(12)), np.float32)
        mask = mask & (darkest < DARK_SHARE * paper)
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
    return Page(photo, photo.factor, angle, size, mask, lines, dark, turn)


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
    # Blobs taller than an eighth of a page are not text lines but the border around a crop
    # of the page's top part (or a shadow's edge): they must not set the text height. (A
    # strip, a crop of the one line, is all line.)
    tallest = h if w >= 4 * h else h / 8
    heights = sorted(
        line.height
        for line in page.lines
        if line.width >= 4 * line.height and 6 <= line.height <= tallest
    )
    if not heights:
        return []
    typical = heights[len(heights) // 2]
    chosen = []
    for line in page.lines + _joined(page.lines, typical, h):
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


def _joined(lines: list[geometry.Line], typical: int, page_height: int) -> list[geometry.Line]:
    """Blobs of one text line that the smear left apart, joined: thin glyphs (the 1s of a
    Song or Noto Serif ``9111…`` once blurred) can fade out of the working-size mask and cut
    the code line in two, neither half of which reads as a code. Blobs of text height whose
    rows overlap and whose gap is at most a few characters are chained left to right; only
    the chains (two blobs or more) are returned, as extra candidates."""
    pieces = sorted(
        (
            line
            for line in lines
            if 0.6 * typical <= line.height <= 2.0 * typical and line.y0 <= 0.6 * page_height
        ),
        key=lambda line: line.x0,
    )
    joined: list[geometry.Line] = []
    used: set[int] = set()
    for i, start in enumerate(pieces):
        if i in used:
            continue
        chain = start
        count = 1
        for j in range(i + 1, len(pieces)):
            other = pieces[j]
            if j in used or other.x0 < chain.x1:
                continue
            overlap = min(chain.y1, other.y1) - max(chain.y0, other.y0)
            if other.x0 - chain.x1 > JOIN_GAP * typical:
                break
            if overlap >= 0.6 * min(chain.height, other.height):
                chain = geometry.Line(
                    chain.x0, min(chain.y0, other.y0), other.x1, max(chain.y1, other.y1)
                )
                used.add(j)
                count += 1
        if count > 1:
            joined.append(chain)
    return joined


#: The widest gap (in typical line heights) between two blobs still taken as one line: about
#: three faded characters.
JOIN_GAP = 3.5


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
    region = page.crop(box)
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


def ink_height(region: Image.Image, fraction: float = 0.25) -> float | None:
    """The height (px) of the characters of a cut line: its band of rows holding most of the
    ink (:func:`geometry.ink_rows`), or ``None`` when it holds no ink."""
    grey = np.asarray(region, dtype=np.float32)
    if grey.size == 0:
        return None
    band = geometry.ink_rows(ink_mask(grey, radius=max(4, grey.shape[0] // 2)), fraction)
    return None if band is None else float(band[1] - band[0])


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


def split_label(region: Image.Image, *, dark: bool = False) -> tuple[Image.Image, float]:
    """Cut the label 统一社会信用代码 off the front of the line and measure the digits.

    Returns the code part cut to the digits' band with a margin, and the digit height in the
    photo's pixels (0 when the crop holds no ink); a line without a label comes back whole.
    The digit height is measured on the last third of the line, which is always code.
    """
    grey = np.asarray(region, dtype=np.float32)
    mask = ink_mask(grey, radius=max(4, grey.shape[0] // 2))
    if dark:  # a grey copy mark's strokes are not the digits' (see :func:`prepare`)
        mask &= grey < DARK_CROP_SHARE * float(np.percentile(grey, 90))
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
    if dark:
        region = without_grey(region)
    return region.crop(box), digit_px


#: See :func:`without_grey`: what is lighter than this share of the paper's grey is not print.
#: A grey copy mark's strokes are at 0.65–0.85 of the paper in a line's crop, print's core
#: under 0.55; its blurred edges reach further, and cutting them at 0.55 lost glyphs (a 4
#: read as A, an 8 dropped) on the tuning photos, where 0.65 kept them.
GREY_CUT_SHARE = 0.65


def without_grey(region: Image.Image) -> Image.Image:
    """``region`` with everything lighter than :data:`GREY_CUT_SHARE` of its paper made
    paper: the strokes of a grey copy mark crossing the code line, which the ink mask leaves
    out in a second look (``dark``) but which otherwise stay in the crop and turn a 9 into a 0
    where they cross it."""
    grey = np.asarray(region, dtype=np.float32)
    paper = float(np.percentile(grey, 90))
    cleaned = np.where(grey < GREY_CUT_SHARE * paper, grey, paper)
    return Image.fromarray(cleaned.astype(np.uint8))


def normalise(
    region: Image.Image,
    digit_px: float,
    *,
    target: float = TARGET_CAP_PX,
    sharpen: bool = False,
    thin: bool = False,
) -> Image.Image:
    """Scale so capitals are ``target`` px (~30), stretch paper to white and ink to black,
    and add the white border Tesseract wants around a tight crop.

    The variants are for a second look at a line the first reading did not settle (see
    :data:`RETRIES`): ``sharpen`` undoes some of the blur first, ``thin`` erodes the ink by a
    pixel afterwards (blurred Song strokes bleed into each other, 3 into 8 and M into N).
    The ink stays grey, never thresholded: a hard threshold of a blurred line made readings
    that passed both checks and were wrong, which grey ones did not.
    """
    if sharpen:
        region = region.filter(
            ImageFilter.UnsharpMask(radius=max(1.0, digit_px / 10), percent=150, threshold=0)
        )
    scale = target / max(1.0, digit_px)
    size = (max(1, round(region.width * scale)), max(1, round(region.height * scale)))
    scaled = region.resize(size, Image.Resampling.BICUBIC)
    grey = np.asarray(scaled, dtype=np.float32)
    background = geometry.box_mean(grey, round(target))
    flat = np.clip(grey / np.maximum(background, 1.0), 0.0, 1.2)
    ink = flat[flat < 0.9]
    paper = float(np.percentile(flat, 75))
    dark = float(np.percentile(ink, 10)) if ink.size else 0.0
    out = np.clip((flat - dark) / max(1e-3, paper - dark), 0.0, 1.0) * 255
    image = Image.fromarray(out.astype(np.uint8))
    if thin:
        image = image.filter(ImageFilter.MaxFilter(3))
    return ImageOps.expand(image, border=12, fill=255)


@dataclass(frozen=True, slots=True)
class Retry:
    """One more look at an unsettled line: how to prepare it (see :func:`normalise`)."""

    name: str
    target: float = TARGET_CAP_PX
    sharpen: bool = False
    thin: bool = False


#: The second looks, in order, each one Tesseract call with the code's alphabet, taken only
#: for a line whose first readings had about the code's length and did not settle into a
#: valid code. Chosen on the hard benchmark photos (digits 14–18 px, blurred, JPEG 30–50)
#: among 14 preparations (other scales, Otsu and shifted thresholds, dilation, erosion,
#: sharpening, wider borders) and checked on 100 held-out hard photos: these recovered the
#: most lines; a thresholded crop gave wrong valid codes (3 of its 200 valid readings), so
#: none is used.
RETRIES = (
    Retry("thin", thin=True),
    Retry("smaller", target=24.0),
    Retry("sharpened", sharpen=True),
    Retry("larger", target=36.0),
)
#: A line is looked at again only when a first reading had this many characters (the code's
#: 18, one dropped or two gained): a longer line is another number on the page, a shorter
#: one is not the code line at all, and extra readings of either only cost time.
RETRY_LENGTHS = range(16, 20)
#: How many lines get the second looks at most.
RETRY_LINES = 2


#: The fallback whitelist: every digit and capital. With the code's own 31 characters a
#: glyph whose best guesses lie outside them (a 5 that looks like an S) can drop out of the
#: line entirely; reading with S, O, I, Z, V allowed keeps it, and the repair maps it back.
FALLBACK_WHITELIST = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(slots=True)
class _Evidence:
    """Everything read so far off one candidate line: the texts of its readings, and the
    readings that gave a valid business code (with the index of the text they came from)."""

    crop: Crop
    line: geometry.Line | None = None
    texts: list[str] = field(default_factory=list)
    found: list[tuple[LicenseReading, int]] = field(default_factory=list)
    #: Whether the line was left after one reading that was no code (PaddleOCR's reading
    #: is then taken only if no line of the page settles).
    paddle_later: bool = False
    #: Whether PaddleOCR's reading showed another field's label in front of the line's
    #: number (:func:`another_label`): the line is then not the code line, however much
    #: its digits look like a code.
    other_label: bool = False

    @property
    def code_like(self) -> bool:
        """Whether a reading had about the code's length (:data:`RETRY_LENGTHS`) and looked
        like a code (:func:`plausible_code`)."""
        return any(
            len(clean_reading(text)) in RETRY_LENGTHS and plausible_code(text)
            for text in self.texts
        )

    def add(self, line: LineText, *, trusted: bool) -> tuple[LicenseReading | None, LicenseReading]:
        """Record one more reading. Returns the code to accept, if any (this reading's when
        ``trusted`` and valid, else one from any reading of the line that the readings now
        confirm), and this reading as repaired."""
        reading = judge_line(line)
        self.texts.append(line.text)
        if _business(reading):
            if trusted:
                return reading, reading
            self.found.append((reading, len(self.texts) - 1))
        for candidate, source in self.found:
            if self.confirmed(candidate.license_number or "", source):
                return candidate, reading
        return None, reading

    def confirmed(self, code: str, source: int) -> bool:
        """Whether another reading of the line is within :data:`CONFIRM_DISTANCE` edits of
        ``code`` (look-alikes outside the alphabet mapped first, label leftovers ignored)."""
        return any(
            _distance(code, text) <= CONFIRM_DISTANCE
            for index, text in enumerate(self.texts)
            if index != source
        )


#: Characters that are, or look like, digits: characters 1–8 of a code are digits, and
#: print turned upside down or sideways reads as capitals (``WFREQGGMEENRHTARN``).
_DIGIT_LIKE = frozenset("0123456789SOIZBDQGL")


def _worth_more(text: str) -> bool:
    """Whether a first reading is code enough to spend the other passes on: at least 12
    characters, looking like a code (:func:`plausible_code`)."""
    return len(clean_reading(text)) >= 12 and plausible_code(text)


def plausible_code(text: str) -> bool:
    """Whether a reading looks like a credit code at all: at least 6 of the first 8
    characters of its last 18 digits or look-alikes of digits. Text read off a license held
    the wrong way up fails this; a code with a slip or two passes."""
    cleaned = clean_reading(text)
    head = cleaned[-18:][:8] if len(cleaned) >= 18 else cleaned[:8]
    return sum(char in _DIGIT_LIKE for char in head) >= 6


#: How far another reading of the same line may be from a code read by a second or later
#: pass for that code to be believed. A later pass sees the same blurred glyphs differently
#: and, now and then, in a way that passes both checks by chance (2 wrong codes among 100
#: held-out hard photos, e.g. 934403088291916118 for 93440306829191611B, three characters
#: off the first reading); a right code is almost always one slip from another reading.
CONFIRM_DISTANCE = 1
_TO_ALPHABET = str.maketrans("SOIZV", "5012U")


def _distance(code: str, text: str) -> int:
    """Edits between ``code`` and the best-matching stretch of the reading ``text`` (edit
    distance with the ends of ``text`` free, so label leftovers or a trailing speck cost
    nothing)."""
    text = clean_reading(text).translate(_TO_ALPHABET)
    previous = [0] * (len(text) + 1)
    for i, char in enumerate(code, start=1):
        current = [i] + [0] * len(text)
        for j, other in enumerate(text, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
        previous = current
    return min(previous)


def _read_uscc_line(backend: Backend, evidence: _Evidence, deadline: float) -> LicenseReading:
    """Read one line until it gives a valid code: as a text line with the code's alphabet;
    then with PaddleOCR's recogniser (the whole line, label included, when installed); then
    as a raw line (psm 13, no layout analysis, which keeps a first character that the line
    finder merged away); then with every capital allowed. Each pass costs one call, so a
    clean photo costs one. The first pass's valid code is taken as it is, PaddleOCR's when
    it is sure of it (:func:`sure_as_read`), any other only when another reading confirms
    it (:meth:`_Evidence.confirmed`)."""
    crop = evidence.crop
    image = normalise(crop.image, crop.digit_px)
    first: LicenseReading | None = None
    passes: tuple[tuple[str, int] | None, ...] = (
        (USCC_ALPHABET, 7),
        None,  # PaddleOCR's recogniser, when installed
        (USCC_ALPHABET, 13),
        (FALLBACK_WHITELIST, 7),
    )
    for spec in passes:
        if spec is None:
            looked = paddle_look(evidence, deadline)
            if looked is None:
                continue
            accepted, reading = looked
            if evidence.other_label:
                return reading  # another number of the license (证照编号): no more passes
        else:
            whitelist, psm = spec
            line = backend.read_line(image, whitelist, _remaining(deadline), psm=psm)
            accepted, reading = evidence.add(line, trusted=first is None)
        if accepted is not None:
            return accepted
        if _business(reading):  # valid but unconfirmed: not a reading to report as such
            reading = _unconfirmed(reading)
        if first is None and not _worth_more(line.text):
            # Not a code line (or a page the wrong way up): no more passes now; only
            # PaddleOCR's, when no line of the page settles (:func:`read_uscc_upright`).
            evidence.paddle_later = True
            return reading
        first = first or reading
    assert first is not None
    return first


def paddle_look(
    evidence: _Evidence, deadline: float
) -> tuple[LicenseReading | None, LicenseReading] | None:
    """PaddleOCR's reading of the whole line, label included (a shadow's edge can misplace
    the cut before the code), added to the line's evidence (see :meth:`_Evidence.add`);
    ``None`` when the recogniser is not installed."""
    recognizer = get_recognizer()
    if recognizer is None:
        return None
    _remaining(deadline)
    crop = evidence.crop
    whole = recognizer.read_line(crop.whole or crop.image)
    line = after_label(whole)
    evidence.other_label = evidence.other_label or another_label(whole, line)
    return evidence.add(line, trusted=sure_as_read(line) and not evidence.other_label)


#: The characters of the code's label (统一社会信用代码).
_CODE_LABEL = frozenset("统一社会信用代码")


def another_label(whole: LineText, after: LineText) -> bool:
    """Whether a reading of a whole line (``whole``; ``after`` is what follows its label)
    shows another label in front of the number: at least two Chinese characters read
    surely, and none, sure or not, of the code label's (the license's serial number,
    证照编号, is printed in the same face under the code, and its 20 digits hold
    18-character windows that look like a code). The code's label, even misread, keeps some
    of its eight characters."""
    text = whole.text.replace(" ", "")
    label = [
        (char, value)
        for char, value in zip(
            text[: len(text) - len(after.text)], whole.confidences or (), strict=False
        )
        if ord(char) > 0x2E7F and char not in "：:"
    ]
    sure = sum(value >= SURE for _, value in label)
    return sure >= 2 and not any(char in _CODE_LABEL for char, _ in label)


def after_label(line: LineText) -> LineText:
    """What follows the last Chinese character of a reading (the label 统一社会信用代码 in
    front of the code), with its confidences."""
    text = line.text.replace(" ", "")
    cut = max((i + 1 for i, char in enumerate(text) if ord(char) > 0x2E7F), default=0)
    if cut == 0 or line.confidences is None or len(line.confidences) != len(text):
        return line
    confidences = line.confidences[cut:]
    return LineText(
        text[cut:], min(confidences, default=0.0), confidences, ((),) * len(confidences)
    )


#: Every character of a reading of the other recogniser (PaddleOCR's) must be this sure
#: for its code to be believed without another reading confirming it.
SURE = 0.97


def sure_as_read(line: LineText) -> bool:
    """Whether a reading of PaddleOCR's recogniser may stand on its own: exactly 18
    characters (nothing of the label or another line in it), all but at most
    :data:`OK_DOUBTS` read with :data:`SURE` (one doubtful character is the one error the
    mod-31 check always catches, as for Tesseract's first reading), and a code that passes
    both checks as read (no repair: a repaired reading needs another reading to confirm it,
    like Tesseract's later passes).

    Its misreads come with low probabilities: on the hard tuning photos the one code it got
    wrong had two characters under 0.9, while its right codes had every character, or all
    but one, at 0.97 or more."""
    text = clean_reading(line.text)
    if len(text) != 18 or line.confidences is None or len(line.confidences) != 18:
        return False
    if sum(value < SURE for value in line.confidences) > OK_DOUBTS:
        return False
    reading = repair_uscc(text)
    return reading.status == "ok" and reading.license_number == text


def _unconfirmed(reading: LicenseReading) -> LicenseReading:
    """A valid code the evidence does not back enough to report: offered to a person as the
    one candidate, never as the number."""
    return replace(
        reading,
        status="ambiguous",
        license_number=None,
        valid=False,
        corrections=(),
        candidates=(reading.license_number or "",),
        confidence=min(reading.confidence, 0.5),
    )


def _business(reading: LicenseReading) -> bool:
    """A valid code issued by market regulation (9) to an enterprise, an individual business
    or a cooperative (1, 2, 3): what a business license carries. Another valid code on the
    photo is most likely an 18-character window of a longer number (the license's serial
    number, 证照编号) that happens to pass both checks."""
    number = reading.license_number or ""
    return reading.status in ("ok", "corrected") and number[:2] in ("91", "92", "93")


def judge_line(line: LineText) -> LicenseReading:
    """One reading of a code line, repaired (:func:`repair_uscc`) and then held to what the
    rest of the line deserves (:func:`trusted`), with its confidence. Every reading of a
    code line passes through here, whichever pass made it."""
    text = line.text.replace(" ", "")
    confidences, alternatives = line.confidences, line.alternatives
    if len(text) > 18:  # leftovers of the label in front, or a speck behind
        start = _best_window(text)
        text = text[start : start + 18]
        if confidences is not None and alternatives is not None:
            confidences = confidences[start : start + 18]
            alternatives = alternatives[start : start + 18]
    reading = repair_uscc(text, confidences=confidences, alternatives=alternatives)
    if reading.status in ("ok", "corrected") and not trusted(reading, text, confidences):
        reading = _unconfirmed(reading)
    return _with_confidence(reading, line)


#: A character read below this confidence is doubtful (the repair's own threshold).
DOUBTFUL = CONFIDENT
#: At most this many doubtful characters in a line that is valid as read or after forced
#: fixes: two doubtful characters both misread pass both check characters by chance about
#: once in 341 lines, which is not rare enough to report a number unseen.
OK_DOUBTS = 1


def _substituted(reading: LicenseReading) -> set[int]:
    """0-based positions the repair changed although the character read could stand there
    (a look-alike substitution, not a forced fix of a character outside the alphabet)."""
    out = set()
    for fix in reading.corrections:
        index = fix.position - 1
        allowed = "123456789ANY" if index == 0 else "0123456789" if index < 8 else USCC_ALPHABET
        if fix.read in allowed:
            out.add(index)
    return out


def trusted(reading: LicenseReading, text: str, confidences: tuple[float, ...] | None) -> bool:
    """Whether a valid reading may be reported ``ok``/``corrected``, given how confidently
    the rest of its line was read (issue 19: a raw read with two misreads that are not
    look-alikes, 6→0 and 5→9, plus one look-alike "repair", 4→6, passed both checks and
    was reported ``corrected``).

    Two check characters catch one error reliably, not two. So a substitution is believed
    only when every other character was read with confidence (it is then the one error the
    checks are catching), and a reading valid as read or after forced fixes (O→0, S→5…)
    only with at most :data:`OK_DOUBTS` doubtful character. Without per-character
    confidences (pytesseract) the repair's own
    limits stand."""
    if confidences is None or len(confidences) != 18 or len(clean_reading(text)) != 18:
        return True
    changed = {fix.position - 1 for fix in reading.corrections}
    doubtful = {index for index, value in enumerate(confidences) if value < DOUBTFUL}
    substituted = _substituted(reading)
    if substituted:
        return not (doubtful - substituted) and len(changed) <= 2
    return len(doubtful) <= OK_DOUBTS


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


#: Where the label's eight glyphs end, in heights of its blob from its start.
LABEL_GLYPHS_END = 8.4
#: Width of the labelled code line in line heights (label 8 Hei glyphs, the code 18 Song
#: characters: about 19.5), with some room.
LABELLED_WIDTH = 21.0


def label_extensions(page: Page, lines: list[geometry.Line]) -> list[geometry.Line]:
    """The label alone, stretched to where its code must be. A copy mark stamped across the
    code line joins its glyphs to the code's in the working mask, and the merged blob has no
    line's shape; the label (统一社会信用代码) often stays a blob of its own, label-shaped
    (8 glyphs: 7–13 times as wide as tall), and the code follows it on the same line."""
    w = page.work_size[0]
    return [
        # The code alone, from where the label's eight glyphs end (each about as wide as the
        # blob is tall): the mark's strokes in the crop hide the gap it is otherwise cut at.
        geometry.Line(
            min(w - 1, round(line.x0 + LABEL_GLYPHS_END * line.height)),
            line.y0,
            min(w, round(line.x0 + LABELLED_WIDTH * line.height)),
            line.y1,
        )
        for line in lines
        if 7 <= line.width / max(1, line.height) <= 13
    ][:2]


def _candidates(page: Page) -> Iterator[tuple[geometry.Line, Crop]]:
    chosen = code_line_candidates(page)[:MAX_CANDIDATES]
    for line in chosen + label_extensions(page, chosen):
        region = straighten(page, line)
        code, digit_px = split_label(region, dark=page.dark)
        if digit_px <= 0:
            continue
        whole = straighten(page, line, pad=WHOLE_PAD)
        yield line, Crop(code, digit_px, without_grey(whole) if page.dark else whole)


#: The margin around the whole line PaddleOCR's recogniser reads, in line heights: it scales
#: every line to 48 px high, so a tight crop reads the characters larger. On the hard tuning
#: photos, 0.6 (Tesseract's margin) merged a doubled 11 into one 1 where 0.2 did not (hard,
#: copy-marked, angled, screenshots, top parts, turned: 117 of 120 with 0.6, 119 with 0.2).
WHOLE_PAD = 0.2


def turn_order(image: Image.Image | Photo) -> tuple[int, ...]:
    """The clockwise turns to try on a photo, likeliest first: 0 then 180 when its text runs
    across, 90 then 270 when it runs up or down (a photo turned sideways with no EXIF tag).
    The direction is the one whose ink profile is sharper at its best small skew (lines of
    text make sharp row profiles, their characters only weak column ones), measured on the
    working-size ink mask (a :class:`Photo` of ``image``, its longer side at
    :data:`~onboard.ocr.geometry.WORK_WIDTH`); which way up is left to the reading: the
    code line is looked for where it is printed, and only a turn that finds a code there is
    believed."""
    width, height = image.image.size if isinstance(image, Photo) else image.size
    if width >= 4 * height:  # a strip: one line, along its length
        return (0, 180, 90, 270)
    if height >= 4 * width:
        return (90, 270, 0, 180)
    photo = image if isinstance(image, Photo) else Photo(image, max(image.size))
    across, down = geometry.row_sharpness(photo.mask), geometry.row_sharpness(photo.mask.T)
    return (90, 270, 0, 180) if down > across * 1.15 else (0, 180, 90, 270)


#: The license's QR block (2015 and 2019 editions: printed top right, about a tenth of the
#: page wide) is the densest patch of ink on the page by far: in windows of
#: :data:`QR_WINDOW` of the longer side, half its area is ink (0.42–0.53 on the tuning
#: photos), the densest patch elsewhere a third at most (0.24–0.35), and the red seal, the
#: emblem and coloured copy marks are no ink at all in the ink channel.
QR_WINDOW = 0.04
QR_DENSITY = 0.4
QR_MARGIN = 1.3


def qr_block(mask: geometry.Mask) -> tuple[float, float] | None:
    """Where the license's QR block is on ``mask`` (the centre of the densest patch of ink,
    as shares of the width and height), or ``None`` when no patch stands out as it does
    (:data:`QR_DENSITY`, :data:`QR_MARGIN` times any other patch's density)."""
    h, w = mask.shape
    radius = max(4, round(QR_WINDOW * max(w, h)))
    ink = Image.fromarray(mask.astype(np.uint8) * 255)
    density = np.asarray(ink.filter(ImageFilter.BoxBlur(radius)), dtype=np.float32) / 255
    y, x = np.unravel_index(int(np.argmax(density)), density.shape)
    best = float(density[y, x])
    elsewhere = density.copy()
    elsewhere[max(0, y - 3 * radius) : y + 3 * radius, max(0, x - 3 * radius) : x + 3 * radius] = 0
    if best < QR_DENSITY or best < QR_MARGIN * float(elsewhere.max()):
        return None
    return (x + 0.5) / w, (y + 0.5) / h


def license_turn_order(photo: Photo) -> tuple[int, ...]:
    """:func:`turn_order`, led by where the QR block is (:func:`qr_block`): it is printed top
    right, so on a page upside down it is bottom left, on a page turned a quarter clockwise
    bottom right, a quarter the other way top left; the wrong way up costs a reading of
    every candidate line before the right one. A QR block in a corner names the turn when
    the photo's shape agrees (a landscape page photographed sideways is a portrait photo),
    and the ink's direction is then not measured; otherwise that direction stands and the
    QR block only says which of its two turns comes first."""
    width, height = photo.image.size
    if width >= 4 * height or height >= 4 * width:
        return turn_order(photo)
    found = qr_block(photo.mask)
    if found is None:
        return turn_order(photo)
    x, y = found
    right, below = x > 0.5, y > 0.5
    first = {(True, False): 0, (False, True): 180, (True, True): 270, (False, False): 90}[
        (right, below)
    ]
    cornered = min(abs(x - 0.5), abs(y - 0.5)) >= QR_OFF_CENTRE
    agrees = width >= ASPECT * height if first in (0, 180) else height >= ASPECT * width
    if cornered and agrees:
        return (first, (first + 180) % 360, (first + 90) % 360, (first + 270) % 360)
    order = turn_order(photo)
    if order[0] in (0, 180) and abs(x - 0.5) >= QR_OFF_CENTRE:
        first = 0 if right else 180
    elif order[0] in (90, 270) and abs(y - 0.5) >= QR_OFF_CENTRE:
        first = 270 if below else 90
    else:
        return order
    second = (first + 180) % 360
    return (first, second, *(t for t in order if t not in (first, second)))


#: How far from the page's middle (share of its width or height) the QR block must be for
#: :func:`license_turn_order` to go by it: printed top right, its centre is at about 0.8
#: across and 0.2 down.
QR_OFF_CENTRE = 0.15
#: A photo this much wider than high shows a landscape license upright or upside down;
#: this much higher than wide, turned sideways.
ASPECT = 1.15


@dataclass(frozen=True, slots=True)
class Found:
    """What reading the code left for reading the rest of the license: the reading (with
    its ``orientation``), the page as turned upright, and the code line on it, if found."""

    reading: LicenseReading
    page: Page | None = None
    line: geometry.Line | None = None
    code_like: bool = False
    #: Lines left after one reading that was no code (see :func:`_paddle_sweep`).
    set_aside: tuple[_Evidence, ...] = ()


def find_uscc(image: Image.Image, backend: Backend, deadline: float) -> Found:
    """Find which way up the license is and read its code (:func:`read_uscc_upright` for
    each turn of :func:`license_turn_order`, all sharing one :class:`Photo`). The first turn
    that gives a business code wins; a turn that finds a line of about the code's length
    without settling it is the right way up and ends the search (another turn could only
    find a lucky wrong code); only the first two turns (the QR block's corner and its
    opposite, or the measured text direction's two) are tried, the other two when neither
    finds any text line worth reading. Raises :class:`TooSmall` when every turn found only
    too-small text."""
    photo = Photo(image, max(image.size))
    order = license_turn_order(photo)
    # The first two turns, then both again with only near-black print as ink (a grey copy
    # mark), then the other two.
    attempts = [(turn, False) for turn in order[:2]] + [(turn, True) for turn in order[:2]]
    attempts += [(turn, False) for turn in order[2:]]
    fallback: Found | None = None
    aside: list[Found] = []
    too_small = False
    for index, (turn, dark) in enumerate(attempts):
        if index >= 4 and fallback is not None:
            break  # the measured direction found text lines: the other two are not tried
        try:
            found = read_uscc_upright(photo, backend, deadline, dark=dark, turn=turn)
        except TooSmall:
            too_small = True
            continue
        found = replace(found, reading=replace(found.reading, orientation=turn))
        if found.reading.status in ("ok", "corrected"):
            return found
        if found.code_like:
            # The right way up, but the code line did not settle: a grey copy mark across
            # it is the likeliest reason, so one look with only near-black print as ink.
            looked = _darker_look(found, photo, turn, backend, deadline) if not dark else found
            if looked.reading.status in ("ok", "corrected"):
                return looked
            return _paddle_sweep([found], deadline) or looked
        if fallback is None or (fallback.reading.status == "unreadable" and found.line):
            fallback = found
        if found.set_aside:
            aside.append(found)
    swept = _paddle_sweep(aside, deadline)
    if swept is not None:
        return swept
    if fallback is not None and (fallback.line is not None or not too_small):
        return fallback
    if too_small:
        raise TooSmall("the text is too small to read; send a sharper or closer photo")
    return Found(LicenseReading(status="unreadable", license_number=None, valid=False, raw=""))


def _paddle_sweep(aside: list[Found], deadline: float) -> Found | None:
    """When no turn of the page settled a code line: PaddleOCR's reading of each line that
    Tesseract's first reading found no code in (turns in the order tried), the first one it
    reads a code on, sure of it (:func:`paddle_look`). Only pages that are otherwise
    unreadable pay for it (a shadow's edge across the code line, misplacing the cut after
    the label, is what it finds)."""
    try:
        for found in aside:
            for evidence in found.set_aside[:MAX_CANDIDATES]:
                looked = paddle_look(evidence, deadline)
                if looked is None:
                    return None
                if looked[0] is not None:
                    reading = replace(looked[0], orientation=found.reading.orientation)
                    return replace(found, reading=reading, line=evidence.line, code_like=True)
    except OcrTimeout:
        pass
    return None


def _darker_look(found: Found, photo: Photo, turn: int, backend: Backend, deadline: float) -> Found:
    """``found`` (a code-like line that did not settle), or what a second look at the same
    upright page with only near-black print as ink reads, when that gives a code."""
    try:
        darker = read_uscc_upright(photo, backend, deadline, dark=True, turn=turn)
    except (TooSmall, OcrTimeout):
        return found
    if darker.reading.status in ("ok", "corrected"):
        return replace(darker, reading=replace(darker.reading, orientation=turn))
    return found


def read_uscc(image: Image.Image, backend: Backend, deadline: float) -> LicenseReading:
    """The credit code on ``image``, whichever way up it is (:func:`find_uscc`)."""
    return find_uscc(image, backend, deadline).reading


def read_uscc_upright(
    image: Image.Image | Photo,
    backend: Backend,
    deadline: float,
    *,
    dark: bool = False,
    turn: int = 0,
) -> Found:
    """The best reading of the credit code on ``image`` (turned clockwise by ``turn``
    degrees) before ``deadline`` (monotonic).

    First each candidate line is read once (up to three Tesseract passes, one for a clean
    photo); the first business code that passes its checks wins. If none does, the first
    :data:`RETRY_LINES` lines that read about 18 characters get the second looks of
    :data:`RETRIES`, and a business code that passes its checks and is confirmed by another
    reading of its line wins. So the extra passes are spent only on uncertain photos and the
    typical one costs a single call. A valid code of another authority is never reported
    ``ok``: at best it is offered to a person as the one candidate.
    """
    page = prepare(image, dark=dark, turn=turn)
    best: LicenseReading | None = None
    best_line: geometry.Line | None = None
    other: LicenseReading | None = None
    too_small = False
    small: list[tuple[geometry.Line, Crop]] = []
    unsettled: list[_Evidence] = []
    set_aside: list[_Evidence] = []
    for line, crop in _candidates(page):
        if crop.digit_px < min_digit_px(crop):
            too_small = True
            if crop.digit_px >= MIN_SMALL_DIGIT_PX:
                small.append((line, crop))
            continue
        evidence = _Evidence(crop, line)
        reading = _read_uscc_line(backend, evidence, deadline)
        if _business(reading):
            return Found(reading, page, line, True)
        if evidence.other_label:
            continue  # another number of the license: no candidate, nothing to look at again
        if reading.status in ("ok", "corrected"):
            other = other or reading
        elif evidence.code_like:
            unsettled.append(evidence)
        elif evidence.paddle_later:
            set_aside.append(evidence)
        if (
            reading.status == "ambiguous"
            and len(reading.raw.replace(" ", "")) >= 17
            and plausible_code(reading.raw)
            and evidence.code_like  # not a window of a longer number (the serial's 20 digits)
            and best is None
        ):
            best, best_line = reading, line
    try:
        for evidence in unsettled[:RETRY_LINES]:
            crop = evidence.crop
            for retry in RETRIES:
                image = normalise(
                    crop.image,
                    crop.digit_px,
                    target=retry.target,
                    sharpen=retry.sharpen,
                    thin=retry.thin,
                )
                text = backend.read_line(image, USCC_ALPHABET, _remaining(deadline))
                accepted, _ = evidence.add(text, trusted=False)
                if accepted is not None:
                    return Found(accepted, page, evidence.line, True)
    except OcrTimeout:
        pass  # out of time for second looks: what the first readings gave stands
    code_like = bool(unsettled)
    if best is None and other is None:
        for line, crop in small[:SMALL_LINES]:
            settled = _small_print(crop, backend, deadline)
            if settled is not None:
                return Found(settled, page, line, True)
    if best is not None:
        return Found(best, page, best_line, True, tuple(set_aside))
    if other is not None:
        return Found(_unconfirmed(other), page, None, code_like, tuple(set_aside))
    if too_small and not unsettled:
        raise TooSmall("the text is too small to read; send a sharper or closer photo")
    unreadable = LicenseReading(status="unreadable", license_number=None, valid=False, raw="")
    where = unsettled[0].line if unsettled else None
    return Found(unreadable, page, where, bool(unsettled), tuple(set_aside))


#: Digits from this height up to :func:`min_digit_px` are read only by :func:`_small_print`
#: (the hard set's 14–15 px Song digits, measured at 10–12 px once blurred).
MIN_SMALL_DIGIT_PX = 10.0
#: How many too-small code lines :func:`_small_print` reads at most.
SMALL_LINES = 1


def _small_print(crop: Crop, backend: Backend, deadline: float) -> LicenseReading | None:
    """A code read off print under :func:`min_digit_px`, only when two readers agree on it
    character for character; else ``None`` (the page stays too small to read).

    PaddleOCR's recogniser (which scales the line to its own 48 px) must read exactly 18
    characters giving a business code, valid as read or after at most one look-alike
    repair, with every character but the repaired one at :data:`SURE` or more; and
    Tesseract, on the crop scaled up to :data:`TARGET_CAP_PX` (as it is, then thinned: see
    :data:`RETRIES`, then the whole line, label included, when a cut misplaced on such small
    print lost a digit), must end its reading with the same 18 characters, differing at most
    where the repair changed one. Small print is where guesses pass both checks: so no doubt
    is allowed outside the one repaired character, which the two checks then pin down from
    the 17 that both readers agree on."""
    recognizer = get_recognizer()
    if recognizer is None:
        return None
    try:
        _remaining(deadline)
        line = after_label(recognizer.read_line(crop.whole or crop.image))
        text = clean_reading(line.text)
        confidences = line.confidences or ()
        if len(text) != 18 or len(confidences) != 18:
            return None
        reading = repair_uscc(text, confidences=confidences, alternatives=((),) * 18)
        if not _business(reading) or len(reading.corrections) > 1:
            return None
        changed = {fix.position - 1 for fix in reading.corrections}
        if any(value < SURE for i, value in enumerate(confidences) if i not in changed):
            return None
        looks = [(crop.image, False), (crop.image, True)]
        if crop.whole is not None:
            looks.append((crop.whole, False))
        for region, thin in looks:
            image = normalise(region, crop.digit_px, thin=thin)
            other = clean_reading(
                backend.read_line(image, USCC_ALPHABET, _remaining(deadline)).text
            )
            # What the label (or the part of it the cut left) reads as stands in front.
            differ = {i for i, (x, y) in enumerate(zip(text, other[-18:], strict=False)) if x != y}
            if len(other) >= 18 and differ <= changed:
                return _with_confidence(reading, line)
    except OcrTimeout:
        pass
    return None


def _with_confidence(reading: LicenseReading, line: LineText) -> LicenseReading:
    confidence = line.confidence
    if reading.status == "corrected":
        confidence *= 0.9
    elif reading.status != "ok":
        confidence = min(confidence, 0.5)
    return replace(reading, confidence=round(max(0.0, min(1.0, confidence)), 3))


def read_hk_br(image: Image.Image, backend: Backend, deadline: float) -> LicenseReading:
    """The BR number of a Business Registration Certificate (:func:`find_hk_br`)."""
    return find_hk_br(image, backend, deadline).reading


def find_hk_br(image: Image.Image, backend: Backend, deadline: float) -> Found:
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
        digit_px = ink_height(region)
        if digit_px is None or digit_px < MIN_DIGIT_PX:
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OcrTimeout("time limit reached")
        text = backend.read_line(normalise(region, digit_px), HK_WHITELIST, remaining)
        match = pattern.search(text.text.replace(" ", ""))
        if match:
            reading = repair_hk_br(match.group(0))
            return Found(_with_confidence(reading, text), page, line, True)
    unreadable = LicenseReading(
        status="unreadable", license_number=None, valid=False, raw="", scheme="hk_br"
    )
    return Found(unreadable, page, None, False)
