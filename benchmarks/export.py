"""Export benchmark: one article to MP3, batches, and memory.

    python -m benchmarks.export [--words 3000] [--repeat 3] [--batch 20] [--memory-words 20000]

Side by side in one run, every measurement in a fresh process with a cold speech
cache (nothing warms anything else):

* one article to MP3, against the two raw tools chained: libespeak-ng called
  directly through ctypes (the reference script of ``benchmarks/speech.py``,
  imported, not copied), writing a WAV, then the ffmpeg command line encoding it at
  the same bitrate — once at ffmpeg's default LAME quality and once at
  ``-compression_level 9`` (what reader uses). Also the pydub way (chunks joined
  into one ``AudioSegment``, exported through ffmpeg) to show why reader streams
  instead: pydub is in the ``bench`` extra (``pip install -e '.[bench]'``), not a
  dependency of the reader. Ratio = chain time / reader time (>= 1.0 is the goal). Reader's time
  includes its ID3 tags and chapters; the engine is started before the clock in
  both.
* a batch of ``--batch`` saved pages (HTML from the extraction corpus) through
  ``reader.export.batch.run`` — extraction, speech, encoding, tags — with
  ``jobs=1`` and ``jobs=2``; ratio = time(1) / time(2) (goal >= 1.8 on 2 cores).
* peak RSS exporting a ``--memory-words`` article, and of a ``jobs=1`` batch of
  ``--rounds`` x 20 pages in one process (each round into a new folder, so each is
  exported): the peak of each round of 20 (the kernel's high-water mark, reset
  between rounds through ``/proc/self/clear_refs``) must not grow with the count.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from benchmarks.speech import REFERENCE, corpus_text

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT.parent / "shared" / "bench" / "extraction" / "html"
ANNOTATIONS = HTML.parent / "annotations.json"

# The speech benchmark's reference leaves the PCM in `pcm` and the rate in `sr`;
# this writes the WAV and runs the ffmpeg command line on it, as a shell script
# chaining the two tools would.
CHAIN = REFERENCE + textwrap.dedent(
    """
    import subprocess, wave
    wav_path, mp3_path, ffmpeg, bitrate = sys.argv[4:8]
    encode_start = time.perf_counter()
    with wave.open(wav_path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(sr); w.writeframes(pcm)
    subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-i", wav_path, "-c:a", "libmp3lame",
                    "-b:a", bitrate, *sys.argv[8:], mp3_path], check=True)
    encode = time.perf_counter() - encode_start
    print(json.dumps({"seconds": elapsed + encode, "synth": elapsed, "encode": encode,
                      "audio": len(pcm) / 2 / sr}))
    """
)

READER = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from reader.text.article import Article, Block
    from reader.export import ExportOptions, digest, plan, render_part
    import reader.speech as speech
    text = open(sys.argv[1], encoding="utf-8").read()
    rate, voice, folder, bitrate = int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), sys.argv[5]
    blocks = tuple(Block("paragraph", p) for p in text.split("\\n\\n"))
    article = Article(blocks=blocks, title="Benchmark article", language="en")
    options = ExportOptions(voice=voice, rate=rate, bitrate=bitrate).resolved()
    speech.warm_up(voice=voice)
    start = time.perf_counter()
    (part,) = plan(article, "bench", options, None)
    temp, rendered = render_part(article, part, options, folder, digest(article, part, options))
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "audio": rendered.duration, "peak_mb": peak,
                      "ffmpeg_peak_mb": child, "bytes": Path(temp).stat().st_size}))
    """
)

PYDUB = textwrap.dedent(
    """
    import json, resource, sys, time
    from pydub import AudioSegment
    from reader.text.article import Article, Block
    from reader.audio.encode import ffmpeg_exe
    import reader.speech as speech
    text = open(sys.argv[1], encoding="utf-8").read()
    rate, voice, folder, bitrate = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    blocks = tuple(Block("paragraph", p) for p in text.split("\\n\\n"))
    article = Article(blocks=blocks, title="Benchmark article", language="en")
    AudioSegment.converter = ffmpeg_exe()
    speech.warm_up(voice=voice)
    start = time.perf_counter()
    pieces, sr = [], 22050
    for chunk in speech.synthesize_article(article, voice=voice, rate=rate):
        sr = chunk.sample_rate
        pieces += [chunk.pcm, bytes(2 * round(chunk.pause_after * sr))]
    # one AudioSegment from the joined PCM: no append() crossfade, no quadratic +=
    segment = AudioSegment(data=b"".join(pieces), sample_width=2, frame_rate=sr, channels=1)
    segment.export(folder + "/pydub.mp3", format="mp3", bitrate=bitrate,
                   parameters=["-compression_level", "9"])
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "audio": len(segment) / 1000, "peak_mb": peak}))
    """
)

