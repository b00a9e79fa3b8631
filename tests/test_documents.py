"""onboard.documents: what an uploaded file really is (RULES.md §4), and ID-photo quality.

Every file is built in code by ``tests.imagefactory``. The boundaries are exact: a file of
``max_bytes`` bytes is refused and one byte less is not; a raster of ``max_pixels`` pixels is
allowed and one pixel more is not.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile
from PIL.PngImagePlugin import PngInfo

from onboard import documents
from onboard.documents import (
    ALLOWED_FORMATS,
    MAX_BYTES_DEFAULT,
    MAX_PIXELS_DEFAULT,
    Problem,
    RejectedImageError,
    inspect_document,
    measure_id_quality,
    reencode_image,
)
from onboard.eligibility.model import DocumentFacts
from onboard.eligibility.problems import document_problem, size_limit
from onboard.eligibility.ruleset import RuleSet, default_ruleset
from tests import imagefactory as factory

PROBLEMS = {problem.value for problem in Problem}

#: The thresholds recommended for ``document.id_quality`` from the calibration below. At the
#: photo scaled to 800 px wide: a Gaussian blur of sigma <= 1.0 px measures >= 100 and reads
#: fine, sigma >= 1.5 px measures <= 40; a card with a plain margin of <= 7.5 % of each side
#: measures <= 0.28, one of >= 10 % measures >= 0.35.
MIN_SHARPNESS = 60.0
MAX_BORDER_FRACTION = 0.30


def facts_of(
    data: bytes, *, max_pixels: int = MAX_PIXELS_DEFAULT, measure_quality: bool = False
) -> DocumentFacts:
    return inspect_document(
        "legal_rep_id", data, max_pixels=max_pixels, measure_quality=measure_quality
    )


# --- sources ---------------------------------------------------------------------------------


class Unseekable(io.RawIOBase):
    """A pipe-like stream: it can be read, not measured."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._data.readinto(buffer)


class Endless(io.RawIOBase):
    """An endless stream that counts what is taken from it."""

    def __init__(self) -> None:
        self.delivered = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        buffer[:] = b"\x00" * len(buffer)
        self.delivered += len(buffer)
        return len(buffer)


SOURCES = ("bytes", "stream", "unseekable", "path", "str")


def as_source(data: bytes, via: str, tmp_path: Path) -> Any:
    if via == "bytes":
        return data
    if via == "stream":
        return io.BytesIO(data)
    if via == "unseekable":
        return Unseekable(data)
    path = tmp_path / "upload.jpg"
    path.write_bytes(data)
    return path if via == "path" else str(path)


@functools.cache
def padded_png(total: int) -> bytes:
    return factory.png_padded_to(total)


# --- size ------------------------------------------------------------------------------------


@pytest.mark.parametrize("via", SOURCES)
def test_a_file_of_exactly_max_bytes_is_too_large(via: str, tmp_path: Path) -> None:
    data = padded_png(MAX_BYTES_DEFAULT)
    facts = inspect_document("gmv_screenshot", as_source(data, via, tmp_path))
    assert facts.problem == "too_large"
    assert facts.size_bytes == MAX_BYTES_DEFAULT
    assert facts.format is None  # never read whole, so never judged
    measured = "at least " if via == "unseekable" else ""
    assert facts.detail == f"{measured}5242880 bytes; files must be smaller than 5242880 bytes"


@pytest.mark.parametrize("via", SOURCES)
def test_a_file_one_byte_under_max_bytes_is_accepted(via: str, tmp_path: Path) -> None:
    data = padded_png(MAX_BYTES_DEFAULT - 1)
    facts = inspect_document("gmv_screenshot", as_source(data, via, tmp_path))
    assert facts.problem is None, facts.detail
    assert (facts.size_bytes, facts.format, facts.width, facts.height) == (
        MAX_BYTES_DEFAULT - 1,
        "PNG",
        16,
        16,
    )


@pytest.mark.parametrize("via", SOURCES)
def test_the_limit_follows_max_bytes(via: str, tmp_path: Path) -> None:
    data = factory.png()
    refused = inspect_document("x", as_source(data, via, tmp_path), max_bytes=len(data))
    accepted = inspect_document("x", as_source(data, via, tmp_path), max_bytes=len(data) + 1)
    assert (refused.problem, accepted.problem) == ("too_large", None)


