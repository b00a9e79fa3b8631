"""Pre-screening one application: the use case the CLI, the API and batch jobs share.

Adapters parse their input into an :class:`Application` and hand over whatever files they
have; :mod:`onboard.usecases.evidence` turns the files into :class:`Evidence` (what each
really is, and the license number read from the license image) and the engine makes the
report. Nothing here knows
about HTTP or the command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from onboard.eligibility.duplicates import batch_evidence
from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import Application, Duplicate, Report
from onboard.eligibility.ruleset import (
    RuleSet,
    RuleSetError,
    ruleset_by_version,
    ruleset_in_force,
)
from onboard.errors import InputError
from onboard.usecases import evidence
from onboard.usecases.evidence import DocumentSource


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
    if not documents:
        found = None if batch_duplicates is None else batch_evidence(batch_duplicates)
    else:
        found = evidence.from_files(
            application,
            documents,
            rules,
            read_license_image=read_license,
            batch_duplicates=batch_duplicates,
        )
    return evaluate(application, rules, as_of=when, evidence=found)


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
