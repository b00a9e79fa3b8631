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

import dataclasses
import io
import json
import math
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from onboard.eligibility.identifiers import USCC_ALPHABET, org_code_check_char, uscc_check_char

__all__ = [
    "CONDITIONS",
    "LEVELS",
    "Sample",
    "applicant_sample",
    "cached_corpus",
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
#: Pieces of generated company and person names: names are drawn from these at random, so
#: the reader cannot know them (the eight above stay as examples for other tests).
_CITIES = (
    "深圳市", "广州市", "义乌市", "杭州", "东莞市", "宁波", "厦门", "佛山市顺德区", "苏州工业园区",
    "上海", "北京", "成都市", "武汉", "青岛", "长沙市", "郑州", "泉州市", "温州", "中山市", "南京",
)  # fmt: skip
_WORDS = (
    "星河", "青禾", "海贝", "云帆", "恒达", "明远", "蓝湾", "美厨", "华信", "锦程", "嘉禾", "鼎盛",
    "优品", "博远", "天宇", "金桥", "瑞丰", "安泰", "新航", "汇通", "长青", "宏图", "乐家", "同创",
    "佳联", "凯越", "鸿运", "森源", "益康", "晨光", "万利", "东方", "启航", "卓越", "润达", "峰尚",
)  # fmt: skip
_TRADES = (
    "跨境电子商务", "日用品", "科技", "贸易", "五金制品", "家居用品", "进出口", "电器", "服饰",
    "电子", "供应链管理", "网络科技", "实业", "文化用品", "工艺品", "运动用品", "母婴用品",
)  # fmt: skip
_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁沈任姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宇浩凯秀晨欣"
    "怡子涵梓萱思雨嘉俊博文一鸣晓东海燕春梅志勇永健立新振华雪琳佳琪"
)


def _company_name(rng: random.Random) -> str:
    """A plausible company name: place, brand word(s), trade, legal form."""
    brand = rng.choice(_WORDS) + (rng.choice(_WORDS) if rng.random() < 0.25 else "")
    return rng.choice(_CITIES) + brand + rng.choice(_TRADES) + rng.choice(_SUFFIXES)


