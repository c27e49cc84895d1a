"""Audio: timed speech chunks -> one encoded file, streamed through ffmpeg.

Chunks (sentences of 16-bit mono PCM, each with the pause that follows it) are
handed to a feeder thread that writes them to an ffmpeg child process as raw
``s16le`` on its stdin while the caller synthesizes the next ones. Between the
two sits a bounded buffer (:data:`BUFFER_BYTES`, about 25 minutes of speech):
synthesis is about three times as fast as ffmpeg's MP3 encoding, so it runs
ahead, finishes early and leaves its core to ffmpeg (which uses more than one:
its demuxer, filter, encoder and muxer are threads of their own). Without the
buffer the two ran in lock step and ffmpeg never got the second core; with it, a
3,000-word article exports in about 80% of the time (``benchmarks/export.py``).
Memory stays bounded: exporting a 20,000-word article peaks at about 100 MB, where
assembling an ``AudioSegment`` with pydub and exporting it peaks at about 670 MB
(the whole recording, then a copy).

ffmpeg's output comes back on a pipe and is written by this process, so a full
disk or a file size limit is an ``OSError`` with a clear reason here, not a
killed child process. Over a pipe ffmpeg cannot write the Xing/Info frame that tells
players an MP3's exact length (it seeks back to fill it in), so this process does:
it reserves the frame ahead of the audio, counts the frames as they pass, and fills
it in at the end (:class:`_InfoFrame`). WAV without normalization needs no ffmpeg at all.

ffmpeg is the binary shipped by ``imageio-ffmpeg`` (nothing from apt); the ``ffmpeg``
setting (``reader config set ffmpeg PATH``) names a system one instead, and
``IMAGEIO_FFMPEG_EXE`` wins over both (:func:`ffmpeg_exe`).
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import wave
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, NoReturn

from reader.errors import ReaderError

if TYPE_CHECKING:
    from reader.config import Settings
    from reader.speech import Chunk

SAMPLE_WIDTH = 2
FORMATS = ("mp3", "wav")
# LAME's fastest psychoacoustic mode: about twice the speed of the default (which
# is the bottleneck of the whole export: eSpeak NG synthesizes ~4x faster than
# LAME encodes at its default), and for speech at 32-128 kbit/s not audibly worse.
MP3_COMPRESSION_LEVEL = 9
# EBU R128 single-pass loudness normalization (streamable, unlike peak
# normalization, which needs the whole recording first). -16 LUFS is the usual
# target for spoken-word podcasts.
LOUDNORM = "loudnorm=I=-16:LRA=11:TP=-1.5"
_PIPE_READ = 1 << 16
# PCM waiting for ffmpeg, at most: 64 MiB is 25 minutes of 22,050 Hz mono speech.
BUFFER_BYTES = 64 << 20
# The tail of ffmpeg's stderr kept for the error message (its last line is the reason).
STDERR_BYTES = 4096


class EncoderError(ReaderError):
    """ffmpeg failed or is missing."""


def ffmpeg_exe(configured: str | None = None) -> str:
    """The ffmpeg binary: ``IMAGEIO_FFMPEG_EXE`` if set, else ``configured`` (the
    ``ffmpeg`` setting: a system ffmpeg, checked when it was set), else the one
    imageio-ffmpeg ships."""
    import os

    if configured is not None and not os.environ.get("IMAGEIO_FFMPEG_EXE"):
        return configured
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception as error:  # imageio-ffmpeg raises RuntimeError when it finds none
        raise EncoderError("ffmpeg", f"not found ({error})") from None


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a chunk landed in the output: ``text[start:end]`` spoken from ``time``
    for ``duration`` seconds."""

    start: int
    end: int
    time: float
    duration: float


@dataclass(frozen=True, slots=True)
class Rendered:
    """What :func:`render` wrote: the total duration (seconds) and one mark per chunk."""

    duration: float
    sample_rate: int
    marks: tuple[Mark, ...]

    @property
    def speech_seconds(self) -> float:
        return sum(mark.duration for mark in self.marks)


