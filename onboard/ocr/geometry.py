"""Finding text lines on a license photo without recognising anything.

Running Chinese recognition over a whole page costs seconds; finding where the text lines are
costs milliseconds with numpy. So the page is binarised at a small working size, its skew
measured from the row profile of the ink, and its lines found as blobs of ink smeared
horizontally. Only the few lines that could be the credit-code line are then handed to the
reader. The red seal and the ochre border vanish on the way because the ink is taken from the
red channel, where red and orange print is as light as the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageChops, ImageFilter

#: Width of the image the layout is analysed at: large enough to separate lines of 12 pt text
#: on an A4 page, small enough that every step is a few milliseconds.
WORK_WIDTH = 1000

Mask = NDArray[np.bool_]
Grey = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Line:
    """A text-line blob in the deskewed working image: box (x0, y0, x1, y1), exclusive ends."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


def ink_channel(image: Image.Image) -> Image.Image:
    """The brightest of the three channels at each pixel (HSV's value): black print stays
    dark, while anything coloured turns light: the red seal, an orange border, and a red or
    blue copy mark stamped across the license ("仅供…使用"), which in the red channel alone
    (blue) would be as dark as print. A grey mark stays grey, lighter than print, and the
    line binarisation's Otsu threshold puts it with the paper."""
    if image.mode == "L":
        return image
    if image.mode != "RGB":
        image = image.convert("RGB")
    red, green, blue = image.split()
    return ImageChops.lighter(ImageChops.lighter(red, green), blue)


