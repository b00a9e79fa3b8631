"""Synthetic business-license photos for the OCR tests and the benchmark.

Why synthetic: real licenses carry real companies' data, and a corpus we generate is
reproducible (every image follows from its seed), can be as large as a benchmark needs and
knows its own ground truth. The layout follows the 2019 edition of the mainland license
(副本, A4 landscape): the label 统一社会信用代码 and the code at the top left, the national
emblem and the title 营业执照 in the middle, a QR block at the top right, the fields in two
columns, the registrar's red seal at the bottom right, a decorative border and a guilloche
background. The code is printed in a Song face, as the 2015 print standard asks (宋体, 12 pt on
the 副本): AR PL SungtiL GB and AR PL UMing from Debian, whose half-width digits make O and 0
nearly identical (the hardest case for Tesseract), beside Noto Serif CJK.

Damage models a phone photo: scale (digit height), a small rotation, the page on a darker
desk, uneven light, blur, sensor noise and JPEG compression. ``ordinary`` is a decent photo
(digits 18–30 px, JPEG quality 70–92); ``hard`` is small, blurred and heavily compressed
(digits 14–18 px, blur radius 0.9–1.4 px, JPEG quality 30–50). Below 14 px, with that
blur and compression, Tesseract's exact rate falls to about 55–65 % (measured while building
this), which is why the reader refuses digits under 12 px and why ``hard`` starts at 14.

Only the Debian fonts installed by the Makefile are used; nothing is downloaded.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from onboard.eligibility.identifiers import USCC_ALPHABET, org_code_check_char, uscc_check_char

__all__ = [
    "LEVELS",
    "Sample",
    "corpus",
    "hk_br_certificate",
    "license_sample",
    "make_uscc",
    "render_code_line",
]

LEVELS = ("ordinary", "hard")

_SUNGTI = ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0)
_UMING = ("/usr/share/fonts/truetype/arphic/uming.ttc", 0)  # AR PL UMing CN
_NOTO_SERIF = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2)  # SC
_NOTO_SERIF_BOLD = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2)
_NOTO_SANS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)
_NOTO_SANS_BOLD = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2)

#: Song faces the code is printed in, by name (the benchmark reports per font).
SONG_FONTS = {"sungti": _SUNGTI, "uming": _UMING, "noto_serif": _NOTO_SERIF}

#: Registrars' division codes (GB/T 2260) of real cities and districts.
_DIVISIONS = (
    "110000", "110105", "120116", "310000", "310115", "320200", "320583", "330100",
    "330212", "340100", "350100", "350200", "370200", "410100", "420100", "430100",
    "440101", "440300", "440306", "440606", "441900", "450100", "500000", "510100",
    "610100", "330782", "440113", "350211",
)  # fmt: skip
_ORG_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"

_COMPANIES = (
    "深圳市星河跨境电子商务有限公司", "义乌市青禾日用品有限公司", "广州市南沙区海贝科技有限公司",
    "杭州云帆贸易有限公司", "东莞市恒达五金制品有限公司", "宁波明远家居用品有限公司",
    "厦门蓝湾进出口有限公司", "佛山市顺德区美厨电器有限公司",
)  # fmt: skip
_PEOPLE = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强")
_SCOPE = (
    "一般经营项目是：日用百货、家居用品、厨房用具、电子产品的销售；",
    "货物及技术进出口；互联网销售（除销售需要许可的商品）；",
    "供应链管理服务；国内贸易代理。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
)
_CAPITAL = ("人民币伍佰万元整", "人民币壹佰万元整", "人民币叁仟万元整", "人民币伍拾万元整")
_TYPES = ("有限责任公司（自然人独资）", "有限责任公司（自然人投资或控股）", "其他有限责任公司")
_ADDRESSES = (
    "深圳市南山区粤海街道科技园社区科苑路15号",
    "浙江省义乌市福田街道商城大道1号",
    "广州市南沙区丰泽东路106号（自编1号楼）",
)
_REGISTRARS = ("深圳市市场监督管理局", "义乌市市场监督管理局", "广州市南沙区市场监督管理局")


@dataclass(frozen=True)
class Sample:
    """One generated image and its truth. ``digit_px`` is the height the code's digits were
    drawn at in the final image (before blur), the size the OCR's too-small gate measures."""

    image: bytes
    code: str
    level: str
    font: str
    digit_px: float
    seed: int
    region: str = "CN"