# Layer III bitrates (kbit/s) by index, for MPEG-1 and for MPEG-2/2.5; sample rates by
# version bits (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5) and index.
_KBPS = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _frame_length(header: bytes) -> int | None:
    """The length in bytes of the MPEG audio Layer III frame starting with ``header``
    (4 bytes), or None when it is not one."""
    b0, b1, b2, _ = header
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if b0 != 0xFF or b1 & 0xE0 != 0xE0 or version == 1 or layer != 1:
        return None
    if index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bits = _KBPS[mpeg1][index] * 1000 * (144 if mpeg1 else 72)
    return bits // _RATES[version][rate_index] + ((b2 >> 1) & 1)


class _InfoFrame:
    """The Xing/Info frame of a CBR MP3 stream, counted as the stream passes.

    An Info frame is a silent first frame whose side information is zero and which holds
    ``b"Info"``, the number of audio frames after it and the stream's size in bytes;
    decoders skip it and players take the exact duration from it (without it they
    estimate from the bitrate and the file size, which an ID3 tag already skews).
    :meth:`reserve` returns the frame to write ahead of the first audio byte (its
    counts still zero), :meth:`feed` counts, :meth:`frame` is the finished frame.
    """

    def __init__(self) -> None:
        self.frames = 0
        self.size = 0
        self.lost = False  # not a stream of Layer III frames: leave the counts at zero
        self._head = b""
        self._skip = 0
        self._header: bytes | None = None
        self._length = 0
        self._offset = 0  # of b"Info" in the frame: after the header and side information

    def reserve(self, first: bytes) -> bytes:
        """The placeholder for the stream that starts with ``first`` (b"" if none)."""
        if len(first) < 4 or _frame_length(first[:4]) is None:
            self.lost = True
            return b""
        b1, b2, b3 = first[1] | 0x01, first[2] & 0xFD, first[3]  # no CRC, no padding
        version, mono = (b1 >> 3) & 3, b3 >> 6 == 3
        side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
        self._offset = 4 + side
        needed = self._offset + 12  # "Info", flags, frames, bytes
        # The stream's own bitrate, or the lowest that holds the fields (8 kbit/s at
        # 22,050 Hz makes 26-byte frames): the Info frame's bitrate is its own.
        for index in range(b2 >> 4, 15):
            header = bytes((0xFF, b1, (index << 4) | (b2 & 0x0F), b3))
            length = _frame_length(header)
            if length is not None and length >= needed:
                self._header, self._length = header, length
                return self.frame()  # no counts yet
        self.lost = True
        return b""

    def feed(self, data: bytes) -> None:
        """Count the frames in the next ``data`` of the stream."""
        self.size += len(data)
        pos, end = 0, len(data)
        while pos < end and not self.lost:
            if self._skip:
                step = min(self._skip, end - pos)
                self._skip -= step
                pos += step
                continue
            take = data[pos : pos + 4 - len(self._head)]
            self._head += take
            pos += len(take)
            if len(self._head) < 4:
                break
            length = _frame_length(self._head)
            if length is None or length < 4:
                self.lost = True
                break
            self.frames += 1
            self._skip = length - 4
            self._head = b""

    def frame(self) -> bytes:
        """The Info frame: with the counts (flags 3: frames and bytes present) once the
        stream was counted whole, else with none (a player then estimates)."""
        assert self._header is not None
        frame = bytearray(self._length)
        frame[:4] = self._header
        if self.lost or not self.frames:
            fields = b"Info" + bytes(4)
        else:
            fields = b"Info" + b"".join(
                n.to_bytes(4, "big") for n in (3, self.frames, self.size + self._length)
            )
        frame[self._offset : self._offset + len(fields)] = fields
        return bytes(frame)


