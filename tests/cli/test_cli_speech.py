"""`reader voices` and `reader say` end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from reader.cli import main


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reader", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.timeout(60)
def test_voices_json_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["voices", "--lang", "de", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    fields = {"id", "engine", "languages", "name", "quality", "sample_rate", "gender"}
    assert data and all(set(v) == fields for v in data)
    assert any("de" in v["languages"] for v in data)
    assert all(v["engine"] == "espeak" and v["sample_rate"] == 22050 for v in data)
    assert main(["voices", "--lang", "en"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["ID", "ENGINE", "LANGUAGES", "QUALITY", "HZ", "GENDER", "NAME"]
    assert any(line.startswith("gmw/en-US ") and " espeak " in line for line in table)
    assert main(["voices", "--lang", "xx"]) == 2


@pytest.mark.timeout(60)
def test_say_writes_a_wav(tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    assert main(["say", "Hello there. How are you?", "-o", str(out), "--rate", "200"]) == 0
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        assert w.getnframes() / 22050 > 1.0
    assert [p.name for p in tmp_path.iterdir()] == ["hello.wav"]


@pytest.mark.timeout(60)
def test_say_reads_german_text_with_a_german_voice_unasked(tmp_path: Path) -> None:
    text = (
        "Am 3. Dezember hat der Bundestag über den Haushalt abgestimmt. "
        "Die Abgeordneten waren sich nicht einig, und die Debatte dauerte bis in die Nacht."
    )
    outputs = {}
    for name, extra in (("guessed", []), ("de", ["--lang", "de"]), ("en", ["--lang", "en"])):
        out = tmp_path / f"{name}.wav"
        assert main(["say", text, "-o", str(out), *extra]) == 0
        outputs[name] = out.read_bytes()
    assert outputs["guessed"] == outputs["de"]
    assert outputs["guessed"] != outputs["en"]
    # Text with nothing to tell its language by is read by the English voice, as before.
    for name, extra in (("short", []), ("short-en", ["--lang", "en"])):
        assert main(["say", "OK.", "-o", str(tmp_path / f"{name}.wav"), *extra]) == 0
    assert (tmp_path / "short.wav").read_bytes() == (tmp_path / "short-en.wav").read_bytes()


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("text", "language"),
    [
        # a loose guess from stopwords took these for Finnish, Finnish and Turkish
        ("I am in a meeting", "en"),
        ("The quick brown fox jumps over the lazy dog.", "en"),
        ("It was 20 °C and sunny in Berlin today.", "en"),
        # the stopwords, sure enough for the lines above, left these to the English voice
        ("Ich bin in einer Besprechung", "de"),
        ("Estoy en una reunión", "es"),
    ],
)
def test_say_reads_a_short_text_with_its_languages_voice(
    tmp_path: Path, text: str, language: str
) -> None:
    assert main(["say", text, "-o", str(tmp_path / "guessed.wav")]) == 0
    assert main(["say", text, "-o", str(tmp_path / "set.wav"), "--lang", language]) == 0
    assert (tmp_path / "guessed.wav").read_bytes() == (tmp_path / "set.wav").read_bytes()
    if language != "en":  # and the voice did change
        assert main(["say", text, "-o", str(tmp_path / "en.wav"), "--lang", "en"]) == 0
        assert (tmp_path / "guessed.wav").read_bytes() != (tmp_path / "en.wav").read_bytes()


@pytest.mark.timeout(60)
def test_say_reads_a_file_and_stdin_and_writes_mp3(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("From a file.", encoding="utf-8")
    assert run("say", "-f", str(source), "-o", str(tmp_path / "a.mp3")).returncode == 0
    data = (tmp_path / "a.mp3").read_bytes()
    assert len(data) > 1000 and (data[:3] == b"ID3" or data[0] == 0xFF)
    result = run("say", "-", "-o", str(tmp_path / "b.wav"), stdin="From standard input.")
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    assert (tmp_path / "b.wav").stat().st_size > 10_000


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["say", "", "-o", "x.wav"], "text: nothing to say"),
        (["say", "hi", "--voice", "klingon-x", "-o", "x.wav"], "voice 'klingon-x': not installed"),
        (["say", "hi", "-o", "x.ogg"], "x.ogg: the output must end in .wav or .mp3"),
        (["say", "-f", "/no/such/file.txt"], "/no/such/file.txt: no such file"),
        (["say", "hi", "--rate", "9000", "-o", "x.wav"], "rate = 9000 is not allowed"),
    ],
)
def test_say_bad_input_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    args = [str(tmp_path / a) if a in ("x.wav", "x.ogg") else a for a in args]
    result = run(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not list(tmp_path.iterdir())  # no file, not even half of one


@pytest.mark.timeout(60)
def test_say_play_without_a_sound_card_says_so() -> None:
    result = run("say", "Hello.", "--play")
    if result.returncode == 0:
        pytest.skip("this machine has an audio device")
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and "audio output: no audio device found" in lines[0]


@pytest.mark.parametrize(
    "text", ["😀😀😀", "!!! ... ???", "→ ★ ♥"], ids=["emoji", "punct", "symbols"]
)
def test_text_without_words_is_nothing_to_say(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.wav"
    assert main(["say", text, "-o", str(out)]) == 2
    assert "nothing to say" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.timeout(60)
def test_say_resolves_how_to_speak_once_and_passes_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One voicing (voice, rate, pitch, volume, pauses, lexicon) is built at the front
    door and handed down whole: not resolved again by the speech API on the way."""
    from reader.config import Settings
    from reader.speech import pipeline, synthesize

    built: list[int] = []
    resolve = pipeline.Voicing.resolve.__func__  # type: ignore[attr-defined]

    def counted(cls: type, *args: object) -> object:
        made = resolve(cls, *args)
        built.append(made.rate)
        return made

    monkeypatch.setattr(pipeline.Voicing, "resolve", classmethod(counted))
    out = tmp_path / "once.wav"
    assert main(["say", "Once is enough.", "-o", str(out), "--rate", "210"]) == 0
    assert built == [210]
    voicing = pipeline.Voicing.resolve(None, 200, None, None, "en", Settings())
    with pytest.raises(TypeError):
        synthesize("Not both.", voicing=voicing, rate=300)
