"""Settings: validation, a bad value that never stops the reader, atomic writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader import config, locations
from reader.errors import ConfigError


def test_defaults_without_a_file() -> None:
    settings, problems = config.load_settings()
    assert settings == config.Settings() and problems == []


def test_config_file_follows_reader_home(reader_home: Path) -> None:
    assert locations.config_file() == reader_home / "config" / "config.toml"


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("rate", "220", 220),
        ("pitch", "0", 0),
        ("volume", "0.5", 0.5),
        ("theme", "high-contrast", "high-contrast"),
        ("bitrate", "128", "128k"),
        ("bitrate", "96K", "96k"),
        ("voice", "en-gb", "en-gb"),
        ("lexicon", "~/words.toml", "~/words.toml"),
        ("export_dir", "/music/reader", "/music/reader"),
        ("pause_sentence_ms", "400", 400),
    ],
)
def test_set_and_read_back(key: str, raw: str, expected: object) -> None:
    settings = config.save_setting(key, raw)
    assert getattr(settings, key) == expected
    assert getattr(config.settings(), key) == expected
    assert config.load_settings()[1] == []


@pytest.mark.parametrize(
    ("key", "raw", "allowed"),
    [
        ("rate", "9", "a whole number from 80 to 525"),
        ("rate", "true", "a whole number from 80 to 525"),
        ("volume", "2", "a number from 0.0 to 1.0"),
        ("theme", "neon", "one of dark, light, high-contrast"),
        ("bitrate", "1000k", "a bitrate from 8k to 320k"),
        ("pitch", "high", "a whole number from 0 to 99"),
    ],
)
def test_bad_values_name_file_key_and_what_is_allowed(key: str, raw: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.save_setting(key, raw)
    message = str(info.value)
    assert message.startswith(str(locations.config_file()) + ": ")
    assert f"{key} = " in message and allowed in message
    assert not locations.config_file().exists()


def test_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown key 'speed' \\(known keys: voice, rate"):
        config.save_setting("speed", "1")


def test_bad_value_in_the_file_keeps_the_default_and_the_rest() -> None:
    path = locations.ensure(locations.config_dir()) / "config.toml"
    path.write_text('rate = 9999\ntheme = "light"\nfrobnicate = 1\n', encoding="utf-8")
    settings, problems = config.load_settings()
    assert settings.rate == config.Settings().rate
    assert settings.theme == "light"
    messages = [str(p) for p in problems]
    assert len(messages) == 2
    assert all(m.startswith(str(path)) for m in messages)
    assert any("rate = 9999 is not allowed" in m for m in messages)
    assert any("unknown key 'frobnicate'" in m for m in messages)


def test_unreadable_file_gives_defaults_and_one_problem() -> None:
    path = locations.ensure(locations.config_dir()) / "config.toml"
    path.write_text("rate = = 3", encoding="utf-8")
    settings, problems = config.load_settings()
    assert settings == config.Settings()
    (problem,) = problems
    assert str(path) in str(problem) and "using the defaults" in str(problem)
    with pytest.raises(ConfigError, match="fix or remove it first"):
        config.save_setting("rate", "200")
    assert path.read_text(encoding="utf-8") == "rate = = 3"  # not overwritten


def test_empty_value_restores_an_optional_default() -> None:
    config.save_setting("voice", "en-us")
    assert config.settings().voice == "en-us"
    config.save_setting("voice", "")
    assert config.settings().voice is None
    assert "voice" not in locations.config_file().read_text(encoding="utf-8")


def test_writes_keep_other_keys_and_leave_no_temp_files() -> None:
    config.save_setting("rate", "200")
    config.save_setting("theme", "light")
    text = locations.config_file().read_text(encoding="utf-8")
    assert "rate = 200" in text and 'theme = "light"' in text
    leftovers = [p.name for p in locations.config_dir().iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_commands_that_use_the_settings_warn_about_a_bad_value_and_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reader.cli import main

    path = locations.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('rate = "fast"\n', encoding="utf-8")
    out = tmp_path / "hello.wav"
    assert main(["say", "Hello there.", "-o", str(out)]) == 0
    assert out.stat().st_size > 1000
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"reader: warning: {path}: rate = 'fast' is not allowed: "
        "use a whole number from 80 to 525 (the default is used)"
    ]
    assert main(["list"]) == 0  # commands that never read the settings stay quiet
    assert capsys.readouterr().err == ""


@pytest.mark.timeout(60)
def test_a_configured_system_ffmpeg_is_the_one_that_encodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import imageio_ffmpeg

    from reader.cli import main

    bundled = imageio_ffmpeg.get_ffmpeg_exe()
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    # A "system" ffmpeg that notes each call, then runs the real one.
    calls = tmp_path / "calls.log"
    system = tmp_path / "bin" / "ffmpeg"
    system.parent.mkdir()
    system.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexec "{bundled}" "$@"\n')
    system.chmod(0o755)

    # One that does not exist, or is no program, is refused with one line naming the key.
    for bad in (tmp_path / "missing", calls):
        calls.touch()
        assert main(["config", "set", "ffmpeg", str(bad)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "ffmpeg" in err[0] and "is not allowed" in err[0], err
    calls.unlink()

    assert main(["config", "set", "ffmpeg", str(system)]) == 0
    assert main(["say", "Hello there.", "-o", str(tmp_path / "a.mp3")]) == 0
    assert "libmp3lame" in calls.read_text()
    assert (tmp_path / "a.mp3").stat().st_size > 1000

    # IMAGEIO_FFMPEG_EXE, set for one command, wins over the setting.
    before = calls.read_text()
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", bundled)
    assert main(["say", "Hello again.", "-o", str(tmp_path / "b.mp3")]) == 0
    assert calls.read_text() == before
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE")

    # "" goes back to the bundled one.
    assert main(["config", "set", "ffmpeg", ""]) == 0
    assert main(["say", "Hello once more.", "-o", str(tmp_path / "c.mp3")]) == 0
    assert calls.read_text() == before
