"""The rule set as data: thresholds, scope and bilingual texts, loaded from versioned TOML.

Each file in ``rulesets/`` is one published version (``version``, ``effective_from``). The
engine judges an application by the newest version in force on its as-of date, so a new
version can be published before it applies. Loading validates the whole file and fails with a
:class:`RuleSetError` naming the offending key: a broken rule set must stop start-up, not
surface as a wrong verdict.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from onboard.eligibility.formatting import display
from onboard.eligibility.messages import MessageError, MessageTemplate, Texts, template_names

RULESETS_DIR = Path(__file__).with_name("rulesets")
LANGUAGES = ("en", "zh")
REGIONS = ("CN", "HK")


class RuleSetError(ValueError):
    """The rule-set file is malformed; the message names the key."""


@dataclass(frozen=True, slots=True, eq=False)
class RuleSpec:
    """One rule as the rule set describes it (hashed and compared by identity, like its
    rule set: the engine keys what it builds once per rule by the rule itself)."""

    code: str
    title: Texts
    field: str
    messages: Mapping[str, Texts]
    platforms: frozenset[str] | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    effective_from: date | None = None
    effective_until: date | None = None
    #: The thresholds as messages show them ({min} -> "500,000"), rendered once at load.
    shown_params: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: Every message compiled (see :mod:`onboard.eligibility.messages`), by message key.
    templates: Mapping[str, MessageTemplate] = dataclasses.field(default_factory=dict)

    def in_force(self, as_of: date) -> bool:
        if self.effective_from and as_of < self.effective_from:
            return False
        return not (self.effective_until and as_of > self.effective_until)

    def applies_to_platform(self, platform: str | None) -> bool:
        return self.platforms is None or platform in self.platforms


@dataclass(frozen=True, slots=True)
class DocumentKind:
    kind: str
    name: Texts
    regions: frozenset[str] | None = None
    platforms: frozenset[str] | None = None

    def required_for(self, region: str | None, platform: str | None) -> bool | None:
        """True/False, or None when the answer depends on a value not given yet."""
        for limit, value in ((self.regions, region), (self.platforms, platform)):
            if limit is None:
                continue
            if value is None:
                return None
            if value not in limit:
                return False
        return True


@dataclass(frozen=True, slots=True)
class InvitationRoute:
    """How the invitation route treats the standard route's store requirements (RULES.md §1,
    edition of 2026-12-06): with an invitation code given, the platform decides when it
    grants the code, so the rules named in ``store_rules`` and the documents of
    ``store_documents`` are not prerequisites. A check of theirs that is ``missing`` becomes
    ``n/a`` (message ``not_applicable``) and one that would fail becomes ``review`` (message
    ``review``, which may name ``title_en``/``title_zh``, the rule's title, and
    ``actual_en``/``actual_zh``, the value given)."""

    store_rules: frozenset[str]
    store_documents: frozenset[str]
    messages: Mapping[str, Texts]


@dataclass(frozen=True, slots=True, eq=False)
class RuleSet:
    """One published version of the rules, hashed and compared by identity: two loads of a
    file are two rule sets (what the engine plans for a rule set is keyed by the rule set)."""

    version: str
    effective_from: date
    source: str
    rules: tuple[RuleSpec, ...]
    platforms: Mapping[str, Texts]
    categories: Mapping[str, Texts]
    document_kinds: Mapping[str, DocumentKind]
    identifier_problems: Mapping[str, Texts]
    document_problems: Mapping[str, Texts]
    max_bytes: int
    max_pixels: int
    #: Bytes a file's pixels may take once decoded (width x height x bands x bytes per
    #: sample, judged from the header before any pixel is decoded).
    max_decoded_bytes: int
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    #: The edition of RULES.md the file implements: 1 for the first reading, 2 for the
    #: corrected reading of 2026-12-06. Rules whose reading changed between editions (and
    #: have no threshold to say so) judge by the edition of the rule set they run under, so
    #: that an older version keeps giving its old answers.
    edition: int = 1
    #: The version this one replaces for every date (same ``effective_from``), if any.
    supersedes: str | None = None
    invitation_route: InvitationRoute | None = None
    #: What a USCC's first two characters (registration authority and entity type; or the
    #: first alone, as a fallback) say its holder is, in both languages.
    uscc_holders: Mapping[str, Texts] = field(default_factory=dict)

    def rules_in_force(self, as_of: date) -> tuple[RuleSpec, ...]:
        """The rules whose own effective dates include ``as_of``, in rule-set order."""
        return _rules_in_force(self, as_of)

    def documents_required(
        self, region: str | None, platform: str | None
    ) -> tuple[DocumentKind, ...]:
        """The document kinds certainly required of a company of ``region`` selling on
        ``platform``, in rule-set order (a kind that depends on a value not given yet is not)."""
        return _documents_required(self, region, platform)

    def documents_of_region(self, region: str) -> tuple[DocumentKind, ...]:
        """The document kinds required only of companies of ``region`` (its registration
        papers), in rule-set order."""
        return _documents_of_region(self, region)

    @property
    def category_ids(self) -> frozenset[str]:
        return frozenset(self.categories)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(spec.code for spec in self.rules)

    def rule(self, code: str) -> RuleSpec:
        for spec in self.rules:
            if spec.code == code:
                return spec
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        """The rule set as ``GET /api/v1/rules`` publishes it."""
        out: dict[str, Any] = {
            "rules_version": self.version,
            "effective_from": self.effective_from.isoformat(),
            "source": self.source,
            "edition": self.edition,
            "supersedes": self.supersedes,
            "documents_limits": {
                "max_bytes": self.max_bytes,
                "max_pixels": self.max_pixels,
                "max_decoded_bytes": self.max_decoded_bytes,
            },
            "platforms": {k: dict(v) for k, v in self.platforms.items()},
            "categories": {k: dict(v) for k, v in self.categories.items()},
            "documents": {
                k: {
                    "name": dict(d.name),
                    "regions": sorted(d.regions) if d.regions else None,
                    "platforms": sorted(d.platforms) if d.platforms else None,
                }
                for k, d in self.document_kinds.items()
            },
            "rules": [
                {
                    "code": s.code,
                    "title": dict(s.title),
                    "field": s.field,
                    "platforms": sorted(s.platforms) if s.platforms else None,
                    "thresholds": dict(s.params),
                    "effective_from": s.effective_from.isoformat() if s.effective_from else None,
                    "effective_until": s.effective_until.isoformat() if s.effective_until else None,
                    "messages": {k: dict(v) for k, v in s.messages.items()},
                }
                for s in self.rules
            ],
        }
        if self.invitation_route is not None:
            route = self.invitation_route
            out["invitation_route"] = {
                "store_rules": sorted(route.store_rules),
                "store_documents": sorted(route.store_documents),
                "messages": {k: dict(v) for k, v in route.messages.items()},
            }
        if self.uscc_holders:
            out["uscc_holders"] = {k: dict(v) for k, v in self.uscc_holders.items()}
        return out


# A batch judges many applications on few dates, regions and platforms: what they select of
# a rule set is kept (bounded: any text may arrive as a region in a draft).


@lru_cache(maxsize=4096)
def _rules_in_force(ruleset: RuleSet, as_of: date) -> tuple[RuleSpec, ...]:
    return tuple(spec for spec in ruleset.rules if spec.in_force(as_of))


@lru_cache(maxsize=1024)
def _documents_required(
    ruleset: RuleSet, region: str | None, platform: str | None
) -> tuple[DocumentKind, ...]:
    kinds = ruleset.document_kinds.values()
    return tuple(kind for kind in kinds if kind.required_for(region, platform))


@lru_cache(maxsize=1024)
def _documents_of_region(ruleset: RuleSet, region: str) -> tuple[DocumentKind, ...]:
    kinds = ruleset.document_kinds.values()
    return tuple(kind for kind in kinds if kind.regions is not None and region in kind.regions)


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


def _registry() -> Mapping[str, Any]:
    # Imported here: the rule functions import this module's types.
    from onboard.eligibility.rules import REGISTRY  # noqa: PLC0415

    return REGISTRY


def _check_implemented(ruleset: RuleSet) -> None:
    unknown = sorted(set(ruleset.codes) - set(_registry()))
    if unknown:
        raise RuleSetError(f"rules: no implementation for {unknown}")


def _check_complete(ruleset: RuleSet) -> None:
    """The newest version publishes every rule there is: an older one may lack the rules
    added since (2026.11.1 has no ``entity.enterprise``), the newest may not."""
    absent = sorted(set(_registry()) - set(ruleset.codes))
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
