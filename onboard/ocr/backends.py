"""Two ways to run Tesseract on one text line, behind one small interface.

``pytesseract`` (the owner's choice, always available with the ``tesseract`` binary) starts a
process and reloads the model on every call, about 150 ms. ``tesserocr`` binds libtesseract
and keeps the model loaded, about 10 ms for the same line with the same answer, and it also
gives each character's confidence and the alternatives Tesseract weighed, which the repair
uses. So tesserocr is chosen when it is importable, and ``ONBOARD_OCR_BACKEND=pytesseract``
or ``=tesserocr`` forces one.

Both run the LSTM engine on a single line (``--psm 7 --oem 1``) with the dictionaries off
(they are built for words, and "correct" codes into words) and the caller's whitelist. The
tesserocr API object is not thread-safe, so each thread gets its own, created on first use.
``OMP_THREAD_LIMIT=1`` keeps Tesseract to one core per call, since the service runs one call
per worker and OpenMP threads on a 2-core machine only slow it down.
"""

from __future__ import annotations

import glob
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from PIL import Image

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

#: Variables that must be set when Tesseract loads the model (too late afterwards).
INIT_VARIABLES = {"load_system_dawg": "0", "load_freq_dawg": "0"}


class OcrTimeout(Exception):
    """Tesseract did not finish within the time allowed for one line."""


@dataclass(frozen=True, slots=True)
class LineText:
    """What the reader saw on one line. ``confidences`` (0–1) and ``alternatives`` are per
    character of ``text`` without spaces, when the backend can tell (tesserocr); ``confidence``
    is the line's overall confidence (0–1)."""

    text: str
    confidence: float
    confidences: tuple[float, ...] | None = None
    alternatives: tuple[tuple[str, ...], ...] | None = None
    boxes: tuple[tuple[int, int, int, int], ...] | None = field(default=None, repr=False)


class Backend(Protocol):
    name: str
    #: Whether the backend tells each character's confidence (the license's other fields are
    #: only read with one: without it no value could ever be ``ok``).
    per_character: bool

    def read_line(
        self, image: Image.Image, whitelist: str, timeout: float, psm: int = 7, lang: str = "eng"
    ) -> LineText:
        """Read one line of ``image`` (mode ``L``) with only ``whitelist`` characters (all
        of the model's when empty), in page segmentation mode ``psm`` (7: a text line; 13: a
        raw line, no layout analysis at all) with the model ``lang`` (``eng``, or ``chi_sim``
        for the license's Chinese fields); raise :class:`OcrTimeout` after ``timeout``
        seconds."""
        ...


def tessdata_dir() -> str | None:
    """Where the traineddata files are: ``TESSDATA_PREFIX`` or the Debian location.

    The tesserocr wheel bundles libtesseract but no models and looks in ``./`` by default,
    so it must be told; the Debian package ``tesseract-ocr-eng`` provides ``eng``.
    """
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix and os.path.isdir(prefix):
        return prefix.rstrip("/") + "/"
    for path in sorted(glob.glob("/usr/share/tesseract-ocr/*/tessdata"), reverse=True):
        if os.path.exists(os.path.join(path, "eng.traineddata")):
            return path + "/"
    return None


class PytesseractBackend:
    """One ``tesseract`` process per line: slow, simple, and what the service promises."""

    name = "pytesseract"
    per_character = False

    def read_line(
        self, image: Image.Image, whitelist: str, timeout: float, psm: int = 7, lang: str = "eng"
    ) -> LineText:
        import pytesseract  # noqa: PLC0415  (loaded with the backend that needs it)

        options = [f"--psm {psm} --oem 1"]
        if whitelist:
            options.append(f"-c tessedit_char_whitelist={whitelist}")
        config = " ".join(options + [f"-c {key}={value}" for key, value in INIT_VARIABLES.items()])
        try:
            data = pytesseract.image_to_data(
                image,
                lang=lang,
                config=config,
                timeout=timeout,
                output_type=pytesseract.Output.DICT,
            )
        except RuntimeError as error:  # pytesseract's way of saying it killed the process
            if "timeout" in str(error).lower():
                raise OcrTimeout(str(error)) from error
            raise
        words = [
            (text, float(conf))
            for text, conf in zip(data["text"], data["conf"], strict=True)
            if text.strip()
        ]
        if not words:
            return LineText("", 0.0)
        text = ("" if lang.startswith("chi") else " ").join(word for word, _ in words)
        confidence = min(conf for _, conf in words) / 100.0
        return LineText(text, max(0.0, confidence))


