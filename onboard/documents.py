"""What an uploaded file really is: its size, type, pixels, whether it decodes whole, and how
readable an ID photo is. The results are :class:`DocumentFacts` for the document rules.

The type is judged from the bytes alone, never from a name or a declared MIME type. The
order of the checks is the order of their cost, so that hostile files are refused before they
cost anything:

1. size, without reading more than ``max_bytes`` (``empty``, ``too_large``);
2. what the first bytes say the file is; anything but JPEG, PNG or BMP is named from its magic
   bytes and refused (``unsupported_format`` for other images, ``not_an_image`` otherwise);
3. the pixel budget and the decoded-bytes budget, from the header only (``too_many_pixels``):
   a 140 KB PNG can hold 12000 x 12000 pixels, 144 MB once decoded (700 MB of peak memory for
   a naive loader); width x height x bands x bytes per sample (a 16-bit RGBA PNG: 8 bytes a
   pixel) must stay within ``max_decoded_bytes``;
4. Pillow (restricted to JPEG, PNG and BMP) checks the structure with ``verify()``, then
   decodes every pixel with ``load()`` (``truncated``, ``corrupt``).

Pillow's own decompression-bomb limit (``Image.MAX_IMAGE_PIXELS``) is process-wide mutable
state: this module neither sets nor relies on it. It checks its own budget first, and only
ever lets Pillow's limit make it stricter (see :func:`_pixel_budget`).
"""

from __future__ import annotations

import io
import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import IO, Final

import numpy as np
from PIL import (
    BmpImagePlugin,
    Image,
    ImageFile,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
)

from onboard.eligibility.model import DocumentFacts, ImageQuality

ALLOWED_FORMATS: Final = ("JPEG", "PNG", "BMP")
MAX_BYTES_DEFAULT: Final = 5 * 1024 * 1024
MAX_PIXELS_DEFAULT: Final = 50_000_000
MAX_DECODED_BYTES_DEFAULT: Final = 400_000_000
#: Files decoded at once in one process: each may take up to the decoded-bytes budget (and
#: its copies), so six uploads at once must not take six times that.
DECODE_SLOTS: Final = 2
_decode_slots = threading.BoundedSemaphore(DECODE_SLOTS)
#: ID photos are measured at this width, so that sharpness means the same for every camera.
QUALITY_WIDTH: Final = 800

Source = bytes | bytearray | memoryview | IO[bytes] | os.PathLike[str] | str


