"""The domain core's modules import one another without a cycle (read from their source, so
that a cycle is found whichever module happens to be imported first)."""

from __future__ import annotations

import ast
from pathlib import Path

import onboard.eligibility

ROOT = Path(onboard.eligibility.__file__).parent
PACKAGE = "onboard.eligibility"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


MODULES = {_module_name(path): path for path in ROOT.rglob("*.py")}


def _with_packages(name: str) -> set[str]:
    """``name`` and the packages whose ``__init__`` importing it runs."""
    parts = name.split(".")
    found = {".".join(parts[:n]) for n in range(3, len(parts) + 1)}
    return found & MODULES.keys()


def imports_of(name: str) -> set[str]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found |= _with_packages(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= _with_packages(node.module)
            for alias in node.names:  # "from onboard.eligibility import identifiers"
                found |= _with_packages(f"{node.module}.{alias.name}")
    # A module's own packages are being imported already when it runs (their __init__ is
    # what imports it): no edge back to them.
    return found - _with_packages(name)


def test_the_core_has_no_import_cycle():
    graph = {name: imports_of(name) for name in MODULES}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = (*path[path.index(name) :], name)
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for other in sorted(graph[name]):
            visit(other, (*path, name))
        done.add(name)

    for name in sorted(graph):
        visit(name, ())


def test_the_rule_set_loader_imports_the_rules_and_not_the_other_way():
    assert "onboard.eligibility.rules" in imports_of("onboard.eligibility.ruleset")
    for name in MODULES:
        if name.startswith("onboard.eligibility.rules"):
            assert "onboard.eligibility.ruleset" not in imports_of(name), name
