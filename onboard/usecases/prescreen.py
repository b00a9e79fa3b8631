"""Pre-screening one application: the use case the CLI, the API and batch jobs share.

Adapters parse their input into an :class:`Application` and hand over whatever files they
have; this module turns the files into :class:`Evidence` (what each really is, and the license
number read from the license image) and asks the engine for the report. Nothing here knows
about HTTP or the command line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import IO, BinaryIO, cast

from onboard.documents import inspect_document
from onboard.eligibility.duplicates import batch_evidence
from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import (
    Application,
    DocumentFacts,
    Duplicate,
    Evidence,
    LicenseReading,
    Report,
)
from onboard.eligibility.rules.entity import LICENSE_DOCUMENT
from onboard.eligibility.ruleset import (
    RuleSet,
    RuleSetError,
    ruleset_by_version,
    ruleset_in_force,
)
from onboard.errors import InputError

#: A document as adapters hold it: bytes in memory, a file on disk, or an upload stream
#: (Werkzeug's ``FileStorage.stream`` is typed ``IO[bytes]``, the same thing as ``BinaryIO``).
DocumentSource = bytes | Path | IO[bytes]

#: The document whose photo is measured for ``document.id_quality``.
ID_PHOTO = "legal_rep_id"


def prescreen(
    application: Application,
    *,
    documents: Mapping[str, DocumentSource] | None = None,
    ruleset: RuleSet | None = None,
    as_of: date | None = None,
    read_license: bool = True,
    batch_duplicates: Mapping[str, tuple[Duplicate, ...]] | None = None,
) -> Report:
    """The report for ``application``, judging the given files as its documents.

    ``documents`` maps document kinds to files; kinds the application only declares by name
    stay declared (the engine reports them uploaded but not inspected). ``as_of`` stands in
    for the application's own ``as_of`` when it has none (default: today), and picks the rule
    set in force that day unless ``ruleset`` is given. With ``read_license`` the license image
    of the application's region is read by OCR, if it decodes; without a reading (OCR off,
    Tesseract not installed) the engine leaves ``entity.license_ocr`` unjudged.

    ``batch_duplicates`` makes the application a row of a batch: the other rows sharing its
    unique values, by field (:func:`onboard.eligibility.duplicates.within_batch`; empty
    when it shares none). Without it the uniqueness checks are made at submission.

    Raises :class:`InputError` for a document kind the rule set does not know, or an as-of
    date before the first published rule set.
    """
    when = application.as_of or as_of or date.today()
    rules = ruleset or choose_ruleset(None, when)
    in_batch = batch_duplicates is not None
    if not documents:
        evidence = batch_evidence(batch_duplicates) if in_batch else None
        return evaluate(application, rules, as_of=when, evidence=evidence)
    facts = inspect_all(documents, rules)
    reading = _read_license(application, documents, facts, rules) if read_license else None
    evidence = Evidence(
        documents=facts,
        license_reading=reading,
        duplicates=batch_duplicates if in_batch else None,
        duplicates_scope="batch",
    )
    return evaluate(application, rules, as_of=when, evidence=evidence)


def choose_ruleset(version: str | None, when: date) -> RuleSet:
    """The published rule set named ``version``, else the one in force on ``when``.

    The one place where a caller's choice becomes a rule set: an unknown version is an
    :class:`InputError` on ``rules_version`` (404), a date before the first published rule set
    one on ``as_of``.
    """
    if version:
        try:
            return ruleset_by_version(version)
        except KeyError:
            raise InputError(
                {"rules_version": [f"No published rule set {version!r}."]}, status=404
            ) from None
    try:
        return ruleset_in_force(when)
    except RuleSetError as exc:  # a date before the first published rule set
        raise InputError({"as_of": [str(exc)]}) from None


def inspect_all(
    documents: Mapping[str, DocumentSource], ruleset: RuleSet
) -> dict[str, DocumentFacts]:
    """:func:`inspect_document` for every file, within the rule set's limits; streams are
    read from their start."""
    unknown = sorted(set(documents) - set(ruleset.document_kinds))
    if unknown:
        raise InputError({f"documents.{kind}": ["Unknown document kind."] for kind in unknown})
    facts = {}
    for kind, source in documents.items():
        _rewind(source)
        facts[kind] = inspect_document(
            kind,
            cast(BinaryIO, source) if not isinstance(source, bytes | Path) else source,
            max_bytes=ruleset.max_bytes,
            max_pixels=ruleset.max_pixels,
            max_decoded_bytes=ruleset.max_decoded_bytes,
            measure_quality=kind == ID_PHOTO,
        )
    return facts


def _read_license(
    application: Application,
    documents: Mapping[str, DocumentSource],
    facts: Mapping[str, DocumentFacts],
    ruleset: RuleSet,
) -> LicenseReading | None:
    """The OCR of the license image, when there is one that decoded and OCR is installed."""
    region = application.entity.region or ""
    kind = LICENSE_DOCUMENT.get(region)
    if kind is None or kind not in documents or facts[kind].problem is not None:
        return None
    data = _bytes_of(documents[kind], ruleset.max_bytes)
    if data is None:
        return None
    # Imported here: OCR pulls in Tesseract bindings that most pre-screens never need.
    from onboard.ocr import read_license  # noqa: PLC0415

    try:
        return read_license(data, region=region)
    except OSError:  # no Tesseract binary (pytesseract's TesseractNotFoundError)
        return None


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
