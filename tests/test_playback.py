"""Playback through miniaudio's null backend (real time, no sound card needed)."""

from __future__ import annotations

import time

import miniaudio
import pytest

from reader.playback import PlaybackError, Player, play, real_backends
from reader.speech import Chunk

NULL = [miniaudio.Backend.NULL]


def tone(seconds: float, pause: float = 0.0) -> Chunk:
    frames = int(seconds * 22050)
    pcm = (b"\x00\x10\x00\xf0" * (frames // 2 + 1))[: frames * 2]
    return Chunk(pcm, 22050, 0, 1, (), pause)


@pytest.mark.timeout(30)
def test_null_backend_plays_everything_in_real_time() -> None:
    chunks = [tone(0.3, 0.1), tone(0.3, 0.1), tone(0.3)]
    start = time.perf_counter()
    played = play(iter(chunks), backends=NULL)
    elapsed = time.perf_counter() - start
    assert played == pytest.approx(1.1, abs=0.01)  # all audio and the pauses
    assert elapsed >= 0.9  # streamed at the device's pace, not dumped


@pytest.mark.timeout(30)
def test_playback_starts_before_the_last_chunk_exists() -> None:
    seen: list[float] = []

    def slow_chunks():
        yield tone(0.5)
        time.sleep(0.3)
        seen.append(player_seconds())
        yield tone(0.2)

    holder: dict[str, Player] = {}
    original = Player.__init__

    def spy(self: Player, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        holder["p"] = self

    def player_seconds() -> float:
        return holder["p"].played_seconds

    Player.__init__ = spy  # type: ignore[method-assign]
    try:
        play(slow_chunks(), backends=NULL)
    finally:
        Player.__init__ = original  # type: ignore[method-assign]
    assert seen[0] > 0.1  # the first sentence was sounding while the second was made


@pytest.mark.timeout(30)
def test_no_audio_device_is_a_playback_error() -> None:
    try:
        Player(22050, real_backends()).close()
    except PlaybackError as error:
        assert str(error).startswith("audio output: no audio device found")
    else:
        pytest.skip("this machine has an audio device")


def test_nothing_to_play() -> None:
    assert play(iter([]), backends=NULL) == 0.0
