"""The rule set as data: thresholds, scope and bilingual texts, loaded from versioned TOML.

Each file in ``rulesets/`` is one published version (``version``, ``effective_from``). The
engine judges an application by the newest version in force on its as-of date, so a new
version can be published before it applies. Loading validates the whole file and fails with a
:class:`RuleSetError` naming the offending key: a broken rule set must stop start-up, not
surface as a wrong verdict.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from onboard.eligibility.formatting import display
from onboard.eligibility.messages import MessageError, MessageTemplate, Texts, template_names
from onboard.eligibility.rules import REGISTRY
from onboard.eligibility.spec import DocumentKind, InvitationRoute, RuleSet, RuleSpec

__all__ = [
    "LANGUAGES",
    "REGIONS",
    "RULESETS_DIR",
    "DocumentKind",
    "InvitationRoute",
    "RuleSet",
    "RuleSetError",
    "RuleSpec",
    "default_ruleset",
    "load_ruleset",
    "parse_ruleset",
    "published_rulesets",
    "ruleset_by_version",
    "ruleset_in_force",
]

RULESETS_DIR = Path(__file__).with_name("rulesets")
LANGUAGES = ("en", "zh")
REGIONS = ("CN", "HK")


class RuleSetError(ValueError):
    """The rule-set file is malformed; the message names the key."""


# --- loading and validation ----------------------------------------------------------------

_RULE_KEYS = {"en", "zh", "field", "platforms", "messages", "effective_from", "effective_until"}


def _texts(value: Any, where: str) -> Texts:
    if not isinstance(value, Mapping):
        raise RuleSetError(f"{where}: expected a table with 'en' and 'zh'")
    out = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise RuleSetError(f"{where}.{lang}: missing or empty text")
        try:
            template_names(text)
        except MessageError as exc:
            raise RuleSetError(f"{where}.{lang}: {exc}") from None
        out[lang] = text
    extra = set(value) - set(LANGUAGES)
    if extra:
        raise RuleSetError(f"{where}: unknown keys {sorted(extra)}")
    return MappingProxyType(out)


def _text_table(value: Any, where: str) -> Mapping[str, Texts]:
    if not isinstance(value, Mapping) or not value:
        raise RuleSetError(f"{where}: expected a non-empty table")
    return MappingProxyType({k: _texts(v, f"{where}.{k}") for k, v in value.items()})


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RuleSetError(f"{where}: not a YYYY-MM-DD date: {value!r}") from None


def _names(value: Any, where: str, allowed: Mapping[str, Any] | tuple[str, ...]) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise RuleSetError(f"{where}: expected a non-empty list of names")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise RuleSetError(f"{where}: unknown {unknown}")
    return frozenset(value)


def _templates(
    messages: Mapping[str, Texts], shown: Mapping[str, str], where: str
) -> Mapping[str, MessageTemplate]:
    compiled = {}
    for key, texts in messages.items():
        try:
            compiled[key] = MessageTemplate.compile(texts, shown)
        except MessageError as exc:
            raise RuleSetError(f"{where}.messages.{key}: {exc}") from None
    return MappingProxyType(compiled)


def _rule(code: str, body: Any, platforms: Mapping[str, Texts]) -> RuleSpec:
    where = f"rules.{code}"
    if not isinstance(body, Mapping):
        raise RuleSetError(f"{where}: expected a table")
    title = _texts({lang: body.get(lang) for lang in LANGUAGES}, where)
    field_name = body.get("field")
    if not isinstance(field_name, str) or not field_name:
        raise RuleSetError(f"{where}.field: missing")
    messages = _text_table(body.get("messages"), f"{where}.messages")
    params = {k: v for k, v in body.items() if k not in _RULE_KEYS}
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, int | float | str | list):
            raise RuleSetError(f"{where}.{key}: expected a number, text or list")
    if "platforms" in body and "not_applicable" not in messages:
        raise RuleSetError(f"{where}.messages: a rule limited to platforms needs not_applicable")
    shown = MappingProxyType({k: display(v) for k, v in params.items() if not isinstance(v, list)})
    return RuleSpec(
        code=code,
        shown_params=shown,
        templates=_templates(messages, shown, where),
        title=title,
        field=field_name,
        messages=messages,
        platforms=_names(body["platforms"], f"{where}.platforms", platforms)
        if "platforms" in body
        else None,
        params=MappingProxyType(params),
        effective_from=_date(body["effective_from"], f"{where}.effective_from")
        if "effective_from" in body
        else None,
        effective_until=_date(body["effective_until"], f"{where}.effective_until")
        if "effective_until" in body
        else None,
    )


def _document_kinds(value: Any, platforms: Mapping[str, Texts]) -> Mapping[str, DocumentKind]:
    if not isinstance(value, Mapping) or not value:
        raise RuleSetError("documents: expected a non-empty table")
    kinds = {}
    for kind, body in value.items():
        where = f"documents.{kind}"
        if not isinstance(body, Mapping):
            raise RuleSetError(f"{where}: expected a table")
        kinds[kind] = DocumentKind(
            kind=kind,
            name=_texts({lang: body.get(lang) for lang in LANGUAGES}, where),
            regions=_names(body["regions"], f"{where}.regions", REGIONS)
            if "regions" in body
            else None,
            platforms=_names(body["platforms"], f"{where}.platforms", platforms)
            if "platforms" in body
            else None,
        )
    return MappingProxyType(kinds)


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise RuleSetError(f"{where}: expected a positive integer")
    return value


def _invitation_route(
    value: Any, codes: tuple[str, ...], kinds: Mapping[str, DocumentKind]
) -> InvitationRoute | None:
    if value is None:
        return None
    where = "invitation_route"
    if not isinstance(value, Mapping):
        raise RuleSetError(f"{where}: expected a table")
    extra = sorted(set(value) - {"store_rules", "store_documents", "messages"})
    if extra:
        raise RuleSetError(f"{where}: unknown keys {extra}")
    messages = _text_table(value.get("messages"), f"{where}.messages")
    absent = sorted({"not_applicable", "review"} - set(messages))
    if absent:
        raise RuleSetError(f"{where}.messages: missing {absent}")
    return InvitationRoute(
        store_rules=_names(value.get("store_rules"), f"{where}.store_rules", codes),
        store_documents=_names(value.get("store_documents"), f"{where}.store_documents", kinds),
        messages=messages,
    )


def _edition(value: Any) -> int:
    if value is None:
        return 1
    return _positive_int(value, "edition")


def parse_ruleset(data: Mapping[str, Any]) -> RuleSet:
    """Validate a rule set already read from TOML; raises :class:`RuleSetError`."""
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise RuleSetError("version: missing")
    platforms = _text_table(data.get("platforms"), "platforms")
    rules_table = data.get("rules")
    if not isinstance(rules_table, Mapping) or not rules_table:
        raise RuleSetError("rules: expected a non-empty table")
    limits = data.get("documents_limits", {})
    max_pixels = _positive_int(limits.get("max_pixels"), "documents_limits.max_pixels")
    rules = tuple(_rule(code, body, platforms) for code, body in rules_table.items())
    document_kinds = _document_kinds(data.get("documents"), platforms)
    supersedes = data.get("supersedes")
    if supersedes is not None and (not isinstance(supersedes, str) or not supersedes):
        raise RuleSetError("supersedes: expected a version")
    ruleset = RuleSet(
        version=version,
        effective_from=_date(data.get("effective_from"), "effective_from"),
        source=str(data.get("source", "")),
        rules=rules,
        platforms=platforms,
        categories=_text_table(data.get("categories"), "categories"),
        document_kinds=document_kinds,
        identifier_problems=_text_table(data.get("identifier_problems"), "identifier_problems"),
        document_problems=_text_table(data.get("document_problems"), "document_problems"),
        max_bytes=_positive_int(limits.get("max_bytes"), "documents_limits.max_bytes"),
        max_pixels=max_pixels,
        max_decoded_bytes=_positive_int(
            # A rule set without it: the largest layout of its pixel budget (16-bit RGBA).
            limits.get("max_decoded_bytes", max_pixels * 8),
            "documents_limits.max_decoded_bytes",
        ),
        raw=MappingProxyType(dict(data)),
        edition=_edition(data.get("edition")),
        supersedes=supersedes,
        invitation_route=_invitation_route(
            data.get("invitation_route"), tuple(spec.code for spec in rules), document_kinds
        ),
        uscc_holders=_text_table(data["uscc_holders"], "uscc_holders")
        if "uscc_holders" in data
        else MappingProxyType({}),
    )
    _check_implemented(ruleset)
    return ruleset


def _check_implemented(ruleset: RuleSet) -> None:
    unknown = sorted(set(ruleset.codes) - set(REGISTRY))
    if unknown:
        raise RuleSetError(f"rules: no implementation for {unknown}")


def _check_complete(ruleset: RuleSet) -> None:
    """The newest version publishes every rule there is: an older one may lack the rules
    added since (2026.11.1 has no ``entity.enterprise``), the newest may not."""
    absent = sorted(set(REGISTRY) - set(ruleset.codes))
    if absent:
        raise RuleSetError(f"rules: the rule set {ruleset.version} leaves out {absent}")


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """``2026.11.2`` after ``2026.11.1``: numeric parts compared as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in version.split("."))


