"""Listening benchmark: the session player over a real queue.

    python -m benchmarks.listening [--only gaps|keys|hour|start] [--minutes 20]
                                   [--engine piper|espeak|both] [--runs 5]

Every part runs the real player (``reader.listening.player.SessionPlayer``) on the
real engines, through miniaudio's null backend (which takes audio in real time, as a
sound card does), over a queue of real articles (English news prose from the
extraction corpus, ``../shared``; the bundled sample and seeds when it is absent), in a
fresh process with a fresh ``READER_HOME`` (cold speech cache). Times come from the
audio thread itself: the moment each queued item starts sounding.

* ``gaps``: between articles, from the end of the last audio of one article (its start
  plus its length) to the first audio of the next (the spoken "Next: ..." line), target
  <= 300 ms with the neural voice; between the sentences of one article, the silence
  beyond the pause the text asks for (target: none: under one device buffer, 40 ms).
* ``keys``: from the call to the sound: pause (the audio stops) and resume (it goes on),
  target <= 50 ms; a skip of 15 s, of a sentence, to the next article (the new audio
  starts), target <= 300 ms neural, <= 100 ms eSpeak. Median and worst of ``--runs``.
  Each key comes after ``--spacing`` seconds of listening (4 by default: someone
  listening; 1.5 gives keys in quick succession, where what a skip lands on is less
  often made in advance).
* ``hour``: ``--minutes`` of queue (>= 20 for the figures in docs/benchmarks.md) with the neural
  voice: the process's CPU time over wall time (share of one core; target <= 10%), and
  its resident memory sampled every 10 s: growth as the median of the second half
  against the first's, and by least squares, extrapolated to two hours (target < 30
  MB). Both start after the first article, once the voice and caches are in.
* ``start``: ``reader listen ID`` from the command to the first audio (its "Playing:"
  line is printed when the first audio starts sounding), side by side with Piper's own
  API loading the voice and making its first audio in a bare process; target <= 1.5 s.
  The TUI's start-up is ``python -m benchmarks.tui``.

Shared, noisy machine: medians of several runs, the load (``os.getloadavg``) printed
beside each part; ratios matter more than absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def articles(count: int, words: int) -> list[dict[str, Any]]:
    """``count`` articles of about ``words`` words each (title, site, paragraphs): real
    English news prose from the extraction corpus, no paragraph twice; the bundled
    sample and seeds when the corpus is absent."""
    from benchmarks.speech import CORPUS, corpus_text

    if CORPUS.exists():
        paragraphs = corpus_text(count * words + 200).split("\n\n")
        found: list[dict[str, Any]] = []
        current: list[str] = []
        for paragraph in paragraphs:
            current.append(paragraph)
            if sum(len(p.split()) for p in current) >= words:
                title = " ".join(current[0].split()[:8]).rstrip(",.;:")
                found.append(
                    {"title": title, "site": f"site{len(found)}.example", "paragraphs": current}
                )
                current = []
                if len(found) == count:
                    return found
    from reader.extract import extract

    seeds = sorted((ROOT / "tests" / "data" / "seeds").glob("*.txt"))
    sources = [ROOT / "assets" / "sample-scrape.txt", *seeds]
    found = []
    while len(found) < count:
        article = extract(str(sources[len(found) % len(sources)]))
        paragraphs = [b.text for b in article.blocks if b.kind == "paragraph"]
        title, site = article.title or "Untitled", article.site or "example.org"
        found.append({"title": title, "site": site, "paragraphs": paragraphs})
    return found


# The child: a player over a queue of the given articles, instrumented on the audio thread.
CHILD = textwrap.dedent(
    """
    import json, os, sys, threading, time
    spec = json.loads(sys.argv[1])
    from reader.text.article import Article, Block
    from reader.config import Settings
    from reader.library import Library
    from reader.listening.player import SessionPlayer
    from reader.listening.shelf import LibraryShelf
    from reader.listening.events import Stopped, Started
    library = Library.open()
    ids = []
    for n, a in enumerate(spec["articles"]):
        article = Article(blocks=tuple(Block("paragraph", p) for p in a["paragraphs"]),
                          title=a["title"], site=a["site"], language="en", source=f"bench:{n}")
        ids.append(library.add(article, find_similar=False).id)
    library.enqueue(ids)
    player = SessionPlayer(Settings(rate=spec["rate"]), LibraryShelf(library), null_audio=True)
    starts = []  # (monotonic, tag) as each item starts sounding
    inner = player.output.on_start
    def on_start(tag):
        if spec.get("record", True):  # the tags hold the audio: not over an hour
            starts.append((time.monotonic(), tag))
        inner(tag)
    player.output.on_start = on_start
    ended = threading.Event()
    def on_event(e):
        if isinstance(e, Stopped) and e.reason != "stopped":
            ended.set()
    player.subscribe(on_event)
    def new_audio_after(t0, generation):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for when, tag in list(starts):
                fresh = getattr(tag, "generation", -1) > generation
                kind = getattr(tag, "kind", "")
                sound = kind == "announce" or getattr(tag, "chunk", None) is not None
                if when >= t0 and fresh and sound:  # a sentence, or the spoken "Next: ..."
                    return when - t0
            time.sleep(0.001)
        return float("nan")
    exec(spec["code"])
    player.close()
    """
)

GAPS = textwrap.dedent(
    """
    player.play_queue(announce=False)
    ended.wait(3600)
    out, last_end, last_program, within = [], None, None, []
    for when, tag in starts:
        if tag is None:
            continue  # an untagged piece of the player's own lines ("Finished: ...")
        kind, chunk, program = tag.kind, tag.chunk, tag.program
        if kind == "chunk" and chunk is not None and chunk.pcm:
            if last_end is not None and program is last_program:
                within.append(when - last_end)
            last_end, last_program = when + chunk.duration + chunk.pause_after, program
        elif kind == "announce" and last_end is not None and program is not last_program:
            out.append(when - (last_end - 0.0))
    print(json.dumps({"between": out, "within": within}))
    """
)

KEYS = textwrap.dedent(
    """
    def played_stops_within(limit=1.0):
        t0 = time.monotonic(); last = player.output.played_seconds; still_since = None
        while time.monotonic() - t0 < limit:
            now = player.output.played_seconds
            if now == last:
                still_since = still_since or time.monotonic()
                if time.monotonic() - still_since > 0.1:
                    return still_since - t0
            else:
                still_since, last = None, now
            time.sleep(0.001)
        return float("nan")
    def played_goes_within(limit=1.0):
        t0 = time.monotonic(); start = player.output.played_seconds
        while time.monotonic() - t0 < limit:
            if player.output.played_seconds > start:
                return time.monotonic() - t0
            time.sleep(0.001)
        return float("nan")
    player.play_queue(announce=False)
    while not any(getattr(t, "chunk", None) is not None for _, t in starts):
        time.sleep(0.01)
    time.sleep(2)
    result = {"pause": [], "resume": [], "sentence": [], "seconds15": [], "article": []}
    for _ in range(spec["runs"]):
        t0 = time.monotonic(); player.pause(); result["pause"].append(t0 and played_stops_within())
        time.sleep(0.3)
        t0 = time.monotonic(); player.resume(); result["resume"].append(played_goes_within())
        time.sleep(1.0)
        for name, act in (("sentence", lambda: player.skip_sentence(1)),
                          ("seconds15", lambda: player.skip_time(15)),
                          ("article", player.next_article)):
            time.sleep(spec["spacing"])
            g = player.generation; t0 = time.monotonic(); act()
            result[name].append(new_audio_after(t0, g))
    print(json.dumps(result))
    """
)

HOUR = textwrap.dedent(
    """
    import resource
    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    def cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime
    from reader.listening.events import Finished
    heard_ends = []
    player.subscribe(lambda e: heard_ends.append(1) if isinstance(e, Finished) else None)
    player.play_queue(announce=False)
    t0, c0 = time.monotonic(), cpu()
    samples = []
    first_article_done = None
    while time.monotonic() - t0 < spec["minutes"] * 60 and not ended.is_set():
        time.sleep(10)
        samples.append((time.monotonic() - t0, rss_mb(), cpu() - c0))
    player.stop()
    wall, used = time.monotonic() - t0, cpu() - c0
    print(json.dumps({"wall": wall, "cpu": used, "samples": samples,
                      "articles": len(heard_ends)}))
    """
)


def child(code: str, spec: dict[str, Any], engine: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "READER_HOME": home, "PYTHONPATH": str(ROOT)}
        if engine == "espeak":
            env["READER_SPEECH_ENGINE"] = "espeak"
        else:
            env.pop("READER_SPEECH_ENGINE", None)
        result = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps({**spec, "code": code})],
            env=env,
            capture_output=True,
            text=True,
            timeout=4 * 3600,
        )
    if result.returncode != 0:
        raise SystemExit(f"child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def ms(values: list[float]) -> str:
    good = [v for v in values if v == v]
    if not good:
        return "n/a"
    return f"median {statistics.median(good) * 1000:6.0f} ms, worst {max(good) * 1000:6.0f} ms"


def part_gaps(engines: list[str]) -> None:
    spec = {"articles": articles(4, 120), "rate": 175, "runs": 0}
    for engine in engines:
        print(f"gaps ({engine}, 4 articles of ~120 words, 175 wpm; {load()})")
        found = child(GAPS, spec, engine)
        between, within = found["between"], found["within"]
        print(f"  between articles: {ms(between)}  (n={len(between)}; target <= 300 ms)")
        late = [w for w in within if w > 0.04]
        print(
            f"  between sentences, beyond the pause asked: {ms([max(0, w) for w in within])}"
            f"  ({len(late)} of {len(within)} over 40 ms)"
        )


def part_keys(engines: list[str], runs: int, spacing: float) -> None:
    spec = {"articles": articles(8, 400), "rate": 175, "runs": runs, "spacing": spacing}
    for engine in engines:
        print(
            f"keys ({engine}, {runs} runs each, {spacing:g} s of listening before each; {load()})"
        )
        found = child(KEYS, spec, engine)
        target = 0.3 if engine == "piper" else 0.1
        for name, label, limit in (
            ("pause", "pause -> silence", 0.05),
            ("resume", "resume -> sound", 0.05),
            ("sentence", "next sentence -> its sound", target),
            ("seconds15", "15 s on -> the sound there", target),
            ("article", "next article -> its sound", target),
        ):
            print(f"  {label:30s} {ms(found[name])}  (target <= {limit * 1000:.0f} ms)")


def part_hour(minutes: float) -> None:
    count = max(4, int(minutes * 175 / 350) + 2)  # twice what the minutes need
    spec = {
        "articles": articles(count, 700),
        "rate": 175,
        "runs": 0,
        "minutes": minutes,
        "record": False,
    }
    print(f"hour (piper, {minutes:g} min of a queue of {count} articles; {load()})")
    found = child(HOUR, spec, "piper")
    share = found["cpu"] / found["wall"]
    samples = found["samples"]
    steady = [s for s in samples if s[0] >= 120] or samples
    slope = 0.0
    if len(steady) >= 3:
        xs = [s[0] for s in steady]
        ys = [s[1] for s in steady]
        mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
            (x - mean_x) ** 2 for x in xs
        )
    print(f"  wall {found['wall'] / 60:.1f} min, {found['articles']} articles heard to the end")
    print(f"  CPU: {share * 100:.1f}% of one core on average (target <= 10%)")
    # The reference: Piper's own API making the same amount of speech, in a bare process.
    words = int(found["wall"] / 60 * 175)
    piper_cpu = _piper_cpu(words)
    print(
        f"  reference: Piper's API alone makes those {words} words with "
        f"{piper_cpu / found['wall'] * 100:.1f}% of one core over the same time "
        f"(reader's share / Piper's: {share / (piper_cpu / found['wall']):.2f}x)"
    )
    # Resident memory moves in steps and spikes (onnxruntime's arena while a long
    # sentence runs, the allocator giving pages back): the median of the second half of
    # the steady part against the first half's, extrapolated linearly to two hours,
    # beside the least-squares slope (which one spike swings).
    half = len(steady) // 2 or 1
    early, late = steady[:half], steady[half:] or steady
    step = statistics.median(r for _, r, _ in late) - statistics.median(r for _, r, _ in early)
    span = statistics.fmean(t for t, _, _ in late) - statistics.fmean(t for t, _, _ in early)
    print(
        f"  memory: {steady[0][1]:.0f} MB after 2 min, {samples[-1][1]:.0f} MB at the end, "
        f"{min(r for _, r, _ in steady):.0f}-{max(r for _, r, _ in steady):.0f} MB in between"
    )
    print(
        f"  growth: median of the second half minus the first's {step:+.1f} MB over "
        f"{span / 60:.1f} min -> {step * 7200 / max(span, 1):+.1f} MB over two hours; "
        f"least squares {slope * 7200:+.1f} MB over two hours (target < 30 MB)"
    )


def _piper_cpu(words: int) -> float:
    """CPU seconds (user + system) of a bare process in which Piper's API loads the
    bundled voice and synthesizes ``words`` words of the same corpus prose, its
    onnxruntime threads sleeping between runs as reader's do when listening."""
    from benchmarks.speech import corpus_text
    from reader.speech.piper import bundled_models

    model = bundled_models()[0]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(corpus_text(words))
    from benchmarks.voice import SPIN_PREFIX  # onnxruntime's threads sleep, as reader's do

    code = SPIN_PREFIX + (
        "import resource, sys\nfrom piper import PiperVoice, SynthesisConfig\n"
        f"voice = PiperVoice.load({str(model.model)!r}, config_path={str(model.config)!r})\n"
        "config = SynthesisConfig(normalize_audio=False)\n"
        "for paragraph in open(sys.argv[1], encoding='utf-8').read().split('\\n\\n'):\n"
        "    for chunk in voice.synthesize(paragraph, syn_config=config):\n"
        "        pass\n"
        "r = resource.getrusage(resource.RUSAGE_SELF)\nprint(r.ru_utime + r.ru_stime)\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, handle.name],
            env={**os.environ, "READER_BENCH_NO_SPIN": "1"},
            check=True,
            capture_output=True,
            text=True,
            timeout=3600,
        )
    finally:
        os.unlink(handle.name)
    return float(done.stdout.strip().splitlines()[-1])


