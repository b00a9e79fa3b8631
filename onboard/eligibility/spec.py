"""What a rule set says, as data: its rules, document kinds, the invitation route and the
rule set itself. The rule functions read these; :mod:`onboard.eligibility.ruleset` loads and
validates them from the versioned TOML files (and checks each rule has a function), so the
arrows point one way: ruleset → rules → spec.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from onboard.eligibility.messages import MessageTemplate, Texts


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
