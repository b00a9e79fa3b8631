"""Test files built in code: valid images, ID-card photos, bombs, damaged and disguised files.

Nothing here is committed as a binary fixture: every file is made on demand, deterministically
(fixed seeds), so a reader can see exactly what each test feeds to ``onboard.documents``.
Builders return ``bytes`` unless they say otherwise. Expensive ones are cached.
"""

from __future__ import annotations

import functools
import gzip
import io
import random
import struct
import zipfile
import zlib

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GPS_IFD = 0x8825
EXIF_MODEL = 0x0110
EXIF_ORIENTATION = 0x0112


# --- plain valid images ------------------------------------------------------------------


def pattern(width: int = 64, height: int = 48, mode: str = "RGB", *, seed: int = 0) -> Image.Image:
    """A deterministic picture with detail everywhere (noise), in any Pillow mode."""
    rng = np.random.default_rng(seed)
    if mode == "I;16":
        return Image.fromarray(rng.integers(0, 65536, size=(height, width), dtype=np.uint16))
    pixels = rng.integers(0, 256, size=(height, width, 4), dtype=np.uint8)
    return Image.fromarray(pixels).convert(mode)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg(width: int = 64, height: int = 48, *, mode: str = "RGB", quality: int = 90) -> bytes:
    return encode(pattern(width, height, mode), "JPEG", quality=quality)


def png(width: int = 64, height: int = 48, *, mode: str = "RGB") -> bytes:
    return encode(pattern(width, height, mode), "PNG")


def bmp(width: int = 64, height: int = 48, *, mode: str = "RGB") -> bytes:
    return encode(pattern(width, height, mode), "BMP")


def valid(fmt: str, width: int = 64, height: int = 48) -> bytes:
    return {"JPEG": jpeg, "PNG": png, "BMP": bmp}[fmt](width, height)


# --- PNG plumbing ------------------------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, payload) of every chunk of a well-formed PNG."""
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def png_from_chunks(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return PNG_SIGNATURE + b"".join(png_chunk(kind, payload) for kind, payload in chunks)


def ihdr(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 0) -> bytes:
    return struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG (one grey row of IDAT) whose IHDR says width x height; CRCs are right."""
    row = zlib.compress(b"\x00" + b"\x00" * min(width, 16))
    return png_from_chunks([(b"IHDR", ihdr(width, height)), (b"IDAT", row), (b"IEND", b"")])


@functools.cache
def png_flood(width: int = 12_000, height: int = 12_000) -> bytes:
    """A real, complete grey PNG of width x height: all-black rows deflate to ~140 KB.

    Built by streaming rows through zlib, so making it never holds the raster in memory.
    """
    compressor = zlib.compressobj(9)
    rows = (b"\x00" + b"\x00" * width) * 1000
    body = [compressor.compress(rows) for _ in range(height // 1000)]
    body.append(compressor.compress((b"\x00" + b"\x00" * width) * (height % 1000)))
    body.append(compressor.flush())
    idat = b"".join(body)
    return png_from_chunks([(b"IHDR", ihdr(width, height)), (b"IDAT", idat), (b"IEND", b"")])


def png_ztxt_bomb(expanded: int = 20 * 1024 * 1024) -> bytes:
    """A valid PNG whose zTXt chunk inflates to ``expanded`` bytes (beyond Pillow's limit)."""
    text = b"Comment\x00\x00" + zlib.compress(b"A" * expanded, 9)
    chunks = png_chunks(png(8, 8))
    return png_from_chunks([chunks[0], (b"zTXt", text), *chunks[1:]])


def png_padded_to(total: int, *, how: str = "chunk") -> bytes:
    """A valid PNG of exactly ``total`` bytes.

    ``how="chunk"`` pads with a private ancillary chunk (``prVt``) before IEND, so the file is
    a perfectly well-formed PNG; ``how="trailer"`` appends bytes after IEND, which decoders
    ignore and ``inspect_document`` deliberately accepts (the image itself is whole).
    """
    base = png(16, 16)
    if how == "trailer":
        return base + b"\x00" * (total - len(base))
    chunks = png_chunks(base)
    padding = total - len(base) - 12
    assert padding >= 0, "total too small for a padded PNG"
    padded = png_from_chunks([*chunks[:-1], (b"prVt", b"\x00" * padding), chunks[-1]])
    assert len(padded) == total
    return padded


def png_with_bad_crc(chunk: bytes = b"IDAT") -> bytes:
    data = bytearray(png(32, 32))
    pos = data.index(chunk)
    (length,) = struct.unpack(">I", data[pos - 4 : pos])
    data[pos + 4 + length] ^= 0xFF  # first CRC byte
    return bytes(data)


def png_with_broken_deflate() -> bytes:
    """IDAT whose zlib stream is garbage but whose CRC is right: only decoding finds it."""
    chunks = png_chunks(png(32, 32))
    broken = [
        (kind, b"\x78\x9c" + b"\xff" * (len(payload) - 2) if kind == b"IDAT" else payload)
        for kind, payload in chunks
    ]
    return png_from_chunks(broken)


# --- JPEG plumbing -----------------------------------------------------------------------


def jpeg_segments(data: bytes) -> list[tuple[int, int]]:
    """(marker, offset) of every segment before the scan data of a JPEG."""
    segments, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        segments.append((marker, pos))
        if marker == 0xDA:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
    return segments


def jpeg_claiming(width: int, height: int, *, mode: str = "RGB") -> bytes:
    """A small real JPEG whose SOF0 header is patched to say width x height.

    libjpeg decodes it in full (the missing scan data becomes grey, with a warning that
    Pillow does not pass on), so it doubles as a cheap "real" image of that many pixels.
    """
    data = bytearray(jpeg(16, 16, mode=mode))
    sof = next(pos for marker, pos in jpeg_segments(bytes(data)) if marker == 0xC0)
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_with_broken_huffman() -> bytes:
    """A JPEG whose Huffman tables are nonsense: libjpeg refuses to decode it."""
    data = bytearray(jpeg(32, 32))
    for marker, pos in jpeg_segments(bytes(data)):
        if marker == 0xC4:
            data[pos + 5 : pos + 21] = b"\xff" * 16  # symbol counts far beyond 256
    return bytes(data)


def jpeg_with_metadata(payload: bytes = b"PK\x03\x04<?php system($_GET['c']); ?>") -> bytes:
    """A photo-like JPEG carrying EXIF (camera, GPS, orientation 6), a COM comment, an ICC
    profile and ``payload`` appended after EOI: everything re-encoding must drop."""
    exif = Image.Exif()
    exif[EXIF_MODEL] = "SecretCam"
    exif[EXIF_ORIENTATION] = 6  # stored rotated: the upright picture is tall
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (22.0, 32.0, 7.5)
    gps[3], gps[4] = "E", (114.0, 3.0, 52.0)
    image = pattern(80, 40)
    icc = b"\x00" * 128 + b"fake-icc-profile"
    data = encode(
        image, "JPEG", quality=90, exif=exif, comment=b"<?php echo 1; ?>", icc_profile=icc
    )
    return data + payload


# --- BMP plumbing ------------------------------------------------------------------------


def bmp_claiming(width: int, height: int) -> bytes:
    """A small real BMP whose BITMAPINFOHEADER is patched to say width x height."""
    data = bytearray(bmp(8, 8))
    data[18:26] = struct.pack("<ii", width, height)
    return bytes(data)


def bmp_rle8_flood(width: int = 13_000, height: int = 13_000) -> bytes:
    """A real RLE8 BMP of width x height in ~1.3 MB: each row is runs of 255 black pixels."""
    full, rest = divmod(width, 255)
    row = b"\xff\x00" * full + (bytes([rest, 0]) if rest else b"") + b"\x00\x00"
    pixels = row * height + b"\x00\x01"
    palette = b"\x00\x00\x00\x00" * 256
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(pixels), 2835, 2835, 256, 0)
    offset = 14 + len(info) + len(palette)
    header = b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset)
    return header + info + palette + pixels


