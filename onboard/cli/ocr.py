"""``onboard ocr``: read the registration number and the other fields of a license image."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from onboard.cli.group import FileInputError, complain
from onboard.documents import inspect_document
from onboard.eligibility.problems import document_problem
from onboard.eligibility.ruleset import default_ruleset
from onboard.ocr import DOCUMENTS, read_license


@click.command()
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "output", type=click.Choice(["json", "text"]), default="json", show_default=True
)
@click.option("--region", type=click.Choice(["CN", "HK"]), default="CN", show_default=True)
@click.option(
    "--document",
    type=click.Choice(DOCUMENTS["HK"]),
    default=None,
    help="Which Hong Kong certificate IMAGE is (implies --region HK; default: told from "
    "its title).",
)
def ocr(image: Path, output: str, region: str, document: str | None) -> int:
    """Read the registration number from a license image (IMAGE: JPEG, PNG or BMP), and
    the license's other fields: company name, legal representative and date of
    establishment. ``--region HK``: a Business Registration Certificate (the BR number and
    the business name) or a Certificate of Incorporation (its number and the company name,
    English and Chinese), told apart by their titles unless ``--document`` says which (and
    so that the image is a Hong Kong one). A photo turned sideways or upside down is read
    all the same.

    Exit status: 0 when a reading is printed (whatever its status), 2 when IMAGE is not a
    sound image, 3 when the OCR engine (Tesseract) is not installed.
    """
    if document is not None:
        region = "HK"  # only Hong Kong has more than one document
    try:
        data = _license_image(image)
    except FileInputError as exc:
        complain(str(exc))
        return 2
    try:
        reading = read_license(data, region=region, document=document)
    except OSError as exc:  # no Tesseract binary (pytesseract's TesseractNotFoundError)
        complain(f"OCR is not available: {exc}")
        return 3
    if output == "json":
        click.echo(json.dumps(reading.to_dict(), ensure_ascii=False, indent=2).encode())
    else:
        click.echo(license_text(reading.to_dict()))
    return 0


def _license_image(image: Path) -> bytes:
    """The image's bytes, once :func:`inspect_document` has found it a sound image."""
    ruleset = default_ruleset()
    if not image.is_file():
        raise FileInputError(f"{image}: no such file")
    try:
        facts = inspect_document(
            "business_license",
            image,
            max_bytes=ruleset.max_bytes,
            max_pixels=ruleset.max_pixels,
            max_decoded_bytes=ruleset.max_decoded_bytes,
        )
        data = image.read_bytes() if facts.problem is None else b""
    except OSError as exc:
        raise FileInputError(f"{image}: cannot read: {exc.strerror or exc}") from None
    if facts.problem is not None:
        raise FileInputError(f"{image}: {document_problem(facts, ruleset)['en']}")
    return data


def license_text(reading: dict[str, Any]) -> str:
    """``onboard ocr --format text``: the reading as a person checks it."""
    lines = [f"document        {reading['document']}"] if reading.get("document") else []
    lines += [
        f"license number  {reading['license_number'] or '-'}  ({reading['status']}, "
        f"{'valid' if reading['valid'] else 'not valid'})",
        f"read as         {reading['raw'] or '-'}",
    ]
    for fix in reading["corrections"]:
        lines.append(f"corrected       position {fix['position']}: {fix['read']} -> {fix['as']}")
    if reading["candidates"]:
        lines.append(f"candidates      {', '.join(reading['candidates'])}")
    lines.append(f"confidence      {reading['confidence']:.2f}  ({reading['seconds']:.2f} s)")
    if reading.get("orientation"):
        lines.append(f"turned          {reading['orientation']}° clockwise to read")
    for name, field in (reading.get("fields") or {}).items():
        label = _FIELD_LABELS.get(name, name)
        value = field["value"] if field["value"] is not None else "-"
        lines.append(f"{label:<15} {value}  ({field['status']}, {field['confidence']:.2f})")
    return "\n".join(lines)


#: ``onboard ocr --format text``: how each of the license's other fields is labelled.
_FIELD_LABELS = {
    "company_name": "company name",
    "company_name_zh": "Chinese name",
    "legal_representative": "legal rep.",
    "established_on": "established on",
}
