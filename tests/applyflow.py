"""Helpers for the applicant form's tests: compiled catalogues, CSRF tokens, step data.

The form's field names are the dotted paths of the application JSON, so a step's form data
is read straight off an :class:`Application` (``tests.factories.eligible``).
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from onboard.eligibility.model import Application
from onboard.intake.schemas import application_to_dict

TRANSLATIONS = Path(__file__).resolve().parent.parent / "onboard" / "translations"

#: The fields of each form step, in the order the form shows them.
STEP_FIELDS = {
    "company": (
        "entity.region",
        "entity.company_name",
        "entity.license_number",
        "entity.hk_ci_number",
        "entry.mode",
        "entry.invitation_code",
        "entry.douyin_gmv_180d_cny",
    ),
    "legal_rep": ("legal_rep.name", "legal_rep.id_type", "legal_rep.id_number"),
    "contact": ("contact.phone", "contact.email"),
    "store": tuple(
        f"store.{name}"
        for name in (
            "platform",
            "url",
            "registered_entity",
            "opened_on",
            "main_category",
            "rating",
            "positive_feedback_pct",
            "gmv_12m_usd",
            "account_health",
            "last_supply_date",
            "trustpilot_rating",
            "social_followers",
        )
    ),
    "shop": ("shop.name", "shop.main_category", "fulfillment.method"),
}


def ensure_catalogues() -> None:
    """Compile any ``.mo`` that is missing or older than its ``.po`` (``make setup`` does it
    too; this lets a bare ``pytest`` run work). Written to a temporary file and renamed, so
    xdist workers compiling at once never see half a file."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle)
        fd, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match[1]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def step_data(application: Application, step: str) -> dict[str, str]:
    """The form fields of ``step`` filled from ``application`` (empty when not given)."""
    data = application_to_dict(application)
    out = {}
    for name in STEP_FIELDS[step]:
        section, leaf = name.split(".")
        out[name] = _text((data.get(section) or {}).get(leaf))
    return out


def token_of(location: str) -> str:
    """The resume token in a draft URL (``/apply/<token>/<step>``)."""
    match = re.search(r"/apply/([^/?#]+)/", location)
    assert match, location
    return match[1]


def errors_on_page(html: str) -> dict[str, str]:
    """Field id -> the text of its error message, as rendered next to the field."""
    found = re.findall(r'<p class="error-message" id="([^"]+)-error">(.*?)</p>', html, re.S)
    return {field_id: re.sub(r"<[^>]+>", "", text).strip() for field_id, text in found}