def _person_name(rng: random.Random) -> str:
    """A two- or three-character Chinese name."""
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


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
    #: The license's other printed fields as printed (``LICENSE_FIELDS`` names; dates ISO).
    fields: dict[str, str] = field(default_factory=dict)
    #: How the photo was taken (:data:`CONDITIONS`), or the level's name for plain photos.
    condition: str = ""


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
    company, person = _company_name(rng), _person_name(rng)
    year, month, day = rng.randint(2005, 2024), rng.randint(1, 12), rng.randint(1, 28)
    fields = {
        "company_name": company,
        "legal_representative": person,
        "established_on": f"{year:04d}-{month:02d}-{day:02d}",
    }
    left = [
        ("名称", company),
        ("类型", rng.choice(_TYPES)),
        ("法定代表人", person),
    ]
    right = [
        ("注册资本", rng.choice(_CAPITAL)),
        ("成立日期", f"{year}年{month:02d}月{day:02d}日"),
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
    return page, fields


# --- photographing -----------------------------------------------------------------------------


def _photograph(
    page: Image.Image,
    rng: random.Random,
    level: str,
    *,
    placed: Image.Image | None = None,
    finish: Callable[[Image.Image], Image.Image] | None = None,
    exif_orientation: int = 1,
) -> bytes:
    """Put the page on a desk, tilt it, light it unevenly, blur, add noise, compress.

    ``placed`` is the page already on its desk (an angled shot: :func:`_on_the_table`);
    ``finish`` changes the photo before it is compressed (a turn, a crop); and
    ``exif_orientation`` is written into the JPEG's EXIF (the pixels must then be stored
    turned the way that tag undoes)."""
    hard = level == "hard"
    angle = rng.uniform(-3.0, 3.0)
    desk = tuple(rng.randint(60, 140) for _ in range(3))
    if placed is None:
        rotated = page.convert("RGBA").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        mx = int(page.width * rng.uniform(0.02, 0.08))
        my = int(page.height * rng.uniform(0.02, 0.08))
        photo = Image.new("RGB", (rotated.width + 2 * mx, rotated.height + 2 * my), desk)
        photo.paste(rotated, (mx, my), rotated)
    else:
        photo = placed

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
    if finish is not None:
        photo = finish(photo)
    out = io.BytesIO()
    if exif_orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        photo.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    else:
        photo.save(out, "JPEG", quality=quality)
    return out.getvalue()


def license_sample(
    seed: int, level: str = "ordinary", *, font: str | None = None, held_out: bool = False
) -> Sample:
    """One license photo, fully determined by ``seed``, ``level`` and ``held_out``.

    Every third code is of the ``MA…`` kind. ``font`` forces the Song face of the code
    (``sungti``, ``uming``, ``noto_serif``); by default it cycles with the seed (held out:
    drawn at random). The held-out stream is never used to tune the reader.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    rng = random.Random(f"license-{level}-{seed}" if not held_out else f"heldout-{level}-{seed}")
    code = _check_alphabet(make_uscc(rng, "ma" if seed % 3 == 0 else "digits"))
    names = sorted(SONG_FONTS)
    name = font or (rng.choice(names) if held_out else names[seed % len(names)])
    digit_px = rng.uniform(14.0, 18.0) if level == "hard" else rng.uniform(18.0, 30.0)
    page, fields = _render_license(code, rng, SONG_FONTS[name], digit_px)
    image = _photograph(page, rng, level)
    return Sample(image, code, level, name, digit_px, seed, fields=fields, condition=level)


def corpus(
    count: int, level: str = "ordinary", *, start: int = 0, held_out: bool = False
) -> list[Sample]:
    """``count`` samples with seeds ``start`` … ``start + count - 1``. ``level`` is one of
    :data:`LEVELS` or of :data:`CONDITIONS`; ``held_out`` draws from the held-out stream."""
    if level in CONDITIONS:
        return [
            applicant_sample(seed, level, held_out=held_out) for seed in range(start, start + count)
        ]
    return [license_sample(seed, level, held_out=held_out) for seed in range(start, start + count)]


# --- photos as applicants take them -----------------------------------------------------------

#: How applicants photograph their license (issue 19), each a condition of the corpus:
#: ``angled`` on a table at an angle (perspective up to ~10 % of the page, a textured desk
#: around it); ``turned_90``/``turned_180``/``turned_270`` turned clockwise with no EXIF tag;
#: ``exif_rotated`` stored turned with the EXIF tag that undoes it; ``shadow`` a hard-edged
#: shadow across the page besides the uneven light; ``copy_mark`` a semi-transparent
#: "仅供…使用" stamp in red, grey or blue, diagonal, across the code line; ``screenshot`` a
#: clean screen capture about 1,000–1,300 px wide; ``top_part`` only the top of the page.
CONDITIONS = (
    "angled",
    "turned_90",
    "turned_180",
    "turned_270",
    "exif_rotated",
    "shadow",
    "copy_mark",
    "screenshot",
    "top_part",
)
_COPY_MARKS = (
    "仅供TikTok Shop入驻使用",
    "仅供TikTok Shop跨境入驻使用",
    "仅供TikTok Shop美国跨境店入驻使用 他用无效",
    "此复印件仅供TikTok Shop入驻审核使用",
)
_MARK_COLOURS = {"red": (215, 35, 35), "grey": (95, 95, 95), "blue": (35, 75, 200)}


def applicant_sample(
    seed: int, condition: str, *, held_out: bool = False, font: str | None = None
) -> Sample:
    """One license photo taken under ``condition`` (:data:`CONDITIONS`), fully determined by
    ``seed``, ``condition`` and ``held_out`` (the held-out stream draws its seeds, faces and
    damage from another random stream, and is never used to tune the reader)."""
    if condition not in CONDITIONS:
        raise ValueError(f"condition must be one of {CONDITIONS}, not {condition!r}")
    stream = "heldout" if held_out else "tuning"
    rng = random.Random(f"applicant-{stream}-{condition}-{seed}")
    code = _check_alphabet(make_uscc(rng, "ma" if rng.random() < 1 / 3 else "digits"))
    names = sorted(SONG_FONTS)
    name = font or (rng.choice(names) if held_out else names[seed % len(names)])
    spec = SONG_FONTS[name]
    if condition == "screenshot":
        # The page drawn at twice the size, then shrunk to the screen's width: a capture of a
        # scan on screen, sharp but soft at the edges.
        width = rng.uniform(1000, 1300)
        digit_px = width / 297 * 4.23 * _digit_ratio(spec)
        big, fields = _render_license(code, rng, spec, 2 * digit_px)
        page = big.resize((round(width), round(width * 210 / 297)), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if rng.random() < 0.5:
            page.save(out, "PNG")
        else:
            page.save(out, "JPEG", quality=rng.randint(80, 95))
        return Sample(
            out.getvalue(), code, "screenshot", name, digit_px, seed, "CN", fields, condition
        )
    digit_px = rng.uniform(18.0, 30.0)
    page, fields = _render_license(code, rng, spec, digit_px)
    image = _applicant_photo(page, rng, condition)
    return Sample(image, code, "ordinary", name, digit_px, seed, "CN", fields, condition)


def _applicant_photo(page: Image.Image, rng: random.Random, condition: str) -> bytes:
    if condition == "angled":
        return _photograph(page, rng, "ordinary", placed=_on_the_table(page, rng))
    if condition.startswith("turned_"):
        turn = int(condition.removeprefix("turned_"))
        # Image.rotate turns counter-clockwise: the photo is turned ``turn`` degrees clockwise.
        return _photograph(page, rng, "ordinary", finish=lambda p: p.rotate(-turn, expand=True))
    if condition == "exif_rotated":
        tag, stored = rng.choice(
            (
                (6, Image.Transpose.ROTATE_90),
                (8, Image.Transpose.ROTATE_270),
                (3, Image.Transpose.ROTATE_180),
            )
        )
        return _photograph(
            page, rng, "ordinary", finish=lambda p: p.transpose(stored), exif_orientation=tag
        )
    if condition == "shadow":
        return _photograph(_shadow(page, rng), rng, "ordinary")
    if condition == "copy_mark":
        return _photograph(_copy_mark(page, rng), rng, "ordinary")
    if condition == "top_part":
        share = rng.uniform(0.38, 0.6)
        return _photograph(
            page, rng, "ordinary", finish=lambda p: p.crop((0, 0, p.width, round(p.height * share)))
        )
    raise ValueError(condition)


def _perspective_coefficients(
    source: list[tuple[float, float]], target: list[tuple[float, float]]
) -> list[float]:
    """Pillow's PERSPECTIVE coefficients mapping each ``target`` corner (output pixel) back to
    its ``source`` corner (input pixel)."""
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for point in source for c in point], dtype=np.float64)
    return np.linalg.solve(a, b).tolist()


def _on_the_table(page: Image.Image, rng: random.Random) -> Image.Image:
    """The page on a textured desk seen at an angle: each corner moved by up to ~10 % of the
    page's size (the far edge shorter, as a tilted camera sees it), the whole turned a few
    degrees, with a margin of desk around it."""
    w, h = page.size
    tilt = rng.uniform(0.03, 0.10)
    far_top = rng.random() < 0.5
    jitter = 0.025
    corners = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    moved = []
    for cx, cy in corners:
        shrink = tilt / 2 if (cy == 0.0) == far_top else 0.0
        dx = (shrink if cx == 0.0 else -shrink) + rng.uniform(-jitter, jitter)
        dy = rng.uniform(-jitter, jitter)
        moved.append((cx + dx, cy + dy))
    angle = math.radians(rng.uniform(-6.0, 6.0))
    margin = rng.uniform(0.08, 0.16)
    out_w, out_h = round(w * (1 + 2 * margin)), round(h * (1 + 2 * margin))
    target = []
    for x, y in moved:
        px, py = (x - 0.5) * w, (y - 0.5) * h
        rx = px * math.cos(angle) - py * math.sin(angle)
        ry = px * math.sin(angle) + py * math.cos(angle)
        target.append((out_w / 2 + rx, out_h / 2 + ry))
    source = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    coefficients = _perspective_coefficients(source, target)
    warped = page.convert("RGBA").transform(
        (out_w, out_h), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC
    )
    desk = _desk((out_w, out_h), rng)
    desk.paste(warped, (0, 0), warped)
    return desk


def _desk(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A wood-grain-ish desk: a base colour with streaks and noise."""
    w, h = size
    base = np.array([rng.randint(70, 150), rng.randint(50, 110), rng.randint(30, 80)], np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(0.02, 0.06) * h
    grain = np.sin(yy / period + 3 * np.sin(xx / (0.3 * w))) * rng.uniform(8, 20)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 6, (h, w))
    arr = base[None, None, :] + (grain + noise)[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _shadow(page: Image.Image, rng: random.Random) -> Image.Image:
    """A hard-edged shadow (a hand, a phone) across the page: everything on one side of a
    line through the top left part darkened to 45–70 %, the edge softened a little."""
    w, h = page.size
    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    # A line through a point of the code's area, at a random angle; the shadow on one side.
    px, py = rng.uniform(0.05, 0.45) * w, rng.uniform(0.08, 0.3) * h
    theta = rng.uniform(0, math.pi)
    dx, dy = math.cos(theta) * 3 * w, math.sin(theta) * 3 * w
    nx, ny = -math.sin(theta) * 3 * w, math.cos(theta) * 3 * w
    side = 1 if rng.random() < 0.5 else -1
    draw.polygon(
        [
            (px - dx, py - dy),
            (px + dx, py + dy),
            (px + dx + side * nx, py + dy + side * ny),
            (px - dx + side * nx, py - dy + side * ny),
        ],
        fill=255,
    )
    mask = mask.filter(ImageFilter.GaussianBlur(rng.uniform(0.002, 0.01) * w))
    darkness = rng.uniform(0.45, 0.7)
    shade = np.asarray(mask, dtype=np.float32) / 255.0
    factor = 1.0 - (1.0 - darkness) * shade
    arr = np.asarray(page.convert("RGB"), dtype=np.float32) * factor[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _copy_mark(page: Image.Image, rng: random.Random) -> Image.Image:
    """A semi-transparent "仅供…使用" stamp across the page, diagonal, its first line over the
    code line; red, grey or blue, as applicants are told to mark their copies."""
    w, h = page.size
    ppm = w / 297
    text = rng.choice(_COPY_MARKS)
    colour = _MARK_COLOURS[rng.choice(sorted(_MARK_COLOURS))]
    alpha = rng.randint(70, 140)
    font = _font(rng.choice((_NOTO_SANS, _NOTO_SANS_BOLD)), round(rng.uniform(7, 12) * ppm))
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    angle = rng.uniform(15, 35) * (1 if rng.random() < 0.5 else -1)
    for k, (fx, fy) in enumerate(((rng.uniform(0.18, 0.32), 0.14), (0.5, 0.5), (0.7, 0.82))):
        span = font.getlength(text)
        stamp = Image.new("RGBA", (round(span + font.size), round(font.size * 1.6)), (0, 0, 0, 0))
        ImageDraw.Draw(stamp).text(
            (font.size / 2, font.size * 0.8), text, font=font, fill=(*colour, alpha), anchor="lm"
        )
        stamp = stamp.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        x, y = round(fx * w - stamp.width / 2), round(fy * h - stamp.height / 2)
        if k == 0:  # the first stamp's middle on the code line, so it crosses the code
            x = round(rng.uniform(55, 95) * ppm - stamp.width / 2)
            y = round(rng.uniform(26, 32) * ppm - stamp.height / 2)
        layer.alpha_composite(stamp, (max(-stamp.width + 1, x), max(-stamp.height + 1, y)))
    out = page.convert("RGBA")
    out.alpha_composite(layer)
    return out.convert("RGB")


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
    page, brn, business, digit_px = _render_hk_br(rng, lambda: _hk_digit_px(rng, level))
    image = _photograph(page, rng, level)
    fields = {"company_name": business}
    return Sample(image, brn, level, "dejavu_serif", digit_px, seed, "HK", fields, level)


def _hk_digit_px(rng: random.Random, level: str) -> float:
    return rng.uniform(13.0, 16.5) if level == "hard" else rng.uniform(18.0, 28.0)


_DEJAVU_SERIF = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0)
_DEJAVU_SERIF_BOLD = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", 0)


def _render_hk_br(
    rng: random.Random, size_of: Callable[[], float]
) -> tuple[Image.Image, str, str, float]:
    """The clean BR certificate page, its BR number, its business name and the height of
    its digits (``size_of`` draws it, after the number: the random stream's order)."""
    brn = f"{rng.randint(10000000, 79999999)}"
    cert = (
        f"{brn}-000-{rng.randint(1, 12):02d}-{rng.randint(19, 26):02d}-{rng.choice('0123456789A')}"
    )
    digit_px = size_of()
    serif, serif_bold = _DEJAVU_SERIF, _DEJAVU_SERIF_BOLD
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
    business = _hk_business_name(rng)
    rows = [
        ("業務名稱 Name of Business", business),
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
    return page, brn, business, digit_px


_HK_WORDS = (
    "STARRIVER", "BLUE", "BAY", "GOLDEN", "HARBOUR", "PEARL", "DRAGON", "ORIENT", "SUNRISE",
    "JADE", "VICTORIA", "KOWLOON", "PACIFIC", "UNITED", "GRAND", "BRIGHT", "EVERGREEN", "NOBLE",
)  # fmt: skip
_HK_TRADES = ("TRADING", "HOLDINGS", "INTERNATIONAL", "TECHNOLOGY", "SUPPLY CHAIN", "COMMERCE")
_HK_FORMS = ("LIMITED", "LIMITED", "CO., LIMITED", "COMPANY LIMITED")


def _hk_business_name(rng: random.Random) -> str:
    """A Hong Kong company's name in capitals, as the certificate prints it."""
    words = rng.sample(_HK_WORDS, rng.choice((1, 2)))
    return " ".join([*words, rng.choice(_HK_TRADES), rng.choice(_HK_FORMS)])


# --- a corpus on disk --------------------------------------------------------------------------


def cached_corpus(
    count: int,
    level: str,
    directory: str | os.PathLike[str],
    *,
    start: int = 0,
    held_out: bool = False,
) -> list[Sample]:
    """:func:`corpus`, kept as files under ``directory`` (one image and one JSON of its truth
    per sample) so that the big corpora of the benchmark are drawn once, not on every run.
    A file is trusted only when its JSON is there and names the same sample."""
    folder = Path(directory) / f"{'heldout' if held_out else 'tuning'}-{level}"
    folder.mkdir(parents=True, exist_ok=True)
    samples = []
    for seed in range(start, start + count):
        image, truth = folder / f"{seed}.img", folder / f"{seed}.json"
        if image.exists() and truth.exists():
            meta = json.loads(truth.read_text())
            samples.append(Sample(image=image.read_bytes(), **meta))
            continue
        (sample,) = corpus(1, level, start=seed, held_out=held_out)
        image.write_bytes(sample.image)
        meta = {k: v for k, v in dataclasses.asdict(sample).items() if k != "image"}
        truth.write_text(json.dumps(meta, ensure_ascii=False))
        samples.append(sample)
    return samples


# --- Hong Kong: the Certificate of Incorporation, and both certificates as photographed -------

#: The two Hong Kong registration documents (RULES.md §4 kinds), by the factory's name.
HK_DOCUMENTS = ("hk_business_registration", "hk_incorporation_certificate")

#: English words of Hong Kong company names with the Chinese (traditional) words companies
#: pair them with, as on a certificate that prints both names.
_HK_NAME_PAIRS = (
    ("STARRIVER", "星河"), ("BLUE BAY", "藍灣"), ("GOLDEN", "金"), ("HARBOUR", "海港"),
    ("PEARL", "明珠"), ("DRAGON", "龍"), ("ORIENT", "東方"), ("SUNRISE", "旭日"),
    ("JADE", "翡翠"), ("VICTORIA", "維多利亞"), ("KOWLOON", "九龍"), ("PACIFIC", "太平洋"),
    ("UNITED", "聯合"), ("GRAND", "宏大"), ("BRIGHT", "光明"), ("EVERGREEN", "長青"),
    ("NOBLE", "尊貴"), ("HARVEST", "豐收"), ("GREAT WALL", "長城"), ("SILVER", "銀河"),
    ("FORTUNE", "富源"), ("WING ON", "永安"), ("TAI PING", "太平"), ("CHEUNG KONG", "長江"),
)  # fmt: skip
_HK_TRADE_PAIRS = (
    ("TRADING", "貿易"), ("HOLDINGS", "控股"), ("INTERNATIONAL", "國際"),
    ("TECHNOLOGY", "科技"), ("SUPPLY CHAIN", "供應鏈"), ("COMMERCE", "商務"),
    ("E-COMMERCE", "電子商務"), ("INDUSTRIAL", "實業"), ("DEVELOPMENT", "發展"),
    ("IMPORT & EXPORT", "進出口"), ("ENTERPRISE", "企業"), ("LOGISTICS", "物流"),
)  # fmt: skip
_HK_FORM_PAIRS = (
    ("LIMITED", "有限公司"), ("LIMITED", "有限公司"), ("COMPANY LIMITED", "有限公司"),
    ("CO., LIMITED", "有限公司"), ("(HONG KONG) LIMITED", "（香港）有限公司"),
)  # fmt: skip
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_ZH_DIGITS = "〇一二三四五六七八九"
#: Faces the certificate's English text is printed in (the benchmark reports per face).
HK_FACES = {
    "dejavu_serif": (_DEJAVU_SERIF, _DEJAVU_SERIF_BOLD),
    "noto_serif": (
        ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 3),
        ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 3),
    ),
    "dejavu_sans": (
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
    ),
}
#: Traditional-Chinese faces of the certificate's Chinese text.
_TC_SERIF = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 3)
_TC_SERIF_BOLD = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 3)
_TC_MING = ("/usr/share/fonts/truetype/arphic/uming.ttc", 2)  # AR PL UMing TW


