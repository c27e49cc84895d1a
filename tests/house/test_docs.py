"""The documentation site (docs/, mkdocs.yml) and the front page, against the code.

The site builds with warnings as errors (a broken link, anchor or nav entry fails); every
subcommand, choice and option of ``reader`` is shown in a command block of the docs and
every command the docs and README show parses; the key tables of docs/keys.md are
exactly the key bindings of the TUI's screens, and the settings table of docs/config.md
the settings; every Python name and file path they give exists; the version is written
once.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
README = ROOT / "README.md"


def test_the_docs_build_with_warnings_as_errors(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "keys" / "index.html").is_file()
    # The changelog page includes CHANGELOG.md itself.
    changelog = (tmp_path / "site" / "changelog" / "index.html").read_text("utf-8")
    assert "Keep a Changelog" in changelog


# -- commands ------------------------------------------------------------------------------


@dataclass
class Command:
    """One parser of ``reader``'s tree: its words, options and action words."""

    path: tuple[str, ...]
    parser: argparse.ArgumentParser
    options: set[str] = field(default_factory=set)
    # The spellings of each option (`-o`, `--output`): showing one of them is enough.
    spellings: list[tuple[str, ...]] = field(default_factory=list)
    children: dict[str, Command] = field(default_factory=dict)
    # A first positional with choices (`reader voices catalog`, `reader queue add`).
    words: tuple[str, ...] = ()


