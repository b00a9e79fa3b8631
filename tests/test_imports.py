"""The import structure of ``onboard``: no cycles, and arrows that point inward only.

Imports are read from the source with :mod:`ast` — at module top, inside functions and under
``TYPE_CHECKING`` alike — never from ``sys.modules``, so an import hidden in a function
counts as much as one at the top. ``from onboard import repository`` is an arrow to
``onboard.repository``; the parent package a submodule import runs first is not an arrow.

The rings, inside out (README, "Module map"):

* the core, ``onboard.eligibility``: imports nothing of onboard outside it;
* the shared kernel (``onboard.errors``, ``onboard.plaintext``): plain data and patterns that
  every ring may use, importing nothing of onboard;
* intake, ``onboard.intake``: the core and the kernel only;
* use cases, ``onboard.usecases``: never the web (``onboard.web``) or the command line
  (``onboard.cli``);
* the database layer (``onboard.models``, ``onboard.repository``, ``onboard.database``): no
  agencies module, no use case, no web, no command line.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "onboard"

CORE = "onboard.eligibility"
KERNEL = ("onboard.errors", "onboard.plaintext")
INTAKE = "onboard.intake"
USECASES = "onboard.usecases"
DATABASE = ("onboard.models", "onboard.repository", "onboard.database")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.relative_to(ROOT).parts:
            continue  # Alembic's scripts are run by Alembic, not imported by onboard
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _module_of(name: str) -> str | None:
    """The onboard module an imported name lives in (``onboard.cli.check.check`` ->
    ``onboard.cli.check``); None outside onboard."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported(module: str, source: str, *, package: bool) -> Iterator[tuple[str, int]]:
    """(imported onboard module, line) for every import statement anywhere in ``source``,
    the text of ``module`` (``package``: an ``__init__.py``)."""
    package_name = module if package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package_name.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            target = _module_of(name) if name.split(".")[0] == "onboard" else None
            if target is not None and target != module:
                yield target, node.lineno


def _import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: line of its first import}."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        targets = graph[module] = {}
        source = path.read_text(encoding="utf-8")
        found = _imported(module, source, package=path.name == "__init__.py")
        for target, line in sorted(found, key=lambda item: item[1]):
            targets.setdefault(target, line)
    return graph


IMPORTS = _import_graph()


def _cycles() -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in IMPORTS[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    return found


def _outward(
    inside: tuple[str, ...], allowed: tuple[str, ...], forbidden: tuple[str, ...] = ()
) -> list[str]:
    """``module:line -> target`` for each import from a module under ``inside`` of a module
    under ``forbidden``, or (without ``forbidden``) of one under neither ``inside`` nor
    ``allowed``."""

    def under(module: str, prefixes: tuple[str, ...]) -> bool:
        return any(module == p or module.startswith(p + ".") for p in prefixes)

    bad = []
    for module, targets in IMPORTS.items():
        if not under(module, inside):
            continue
        for target, line in targets.items():
            wrong = under(target, forbidden) if forbidden else not under(target, inside + allowed)
            if wrong:
                bad.append(f"{MODULES[module].relative_to(ROOT.parent)}:{line} -> {target}")
    return sorted(bad)


def test_the_reader_sees_every_kind_of_import() -> None:
    source = """
from typing import TYPE_CHECKING
import onboard.cli.check
from onboard import repository, extensions as ext
from . import render
from .group import complain
from onboard.eligibility.model import Report
if TYPE_CHECKING:
    from onboard.web import forms

def later():
    from onboard.usecases import applications
    import json
"""
    found = dict(_imported("onboard.cli.rows", source, package=False))
    assert found == {
        "onboard.cli.check": 3,
        "onboard.repository": 4,
        "onboard.extensions": 4,
        "onboard.cli.render": 5,
        "onboard.cli.group": 6,
        "onboard.eligibility.model": 7,
        "onboard.web.forms": 9,
        "onboard.usecases.applications": 12,
    }
    assert dict(_imported("onboard.cli", "from . import group", package=True)) == {
        "onboard.cli.group": 1
    }
    assert len(MODULES) > 60 and "onboard.eligibility.engine" in MODULES


def test_no_import_cycles_inside_onboard() -> None:
    cycles = [sorted(cycle) for cycle in _cycles()]
    assert cycles == [], "modules that import each other, directly or round a loop"


def test_the_cycle_finder_finds_a_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    looped = {**IMPORTS, "onboard.eligibility.spec": {"onboard.eligibility.ruleset": 1}}
    monkeypatch.setattr(sys.modules[__name__], "IMPORTS", looped)
    assert any("onboard.eligibility.spec" in cycle for cycle in _cycles())


def test_the_rule_set_loader_imports_the_rules_and_not_the_other_way() -> None:
    assert "onboard.eligibility.rules" in IMPORTS["onboard.eligibility.ruleset"]
    for module, targets in IMPORTS.items():
        if module.startswith("onboard.eligibility.rules"):
            assert "onboard.eligibility.ruleset" not in targets, module


def test_the_core_imports_nothing_of_onboard_outside_it() -> None:
    assert _outward((CORE,), ()) == []


def test_the_shared_kernel_imports_nothing_of_onboard() -> None:
    assert _outward(KERNEL, ()) == []


def test_intake_imports_only_the_core() -> None:
    assert _outward((INTAKE,), (CORE, *KERNEL)) == []


def test_use_cases_import_neither_the_web_nor_the_command_line() -> None:
    assert _outward((USECASES,), (), forbidden=("onboard.web", "onboard.cli")) == []


@pytest.mark.parametrize("module", DATABASE)
def test_the_database_layer_imports_no_agencies_use_case_web_or_command_line(
    module: str,
) -> None:
    forbidden = ("onboard.agencies", USECASES, "onboard.web", "onboard.cli")
    assert _outward((module,), (), forbidden=forbidden) == []
