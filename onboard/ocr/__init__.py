"""Reading license numbers from license images (issue 3, CONTRACT.md ``onboard ocr``).

``read_license(data)`` takes the bytes of an uploaded image and returns a
:class:`~onboard.eligibility.model.LicenseReading`: the 18-character credit code of a
mainland business license (``region="CN"``), or for Hong Kong (``region="HK"``) the 8-digit
BR number of a Business Registration Certificate or the number of a Certificate of
Incorporation (which of the two is read off the image, or named by ``document``:
:mod:`onboard.ocr.hongkong`), repaired where look-alike characters allow it and never
presented as valid when it fails its checks.

Why the guards: uploads are hostile until proven otherwise. Only JPEG, PNG and BMP are
decoded, never more than 50 million pixels; every Tesseract call runs on one thread under a
time limit; and a reading is cached by the SHA-256 of the bytes, so the same file read again
(a re-submitted application, the reviewer's page) costs nothing.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import replace

from PIL import Image, ImageOps, UnidentifiedImageError

from onboard.eligibility.model import LICENSE_FIELDS, FieldReading, LicenseReading
from onboard.ocr.backends import Backend, OcrTimeout, get_backend
from onboard.ocr.chinese import get_recognizer
from onboard.ocr.fields import read_cn_fields
from onboard.ocr.fields import unreadable as unreadable_field
from onboard.ocr.hongkong import DOCUMENTS as HK_DOCUMENTS
from onboard.ocr.hongkong import SCHEMES as HK_SCHEMES
from onboard.ocr.hongkong import read_hk
from onboard.ocr.reader import Found, TooSmall, find_uscc

__all__ = [
    "DOCUMENTS",
    "MAX_PIXELS",
    "TIME_LIMIT",
    "clear_cache",
    "get_backend",
    "read_license",
]

#: The documents ``read_license`` reads, per region (RULES.md §4 kinds).
DOCUMENTS = {"CN": ("business_license",), "HK": HK_DOCUMENTS}

#: The pixel budget of RULES.md ``document.format``: larger rasters are refused unread.
MAX_PIXELS = 50_000_000
#: Seconds one reading may take before it is abandoned as unreadable.
TIME_LIMIT = 10.0
_FORMATS = ("JPEG", "PNG", "BMP")
_ORIENTATION = 0x0112
_CACHE_SIZE = 512

_cache: OrderedDict[tuple[str, str, str | None, bool], LicenseReading] = OrderedDict()
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached reading (tests, or after changing the backend)."""
    with _cache_lock:
        _cache.clear()


def _decode(data: bytes) -> Image.Image | None:
    """The image in ``data`` as RGB (or grey, ``L``, when it is grey already), upright per
    its EXIF orientation; ``None`` if it is not a whole JPEG, PNG or BMP within the pixel
    budget. An image already in one of those modes is not converted: a copy of a phone
    photo costs as much as a third of its decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_FORMATS) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                image.load()
                # Phone photos carry their orientation in EXIF; transposing copies the
                # image, so only when there is something to undo.
                upright: Image.Image = image
                if image.getexif().get(_ORIENTATION, 1) != 1:
                    upright = ImageOps.exif_transpose(image)
                return upright if upright.mode in ("RGB", "L") else upright.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None


def _unreadable(region: str, document: str | None = None) -> LicenseReading:
    if region != "HK":
        return LicenseReading(status="unreadable", license_number=None, valid=False, raw="")
    document = document or HK_DOCUMENTS[0]
    return LicenseReading(
        status="unreadable",
        license_number=None,
        valid=False,
        raw="",
        scheme=HK_SCHEMES[document],
        document=document,
    )


def read_license(
    data: bytes,
    *,
    region: str = "CN",
    document: str | None = None,
    backend: str | Backend | None = None,
    time_limit: float = TIME_LIMIT,
    fields: bool = True,
) -> LicenseReading:
    """Read the license number from the image in ``data``.

    ``region`` ``CN`` reads the Unified Social Credit Code of a business license; ``HK`` the
    BR number of a Business Registration Certificate (``scheme="hk_br"``) or the number of a
    Certificate of Incorporation (``scheme="hk_ci"``) with its company name: ``document``
    (``hk_business_registration``, ``hk_incorporation_certificate``) says which, by default
    it is told from the image's title (the reading's ``document`` says which was read). Any
    other region is ``unreadable``; a ``document`` the region does not have (see
    :data:`DOCUMENTS`) is a :class:`ValueError`. ``backend`` forces ``tesserocr`` or
    ``pytesseract`` (default: see :func:`onboard.ocr.backends.get_backend`). ``seconds`` is
    the wall time of this call, near zero when the same bytes were read before.
    ``fields=False`` reads the number only (the license's other fields are then left out:
    ``fields`` is empty).
    """
    started = time.monotonic()
    region = region.upper()
    if document is not None and document not in DOCUMENTS.get(region, (document,)):
        raise ValueError(f"a {region} license is not a {document!r}")
    key = (hashlib.sha256(data).hexdigest(), region, document, fields)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
    if cached is not None:
        return replace(cached, seconds=round(time.monotonic() - started, 4))
    reading = _read(data, region, document, backend, deadline=started + time_limit, fields=fields)
    reading = replace(reading, seconds=round(time.monotonic() - started, 4))
    with _cache_lock:
        _cache[key] = reading
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return reading


def _read(
    data: bytes,
    region: str,
    document: str | None,
    backend: str | Backend | None,
    *,
    deadline: float,
    fields: bool,
) -> LicenseReading:
    if region not in ("CN", "HK"):
        return _unreadable(region)
    image = _decode(data)
    if image is None:
        return _unreadable(region, document)
    engine = (
        backend if backend is not None and not isinstance(backend, str) else get_backend(backend)
    )
    try:
        if region == "HK":
            return read_hk(image, engine, deadline, document=document, fields=fields)
        found = find_uscc(image, engine, deadline)
    except (TooSmall, OcrTimeout):
        return _unreadable(region, document)
    if not fields:
        return found.reading
    return replace(found.reading, fields=_fields(found, engine, deadline))


def _fields(found: Found, engine: Backend, deadline: float) -> dict[str, FieldReading]:
    """The license's other fields, read after its number on the same upright page; all
    ``unreadable`` when time ran out or the Chinese model is not installed (the number
    stands either way)."""
    # The mainland fields are read by PaddleOCR's recogniser when it is installed, whatever
    # the backend; the rest by the backend.
    per_character = getattr(engine, "per_character", True) or get_recognizer() is not None
    if found.page is None or not per_character:
        # pytesseract tells no character's confidence, so no value could be ok; and each of
        # a dozen lines would start a process and load the model (seconds).
        return {name: unreadable_field() for name in LICENSE_FIELDS}
    try:
        return read_cn_fields(found.page, found.line, engine, deadline)
    except (OcrTimeout, RuntimeError, OSError):  # pytesseract's TesseractError is one
        return {name: unreadable_field() for name in LICENSE_FIELDS}