def bmp_with_bad_depth() -> bytes:
    data = bytearray(bmp(8, 8))
    data[28:30] = struct.pack("<H", 7)  # bits per pixel
    return bytes(data)


# --- damage --------------------------------------------------------------------------------


def truncated(data: bytes, *, keep: float = 0.5) -> bytes:
    """The first ``keep`` share of ``data`` (as an interrupted upload leaves it)."""
    return data[: int(len(data) * keep)]


def cut(data: bytes, missing: int) -> bytes:
    """``data`` without its last ``missing`` bytes."""
    return data[:-missing]


# --- other formats, disguised or not ---------------------------------------------------------


def gif() -> bytes:
    return encode(pattern(16, 16, "P"), "GIF")


def webp() -> bytes:
    return encode(pattern(16, 16), "WEBP")


def tiff() -> bytes:
    return encode(pattern(16, 16), "TIFF")


def tiff_big_endian() -> bytes:
    data = bytearray(tiff())
    return b"MM\x00*" + bytes(data[4:])  # enough for sniffing; not a valid TIFF


def ico() -> bytes:
    return encode(pattern(16, 16), "ICO")


def avif() -> bytes:
    return encode(pattern(16, 16), "AVIF")


def jpeg2000() -> bytes:
    return encode(pattern(16, 16), "JPEG2000")


def heic() -> bytes:
    """The start of an iPhone HEIC photo (ISO BMFF ``ftyp`` box, brand ``heic``)."""
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + b"\x00" * 64


def mp4() -> bytes:
    return struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2" + b"\x00" * 64


def psd() -> bytes:
    return b"8BPS\x00\x01" + b"\x00" * 64


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def html() -> bytes:
    return b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def html_fragment() -> bytes:
    return b"\n  <script>fetch('/steal?c=' + document.cookie)</script>"


def svg() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script></svg>\n"
    )


def xml() -> bytes:
    return b'<?xml version="1.0"?>\n<license><number>91350100M0001TGQXM</number></license>\n'


