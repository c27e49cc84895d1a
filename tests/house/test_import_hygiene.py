"""Domain code never imports Textual: checked statically by the import-linter contracts
(tests/house/test_quality.py runs lint-imports, which sees imports inside functions too) and
at run time here. The contracts are complete (every domain module listed, every module
of the TUI and the library in a layer), and no module of the package reaches itself
through its imports. And the package's modules and functions stay small enough to
hold one job each."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import reader
from tests.conftest import ROOT

FRONT_ENDS = ("reader.tui", "reader.cli", "reader.__main__")
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def domain_modules() -> list[str]:
    names = [
        info.name
        for info in pkgutil.walk_packages(reader.__path__, "reader.")
        if not info.name.startswith(FRONT_ENDS)
    ]
    return sorted(names)


def test_importing_every_domain_module_loads_no_textual() -> None:
    modules = domain_modules()
    assert "reader.text.article" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_import_linter_contract_lists_every_domain_module() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["name"] == "Domain code never imports Textual or the TUI"
    ]
    listed = set(contract["source_modules"])
    top_level = {".".join(name.split(".")[:2]) for name in domain_modules()}
    assert top_level - listed == set(), "add these to [tool.importlinter] source_modules"


def tui_modules() -> set[str]:
    import reader.tui

    return {info.name for info in pkgutil.iter_modules(reader.tui.__path__)}


def test_tui_layers_contract_places_every_tui_module_and_the_app_on_top() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c for c in config["tool"]["importlinter"]["contracts"] if c.get("id") == "tui-layers"
    ]
    assert contract["type"] == "layers" and contract["containers"] == ["reader.tui"]
    placed = [
        name.strip() for layer in contract["layers"] for name in layer.replace(":", "|").split("|")
    ]
    assert sorted(placed) == sorted(tui_modules())
    assert contract["layers"][0] == "app"  # no other module of reader.tui imports the app


def test_library_layers_contract_is_exhaustive_with_the_errors_at_the_bottom() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c for c in config["tool"]["importlinter"]["contracts"] if c.get("id") == "library-layers"
    ]
    assert contract["type"] == "layers" and contract["containers"] == ["reader.library"]
    assert contract["exhaustive"] is True  # lint-imports itself fails on a module left out
    assert contract["layers"][-1] == "errors"


def test_export_contract_forbids_the_library_and_extraction() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c.get("source_modules") == ["reader.export"]
    ]
    assert set(contract["forbidden_modules"]) == {"reader.library", "reader.extract"}


def test_no_import_cycles_anywhere_in_the_package() -> None:
    """No module reaches itself through its imports: imports inside functions count
    (grimp, import-linter's graph, reads every import statement of a module), and so do
    package faces (a submodule importing its package's __init__ while the __init__
    imports it). The contracts (tests/house/test_quality.py runs lint-imports) keep the
    layers; this keeps every other folder free of circles too."""
    import grimp

    graph = grimp.build_graph("reader")
    edges = {
        module: {d for d in graph.find_modules_directly_imported_by(module) if d in graph.modules}
        for module in graph.modules
    }
    assert circles(edges) == []


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative: a recursive one would overflow on a deep chain of imports)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)

    for root in sorted(edges):
        if root in index:
            continue
        visit(root)
        work = [(root, iter(sorted(edges[root])))]
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    visit(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = [stack.pop()]
                while component[-1] != node:
                    component.append(stack.pop())
                on_stack.difference_update(component)
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_circle_and_a_face() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "p": {"p.x"}, "p.x": {"p"}}
    assert sorted(circles(edges)) == [["a", "b", "c"], ["p", "p.x"]]
    assert circles({"a": {"b"}, "b": set()}) == []


# One job per module and per function: past these, a module or function has always held
# two (ruff's C901 bounds the branching inside a function, see pyproject.toml).
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def test_no_module_or_function_of_the_package_is_too_long() -> None:
    too_long: list[str] = []
    functions = 0
    for path in sorted((ROOT / "reader").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT).as_posix()
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{name}: {lines} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions += 1
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(
                        f"{name}:{node.lineno} {node.name}: {length} lines "
                        f"(at most {MAX_FUNCTION_LINES})"
                    )
    assert functions > 500  # the walk saw the package
    assert too_long == []
