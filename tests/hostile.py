"""The hostile files of issue 7 §2, each with what onboard must say about it.

Shared by the upload tests (form, API, CLI) and the memory measurements (CLI and gunicorn in
subprocesses). Built in code by :mod:`tests.imagefactory`, deterministic, nothing committed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from tests import imagefactory as f

MIB = 1024 * 1024


@dataclass(frozen=True)
class Vector:
    name: str
    build: Callable[[], bytes]
    #: ``DocumentFacts.problem`` expected, None for a file that must be accepted.
    problem: str | None
    #: The name the file is sent under: disguises (a GIF named .jpg) are the point.
    filename: str

    @functools.cached_property
    def data(self) -> bytes:
        return self.build()


VECTORS = [
    # decompression bombs: the header claims more pixels than the budget
    Vector("png_bomb_header", lambda: f.png_claiming(30_000, 30_000), "too_many_pixels", "a.png"),
    Vector("jpeg_bomb_header", lambda: f.jpeg_claiming(30_000, 30_000), "too_many_pixels", "a.jpg"),
    Vector("bmp_bomb_header", lambda: f.bmp_claiming(60_000, 60_000), "too_many_pixels", "a.bmp"),
    Vector("png_flood_144mp", f.png_flood, "too_many_pixels", "flood.png"),
    Vector("bmp_rle8_flood_169mp", f.bmp_rle8_flood, "too_many_pixels", "flood.bmp"),
    Vector("png_ztxt_bomb", f.png_ztxt_bomb, "corrupt", "text.png"),
    # truncated and corrupted
    Vector("jpeg_truncated", lambda: f.truncated(f.jpeg(200, 200)), "truncated", "cut.jpg"),
    Vector("png_truncated", lambda: f.cut(f.png(), 20), "truncated", "cut.png"),
    Vector("png_bad_crc", f.png_with_bad_crc, "corrupt", "crc.png"),
    Vector("png_broken_deflate", f.png_with_broken_deflate, "corrupt", "deflate.png"),
    Vector("jpeg_broken_huffman", f.jpeg_with_broken_huffman, "corrupt", "huffman.jpg"),
    Vector("bmp_bad_depth", f.bmp_with_bad_depth, "corrupt", "depth.bmp"),
    # other formats dressed as JPEG, PNG or BMP
    Vector("gif_as_jpg", f.gif, "unsupported_format", "photo.jpg"),
    Vector("webp_as_png", f.webp, "unsupported_format", "photo.png"),
    Vector("tiff_as_bmp", f.tiff, "unsupported_format", "photo.bmp"),
    Vector("pdf_as_png", f.pdf, "not_an_image", "scan.png"),
    Vector("html_as_jpg", f.html, "not_an_image", "photo.jpg"),
    Vector("svg_as_png", f.svg, "unsupported_format", "logo.png"),
    Vector("php_as_jpg", f.php, "not_an_image", "shell.php.jpg"),
    Vector("zip_as_png", f.zip_archive, "not_an_image", "archive.png"),
    # sizes
    Vector("empty", f.empty, "empty", "empty.png"),
    Vector("exactly_5mib", lambda: f.png_padded_to(5 * MIB), "too_large", "big.png"),
    Vector("5mib_minus_1", lambda: f.png_padded_to(5 * MIB - 1), None, "big.png"),
    # names that try to leave the upload directory or break a header or a log line
    Vector("traversal_name", f.png, None, "../../../etc/passwd.png"),
    Vector("control_chars_name", lambda: f.png(20, 20), None, "a\x00b\x1b[31m\u202egnp.png"),
]
BY_NAME = {vector.name: vector for vector in VECTORS}
#: What a memory measurement feeds: every file that claims to be huge.
BOMBS = [v for v in VECTORS if v.problem in ("too_many_pixels", "too_large") or "bomb" in v.name]