def test_a_seekable_stream_reports_its_whole_size(tmp_path: Path) -> None:
    stream = io.BytesIO(b"\x00" * (MAX_BYTES_DEFAULT + 12345))
    assert inspect_document("x", stream).size_bytes == MAX_BYTES_DEFAULT + 12345


def test_a_large_path_is_refused_from_its_size_without_opening_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.png"
    with huge.open("wb") as handle:
        handle.truncate(5 * 1024**3)  # sparse: 5 GiB on paper, nothing on disk

    def must_not_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file over the limit was opened")

    monkeypatch.setattr(documents, "open", must_not_open, raising=False)
    facts = inspect_document("x", huge)
    assert (facts.problem, facts.size_bytes) == ("too_large", 5 * 1024**3)


def test_a_stream_is_read_no_further_than_max_bytes() -> None:
    stream = Endless()
    facts = inspect_document("x", cast(IO[bytes], stream))
    assert facts.problem == "too_large"
    assert stream.delivered == MAX_BYTES_DEFAULT
    assert facts.detail is not None and facts.detail.startswith("at least 5242880 bytes")


@pytest.mark.parametrize("via", SOURCES)
def test_empty(via: str, tmp_path: Path) -> None:
    facts = inspect_document("x", as_source(b"", via, tmp_path))
    assert (facts.problem, facts.size_bytes, facts.format) == ("empty", 0, None)


# --- good images ------------------------------------------------------------------------------

GOOD = [
    ("JPEG", "RGB"),
    ("JPEG", "L"),
    ("JPEG", "CMYK"),
    ("PNG", "RGB"),
    ("PNG", "RGBA"),
    ("PNG", "LA"),
    ("PNG", "P"),
    ("PNG", "1"),
    ("PNG", "I;16"),
    ("BMP", "RGB"),
    ("BMP", "P"),
    ("BMP", "1"),
]


@pytest.mark.parametrize(("fmt", "mode"), GOOD)
def test_good_images_pass_with_their_facts(fmt: str, mode: str) -> None:
    data = factory.encode(factory.pattern(40, 30, mode), fmt)
    facts = inspect_document("business_license", data)
    assert facts == DocumentFacts("business_license", len(data), fmt, None, None, 40, 30, None)


def test_allowed_formats() -> None:
    assert ALLOWED_FORMATS == ("JPEG", "PNG", "BMP")


def test_bytes_appended_after_the_image_end_are_accepted() -> None:
    # The picture decodes whole; what follows IEND/EOI is ignored by every decoder and
    # dropped by reencode_image, so refusing it would only annoy applicants.
    for data in (factory.png() + b"PK\x03\x04 trailing", factory.jpeg() + b"<?php ?>"):
        assert facts_of(data).problem is None


def test_the_name_is_never_consulted(tmp_path: Path) -> None:
    path = tmp_path / "license.jpg"
    path.write_bytes(factory.gif())
    facts = inspect_document("business_license", path)
    assert (facts.problem, facts.detail) == ("unsupported_format", "GIF")


# --- what else it may be ----------------------------------------------------------------------

DISGUISED: list[tuple[Callable[[], bytes], str, str]] = [
    (factory.gif, "unsupported_format", "GIF"),
    (factory.webp, "unsupported_format", "WEBP"),
    (factory.tiff, "unsupported_format", "TIFF"),
    (factory.tiff_big_endian, "unsupported_format", "TIFF"),
    (factory.ico, "unsupported_format", "ICO"),
    (factory.avif, "unsupported_format", "AVIF"),
    (factory.heic, "unsupported_format", "HEIC"),
    (factory.jpeg2000, "unsupported_format", "JPEG 2000"),
    (factory.psd, "unsupported_format", "PSD"),
    (factory.svg, "unsupported_format", "SVG"),
    (factory.pdf, "not_an_image", "PDF"),
    (factory.html, "not_an_image", "HTML"),
    (factory.html_fragment, "not_an_image", "HTML"),
    (factory.xml, "not_an_image", "XML"),
    (factory.php, "not_an_image", "PHP"),
    (factory.zip_archive, "not_an_image", "ZIP"),
    (factory.gzip_data, "not_an_image", "gzip"),
    (factory.mp4, "not_an_image", "MP4 video"),
    (factory.text, "not_an_image", "text"),
    (factory.utf16_text, "not_an_image", "text"),
    (factory.random_bytes, "not_an_image", "unrecognised data"),
]