def hk_company_names(rng: random.Random) -> tuple[str, str | None]:
    """A Hong Kong company's English name in capitals and, for most companies (about two
    in three), its Chinese name in traditional characters (``None`` without one)."""
    words = rng.sample(_HK_NAME_PAIRS, rng.choice((1, 1, 2)))
    trade, form = rng.choice(_HK_TRADE_PAIRS), rng.choice(_HK_FORM_PAIRS)
    english = " ".join([*(en for en, _zh in words), trade[0], form[0]])
    chinese = "".join([*(zh for _en, zh in words), trade[1], form[1]])
    return english, chinese if rng.random() < 0.65 else None


def _zh_date(day: int, month: int, year: int) -> str:
    """二〇二一年三月十二日, as the certificate writes its date in Chinese."""

    def number(value: int) -> str:
        if value < 10:
            return _ZH_DIGITS[value]
        tens, units = divmod(value, 10)
        return ("十" if tens == 1 else _ZH_DIGITS[tens] + "十") + (
            _ZH_DIGITS[units] if units else ""
        )

    return "".join(_ZH_DIGITS[int(c)] for c in str(year)) + f"年{number(month)}月{number(day)}日"


def _render_hk_ci(
    rng: random.Random, digit_px: float, face: str
) -> tuple[Image.Image, str, dict[str, str]]:
    """The clean Certificate of Incorporation (Companies Ordinance, Cap. 622), A4 portrait:
    the company number top right, the regional emblem, the ordinance, the title in both
    languages, "I hereby certify that <NAME> <中文名稱> is this day incorporated in Hong Kong
    under the Companies Ordinance…", the date, the Registrar's signature and seal. Returns
    the page, the number as ``validate_hk_ci`` normalises it (8 digits) and the names."""
    regular, bold = (_font_spec for _font_spec in HK_FACES[face])
    size = round(digit_px / _digit_ratio(regular))
    ppm = size / 4.0
    width, height = round(210 * ppm), round(297 * ppm)
    page = Image.new("RGB", (width, height), (248, 246, 240))
    draw = ImageDraw.Draw(page)
    _guilloche(draw, width, height, rng, ppm)
    ink = (rng.randint(10, 35),) * 3
    cx = width / 2
    year = rng.randint(2014, 2025)  # Cap. 622 came into force on 3 March 2014
    # Certificates issued since 27 December 2023 print the 8-digit BR number (the Unique
    # Business Identifier); earlier ones the Companies Registry's number, up to 7 digits.
    if year >= 2024:
        printed = f"{rng.randint(10000000, 79999999)}"
    else:
        printed = f"{rng.randint(600000, 3399999)}"
    english, chinese = hk_company_names(rng)
    month, day = rng.randint(1, 12), rng.randint(1, 28)

    # The number, top right: 編號 No. 2837074
    number_font = _font(regular, size)
    label = _font(_NOTO_SANS, size)
    nx = rng.uniform(120, 135) * ppm
    ny = rng.uniform(16, 20) * ppm
    draw.text((nx, ny), "編號", font=label, fill=ink, anchor="lm")
    x = nx + label.getlength("編號") + 1.5 * ppm
    draw.text((x, ny), "No.", font=number_font, fill=ink, anchor="lm")
    x += number_font.getlength("No.") + 2 * ppm
    draw.text((x, ny), printed, font=number_font, fill=ink, anchor="lm")

    # The emblem stand-in (a red disc with a white five-petal flower).
    r = 10 * ppm
    ey = 38 * ppm
    draw.ellipse((cx - r, ey - r, cx + r, ey + r), fill=(200, 30, 40))
    for k in range(5):
        angle = -math.pi / 2 + k * 2 * math.pi / 5
        px, py = cx + 0.5 * r * math.cos(angle), ey + 0.5 * r * math.sin(angle)
        draw.ellipse((px - 0.32 * r, py - 0.32 * r, px + 0.32 * r, py + 0.32 * r), fill="white")

    small_zh = _font(_TC_SERIF, round(4.2 * ppm))
    small_en = _font(regular, round(3.6 * ppm))
    draw.text((cx, 58 * ppm), "公司條例（第622章）", font=small_zh, fill=ink, anchor="mm")
    draw.text(
        (cx, 65 * ppm), "COMPANIES ORDINANCE (CHAPTER 622)", font=small_en, fill=ink, anchor="mm"
    )
    draw.text(
        (cx, 80 * ppm),
        "公 司 註 冊 證 明 書",
        font=_font(_TC_SERIF_BOLD, round(8 * ppm)),
        fill=ink,
        anchor="mm",
    )
    draw.text(
        (cx, 93 * ppm),
        "CERTIFICATE OF INCORPORATION",
        font=_font(bold, round(6 * ppm)),
        fill=ink,
        anchor="mm",
    )

    body_zh = _font(rng.choice((_TC_SERIF, _TC_MING)), round(4.6 * ppm))
    body_en = _font(regular, round(4.2 * ppm))
    draw.text((cx, 110 * ppm), "本人謹此證明", font=body_zh, fill=ink, anchor="mm")
    draw.text((cx, 118 * ppm), "I hereby certify that", font=body_en, fill=ink, anchor="mm")
    name_font = _font(bold, round(5.2 * ppm))
    while name_font.getlength(english) > 170 * ppm:  # a long name is set smaller
        name_font = _font(bold, name_font.size - 1)
    draw.text((cx, 133 * ppm), english, font=name_font, fill=ink, anchor="mm")
    y = 133 * ppm
    if chinese is not None:
        y += 11 * ppm
        draw.text(
            (cx, y), chinese, font=_font(_TC_SERIF_BOLD, round(5.6 * ppm)), fill=ink, anchor="mm"
        )
    y += 16 * ppm
    draw.text(
        (cx, y),
        "於本日根據《公司條例》在香港成立為法團，並且此公司是有限公司。",
        font=body_zh,
        fill=ink,
        anchor="mm",
    )
    for line in (
        "is this day incorporated in Hong Kong under the Companies Ordinance,",
        "and that this company is limited.",
    ):
        y += 8 * ppm
        draw.text((cx, y), line, font=body_en, fill=ink, anchor="mm")
    y += 16 * ppm
    draw.text(
        (cx, y),
        f"本證明書於{_zh_date(day, month, year)}發出。",
        font=body_zh,
        fill=ink,
        anchor="mm",
    )
    y += 8 * ppm
    issued = f"Issued on {day} {_MONTHS[month - 1]} {year}."
    draw.text((cx, y), issued, font=body_en, fill=ink, anchor="mm")

    # The Registrar's signature (a pen stroke), name and office; the Registry's seal.
    sx, sy = 118 * ppm, 238 * ppm
    points = [
        (sx + t * 1.6 * ppm, sy + math.sin(t * rng.uniform(0.5, 0.9)) * rng.uniform(2, 4) * ppm)
        for t in range(30)
    ]
    draw.line(points, fill=(20, 30, 90), width=max(1, round(0.5 * ppm)))
    draw.text((150 * ppm, 250 * ppm), "公司註冊處處長", font=body_zh, fill=ink, anchor="mm")
    draw.text((150 * ppm, 258 * ppm), "Registrar of Companies", font=body_en, fill=ink, anchor="mm")
    draw.text((150 * ppm, 266 * ppm), "Hong Kong", font=body_en, fill=ink, anchor="mm")
    seal = _seal(round(36 * ppm), "香港公司註冊處", rng)
    page.paste(seal, (round(rng.uniform(25, 40) * ppm), round(rng.uniform(225, 240) * ppm)), seal)
    fields = {"company_name": english}
    if chinese is not None:
        fields["company_name_zh"] = chinese
    return page, printed.rjust(8, "0"), fields