class _Feeder:
    """Writes PCM into ``pipe`` on a thread of its own, holding up to ``limit`` bytes.

    :meth:`put` returns at once unless that much is already waiting. A write that
    fails (ffmpeg is gone) ends the thread; the error is kept in :attr:`error`.
    """

    def __init__(self, pipe: IO[bytes], limit: int) -> None:
        self._pipe = pipe
        self._limit = limit
        self._queue: deque[bytes | None] = deque()
        self._held = 0
        self._changed = threading.Condition()
        self.error: BaseException | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="reader-encoder-feed", daemon=True)
        self._thread.start()

    def put(self, pcm: bytes) -> bool:
        """Queue ``pcm``; False (nothing queued) once the pipe has failed or after stop()."""
        with self._changed:
            while self._held > self._limit and self.error is None and not self._stopped:
                self._changed.wait()
            if self.error is not None or self._stopped:
                return False
            self._queue.append(pcm)
            self._held += len(pcm)
            self._changed.notify_all()
        return True

    def finish(self) -> None:
        """Write everything queued, close the pipe and wait for the thread."""
        with self._changed:
            self._queue.append(None)
            self._changed.notify_all()
        self._thread.join()

    def stop(self) -> None:
        """Drop what is queued and end the thread once its current write returns
        (the caller makes that happen by killing the reader of the pipe)."""
        with self._changed:
            self._stopped = True
            self._queue.clear()
            self._held = 0
            self._queue.append(None)
            self._changed.notify_all()

    def join(self) -> None:
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._queue:
                    self._changed.wait()
                pcm = self._queue.popleft()
            if pcm is None:
                break
            try:
                self._pipe.write(pcm)
            except BaseException as error:  # BrokenPipeError: ffmpeg stopped reading
                with self._changed:
                    self.error = error
                    self._queue.clear()
                    self._held = 0
                    self._changed.notify_all()
                return
            with self._changed:
                self._held -= len(pcm)
                self._changed.notify_all()
        try:
            self._pipe.close()
        except OSError as error:  # the last bytes could not be flushed
            self.error = error


