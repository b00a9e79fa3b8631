"""Reading a line of Chinese print with PaddleOCR's recognition model (PP-OCRv6 small).

Tesseract's Chinese model (the Debian ``chi_sim``, tessdata_fast) reads the Song print of a
license's names poorly: on the tuning photos it got about seven company names in ten and
fewer legal representatives (rare characters such as 霞 or 嘉 misread, names of two
characters dropped). PaddleOCR's recogniser, run on the same crops, read 96 of 96 names and
dates right at about 20 ms of CPU each. It is one ONNX network: a line image 48 px high in,
one row of character probabilities per column step out, decoded greedily (CTC), which also
gives each character's probability: the confidence a value must have to be ``ok``.

The network and its character list ship inside the ``rapidocr`` wheel (Apache-2.0); only the
file is used, never that package's code (which would bring its own detection and loading).
onnxruntime runs it on one thread. When either is missing, :func:`get_recognizer` returns
``None`` and the fields are read with Tesseract's Chinese model as before.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from onboard.ocr.backends import LineText

#: The recognition network inside the rapidocr wheel.
MODEL_FILE = "PP-OCRv6_rec_small.onnx"
#: The height the network reads lines at.
LINE_HEIGHT = 48


def model_path() -> Path | None:
    """Where the network is, without importing the package that carries it; ``None`` when
    it is not installed."""
    try:
        spec = importlib.util.find_spec("rapidocr")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "models" / MODEL_FILE
        if path.is_file():
            return path
    return None


@dataclass(frozen=True)
class ChineseRecognizer:
    """One loaded network (onnxruntime sessions may be run from several threads at once)."""

    session: Any
    characters: tuple[str, ...]
    name: str = "ppocr"

    def read_line(self, image: Image.Image) -> LineText:
        """Read one line of ``image`` (any mode): its text, the line's confidence (the least
        sure character's probability) and each character's probability."""
        rgb = image.convert("RGB")
        width = max(LINE_HEIGHT // 3, round(rgb.width * LINE_HEIGHT / max(1, rgb.height)))
        scaled = rgb.resize((width, LINE_HEIGHT), Image.Resampling.BICUBIC)
        pixels = (np.asarray(scaled, dtype=np.float32) / 127.5 - 1.0).transpose(2, 0, 1)
        (steps,) = self.session.run(None, {self.session.get_inputs()[0].name: pixels[None]})
        best = steps[0].argmax(axis=1)
        probability = steps[0].max(axis=1)
        chars: list[str] = []
        confidences: list[float] = []
        previous = 0
        for index, value in zip(best.tolist(), probability.tolist(), strict=True):
            # CTC: a class repeated over steps is one character; class 0 separates them.
            if index != previous and 0 < index < len(self.characters):
                char = self.characters[index]
                if char.strip():
                    chars.append(char)
                    confidences.append(float(value))
            previous = index
        text = "".join(chars)
        return LineText(
            text,
            min(confidences, default=0.0),
            tuple(confidences),
            tuple(() for _ in chars),
        )


_lock = threading.Lock()
_loaded: list[ChineseRecognizer | None] = []


def get_recognizer() -> ChineseRecognizer | None:
    """The shared recogniser, loaded on first use (about 0.1 s); ``None`` when onnxruntime
    or the network is not installed."""
    with _lock:
        if not _loaded:
            _loaded.append(_load())
        return _loaded[0]


def _load() -> ChineseRecognizer | None:
    path = model_path()
    if path is None:
        return None
    try:
        import onnxruntime  # noqa: PLC0415  (optional: the fields fall back to Tesseract)
    except ImportError:
        return None
    options = onnxruntime.SessionOptions()
    # One core per reading, as Tesseract (OMP_THREAD_LIMIT=1): the service runs one
    # reading per worker, and more threads on a 2-core machine only slow it down.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    listed = session.get_modelmeta().custom_metadata_map.get("character", "")
    # Class 0 is CTC's blank; the listed characters follow, then the space.
    characters = ("", *listed.splitlines(), " ")
    return ChineseRecognizer(session, characters)