# --- codes -------------------------------------------------------------------------------------


def make_uscc(rng: random.Random, kind: str = "digits") -> str:
    """A valid USCC: both check characters computed by ``onboard.eligibility.identifiers``.

    ``digits``: an old organisation code carried over (characters 9–16 digits), as on
    licenses issued before 2015 and re-issued since. ``ma``: the organisation code newer
    companies get (``MA`` and six characters of the USCC alphabet), which puts letters and
    so letter/digit look-alikes into the middle of the code.
    """
    # Business licenses are issued by market regulation (9) to enterprises (1), individual
    # businesses (2) and farmers' cooperatives (3).
    head = "9" + rng.choice("1111111223")
    division = rng.choice(_DIVISIONS)
    if kind == "ma":
        body = "MA" + "".join(rng.choice(_ORG_BODY) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    org = body + org_code_check_char(body)
    first17 = head + division + org
    return first17 + uscc_check_char(first17)


def _check_alphabet(code: str) -> str:
    assert all(char in USCC_ALPHABET for char in code), code
    return code


# --- fonts and drawing helpers -----------------------------------------------------------------


@lru_cache(maxsize=256)
def _font(spec: tuple[str, int], size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(spec[0], size, index=spec[1])


@lru_cache(maxsize=16)
def _digit_ratio(spec: tuple[str, int]) -> float:
    """Digit height as a fraction of the font size (SimSun-like faces ≈ 0.69)."""
    font = _font(spec, 200)
    top, bottom = font.getbbox("0123456789")[1::2]
    return (bottom - top) / 200


def _spaced(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font, fill, gap: float):
    """Draw ``text`` one character at a time with extra spacing (field labels are spaced)."""
    x, y = xy
    for char in text:
        draw.text((x, y), char, font=font, fill=fill)
        x += font.getlength(char) + gap
    return x


def _guilloche(draw: ImageDraw.ImageDraw, width: int, height: int, rng: random.Random, ppm: float):
    colour = (232, 222, 200)
    for k in range(28):
        phase = rng.uniform(0, 2 * math.pi)
        amp = rng.uniform(8, 30) * ppm
        period = rng.uniform(60, 160) * ppm
        base = height * k / 28
        points = [
            (x, base + amp * math.sin(2 * math.pi * x / period + phase))
            for x in range(0, width + 20, max(4, int(ppm * 3)))
        ]
        draw.line(points, fill=colour, width=max(1, round(ppm * 0.25)))


def _seal(size: int, text: str, rng: random.Random) -> Image.Image:
    """A round red registrar's seal: ring, star and the authority's name around the edge."""
    seal = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    red = (214, 40, 40, rng.randint(170, 230))
    ring = max(2, size // 40)
    draw.ellipse((ring, ring, size - ring, size - ring), outline=red, width=ring * 2)
    centre = size / 2
    star_r = size * 0.16
    points = []
    for i in range(10):
        radius = star_r if i % 2 == 0 else star_r * 0.4
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(points, fill=red)
    font = _font(_NOTO_SANS_BOLD, max(8, int(size * 0.11)))
    span = math.radians(250)
    for i, char in enumerate(text):
        angle = math.radians(215) - span * (i + 0.5) / len(text) + math.pi
        angle = -angle
        glyph = Image.new("RGBA", (font.size * 2, font.size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((font.size / 2, font.size / 2), char, font=font, fill=red)
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        radius = size * 0.36
        x = centre + radius * math.cos(angle) - font.size
        y = centre + radius * math.sin(angle) - font.size
        seal.alpha_composite(glyph, (int(x), int(y)))
    return seal


def _qr_block(size: int, rng: random.Random) -> Image.Image:
    """Something QR-like: random modules and three finder squares (never a readable code)."""
    n = 29
    module = max(1, size // n)
    block = Image.new("L", (module * n, module * n), 255)
    draw = ImageDraw.Draw(block)
    for row in range(n):
        for col in range(n):
            if rng.random() < 0.5:
                draw.rectangle(
                    (col * module, row * module, (col + 1) * module - 1, (row + 1) * module - 1),
                    fill=0,
                )
    for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):
        x, y = c0 * module, r0 * module
        draw.rectangle((x, y, x + 7 * module - 1, y + 7 * module - 1), fill=255)
        draw.rectangle((x, y, x + 7 * module - 1, y + 7 * module - 1), outline=0, width=module)
        draw.rectangle((x + 2 * module, y + 2 * module, x + 5 * module - 1, y + 5 * module - 1), 0)
    return block


# --- the page ----------------------------------------------------------------------------------


def _render_license(code: str, rng: random.Random, song: tuple[str, int], digit_px: float):
    """The clean page, drawn directly at the resolution that gives ``digit_px`` digits."""
    code_size = digit_px / _digit_ratio(song)
    ppm = code_size / 4.23  # the code is 12 pt = 4.23 mm high on the 副本
    width, height = round(297 * ppm), round(210 * ppm)
    page = Image.new("RGB", (width, height), (250, 247, 238))
    draw = ImageDraw.Draw(page)
    _guilloche(draw, width, height, rng, ppm)

    # Decorative border: a thick ochre frame, a thin inner line and a row of dots.
    frame = (186, 120, 62)
    m = 8 * ppm
    draw.rectangle((m, m, width - m, height - m), outline=frame, width=max(2, round(2.2 * ppm)))
    m2 = 12 * ppm
    draw.rectangle((m2, m2, width - m2, height - m2), outline=frame, width=max(1, round(0.5 * ppm)))
    step = 6 * ppm
    dot = 0.8 * ppm
    x = m + step
    while x < width - m:
        for y in (m + 2 * ppm, height - m - 2 * ppm):
            draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=frame)
        x += step

    # Emblem stand-in and title.
    cx = width / 2
    r = 14 * ppm
    draw.ellipse((cx - r, 20 * ppm, cx + r, 20 * ppm + 2 * r), fill=(205, 30, 30))
    draw.ellipse(
        (cx - r / 2, 20 * ppm + r / 2, cx + r / 2, 20 * ppm + 1.5 * r), fill=(240, 200, 60)
    )
    title = _font(_NOTO_SERIF_BOLD, round(17 * ppm))
    draw.text((cx, 62 * ppm), "营 业 执 照", font=title, fill=(20, 20, 20), anchor="mm")
    draw.text(
        (cx, 80 * ppm),
        "（副  本）",
        font=_font(_NOTO_SERIF, round(6 * ppm)),
        fill=(30, 30, 30),
        anchor="mm",
    )

    # The credit code line: label in a Hei face, code in Song, centred on one axis, 1.7 mm apart.
    label_font = _font(rng.choice((_NOTO_SANS, _NOTO_SANS_BOLD)), round(4.23 * ppm))
    code_font = _font(song, round(code_size))
    lx = rng.uniform(22, 30) * ppm
    ly = rng.uniform(26, 32) * ppm
    ink = (rng.randint(10, 40),) * 3
    draw.text((lx, ly), "统一社会信用代码", font=label_font, fill=ink, anchor="lm")
    label_end = lx + label_font.getlength("统一社会信用代码")
    draw.text((label_end + 1.7 * ppm, ly), code, font=code_font, fill=ink, anchor="lm")
    small = _font(_NOTO_SANS, round(3.2 * ppm))
    if rng.random() < 0.7:
        serial = "".join(rng.choice("0123456789") for _ in range(20))
        draw.text((lx, ly + 9 * ppm), f"证照编号：{serial}", font=small, fill=ink, anchor="lm")

    # QR block at the top right with its caption.
    qr = _qr_block(round(30 * ppm), rng)
    page.paste(qr.convert("RGB"), (round(width - 55 * ppm), round(20 * ppm)))
    for i, line in enumerate(("扫描二维码登录", "国家企业信用", "信息公示系统")):
        draw.text((width - 55 * ppm, 54 * ppm + i * 4.5 * ppm), line, font=small, fill=ink)

    # Fields in two columns.
    head = _font(_NOTO_SANS_BOLD, round(4.6 * ppm))
    value = _font(song, round(4.6 * ppm))
    left = [
        ("名称", rng.choice(_COMPANIES)),
        ("类型", rng.choice(_TYPES)),
        ("法定代表人", rng.choice(_PEOPLE)),
    ]
    right = [
        ("注册资本", rng.choice(_CAPITAL)),
        (
            "成立日期",
            f"{rng.randint(2005, 2024)}年{rng.randint(1, 12):02d}月{rng.randint(1, 28):02d}日",
        ),
        ("营业期限", "长期"),
        ("住所", rng.choice(_ADDRESSES)),
    ]
    y0 = 96 * ppm
    for i, (name, text) in enumerate(left):
        y = y0 + i * 11 * ppm
        _spaced(draw, (30 * ppm, y), name, head, ink, gap=1.2 * ppm if len(name) < 5 else 0)
        draw.text((62 * ppm, y), text, font=value, fill=ink)
    y = y0 + 3 * 11 * ppm
    _spaced(draw, (30 * ppm, y), "经营范围", head, ink, gap=1.2 * ppm)
    for j, line in enumerate(_SCOPE):
        draw.text((62 * ppm, y + j * 7 * ppm), line[:20], font=value, fill=ink)
    for i, (name, text) in enumerate(right):
        y = y0 + i * 11 * ppm
        _spaced(draw, (165 * ppm, y), name, head, ink, gap=1.2 * ppm if len(name) < 5 else 0)
        draw.text((192 * ppm, y), text[:18], font=value, fill=ink)

    # Registrar, date and the red seal over them.
    registrar = rng.choice(_REGISTRARS)
    draw.text((205 * ppm, 165 * ppm), "登记机关", font=head, fill=ink)
    issued = (
        f"{rng.randint(2019, 2025)}  年  {rng.randint(1, 12):02d}  月  {rng.randint(1, 28):02d}  日"
    )
    draw.text(
        (200 * ppm, 180 * ppm),
        issued,
        font=value,
        fill=ink,
    )
    seal = _seal(round(42 * ppm), registrar, rng)
    page.paste(seal, (round(rng.uniform(200, 212) * ppm), round(rng.uniform(150, 160) * ppm)), seal)
    foot = _font(_NOTO_SANS, round(2.6 * ppm))
    draw.text(
        (cx, 197 * ppm),
        "国家市场监督管理总局监制    国家企业信用信息公示系统网址：http://www.gsxt.gov.cn",
        font=foot,
        fill=ink,
        anchor="mm",
    )
    return page


# --- photographing -----------------------------------------------------------------------------


def _photograph(page: Image.Image, rng: random.Random, level: str) -> bytes:
    """Put the page on a desk, tilt it, light it unevenly, blur, add noise, compress."""
    hard = level == "hard"
    angle = rng.uniform(-3.0, 3.0)
    desk = tuple(rng.randint(60, 140) for _ in range(3))
    rotated = page.convert("RGBA").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    mx = int(page.width * rng.uniform(0.02, 0.08))
    my = int(page.height * rng.uniform(0.02, 0.08))
    photo = Image.new("RGB", (rotated.width + 2 * mx, rotated.height + 2 * my), desk)
    photo.paste(rotated, (mx, my), rotated)

    arr = np.asarray(photo, dtype=np.float32)
    h, w = arr.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    direction = rng.uniform(0, 2 * math.pi)
    ramp = (xx / w - 0.5) * math.cos(direction) + (yy / h - 0.5) * math.sin(direction)
    low = rng.uniform(0.55, 0.75) if hard else rng.uniform(0.7, 0.9)
    light = 1.0 - (1.0 - low) * (ramp + 0.5)
    # A soft hot spot, as from a lamp.
    sx, sy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    spot = np.exp(-(((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * (0.35 * w) ** 2)))
    light = light * (0.92 + 0.12 * spot)
    tint = np.array([1.0, rng.uniform(0.96, 1.0), rng.uniform(0.9, 1.0)], dtype=np.float32)
    arr = arr * light[..., None] * tint
    photo = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))

    radius = rng.uniform(0.9, 1.4) if hard else rng.uniform(0.3, 1.0)
    photo = photo.filter(ImageFilter.GaussianBlur(radius))
    sigma = rng.uniform(4, 9) if hard else rng.uniform(2, 6)
    noise_rng = np.random.default_rng(rng.randrange(2**32))
    arr = np.asarray(photo, dtype=np.float32) + noise_rng.normal(0, sigma, (h, w, 1))
    photo = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))

    quality = rng.randint(30, 50) if hard else rng.randint(70, 92)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=quality)
    return out.getvalue()