class Encoder:
    """Write PCM in, get an encoded file out in ``dest`` (an open binary file).

    Call :meth:`write` and :meth:`write_silence` as the audio is produced, then
    :meth:`close` (which raises if anything failed) or :meth:`abort`.
    """

    def __init__(
        self,
        dest: IO[bytes],
        sample_rate: int,
        *,
        fmt: str = "mp3",
        bitrate: str = "64k",
        normalize: bool = False,
        compression_level: int = MP3_COMPRESSION_LEVEL,
        buffer: int = BUFFER_BYTES,
        ffmpeg: str | None = None,
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.sample_rate = sample_rate
        self.frames = 0
        self._dest = dest
        self._wave: wave.Wave_write | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._feeder: _Feeder | None = None
        self._error: BaseException | None = None
        self._closed = False
        self._aborted = False  # set by abort(), which may run while another thread writes
        self._info: _InfoFrame | None = None
        self._info_at = 0
        if fmt == "wav":
            # The wave writer patches the RIFF sizes on close, which needs a real file.
            self._wave = wave.open(dest, "wb")  # noqa: SIM115 - closed in close()/abort()
            self._wave.setnchannels(1)
            self._wave.setsampwidth(SAMPLE_WIDTH)
            self._wave.setframerate(sample_rate)
            if not normalize:
                return
            sink: IO[bytes] | wave.Wave_write = self._wave
            out = ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "pipe:1"]
        else:
            sink = dest
            out = ["-c:a", "libmp3lame", "-b:a", bitrate]
            out += ["-compression_level", str(compression_level)]
            # No ID3 tag from ffmpeg (mutagen writes ours); no Xing frame from ffmpeg
            # (over a pipe it cannot fill one in): _InfoFrame writes it.
            out += ["-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "pipe:1"]
            if _seekable(dest):
                self._info = _InfoFrame()
        command = [ffmpeg_exe(ffmpeg), "-hide_banner", "-nostats", "-loglevel", "error"]
        command += ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
        if normalize:
            command += ["-af", LOUDNORM, "-ar", str(sample_rate)]
        command += ["-map_metadata", "-1", *out]
        try:
            self._proc = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as error:
            raise EncoderError("ffmpeg", f"cannot start {command[0]} ({error})") from None
        # stderr is drained by a thread of its own into a bounded tail, never read from the
        # pipe by whoever fails: abort() on one thread and a writer's failure on another
        # then cannot race for a pipe one of them has closed.
        self._stderr_tail = bytearray()
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        self._pump = threading.Thread(target=self._copy_out, args=(sink,), daemon=True)
        self._pump.start()
        assert self._proc.stdin is not None
        self._feeder = _Feeder(self._proc.stdin, buffer)

    def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        stderr = self._proc.stderr
        with contextlib.suppress(OSError, ValueError):
            while data := stderr.read1(_PIPE_READ):  # type: ignore[attr-defined]
                self._stderr_tail += data
                del self._stderr_tail[:-STDERR_BYTES]
        with contextlib.suppress(OSError):
            stderr.close()

    def _copy_out(self, sink: IO[bytes] | wave.Wave_write) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        info = self._info
        try:
            while data := stdout.read(_PIPE_READ):
                if isinstance(sink, wave.Wave_write):
                    sink.writeframesraw(data)
                    continue
                if info is not None:
                    if not info.size and not info.lost:
                        self._info_at = sink.tell()
                        sink.write(info.reserve(data))
                    info.feed(data)
                sink.write(data)
        except BaseException as error:  # a full disk: stop ffmpeg, report in close()
            self._error = error
            self._proc.kill()

    def write(self, pcm: bytes) -> None:
        """Append 16-bit mono PCM at :attr:`sample_rate`."""
        if len(pcm) % SAMPLE_WIDTH:
            pcm = pcm[:-1]
        self.frames += len(pcm) // SAMPLE_WIDTH
        if self._feeder is None:
            assert self._wave is not None
            self._wave.writeframesraw(pcm)
            return
        if not self._feeder.put(pcm):
            self._fail()

    def write_silence(self, seconds: float) -> None:
        frames = max(0, round(seconds * self.sample_rate))
        block = bytes(SAMPLE_WIDTH * min(frames, self.sample_rate))
        while frames > 0:
            n = min(frames, self.sample_rate)
            self.write(block[: n * SAMPLE_WIDTH])
            frames -= n

    @property
    def seconds(self) -> float:
        """Seconds of audio written so far."""
        return self.frames / self.sample_rate

    def close(self) -> None:
        """Finish the file; raises ``OSError`` (writing) or :class:`EncoderError`."""
        if self._closed:
            return
        self._closed = True
        if self._proc is not None:
            assert self._feeder is not None
            self._feeder.finish()
            if self._feeder.error is not None:
                self._fail()
            self._proc.wait()
            self._pump.join()
            self._raise_failure()
            self._write_info()
        if self._wave is not None:
            self._wave.close()

    def _write_info(self) -> None:
        """Fill in the Info frame reserved ahead of the audio (see :class:`_InfoFrame`)."""
        info = self._info
        if info is None or info.lost or not info.frames:
            return
        dest = self._dest
        end = dest.tell()
        dest.seek(self._info_at)
        dest.write(info.frame())
        dest.seek(end)

    def abort(self) -> None:
        """Stop without finishing (the caller deletes the partial file)."""
        if self._closed:
            return
        self._closed = True
        self._aborted = True
        if self._proc is not None:
            assert self._feeder is not None
            self._feeder.stop()
            self._proc.kill()
            self._feeder.join()
            for pipe in (self._proc.stdin, self._proc.stdout):
                try:
                    if pipe is not None:
                        pipe.close()
                except OSError:
                    pass
            self._proc.wait()
            self._pump.join()
            self._drain.join(10)
        if self._wave is not None:
            with contextlib.suppress(OSError):
                self._wave.close()

    def _fail(self) -> NoReturn:
        """ffmpeg stopped reading: raise why (its exit, or the pump's write error)."""
        assert self._proc is not None and self._feeder is not None
        if not self._aborted:
            self._proc.wait()
            self._pump.join()
        self._raise_failure()
        raise EncoderError("ffmpeg", f"stopped reading its input ({self._feeder.error})")

    def _raise_failure(self) -> None:
        assert self._proc is not None
        if self._aborted:  # by abort(), perhaps on another thread while this one wrote
            raise EncoderError("ffmpeg", "stopped: the encoding was cancelled")
        if self._proc.poll() is None and self._error is None:
            return
        if self._error is not None:
            raise self._error
        if self._proc.returncode != 0:
            from reader.text.sanitize import one_line

            self._drain.join(10)  # ffmpeg has exited: its stderr is at its end
            text = bytes(self._stderr_tail).decode("utf-8", "replace")
            lines = [one_line(line) for line in text.splitlines() if one_line(line)]
            reason = lines[-1] if lines else f"exit status {self._proc.returncode}"
            raise EncoderError("ffmpeg", reason)


def _seekable(handle: IO[bytes]) -> bool:
    try:
        return bool(handle.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def render(
    chunks: Iterable[Chunk],
    dest: IO[bytes],
    *,
    fmt: str = "mp3",
    bitrate: str = "64k",
    normalize: bool = False,
    compression_level: int = MP3_COMPRESSION_LEVEL,
    settings: Settings | None = None,
) -> Rendered:
    """Encode ``chunks`` into ``dest`` with each chunk's ``pause_after`` as silence.

    Chunks are consumed lazily, so synthesis of the next sentences overlaps with
    ffmpeg encoding the last ones, with at most :data:`BUFFER_BYTES` of PCM waiting
    in between. The pause after the last chunk is dropped (a file ends where speech ends).
    Raises :class:`EncoderError` for no audio at all, ``OSError`` when ``dest``
    cannot be written. ``settings`` name the ffmpeg to use (front ends pass the ones
    they loaded; the user's settings file is read when none are given).
    """
    if settings is None:
        from reader.config import settings as load

        settings = load()
    encoder: Encoder | None = None
    marks: list[Mark] = []
    pause = 0.0
    try:
        for chunk in chunks:
            if encoder is None:
                encoder = Encoder(
                    dest,
                    chunk.sample_rate,
                    fmt=fmt,
                    bitrate=bitrate,
                    normalize=normalize,
                    compression_level=compression_level,
                    ffmpeg=settings.ffmpeg,
                )
            pcm = chunk.pcm
            if chunk.sample_rate != encoder.sample_rate:
                pcm = _resample(pcm, chunk.sample_rate, encoder.sample_rate)
            if pause > 0:
                encoder.write_silence(pause)
            time = encoder.seconds
            encoder.write(pcm)
            marks.append(Mark(chunk.start, chunk.end, time, encoder.seconds - time))
            pause = chunk.pause_after
        if encoder is None:
            raise EncoderError("audio", "nothing to speak")
        encoder.close()
    except BaseException:
        if encoder is not None:
            encoder.abort()
        raise
    return Rendered(encoder.seconds, encoder.sample_rate, tuple(marks))


def _resample(pcm: bytes, rate: int, target: int) -> bytes:
    """Convert a chunk from another engine voice's rate (rare: one engine, one rate)."""
    import warnings

    with warnings.catch_warnings():  # deprecated in 3.11/3.12; audioop-lts from 3.13
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop

    converted, _ = audioop.ratecv(pcm, SAMPLE_WIDTH, 1, rate, target, None)
    return bytes(converted)
