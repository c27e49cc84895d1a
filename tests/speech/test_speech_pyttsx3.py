"""Our eSpeak NG driver through the real pyttsx3: ``pyttsx3.init("reader_espeak")``."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path
from typing import Any

import pytest
import pyttsx3

from reader.speech.pyttsx3_driver import DRIVER_NAME, register

# 134 characters: the length at which pyttsx3's stock eSpeak driver writes nothing
TEXT = (
    "Reading an article aloud should never depend on a sound card; "
    "the driver writes the audio to a file and shows where every word starts."
)


def engine() -> Any:
    register()
    return pyttsx3.init(DRIVER_NAME)


def read_wav(path: Path) -> tuple[int, int]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        return wav.getnframes(), wav.getframerate()


def test_text_is_134_characters() -> None:
    assert len(TEXT) == 134


@pytest.mark.timeout(60)
def test_fresh_engine_saves_a_134_character_text_and_prints_nothing(tmp_path: Path) -> None:
    # A fresh process: the very first command of a brand-new engine.
    target = tmp_path / "fresh.wav"
    code = (
        "import sys, pyttsx3\n"
        "from reader.speech.pyttsx3_driver import DRIVER_NAME, register\n"
        "register()\n"
        "e = pyttsx3.init(DRIVER_NAME)\n"
        "e.save_to_file(sys.argv[1], sys.argv[2])\n"
        "e.runAndWait()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, TEXT, str(target)], capture_output=True, text=True, timeout=50
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "" and out.stderr == ""
    frames, rate = read_wav(target)
    assert rate > 8000 and frames / rate > 3.0  # about 25 words of speech
    assert [p.name for p in tmp_path.iterdir()] == ["fresh.wav"]  # no temporary left


@pytest.mark.timeout(60)
def test_queued_utterances_all_run_with_rate_and_voice(tmp_path: Path, capfd: Any) -> None:
    tts = engine()
    tts.setProperty("voice", "gmw/en-US")
    tts.setProperty("rate", 120)
    tts.save_to_file("This is the first utterance of several.", str(tmp_path / "a.wav"))
    tts.setProperty("rate", 360)
    tts.save_to_file("This is the first utterance of several.", str(tmp_path / "b.wav"))
    tts.save_to_file("A third one.", str(tmp_path / "c.wav"))
    tts.say("And one said, not saved.")
    tts.runAndWait()
    slow, _ = read_wav(tmp_path / "a.wav")
    fast, _ = read_wav(tmp_path / "b.wav")
    third, _ = read_wav(tmp_path / "c.wav")
    assert slow > 2 * fast > 0 and third > 0  # every one ran, each with its own rate
    assert tts.getProperty("voice") == "gmw/en-US" and tts.getProperty("rate") == 360
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "b.wav", "c.wav"]
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.timeout(60)
def test_word_events_have_increasing_text_and_audio_positions(capfd: Any) -> None:
    tts = engine()
    tts.setProperty("rate", 175)
    events: list[tuple[str, dict[str, Any]]] = []
    tokens = [
        tts.connect(topic, lambda topic=topic, **kw: events.append((topic, kw)))
        for topic in ("started-utterance", "started-word", "finished-utterance")
    ]
    try:
        tts.say(TEXT, "one")
        tts.runAndWait()
    finally:
        for token in tokens:
            tts.disconnect(token)
    assert events[0] == ("started-utterance", {"name": "one"})
    assert events[-1] == ("finished-utterance", {"name": "one", "completed": True})
    words = [kw for topic, kw in events if topic == "started-word"]
    assert len(words) == len(TEXT.split())
    assert [TEXT[w["location"] : w["location"] + w["length"]] for w in words[:3]] == [
        "Reading",
        "an",
        "article",
    ]
    locations = [w["location"] for w in words]
    times = [w["time"] for w in words]
    assert locations == sorted(set(locations))
    assert times == sorted(set(times)) and times[-1] > 3.0  # real audio positions
    assert all(w["sample"] == round(w["time"] * 22050) for w in words)
    assert capfd.readouterr().out == ""


@pytest.mark.timeout(60)
def test_unknown_voice_is_an_error_event_and_stop_ends_the_utterance(tmp_path: Path) -> None:
    tts = engine()
    errors: list[BaseException] = []
    finished: list[bool] = []
    token_error = tts.connect("error", lambda **kw: errors.append(kw["exception"]))
    token_done = tts.connect("finished-utterance", lambda **kw: finished.append(kw["completed"]))
    token_word = tts.connect("started-word", lambda **kw: tts.stop())
    try:
        before = tts.getProperty("voice")
        tts.setProperty("voice", "no-such-voice")
        tts.say("Stopped after its first word, please.")
        tts.runAndWait()
    finally:
        for token in (token_error, token_done, token_word):
            tts.disconnect(token)
    assert len(errors) == 1 and "no-such-voice" in str(errors[0])
    assert tts.getProperty("voice") == before
    assert finished == [False]


def test_engine_layer_goes_through_pyttsx3() -> None:
    from reader.speech.engine import engine_thread

    used = engine_thread().call(lambda e: e.system.tts)  # type: ignore[attr-defined]
    assert used is engine() and str(used) == DRIVER_NAME
    assert any(v.id == "gmw/en-US" for v in used.getProperty("voices"))


def test_the_engine_thread_runs_what_someone_waits_for_before_lookahead() -> None:
    # A listener's jump (a call, a stream's first piece, a prefetch) must not wait behind
    # the sentences other streams make ahead; within one priority, first come first served.
    import threading

    from reader.speech.engine import EngineThread

    release = threading.Event()
    ran: list[str] = []

    def job(name: str) -> Any:
        return lambda engine: ran.append(name)

    thread = EngineThread(factory=object)  # type: ignore[arg-type]
    try:
        thread.submit(lambda engine: release.wait(10))  # holds the thread while we queue
        futures = [thread.submit(job(f"ahead{n}"), thread.AHEAD) for n in (1, 2)]
        futures += [thread.submit(job(f"now{n}")) for n in (1, 2)]
        release.set()
        for future in futures:
            future.result(10)
        assert ran == ["now1", "now2", "ahead1", "ahead2"]
    finally:
        thread.stop()


def test_the_engine_is_told_whether_work_waits_behind_each_job() -> None:
    # A neural voice gives its memory back after a piece nothing waits behind (it will
    # idle), and keeps its buffers through a run of queued pieces.
    import threading

    from reader.speech.engine import EngineThread

    class Engine:
        def __init__(self) -> None:
            self.hints: list[bool] = []

        def set_followed(self, followed: bool) -> None:
            self.hints.append(followed)

    engine = Engine()
    release = threading.Event()
    thread = EngineThread(factory=lambda: engine)  # type: ignore[arg-type,return-value]
    try:
        started = threading.Event()

        def hold(_engine: object) -> bool:
            started.set()
            return release.wait(10)

        thread.submit(hold)
        assert started.wait(10)  # told before the others were queued: nothing behind
        futures = [thread.submit(lambda e: None) for _ in range(3)]
        release.set()
        for future in futures:
            future.result(10)
        assert engine.hints == [False, True, True, False]
    finally:
        thread.stop()
