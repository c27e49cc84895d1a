"""reader.audio.encode: chunks in, an encoded file out, checked by decoding it with ffmpeg.

These unit tests feed synthetic chunks (tones) to the encoder so that the
expected audio is known exactly; tests/test_export*.py run the real speech engine.
The helpers :func:`decode` and :func:`voiced_spans` are shared with them.
"""

from __future__ import annotations

import array
import math
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from reader.audio import encode as audio
from reader.speech import Chunk

RATE = 22050


def decode(path: Path, rate: int = RATE) -> array.array[int]:
    """The file's audio as 16-bit mono samples at ``rate``, decoded by ffmpeg."""
    command = [audio.ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1"]
    out = subprocess.run(
        [*command, "-ar", str(rate), "pipe:1"],
        capture_output=True,
        check=True,
    ).stdout
    samples = array.array("h")
    samples.frombytes(out[: len(out) // 2 * 2])
    return samples


def voiced_spans(
    samples: array.array[int], rate: int = RATE, *, min_gap: float, level: int = 300
) -> list[tuple[float, float]]:
    """Stretches of sound (seconds) separated by at least ``min_gap`` of silence.

    Silence is a 10 ms frame whose RMS is under ``level`` (about -40 dBFS).
    """
    frame = rate // 100
    loud = []
    for i in range(0, len(samples) - frame + 1, frame):
        window = samples[i : i + frame]
        rms = math.sqrt(sum(s * s for s in window) / frame)
        loud.append(rms >= level)
    spans: list[tuple[float, float]] = []
    start = None
    quiet = 0
    gap_frames = round(min_gap * 100)
    for n, is_loud in enumerate(loud):
        if is_loud:
            if start is None:
                start = n
            quiet = 0
        elif start is not None:
            quiet += 1
            if quiet >= gap_frames:
                spans.append((start / 100, (n - quiet + 1) / 100))
                start, quiet = None, 0
    if start is not None:
        spans.append((start / 100, (len(loud) - quiet) / 100))
    return spans


def tone(seconds: float, freq: float = 440.0, amplitude: int = 8000) -> bytes:
    n = round(seconds * RATE)
    data = array.array(
        "h", (round(amplitude * math.sin(2 * math.pi * freq * i / RATE)) for i in range(n))
    )
    return data.tobytes()


def chunks(
    count: int, seconds: float = 0.6, pause: float = 0.5, amplitude: int = 8000
) -> list[Chunk]:
    pcm = tone(seconds, amplitude=amplitude)
    return [Chunk(pcm, RATE, i * 10, i * 10 + 9, (), pause) for i in range(count)]


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_render_writes_every_chunk_with_its_pause(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"out.{fmt}"
    with path.open("wb") as handle:
        rendered = audio.render(chunks(6), handle, fmt=fmt)
    # six 0.6 s tones, five 0.5 s pauses (none after the last)
    assert rendered.duration == pytest.approx(6 * 0.6 + 5 * 0.5, abs=0.01)
    assert [m.time for m in rendered.marks] == pytest.approx([i * 1.1 for i in range(6)], abs=0.01)
    samples = decode(path)
    assert len(samples) / RATE == pytest.approx(rendered.duration, rel=0.1)
    spans = voiced_spans(samples, min_gap=0.3)
    assert len(spans) == 6
    assert spans[3][0] == pytest.approx(3.3, abs=0.1)


def test_mp3_is_mp3_at_the_bitrate(tmp_path: Path) -> None:
    path = tmp_path / "out.mp3"
    with path.open("wb") as handle:
        rendered = audio.render(chunks(4, seconds=2.0), handle, bitrate="32k")
    from mutagen.mp3 import MP3

    info = MP3(path).info
    assert info is not None
    assert info.bitrate == 32000
    assert info.sample_rate == RATE
    assert info.channels == 1
    assert path.stat().st_size == pytest.approx(32000 / 8 * rendered.duration, rel=0.1)


def test_chunks_at_another_rate_are_resampled(tmp_path: Path) -> None:
    other = Chunk(tone(1.0)[: 2 * 16000], 16000, 10, 20, (), 0.0)
    path = tmp_path / "out.wav"
    with path.open("wb") as handle:
        rendered = audio.render([chunks(1, pause=0.0)[0], other], handle, fmt="wav")
    assert rendered.sample_rate == RATE
    assert rendered.duration == pytest.approx(0.6 + 1.0, abs=0.01)


def test_normalize_brings_quiet_speech_up(tmp_path: Path) -> None:
    quiet = chunks(3, seconds=2.0, pause=0.2, amplitude=600)
    plain, loud = tmp_path / "plain.wav", tmp_path / "loud.wav"
    with plain.open("wb") as handle:
        audio.render(quiet, handle, fmt="wav")
    with loud.open("wb") as handle:
        audio.render(quiet, handle, fmt="wav", normalize=True)

    def peak(path: Path) -> int:
        return max(abs(s) for s in decode(path))

    assert peak(loud) > 3 * peak(plain)


def test_nothing_to_speak_is_an_error(tmp_path: Path) -> None:
    with (tmp_path / "out.mp3").open("wb") as handle, pytest.raises(audio.EncoderError):
        audio.render([], handle)


def test_a_failing_ffmpeg_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/bin/false")
    with (tmp_path / "out.mp3").open("wb") as handle, pytest.raises(audio.EncoderError) as caught:
        audio.render(chunks(20, seconds=2.0), handle)
    assert str(caught.value).startswith("ffmpeg: ")


@pytest.mark.timeout(60)
def test_a_full_disk_is_an_os_error_not_a_hang(tmp_path: Path) -> None:
    """RLIMIT_FSIZE in a child process stands in for a full disk."""
    code = (
        "import sys\n"
        "from tests.audio.test_audio import chunks\n"
        "from reader.audio import encode as audio\n"
        "try:\n"
        "    with open(sys.argv[1], 'wb') as handle:\n"
        "        audio.render(chunks(40, seconds=2.0), handle, fmt=sys.argv[2])\n"
        "except OSError as error:\n"
        "    print('OSError', error.errno)\n"
    )
    for fmt in ("mp3", "wav"):
        target = tmp_path / f"out.{fmt}"

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

        out = subprocess.run(
            [sys.executable, "-c", code, str(target), fmt],
            capture_output=True,
            text=True,
            preexec_fn=limit,
            cwd=Path(__file__).resolve().parents[2],
            # No bytecode writes under the limit: CPython renames a short-written .pyc
            # into place, and every later import of that module would fail.
            env={
                **os.environ,
                "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
                "PYTHONDONTWRITEBYTECODE": "1",
            },
            timeout=50,
        )
        assert out.stdout.strip() == "OSError 27", out.stderr  # EFBIG: File too large


class _StalledPipe:
    """A pipe whose reader takes nothing until ``open_`` is set."""

    def __init__(self) -> None:
        import threading

        self.open_ = threading.Event()
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes) -> int:
        self.open_.wait()
        self.written += data
        return len(data)

    def close(self) -> None:
        self.closed = True


@pytest.mark.timeout(30)
def test_the_feeder_runs_ahead_of_a_slow_encoder_up_to_its_limit() -> None:
    """Synthesis is not held up by the encoder until ``limit`` bytes wait, then it is."""
    import threading

    pipe = _StalledPipe()
    feeder = audio._Feeder(pipe, limit=1000)  # type: ignore[arg-type]
    for n in range(4):  # 400 bytes: under the limit, so put() returns with nothing read
        assert feeder.put(bytes([n]) * 100)
    assert feeder.put(b"x" * 700)  # 1,100 held (the first piece may already be taken)
    blocked = threading.Thread(target=feeder.put, args=(b"y" * 100,))
    blocked.start()
    blocked.join(0.5)
    assert blocked.is_alive(), "put() must wait while more than the limit is held"
    pipe.open_.set()
    blocked.join(10)
    assert not blocked.is_alive()
    feeder.finish()
    expected = b"".join(bytes([n]) * 100 for n in range(4)) + b"x" * 700 + b"y" * 100
    assert bytes(pipe.written) == expected
    assert pipe.closed and feeder.error is None


@pytest.mark.timeout(60)
def test_abort_with_a_full_buffer_and_a_stalled_ffmpeg_does_not_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An 'ffmpeg' that never reads: writes fill the buffer, abort() still returns."""
    import threading

    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\nexec sleep 600\n")
    fake.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(fake))
    with (tmp_path / "out.mp3").open("wb") as handle:
        encoder = audio.Encoder(handle, RATE, buffer=200_000)
        pcm = tone(1.0)  # 44,100 bytes; the pipe takes 64 KiB, the buffer 200 kB
        failed: list[BaseException] = []

        def write() -> None:
            try:
                for _ in range(20):
                    encoder.write(pcm)
            except audio.EncoderError as error:  # ffmpeg was killed under it
                failed.append(error)

        writer = threading.Thread(target=write)
        writer.start()
        writer.join(1.0)
        assert writer.is_alive(), "the writer must be held back once the buffer is full"
        encoder.abort()
        writer.join(10)
        assert not writer.is_alive()
        assert len(failed) == 1


@pytest.mark.timeout(60)
def test_a_write_after_abort_is_an_encoder_error_not_a_closed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving that made the abort test flaky, made certain: a writer whose
    put() is refused after abort() has run to its end (pipes closed, ffmpeg reaped) gets
    EncoderError, not ``ValueError: I/O operation on closed file``."""
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'some reason' >&2\nexec sleep 600\n")
    fake.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(fake))
    with (tmp_path / "out.mp3").open("wb") as handle:
        encoder = audio.Encoder(handle, RATE, buffer=200_000)
        encoder.write(tone(0.1))
        encoder.abort()
        with pytest.raises(audio.EncoderError) as caught:
            encoder.write(tone(0.1))
    assert str(caught.value) == "ffmpeg: stopped: the encoding was cancelled"


def test_ffmpegs_reason_is_its_last_line_made_safe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text(
        "#!/bin/sh\nhead -c 300000 /dev/zero >&2\n"
        "printf 'first\\nBad \\033]0;PWNED\\007thing\\n' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(fake))
    with (tmp_path / "out.mp3").open("wb") as handle, pytest.raises(audio.EncoderError) as caught:
        audio.render(chunks(3, seconds=0.5), handle)
    assert str(caught.value) == "ffmpeg: Bad thing"


@pytest.mark.parametrize("bitrate", ["8k", "32k", "160k"])
def test_the_info_frame_fits_every_bitrate_and_gives_the_length(
    tmp_path: Path, bitrate: str
) -> None:
    """8 kbit/s at 22,050 Hz makes 26-byte frames, too small for the Info fields: the
    Info frame takes a bitrate of its own. Decoders skip it; mutagen reads the length."""
    from mutagen.mp3 import MP3

    path = tmp_path / "out.mp3"
    with path.open("wb") as handle:
        rendered = audio.render(chunks(3, seconds=1.0), handle, bitrate=bitrate)
    data = path.read_bytes()
    length = audio._frame_length(data[:4])
    assert length is not None and data[:length].count(b"Info") == 1
    info = MP3(path).info
    assert info is not None
    assert info.bitrate == pytest.approx(int(bitrate[:-1]) * 1000, rel=0.01)
    assert info.length == pytest.approx(rendered.duration, abs=0.1)  # encoder padding
    assert len(decode(path)) / RATE == pytest.approx(rendered.duration, abs=0.1)


def test_an_mp3_into_a_pipe_has_no_info_frame_and_is_whole(tmp_path: Path) -> None:
    read, write = os.pipe()
    received = bytearray()

    def drain() -> None:
        with os.fdopen(read, "rb") as pipe:
            while block := pipe.read(65536):
                received.extend(block)

    import threading

    reader_thread = threading.Thread(target=drain)
    reader_thread.start()
    with os.fdopen(write, "wb") as handle:
        audio.render(chunks(2), handle)
    reader_thread.join(30)
    (tmp_path / "out.mp3").write_bytes(bytes(received))
    assert b"Info" not in received[:200]
    assert len(decode(tmp_path / "out.mp3")) / RATE == pytest.approx(1.7, abs=0.1)
