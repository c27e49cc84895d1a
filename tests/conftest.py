from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The two seed scrapes the product was conceived from ship with the tests (copies of
# ../shared/seeds/, with expected.json), so every test about them runs on a fresh clone.
SEEDS = ROOT / "tests" / "data" / "seeds"
# The 793-page extraction corpus lives beside the checkout (CI puts it there);
# READER_SHARED points elsewhere. Tests marked `shared` skip, saying why, when it is absent.
SHARED = Path(os.environ.get("READER_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "bench" / "extraction"
ASSETS = ROOT / "assets"


@pytest.fixture(autouse=True)
def reader_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config, data and cache folders (see reader.locations)."""
    home = tmp_path_factory.mktemp("reader-home")
    monkeypatch.setenv("READER_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def speech_engine(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Tests speak with eSpeak NG alone (READER_SPEECH_ENGINE=espeak): most of them are
    about eSpeak's word events, rates and timings. Tests marked ``piper`` run with the
    product's default, Piper's neural voice first (tests/speech/test_speech_piper.py and the
    Piper paths of say, export and the TUI)."""
    if request.node.get_closest_marker("piper"):
        monkeypatch.delenv("READER_SPEECH_ENGINE", raising=False)
        reset_engine_thread()
        yield
        reset_engine_thread()  # the next test gets eSpeak alone again
    else:
        monkeypatch.setenv("READER_SPEECH_ENGINE", "espeak")
        yield


def reset_engine_thread() -> None:
    """A fresh engine thread, so this process's engines follow READER_SPEECH_ENGINE."""
    from reader.speech import engine, piper

    piper.set_word_times(False)  # the TUI asks for them; say and export do not
    with engine._shared_lock:
        if engine._shared is not None:
            engine._shared.stop()
        engine._shared = None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared: needs ../shared (the extraction corpus)")
    config.addinivalue_line("markers", "piper: speaks with the default engines (Piper first)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CORPUS.is_dir():
        return
    skip = pytest.mark.skip(reason=f"{CORPUS} (the 793-page extraction corpus) is not there")
    for item in items:
        if item.get_closest_marker("shared"):
            item.add_marker(skip)


def default_signals() -> None:
    """``preexec_fn`` for a command whose signal handling a test checks: SIGINT and
    SIGHUP at their defaults, whatever the test run inherited (a run started in the
    background ignores SIGINT, one under nohup SIGHUP, and reader rightly keeps a
    signal ignored by whoever started it)."""
    import signal

    for name in ("SIGINT", "SIGHUP", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