class TesserocrBackend:
    """A libtesseract API per thread, loaded once and reused for every line."""

    name = "tesserocr"
    per_character = True

    def __init__(self) -> None:
        import tesserocr  # noqa: F401, PLC0415  (an optional extra: fail here if missing)

        self._local = threading.local()

    def _api(self, lang: str) -> Any:
        apis: dict[str, Any] | None = getattr(self._local, "apis", None)
        if apis is None:
            apis = self._local.apis = {}
        api = apis.get(lang)
        if api is None:
            from tesserocr import OEM, PSM, PyTessBaseAPI  # noqa: PLC0415

            api = PyTessBaseAPI(
                path=tessdata_dir() or "./",
                lang=lang,
                psm=PSM.SINGLE_LINE,
                oem=OEM.LSTM_ONLY,
                variables={**INIT_VARIABLES, "lstm_choice_mode": "2"},
            )
            apis[lang] = api
        return api

    def read_line(
        self, image: Image.Image, whitelist: str, timeout: float, psm: int = 7, lang: str = "eng"
    ) -> LineText:
        from tesserocr import RIL, iterate_level  # noqa: PLC0415

        api = self._api(lang)
        api.SetPageSegMode(psm)
        api.SetVariable("tessedit_char_whitelist", whitelist)
        api.SetImage(image)
        if not api.Recognize(max(1, int(timeout * 1000))):
            api.Clear()
            raise OcrTimeout(f"tesseract gave up after {timeout:.1f} s")
        text = api.GetUTF8Text().strip()
        chars: list[str] = []
        confidences: list[float] = []
        alternatives: list[tuple[str, ...]] = []
        boxes: list[tuple[int, int, int, int]] = []
        iterator = api.GetIterator() if text else None
        if iterator is not None:
            for symbol in iterate_level(iterator, RIL.SYMBOL):
                try:
                    char = symbol.GetUTF8Text(RIL.SYMBOL)
                except RuntimeError:  # an empty symbol: tesserocr raises instead of ""
                    continue
                if not char or not char.strip():
                    continue
                chars.append(char)
                confidences.append(max(0.0, symbol.Confidence(RIL.SYMBOL)) / 100.0)
                alternatives.append(
                    tuple(
                        alt
                        for alt in (c.GetUTF8Text() for c in symbol.GetChoiceIterator())
                        if alt and alt != char
                    )
                )
                boxes.append(symbol.BoundingBox(RIL.SYMBOL) or (0, 0, 0, 0))
        api.Clear()
        if "".join(chars) != text.replace(" ", ""):
            # The iterator and the text disagree (it happens with odd spacing): trust the
            # text and drop the per-character evidence rather than misalign it.
            return LineText(text, min(confidences, default=0.0))
        return LineText(
            text,
            min(confidences, default=0.0),
            tuple(confidences),
            tuple(alternatives),
            tuple(boxes),
        )


_lock = threading.Lock()
_backends: dict[str, Backend] = {}


def get_backend(name: str | None = None) -> Backend:
    """The backend called ``name``, else ``ONBOARD_OCR_BACKEND``, else tesserocr when it can
    be imported, else pytesseract. Backends are shared (each keeps per-thread state)."""
    wanted = (name or os.environ.get("ONBOARD_OCR_BACKEND") or "").strip().lower()
    if wanted not in ("", "tesserocr", "pytesseract"):
        raise ValueError(f"unknown OCR backend {wanted!r}: use tesserocr or pytesseract")
    with _lock:
        if not wanted:
            wanted = "tesserocr" if _tesserocr_available() else "pytesseract"
        if wanted not in _backends:
            _backends[wanted] = (
                TesserocrBackend() if wanted == "tesserocr" else PytesseractBackend()
            )
        return _backends[wanted]


def _tesserocr_available() -> bool:
    try:
        import tesserocr  # noqa: F401, PLC0415
    except ImportError:
        return False
    return tessdata_dir() is not None
