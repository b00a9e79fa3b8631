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
from PIL import Image

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
    """The red channel: black text stays dark, the red seal and an orange border turn light."""
    if image.mode == "L":
        return image
    return image.convert("RGB").getchannel("R")


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


def skew_angle(mask: Mask, limit: float = 5.0) -> float:
    """The angle (degrees, counter-clockwise positive as in ``Image.rotate``) that makes the
    text lines horizontal: the one whose sheared row profile is sharpest."""
    ys, xs = np.nonzero(mask)
    if len(ys) < 50:
        return 0.0
    if len(ys) > 60_000:  # a sample keeps the cost bounded on dense pages
        pick = np.random.default_rng(0).choice(len(ys), 60_000, replace=False)
        ys, xs = ys[pick], xs[pick]
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


def smear(mask: Mask, gap: int) -> Mask:
    """Fill horizontal runs of background shorter than ``gap`` between two ink pixels, so the
    characters of a line join into one blob (run-length smoothing)."""
    w = mask.shape[1]
    idx = np.arange(w)
    last = np.where(mask, idx, -(10**6))
    last = np.maximum.accumulate(last, axis=1)
    nxt = np.where(mask, idx, 10**6)
    nxt = np.minimum.accumulate(nxt[:, ::-1], axis=1)[:, ::-1]
    return mask | ((nxt - last) <= gap)


def components(mask: Mask) -> list[Line]:
    """Bounding boxes of the 8-connected blobs of ``mask``, found run by run."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    diff = np.diff(padded, axis=1)
    parent: list[int] = []
    boxes: list[list[int]] = []

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    prev: list[tuple[int, int, int]] = []
    for y in range(h):
        starts = np.flatnonzero(diff[y] == 1)
        ends = np.flatnonzero(diff[y] == -1)
        current: list[tuple[int, int, int]] = []
        j = 0
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            label = len(parent)
            parent.append(label)
            boxes.append([s, y, e, y + 1])
            while j < len(prev) and prev[j][1] < s:  # runs above that end before this one
                j += 1
            k = j
            while k < len(prev) and prev[k][0] <= e:
                a, b = find(prev[k][2]), find(label)
                if a != b:
                    parent[b] = a
                k += 1
            current.append((s, e, label))
        prev = current
    merged: dict[int, list[int]] = {}
    for i, box in enumerate(boxes):
        root = find(i)
        if root in merged:
            m = merged[root]
            m[0], m[1] = min(m[0], box[0]), min(m[1], box[1])
            m[2], m[3] = max(m[2], box[2]), max(m[3], box[3])
        else:
            merged[root] = list(box)
    return [Line(*box) for box in merged.values()]


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