@pytest.mark.parametrize(
    ("build", "problem", "detail"), DISGUISED, ids=[d[0].__name__ for d in DISGUISED]
)
def test_other_content_is_named_in_detail(
    build: Callable[[], bytes], problem: str, detail: str
) -> None:
    facts = facts_of(build())
    assert (facts.problem, facts.detail, facts.format) == (problem, detail, None)


# --- pixels -----------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", [factory.png_claiming, factory.jpeg_claiming])
def test_the_pixel_budget_is_inclusive_at_50_million(claim: Callable[[int, int], bytes]) -> None:
    # 10000 x 5000 = 50,000,000 and 14041 x 3561 = 50,000,001, declared in real headers.
    at_limit, over = facts_of(claim(10_000, 5_000)), facts_of(claim(14_041, 3_561))
    assert at_limit.problem != "too_many_pixels"  # the PNG is then truncated; see below
    assert (at_limit.width, at_limit.height) == (10_000, 5_000)
    assert (over.problem, over.width, over.height) == ("too_many_pixels", 14_041, 3_561)
    assert over.detail == "14041x3561 = 50000001 pixels, over the budget of 50000000"


def test_a_50_million_pixel_image_decodes_and_passes() -> None:
    # A 16x16 grey JPEG whose header says 10000x5000: libjpeg decodes it to a full (mostly
    # grey) raster of exactly 50,000,000 pixels, 50 MB in mode L.
    facts = facts_of(factory.jpeg_claiming(10_000, 5_000, mode="L"))
    assert (facts.problem, facts.width, facts.height) == (None, 10_000, 5_000)


@pytest.mark.parametrize("fmt", ALLOWED_FORMATS)
def test_the_pixel_budget_follows_max_pixels(fmt: str) -> None:
    data = factory.valid(fmt, 4, 3)
    assert facts_of(data, max_pixels=12).problem is None
    refused = facts_of(data, max_pixels=11)
    assert (refused.problem, refused.format, refused.width, refused.height) == (
        "too_many_pixels",
        fmt,
        4,
        3,
    )


BOMBS: list[tuple[str, Callable[[], bytes], str, int, int]] = [
    ("png_12000_real", factory.png_flood, "PNG", 12_000, 12_000),
    ("png_30000_header", lambda: factory.png_claiming(30_000, 30_000), "PNG", 30_000, 30_000),
    ("jpeg_65500_header", lambda: factory.jpeg_claiming(65_500, 65_500), "JPEG", 65_500, 65_500),
    ("bmp_20000_header", lambda: factory.bmp_claiming(20_000, 20_000), "BMP", 20_000, 20_000),
    ("bmp_rle8_13000_real", factory.bmp_rle8_flood, "BMP", 13_000, 13_000),
]