def hk_sample(
    document: str, seed: int, condition: str = "ordinary", *, held_out: bool = False
) -> Sample:
    """One photo of a Hong Kong registration document, fully determined by its arguments:
    ``document`` one of :data:`HK_DOCUMENTS`; ``condition`` a level (:data:`LEVELS`) or a
    way applicants photograph it (:data:`CONDITIONS`); ``held_out`` draws from the stream
    never used to tune the reader (its faces at random where the tuning stream cycles).

    ``code`` is the number the reader should report (the BR number; the CI's number as
    ``validate_hk_ci`` normalises it, 8 digits) and ``fields`` the names printed
    (``company_name``; on a CI with a Chinese name, ``company_name_zh`` too)."""
    if document not in HK_DOCUMENTS:
        raise ValueError(f"document must be one of {HK_DOCUMENTS}, not {document!r}")
    if condition not in LEVELS and condition not in CONDITIONS:
        raise ValueError(f"condition must be one of {LEVELS + CONDITIONS}, not {condition!r}")
    stream = "heldout" if held_out else "tuning"
    rng = random.Random(f"hk-{document}-{stream}-{condition}-{seed}")
    level = "hard" if condition == "hard" else "ordinary"
    faces = sorted(HK_FACES)
    face = rng.choice(faces) if held_out else faces[seed % len(faces)]
    screenshot = condition == "screenshot"
    # A screenshot is drawn at twice its size and shrunk to a screen's width.
    scale = 2.0 if screenshot else 1.0
    digit_px = scale * _hk_digit_px(rng, level)
    if document == "hk_business_registration":
        face = "dejavu_serif"
        page, code, business, digit_px = _render_hk_br(rng, lambda: digit_px)
        fields = {"company_name": business}
    else:
        page, code, fields = _render_hk_ci(rng, digit_px, face)
    if screenshot:
        width = rng.uniform(1000, 1300)
        digit_px *= width / page.width
        page = page.resize((round(width), round(width * 297 / 210)), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if rng.random() < 0.5:
            page.save(out, "PNG")
        else:
            page.save(out, "JPEG", quality=rng.randint(80, 95))
        image = out.getvalue()
    elif condition in LEVELS:
        image = _photograph(page, rng, level)
    else:
        image = _applicant_photo(page, rng, condition)
    return Sample(image, code, level, face, digit_px, seed, "HK", fields, condition)


def hk_corpus(
    document: str,
    count: int,
    condition: str = "ordinary",
    *,
    start: int = 0,
    held_out: bool = False,
    directory: str | os.PathLike[str] | None = None,
) -> list[Sample]:
    """``count`` :func:`hk_sample` photos with seeds ``start`` … ``start + count - 1``; with
    ``directory``, kept there as files (an image and its truth as JSON, as
    :func:`cached_corpus` keeps them) and drawn once."""
    folder = None
    if directory is not None:
        stream = "heldout" if held_out else "tuning"
        folder = Path(directory) / f"{document}-{stream}-{condition}"
        folder.mkdir(parents=True, exist_ok=True)
    samples = []
    for seed in range(start, start + count):
        if folder is not None and (folder / f"{seed}.json").exists():
            meta = json.loads((folder / f"{seed}.json").read_text())
            samples.append(Sample(image=(folder / f"{seed}.img").read_bytes(), **meta))
            continue
        sample = hk_sample(document, seed, condition, held_out=held_out)
        if folder is not None:
            (folder / f"{seed}.img").write_bytes(sample.image)
            meta = {k: v for k, v in dataclasses.asdict(sample).items() if k != "image"}
            (folder / f"{seed}.json").write_text(json.dumps(meta, ensure_ascii=False))
        samples.append(sample)
    return samples
