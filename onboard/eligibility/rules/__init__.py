"""The rule functions, one module per part of RULES.md, registered by code in REGISTRY."""

from onboard.eligibility.rules import documents, entity, entry, people, shop, store
from onboard.eligibility.rules.base import REGISTRY, RuleContext, RuleFunction, rule

__all__ = [
    "REGISTRY",
    "RuleContext",
    "RuleFunction",
    "documents",
    "entity",
    "entry",
    "people",
    "rule",
    "shop",
    "store",
]
