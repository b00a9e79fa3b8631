"""Deterministic, realistic benchmark input: N distinct applications as JSON lines.

The same seed gives the same lines, byte for byte, so two runs of ``make bench`` measure the
same work. Every line is distinct (a set of the lines written guards it), and each one varies
in platform, region, dates, numbers, names, links and identifiers, so neither a cache nor a
branch predictor warmed on one shape flatters the figures.

The mix is built to cover every verdict of RULES.md: an *intent* is drawn per application
(eligible, ineligible, incomplete, review) and the application is spoiled accordingly, one or
two realistic mistakes at a time (a rating under 4.0, an amazon.co.uk link, a mistyped
check character, a missing screenshot, a registered name given in English ...). A small
share of lines are malformed input (a rating sent as a string, a date as ``2025/03/01``, an
unknown field) as real agency batches are; ``malformed_share=0`` leaves them out, which the
HTTP benchmark uses so that every request is a 200.

Identifiers are computed, not copied: USCCs carry both check characters (GB 11714 at
position 17, mod 31 at 18), resident IDs their ISO 7064 MOD 11-2 digit, HKIDs their mod-11
check, so the identifier rules do their full work on valid numbers too.

Run as ``python -m tests.benchmarks.datagen N [SEED] > batch.jsonl``.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_2

SEED = 20261122
#: Share of malformed lines in the engine benchmark's batch (bad types, unknown fields).
MALFORMED_SHARE = 0.005

INTENTS = ("eligible", "ineligible", "incomplete", "review")
INTENT_WEIGHTS = (40, 30, 15, 15)

PLATFORMS = ("amazon", "walmart", "ebay", "amazon_vc", "walmart_dsv", "independent")
PLATFORM_WEIGHTS = (34, 16, 14, 10, 10, 16)

CATEGORIES = (
    "womenswear",
    "menswear",
    "shoes",
    "luggage",
    "fashion_accessories",
    "beauty_personal_care",
    "health",
    "baby_maternity",
    "kids_fashion",
    "toys",
    "sports_outdoor",
    "home_supplies",
    "kitchenware",
    "textiles",
    "household_appliances",
    "furniture",
    "home_improvement",
    "tools_hardware",
    "automotive",
    "pet_supplies",
    "phones_electronics",
    "computers_office",
    "books_media",
    "food_beverages",
    "collectibles",
)

# Registration divisions (GB/T 2260) where cross-border sellers cluster, with city names.
_DIVISIONS = (
    ("440300", "深圳市"),
    ("440100", "广州市"),
    ("441900", "东莞市"),
    ("440600", "佛山市"),
    ("330100", "杭州市"),
    ("330782", "义乌市"),
    ("330200", "宁波市"),
    ("350200", "厦门市"),
    ("350100", "福州市"),
    ("310115", "上海市"),
    ("320500", "苏州市"),
    ("370200", "青岛市"),
)
_BRAND_ZH = (
    "星河",
    "蓝鲸",
    "云帆",
    "启航",
    "锦程",
    "万象",
    "优品",
    "森木",
    "嘉禾",
    "鸿运",
    "卓越",
    "晨光",
    "海纳",
    "瑞丰",
    "智联",
    "悦享",
    "青禾",
    "极光",
    "远景",
    "宏图",
)
_BRAND_EN = (
    "Starriver",
    "Bluewhale",
    "Cloudsail",
    "Setsail",
    "Jincheng",
    "Vista",
    "Topgoods",
    "Senmu",
    "Harvest",
    "Fortune",
    "Zenith",
    "Dawnlight",
    "Oceanic",
    "Richfield",
    "Smartlink",
    "Joyshare",
    "Greenleaf",
    "Aurora",
    "Farsight",
    "Grandplan",
)
_TRADE_ZH = ("跨境电子商务", "电子商务", "贸易", "科技", "进出口", "家居用品", "实业", "供应链")
_TRADE_EN = ("Trading", "Technology", "E-commerce", "Import & Export", "Home", "Supply Chain")
_SHOP_WORDS = ("Home", "Living", "Outdoors", "Style", "Tech", "Kids", "Pets", "Beauty", "Gear")
_SURNAMES = ("张", "王", "李", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱")
_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明")
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "foxmail.com", "gmail.com", "outlook.com")
#: Hong Kong mobile blocks that are allocated through and through (libphonenumber agrees).
_HK_MOBILE = ("61", "63", "64", "65", "69", "94", "96", "97")
_CN_MOBILE = ("130", "131", "135", "136", "138", "139", "150", "152", "158", "186", "188", "189")

# GB 32100 alphabet (no I, O, S, V, Z) and GB 11714's own letter values (A=10 ... Z=35).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_LATIN36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_HKID_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)


# --- identifiers ---------------------------------------------------------------------------


def _org_check(body: str) -> str:
    value = 11 - sum(_LATIN36.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc(rng: random.Random, division: str, *, letters: bool) -> str:
    """A valid USCC: authority 9, type 1, ``division``, an organisation code (``MA…`` for the
    post-2015 kind when ``letters``) with its GB 11714 check, then the mod-31 check."""
    if letters:
        body = "MA" + "".join(rng.choice(_USCC_ALPHABET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "91" + division + body + _org_check(body)
    if first17[16] not in _USCC_ALPHABET:  # pragma: no cover - X is in both alphabets
        return uscc(rng, division, letters=letters)
    return first17 + stdnum_uscc.calc_check_digit(first17)


def resident_id(rng: random.Random, division: str, born: date) -> str:
    first17 = f"{division}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + mod_11_2.calc_check_digit(first17)


def hkid(rng: random.Random) -> str:
    prefix = rng.choice(("A", "C", "D", "E", "G", "H", "K", "P", "R", "Y", "XA"))
    digits = f"{rng.randrange(10**6):06d}"
    values = [36] * (2 - len(prefix)) + [_LATIN36.index(c) for c in prefix + digits]
    total = sum(v * w for v, w in zip(values, _HKID_WEIGHTS, strict=True))
    check = "0123456789A"[(11 - total % 11) % 11]
    return f"{prefix}{digits}({check})"


def _mistype(rng: random.Random, text: str, alphabet: str = "0123456789") -> str:
    """``text`` with one character replaced by another one: a typing slip."""
    i = rng.randrange(len(text))
    others = [c for c in alphabet if c != text[i]]
    return text[:i] + rng.choice(others) + text[i + 1 :]


# --- one application -----------------------------------------------------------------------


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _months_before(as_of: date, rng: random.Random, low: float, high: float) -> str:
    return (as_of - timedelta(days=round(rng.uniform(low, high) * 30.44))).isoformat()


def _store(rng: random.Random, platform: str, as_of: date, brand: str, registered: str) -> dict:
    seller = "A" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(13))
    urls = {
        "amazon": f"https://www.amazon.com/sp?ie=UTF8&seller={seller}",
        "walmart": f"https://www.walmart.com/seller/{rng.randrange(10**8, 10**9)}",
        "ebay": f"https://www.ebay.com/{rng.choice(('str', 'usr'))}/{brand.lower()}"
        f"{rng.randrange(100, 9999)}",
        "amazon_vc": f"https://www.amazon.com/dp/B0{rng.randrange(10**6, 10**7)}"
        f"{rng.choice('XYZ')}",
        "walmart_dsv": f"https://www.walmart.com/ip/{brand.lower()}-item/"
        f"{rng.randrange(10**8, 10**9)}",
        "independent": f"https://www.{brand.lower()}{rng.choice(('home', 'shop', 'store'))}"
        f"{rng.randrange(10, 999)}.com",
    }
    store: dict[str, Any] = {
        "platform": platform,
        "url": urls[platform],
        "registered_entity": registered,
        "opened_on": _months_before(as_of, rng, 3.2, 72),
        "rating": None,
        "positive_feedback_pct": None,
        "gmv_12m_usd": None,
        "account_health": None,
        "trustpilot_rating": None,
        "social_followers": None,
        "last_supply_date": None,
        "main_category": None,
    }
    if platform in ("amazon", "walmart"):
        store["rating"] = round(rng.uniform(4.0, 5.0), 1)
    if platform == "amazon":
        store["account_health"] = rng.randrange(250, 1001)
    if platform in ("walmart", "ebay"):
        store["gmv_12m_usd"] = rng.randrange(500_000, 8_000_000, 50)
    if platform == "ebay":
        store["positive_feedback_pct"] = round(rng.uniform(90, 100), 1)
    if platform in ("amazon_vc", "walmart_dsv"):
        store["last_supply_date"] = _months_before(as_of, rng, 0, 2.8)
    if platform == "independent":
        store["trustpilot_rating"] = round(rng.uniform(3.8, 5.0), 1)
        store["social_followers"] = rng.randrange(10_000, 800_000)
    return store


def _documents(rng: random.Random, region: str, platform: str, number: int) -> dict[str, str]:
    kinds = ["legal_rep_id", "seller_info_screenshot"]
    kinds += ["business_license"] if region == "CN" else ["hk_incorporation_certificate"]
    if region != "CN":
        kinds.append("hk_business_registration")
    kinds += {
        "amazon": ["gmv_screenshot", "account_health_screenshot"],
        "walmart": ["gmv_screenshot"],
        "ebay": ["gmv_screenshot"],
        "amazon_vc": ["supply_record"],
        "walmart_dsv": ["supply_record"],
        "independent": ["gmv_screenshot", "trustpilot_screenshot", "social_followers_screenshot"],
    }[platform]
    folder = f"docs/{number:06d}"
    return {kind: f"{folder}/{kind}.{rng.choice(('jpg', 'png'))}" for kind in kinds}


def application(rng: random.Random, number: int) -> tuple[str, dict[str, Any]]:
    """One application and the verdict it was built to get (``intent``); ``number`` only
    names its document folder."""
    intent = rng.choices(INTENTS, INTENT_WEIGHTS)[0]
    platform = rng.choices(PLATFORMS, PLATFORM_WEIGHTS)[0]
    region = "CN" if rng.random() < 0.86 else "HK"
    as_of = _day(rng, date(2026, 6, 1), date(2026, 12, 31))
    division, city = rng.choice(_DIVISIONS)
    k = rng.randrange(len(_BRAND_ZH))
    brand_en = _BRAND_EN[k] + rng.choice(("", "", "Tech", "Home", "Go", "Pro"))
    if region == "CN":
        company = f"{city}{_BRAND_ZH[k]}{rng.choice(_TRADE_ZH)}有限公司"
        license_number = uscc(rng, division, letters=rng.random() < 0.7)
    else:
        company = f"{brand_en} {rng.choice(_TRADE_EN)} Limited"
        license_number = f"{rng.randrange(10**7, 10**8)}"
        if rng.random() < 0.3:
            license_number += f"-000-{rng.randrange(1, 13):02d}-{rng.randrange(20, 27)}-9"
    category = rng.choice(CATEGORIES)
    born = _day(rng, date(1962, 1, 1), date(2003, 12, 31))
    if region == "CN" or rng.random() < 0.4:
        id_type, id_number = "cn_resident_id", resident_id(rng, division, born)
    else:
        id_type, id_number = "hk_id", hkid(rng)
    if rng.random() < 0.05:
        id_type, id_number = "passport", f"E{rng.randrange(10**7, 10**8)}"
    if region == "CN":
        phone = f"+86 {rng.choice(_CN_MOBILE)} {rng.randrange(10**4):04d} "
        phone += f"{rng.randrange(10**4):04d}"
    else:
        phone = f"+852 {rng.choice(_HK_MOBILE)}{rng.randrange(100):02d} {rng.randrange(10**4):04d}"
    mailbox = rng.choice(("ops", "service", "sales", "admin", brand_en.lower()))
    domain = rng.choice((*_MAIL_DOMAINS, f"{brand_en.lower()}.com"))
    store = _store(rng, platform, as_of, brand_en, company)
    store["main_category"] = category
    data: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "entity": {
            "region": region,
            "company_name": company,
            "license_number": license_number,
            "hk_ci_number": f"{rng.randrange(10**6, 10**7)}" if region == "HK" else None,
        },
        "legal_rep": {
            "name": rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.randrange(1, 3))),
            "id_type": id_type,
            "id_number": id_number,
        },
        "contact": {"phone": phone, "email": f"{mailbox}{rng.randrange(1, 10**5)}@{domain}"},
        "store": store,
        "shop": {
            "name": f"{brand_en} {rng.choice(_SHOP_WORDS)}",
            "main_category": category,
        },
        "fulfillment": {"method": rng.choice(("us_warehouse", "us_warehouse", "fba_mcf"))},
        "entry": {"mode": "standard", "invitation_code": None, "douyin_gmv_180d_cny": None},
        "documents": _documents(rng, region, platform, number),
    }
    if category == "jewelry" and intent != "ineligible":
        # Jewelry enters by invitation only (RULES.md entry.route).
        code = f"INV{rng.randrange(10**6, 10**7)}" if intent != "incomplete" else None
        data["entry"] = {"mode": "invitation", "invitation_code": code}
        if code is None:
            return intent, data
    if rng.random() < 0.05:
        data["entry"]["douyin_gmv_180d_cny"] = rng.randrange(1_000_000, 20_000_000, 1000)
    _SPOIL[intent](rng, data)
    return intent, data


# --- how an application is spoiled, per intent ---------------------------------------------


def _fail_region(rng: random.Random, data: dict) -> None:
    data["entity"]["region"] = rng.choice(("SG", "US", "TW", "MY", "VN"))


def _fail_license(rng: random.Random, data: dict) -> None:
    number = data["entity"]["license_number"]
    if data["entity"]["region"] == "HK":
        data["entity"]["license_number"] = number[: rng.randrange(5, 8)]
    elif rng.random() < 0.5:
        data["entity"]["license_number"] = _mistype(rng, number, _USCC_ALPHABET)
    else:  # the look-alike slips the guide warns about: S for 5, O for 0
        i = rng.randrange(8, 16)
        data["entity"]["license_number"] = number[:i] + rng.choice("SOIZ") + number[i + 1 :]


def _fail_id(rng: random.Random, data: dict) -> None:
    rep = data["legal_rep"]
    if rep["id_type"] == "passport":
        rep["id_number"] = "E12"
    else:
        rep["id_number"] = _mistype(rng, rep["id_number"])


def _fail_phone(rng: random.Random, data: dict) -> None:
    data["contact"]["phone"] = rng.choice(("+86 138 0013", "12345", "+852 1234 567", "phone"))


def _fail_email(rng: random.Random, data: dict) -> None:
    local = data["contact"]["email"].split("@")[0]
    data["contact"]["email"] = rng.choice((f"{local}@", f"{local}.qq.com", f"{local}@@163.com"))


def _fail_url(rng: random.Random, data: dict) -> None:
    store = data["store"]
    foreign = {
        "amazon": store["url"].replace("amazon.com", "amazon.co.uk"),
        "amazon_vc": store["url"].replace("amazon.com", "amazon.de"),
        "walmart": store["url"].replace("walmart.com", "walmart.ca"),
        "walmart_dsv": store["url"].replace("/ip/", "/browse/"),
        "ebay": store["url"].replace("ebay.com", "ebay.de"),
        "independent": store["url"].replace("https://", "http://"),
    }
    store["url"] = foreign[store["platform"]]


def _fail_store_numbers(rng: random.Random, data: dict) -> None:
    store = data["store"]
    as_of = date.fromisoformat(data["as_of"])
    choices = {
        "amazon": ("rating", "account_health", "age"),
        "walmart": ("rating", "gmv_12m_usd", "age"),
        "ebay": ("positive_feedback_pct", "gmv_12m_usd", "age"),
        "amazon_vc": ("last_supply_date", "age"),
        "walmart_dsv": ("last_supply_date", "age"),
        "independent": ("trustpilot_rating", "social_followers", "age"),
    }[store["platform"]]
    which = rng.choice(choices)
    low = {
        "rating": lambda: round(rng.uniform(2.5, 3.9), 1),
        "account_health": lambda: rng.randrange(100, 250),
        "gmv_12m_usd": lambda: rng.randrange(20_000, 500_000, 10),
        "positive_feedback_pct": lambda: round(rng.uniform(70, 89.9), 1),
        "trustpilot_rating": lambda: round(rng.uniform(2.0, 3.7), 1),
        "social_followers": lambda: rng.randrange(200, 10_000),
        "last_supply_date": lambda: _months_before(as_of, rng, 3.2, 14),
        "age": lambda: _months_before(as_of, rng, 0, 2.8),
    }[which]()
    store["opened_on" if which == "age" else which] = low


def _fail_other_company(rng: random.Random, data: dict) -> None:
    """The store is registered to a different company (same script, so comparable)."""
    name = data["entity"]["company_name"]
    if data["entity"]["region"] == "CN":
        brand = rng.choice([b for b in _BRAND_ZH if b != name[3:5]])
        data["store"]["registered_entity"] = name[:3] + brand + name[5:]
    else:
        brand = rng.choice([b for b in _BRAND_EN if not name.startswith(b)])
        data["store"]["registered_entity"] = f"{brand} {rng.choice(_TRADE_EN)} Limited"


def _fail_category(rng: random.Random, data: dict) -> None:
    current = data["shop"]["main_category"]
    data["shop"]["main_category"] = rng.choice([c for c in CATEGORIES if c != current])


def _fail_fulfillment(rng: random.Random, data: dict) -> None:
    data["fulfillment"]["method"] = "none"


def _fail_jewelry(rng: random.Random, data: dict) -> None:
    data["store"]["main_category"] = data["shop"]["main_category"] = "jewelry"
    data["entry"] = {"mode": "standard", "invitation_code": None, "douyin_gmv_180d_cny": None}


def _fail_shop_name(rng: random.Random, data: dict) -> None:
    data["shop"]["name"] = rng.choice(_BRAND_ZH) + rng.choice(("家居", "旗舰店", "优选"))


_FAILURES = (
    _fail_region,
    _fail_license,
    _fail_id,
    _fail_phone,
    _fail_email,
    _fail_url,
    _fail_store_numbers,
    _fail_store_numbers,
    _fail_store_numbers,
    _fail_other_company,
    _fail_category,
    _fail_fulfillment,
    _fail_jewelry,
    _fail_shop_name,
)


def _ineligible(rng: random.Random, data: dict) -> None:
    for spoil in rng.sample(_FAILURES, rng.choice((1, 1, 1, 2, 3))):
        spoil(rng, data)


def _incomplete(rng: random.Random, data: dict) -> None:
    store = data["store"]
    numbers = [k for k in ("rating", "gmv_12m_usd", "account_health") if store[k] is not None]
    gaps = [
        lambda: data["documents"].pop(rng.choice(sorted(data["documents"]))),
        lambda: data["documents"].pop(rng.choice(sorted(data["documents"]))),
        lambda: data["fulfillment"].update(method=None),
        lambda: data["contact"].update(email=None),
        lambda: data["legal_rep"].update(id_number=""),
        lambda: store.update(opened_on=None),
        lambda: store.update({rng.choice(numbers): None}) if numbers else store.update(url=None),
    ]
    for gap in rng.sample(gaps, rng.choice((1, 1, 2))):
        gap()


def _review(rng: random.Random, data: dict) -> None:
    entity = data["entity"]
    if entity["region"] == "CN" and rng.random() < 0.25:
        # An early Fujian pilot code: its mod-31 check fails, the GB 11714 check holds.
        body = "M" + "".join(rng.choice("0123456789") for _ in range(7))
        first17 = "913501" + "00" + body + _org_check(body)
        good = stdnum_uscc.calc_check_digit(first17)
        entity["license_number"] = first17 + rng.choice(_USCC_ALPHABET.replace(good, ""))
        return
    # The store knows the company by its English name: only a person can compare the two.
    if entity["region"] == "CN":
        brand = data["shop"]["name"].split()[0]
        trade = rng.choice(_TRADE_EN)
        data["store"]["registered_entity"] = f"Shenzhen {brand} {trade} Co., Ltd."
    else:
        data["store"]["registered_entity"] = "香港" + rng.choice(_BRAND_ZH) + "贸易有限公司"


_SPOIL = {
    "eligible": lambda rng, data: None,
    "ineligible": _ineligible,
    "incomplete": _incomplete,
    "review": _review,
}


def _malform(rng: random.Random, data: dict) -> None:
    """Input errors an agency's script makes: wrong types, a bad date, an unknown field."""
    store = data["store"]
    choice = rng.randrange(4)
    if choice == 0:
        store["opened_on"] = store["opened_on"].replace("-", "/") if store["opened_on"] else "soon"
    elif choice == 1:
        store["account_health"] = "310"
    elif choice == 2:
        store["rating_amazon"] = 4.5
    else:
        data["as_of"] = "2026-02-30"


