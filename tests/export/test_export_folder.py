"""The default export folder is the platform's music folder or the reader's data folder,
never the current one, and every export says where its files went (issue 19, 3.4: a
first export landed inside a git checkout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader import locations
from reader.cli import main
from reader.config import Settings
from reader.tui.article_screen import ArticleScreen
from tests.tui.test_tui_support import Notices, make_app, sync, workers_done

SHORT = "The harbour council met on Tuesday. It promised a new ferry timetable.\n"


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's home without READER_HOME, whose platform folders are all in tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv(locations.HOME_ENV, raising=False)
    monkeypatch.delenv("XDG_MUSIC_DIR", raising=False)
    monkeypatch.setenv("HOME", str(home))
    for name in ("DATA", "CONFIG", "CACHE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(home / name.lower()))
    return home


def test_the_default_export_folder_is_the_data_folder_when_there_is_no_music_folder(
    user: Path,
) -> None:
    assert not (user / "Music").exists()
    assert locations.default_export_dir() == user / "data" / "reader" / "exports"
    assert Settings().export_path() == user / "data" / "reader" / "exports"


def test_the_default_export_folder_is_in_the_music_folder_when_there_is_one(user: Path) -> None:
    (user / "Music").mkdir()
    assert locations.default_export_dir() == user / "Music" / "reader"
    # The setting wins, made absolute: what is said about it names one place.
    assert Settings(export_dir="~/podcasts").export_path() == user / "podcasts"
    assert Settings(export_dir="rel").export_path() == Path.cwd() / "rel"


def test_reader_home_keeps_the_default_export_folder_under_it(
    reader_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Music").mkdir()
    assert locations.default_export_dir() == reader_home / "data" / "exports"


def test_reader_export_without_a_folder_writes_to_the_default_and_says_where(
    reader_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    here = tmp_path / "checkout"
    here.mkdir()
    (here / "note.txt").write_text(SHORT, encoding="utf-8")
    monkeypatch.chdir(here)
    assert main(["export", "note.txt", "--rate", "400"]) == 0
    err = capsys.readouterr().err
    folder = reader_home / "data" / "exports"
    assert sorted(p.name for p in here.iterdir()) == ["note.txt"]  # nothing landed here
    (written,) = [p for p in folder.iterdir() if p.suffix == ".mp3"]
    assert f"-> {folder}" in err, err  # the summary line names the folder
    assert main(["export", "note.txt", "--json"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["folder"] == str(folder)
    assert written.is_file()


@sync
async def test_the_tui_exports_to_the_default_folder_and_says_where(reader_home: Path) -> None:
    """An emptied folder field means the default (it was the folder reader was started
    in), and the notice names the folder the file went into."""
    folder = reader_home / "data" / "exports"
    notices = Notices()
    app = make_app(settings=Settings(rate=450))
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("tab")  # the folder field: it shows the default
        from textual.widgets import Input

        field = app.focused
        assert isinstance(field, Input) and field.value == str(folder)
        field.value = ""
        await pilot.press("enter")
        await workers_done(app, pilot)
    (path,) = [Path(p) for p in screen.exported]
    assert path.parent == folder and path.is_file()
    assert f"Exported {path.name} into {folder}" in notices.messages
