"""Why a file is not a usable image, in words: written once here, for the report's document
checks, the upload form, the API's license reading and ``onboard ocr``.

The words are the rule set's (``[document_problems]``), filled in with what the file showed
(its format, its pixel count) and the rule set's limits; a problem the rule set has no text
for reads as ``corrupt``.
"""

from __future__ import annotations

from onboard.eligibility.formatting import display
from onboard.eligibility.model import DocumentFacts
from onboard.eligibility.spec import RuleSet


def document_problem(facts: DocumentFacts, ruleset: RuleSet) -> dict[str, str]:
    """The reason ``facts`` names (``facts.problem``), by language: ``{"en": …, "zh": …}``."""
    problems = ruleset.document_problems
    texts = problems.get(facts.problem or "corrupt") or problems["corrupt"]
    pixels = (facts.width or 0) * (facts.height or 0)
    values = {
        "detail": facts.detail or "?",
        "pixels": display(pixels) if pixels else "?",
        "max_pixels": display(ruleset.max_pixels),
    }
    return {lang: text.format_map(values) for lang, text in texts.items()}


def size_limit(ruleset: RuleSet) -> str:
    """The file size limit as people read it: ``5 MB`` for 5 MiB (RULES.md §7 says "smaller
    than 5 MB" and judges in bytes: a file of exactly the limit is refused)."""
    mib = ruleset.max_bytes / (1024 * 1024)
    return f"{display(int(mib)) if mib.is_integer() else f'{mib:.2f}'} MB"