# --- the public helpers --------------------------------------------------------------------


def applications(
    n: int,
    *,
    seed: int = SEED,
    malformed_share: float = MALFORMED_SHARE,
    documents: bool = True,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``n`` distinct applications with their intent (``malformed`` for a bad-input line),
    the same ones for the same arguments.

    ``documents=False`` leaves the ``documents`` section out: on the command line a declared
    document must be a real file beside the batch, so a data-only batch is what measures the
    rules rather than image decoding (every application is then at best ``incomplete``).
    """
    rng = random.Random(seed)
    seen: set[str] = set()
    number = 0
    while len(seen) < n:
        number += 1
        intent, data = application(rng, number)
        if rng.random() < malformed_share:
            intent = "malformed"
            _malform(rng, data)
        if not documents:
            del data["documents"]
        key = json.dumps(data, sort_keys=True, ensure_ascii=False)
        if key in seen:  # pragma: no cover - astronomically rare; kept as the guarantee
            continue
        seen.add(key)
        yield intent, data


def lines(
    n: int,
    *,
    seed: int = SEED,
    malformed_share: float = MALFORMED_SHARE,
    documents: bool = True,
) -> list[str]:
    """The JSON lines (UTF-8 text, Chinese unescaped as agencies' files have it)."""
    return [
        json.dumps(data, ensure_ascii=False, separators=(", ", ": "))
        for _, data in applications(
            n, seed=seed, malformed_share=malformed_share, documents=documents
        )
    ]


def write_jsonl(
    path: Path,
    n: int,
    *,
    seed: int = SEED,
    malformed_share: float = MALFORMED_SHARE,
    documents: bool = True,
) -> Path:
    """Write ``n`` distinct applications to ``path``, one per line."""
    rows = lines(n, seed=seed, malformed_share=malformed_share, documents=documents)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2 or not all(a.isdigit() for a in args):
        print("usage: python -m tests.benchmarks.datagen N [SEED] > batch.jsonl", file=sys.stderr)
        return 2
    seed = int(args[1]) if len(args) > 1 else SEED
    for line in lines(int(args[0]), seed=seed):
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
