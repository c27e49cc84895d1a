"""Audio: timed speech chunks -> one encoded file, streamed through ffmpeg.

Chunks (sentences of 16-bit mono PCM, each with the pause that follows it) are
written to an ffmpeg child process as raw ``s16le`` on its stdin while the caller
synthesizes the next ones. Only one chunk is in memory at a time: exporting a
20,000-word article peaks at under 40 MB, where assembling an ``AudioSegment`` with
pydub and exporting it peaks at about 670 MB (the whole recording, then a copy).
Synthesis overlaps encoding where a core is free; on the 2-core machine measured,
ffmpeg's own threads already keep about 1.6 cores busy, so the time is on par with
pydub and with chaining the raw tools at the same LAME setting, not better
(``benchmarks/export.py``; README, "Benchmarks").

ffmpeg's output comes back on a pipe and is written by this process, so a full
disk or a file size limit is an ``OSError`` with a clear reason here, not a
killed child process. WAV without normalization needs no ffmpeg at all.

ffmpeg is the binary shipped by ``imageio-ffmpeg`` (nothing from apt); set
``IMAGEIO_FFMPEG_EXE`` to use a system ffmpeg instead.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import threading
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from reader.errors import ReaderError

if TYPE_CHECKING:
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


class EncoderError(ReaderError):
    """ffmpeg failed or is missing."""


def ffmpeg_exe() -> str:
    """The ffmpeg binary: ``IMAGEIO_FFMPEG_EXE`` if set, else the one imageio-ffmpeg ships."""
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
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.sample_rate = sample_rate
        self.frames = 0
        self._wave: wave.Wave_write | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._error: BaseException | None = None
        self._closed = False
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
            # No ID3 tag from ffmpeg (mutagen writes ours); no Xing frame (it
            # needs a seekable output to be right; CBR needs none).
            out += ["-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "pipe:1"]
        command = [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error"]
        command += ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
        if normalize:
            command += ["-af", LOUDNORM, "-ar", str(sample_rate)]
        command += ["-map_metadata", "-1", *out]
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()/abort()
        try:
            self._proc = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr
            )
        except OSError as error:
            self._stderr.close()
            raise EncoderError("ffmpeg", f"cannot start {command[0]} ({error})") from None
        self._pump = threading.Thread(target=self._copy_out, args=(sink,), daemon=True)
        self._pump.start()

    def _copy_out(self, sink: IO[bytes] | wave.Wave_write) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        try:
            while data := stdout.read(_PIPE_READ):
                if isinstance(sink, wave.Wave_write):
                    sink.writeframesraw(data)
                else:
                    sink.write(data)
        except BaseException as error:  # a full disk: stop ffmpeg, report in close()
            self._error = error
            self._proc.kill()

    def write(self, pcm: bytes) -> None:
        """Append 16-bit mono PCM at :attr:`sample_rate`."""
        if len(pcm) % SAMPLE_WIDTH:
            pcm = pcm[:-1]
        self.frames += len(pcm) // SAMPLE_WIDTH
        if self._proc is None:
            assert self._wave is not None
            self._wave.writeframesraw(pcm)
            return
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(pcm)
        except BrokenPipeError:
            self._raise_failure()
            raise

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
            assert self._proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()
            self._proc.wait()
            self._pump.join()
            try:
                self._raise_failure()
            finally:
                self._stderr.close()
        if self._wave is not None:
            self._wave.close()

    def abort(self) -> None:
        """Stop without finishing (the caller deletes the partial file)."""
        if self._closed:
            return
        self._closed = True
        if self._proc is not None:
            self._proc.kill()
            for pipe in (self._proc.stdin, self._proc.stdout):
                try:
                    if pipe is not None:
                        pipe.close()
                except OSError:
                    pass
            self._proc.wait()
            self._pump.join()
            self._stderr.close()
        if self._wave is not None:
            with contextlib.suppress(OSError):
                self._wave.close()

    def _raise_failure(self) -> None:
        assert self._proc is not None
        if self._proc.poll() is None and self._error is None:
            return
        if self._error is not None:
            raise self._error
        if self._proc.returncode != 0:
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
            reason = lines[-1] if lines else f"exit status {self._proc.returncode}"
            raise EncoderError("ffmpeg", reason)


def render(
    chunks: Iterable[Chunk],
    dest: IO[bytes],
    *,
    fmt: str = "mp3",
    bitrate: str = "64k",
    normalize: bool = False,
    compression_level: int = MP3_COMPRESSION_LEVEL,
) -> Rendered:
    """Encode ``chunks`` into ``dest`` with each chunk's ``pause_after`` as silence.

    Chunks are consumed lazily, so synthesis of the next sentence overlaps with
    ffmpeg encoding the last one and only one chunk is in memory at a time. The
    pause after the last chunk is dropped (a file ends where speech ends).
    Raises :class:`EncoderError` for no audio at all, ``OSError`` when ``dest``
    cannot be written.
    """
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
