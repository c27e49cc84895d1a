"""Domain code never imports Textual: checked statically and at run time. Inside the
TUI, modules are layered (no cycles; no screen imports the app): checked by the
import-linter contract, run here. And the package's modules and functions stay small
enough to hold one job each."""

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


def test_no_domain_module_imports_textual_statically() -> None:
    offenders = []
    for path in (ROOT / "reader").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if module.startswith(FRONT_ENDS):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{module}: {name}"
                for name in names
                if name.split(".")[0] == "textual" or name.startswith("reader.tui")
            ]
    assert offenders == []


def test_importing_every_domain_module_loads_no_textual() -> None:
    modules = domain_modules()
    assert "reader.article" in modules
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


def test_tui_layers_contract_is_kept() -> None:
    """lint-imports itself, on the TUI's contract: a screen importing the app (or any
    import from a lower layer to a higher one) fails here."""
    out = subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--contract", "tui-layers"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 kept, 0 broken" in out.stdout


def test_export_imports_neither_the_library_nor_extraction() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c.get("source_modules") == ["reader.export"]
    ]
    assert set(contract["forbidden_modules"]) == {"reader.library", "reader.extract"}
    offenders = []
    for path in (ROOT / "reader" / "export").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.name}: {name}"
                for name in names
                if name.startswith(("reader.library", "reader.extract"))
            ]
    assert offenders == []


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
