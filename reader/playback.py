"""Streaming playback of speech chunks through miniaudio.

:func:`play` starts the audio device with the first chunk and keeps feeding it while
later sentences are still being synthesized, so sound starts with the first
sentence. The device pulls audio from a small queue on miniaudio's own thread; when
synthesis falls behind it plays silence rather than stopping.

Real playback only uses real audio backends: miniaudio would otherwise fall back to
its *null* backend and "play" into nothing, so a machine without a sound card gets a
:class:`PlaybackError` instead (one line for the user). Tests pass
``backends=[miniaudio.Backend.NULL]``, which consumes audio in real time without a
device. ALSA's own complaints on stderr while probing for a device are silenced.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from reader.errors import ReaderError

if TYPE_CHECKING:
    from reader.speech import Cancel, Chunk

QUEUE_SECONDS = 4.0  # audio queued ahead of the device at most (bounds memory)


class PlaybackError(ReaderError):
    """No audio output to play to."""


def real_backends() -> list[Any]:
    """Every miniaudio backend but the null and custom ones."""
    import miniaudio

    return [
        b for b in miniaudio.Backend if b not in (miniaudio.Backend.NULL, miniaudio.Backend.CUSTOM)
    ]


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null (C libraries like ALSA print there)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class Player:
    """An open output device fed with 16-bit mono PCM from any thread."""

    def __init__(self, sample_rate: int, backends: list[Any] | None = None) -> None:
        import miniaudio

        self.sample_rate = sample_rate
        self._queue: deque[memoryview] = deque()
        self._queued = 0  # bytes in the queue
        self._played = 0  # bytes of real audio handed to the device
        self._fed = 0
        self._lock = threading.Condition()
        self._finished = False
        null_only = backends == [miniaudio.Backend.NULL]
        quiet = contextlib.nullcontext() if null_only else _quiet_stderr()
        try:
            with quiet:
                self._device = miniaudio.PlaybackDevice(
                    output_format=miniaudio.SampleFormat.SIGNED16,
                    nchannels=1,
                    sample_rate=sample_rate,
                    backends=backends if backends is not None else real_backends(),
                )
        except miniaudio.MiniaudioError as error:
            detail = error.args[0] if error.args else str(error)
            raise PlaybackError("audio output", f"no audio device found ({detail})") from None
        self.backend = self._device.backend
        self._generator = self._frames()
        next(self._generator)
        self._device.start(self._generator)

    def _frames(self) -> Generator[bytes, int, None]:
        silence = b""
        frames = yield b""
        while True:
            wanted = frames * 2
            parts: list[bytes] = []
            with self._lock:
                while wanted > 0 and self._queue:
                    head = self._queue[0]
                    if len(head) <= wanted:
                        parts.append(bytes(head))
                        self._queue.popleft()
                        wanted -= len(head)
                    else:
                        parts.append(bytes(head[:wanted]))
                        self._queue[0] = head[wanted:]
                        wanted = 0
                got = frames * 2 - wanted
                self._queued -= got
                self._played += got
                self._lock.notify_all()
            if wanted:
                if len(silence) < wanted:
                    silence = bytes(wanted)
                parts.append(silence[:wanted])
            frames = yield b"".join(parts)

    def feed(self, pcm: bytes, cancel: Cancel | None = None) -> None:
        """Queue ``pcm``; blocks while more than QUEUE_SECONDS are already queued."""
        limit = int(QUEUE_SECONDS * self.sample_rate * 2)
        with self._lock:
            while self._queued > limit and not (cancel is not None and cancel.is_set()):
                self._lock.wait(0.05)
            self._queue.append(memoryview(pcm))
            self._queued += len(pcm)
            self._fed += len(pcm)

    def drain(self, cancel: Cancel | None = None) -> None:
        """Wait until everything fed has been handed to the device (and a little more,
        for the device's own buffer)."""
        with self._lock:
            while self._queued > 0 and not (cancel is not None and cancel.is_set()):
                self._lock.wait(0.05)
        if not (cancel is not None and cancel.is_set()):
            time.sleep(0.2)  # the device's buffer

    @property
    def played_seconds(self) -> float:
        return self._played / (2 * self.sample_rate)

    def close(self) -> None:
        self._device.close()


def play(
    chunks: Iterable[Chunk],
    *,
    backends: list[Any] | None = None,
    cancel: Cancel | None = None,
) -> float:
    """Play ``chunks`` as they come (with their pauses); return the seconds played.

    The device opens with the first chunk's sample rate; :class:`PlaybackError` when
    there is no audio output (before anything is synthesized beyond that chunk).
    """
    player: Player | None = None
    try:
        for chunk in chunks:
            if cancel is not None and cancel.is_set():
                break
            if player is None:
                player = Player(chunk.sample_rate, backends)
            if chunk.pcm:
                player.feed(chunk.pcm, cancel)
            silence = int(chunk.pause_after * player.sample_rate) * 2
            if silence:
                player.feed(bytes(silence), cancel)
        if player is None:
            return 0.0
        player.drain(cancel)
        return player.played_seconds
    finally:
        if player is not None:
            player.close()
