"""Streaming playback for the TUI: a queue of chunks feeding one miniaudio device.

The listen worker (a thread) puts synthesized chunks in; miniaudio's audio thread
takes frames out. The speaker knows which chunk is sounding and how far into it,
which is what follow-along needs, and can pause, drop what is queued (a skip, a
rate change) or stop without closing the device.

With no audio device the speaker opens miniaudio's null backend, which consumes
audio in real time, so follow-along, skips and everything else behave the same;
:attr:`Speaker.silent_reason` says why there is no sound (the app says it once).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

SAMPLE_WIDTH = 2
BUFFER_MSEC = 40


@dataclass(eq=False)
class Item:
    """One queued chunk: ``pcm`` then ``pause`` seconds of silence."""

    pcm: bytes
    sample_rate: int
    pause: float
    tag: Any  # what the consumer needs back (the chunk, the request generation)
    frames_done: int = 0
    started: bool = False
    silence_frames: int = field(init=False)

    def __post_init__(self) -> None:
        self.silence_frames = int(self.pause * self.sample_rate)

    @property
    def frames(self) -> int:
        return len(self.pcm) // SAMPLE_WIDTH

    @property
    def total_frames(self) -> int:
        return self.frames + self.silence_frames


_alsa_quiet: Any = None


def _quiet_alsa() -> None:
    """Stop libasound printing "ALSA lib ... cannot find card" on stderr.

    Textual draws on the terminal through stderr; ALSA's messages, printed while
    miniaudio probes for a device on a machine without a sound card, would tear the
    screen. A no-op error handler silences them (the failure itself is still
    reported by miniaudio and shown once as a notification).
    """
    global _alsa_quiet
    if _alsa_quiet is not None:
        return
    name = ctypes.util.find_library("asound")
    if not name:
        _alsa_quiet = False
        return
    try:
        lib = ctypes.CDLL(name)
        handler_type = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )
        handler = handler_type(lambda *args: None)
        lib.snd_lib_error_set_handler(handler)
        _alsa_quiet = handler  # keep a reference: libasound holds the pointer
    except (OSError, AttributeError):
        _alsa_quiet = False


class Speaker:
    """One playback device and a queue of chunks (thread-safe)."""

    def __init__(self, *, null: bool = False, on_start: Callable[[Any], None] | None = None):
        self._force_null = null
        self.on_start = on_start
        self._queue: deque[Item] = deque()
        self._lock = threading.Condition()
        self._paused = False
        self._device: Any = None
        self._sample_rate = 0
        self.backend: str | None = None
        self.silent_reason: str | None = None
        self.first_frame_at: float | None = None  # monotonic time the first frames were taken
        self._device_lock = threading.Lock()  # the warm-up and a listen worker may race
        self._closed = False

    # -- device ------------------------------------------------------------------------

    def prepare(self, sample_rate: int) -> bool:
        """Open (or reopen at another rate) the device; False once closed for good."""
        with self._device_lock:
            if self._closed:
                return False
            if self._device is None or self._sample_rate != sample_rate:
                self._open_device(sample_rate)
            return True

    def _open_device(self, sample_rate: int) -> None:
        import miniaudio

        self._close_device()
        device = None
        if not self._force_null:
            _quiet_alsa()
            try:
                device = miniaudio.PlaybackDevice(
                    output_format=miniaudio.SampleFormat.SIGNED16,
                    nchannels=1,
                    sample_rate=sample_rate,
                    buffersize_msec=BUFFER_MSEC,
                )
            except miniaudio.MiniaudioError as error:
                self.silent_reason = f"no audio device ({error.args[0]})"
        if device is None:
            device = miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16,
                nchannels=1,
                sample_rate=sample_rate,
                buffersize_msec=BUFFER_MSEC,
                backends=[miniaudio.Backend.NULL],
            )
        self.backend = str(device.backend)
        generator = self._frames()
        next(generator)
        device.start(generator)
        self._device = device
        self._sample_rate = sample_rate

    def _close_device(self) -> None:
        if self._device is not None:
            self._device.close()
            self._device = None

    def close(self) -> None:
        """Stop and close the device for good (an open device keeps a process alive)."""
        with self._device_lock:
            self._closed = True
            self.clear()
            self._close_device()

    def _frames(self) -> Generator[bytes, int, None]:
        """miniaudio's audio thread pulls ``required`` frames at a time from here."""
        required = yield b""
        while True:
            out = bytearray()
            started: list[Item] = []
            with self._lock:
                while len(out) < required * SAMPLE_WIDTH and self._queue and not self._paused:
                    item = self._queue[0]
                    if not item.started:
                        item.started = True
                        started.append(item)
                        if self.first_frame_at is None:
                            self.first_frame_at = time.monotonic()
                    want = required - len(out) // SAMPLE_WIDTH
                    if item.frames_done < item.frames:
                        take = min(want, item.frames - item.frames_done)
                        a = item.frames_done * SAMPLE_WIDTH
                        out += item.pcm[a : a + take * SAMPLE_WIDTH]
                    else:
                        take = min(want, item.total_frames - item.frames_done)
                        out += bytes(take * SAMPLE_WIDTH)
                    item.frames_done += take
                    if item.frames_done >= item.total_frames:
                        self._queue.popleft()
                        self._lock.notify_all()
            if started and self.on_start is not None:
                for item in started:
                    self.on_start(item.tag)
            if len(out) < required * SAMPLE_WIDTH:
                out += bytes(required * SAMPLE_WIDTH - len(out))
            required = yield bytes(out)

    # -- queue -------------------------------------------------------------------------

    def enqueue(
        self,
        pcm: bytes,
        sample_rate: int,
        pause: float,
        tag: Any,
        *,
        cancel: threading.Event | None = None,
        ahead: float = 1.0,
    ) -> bool:
        """Queue a chunk; block while more than ``ahead`` seconds wait unplayed.

        The limit keeps synthesis just ahead of playback, so a rate or voice change
        is heard from the next sentence. Returns False if ``cancel`` was set first.
        """
        if not self.prepare(sample_rate):
            return False
        item = Item(pcm, sample_rate, pause, tag)
        with self._lock:
            while self._queued_seconds() > ahead:
                if cancel is not None and cancel.is_set():
                    return False
                self._lock.wait(0.02)
            if cancel is not None and cancel.is_set():
                return False
            self._queue.append(item)
        return True

    def _queued_seconds(self) -> float:
        frames = sum(item.total_frames - item.frames_done for item in self._queue)
        return frames / self._sample_rate if self._sample_rate else 0.0

    def wait_idle(self, cancel: threading.Event | None = None) -> bool:
        """Block until everything queued has been played; False if cancelled first."""
        with self._lock:
            while self._queue:
                if cancel is not None and cancel.is_set():
                    return False
                self._lock.wait(0.02)
        return True

    def clear(self, *, keep_current: bool = False) -> None:
        """Drop queued chunks (and the one sounding, unless ``keep_current``)."""
        with self._lock:
            current = self._queue[0] if self._queue else None
            self._queue.clear()
            if keep_current and current is not None and current.started:
                self._queue.append(current)
            self._lock.notify_all()

    def pause(self) -> None:
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._lock.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    def position(self) -> tuple[Any, float] | None:
        """The tag of the chunk sounding and the seconds played into it."""
        with self._lock:
            if not self._queue or not self._queue[0].started:
                return None
            item = self._queue[0]
            seconds = item.frames_done / item.sample_rate - BUFFER_MSEC / 1000
            return item.tag, max(0.0, seconds)
