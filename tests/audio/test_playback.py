"""The player on miniaudio's null backend (real time, no sound card needed).

What both front ends rely on: streaming from the first chunk, pauses counted,
chunk-started reports and positions, pause/resume, clearing (keeping the chunk
sounding or not), the lookahead limit and its cancel, a sample-rate change, closing
for good, and what happens without an audio device (an error, or the null backend).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from reader.audio.playback import PlaybackError, Player, play
from reader.speech import Chunk

RATE = 22050


def pcm(seconds: float, rate: int = RATE) -> bytes:
    frames = int(seconds * rate)
    return (b"\x00\x10\x00\xf0" * (frames // 2 + 1))[: frames * 2]


def tone(seconds: float, pause: float = 0.0) -> Chunk:
    return Chunk(pcm(seconds), RATE, 0, 1, (), pause)


def wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def cancelled() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def has_audio_device() -> bool:
    try:
        Player().prepare(RATE)
    except PlaybackError:
        return False
    return True


@pytest.fixture
def player() -> Any:
    started: list[Any] = []
    p = Player(null_backend=True, on_start=started.append)
    p.started = started  # type: ignore[attr-defined]
    yield p
    p.close()


@pytest.mark.timeout(30)
def test_play_streams_everything_in_real_time_with_the_pauses() -> None:
    chunks = [tone(0.3, 0.1), tone(0.3, 0.1), tone(0.3)]
    start = time.perf_counter()
    played = play(iter(chunks), null_backend=True)
    elapsed = time.perf_counter() - start
    assert played == pytest.approx(1.1, abs=0.01)  # all audio and the pauses
    assert elapsed >= 0.9  # streamed at the device's pace, not dumped


@pytest.mark.timeout(30)
def test_play_starts_before_the_last_chunk_exists() -> None:
    sounding: list[Chunk] = []
    seen_before_second: list[list[Chunk]] = []
    first, second = tone(0.5), tone(0.2)

    def slow_chunks() -> Iterator[Chunk]:
        yield first
        time.sleep(0.3)  # the second sentence takes a while to synthesize
        seen_before_second.append(list(sounding))
        yield second

    played = play(slow_chunks(), null_backend=True, on_start=sounding.append)
    assert seen_before_second == [[first]]  # the first was sounding while the second was made
    assert sounding == [first, second]
    assert played == pytest.approx(0.7, abs=0.01)


def test_play_nothing() -> None:
    assert play(iter([]), null_backend=True) == 0.0


@pytest.mark.timeout(30)
def test_play_stops_when_cancelled() -> None:
    cancel = threading.Event()
    chunks = [tone(0.2)] * 50  # 10 s
    threading.Timer(0.3, cancel.set).start()
    played = play(iter(chunks), null_backend=True, cancel=cancel)
    assert 0.1 < played < 2.0


@pytest.mark.timeout(30)
def test_chunks_report_their_start_and_position_in_order(player: Any) -> None:
    assert player.position() is None
    assert player.enqueue(pcm(0.3), RATE, 0.1, "a")
    assert player.enqueue(pcm(0.3), RATE, 0.0, "b")
    seen: list[tuple[Any, float]] = []

    def heard_some() -> bool:
        position = player.position()
        if position is not None and position[1] > 0.1:
            seen.append(position)
        return bool(seen)

    wait_for(heard_some)
    tag, seconds = seen[0]
    assert tag == "a" and 0.1 < seconds < 0.45
    assert player.wait_idle()
    assert player.started == ["a", "b"]
    assert player.position() is None
    assert player.played_seconds == pytest.approx(0.7, abs=0.01)
    assert player.first_frame_at is not None


@pytest.mark.timeout(30)
def test_pause_holds_the_position_and_resume_finishes(player: Any) -> None:
    player.enqueue(pcm(0.5), RATE, 0.0, "a")
    wait_for(lambda: player.position() is not None)
    player.pause()
    assert player.paused
    time.sleep(0.05)  # frames the device had already asked for
    held = player.position()
    time.sleep(0.3)
    assert player.position() == held  # not a frame played while paused
    assert not player.wait_idle(cancelled())  # still queued: a cancelled wait gives up
    player.resume()
    assert player.wait_idle()
    assert player.played_seconds == pytest.approx(0.5, abs=0.01)


@pytest.mark.timeout(30)
def test_clear_drops_everything_queued(player: Any) -> None:
    player.enqueue(pcm(1.0), RATE, 0.0, "a")
    player.enqueue(pcm(1.0), RATE, 0.0, "b", ahead=2.0)
    wait_for(lambda: player.started == ["a"])
    player.clear()
    assert player.position() is None
    assert player.wait_idle()
    time.sleep(0.1)
    assert player.started == ["a"]
    assert player.played_seconds < 1.0  # "a" cut short, "b" never started


@pytest.mark.timeout(30)
def test_clear_can_keep_the_chunk_sounding(player: Any) -> None:
    player.enqueue(pcm(0.5), RATE, 0.0, "a")
    player.enqueue(pcm(0.5), RATE, 0.0, "b")
    wait_for(lambda: player.started == ["a"])
    player.clear(keep_current=True)
    player.enqueue(pcm(0.1), RATE, 0.0, "c")
    assert player.wait_idle()
    assert player.started == ["a", "c"]  # "a" finished, "b" dropped
    assert player.played_seconds == pytest.approx(0.6, abs=0.01)


@pytest.mark.timeout(30)
def test_enqueue_waits_for_the_lookahead_and_can_be_cancelled(player: Any) -> None:
    player.pause()  # nothing drains: the limit alone decides
    assert player.enqueue(pcm(0.6), RATE, 0.0, "a", ahead=0.5)
    assert player.enqueue(pcm(0.1), RATE, 0.0, "b", ahead=1.0)  # 0.6 s queued: under 1 s
    cancel = threading.Event()
    result: list[bool] = []
    blocked = threading.Thread(
        target=lambda: result.append(
            player.enqueue(pcm(0.1), RATE, 0.0, "c", cancel=cancel, ahead=0.5)
        )
    )
    blocked.start()
    blocked.join(0.3)
    assert blocked.is_alive()  # 0.7 s queued, more than 0.5 s ahead: waits
    cancel.set()
    blocked.join(5)
    assert result == [False]
    player.resume()
    assert player.wait_idle()
    assert player.started == ["a", "b"]  # the cancelled chunk was never queued


@pytest.mark.timeout(30)
def test_a_new_sample_rate_waits_for_the_queue_then_reopens(player: Any) -> None:
    player.enqueue(pcm(0.3), RATE, 0.0, "a")
    assert player.enqueue(pcm(0.2, 16000), 16000, 0.0, "b")  # waits until "a" has played
    assert player.played_seconds >= 0.3 - 1e-6  # "a" was heard whole, at its own rate
    assert player.sample_rate == 16000
    assert player.wait_idle()
    assert player.started == ["a", "b"]
    assert player.played_seconds == pytest.approx(0.5, abs=0.01)


def test_closed_is_closed_for_good(player: Any) -> None:
    player.enqueue(pcm(0.3), RATE, 0.0, "a")
    player.close()
    assert not player.enqueue(pcm(0.1), RATE, 0.0, "b")
    assert not player.prepare(RATE)
    assert player.wait_idle()


@pytest.mark.timeout(30)
def test_no_audio_device_is_a_playback_error() -> None:
    if has_audio_device():
        pytest.skip("this machine has an audio device")
    with pytest.raises(PlaybackError) as raised:
        play(iter([tone(0.1)]))
    assert str(raised.value).startswith("audio output: no audio device found")


@pytest.mark.timeout(30)
def test_no_audio_device_falls_back_to_the_null_backend_when_asked() -> None:
    if has_audio_device():
        pytest.skip("this machine has an audio device")
    started: list[Any] = []
    player = Player(fallback_to_null=True, on_start=started.append)
    try:
        assert player.enqueue(pcm(0.2), RATE, 0.0, "a")
        assert player.wait_idle()
        assert started == ["a"]  # played in real time into nothing
        assert player.backend is not None and "NULL" in player.backend.upper()
        assert player.silent_reason is not None
        assert player.silent_reason.startswith("no audio device found")
    finally:
        player.close()


@pytest.mark.timeout(60)
def test_probing_for_a_device_leaves_stderr_alone() -> None:
    """ALSA's complaints are silenced without touching file descriptor 2 (the TUI
    draws through it): what the program itself writes there still arrives."""
    if has_audio_device():
        pytest.skip("this machine has an audio device")
    code = (
        "import sys\n"
        "from reader.audio.playback import Player\n"
        "p = Player(fallback_to_null=True)\n"
        "sys.stderr.write('before\\n'); sys.stderr.flush()\n"
        "p.prepare(22050)\n"
        "sys.stderr.write('after\\n'); sys.stderr.flush()\n"
        "p.close()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "before\nafter\n"
