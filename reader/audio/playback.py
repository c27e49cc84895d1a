"""Streaming playback through miniaudio: the one player of the CLI and the TUI.

A :class:`Player` owns one output device and a queue of chunks (16-bit mono PCM,
then a pause of silence, with a *tag* the caller wants back). Any thread queues
chunks; miniaudio's audio thread pulls frames out. The player knows which chunk is
sounding and how far into it (follow-along), can pause, drop what is queued (a skip,
a rate change) and wait until everything has been heard. Queueing blocks while more
than ``ahead`` seconds wait unplayed, so synthesis stays just ahead of the voice: a
new rate is heard from the next sentence, and memory stays bounded.

:func:`play` is the whole job for a stream of chunks (``reader say --play``): sound
starts with the first sentence while later ones are still being synthesized.

No audio device: miniaudio would silently fall back to its *null* backend (which
consumes audio in real time into nothing), so real backends are asked for by name
and ``fallback_to_null`` decides. False (the CLI, whose user asked to hear it):
:class:`PlaybackError`, one line. True (the TUI): the null backend, so follow-along,
skips and export behave the same, and :attr:`Player.silent_reason` says why there is
no sound. ``null_backend=True`` plays into the null backend from the start (tests,
benchmarks).

ALSA prints "ALSA lib ... cannot find card" on stderr while miniaudio probes for a
device. A no-op ALSA error handler silences it; stderr itself is left alone, since
Textual draws the screen through it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reader.errors import ReaderError

if TYPE_CHECKING:
    from reader.speech import Cancel, Chunk

SAMPLE_WIDTH = 2  # 16-bit mono
BUFFER_MSEC = 40  # the device's own buffer: small, so pause and skips are heard at once
LOOKAHEAD_SECONDS = 1.0  # queued ahead of the voice by default (a rate change is heard soon)
PLAY_AHEAD_SECONDS = 4.0  # play(): nothing changes mid-stream, so ride out a slow sentence
# How often a thread waiting for room in the queue looks at its cancel flag. Room, a
# clear() and close() wake it at once; the flag alone (set elsewhere) is seen this late.
POLL_SECONDS = 0.1


class PlaybackError(ReaderError):
    """No audio output to play to."""


def real_backends() -> list[Any]:
    """Every miniaudio backend but the null and custom ones."""
    import miniaudio

    return [
        b for b in miniaudio.Backend if b not in (miniaudio.Backend.NULL, miniaudio.Backend.CUSTOM)
    ]


_alsa_handler: Any = None  # the installed handler (libasound keeps only the pointer), or False
_alsa_lock = threading.Lock()


def quiet_alsa() -> None:
    """Stop libasound printing its complaints on stderr (once per process).

    Swapping file descriptor 2 would also silence it, but would swallow the TUI's
    screen, which Textual draws through stderr. The failure itself still reaches
    the caller through miniaudio's error.
    """
    global _alsa_handler
    with _alsa_lock:
        if _alsa_handler is not None:
            return
        _alsa_handler = False
        name = ctypes.util.find_library("asound")
        if not name:
            return
        try:
            lib = ctypes.CDLL(name)
            handler_type = ctypes.CFUNCTYPE(
                None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
            )
            handler = handler_type(lambda *args: None)
            lib.snd_lib_error_set_handler(handler)
        except (OSError, AttributeError):
            return
        _alsa_handler = handler


@dataclass(eq=False)
class Item:
    """One queued chunk: ``pcm`` then ``pause`` seconds of silence."""

    pcm: bytes
    sample_rate: int
    pause: float
    tag: Any  # handed back by on_start and position() (the chunk, a request generation)
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


class Player:
    """One output device and a queue of chunks (thread-safe).

    ``on_start(tag)`` is called on miniaudio's audio thread as each chunk starts
    sounding: keep it short and never block in it (post a message).
    """

    def __init__(
        self,
        *,
        null_backend: bool = False,
        fallback_to_null: bool = False,
        on_start: Callable[[Any], None] | None = None,
    ) -> None:
        self.null_backend = null_backend
        self.fallback_to_null = fallback_to_null
        self.on_start = on_start
        self.sample_rate = 0  # of the open device
        self.backend: str | None = None
        self.silent_reason: str | None = None  # why the null backend plays (no device)
        self.first_frame_at: float | None = None  # monotonic time the first frames were taken
        self._queue: deque[Item] = deque()
        self._lock = threading.Condition()
        self._paused = False
        self._played = 0.0  # seconds of queued audio (and pauses) handed to the device
        self._device: Any = None
        self._device_lock = threading.Lock()  # a warm-up and a listening thread may race
        self._closed = False
        # A fade to silence in progress: (frames it lasts, frames done, called when done).
        self._fade: tuple[int, int, Callable[[], None]] | None = None

    # -- device ------------------------------------------------------------------------

    def prepare(self, sample_rate: int) -> bool:
        """Open the device (or reopen it at another rate); False once closed for good.

        Raises :class:`PlaybackError` when there is no device and no fallback.
        """
        with self._device_lock:
            if self._closed:
                return False
            if self._device is None or self.sample_rate != sample_rate:
                self._open_device(sample_rate)
            return True

    def _open_device(self, sample_rate: int) -> None:
        import miniaudio

        self._close_device()
        device = None
        if not self.null_backend:
            quiet_alsa()
            try:
                device = self._new_device(sample_rate, real_backends())
            except miniaudio.MiniaudioError as error:
                reason = f"no audio device found ({error.args[0] if error.args else error})"
                if not self.fallback_to_null:
                    raise PlaybackError("audio output", reason) from None
                self.silent_reason = reason
        if device is None:
            try:
                device = self._new_device(sample_rate, [miniaudio.Backend.NULL])
            except miniaudio.MiniaudioError as error:  # a build without the null backend
                raise PlaybackError("audio output", f"cannot open ({error})") from None
        self.backend = str(device.backend)
        generator = self._frames()
        next(generator)
        device.start(generator)
        self._device = device
        self.sample_rate = sample_rate

    @staticmethod
    def _new_device(sample_rate: int, backends: list[Any]) -> Any:
        import miniaudio

        return miniaudio.PlaybackDevice(
            output_format=miniaudio.SampleFormat.SIGNED16,
            nchannels=1,
            sample_rate=sample_rate,
            buffersize_msec=BUFFER_MSEC,
            backends=backends,
        )

    def _close_device(self) -> None:
        if self._device is not None:
            self._device.close()
            self._device = None

    def close(self) -> None:
        """Stop and close the device for good (an open device keeps a process alive);
        later :meth:`enqueue` calls return False instead of opening a new one."""
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
                    self._played += take / item.sample_rate
                    if item.frames_done >= item.total_frames:
                        self._queue.popleft()
                        self._lock.notify_all()
                faded = None
                if self._fade is not None and not self._paused:
                    faded = self._apply_fade(out, required)
            if started and self.on_start is not None:
                for item in started:
                    self.on_start(item.tag)
            if faded is not None:
                faded()
            if len(out) < required * SAMPLE_WIDTH:  # paused, or synthesis behind: silence
                out += bytes(required * SAMPLE_WIDTH - len(out))
            required = yield bytes(out)

    def _apply_fade(self, out: bytearray, required: int) -> Callable[[], None] | None:
        """Scale ``out`` down along the fade (under the lock); at its end, pause and
        return the fade's callback (called off the lock). The fade runs in real time
        (``required`` frames a call), sound or silence."""
        assert self._fade is not None
        length, done, callback = self._fade
        samples = array("h")
        samples.frombytes(bytes(out))
        for n in range(len(samples)):
            gain = max(0.0, 1.0 - (done + n) / length)
            samples[n] = int(samples[n] * gain)
        out[:] = samples.tobytes()
        done += required
        if done < length:
            self._fade = (length, done, callback)
            return None
        self._fade = None
        self._paused = True
        return callback

    def fade_out(self, seconds: float, on_faded: Callable[[], None]) -> None:
        """Fade what plays to silence over ``seconds``, then pause; ``on_faded`` is
        called on the audio thread at the end (keep it short). Paused, or with nothing
        queued, it pauses at once."""
        with self._lock:
            if self._paused or not self._queue or not self.sample_rate:
                self._paused = True
                self._fade = None
                now = True
            else:
                self._fade = (max(1, int(seconds * self.sample_rate)), 0, on_faded)
                now = False
        if now:
            on_faded()

    # -- queue -------------------------------------------------------------------------

    def enqueue(
        self,
        pcm: bytes,
        sample_rate: int,
        pause: float = 0.0,
        tag: Any = None,
        *,
        cancel: Cancel | None = None,
        ahead: float = LOOKAHEAD_SECONDS,
    ) -> bool:
        """Queue a chunk; block while more than ``ahead`` seconds wait unplayed.

        Opens the device with the first chunk. A chunk at another sample rate (a
        voice change) waits until the queue has played out, then the device reopens
        at its rate. Returns False if ``cancel`` was set first or the player is
        closed; raises :class:`PlaybackError` when there is no device to open.
        """
        rate_changes = self._device is not None and sample_rate != self.sample_rate
        if rate_changes and not self.wait_idle(cancel):
            return False
        if not self.prepare(sample_rate):
            return False
        item = Item(pcm, sample_rate, pause, tag)
        with self._lock:
            while self._queued_seconds() > ahead:
                if cancel is not None and cancel.is_set():
                    return False
                self._lock.wait(POLL_SECONDS)
            if (cancel is not None and cancel.is_set()) or self._closed:
                return False
            self._queue.append(item)
        return True

    def queued_seconds(self) -> float:
        """Seconds of audio queued and not yet played."""
        with self._lock:
            return self._queued_seconds()

    def _queued_seconds(self) -> float:
        return sum(
            (item.total_frames - item.frames_done) / item.sample_rate for item in self._queue
        )

    def wait_idle(self, cancel: Cancel | None = None) -> bool:
        """Block until everything queued has been handed to the device; False if
        ``cancel`` was set first. (The last :data:`BUFFER_MSEC` are still sounding.)"""
        with self._lock:
            while self._queue:
                if cancel is not None and cancel.is_set():
                    return False
                self._lock.wait(POLL_SECONDS)
        return True

    def clear(self, *, keep_current: bool = False) -> None:
        """Drop queued chunks (and the one sounding, unless ``keep_current``)."""
        with self._lock:
            current = self._queue[0] if self._queue else None
            self._queue.clear()
            self._fade = None
            if keep_current and current is not None and current.started:
                self._queue.append(current)
            self._lock.notify_all()

    def pause(self) -> None:
        """Hold playback where it is (the device plays silence)."""
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            self._fade = None
            self._lock.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    def position(self) -> tuple[Any, float] | None:
        """The tag of the chunk sounding and the seconds heard of it (None when idle)."""
        with self._lock:
            if not self._queue or not self._queue[0].started:
                return None
            item = self._queue[0]
            seconds = item.frames_done / item.sample_rate - BUFFER_MSEC / 1000
            return item.tag, max(0.0, seconds)

    @property
    def played_seconds(self) -> float:
        """Seconds of queued audio, pauses included, handed to the device so far."""
        with self._lock:
            return self._played


def play(
    chunks: Iterable[Chunk],
    *,
    cancel: Cancel | None = None,
    null_backend: bool = False,
    fallback_to_null: bool = False,
    on_start: Callable[[Chunk], None] | None = None,
    ahead: float = PLAY_AHEAD_SECONDS,
) -> float:
    """Play ``chunks`` as they come (with their pauses); return the seconds played.

    The device opens with the first chunk, so with no audio output (and no
    fallback) :class:`PlaybackError` comes before anything beyond that chunk is
    synthesized. ``on_start(chunk)`` is called (on the audio thread) as each chunk
    starts sounding.
    """
    player = Player(null_backend=null_backend, fallback_to_null=fallback_to_null, on_start=on_start)
    try:
        for chunk in chunks:
            if cancel is not None and cancel.is_set():
                break
            if not player.enqueue(
                chunk.pcm, chunk.sample_rate, chunk.pause_after, chunk, cancel=cancel, ahead=ahead
            ):
                break
        if player.wait_idle(cancel) and player.played_seconds:
            time.sleep(2 * BUFFER_MSEC / 1000)  # let the device's buffer sound before closing
        return player.played_seconds
    finally:
        player.close()
