"""Evidence for the rule engine: what each document file really is, and the license number
read from the license image. The one place that builds it, whether the files come with a
pre-screen (the API, ``onboard check``, agency batches) or are uploaded to an application
(the applicant's form: inspected and read once, at upload, and kept with the document; see
:mod:`onboard.usecases.applications`). Nothing here touches the database or the web.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, BinaryIO, cast

from onboard.documents import inspect_document
from onboard.eligibility.model import (
    Application,
    DocumentFacts,
    Duplicate,
    Evidence,
    LicenseReading,
)
from onboard.eligibility.rules.entity import (
    INCORPORATION_DOCUMENT,
    LICENSE_DOCUMENT,
    READ_DOCUMENTS,
)
from onboard.eligibility.ruleset import RuleSet
from onboard.errors import InputError, Words

#: A document as adapters hold it: bytes in memory, a file on disk, or an upload stream
#: (Werkzeug's ``FileStorage.stream`` is typed ``IO[bytes]``, the same thing as ``BinaryIO``).
DocumentSource = bytes | Path | IO[bytes]

#: The document whose photo is measured for ``document.id_quality``.
ID_PHOTO = "legal_rep_id"
UNKNOWN_KIND = Words("Unknown document kind.", "模板中没有此类文件。")


def license_kind(region: str | None) -> str | None:
    """The document kind that is the license in ``region`` (None for a region without one)."""
    return LICENSE_DOCUMENT.get(region or "")


def read_kinds(region: str | None) -> tuple[str, ...]:
    """The document kinds of ``region`` read by OCR: the license, and for Hong Kong the
    Certificate of Incorporation too (its company name)."""
    return READ_DOCUMENTS.get(region or "", ())


def inspect_file(kind: str, source: DocumentSource, ruleset: RuleSet) -> DocumentFacts:
    """:func:`inspect_document` within the rule set's limits; the ID photo's quality is
    measured too. A stream is read from its start."""
    _rewind(source)
    return inspect_document(
        kind,
        cast(BinaryIO, source) if not isinstance(source, bytes | Path) else source,
        max_bytes=ruleset.max_bytes,
        max_pixels=ruleset.max_pixels,
        max_decoded_bytes=ruleset.max_decoded_bytes,
        measure_quality=kind == ID_PHOTO,
    )


def inspect_all(
    documents: Mapping[str, DocumentSource], ruleset: RuleSet
) -> dict[str, DocumentFacts]:
    """:func:`inspect_file` for every file; :class:`InputError` for a kind the rule set does
    not know."""
    unknown = sorted(set(documents) - set(ruleset.document_kinds))
    if unknown:
        raise InputError({f"documents.{kind}": [UNKNOWN_KIND()] for kind in unknown})
    return {kind: inspect_file(kind, source, ruleset) for kind, source in documents.items()}


def read_license(data: bytes, region: str, kind: str | None = None) -> LicenseReading | None:
    """The OCR reading of a license image (``kind``: which of the region's
    :func:`read_kinds` it is, by default its license); None when OCR is not installed (no
    Tesseract binary: pytesseract's TesseractNotFoundError is an OSError), so that the
    engine leaves ``entity.license_ocr`` unjudged instead of the upload failing."""
    # Imported on first use, measured: onboard.ocr (pytesseract, numpy's typing, Pillow's
    # filters) costs ~25 ms of CPU, 4 % of `onboard check` on one application, which most
    # checks (--no-ocr, no license image) never need.
    from onboard import ocr  # noqa: PLC0415

    # Hong Kong has two documents: the reader is told which one the file was sent as.
    document = kind if region == "HK" else None
    try:
        return ocr.read_license(data, region=region, document=document)
    except OSError:
        return None


def from_files(
    application: Application,
    documents: Mapping[str, DocumentSource],
    ruleset: RuleSet,
    *,
    read_license_image: bool = True,
    batch_duplicates: Mapping[str, tuple[Duplicate, ...]] | None = None,
) -> Evidence:
    """Evidence from the files that come with a pre-screen: each inspected, and the license
    image of the application's region read by OCR (with ``read_license_image``) when it
    decoded. ``batch_duplicates`` are the rows of a batch sharing the application's unique
    values (None outside a batch)."""
    facts = inspect_all(documents, ruleset)
    region = application.entity.region or ""
    readings: dict[str, LicenseReading | None] = {}
    for kind in read_kinds(region) if read_license_image else ():
        if kind in documents and facts[kind].problem is None:
            data = _bytes_of(documents[kind], ruleset.max_bytes)
            readings[kind] = read_license(data, region, kind) if data is not None else None
    return Evidence(
        documents=facts,
        license_reading=readings.get(license_kind(region) or ""),
        duplicates=batch_duplicates,
        duplicates_scope="batch",
        incorporation_reading=readings.get(INCORPORATION_DOCUMENT),
    )


def _rewind(source: DocumentSource) -> None:
    """Streams are read from their start (an upload may have been peeked at before)."""
    if not isinstance(source, bytes | str | os.PathLike) and source.seekable():
        source.seek(0)


def _bytes_of(source: DocumentSource, max_bytes: int) -> bytes | None:
    """The whole file again, for OCR; None for a stream that cannot be re-read."""
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | os.PathLike):
        return Path(source).read_bytes()
    if not source.seekable():
        return None
    source.seek(0)
    return source.read(max_bytes)
