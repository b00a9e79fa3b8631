"""Applications for tests: an eligible baseline per platform, changed one field at a time."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from onboard.eligibility.model import (
    Application,
    Contact,
    Entity,
    Entry,
    Fulfillment,
    LegalRep,
    Shop,
    Store,
)

AS_OF = date(2026, 11, 22)
#: The GB 32100 worked example: both check characters hold.
VALID_USCC = "91350100M000100Y43"
VALID_RIC = "440524198301010015"

#: Each platform's store fields that make every store rule pass.
STORES: dict[str, dict[str, Any]] = {
    "amazon": {
        "url": "https://www.amazon.com/sp?ie=UTF8&seller=A2EXAMPLE12345",
        "rating": 4.6,
        "account_health": 310,
    },
    "walmart": {
        "url": "https://www.walmart.com/seller/101234567",
        "rating": 4.2,
        "gmv_12m_usd": 650_000,
    },
    "ebay": {
        "url": "https://www.ebay.com/str/starriverhome",
        "positive_feedback_pct": 98.5,
        "gmv_12m_usd": 720_000,
    },
    "amazon_vc": {
        "url": "https://www.amazon.com/dp/B0C1234567",
        "last_supply_date": date(2026, 10, 2),
    },
    "walmart_dsv": {
        "url": "https://www.walmart.com/ip/starriver-pan/123456789",
        "last_supply_date": date(2026, 9, 30),
    },
    "independent": {
        "url": "https://www.starriverhome.com",
        "trustpilot_rating": 4.3,
        "social_followers": 25_000,
    },
}
PLATFORMS = tuple(STORES)

_DOCUMENTS = {
    "amazon": ["gmv_screenshot", "account_health_screenshot"],
    "walmart": ["gmv_screenshot"],
    "ebay": ["gmv_screenshot"],
    "amazon_vc": ["supply_record"],
    "walmart_dsv": ["supply_record"],
    "independent": ["gmv_screenshot", "trustpilot_screenshot", "social_followers_screenshot"],
}


def eligible(platform: str = "amazon", region: str = "CN") -> Application:
    """An application that passes every rule that can be judged without evidence."""
    documents = {"legal_rep_id": "id.png", "seller_info_screenshot": "seller.png"}
    if region == "CN":
        documents["business_license"] = "license.jpg"
        number = VALID_USCC
    else:
        documents["hk_incorporation_certificate"] = "ci.jpg"
        documents["hk_business_registration"] = "br.jpg"
        number = "12345678"
    documents.update({kind: f"{kind}.png" for kind in _DOCUMENTS[platform]})
    return Application(
        as_of=AS_OF,
        entity=Entity(
            region=region,
            company_name="深圳市星河跨境电子商务有限公司",
            license_number=number,
            hk_ci_number="2837074" if region == "HK" else None,
        ),
        legal_rep=LegalRep(name="张伟", id_type="cn_resident_id", id_number=VALID_RIC),
        contact=Contact(phone="+86 138 0013 8000", email="ops@example.cn"),
        store=Store(
            platform=platform,
            registered_entity="深圳市星河跨境电子商务有限公司",
            opened_on=date(2025, 3, 1),
            main_category="home_supplies",
            **STORES[platform],
        ),
        shop=Shop(name="Starriver Home", main_category="home_supplies"),
        fulfillment=Fulfillment(method="us_warehouse"),
        entry=Entry(mode="standard"),
        documents=documents,
    )


def uscc(head: str = "91", division: str = "440300", body: str = "MA5FXK2A") -> str:
    """A USCC starting with ``head`` (registration authority and entity type) whose two
    check characters hold."""
    from onboard.eligibility import identifiers  # noqa: PLC0415

    first17 = head + division + body + identifiers.org_code_check_char(body)
    return first17 + identifiers.uscc_check_char(first17)


def another_seller(app: Application, n: int = 1) -> Application:
    """``app`` as another seller would send it: its own license number, mobile number,
    email and shop name (RULES.md §6: a batch's rows may not share them)."""
    number = f"{87650000 + n}" if app.entity.region == "HK" else uscc(body=f"MA5F{n:04d}")
    return change(
        app,
        entity__license_number=number,
        contact__phone=f"+86 139 {n:04d} 8000",
        contact__email=f"ops{n}@example.cn",
        shop__name=f"Starriver Home {n}",
    )


def change(app: Application, **changes: Any) -> Application:
    """A copy with dotted fields changed: ``change(app, store__rating=3.9)``."""
    for dotted, value in changes.items():
        path = dotted.split("__")
        if len(path) == 1:
            app = dataclasses.replace(app, **{path[0]: value})
        else:
            section = getattr(app, path[0])
            app = dataclasses.replace(
                app, **{path[0]: dataclasses.replace(section, **{path[1]: value})}
            )
    return app
