"""The product's layers point one way and hold no import cycle (docs/architecture.md, "The parts").

Read from the source with ``ast``, so every import counts, at module level or inside a function:
a package may import only from a layer below its own, and the import graph of ``rxtriage``'s modules
has no cycle.  The product never imports the development tools.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "rxtriage"

#: Lower numbers are lower layers; a module may import its own part and the parts below it.
LAYERS: dict[str, float] = {
    "rxtriage.metrics": 0,
    "rxtriage.config": 0,
    "rxtriage.swagger_ui": 0,
    "rxtriage.settings": 0.5,
    "rxtriage.formulary": 1,
    "rxtriage.lookup": 2,
    "rxtriage.curation": 2.5,
    "rxtriage.triage": 3,
    "rxtriage.api": 4,
    "rxtriage.console": 4,
    "rxtriage.compat": 4,
    "rxtriage.bootstrap": 4.5,
    "rxtriage.ops": 5,
    "rxtriage.urls": 6,
    "rxtriage.wsgi": 6,
    "rxtriage.asgi": 6,
    "rxtriage.cli": 6,
}
TOOLING = ("bench", "drills", "devtools", "tests")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield _module_name(path), path


def _imports(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports (absolute names; relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _part(module: str) -> str | None:
    """The layer entry a module belongs to (its longest prefix in LAYERS)."""
    matches = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return max(matches, key=len) if matches else None


GRAPH = {name: _imports(name, path) for name, path in _sources()}
MODULES = set(GRAPH)


def test_every_product_module_belongs_to_a_layer() -> None:
    assert sorted(m for m in MODULES if m != "rxtriage" and _part(m) is None) == []


@pytest.mark.parametrize("module", sorted(MODULES - {"rxtriage"}))
def test_a_module_imports_nothing_from_a_layer_above_or_beside_its_own(module: str) -> None:
    own = _part(module)
    assert own is not None
    wrong = []
    for target in GRAPH[module]:
        part = _part(target)
        if part is None or part == own:
            continue
        if LAYERS[part] >= LAYERS[own]:
            wrong.append(f"{target} ({part}, layer {LAYERS[part]})")
    assert sorted(wrong) == [], f"{module} (layer {LAYERS[own]}) imports upward"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_the_product_never_imports_the_development_tools(module: str) -> None:
    assert sorted(t for t in GRAPH[module] if t.split(".")[0] in TOOLING) == []


def _edges(module: str) -> set[str]:
    """The product modules ``module`` imports (a ``from package import name`` of a submodule counts)."""
    return {t for t in GRAPH[module] if t in MODULES and t != module and t != "rxtriage"}


def test_the_import_graph_of_the_product_has_no_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(_edges(module)):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_checker_sees_an_upward_import() -> None:
    """The rule is not vacuous: an import of the API from the lookup would be refused."""
    assert LAYERS[_part("rxtriage.api.views") or ""] > LAYERS[_part("rxtriage.lookup.engine") or ""]
    assert "rxtriage.formulary.keys" in GRAPH["rxtriage.lookup.normalize"]


TOOL_RULES = {
    "devtools": ("bench", "drills", "rxtriage", "tests"),  # the shared base of the tools: stands alone
    "bench": ("drills", "tests"),
    "drills": ("bench", "tests"),
}


@pytest.mark.parametrize("tool", sorted(TOOL_RULES))
def test_the_tools_share_devtools_and_not_each_other(tool: str) -> None:
    wrong = []
    for path in sorted((ROOT / tool).rglob("*.py")):
        name = _module_name(path)
        wrong += [f"{name} -> {t}" for t in _imports(name, path) if t.split(".")[0] in TOOL_RULES[tool]]
    assert wrong == []


def test_the_matching_pipeline_and_the_offline_evaluation_load_without_django() -> None:
    """``python -m bench.evaluate`` runs the product's matching pipeline with no settings, no database."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = "import sys, bench.evaluate; sys.exit(any(m.startswith('django') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, timeout=120).returncode == 0