class Problem(StrEnum):
    """Why a file is refused (``DocumentFacts.problem``); see RULES.md §4."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNSUPPORTED_FORMAT = "unsupported_format"
    NOT_AN_IMAGE = "not_an_image"
    TRUNCATED = "truncated"
    CORRUPT = "corrupt"
    TOO_MANY_PIXELS = "too_many_pixels"


class RejectedImageError(ValueError):
    """Raised by :func:`reencode_image` for bytes that :func:`inspect_document` refuses."""

    def __init__(self, problem: str, detail: str | None) -> None:
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem = problem
        self.detail = detail


# --- public API ------------------------------------------------------------------------------


def inspect_document(
    kind: str,
    source: Source,
    *,
    max_bytes: int = MAX_BYTES_DEFAULT,
    max_pixels: int = MAX_PIXELS_DEFAULT,
    max_decoded_bytes: int = MAX_DECODED_BYTES_DEFAULT,
    measure_quality: bool = False,
) -> DocumentFacts:
    """Inspect one uploaded file and say what it is and what, if anything, is wrong with it.

    ``source`` is the file's bytes, a binary stream (read from its current position, at most
    ``max_bytes`` bytes) or a path (its size is taken from the file system before anything is
    read). A file must be *smaller* than ``max_bytes``: one of exactly ``max_bytes`` is
    ``too_large``. For a too-large stream that cannot seek, ``size_bytes`` is a lower bound.

    Never raises because of what the file contains; it raises only for misuse (a missing
    path, a text-mode stream, ``ImageFile.LOAD_TRUNCATED_IMAGES`` switched on) or when the
    machine runs out of memory. With ``measure_quality`` a good image also gets
    :class:`ImageQuality` (meant for ID photos).
    """
    data, size, exact = _read_limited(source, max_bytes)
    if data is None:
        measured = f"{size} bytes" if exact else f"at least {size} bytes"
        detail = f"{measured}; files must be smaller than {max_bytes} bytes"
        return DocumentFacts(kind, size, problem=Problem.TOO_LARGE.value, detail=detail)
    if not data:
        return DocumentFacts(kind, 0, problem=Problem.EMPTY.value)
    with _decode_slots:
        finding, image = _decode(data, max_pixels, max_decoded_bytes)
        quality = measure_id_quality(image) if image is not None and measure_quality else None
        del image
    return DocumentFacts(
        kind,
        size,
        format=finding.format,
        problem=finding.problem,
        detail=finding.detail,
        width=finding.width,
        height=finding.height,
        quality=quality,
    )


def measure_id_quality(image: Image.Image) -> ImageQuality:
    """Measure how readable a photo of an ID card is.

    ``sharpness`` is the variance of the 4-neighbour Laplacian of the grey picture scaled to
    :data:`QUALITY_WIDTH` pixels wide: focused edges and print give large second derivatives,
    blur removes them. ``border_fraction`` is the share of the picture taken by a plain
    margin around the card: rows and columns at the edges whose grey levels are
    near-uniform (see :func:`_border_fraction`); 0 when the card fills the frame.
    """
    grey = _grey_at_quality_width(image)
    return ImageQuality(sharpness=_laplacian_variance(grey), border_fraction=_border_fraction(grey))


def reencode_image(
    data: bytes,
    *,
    max_pixels: int = MAX_PIXELS_DEFAULT,
    max_decoded_bytes: int = MAX_DECODED_BYTES_DEFAULT,
) -> tuple[bytes, str]:
    """Decode a checked image and encode its pixels again; return (bytes, MIME type).

    Only the picture survives: EXIF (camera, GPS), comments, ICC profiles, text chunks and
    anything appended after the image's end are dropped. The EXIF orientation is applied
    first, so the stored picture stands the right way up without it. JPEG stays JPEG
    (quality 90); PNG and BMP become PNG. Raises :class:`RejectedImageError` for bytes that
    :func:`inspect_document` would refuse (whatever their size).
    """
    with _decode_slots:
        finding, image = _decode(data, max_pixels, max_decoded_bytes)
        if image is None:
            raise RejectedImageError(finding.problem or Problem.CORRUPT.value, finding.detail)
        _apply_orientation(image)
        if finding.format == "JPEG":
            target, mime, params = "JPEG", "image/jpeg", {"quality": 90}
        else:
            target, mime, params = "PNG", "image/png", {}
        out = io.BytesIO()
        _pixels_only(image, target).save(out, target, **params)
        del image
    return out.getvalue(), mime


# --- reading, within the size limit --------------------------------------------------------


def _read_limited(source: Source, max_bytes: int) -> tuple[bytes | None, int, bool]:
    """(data, size, size is exact); data is None when the source holds ``max_bytes`` bytes
    or more. Never reads more than ``max_bytes`` bytes."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = source if isinstance(source, bytes) else bytes(source)
        return (None if len(data) >= max_bytes else data), len(data), True
    if isinstance(source, str | os.PathLike):
        size = os.stat(source).st_size
        if size >= max_bytes:
            return None, size, True
        with open(source, "rb") as stream:  # it may have grown since stat(), or be a device
            return _read_stream(stream, max_bytes)
    return _read_stream(source, max_bytes)


def _read_stream(stream: IO[bytes], max_bytes: int) -> tuple[bytes | None, int, bool]:
    start = _tell(stream)
    chunks: list[bytes] = []
    remaining = max_bytes
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    if len(data) < max_bytes:
        return data, len(data), True
    total = _stream_size(stream, start)
    return None, (total if total is not None else len(data)), total is not None


def _tell(stream: IO[bytes]) -> int | None:
    try:
        return stream.tell() if stream.seekable() else None
    except (OSError, AttributeError, ValueError):
        return None


def _stream_size(stream: IO[bytes], start: int | None) -> int | None:
    """The stream's full length from ``start``, learnt by seeking, never by reading."""
    if start is None:
        return None
    try:
        return stream.seek(0, os.SEEK_END) - start
    except (OSError, ValueError):
        return None


# --- decoding, within the pixel budget ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Finding:
    problem: str | None
    detail: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None


