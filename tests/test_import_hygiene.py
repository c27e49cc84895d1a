"""Domain code never imports Textual: checked statically and at run time."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
import tomllib

import reader
from tests.conftest import ROOT

FRONT_ENDS = ("reader.tui", "reader.cli", "reader.__main__")


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
        if "textual" in c["forbidden_modules"]
    ]
    listed = set(contract["source_modules"])
    top_level = {".".join(name.split(".")[:2]) for name in domain_modules()}
    assert top_level - listed == set(), "add these to [tool.importlinter] source_modules"


def test_export_imports_neither_the_library_nor_extraction() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["source_modules"] == ["reader.export"]
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
