"""The shape of the code, enforced: module size, no import cycles, lower layers below domain apps.

Every check reads the source with `ast` (no import runs), so imports inside functions count too
(they are how cycles hide). Each check is also run against a small planted tree in `tmp_path`, so
a check that cannot fail is caught as well.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lianxin

PACKAGE_DIR = Path(lianxin.__file__).parent
MAX_MODULE_LINES = 600

# Modules allowed over MAX_MODULE_LINES, each with the reason. Keep it short; split instead.
OVERSIZED_ALLOWED: dict[str, str] = {}

# What each lower layer may import from `lianxin` (itself always). An allow-list, so every new app
# is a domain app that lower layers may not import without this table saying so. Root modules
# (`lianxin.celery`, `lianxin.settings`) are the project's plumbing, not apps.
LOWER_LAYERS: dict[str, frozenset[str]] = {
    "triage": frozenset(),  # plain Python; see tests/triage/test_no_django.py
    "core": frozenset({"celery", "settings"}),
    "audit": frozenset({"core"}),
    "worktime": frozenset({"core"}),
    "org": frozenset({"core", "audit", "worktime"}),
    "notifications": frozenset({"core", "org"}),
    "opinions": frozenset({"core", "org", "audit", "worktime", "triage", "notifications"}),
}


@dataclass(frozen=True)
class Import:
    target: str  # the `lianxin` module imported (a package means its `__init__`)
    line: int
    type_checking_only: bool


def module_files(root: Path) -> dict[str, Path]:
    """Every module of the package at `root`, by dotted name, migrations left out."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        if "migrations" in rel.parts:
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        modules[".".join(parts)] = path
    return modules


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                for sub in ast.walk(child):
                    if hasattr(sub, "lineno"):
                        lines.add(sub.lineno)
    return lines


def _nearest_module(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    """The package-internal imports of one module, wherever they stand (functions included)."""
    top = module.split(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    guarded = _type_checking_lines(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            # `from a import b`: b is a submodule when there is one, else a name of module a.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for name in names:
            if name.split(".")[0] != top:
                continue
            target = _nearest_module(name, modules)
            if target and target != module:
                assert isinstance(node, ast.Import | ast.ImportFrom)  # only they have names
                yield Import(target, node.lineno, node.lineno in guarded)


def import_graph(root: Path, *, runtime_only: bool) -> dict[str, dict[str, int]]:
    modules = module_files(root)
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        edges = graph.setdefault(module, {})
        for imp in imports_of(module, path, modules):
            if not (runtime_only and imp.type_checking_only):
                edges.setdefault(imp.target, imp.line)
    return graph


def import_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, {}))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def _app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_violations(graph: dict[str, dict[str, int]], layers: dict[str, frozenset[str]]) -> list[str]:
    found = []
    for module, edges in sorted(graph.items()):
        app = _app_of(module)
        if app not in layers:
            continue
        for target, line in sorted(edges.items()):
            other = _app_of(target)
            if other != app and other not in layers[app]:
                found.append(f"{module}:{line} imports {target} (a {app} module may import {sorted(layers[app])})")
    return found


def oversized_modules(root: Path, limit: int = MAX_MODULE_LINES) -> dict[str, int]:
    sizes = {}
    for module, path in module_files(root).items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            sizes[module] = lines
    return sizes


# --- the checks on the real tree ---------------------------------------------------------------


def test_no_module_is_over_600_lines():
    oversized = {m: n for m, n in oversized_modules(PACKAGE_DIR).items() if m not in OVERSIZED_ALLOWED}
    assert oversized == {}, "split these modules (one sub-module per workflow or domain)"


def test_the_oversized_allow_list_names_only_modules_still_oversized():
    assert set(OVERSIZED_ALLOWED) <= set(oversized_modules(PACKAGE_DIR))


def test_no_import_cycle_between_modules():
    assert import_cycles(import_graph(PACKAGE_DIR, runtime_only=True)) == []


def test_lower_layers_import_only_what_their_allow_list_names():
    assert layer_violations(import_graph(PACKAGE_DIR, runtime_only=False), LOWER_LAYERS) == []


# --- the checks can fail: each is run on a planted violation ---------------------------------


def _plant(root: Path, files: dict[str, str]) -> Path:
    package = root / "pkg"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for directory in [package, *(p for p in package.rglob("*") if p.is_dir())]:
        (directory / "__init__.py").touch()
    return package


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path):
    package = _plant(tmp_path, {
        "shop/models.py": "def f():\n    from pkg.shop.alerts import g\n",
        "shop/alerts.py": "from .models import f\n",
        "shop/other.py": "from pkg.shop import models\n",
    })
    assert import_cycles(import_graph(package, runtime_only=True)) == [["pkg.shop.alerts", "pkg.shop.models"]]


def test_an_import_under_type_checking_is_no_cycle(tmp_path):
    package = _plant(tmp_path, {
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import x\n",
        "b.py": "from pkg.a import y\n",
    })
    assert import_cycles(import_graph(package, runtime_only=True)) == []


def test_a_lower_layer_importing_a_new_app_is_refused(tmp_path):
    package = _plant(tmp_path, {
        "core/serve.py": "def run():\n    import pkg.brandnew.tasks\n",
        "core/ok.py": "from pkg.core import serve\n",
        "brandnew/tasks.py": "from pkg.core.ok import serve\n",
    })
    found = layer_violations(import_graph(package, runtime_only=False), {"core": frozenset()})
    assert found == ["pkg.core.serve:2 imports pkg.brandnew.tasks (a core module may import [])"]


def test_a_module_over_the_limit_is_found(tmp_path):
    package = _plant(tmp_path, {"big.py": "x = 1\n" * 601, "small.py": "x = 1\n" * 600})
    assert oversized_modules(package) == {"pkg.big": 601}
