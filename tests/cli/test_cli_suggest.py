"""A mistyped command is answered with the close ones (issue 19, 3.9: `reader opne`)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator

import pytest

from reader.cli import build_parser, main
from tests.conftest import ROOT


def _subcommands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str, list[str]]]:
    """Every level of subcommands: (the words before it, a command, its siblings)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            names = list(action.choices)
            for name, child in action.choices.items():
                yield path, name, names
                yield from _subcommands(child, (*path, name))


def _typo(name: str) -> str:
    """The name with its second and third letters swapped (``open`` -> ``oepn``)."""
    return name[0] + name[2] + name[1] + name[3:] if len(name) > 3 else name + name[-1]


def test_reader_opne_suggests_open() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reader", "opne"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert "invalid choice: 'opne': did you mean 'open'?" in done.stderr
    assert "Traceback" not in done.stderr


def test_every_subcommand_and_sub_subcommand_suggests_the_close_one(capsys) -> None:
    commands = list(_subcommands(build_parser()))
    assert len(commands) > 20  # the top level, feeds, library, config...
    assert any(len(path) == 1 for path, _, _ in commands)  # sub-subcommands are there
    for path, name, siblings in commands:
        typo = _typo(name)
        if typo in siblings:
            continue
        with pytest.raises(SystemExit) as stop:
            main([*path, typo])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        line = err.strip().splitlines()[-1]
        assert f"invalid choice: {typo!r}: did you mean" in line, (path, name, line)
        assert repr(name) in line.split("did you mean", 1)[1].split("?")[0], (path, name, line)


def test_an_option_with_choices_suggests_too(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--format", "mp4", "x"])
    assert "invalid choice: 'mp4': did you mean 'mp3'?" in capsys.readouterr().err


def test_nothing_close_lists_the_choices_alone(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["zzzz"])
    err = capsys.readouterr().err
    assert "invalid choice: 'zzzz' (choose from 'open', " in err and "did you mean" not in err


def test_a_prefix_suggests_what_it_begins(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["highl"])
    assert "did you mean 'highlight' or 'highlights'?" in capsys.readouterr().err
