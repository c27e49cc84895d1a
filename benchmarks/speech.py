"""Speech benchmark: reader.speech.synthesize against libespeak-ng called directly.

    python -m benchmarks.speech [--words 3000] [--repeat 3]

Ours goes the whole way the app does: ``pyttsx3.init("reader_espeak")`` (our pyttsx3
driver), the engine thread, normalization, the disk cache.
Reference: libespeak-ng through ctypes, initialized here the plainest way
(synchronous mode, the same voice and rate, one ``espeak_Synth`` call on the whole
text, PCM gathered into a list). Measured side by side in one run, each in its own
fresh process so neither warms the other:

* throughput: seconds to synthesize the same text, cold cache; ratio = reference
  time / our time (>= 0.9 is the goal);
* time to first chunk after the engine is started, cold cache, at N and 4N words
  (should not grow with length);
* linearity: our time for 4N words / time for N words (<= 4.4);
* peak RSS of a child process streaming a 20,000-word text (< 150 MB).
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

ROOT = Path(__file__).resolve().parent.parent


# The shared corpus: READER_SHARED (as the tests use it), else beside the checkout.
SHARED = Path(os.environ.get("READER_SHARED") or ROOT.parent / "shared")
CORPUS = SHARED / "bench" / "extraction" / "text"


def corpus_text(words: int) -> str:
    """``words`` words of real English prose, no paragraph repeated (so the cache stays
    cold all through), from the extraction corpus."""
    paragraphs: list[str] = []
    seen: set[str] = set()
    count = 0
    files = sorted(CORPUS.glob("*.txt")) if CORPUS.exists() else []
    for path in files:
        for paragraph in path.read_text(encoding="utf-8", errors="replace").split("\n\n"):
            paragraph = " ".join(paragraph.split())
            tokens = paragraph.split()
            if len(tokens) < 30 or paragraph.count(" the ") < 2 or paragraph in seen:
                continue
            seen.add(paragraph)
            paragraphs.append(paragraph)
            count += len(tokens)
            if count >= words:
                break
        if count >= words:
            break
    if count < words:
        raise SystemExit(f"the corpus at {CORPUS} holds only {count} words of English prose")
    text = "\n\n".join(paragraphs)
    return " ".join(text.split(" ")[:words]) if count > words else text


REFERENCE = textwrap.dedent(
    """
    import ctypes, json, sys, time
    from ctypes import CFUNCTYPE, POINTER, Structure, c_int, c_short, c_uint, c_void_p
    import espeakng_loader
    text = open(sys.argv[1], encoding="utf-8").read()
    rate = int(sys.argv[2])
    dll = ctypes.CDLL(espeakng_loader.get_library_path())
    dll.espeak_Initialize.argtypes = (c_int, c_int, ctypes.c_char_p, c_int)
    sr = dll.espeak_Initialize(2, 500, espeakng_loader.get_data_path().encode(), 0x8000)
    dll.espeak_SetVoiceByName(sys.argv[3].encode())
    dll.espeak_SetParameter(1, rate, 0)
    class EVENT(Structure):
        _fields_ = [("type", c_int), ("uid", c_uint), ("tp", c_int), ("len", c_int),
                    ("ap", c_int), ("sample", c_int), ("ud", c_void_p), ("id", c_void_p)]
    buffers = []
    @CFUNCTYPE(c_int, POINTER(c_short), c_int, POINTER(EVENT))
    def callback(wav, n, events):
        if wav and n > 0:
            buffers.append(ctypes.string_at(wav, n * 2))
        return 0
    dll.espeak_SetSynthCallback(callback)
    dll.espeak_Synth.argtypes = (c_void_p, ctypes.c_size_t, c_uint, c_int, c_uint, c_uint,
                                 POINTER(c_uint), c_void_p)
    data = text.encode() + b"\\0"
    start, cpu = time.perf_counter(), time.process_time()
    dll.espeak_Synth(data, len(data), 0, 0, 0, 1, None, None)
    pcm = b"".join(buffers)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "audio": len(pcm) / 2 / sr}))
    """
)

OURS = textwrap.dedent(
    """
    import json, os, sys, time, resource
    import reader.speech as speech
    text = open(sys.argv[1], encoding="utf-8").read()
    rate = int(sys.argv[2])
    speech.warm_up(voice=sys.argv[3])
    start, cpu = time.perf_counter(), time.process_time()
    first = None
    audio = 0.0
    for chunk in speech.synthesize(text, voice=sys.argv[3], rate=rate):
        if first is None:
            first = time.perf_counter() - start
        audio += chunk.duration
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "first": first, "audio": audio,
                      "peak_mb": peak}))
    """
)


def run(code: str, text: str, rate: int, voice: str, home: str) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(text)
    env = dict(os.environ, READER_HOME=home)
    try:
        out = subprocess.run(
            [sys.executable, "-c", code, f.name, str(rate), voice],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=ROOT,
        )
    finally:
        os.unlink(f.name)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best is kept)")
    parser.add_argument("--rate", type=int, default=175)
    parser.add_argument("--voice", default="en")
    parser.add_argument("--memory-words", type=int, default=20000)
    args = parser.parse_args(argv)

    small = corpus_text(args.words)
    large = corpus_text(args.words * 4)

    def measure(text: str) -> tuple[dict[str, float], dict[str, float]]:
        """Best of ``repeat`` for each, runs interleaved (ref, ours, ref, ours...) so
        both see the same machine load; a fresh cache folder for every run."""
        refs, ours = [], []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as home:
                refs.append(run(REFERENCE, text, args.rate, args.voice, home))
            with tempfile.TemporaryDirectory() as home:
                ours.append(run(OURS, text, args.rate, args.voice, home))
        best_ref = min(refs, key=lambda r: r["seconds"])
        best_ours = min(ours, key=lambda r: r["seconds"])
        best_ours["first"] = min(r["first"] for r in ours)
        best_ref["cpu"] = min(r["cpu"] for r in refs)
        best_ours["cpu"] = min(r["cpu"] for r in ours)
        return best_ref, best_ours

    ref_small, ours_small = measure(small)
    ref_large, ours_large = measure(large)
    with tempfile.TemporaryDirectory() as home:
        memory = run(OURS, corpus_text(args.memory_words), args.rate, args.voice, home)

    n, n4 = args.words, args.words * 4
    print(f"speech benchmark: voice {args.voice}, rate {args.rate} wpm, cold cache, best of")
    print(f"{args.repeat} runs each, every run in a fresh process\n")
    print("ratio = direct / reader.speech (throughput relative to the direct call; >= 0.9)")
    print(f"{'':34}{'direct ctypes':>15}{'reader.speech':>15}{'ratio':>8}")
    rows = (
        (f"{n:,} words", ref_small, ours_small),
        (f"{n4:,} words", ref_large, ours_large),
    )
    for label, ref, ours in rows:
        for kind, key in (("wall", "seconds"), ("CPU", "cpu")):
            print(
                f"{f'{kind} time, {label} (s)':34}{ref[key]:>15.3f}{ours[key]:>15.3f}"
                f"{ref[key] / ours[key]:>7.2f}x"
            )
    print(
        f"{'audio made, ' + f'{n:,} words (s)':34}{ref_small['audio']:>15.1f}"
        f"{ours_small['audio']:>15.1f}"
    )
    print(f"\nfirst chunk after the call, {n:,} words: {ours_small['first'] * 1000:.1f} ms")
    print(f"first chunk after the call, {n4:,} words: {ours_large['first'] * 1000:.1f} ms")
    print(
        f"linearity, time({n4:,}) / time({n:,}): reader.speech "
        f"{ours_large['seconds'] / ours_small['seconds']:.2f}, direct "
        f"{ref_large['seconds'] / ref_small['seconds']:.2f} (limit 4.4)"
    )
    print(
        f"peak RSS streaming {args.memory_words:,} words: {memory['peak_mb']:.0f} MB "
        f"({memory['seconds']:.1f} s for {memory['audio'] / 3600:.1f} h of audio)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