BATCH = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from reader.export import Batch, ExportOptions
    from reader.export.batch import run
    from reader.extract import extract
    inputs = json.loads(sys.argv[1])
    folder, jobs, voice, rate = Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    import reader.speech as speech
    speech.warm_up(voice=voice)
    options = ExportOptions(voice=voice, rate=rate)
    def cpu():
        me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    cpu_before = cpu()
    start = time.perf_counter()
    summary = run(inputs, folder, options, Batch(jobs=jobs), extract=extract)
    elapsed = time.perf_counter() - start
    used = cpu() - cpu_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    failed = [item.error for item in summary.items if item.status == "failed"]
    print(json.dumps({"seconds": elapsed, "audio": summary.audio_seconds, "peak_mb": peak,
                      "exported": summary.count("exported"), "failed": failed, "cpu": used}))
    """
)


# One process exports the same 20 pages ``rounds`` times, each round into a new
# folder, and reports the peak RSS of each round and the Python heap after it.
ROUNDS = textwrap.dedent(
    """
    import gc, json, sys, tracemalloc
    from pathlib import Path
    from reader.export import ExportOptions
    from reader.export.batch import run
    from reader.extract import extract
    import reader.speech as speech
    pages, folder, rounds = json.loads(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    voice, rate = sys.argv[4], int(sys.argv[5])
    speech.warm_up(voice=voice)
    def status(field):
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) / 1024 for l in f if l.startswith(field + ":"))
    peaks, now = [], []
    for n in range(rounds):
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM: this round's peak only
        options = ExportOptions(voice=voice, rate=rate)
        summary = run(pages, folder / str(n), options, extract=extract)
        gc.collect()
        peaks.append(status("VmHWM"))
        now.append(status("VmRSS"))
    print(json.dumps({"peaks": peaks, "after": now, "exported": summary.count("exported")}))
    """
)


def child(code: str, *args: str, home: str) -> dict[str, Any]:
    env = dict(os.environ, READER_HOME=home)
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def english_pages(count: int) -> list[str]:
    """``count`` English saved pages from the extraction corpus, longest first."""
    notes = json.loads(ANNOTATIONS.read_text(encoding="utf-8"))
    pages = [HTML / f"{n['id']}.html" for n in notes if n.get("lang") == "en"]
    pages = [p for p in pages if p.exists()]
    pages.sort(key=lambda p: -p.stat().st_size)
    if len(pages) < count:
        raise SystemExit(f"only {len(pages)} English pages in {HTML}")
    return [str(p) for p in pages[:count]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=3000, help="words in the one article")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best is kept)")
    parser.add_argument("--rate", type=int, default=175)
    parser.add_argument("--voice", default="en")
    parser.add_argument("--bitrate", default="64k")
    parser.add_argument("--batch", type=int, default=20, help="articles in the batch")
    parser.add_argument("--memory-words", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5, help="batch rounds of 20 pages")
    parser.add_argument(
        "--only", choices=("single", "batch", "memory"), help="run one part of the benchmark"
    )
    args = parser.parse_args(argv)
    from reader.audio.encode import ffmpeg_exe

    ffmpeg = ffmpeg_exe()
    common = (str(args.rate), args.voice)

    def best(*contenders: tuple) -> list[dict[str, float]]:
        """Each (make_args, code) run ``--repeat`` times, interleaved (so a change in
        the machine's load hits all alike); the fastest run of each."""
        runs: list[list[dict[str, float]]] = [[] for _ in contenders]
        for _ in range(args.repeat):
            for found, (make_args, code) in zip(runs, contenders, strict=True):
                with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as out:
                    found.append(child(code, *make_args(out), home=home))
        return [min(found, key=lambda r: r["seconds"]) for found in runs]

    if args.only in (None, "single"):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write(corpus_text(args.words))
        text = handle.name
        try:

            def chain_args(*extra: str):
                return lambda out: (
                    text,
                    *common,
                    f"{out}/a.wav",
                    f"{out}/a.mp3",
                    ffmpeg,
                    args.bitrate,
                    *extra,
                )

            chain, chain9, ours, pydub = best(
                (chain_args(), CHAIN),
                (chain_args("-compression_level", "9"), CHAIN),
                (lambda out: (text, *common, out, args.bitrate), READER),
                (lambda out: (text, *common, out, args.bitrate), PYDUB),
            )
        finally:
            os.unlink(text)
        print(f"one article, {args.words:,} words, to MP3 at {args.bitrate} (voice {args.voice},")
        print(f"{args.rate} wpm, cold cache, best of {args.repeat} interleaved, ", end="")
        print("each run a fresh process)\n")
        print(f"{'':52}{'seconds':>9}{'x real time':>13}{'ratio':>8}")
        rows = [
            ("raw chain: libespeak-ng, ffmpeg CLI (default)", chain),
            ("raw chain: libespeak-ng, ffmpeg CLI (level 9)", chain9),
            ("reader via pydub (AudioSegment, export)", pydub),
            ("reader export (streamed to ffmpeg, tagged)", ours),
        ]
        for label, row in rows:
            ratio = chain["seconds"] / row["seconds"]
            print(
                f"{label:52}{row['seconds']:>9.3f}{row['audio'] / row['seconds']:>12.0f}x"
                f"{ratio:>7.2f}x"
            )
        print(
            f"\n  chain parts (default q): synthesis {chain['synth']:.3f} s, "
            f"WAV + ffmpeg {chain['encode']:.3f} s; (q9): {chain9['synth']:.3f} + "
            f"{chain9['encode']:.3f} s"
        )
        print(
            f"  reader export vs the chain at the same LAME setting (-compression_level 9): "
            f"{chain9['seconds'] / ours['seconds']:.2f}x"
        )
        print(
            f"  audio: chain {chain['audio']:.0f} s (eSpeak's own pauses), "
            f"reader {ours['audio']:.0f} s (reader's sentence/paragraph pauses)\n"
        )

    if args.only in (None, "batch"):
        pages = english_pages(args.batch)
        one, two = best(
            *(
                ((lambda out, jobs=jobs: (json.dumps(pages), out, str(jobs), *common[::-1])), BATCH)
                for jobs in (1, 2)
            )
        )
        for jobs, found in ((1, one), (2, two)):
            if found["failed"]:
                print(f"  failed items (jobs={jobs}): {found['failed']}")
        print(
            f"batch of {args.batch} saved pages (extract, speak, encode, tag), "
            f"best of {args.repeat} interleaved"
        )
        print(
            f"  --jobs 1: {one['seconds']:.2f} s   --jobs 2: {two['seconds']:.2f} s   "
            f"ratio {one['seconds'] / two['seconds']:.2f}x   "
            f"({one['exported']:.0f} exported, {one['audio'] / 60:.1f} min of audio)"
        )
        cores = one["cpu"] / one["seconds"]
        print(
            f"  CPU time / wall time: --jobs 1 {cores:.2f} cores, --jobs 2 "
            f"{two['cpu'] / two['seconds']:.2f} cores of {os.cpu_count()}; with --jobs 1 "
            f"already overlapping synthesis and encoding, --jobs 2 can gain at most "
            f"{(os.cpu_count() or 1) / cores:.2f}x here\n"
        )

    if args.only in (None, "memory"):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write(corpus_text(args.memory_words))
        try:
            with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as out:
                big = child(READER, handle.name, *common, out, args.bitrate, home=home)
            with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as out:
                whole = child(PYDUB, handle.name, *common, out, args.bitrate, home=home)
        finally:
            os.unlink(handle.name)
        print(
            f"memory: one {args.memory_words:,}-word article ({big['audio'] / 3600:.1f} h of audio)"
        )
        print(
            f"  peak RSS {big['peak_mb']:.0f} MB (ffmpeg child {big['ffmpeg_peak_mb']:.0f} MB), "
            f"{big['seconds']:.1f} s, {big['bytes'] / 1e6:.0f} MB MP3; the pydub way: "
            f"{whole['peak_mb']:.0f} MB, {whole['seconds']:.1f} s"
        )
        pages = english_pages(20)
        with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as out:
            args_ = (json.dumps(pages), out, str(args.rounds), *common[::-1])
            result = child(ROUNDS, *args_, home=home)
        print(
            f"  --jobs 1 batch, {args.rounds} rounds of the same 20 pages in one process "
            f"({result['exported']:.0f} exported per round), extraction included:"
        )
        print("    peak RSS per round: " + ", ".join(f"{p:.0f}" for p in result["peaks"]) + " MB")
        print("    RSS after it:       " + ", ".join(f"{p:.0f}" for p in result["after"]) + " MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
