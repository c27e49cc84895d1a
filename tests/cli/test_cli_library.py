"""The library commands, run through the real command-line entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader.cli import main
from tests.conftest import ROOT, SEEDS

SEED_A = str(SEEDS / "000_fb76b65d5a0d88e2.txt")
SEED_B = str(SEEDS / "001_58b20582d475ce50.txt")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_add_reports_the_same_story_and_keeps_both(capsys, tmp_path: Path) -> None:
    status, out, err = run(capsys, "add", SEED_A, SEED_B, str(tmp_path / "missing.txt"))
    assert status == 2  # the missing file fails, the others complete
    assert err.count("\n") == 1 and "missing.txt" in err
    lines = out.splitlines()
    assert lines[0].startswith("added 1: Ukraine claims North Korean units")
    assert lines[1].startswith("added 2: North Korean troops")
    assert lines[2].startswith("  same story as 1: Ukraine claims") and "kept both" in lines[2]
    status, out, _ = run(capsys, "list", "--json")
    assert [row["id"] for row in json.loads(out)] == [2, 1]
    status, out, _ = run(capsys, "add", "--json", SEED_B)
    assert json.loads(out)["status"] == "unchanged"


def test_skip_similar(capsys) -> None:
    run(capsys, "add", SEED_A)
    status, out, _ = run(capsys, "add", "--skip-similar", SEED_B)
    assert status == 0 and out.startswith("skipped") and "not added" in out
    _, out, _ = run(capsys, "list", "--json")
    assert len(json.loads(out)) == 1


def test_highlight_show_highlights_search_rm(capsys) -> None:
    run(capsys, "add", SEED_A)
    status, out, _ = run(
        capsys, "highlight", "1", "--text", "shortages of drinking water", "--note", "n"
    )
    assert status == 0 and "“shortages of drinking water” — n" in out
    status, out, err = run(capsys, "highlight", "1", "--text", "Kursk")
    assert status == 2 and err.strip() == (
        "reader: “Kursk”: occurs 6 times in article 1; quote more of it to say which"
    )
    status, out, err = run(capsys, "highlight", "1", "--text", "penguins on parade")
    assert status == 2 and "“penguins on parade”: not found in article 1" in err
    status, out, err = run(
        capsys, "highlight", "1", "--text", "Kursk region in August", "--color", "x"
    )
    assert status == 2 and "color 'x'" in err
    status, out, _ = run(capsys, "highlights", "1", "--json")
    (mark,) = json.loads(out)
    assert mark["text"] == "shortages of drinking water" and mark["note"] == "n"
    status, out, _ = run(capsys, "show", "1")
    assert "Highlights:" in out and "shortages of drinking water" in out
    status, out, _ = run(capsys, "show", "1", "--json")
    data = json.loads(out)
    text = data["article"]["text"]
    assert text[mark["start"] : mark["end"]] == mark["text"]
    status, out, _ = run(capsys, "search", "Novoivanovka")
    assert status == 0 and "[Novoivanovka]" in out
    status, out, _ = run(capsys, "search", "--json", "drinking", "water")
    assert [hit["id"] for hit in json.loads(out)] == [1]
    status, out, _ = run(capsys, "search", "zeppelin")
    assert status == 1 and "No article" in out
    status, out, err = run(capsys, "rm", "1", "7")
    assert status == 2 and out.startswith("removed 1:") and "1 highlight" in out
    assert "article 7: not in the library" in err
    status, out, _ = run(capsys, "list")
    assert "empty" in out


def test_library_export_import_round_trip(capsys, tmp_path: Path, monkeypatch) -> None:
    run(capsys, "add", SEED_A, SEED_B)
    run(capsys, "highlight", "2", "--text", "Ukraine struck back", "--color", "pink")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    status, out, _ = run(capsys, "library", "export", str(first))
    assert status == 0 and "exported 2 article(s)" in out
    monkeypatch.setenv("READER_HOME", str(tmp_path / "elsewhere"))
    status, out, _ = run(capsys, "library", "import", str(first))
    assert status == 0 and "imported 2 new article(s)" in out and "1 highlight(s)" in out
    run(capsys, "library", "export", str(second))
    assert first.read_bytes() == second.read_bytes()
    status, _, err = run(capsys, "library", "import", str(tmp_path / "nope.json"))
    assert status == 2 and err.strip().endswith("nope.json: no such file")


def test_unknown_ids_are_one_line(capsys) -> None:
    for argv in (("show", "3"), ("highlights", "3"), ("highlight", "3", "--text", "x")):
        status, _out, err = run(capsys, *argv)
        assert status == 2 and err.strip() == "reader: article 3: not in the library"


def test_config_commands(capsys, reader_home: Path) -> None:
    status, out, _ = run(capsys, "config", "path")
    path = reader_home / "config" / "config.toml"
    assert out.strip() == str(path)
    status, out, _ = run(capsys, "config", "get", "rate")
    assert out.strip() == "175"
    status, out, err = run(capsys, "config", "set", "rate", "fast")
    assert status == 2
    assert err.strip() == (
        f"reader: {path}: rate = 'fast' is not allowed: use a whole number from 80 to 525"
    )
    assert not path.exists()  # nothing written
    status, out, _ = run(capsys, "config", "set", "theme", "light")
    assert status == 0 and out.startswith('theme = "light"')
    status, out, err = run(capsys, "config", "get", "colour")
    assert status == 2 and "unknown key 'colour'" in err and str(path) in err
    path.write_text(path.read_text(encoding="utf-8") + "rate = 5000\n", encoding="utf-8")
    status, out, err = run(capsys, "config", "get")
    assert status == 0
    assert "rate = 175" in out and 'theme = "light"' in out  # the default stands in
    assert f"{path}: rate = 5000 is not allowed" in err and "default" in err


@pytest.mark.parametrize("argv", [["list"], ["search", "ferry"]])
def test_list_and_search_import_only_what_they_need(tmp_path: Path, argv: list[str]) -> None:
    """`reader list` and `reader search` start fast: no article model, extractor, speech
    or Textual, no other command's module, and no dataclasses or json for plain output."""
    code = (
        f"import sys\nfrom reader.cli import main\nmain({argv!r})\n"
        "heavy = [m for m in ('reader.text.article', 'reader.extract', 'textual', 'trafilatura',"
        " 'sentencex', 'pyttsx3', 'pydub', 'rich', 'dataclasses', 'json', 'reader.cli.tui',"
        " 'reader.cli.extract', 'reader.cli.speech', 'reader.cli.export') if m in sys.modules]\n"
        "print(heavy, file=sys.stderr)\n"
    )
    env = {**os.environ, "READER_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode in (0, 1), result.stderr  # search: 1 when nothing matches
    assert result.stderr.strip() == "[]"


def test_the_command_table_names_the_module_of_every_command() -> None:
    """reader.cli.COMMANDS says which module builds each command (only that one is
    built for a known command); it must match what the modules register."""
    import argparse
    import importlib

    from reader.cli import COMMAND_MODULES, COMMANDS

    registered: dict[str, str] = {}
    for name in COMMAND_MODULES:
        subparsers = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"reader.cli.{name}").register(subparsers)
        registered.update(dict.fromkeys(subparsers.choices, name))
    assert registered == COMMANDS


def test_help_lists_every_command_and_a_command_parses_alone(capsys) -> None:
    from reader.cli import COMMANDS

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(f"    {name} " in out or f"    {name}\n" in out for name in COMMANDS)
    with pytest.raises(SystemExit):
        main(["list", "--help"])
    assert "--limit N" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["lsit"])  # a typo: the full list of choices in the error
    err = capsys.readouterr().err
    assert "invalid choice: 'lsit'" in err and "'export'" in err and "'open'" in err


def test_add_from_stdin_keeps_each_piped_article(tmp_path: Path) -> None:
    env = {**os.environ, "READER_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}

    def reader(*argv: str, text: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "reader", *argv],
            input=text,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    first = Path(SEED_A).read_text(encoding="utf-8")
    second = Path(SEED_B).read_text(encoding="utf-8")
    assert reader("add", "--json", "-", text=first).count('"status": "added"') == 1
    assert reader("add", "--json", "-", text=second).count('"status": "added"') == 1
    assert '"status": "unchanged"' in reader("add", "--json", "-", text=first)
    rows = json.loads(reader("list", "--json"))
    assert len(rows) == 2
    assert all(row["source"].startswith("stdin:") for row in rows)
    assert rows[0]["source"] != rows[1]["source"]
