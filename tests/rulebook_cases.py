"""Applications and evidence that reach every message of rule set 2026.11.2 (RULES.md,
edition of 2026-12-06): the boundary tests judge them, and the Chinese-text test reads every
text they produce."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from stdnum.iso7064 import mod_11_2

from onboard.eligibility.model import (
    Application,
    DocumentFacts,
    Duplicate,
    Evidence,
    FieldReading,
    ImageQuality,
    LicenseReading,
)
from tests.factories import AS_OF, PLATFORMS, VALID_USCC, change, eligible, uscc


def resident_id(province: str, born: str = "19900101", serial: str = "123") -> str:
    """An 18-digit resident-ID-format number starting with ``province`` whose check holds."""
    first17 = province + "0000"[:4] + born + serial
    return first17 + mod_11_2.calc_check_digit(first17)


def reading(
    number: str | None = VALID_USCC,
    *,
    status: str = "ok",
    company: FieldReading | None = None,
    representative: FieldReading | None = None,
    scheme: str = "uscc",
) -> LicenseReading:
    fields = {}
    if company is not None:
        fields["company_name"] = company
    if representative is not None:
        fields["legal_representative"] = representative
    return LicenseReading(
        status=status,
        license_number=number,
        valid=status in ("ok", "corrected"),
        raw=number or "",
        scheme=scheme,
        fields=fields,
    )


def facts(kind: str, **values: object) -> DocumentFacts:
    defaults: dict[str, object] = {"size_bytes": 200_000, "format": "JPEG", "width": 800}
    defaults["height"] = 500
    defaults.update(values)
    return DocumentFacts(kind=kind, **defaults)  # type: ignore[arg-type]


COMPANY = "深圳市星河跨境电子商务有限公司"
LIVE = Evidence(duplicates={})


def cases() -> Iterator[tuple[str, Application, Evidence | None]]:
    """(name, application, evidence) reaching every message key of 2026.11.2."""
    base = eligible()
    for platform in PLATFORMS:
        for region in ("CN", "HK"):
            yield f"eligible {platform} {region}", eligible(platform, region), None
            yield f"eligible {platform} {region} live", eligible(platform, region), LIVE
    yield "empty", Application(), None
    yield "empty live", Application(as_of=AS_OF), LIVE
    # §1 who may apply
    yield "region US", change(base, entity__region="US"), None
    yield "fulfilment none", change(base, fulfillment__method="none"), None
    yield "invitation no code", change(base, entry__mode="invitation"), None
    invited = change(base, entry__mode="invitation", entry__invitation_code="INV-2026")
    yield "invitation", invited, None
    yield "invitation low rating", change(invited, store__rating=3.5), None
    yield (
        "douyin brand without a store",
        change(
            invited,
            store__platform=None,
            store__url=None,
            store__registered_entity=None,
            store__opened_on=None,
            store__rating=None,
            store__account_health=None,
            store__main_category=None,
            documents={"business_license": "l.jpg", "legal_rep_id": "id.png"},
        ),
        None,
    )
    yield "jewelry store", change(base, store__main_category="jewelry"), None
    yield "jewelry shop", change(base, shop__main_category="jewelry"), None
    yield (
        "jewelry both",
        change(base, shop__main_category="jewelry", store__main_category="jewelry"),
        None,
    )
    yield "douyin option", change(base, entry__douyin_gmv_180d_cny=6_000_001), None
    # §2 the company
    yield "no license number", change(base, entity__license_number=None), None
    yield "bad license number", change(base, entity__license_number="91440300MA5FXXXXX1"), None
    yield "pilot", change(base, entity__license_number="91350100M0001TGQXM"), None
    yield "individual business", change(base, entity__license_number=uscc("92")), None
    yield "co-operative", change(base, entity__license_number=uscc("93")), None
    yield "government body", change(base, entity__license_number=uscc("11")), None
    yield "social organisation", change(base, entity__license_number=uscc("51")), None
    hk = eligible("amazon", "HK")
    yield "hk ci missing", change(hk, entity__hk_ci_number=None), None
    yield "hk ci bad", change(hk, entity__hk_ci_number="A1234567X"), None
    yield "hk br missing", change(hk, entity__license_number=None), None
    yield "no region", change(base, entity__region=None), None
    yield "hk no documents", change(hk, documents={}), None
    yield "no license image", change(base, documents={}), None
    yield (
        "ocr no number typed",
        change(base, entity__license_number=None),
        Evidence(documents={"business_license": facts("business_license")}),
    )
    for name, read in (
        ("ocr same", reading()),
        ("ocr unreadable", reading(None, status="unreadable")),
        ("ocr ambiguous", reading(None, status="ambiguous")),
        ("ocr other company", reading(uscc("91", body="MA5FYY3B"))),
        ("ocr lookalike", reading("91350100M000100Y43".replace("0", "O", 1), status="corrected")),
    ):
        yield name, base, Evidence(license_reading=read)
    company = FieldReading(COMPANY.replace("电子商务", "電子商務"), "ok", 0.95)
    person = FieldReading("張偉", "ok", 0.95)
    yield (
        "printed names match",
        base,
        Evidence(license_reading=reading(company=company, representative=person)),
    )
    yield (
        "printed names differ",
        base,
        Evidence(
            license_reading=reading(
                company=FieldReading("广州市某某贸易有限公司", "ok", 0.9),
                representative=FieldReading("李娜", "ok", 0.9),
            )
        ),
    )
    yield (
        "printed names uncertain",
        base,
        Evidence(
            license_reading=reading(
                company=FieldReading("深圳市星河跨境电子商?有限公司", "uncertain", 0.5),
                representative=FieldReading(None, "unreadable", 0.0),
            )
        ),
    )
    yield (
        "printed name in English",
        base,
        Evidence(license_reading=reading(company=FieldReading("Starriver Ltd", "ok", 0.9))),
    )
    yield (
        "printed names, none typed",
        change(base, entity__company_name=None, legal_rep__name=None),
        Evidence(license_reading=reading(company=company, representative=person)),
    )
    yield (
        "hk printed names",
        hk,
        # The name is judged from the Certificate of Incorporation (RULES.md §2), not the BR.
        Evidence(
            license_reading=reading("12345678", scheme="hk_br"),
            incorporation_reading=reading("02837074", scheme="hk_ci", company=company),
        ),
    )
    # duplicates
    yield (
        "live duplicates",
        base,
        Evidence(
            duplicates={
                field: (Duplicate("APP-0001"),)
                for field in (
                    "entity.license_number",
                    "contact.phone",
                    "contact.email",
                    "shop.name",
                )
            }
        ),
    )
    yield (
        "batch duplicates",
        base,
        Evidence(
            duplicates={
                field: (Duplicate("row 2", row=2), Duplicate("row 5", row=5))
                for field in (
                    "entity.license_number",
                    "contact.phone",
                    "contact.email",
                    "shop.name",
                )
            },
            duplicates_scope="batch",
        ),
    )
    yield "batch unique", base, Evidence(duplicates={}, duplicates_scope="batch")
    # the legal representative and contact
    yield "no id type", change(base, legal_rep__id_type=None), None
    yield "bad id type", change(base, legal_rep__id_type="driving_licence"), None
    yield "no id number", change(base, legal_rep__id_number=None), None
    yield "bad id number", change(base, legal_rep__id_number="440524198301010016"), None
    yield "residence permit", change(base, legal_rep__id_number=resident_id("81")), None
    yield "no phone", change(base, contact__phone=None), None
    yield "bad phone", change(base, contact__phone="12345"), None
    yield "landline", change(base, contact__phone="+86 10 6552 9988"), None
    yield "400 number", change(base, contact__phone="+86 400 810 8888"), None
    yield "no email", change(base, contact__email=None), None
    yield "bad email", change(base, contact__email="ops@@example"), None
    # §3 the store
    yield "no platform", change(base, store__platform=None), None
    yield "no url", change(base, store__url=None), None
    yield "bad url", change(base, store__url="https://www.amazon.com/dp/B0C1234567"), None
    yield (
        "uk url",
        change(base, store__url="https://www.amazon.co.uk/sp?seller=A2EXAMPLE12345"),
        None,
    )
    independent = eligible("independent")
    yield "uk site", change(independent, store__url="https://www.starriver.co.uk"), None
    yield "other company", change(base, store__registered_entity="Another Trading Co., Ltd."), None
    yield (
        "other company, chinese",
        change(base, store__registered_entity="广州市某某贸易有限公司"),
        None,
    )
    yield "no store company", change(base, store__registered_entity=None), None
    yield "young store", change(base, store__opened_on=date(2026, 10, 1)), None
    yield "future store", change(base, store__opened_on=date(2026, 12, 1)), None
    yield "no opening date", change(base, store__opened_on=None), None
    yield "low rating", change(base, store__rating=3.9), None
    yield "no rating", change(base, store__rating=None), None
    yield "low health", change(base, store__account_health=249), None
    ebay = eligible("ebay")
    yield "low feedback", change(ebay, store__positive_feedback_pct=89.9), None
    yield "feedback fraction", change(ebay, store__positive_feedback_pct=0.95), None
    yield "no feedback", change(ebay, store__positive_feedback_pct=None), None
    yield "low gmv", change(ebay, store__gmv_12m_usd=499_999), None
    vc = eligible("amazon_vc")
    yield (
        "stale supply",
        change(vc, as_of=date(2026, 5, 31), store__last_supply_date=date(2026, 2, 28)),
        None,
    )
    yield "future supply", change(vc, store__last_supply_date=date(2026, 12, 1)), None
    yield "no supply", change(vc, store__last_supply_date=None), None
    yield "low trustpilot", change(independent, store__trustpilot_rating=3.7), None
    yield "few followers", change(independent, store__social_followers=9_999), None
    yield "no trustpilot", change(independent, store__trustpilot_rating=None), None
    yield "no followers", change(independent, store__social_followers=None), None
    # §4 documents
    yield (
        "files",
        base,
        Evidence(
            documents={
                "business_license": facts(
                    "business_license", size_bytes=5_242_880, problem="too_large"
                ),
                "legal_rep_id": facts(
                    "legal_rep_id", quality=ImageQuality(sharpness=20.0, border_fraction=0.1)
                ),
                "gmv_screenshot": facts(
                    "gmv_screenshot", format="GIF", problem="unsupported_format", detail="GIF"
                ),
                "seller_info_screenshot": facts(
                    "seller_info_screenshot", problem="not_an_image", detail="PDF"
                ),
                "account_health_screenshot": facts("account_health_screenshot"),
            }
        ),
    )
    yield (
        "id border",
        base,
        Evidence(
            documents={
                "legal_rep_id": facts(
                    "legal_rep_id", quality=ImageQuality(sharpness=120.0, border_fraction=0.5)
                ),
                "business_license": facts("business_license", problem="truncated"),
                "gmv_screenshot": facts(
                    "gmv_screenshot", problem="too_many_pixels", width=9000, height=9000
                ),
            }
        ),
    )
    yield (
        "id fine",
        base,
        Evidence(
            documents={
                "legal_rep_id": facts(
                    "legal_rep_id", quality=ImageQuality(sharpness=120.0, border_fraction=0.1)
                )
            }
        ),
    )
    # §5 the new shop
    yield "chinese shop name", change(base, shop__name="星河家居 Home"), None
    yield "digits shop name", change(base, shop__name="12345"), None
    yield "no shop name", change(base, shop__name=None), None
    yield "category differs", change(base, shop__main_category="kitchenware"), None
    yield "no category", change(base, shop__main_category=None), None