def php() -> bytes:
    return b"<?php system($_GET['cmd']); ?>\n"


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("license.jpg", jpeg(8, 8))
    return buffer.getvalue()


def gzip_data() -> bytes:
    return gzip.compress(b"not an image", mtime=0)


def text() -> bytes:
    return "营业执照 统一社会信用代码 91350100M0001TGQXM\n".encode()


def utf16_text() -> bytes:
    return "营业执照\r\n".encode("utf-16")


def random_bytes(size: int = 4096, *, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def empty() -> bytes:
    return b""


# --- synthetic ID-card photos ----------------------------------------------------------------

CARD_ASPECT = 85.6 / 54.0  # ISO/IEC 7810 ID-1


def _card(width: int, seed: int) -> Image.Image:
    """A mainland-style resident ID card face, drawn at ``width`` pixels."""
    height = round(width / CARD_ASPECT)
    scale = width / 1000
    card = Image.new("RGB", (width, height), (222, 232, 236))
    draw = ImageDraw.Draw(card)
    # Guilloche-like background: thin wavy lines, as printed security patterns are.
    xs = np.arange(0, width, 2)
    for k in range(0, height, max(2, round(14 * scale))):
        ys = k + 6 * scale * np.sin(xs / (37 * scale) + k / 11)
        draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=(196, 212, 220))
    # Portrait box on the right.
    box = (round(0.66 * width), round(0.12 * height), round(0.93 * width), round(0.80 * height))
    draw.rectangle(box, fill=(236, 238, 240))
    cx, top = (box[0] + box[2]) // 2, box[1]
    draw.ellipse(
        (cx - 60 * scale, top + 40 * scale, cx + 60 * scale, top + 190 * scale), (70, 60, 55)
    )
    draw.rectangle((cx - 110 * scale, top + 200 * scale, cx + 110 * scale, box[3]), (40, 50, 80))
    # The text fields, in the dark ink such cards use.
    font = ImageFont.load_default(size=max(8, round(30 * scale)))
    rng = random.Random(seed)
    lines = [
        "Name    ZHANG WEI",
        "Sex  M     Ethnicity  Han",
        "Born    1985  03  12",
        "Address  Room 1203, Building 7,",
        f"         No. {rng.randint(10, 999)} Tianhe Road, Guangzhou",
    ]
    for row, line in enumerate(lines):
        draw.text((60 * scale, (60 + 70 * row) * scale), line, fill=(30, 30, 30), font=font)
    number = "".join(rng.choice("0123456789") for _ in range(17)) + "X"
    big = ImageFont.load_default(size=max(8, round(40 * scale)))
    draw.text((60 * scale, 520 * scale), "Citizen ID No.", fill=(30, 30, 30), font=font)
    draw.text((300 * scale, 512 * scale), number, fill=(10, 10, 10), font=big)
    return card


def id_card_photo(
    width: int = 1600,
    *,
    blur: float = 0.0,
    margin: float = 0.0,
    noise: float = 2.0,
    background: tuple[int, int, int] = (120, 104, 92),
    seed: int = 0,
) -> Image.Image:
    """A photo of an ID card, ``width`` pixels wide (landscape, card aspect ratio).

    ``margin`` is the plain background's share of the width (and height) on *each* side:
    0 means the card fills the frame (it is cropped just inside its edge, as a good photo
    is), 0.2 puts the card in the middle 60 % of each dimension. ``blur`` is the Gaussian
    blur's standard deviation in pixels of this photo (an out-of-focus camera), applied to
    the whole scene; ``noise`` is the sensor noise's standard deviation in grey levels.
    The background has a gentle lighting gradient, as a desk under a lamp does.
    """
    height = round(width / CARD_ASPECT)
    if margin <= 0:
        inset = round(0.015 * width)
        scene = _card(width + 2 * inset, seed).crop((inset, inset, inset + width, inset + height))
    else:
        ramp = (
            np.linspace(0.92, 1.06, width)[None, :, None]
            * np.linspace(0.95, 1.03, height)[:, None, None]
        )
        desk = np.clip(np.array(background, dtype=float)[None, None, :] * ramp, 0, 255)
        scene = Image.fromarray(desk.astype(np.uint8))
        card_w = round(width * (1 - 2 * margin))
        card = _card(card_w, seed)
        scene.paste(card, ((width - card.width) // 2, (height - card.height) // 2))
    if blur > 0:
        scene = scene.filter(ImageFilter.GaussianBlur(blur))
    if noise > 0:
        rng = np.random.default_rng(seed)
        pixels = np.asarray(scene, dtype=float) + rng.normal(0, noise, (height, width, 1))
        scene = Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8))
    return scene


def id_card_jpeg(
    width: int = 1600, *, blur: float = 0.0, margin: float = 0.0, quality: int = 88
) -> bytes:
    """:func:`id_card_photo` as a phone would store it (JPEG)."""
    return encode(id_card_photo(width, blur=blur, margin=margin), "JPEG", quality=quality)