_HEADER_READERS: Final[dict[str, Callable[[IO[bytes]], ImageFile.ImageFile]]] = {
    "JPEG": JpegImagePlugin.JpegImageFile,
    "PNG": PngImagePlugin.PngImageFile,
    "BMP": BmpImagePlugin.BmpImageFile,
}
# IEND has no payload, so its CRC is a constant: a PNG without these 12 bytes was cut short,
# even when the cut only took IEND's CRC (which Pillow's verify() does not read).
_PNG_END: Final = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _decode(
    data: bytes, max_pixels: int, max_decoded_bytes: int = MAX_DECODED_BYTES_DEFAULT
) -> tuple[_Finding, Image.Image | None]:
    """Judge ``data``; return the finding and, for a good image, the decoded picture."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Pillow would then pad cut-off files with grey instead of failing: refuse to run.
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must be False")
    if not data:
        return _Finding(Problem.EMPTY.value), None
    family = _allowed_family(data)
    if family is None:
        problem, detail = _sniff(data)
        return _Finding(problem.value, detail), None
    budget = _pixel_budget(max_pixels)
    try:
        # Header only: the plugin class parses up to the pixel data and decodes nothing. It
        # runs before Image.open, whose own bomb check would only warn below 2x its limit.
        with _HEADER_READERS[family](io.BytesIO(data)) as header:
            width, height = header.size
            decoded = width * height * len(header.getbands()) * _sample_bytes(header, data)
    except MemoryError:
        raise
    except Exception as exc:
        return _damaged(exc, family), None
    if width * height > budget:
        detail = f"{width}x{height} = {width * height} pixels, over the budget of {budget}"
        return _Finding(Problem.TOO_MANY_PIXELS.value, detail, family, width, height), None
    if decoded > max_decoded_bytes:
        detail = (
            f"{width}x{height} pixels take {decoded} bytes decoded, "
            f"over the budget of {max_decoded_bytes}"
        )
        return _Finding(Problem.TOO_MANY_PIXELS.value, detail, family, width, height), None
    return _load(data, family, budget)


def _sample_bytes(header: ImageFile.ImageFile, data: bytes) -> int:
    """Bytes per sample as the file declares them: 2 for a 16-bit PNG (IHDR's bit depth, byte
    24) or a 12-bit JPEG, else 1. Pillow may hold fewer once decoded; the budget is judged
    on what the file asks for."""
    if header.format == "PNG" and len(data) > 24:
        return 2 if data[24] == 16 else 1
    if header.format == "JPEG":
        return 2 if getattr(header, "bits", 8) > 8 else 1
    return 1


def _load(data: bytes, family: str, budget: int) -> tuple[_Finding, Image.Image | None]:
    size: tuple[int, int] = (0, 0)
    try:
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
            size = probe.size
            if size[0] * size[1] > budget:  # cannot happen unless the plugins disagree
                raise Image.DecompressionBombError(f"{size[0]}x{size[1]} pixels")
            probe.verify()
        if family == "PNG" and _PNG_END not in data:
            raise OSError("truncated PNG file: no complete IEND chunk")
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        image.load()
    except MemoryError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        width, height = size
        return _Finding(Problem.TOO_MANY_PIXELS.value, str(exc), family, width, height), None
    except Exception as exc:
        return _damaged(exc, family, *size), None
    width, height = image.size
    return _Finding(None, None, family, width, height), image


def _pixel_budget(max_pixels: int) -> int:
    """The caller's budget, lowered to Pillow's warning threshold if that is lower.

    Pillow warns (and under ``-W error`` raises) above ``Image.MAX_IMAGE_PIXELS``: taking the
    smaller of the two treats that warning as a refusal without touching any warning filter.
    Setting the global to ``None`` (no limit) cannot loosen this module's budget.
    """
    pillow_limit = Image.MAX_IMAGE_PIXELS
    return max_pixels if pillow_limit is None else min(max_pixels, pillow_limit)


_TRUNCATION_HINTS: Final = ("truncat", "requires a buffer", "incomplete", "premature end")


def _damaged(exc: Exception, family: str, width: int = 0, height: int = 0) -> _Finding:
    """A decoder's complaint as a finding: ``truncated`` when the data ran out, else ``corrupt``."""
    complaint = str(exc) or type(exc).__name__
    ran_out = isinstance(exc, EOFError | struct.error) or any(
        hint in complaint.lower() for hint in _TRUNCATION_HINTS
    )
    problem = Problem.TRUNCATED if ran_out else Problem.CORRUPT
    return _Finding(problem.value, complaint, family, width or None, height or None)


# BMP's magic is only two letters (a text file may start "BM..."): also require one of the
# header sizes Pillow reads.
_BMP_HEADER_SIZES: Final = frozenset({12, 40, 52, 56, 64, 108, 124})


def _allowed_family(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"BM") and (
        len(data) < 18 or struct.unpack_from("<I", data, 14)[0] in _BMP_HEADER_SIZES
    ):
        return "BMP"
    return None


