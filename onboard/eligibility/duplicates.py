"""Values two applications may not share, and the rows of one batch that share them.

RULES.md §6: the license number, the mobile number, the email address and the shop name are
unique across live applications (the registry judges that, at submission) and, for a batch
(a CLI file, an agency upload), within the batch itself: every row that shares one of them
with another row fails that check, and its message names the other rows. Both compare the
values normalised the same way, here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from onboard.eligibility.identifiers import normalize_identifier
from onboard.eligibility.model import NO_DUPLICATES_IN_BATCH, Application, Duplicate, Evidence
from onboard.eligibility.phones import normalize_phone
from onboard.eligibility.rules.people import normalize_email

#: How many other rows a row's evidence names at most: a batch of one application repeated
#: ten thousand times must not hold ten thousand squared row numbers (nor say them).
NAMED_ROWS = 10

#: The fields, as the uniqueness checks name them.
UNIQUE_FIELDS = ("entity.license_number", "contact.phone", "contact.email", "shop.name")


def unique_values(app: Application) -> dict[str, str]:
    """``field -> value`` for each unique field the application fills, normalised as the
    live registry stores it: the license number compacted and upper-cased, the phone in
    E.164 (read as local to the company's region), the email as email-validator normalises
    it and case-folded, the shop name with its spacing collapsed and case-folded. A value
    that does not parse (an invalid phone or email) is compared as typed, stripped."""
    return _normalised(
        region=app.entity.region,
        license_number=app.entity.license_number,
        phone=app.contact.phone,
        email=app.contact.email,
        shop_name=app.shop.name,
    )


def raw_unique_values(data: object) -> dict[str, str]:
    """:func:`unique_values` of an application still as JSON data (a batch's first pass
    over its rows, which need not validate them all twice: a row with bad input is refused
    by the check itself). Values of the wrong type are left out."""
    if not isinstance(data, Mapping):
        return {}

    def text(section: str, name: str) -> str | None:
        part = data.get(section)
        value = part.get(name) if isinstance(part, Mapping) else None
        return value if isinstance(value, str) else None

    return _normalised(
        region=text("entity", "region"),
        license_number=text("entity", "license_number"),
        phone=text("contact", "phone"),
        email=text("contact", "email"),
        shop_name=text("shop", "name"),
    )


def _normalised(
    *,
    region: str | None,
    license_number: str | None,
    phone: str | None,
    email: str | None,
    shop_name: str | None,
) -> dict[str, str]:
    """:func:`unique_values` of the five values it reads (no application is built for them:
    a batch's first pass reads every row)."""
    values: dict[str, str] = {}
    license_number = normalize_identifier(license_number or "")
    if license_number:
        values["entity.license_number"] = license_number
    phone = (phone or "").strip()
    if phone:
        values["contact.phone"] = normalize_phone(phone, region) or phone
    email = (email or "").strip()
    if email:
        values["contact.email"] = (normalize_email(email)[0] or email).casefold()
    shop = " ".join((shop_name or "").split()).casefold()
    if shop:
        values["shop.name"] = shop
    return values


def within_batch(
    rows: Iterable[tuple[int, Mapping[str, str]]],
) -> dict[int, dict[str, tuple[Duplicate, ...]]]:
    """For each row that shares a value with another row: ``field -> the other rows``.

    ``rows`` gives each row's number (1-based, as the batch counts them) and its
    :func:`unique_values`; rows that could not be read are simply not given. Rows sharing
    nothing are left out of the answer (their evidence is :func:`batch_evidence` of None).
    Each row names the first :data:`NAMED_ROWS` other rows, and one more when there are
    more (so that a message can say "…").
    """
    holders: dict[tuple[str, str], list[int]] = {}
    for row, values in rows:
        for field, value in values.items():
            holders.setdefault((field, value), []).append(row)
    shared: dict[int, dict[str, tuple[Duplicate, ...]]] = {}
    for (field, _), numbers in holders.items():
        if len(numbers) < 2:
            continue
        named = [Duplicate(application_id=f"row {n}", row=n) for n in numbers[: NAMED_ROWS + 2]]
        for row in numbers:
            others = tuple(other for other in named if other.row != row)
            shared.setdefault(row, {})[field] = others[: NAMED_ROWS + 1]
    return shared  # plain dicts: sent to the CLI's worker processes


def batch_evidence(
    duplicates: Mapping[str, tuple[Duplicate, ...]] | None,
) -> Evidence:
    """The evidence of a batch row without files: what :func:`within_batch` found for it."""
    if not duplicates:
        return NO_DUPLICATES_IN_BATCH
    return Evidence(duplicates=duplicates, duplicates_scope="batch")