def license_sample(seed: int, level: str = "ordinary", *, font: str | None = None) -> Sample:
    """One license photo, fully determined by ``seed`` and ``level``.

    Every third code is of the ``MA…`` kind. ``font`` forces the Song face of the code
    (``sungti``, ``uming``, ``noto_serif``); by default it cycles with the seed.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    rng = random.Random(f"license-{level}-{seed}")
    code = _check_alphabet(make_uscc(rng, "ma" if seed % 3 == 0 else "digits"))
    names = sorted(SONG_FONTS)
    name = font or names[seed % len(names)]
    digit_px = rng.uniform(14.0, 18.0) if level == "hard" else rng.uniform(18.0, 30.0)
    page = _render_license(code, rng, SONG_FONTS[name], digit_px)
    return Sample(_photograph(page, rng, level), code, level, name, digit_px, seed)


def corpus(count: int, level: str = "ordinary", *, start: int = 0) -> list[Sample]:
    """``count`` samples with seeds ``start`` … ``start + count - 1``."""
    return [license_sample(seed, level) for seed in range(start, start + count)]


def render_code_line(code: str, *, digit_px: float = 24.0, font: str = "sungti") -> bytes:
    """Just the label and the code on white, as PNG: for tests of size and speed limits."""
    spec = SONG_FONTS[font]
    size = round(digit_px / _digit_ratio(spec))
    label = _font(_NOTO_SANS, size)
    text = _font(spec, size)
    width = int(label.getlength("统一社会信用代码") + text.getlength(code) + size * 3)
    image = Image.new("RGB", (width, size * 3), "white")
    draw = ImageDraw.Draw(image)
    draw.text((size, size * 1.5), "统一社会信用代码", font=label, fill="black", anchor="lm")
    x = size + label.getlength("统一社会信用代码") + size * 0.4
    draw.text((x, size * 1.5), code, font=text, fill="black", anchor="lm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- Hong Kong ---------------------------------------------------------------------------------


def hk_br_certificate(seed: int, level: str = "ordinary") -> Sample:
    """A Hong Kong Business Registration Certificate (portrait), its number printed as the
    certificate number ``99999999-999-99-99-X`` whose first 8 digits are the BR number."""
    rng = random.Random(f"hkbr-{level}-{seed}")
    brn = f"{rng.randint(10000000, 79999999)}"
    cert = (
        f"{brn}-000-{rng.randint(1, 12):02d}-{rng.randint(19, 26):02d}-{rng.choice('0123456789A')}"
    )
    digit_px = rng.uniform(13.0, 16.5) if level == "hard" else rng.uniform(18.0, 28.0)
    serif = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0)
    serif_bold = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", 0)
    size = round(digit_px / _digit_ratio(serif))
    ppm = size / 4.0
    width, height = round(210 * ppm), round(297 * ppm)
    page = Image.new("RGB", (width, height), (246, 244, 236))
    draw = ImageDraw.Draw(page)
    _guilloche(draw, width, height, rng, ppm)
    ink = (25, 25, 25)
    cx = width / 2
    draw.text(
        (cx, 25 * ppm),
        "商 業 登 記 證",
        font=_font(_NOTO_SERIF_BOLD, round(8 * ppm)),
        fill=ink,
        anchor="mm",
    )
    draw.text(
        (cx, 37 * ppm),
        "BUSINESS REGISTRATION CERTIFICATE",
        font=_font(serif_bold, round(5.5 * ppm)),
        fill=ink,
        anchor="mm",
    )
    text = _font(serif, size)
    zh = _font(_NOTO_SANS, size)
    rows = [
        (
            "業務名稱 Name of Business",
            rng.choice(("STARRIVER TRADING LIMITED", "BLUE BAY HOLDINGS LIMITED")),
        ),
        ("業務/法團所用名稱 Trading Name", "—"),
        ("業務性質 Nature of Business", "TRADING"),
        ("地址 Address", "ROOM 1201, 12/F, 88 QUEEN'S ROAD CENTRAL, HONG KONG"),
        ("業務狀況 Status", "CORP"),
        (
            "生效日期 Date of Commencement",
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2019",
        ),
        ("屆滿日期 Date of Expiry", f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2026"),
    ]
    y = 60 * ppm
    draw.text((20 * ppm, y), "證書號碼 Certificate No.", font=zh, fill=ink)
    draw.text((110 * ppm, y), cert, font=text, fill=ink)
    for label, value in rows:
        y += 14 * ppm
        draw.text((20 * ppm, y), label, font=zh, fill=ink)
        draw.text((20 * ppm, y + 6 * ppm), value, font=text, fill=ink)
    seal = _seal(round(40 * ppm), "香港特別行政區稅務局商業登記署", rng)
    page.paste(seal, (round(140 * ppm), round(230 * ppm)), seal)
    return Sample(_photograph(page, rng, level), brn, level, "dejavu_serif", digit_px, seed, "HK")