def load_ruleset(path: str | Path) -> RuleSet:
    """Read and validate one rule-set file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleSetError(f"{path.name}: {exc}") from None
    return parse_ruleset(data)


@cache
def published_rulesets(directory: Path = RULESETS_DIR) -> tuple[RuleSet, ...]:
    """Every published version, oldest first by ``effective_from``, then by version: of two
    versions with the same ``effective_from`` the later one (``2026.11.2``, a corrected
    reading) supersedes the earlier for every date, which stays loadable by name."""
    found = [load_ruleset(path) for path in sorted(directory.glob("*.toml"))]
    versions = [r.version for r in found]
    if len(set(versions)) != len(versions):
        raise RuleSetError(f"{directory}: duplicate versions {versions}")
    ordered = tuple(sorted(found, key=lambda r: (r.effective_from, _version_key(r.version))))
    if ordered:
        _check_complete(ordered[-1])
    return ordered


def ruleset_in_force(as_of: date, directory: Path = RULESETS_DIR) -> RuleSet:
    """The newest published version whose ``effective_from`` is on or before ``as_of``."""
    for ruleset in reversed(published_rulesets(directory)):  # newest first
        if ruleset.effective_from <= as_of:
            return ruleset
    raise RuleSetError(f"no rule set is in force on {as_of.isoformat()}")


def ruleset_by_version(version: str, directory: Path = RULESETS_DIR) -> RuleSet:
    for ruleset in published_rulesets(directory):
        if ruleset.version == version:
            return ruleset
    raise KeyError(version)


def default_ruleset() -> RuleSet:
    """The version in force today."""
    return ruleset_in_force(date.today())