def _piper_reference() -> float:
    """A bare process: import Piper, load the bundled voice, make the first audio."""
    from reader.speech.piper import bundled_models

    model = bundled_models()[0]
    code = (
        "import sys\nfrom piper import PiperVoice\n"
        f"voice = PiperVoice.load({str(model.model)!r}, config_path={str(model.config)!r})\n"
        "chunk = next(iter(voice.synthesize('The rivers rise in spring.')))\n"
        "print('first audio', flush=True)\n"
    )
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=120)
    return time.monotonic() - t0


def _listen_start(home: str, ident: int) -> float:
    env = {**os.environ, "READER_HOME": home, "PYTHONPATH": str(ROOT)}
    env.pop("READER_SPEECH_ENGINE", None)
    t0 = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "reader", "listen", str(ident)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    took = float("nan")
    for line in process.stdout:
        if line.startswith("Playing: "):
            took = time.monotonic() - t0
            break
    process.kill()
    process.wait(10)
    return took


def part_start(runs: int) -> None:
    print(f"start (reader listen ID vs Piper's API loading and speaking; {runs} runs; {load()})")
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "READER_HOME": home, "PYTHONPATH": str(ROOT)}
        sample = str(ROOT / "assets" / "sample-scrape.txt")
        subprocess.run(
            [sys.executable, "-m", "reader", "add", sample],
            env=env,
            check=True,
            capture_output=True,
        )
        for _ in range(runs):
            ours.append(_listen_start(home, 1))
            theirs.append(_piper_reference())
    a, b = statistics.median(ours), statistics.median(theirs)
    runs_ours = ", ".join(f"{x:.2f}" for x in ours)
    runs_theirs = ", ".join(f"{x:.2f}" for x in theirs)
    print(f"  reader listen ID -> first audio: median {a:.2f} s ({runs_ours}; target <= 1.5 s)")
    print(f"  Piper API load + first audio:    median {b:.2f} s ({runs_theirs})")
    print(f"  ratio reader / Piper: {a / b:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("gaps", "keys", "hour", "start"))
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--engine", choices=("piper", "espeak", "both"), default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--spacing", type=float, default=4.0, help="seconds of listening before each key"
    )
    args = parser.parse_args(argv)
    engines = ["piper", "espeak"] if args.engine == "both" else [args.engine]
    if args.only in (None, "gaps"):
        part_gaps(engines)
    if args.only in (None, "keys"):
        part_keys(engines, args.runs, args.spacing)
    if args.only in (None, "start"):
        part_start(args.runs)
    if args.only in (None, "hour"):
        part_hour(args.minutes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