# --- naming what is not allowed ----------------------------------------------------------------

_IMAGE_MAGIC: Final = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),
    (b"MM\x00+", "TIFF"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xffO\xffQ", "JPEG 2000"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"\xff\x0a", "JPEG XL"),
    (b"qoif", "QOI"),
    (b"icns", "ICNS"),
    (b"DDS ", "DDS"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x02\x00", "CUR"),
)
_OTHER_MAGIC: Final = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP"),
    (b"PK\x05\x06", "ZIP"),
    (b"PK\x07\x08", "ZIP"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (b"\x1f\x8b", "gzip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Microsoft Office (OLE)"),
    (b"{\\rtf", "RTF"),
    (b"%!PS", "PostScript"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"OggS", "Ogg"),
    (b"ID3", "MP3"),
    (b"\x1aE\xdf\xa3", "Matroska/WebM video"),
)
# ISO base media file format (``....ftypBRND``): HEIC/AVIF photos, or MP4/MOV videos.
_FTYP_IMAGE_BRANDS: Final = {
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"heim": "HEIC",
    b"heis": "HEIC",
    b"hevc": "HEIC",
    b"mif1": "HEIF",
    b"msf1": "HEIF",
    b"avif": "AVIF",
    b"avis": "AVIF",
}
_RIFF_KINDS: Final = {
    b"WEBP": ("image", "WEBP"),
    b"WAVE": ("other", "WAV"),
    b"AVI ": ("other", "AVI"),
}
_HTML_TAGS: Final = ("<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<meta")


def _sniff(data: bytes) -> tuple[Problem, str]:
    """Name content that is not JPEG, PNG or BMP, for ``detail``."""
    image, other = Problem.UNSUPPORTED_FORMAT, Problem.NOT_AN_IMAGE
    for magic, name in _IMAGE_MAGIC:
        if data.startswith(magic):
            return image, name
    if data.startswith(b"RIFF") and data[8:12] in _RIFF_KINDS:
        group, name = _RIFF_KINDS[data[8:12]]
        return (image if group == "image" else other), name
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _FTYP_IMAGE_BRANDS:
            return image, _FTYP_IMAGE_BRANDS[brand]
        return other, "QuickTime video" if brand == b"qt  " else "MP4 video"
    for magic, name in _OTHER_MAGIC:
        if data.startswith(magic):
            return other, name
    markup = _as_text(data[:4096])
    if markup is None:
        return other, "unrecognised data"
    start = markup.lstrip().lower()
    if "<?php" in start[:256]:
        return other, "PHP"
    if start.startswith("<") and "<svg" in start:
        return image, "SVG"
    if any(tag in start for tag in _HTML_TAGS):
        return other, "HTML"
    if start.startswith("<?xml"):
        return other, "XML"
    return other, "text"


# Bytes that never occur in text: NUL and the C0 controls other than \t \n \f \r ESC.
_BINARY_BYTES: Final = bytes(set(range(32)) - {9, 10, 12, 13, 27})


def _as_text(head: bytes) -> str | None:
    """``head`` as text (UTF-8, UTF-16 with a BOM, or any ASCII-compatible encoding)."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) : len(head) // 2 * 2].decode(codec, errors="replace")
    head = head.removeprefix(b"\xef\xbb\xbf")
    if any(byte in _BINARY_BYTES for byte in head):
        return None
    return head.decode("utf-8", errors="replace")


# --- re-encoding -----------------------------------------------------------------------------


def _apply_orientation(image: Image.Image) -> None:
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:  # unreadable EXIF: keep the picture as stored rather than refuse it
        return


_PNG_MODES: Final = frozenset({"1", "L", "LA", "RGB", "RGBA", "I;16"})


def _pixels_only(image: Image.Image, target: str) -> Image.Image:
    """A new image holding ``image``'s pixels and nothing else (no ``info``, no palette
    extras), in a mode ``target`` can store."""
    if target == "JPEG":
        mode = "L" if image.mode == "L" else "RGB"
    elif image.mode in _PNG_MODES:
        mode = image.mode
    else:
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        mode = "RGBA" if has_alpha else "RGB"
    source = image if image.mode == mode else image.convert(mode)
    clean = Image.new(mode, source.size)
    clean.paste(source, (0, 0))
    return clean


# --- ID-photo quality -----------------------------------------------------------------------


def _grey_at_quality_width(image: Image.Image) -> np.ndarray:
    """The picture as float grey levels 0-255, resized to QUALITY_WIDTH pixels wide."""
    if image.mode in {"I", "I;16", "I;16B", "I;16L", "F"}:
        wide = np.asarray(image, dtype=np.float32)
        grey = Image.fromarray(wide * np.float32(255 / max(float(wide.max()), 255.0)))
    elif "A" in image.getbands() or "transparency" in image.info:
        # Over white: grey = L * alpha + 255 * (1 - alpha), which is what compositing the
        # colours over white and then taking L gives, with two single-band copies instead
        # of three full RGBA ones (a 49 Mpx RGBA image: +150 MB rather than +560 MB).
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        grey = Image.new("L", rgba.size, 255)
        grey.paste(rgba.convert("L"), mask=rgba.getchannel("A"))
        del rgba
    else:
        grey = image.convert("L")
    height = max(1, round(grey.height * QUALITY_WIDTH / grey.width))
    scaled = grey.resize((QUALITY_WIDTH, height), Image.Resampling.BILINEAR, reducing_gap=3.0)
    return np.asarray(scaled, dtype=np.float64)


def _laplacian_variance(grey: np.ndarray) -> float:
    if min(grey.shape) < 3:
        return 0.0
    centre = grey[1:-1, 1:-1]
    laplacian = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4.0 * centre
    return float(laplacian.var())


#: A row or column of the margin is "plain" when 96 % of its grey levels lie within this
#: range of its straight-line trend, and its median within this distance of the outermost
#: line's: wide enough for sensor noise, JPEG ringing and a lamp's gradient.
PLAIN_SPREAD: Final = 24.0
#: The margin must end at the card's edge: within the next 3 % of lines, some line differs
#: from the margin's grey level over a contiguous run of 10 % of its length. Print (text,
#: a portrait's outline) never makes such runs; a card's edge does, even blurred or tilted.
EDGE_LOOKAHEAD: Final = 0.03
EDGE_RUN: Final = 0.10


def _border_fraction(grey: np.ndarray) -> float:
    """Share of the picture outside the card, where the card is bounded by plain margins.

    Plain rows are counted in from the top and the bottom, then plain columns in from the
    left and the right between those rows; a side's margin counts only if it ends at an
    edge (see :data:`EDGE_RUN`), so a card whose own print is sparse near its rim is not
    mistaken for a margin. A picture that is plain throughout is all margin: 1.0.
    """
    height, width = grey.shape
    top, bottom = _margin(grey), _margin(grey[::-1])
    if top + bottom >= height:
        return 1.0
    band = grey[top : height - bottom].T
    left, right = _margin(band), _margin(band[::-1])
    if left + right >= width:
        return 1.0
    inner = (height - top - bottom) * (width - left - right)
    return 1.0 - inner / (height * width)


def _margin(grey: np.ndarray) -> int:
    """How many leading rows of ``grey`` are a plain margin that ends at an edge."""
    low, high = np.percentile(_detrended(grey), [2, 98], axis=1)
    middle = np.median(grey, axis=1)
    rough = np.flatnonzero((high - low > PLAIN_SPREAD) | (abs(middle - middle[0]) > PLAIN_SPREAD))
    if rough.size == 0:
        return int(grey.shape[0])
    first = int(rough[0])
    if first == 0:
        return 0
    level = float(np.median(grey[:first]))
    window = grey[first : first + max(1, round(EDGE_LOOKAHEAD * grey.shape[0]))]
    differs = np.abs(window - level) > PLAIN_SPREAD / 2
    return first if _longest_run(differs) >= EDGE_RUN * grey.shape[1] else 0


def _detrended(grey: np.ndarray) -> np.ndarray:
    """Each row minus its least-squares straight line: a lamp's gradient across a plain desk
    vanishes, a card's edge (a step) does not."""
    x = np.arange(grey.shape[1], dtype=np.float64) - (grey.shape[1] - 1) / 2
    means = grey.mean(axis=1, keepdims=True)
    slopes = (grey @ x)[:, None] / max(float(x @ x), 1.0)
    return grey - means - slopes * x


def _longest_run(flags: np.ndarray) -> int:
    """The longest run of consecutive true values along any row of a 2-D boolean array."""
    padded = np.zeros((flags.shape[0], flags.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = flags
    steps = np.diff(padded, axis=1)
    starts, ends = np.nonzero(steps == 1), np.nonzero(steps == -1)
    if starts[0].size == 0:
        return 0
    # Row-major order pairs each run's start with its end.
    return int((ends[1] - starts[1]).max())