def _tree(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Command:
    node = Command(path, parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                node.children[name] = _tree(sub, (*path, name))
        elif action.option_strings:
            if not isinstance(action, argparse._HelpAction):
                node.options.update(action.option_strings)
                node.spellings.append(tuple(action.option_strings))
        elif action.choices is not None and not node.words:
            node.words = tuple(str(choice) for choice in action.choices)
    return node


def _nodes(node: Command) -> list[Command]:
    return [node] + [n for child in node.children.values() for n in _nodes(child)]


@pytest.fixture(scope="module")
def tree() -> Command:
    from reader.cli import build_parser

    return _tree(build_parser())


@dataclass
class Shown:
    """A command as a page shows it: where, the parser it reaches, its options."""

    where: str
    text: str
    node: Command
    word: str | None
    options: list[str]


OPTION = re.compile(r"^-{1,2}[A-Za-z][\w-]*")


def _resolve(where: str, text: str, tree: Command) -> Shown:
    """Walk ``reader WORD WORD... -options`` down the parser tree."""
    tokens = text.split("#", 1)[0].split()[1:]  # after "reader", before a comment
    node, word = tree, None
    rest = tokens
    for i, token in enumerate(tokens):
        bare = token.strip("[]")
        if word is None and bare in node.children:
            node = node.children[bare]
            rest = tokens[i + 1 :]
        elif word is None and bare in node.words:
            word, rest = bare, tokens[i + 1 :]
        else:
            break
    options = []
    for token in rest:
        found = OPTION.match(token.lstrip("[("))
        if found:
            options.append(found.group(0))
    return Shown(where, text, node, word, options)


def _blocks(path: Path) -> list[tuple[str, str]]:
    """The ``reader ...`` lines of a page's sh blocks (continuation lines joined)."""
    shown: list[tuple[str, str]] = []
    inside = False
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.startswith("```"):
            inside = line.strip() == "```sh"
            continue
        if not inside:
            continue
        if line.startswith("reader"):
            shown.append((f"{path.name}:{number}", line))
        elif line.startswith(" ") and shown and line.strip().startswith(("[", "-")):
            where, text = shown[-1]
            shown[-1] = (where, f"{text} {line.strip()}")
    return shown


# Inline code that starts like a command: `reader extract --fast`.
INLINE = re.compile(r"`(reader [a-z][^`]*)`")
# Shown on purpose as something that is not a command (the answer to a typo).
NOT_COMMANDS = {"reader opne"}


def _inline(path: Path) -> list[tuple[str, str]]:
    text = path.read_text("utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)  # blocks are read apart
    return [(path.name, " ".join(found.split())) for found in INLINE.findall(text)]


def _documented(tree: Command) -> list[Shown]:
    return [_resolve(where, text, tree) for page in PAGES for where, text in _blocks(page)]


def test_every_command_choice_and_option_is_shown_in_the_docs(tree: Command) -> None:
    shown = _documented(tree)
    missing = []
    for node in _nodes(tree):
        mine = [s for s in shown if s.node is node]
        if not node.children and node.path and not mine:
            missing.append(f"reader {' '.join(node.path)}")
        for word in node.words:
            if not any(s.word == word for s in mine):
                missing.append(f"reader {' '.join(node.path)} {word}")
        for spellings in node.spellings:
            if not any(set(spellings) & set(s.options) for s in mine):
                missing.append(f"reader {' '.join(node.path)} {spellings[-1]}".replace("  ", " "))
    assert not missing, f"not shown in any command block of docs/: {missing}"


def test_every_command_the_docs_and_readme_show_is_one(tree: Command) -> None:
    wrong = []
    for page in [*PAGES, README]:
        for where, text in [*_blocks(page), *_inline(page)]:
            if text in NOT_COMMANDS:
                continue
            found = _resolve(where, text, tree)
            first = (text.split()[1:] or ["-"])[0]  # `reader` alone opens the library
            if found.node is tree and not first.startswith("-") and first != "COMMAND":
                wrong.append(f"{where}: {text!r}: no such command")
            for option in found.options:
                if option not in found.node.options | {"-h", "--help"}:
                    wrong.append(f"{where}: {text!r}: no option {option}")
    assert not wrong, "\n".join(wrong)


def test_the_command_check_sees_what_is_missing(tree: Command) -> None:
    """The walk is the one the checks above use: a word or option out of place shows."""
    found = _resolve("x", "reader feeds sync [ID...] [--export DIR] [--nope]", tree)
    assert found.node.path == ("feeds", "sync")
    assert found.options == ["--export", "--nope"]
    found = _resolve("x", "reader voices [catalog] [--lang CODE]  # --json", tree)
    assert (found.node.path, found.word, found.options) == (("voices",), "catalog", ["--lang"])
    assert "--refresh" in found.node.options


# -- keys ----------------------------------------------------------------------------------

MARKER = re.compile(r"<!-- keys: (\w+) -->")
DOC_KEYS = {"↓": "down", "↑": "up", "←": "left", "→": "right", "esc": "escape"}
CHARACTERS = {
    "?": "question_mark",
    "/": "slash",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "{": "left_curly_bracket",
    "}": "right_curly_bracket",
    "-": "minus",
    "+": "plus",
    "=": "equals_sign",
}


def key_name(shown: str) -> str:
    """Textual's name for a key as the docs write it: `shift+↓` is "shift+down"."""
    if len(shown) > 1 and "+" in shown:
        modifiers, _, key = shown.rpartition("+")
        return f"{modifiers}+{key_name(key)}"
    return DOC_KEYS.get(shown) or CHARACTERS.get(shown) or shown


def documented_keys() -> dict[str, set[str]]:
    """The keys of each marked table of docs/keys.md, by the class the marker names."""
    text = (DOCS / "keys.md").read_text("utf-8")
    tables: dict[str, set[str]] = {}
    parts = MARKER.split(text)
    for name, section in zip(parts[1::2], parts[2::2], strict=True):
        keys = tables.setdefault(name, set())
        for line in section.splitlines():
            if line.startswith("#"):
                break
            if not line.startswith("|") or set(line) <= set("|- "):
                continue
            first = line.split("|")[1]
            keys.update(key_name(key) for key in re.findall(r"`([^`]+)`", first))
    return tables


def bound_keys() -> dict[str, set[str]]:
    """The keys of every class of reader.tui that declares BINDINGS, by class name."""
    from textual.app import App
    from textual.binding import Binding

    import reader.tui

    classes: dict[str, type] = {}
    for info in pkgutil.walk_packages(reader.tui.__path__, "reader.tui."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "BINDINGS" in cls.__dict__:
                classes[name] = cls
    bound: dict[str, set[str]] = {}
    for name, cls in classes.items():
        keys = bound.setdefault(name, set())
        for binding in cls.__dict__["BINDINGS"]:
            spec = binding.key if isinstance(binding, Binding) else binding[0]
            keys.update(key.strip() for key in spec.split(","))
        # The app that runs (no class here derives from it) has Textual's command palette.
        derived = any(other is not cls and issubclass(other, cls) for other in classes.values())
        if issubclass(cls, App) and not derived and cls.ENABLE_COMMAND_PALETTE:
            keys.add(cls.COMMAND_PALETTE_BINDING)
    return bound


def test_the_keys_page_holds_exactly_the_bindings() -> None:
    documented, bound = documented_keys(), bound_keys()
    assert {"ArticleView", "PlayerKeys", "ReaderApp"} <= set(bound)
    problems = [f"{name}: no table in docs/keys.md" for name in set(bound) - set(documented)]
    problems += [f"{name}: no such class in reader.tui" for name in set(documented) - set(bound)]
    for name in sorted(set(bound) & set(documented)):
        if unsaid := bound[name] - documented[name]:
            problems.append(f"{name}: bound, not documented: {sorted(unsaid)}")
        if unbound := documented[name] - bound[name]:
            problems.append(f"{name}: documented, not bound: {sorted(unbound)}")
    assert not problems, "\n".join(problems)


def test_key_names_read_as_textual_names_them() -> None:
    from textual.keys import _character_to_key

    for shown, name in CHARACTERS.items():
        assert _character_to_key(shown) == name
    assert key_name("shift+↓") == "shift+down" and key_name("+") == "plus"
    assert key_name("ctrl+p") == "ctrl+p" and key_name("esc") == "escape"


def test_the_settings_table_holds_exactly_the_settings() -> None:
    from dataclasses import fields

    from reader.config import Settings

    text = (DOCS / "config.md").read_text("utf-8")
    table = text[text.index("| setting |") :].split("\n\n")[0]
    shown = {
        name for row in table.splitlines()[2:] for name in re.findall(r"`(\w+)`", row.split("|")[1])
    }
    assert shown == {f.name for f in fields(Settings)}


# -- names and paths ------------------------------------------------------------------------


def _resolve_name(name: str) -> object:
    """``reader.a.b.c``: the longest importable module, then attributes."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(name)


def test_every_python_name_and_path_the_docs_give_exists() -> None:
    """`reader.extract.extract`, `reader/speech/engine.py`: what the docs name is there."""
    names: set[str] = set()
    paths: set[str] = set()
    for page in [*PAGES, README]:
        text = page.read_text("utf-8")
        names.update(re.findall(r"`(reader(?:\.[A-Za-z_]\w*)+)", text))
        paths.update(re.findall(r"`((?:reader|tests|benchmarks|assets)/[\w./-]*)`", text))
    assert len(names) > 10 and len(paths) > 20
    missing = []
    for name in sorted(names):
        try:
            _resolve_name(name)
        except (ImportError, AttributeError):
            missing.append(name)
    missing += [path for path in sorted(paths) if not (ROOT / path).exists()]
    assert not missing, missing
    # The library's methods, listed by name on the API page.
    from reader.library import Library

    text = (DOCS / "api.md").read_text("utf-8")
    listed = text[
        text.index("Library.open(path=None)` with") : text.index("reader.library.source_key")
    ]
    methods = re.findall(r"`(\w+)`", listed)
    assert len(methods) > 10
    assert [m for m in methods if not callable(getattr(Library, m, None))] == []


# -- the front page, the picture, the version -------------------------------------------


def test_readme_is_a_front_page() -> None:
    """The manual lives in docs/; README stays short and links into it."""
    text = README.read_text("utf-8")
    assert len(text.splitlines()) <= 180, "the manual and the figures go in docs/"
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    assert len(links) >= 10 and all((ROOT / link).is_file() for link in links), links


def test_the_picture_is_a_screenshot_the_snapshot_tests_make() -> None:
    """docs/assets/reader.svg is a copy of a current snapshot (tests/tui/snapshots/): when the
    screen changes, copy the new one over it."""
    picture = (DOCS / "assets" / "reader.svg").read_bytes()
    snapshots = (ROOT / "tests" / "tui" / "snapshots").rglob("*.svg")
    assert any(path.read_bytes() == picture for path in snapshots)


def test_the_version_is_written_once() -> None:
    import reader

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "reader.__version__"}
    version = reader.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    # CHANGELOG.md: Unreleased first, then releases, newest first, none newer than us.
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", changelog, re.M)
    assert headings and headings[0][0] == "Unreleased"
    released = []
    for name, rest in headings[1:]:
        assert re.fullmatch(r" - \d{4}-\d{2}-\d{2}", rest), (name, rest)
        released.append(tuple(int(part) for part in name.split(".")))
    assert released == sorted(released, reverse=True)
    current = tuple(int(part) for part in version.split("."))
    assert all(older <= current for older in released)