@pytest.mark.parametrize(
    ("build", "fmt", "width", "height"), [b[1:] for b in BOMBS], ids=[b[0] for b in BOMBS]
)
def test_bombs_are_refused_from_the_header_without_decoding(
    build: Callable[[], bytes],
    fmt: str,
    width: int,
    height: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_decode(self: ImageFile.ImageFile) -> None:
        raise AssertionError("a bomb was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", must_not_decode)
    facts = facts_of(build())
    assert (facts.problem, facts.format, facts.width, facts.height) == (
        "too_many_pixels",
        fmt,
        width,
        height,
    )


def test_the_real_png_bomb_is_small() -> None:
    assert 100_000 < len(factory.png_flood()) < 200_000


BOMB_PROBE = textwrap.dedent(
    """
    import resource, sys, time
    from pathlib import Path
    from onboard.documents import inspect_document
    bombs = [Path(name).read_bytes() for name in sys.argv[1:]]
    inspect_document("warm-up", bombs[0][:100])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    problems = [inspect_document("bomb", bomb).problem for bomb in bombs]
    seconds = time.perf_counter() - start
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(problems, seconds, grown_kib)
    """
)


def test_bomb_refusal_is_fast_and_memory_light(tmp_path: Path) -> None:
    # Its own process, so that the peak RSS of other tests does not hide growth. Decoding the
    # PNG alone takes 144 MB and about 1.5 s (Pillow's default limit lets it through with a
    # warning), the BMP 169 MB; refusing both must cost next to nothing.
    paths = [tmp_path / "flood.png", tmp_path / "flood.bmp"]
    paths[0].write_bytes(factory.png_flood())
    paths[1].write_bytes(factory.bmp_rle8_flood())
    result = subprocess.run(
        [sys.executable, "-c", BOMB_PROBE, *map(str, paths)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    problems, seconds, grown_kib = result.stdout.rsplit(maxsplit=2)
    assert problems == "['too_many_pixels', 'too_many_pixels']"
    assert float(seconds) < 0.1
    assert int(grown_kib) < 10 * 1024


def test_pillow_switched_off_cannot_loosen_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert facts_of(factory.png_flood()).problem == "too_many_pixels"
    assert facts_of(factory.png(8, 8)).problem is None


def test_a_stricter_pillow_limit_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pillow warns above MAX_IMAGE_PIXELS (another part of the process may lower it): that
    # warning is treated as a refusal, without touching any warning filter.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    facts = facts_of(factory.png(20, 10))
    assert (facts.problem, facts.detail) == (
        "too_many_pixels",
        "20x10 = 200 pixels, over the budget of 100",
    )


# --- damage -----------------------------------------------------------------------------------

TRUNCATED: list[tuple[str, Callable[[], bytes], str]] = [
    ("jpeg_half", lambda: factory.truncated(factory.jpeg()), "JPEG"),
    ("jpeg_without_eoi", lambda: factory.cut(factory.jpeg(), 2), "JPEG"),
    ("png_last_20_bytes", lambda: factory.cut(factory.png(), 20), "PNG"),  # naive load() passes
    ("png_half", lambda: factory.truncated(factory.png()), "PNG"),
    ("png_iend_crc_cut", lambda: factory.cut(factory.png(), 1), "PNG"),  # verify() passes
    ("png_signature_only", lambda: factory.png()[:8], "PNG"),
    ("bmp_half", lambda: factory.truncated(factory.bmp()), "BMP"),
    ("bmp_header_only", lambda: factory.bmp()[:30], "BMP"),
]


@pytest.mark.parametrize(
    ("build", "fmt"), [t[1:] for t in TRUNCATED], ids=[t[0] for t in TRUNCATED]
)
def test_truncated_files(build: Callable[[], bytes], fmt: str) -> None:
    facts = facts_of(build())
    assert (facts.problem, facts.format) == ("truncated", fmt)
    assert facts.detail


CORRUPT: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("png_bad_idat_crc", factory.png_with_bad_crc, "PNG", "checksum"),
    ("png_bad_ihdr_crc", lambda: factory.png_with_bad_crc(b"IHDR"), "PNG", "checksum"),
    ("png_broken_deflate", factory.png_with_broken_deflate, "PNG", "broken data stream"),
    ("png_ztxt_bomb", factory.png_ztxt_bomb, "PNG", "too large"),
    ("jpeg_bad_huffman", factory.jpeg_with_broken_huffman, "JPEG", "broken data stream"),
    ("bmp_bad_depth", factory.bmp_with_bad_depth, "BMP", "pixel depth"),
]


@pytest.mark.parametrize(
    ("build", "fmt", "complaint"), [c[1:] for c in CORRUPT], ids=[c[0] for c in CORRUPT]
)
def test_corrupt_files_carry_the_decoders_complaint(
    build: Callable[[], bytes], fmt: str, complaint: str
) -> None:
    facts = facts_of(build())
    assert (facts.problem, facts.format) == ("corrupt", fmt)
    assert facts.detail is not None and complaint in facts.detail


def test_truncated_images_must_not_be_loaded_leniently(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        facts_of(factory.truncated(factory.png()))


BASES = [factory.jpeg(16, 16), factory.png(16, 16), factory.bmp(16, 16)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(BASES),
    edits=st.lists(st.tuples(st.integers(0, 2_000), st.integers(0, 255)), max_size=6),
    keep=st.integers(0, 2_100),
)
def test_no_content_makes_it_raise(base: bytes, edits: list[tuple[int, int]], keep: int) -> None:
    data = bytearray(base)
    for position, value in edits:
        data[position % len(data)] = value
    facts = facts_of(bytes(data[:keep]))
    assert facts.problem is None or facts.problem in PROBLEMS
    if facts.problem is None:
        assert facts.format in ALLOWED_FORMATS and facts.width and facts.height


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300))
def test_no_bytes_make_it_raise(data: bytes) -> None:
    assert facts_of(data).problem in PROBLEMS | {None}


# --- ID-photo quality ---------------------------------------------------------------------------


@functools.cache
def card(width: int = 1000, *, blur800: float = 0.0, margin: float = 0.0) -> DocumentFacts:
    """An ID-card photo (JPEG), inspected with quality; ``blur800`` is the blur's sigma in
    pixels of the photo scaled to 800 px wide, where sharpness is measured."""
    data = factory.id_card_jpeg(width, blur=blur800 * width / 800, margin=margin)
    return inspect_document("legal_rep_id", data, measure_quality=True)


def quality_of(width: int = 1000, **options: float) -> tuple[float, float]:
    facts = card(width, **options)
    assert facts.problem is None and facts.quality is not None
    return facts.quality.sharpness, facts.quality.border_fraction


def test_sharpness_falls_as_blur_grows() -> None:
    sharpness = [quality_of(blur800=sigma)[0] for sigma in (0, 0.5, 1.0, 1.5, 2.0, 3.0)]
    assert sharpness == sorted(sharpness, reverse=True)
    assert len(set(sharpness)) == len(sharpness)


@pytest.mark.parametrize("width", [1000, 1600])
def test_recommended_min_sharpness_separates_readable_from_blurred(width: int) -> None:
    # Scaling to 800 px makes the measure camera-independent: same blur, same verdict.
    for sigma in (0, 0.5, 1.0):
        assert quality_of(width, blur800=sigma)[0] >= MIN_SHARPNESS * 1.5
    for sigma in (1.5, 2.0, 3.0):
        assert quality_of(width, blur800=sigma)[0] <= MIN_SHARPNESS / 1.4


@pytest.mark.parametrize(
    ("margin", "flagged"), [(0.0, False), (0.025, False), (0.05, False), (0.1, True), (0.2, True)]
)
def test_border_fraction_measures_the_plain_margin(margin: float, flagged: bool) -> None:
    sharpness, border = quality_of(margin=margin)
    card_share = (1 - 2 * margin) ** 2
    assert sharpness >= MIN_SHARPNESS
    if margin:
        # Exact up to rounding and the card's own blank rim, which looks like margin too.
        assert border == pytest.approx(1 - card_share, abs=0.02)
    else:
        assert border < 0.1
    assert (border > MAX_BORDER_FRACTION) is flagged


def test_a_blank_picture_is_all_border() -> None:
    plain = Image.new("RGB", (300, 200), (120, 110, 100))
    assert measure_id_quality(plain).border_fraction == 1.0
    assert measure_id_quality(plain).sharpness == 0.0


@pytest.mark.parametrize("mode", ["RGBA", "P", "I;16", "1", "CMYK"])
def test_quality_can_be_measured_in_any_mode(mode: str) -> None:
    quality = measure_id_quality(factory.pattern(120, 80, mode))
    assert quality.sharpness > 0 and 0 <= quality.border_fraction <= 1


def test_quality_of_a_sliver_is_defined() -> None:
    quality = measure_id_quality(factory.pattern(4000, 2))
    assert quality.sharpness == 0.0 and 0.0 <= quality.border_fraction <= 1.0


def test_quality_only_when_asked_and_only_for_good_images() -> None:
    assert facts_of(factory.png()).quality is None
    assert facts_of(factory.png(), measure_quality=True).quality is not None
    assert facts_of(factory.gif(), measure_quality=True).quality is None
    assert facts_of(factory.truncated(factory.png()), measure_quality=True).quality is None


def test_the_rule_set_agrees_with_these_limits(ruleset: RuleSet) -> None:
    assert (ruleset.max_bytes, ruleset.max_pixels) == (MAX_BYTES_DEFAULT, MAX_PIXELS_DEFAULT)
    params = ruleset.rule("document.id_quality").params
    # Whatever the rule set says, it must keep the clear cases of the calibration apart.
    assert quality_of(blur800=0.5)[0] >= params["min_sharpness"] > quality_of(blur800=2.0)[0]
    assert quality_of(margin=0.05)[1] <= params["max_border_fraction"] < quality_of(margin=0.2)[1]


# --- re-encoding ----------------------------------------------------------------------------------


def test_reencoding_a_jpeg_drops_exif_gps_comment_icc_and_payload() -> None:
    payload = b"PK\x03\x04<?php system($_GET['c']); ?>"
    original = factory.jpeg_with_metadata(payload)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(factory.GPS_IFD)  # the factory did its job
        assert {"comment", "icc_profile", "exif"} <= set(before.info)

    data, mime = reencode_image(original)

    assert mime == "image/jpeg"
    assert payload not in data and b"SecretCam" not in data and b"<?php" not in data
    assert data.endswith(b"\xff\xd9")
    markers = {marker for marker, _ in factory.jpeg_segments(data)}
    assert markers <= {0xE0, 0xDB, 0xC0, 0xC4, 0xDA}  # JFIF, tables, frame, scan: nothing else
    with Image.open(io.BytesIO(data)) as after:
        assert not after.getexif()
        assert not {"comment", "icc_profile", "exif"} & set(after.info)
        assert after.size == (40, 80)  # EXIF orientation 6 applied before EXIF was dropped


def test_reencoding_a_png_keeps_only_the_critical_chunks() -> None:
    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_itxt("Author", "张伟", zip=True)
    exif = Image.Exif()
    exif[factory.EXIF_MODEL] = "SecretCam"
    original = factory.encode(
        factory.pattern(30, 20, "RGBA"), "PNG", pnginfo=info, exif=exif, icc_profile=b"x" * 64
    )
    data, mime = reencode_image(original + b"PK\x03\x04payload")
    assert mime == "image/png"
    assert [kind for kind, _ in factory.png_chunks(data)] == [b"IHDR", b"IDAT", b"IEND"]
    with Image.open(io.BytesIO(data)) as after, Image.open(io.BytesIO(original)) as before:
        assert after.tobytes() == before.tobytes()


@pytest.mark.parametrize(("fmt", "mode"), GOOD)
def test_reencoding_keeps_the_picture(fmt: str, mode: str) -> None:
    original = factory.encode(factory.pattern(40, 30, mode), fmt)
    data, mime = reencode_image(original)
    assert mime == ("image/jpeg" if fmt == "JPEG" else "image/png")
    facts = facts_of(data)
    assert (facts.problem, facts.format, facts.width, facts.height) == (
        None,
        "JPEG" if fmt == "JPEG" else "PNG",
        40,
        30,
    )
    if fmt != "JPEG":  # lossless: the same pixels, in an RGB view
        with Image.open(io.BytesIO(data)) as after, Image.open(io.BytesIO(original)) as before:
            assert after.convert("RGBA").tobytes() == before.convert("RGBA").tobytes()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (factory.gif(), "unsupported_format"),
        (factory.truncated(factory.jpeg()), "truncated"),
        (factory.png_flood(), "too_many_pixels"),
        (b"", "empty"),
    ],
)
def test_reencoding_refuses_what_inspection_refuses(data: bytes, problem: str) -> None:
    with pytest.raises(RejectedImageError) as caught:
        reencode_image(data)
    assert caught.value.problem == problem