def darkest_reduce(image: Image.Image, factor: int, size: tuple[int, int]) -> Image.Image:
    """``image`` shrunk by the whole ``factor``, each pixel the darkest of the block it
    stands for (a thin stroke stays as dark as it was, where averaging greys it), resized
    to ``size``."""
    arr = np.asarray(image)
    h, w = arr.shape[0] // factor * factor, arr.shape[1] // factor * factor
    blocks = arr[:h, :w].reshape(h // factor, factor, w // factor, factor)
    small = Image.fromarray(np.ascontiguousarray(blocks.min(axis=(1, 3))))
    return small if small.size == size else small.resize(size, Image.Resampling.BILINEAR)


def box_mean(grey: Grey, radius: int) -> Grey:
    """Mean over a (2r+1)² window, by integral image (edges use the part inside the image)."""
    padded = np.pad(grey, radius + 1, mode="edge").astype(np.float64)
    integral = padded.cumsum(0).cumsum(1)
    size = 2 * radius + 1
    total = (
        integral[size:, size:]
        - integral[:-size, size:]
        - integral[size:, :-size]
        + integral[:-size, :-size]
    )
    h, w = grey.shape
    return (total[:h, :w] / (size * size)).astype(np.float32)


def binarise(grey: Grey, radius: int, k: float = 0.12) -> Mask:
    """Ink = darker than its neighbourhood by a fraction ``k`` (a simple adaptive threshold
    that copes with uneven light, which a global Otsu threshold does not)."""
    mean = box_mean(grey, radius)
    return grey < mean * (1.0 - k)


def binarise_image(image: Image.Image, radius: int, k: float = 0.12) -> Mask:
    """:func:`binarise` of an 8-bit image, with Pillow's box blur for the local mean: the
    same mask to within a grey level of rounding, at a quarter of the cost."""
    mean = np.asarray(image.filter(ImageFilter.BoxBlur(radius)), dtype=np.float32)
    return np.asarray(image, dtype=np.float32) < mean * (1.0 - k)


#: Ink pixels the skew is measured on at most: 20,000 find the same angle as 60,000 to within
#: the 0.1° step on the benchmark photos, in half the time.
SKEW_SAMPLE = 20_000


def skew_angle(mask: Mask, limit: float = 10.0) -> float:
    """The angle (degrees, counter-clockwise positive as in ``Image.rotate``) that makes the
    text lines horizontal: the one whose sheared row profile is sharpest."""
    ys, xs = np.nonzero(mask)
    if len(ys) < 50:
        return 0.0
    if len(ys) > SKEW_SAMPLE:  # every k-th ink pixel keeps the cost bounded on dense pages
        step = -(-len(ys) // SKEW_SAMPLE)
        ys, xs = ys[::step], xs[::step]
    height = mask.shape[0]
    xs_f = xs.astype(np.float64) - mask.shape[1] / 2

    def sharpness(angle: float) -> float:
        rows = np.round(ys - xs_f * np.tan(np.radians(angle))).astype(np.int64)
        rows = rows[(rows >= 0) & (rows < height)]
        profile = np.bincount(rows, minlength=height).astype(np.float64)
        return float((profile**2).sum())

    best = max(np.arange(-limit, limit + 0.01, 0.75), key=sharpness)
    fine = np.arange(best - 0.4, best + 0.41, 0.1)
    return float(max(fine, key=sharpness))


def row_sharpness(mask: Mask, limit: float = 10.0) -> float:
    """How strongly the ink of ``mask`` is organised in rows, at the best small skew: the
    sum of squares of the row profile over what ink spread evenly would give (1.0). Lines of
    text give several times their columns' figure, which is how a page turned 90° is told
    from an upright one."""
    ys, xs = np.nonzero(mask)
    if len(ys) < 50:
        return 1.0
    if len(ys) > SKEW_SAMPLE:
        step = -(-len(ys) // SKEW_SAMPLE)
        ys, xs = ys[::step], xs[::step]
    height = mask.shape[0]
    xs_f = xs.astype(np.float64) - mask.shape[1] / 2
    best = 0.0
    for angle in np.arange(-limit, limit + 0.01, 1.0):
        rows = np.round(ys - xs_f * np.tan(np.radians(angle))).astype(np.int64)
        rows = rows[(rows >= 0) & (rows < height)]
        if len(rows) == 0:
            continue
        profile = np.bincount(rows, minlength=height).astype(np.float64)
        best = max(best, float((profile**2).sum()) * height / float(len(rows)) ** 2)
    return best


def smear(mask: Mask, gap: int) -> Mask:
    """Fill horizontal runs of background shorter than ``gap`` between two ink pixels, so the
    characters of a line join into one blob (run-length smoothing)."""
    w = mask.shape[1]
    idx = np.arange(w, dtype=np.int32)  # half the memory traffic of the default int64
    far = np.int32(10**6)
    last = np.maximum.accumulate(np.where(mask, idx, -far), axis=1)
    nxt = np.minimum.accumulate(np.where(mask, idx, far)[:, ::-1], axis=1)[:, ::-1]
    return mask | ((nxt - last) <= gap)


def components(mask: Mask) -> list[Line]:
    """Bounding boxes of the 8-connected blobs of ``mask``.

    Vectorised: the horizontal runs of ink are found for all rows at once, each run is linked
    to the runs of the next row that touch it (diagonally included), and the links are
    resolved by hooking every label to the smallest one it meets and then jumping pointers
    until nothing changes (a few rounds, whatever the blobs' shapes), with no Python loop
    over rows or runs.
    """
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    diff = np.diff(padded, axis=1)
    sy, sx = np.nonzero(diff == 1)
    ey, ex = np.nonzero(diff == -1)  # row-major like the starts: run i is [sx[i], ex[i])
    n = len(sy)
    if n == 0:
        return []
    stride = w + 3
    row_first = np.searchsorted(sy, np.arange(h + 2))
    # Runs of the next row touching run i form a contiguous range of the sorted runs: from
    # the first whose end reaches its start to the last whose start is before its end.
    lo = np.searchsorted(ey * stride + ex, (sy + 1) * stride + sx, side="left")
    hi = np.searchsorted(sy * stride + sx, (sy + 1) * stride + ex, side="right")
    lo = np.maximum(lo, row_first[sy + 1])
    hi = np.minimum(hi, row_first[sy + 2])
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    a = np.repeat(np.arange(n), counts)
    b = np.repeat(lo, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
    labels = np.arange(n)
    while total:
        la, lb = labels[a], labels[b]
        if np.array_equal(la, lb):
            break
        low = np.minimum(la, lb)
        np.minimum.at(labels, la, low)
        np.minimum.at(labels, lb, low)
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
    roots, inverse = np.unique(labels, return_inverse=True)
    k = len(roots)
    x0, y0 = np.full(k, w), np.full(k, h)
    x1, y1 = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
    np.minimum.at(x0, inverse, sx)
    np.minimum.at(y0, inverse, sy)
    np.maximum.at(x1, inverse, ex)
    np.maximum.at(y1, inverse, sy + 1)
    return [
        Line(*box) for box in zip(x0.tolist(), y0.tolist(), x1.tolist(), y1.tolist(), strict=True)
    ]


def ink_rows(mask: Mask, fraction: float = 0.25) -> tuple[int, int] | None:
    """The band of rows holding most of a line's ink: from the first to the last row whose
    ink is at least ``fraction`` of the busiest row's. That is the height of the characters
    without stray dots, ascenders of neighbours or the blur halo."""
    profile = mask.sum(axis=1)
    if profile.max() == 0:
        return None
    rows = np.flatnonzero(profile >= fraction * profile.max())
    return int(rows[0]), int(rows[-1]) + 1


def text_height(mask: Mask) -> float | None:
    """The typical height of the text lines in ``mask``: the median height of the bands of
    rows that hold ink, which is what the horizontal smear must be scaled to (a gap between
    characters is a fraction of it, a gap between fields many times it)."""
    profile = mask.mean(axis=1)
    rows = np.concatenate(([0], (profile > 0.002).astype(np.int8), [0]))
    edges = np.diff(rows)
    lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    lengths = lengths[(lengths >= 4) & (lengths <= mask.shape[0] // 2 + 4)]
    return float(np.median(lengths)) if len(lengths) else None