def test_reencoding_honours_max_pixels() -> None:
    with pytest.raises(RejectedImageError, match="too_many_pixels"):
        reencode_image(factory.png(4, 3), max_pixels=11)


# --- the words for a refused file (onboard.eligibility.problems), written once ------------------


def test_a_document_problem_reads_the_rule_sets_words_with_the_files_numbers() -> None:
    ruleset = default_ruleset()
    facts = DocumentFacts("business_license", 10, "PNG", "too_many_pixels", None, 9000, 9000)
    words = document_problem(facts, ruleset)
    assert words["en"] == (
        f"the image has 81,000,000 pixels, more than the limit of {ruleset.max_pixels:,}"
    )
    assert "81,000,000" in words["zh"]
    assert "{" not in words["en"] + words["zh"]


def test_a_problem_without_words_of_its_own_reads_as_a_damaged_image() -> None:
    ruleset = default_ruleset()
    facts = DocumentFacts("business_license", 10, problem="something_new")
    assert document_problem(facts, ruleset) == dict(ruleset.document_problems["corrupt"])


@pytest.mark.parametrize(
    ("max_bytes", "words"),
    [(5 * 1024 * 1024, "5 MB"), (10 * 1024 * 1024, "10 MB"), (7_864_320, "7.50 MB")],
)
def test_the_size_limit_in_words_follows_max_bytes(max_bytes: int, words: str) -> None:

    assert size_limit(dataclasses.replace(default_ruleset(), max_bytes=max_bytes)) == words
