"""Rate that means what it says: the words a minute asked are the words a minute heard.

Heard rate = words of the text over the audio's length from the first sound to the
last, the pauses between sentences and paragraphs included (reader.speech.pace).
Not timings: the audio's length is a property of what the engines make. The passage
is real news prose (the bundled seed scrape, AP's story); one passage varies more
than the articles of ``python -m benchmarks.rate`` (within 10 % there), so 12 % here.
"""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from reader.config import RATE_MAX, RATE_MIN, Settings
from reader.extract import extract_text
from reader.speech import espeak, pace, synthesize_article
from reader.speech.pipeline import Voicing
from reader.speech.plan import Pauses
from reader.speech.stretch import stretch
from reader.speech.types import Chunk
from reader.text.article import Article, Block
from tests.conftest import SEEDS

TOLERANCE = 0.12


def passage(words: int = 180) -> Article:
    """The opening paragraphs of the seed scrape, whole, up to ``words`` words or more."""
    source = (SEEDS / "001_58b20582d475ce50.txt").read_text("utf-8")
    blocks: list[Block] = []
    count = 0
    for block in extract_text(source).blocks:
        if block.kind != "paragraph" or len(block.text.split()) < 15:
            continue
        blocks.append(block)
        count += len(block.text.split())
        if count >= words:
            break
    return Article(blocks=tuple(blocks), language="en")


# -- the rules ------------------------------------------------------------------------------


def test_the_fastest_rate_is_three_times_the_default() -> None:
    assert 3 * Settings().rate <= RATE_MAX and RATE_MIN == espeak.MIN_RATE


def test_pauses_follow_the_rate() -> None:
    user = Settings(pause_sentence_ms=300, pause_paragraph_ms=600, pause_heading_ms=900)
    normal = Voicing.resolve(None, 175, None, None, "en", user).pauses
    fast = Voicing.resolve(None, 350, None, None, "en", user).pauses
    slow = Voicing.resolve(None, 140, None, None, "en", user).pauses
    assert (normal.sentence, normal.paragraph, normal.heading) == pytest.approx((0.3, 0.6, 0.9))
    assert (fast.sentence, fast.paragraph, fast.heading) == pytest.approx((0.15, 0.3, 0.45))
    assert slow.sentence == pytest.approx(0.375)


def test_longer_words_ask_the_engine_for_more_within_bounds() -> None:
    plain = "the cat sat on a mat and it was fine " * 20
    dense = "extraordinary international administrations characteristically " * 20
    assert pace.letters_per_word(plain) == pytest.approx(27 / 10)
    assert pace.engine_rate(175, plain) == round(175 * pace.DENSITY_BOUNDS[0])
    assert pace.engine_rate(175, dense) == round(175 * pace.DENSITY_BOUNDS[1])
    reference = "house table water right houses "  # 5.2 letters a word
    assert pace.REFERENCE_LETTERS == 5.2
    assert pace.engine_rate(300, reference * 10) == 300
    assert pace.engine_rate(300, "") == 300 and pace.count_words("— 3, a b.") == 3


def test_letters_count_as_they_are_said() -> None:
    """Figures, acronyms and symbols take longer to say than to write: a list of them
    asks the engine for more than prose of the same written length."""
    assert pace.spoken_letters("fans,") == 4
    assert pace.spoken_letters("NFL") == pytest.approx(3 * pace.ACRONYM_LETTERS)
    assert pace.spoken_letters("(WCTS)") == pytest.approx(4 * pace.ACRONYM_LETTERS)
    assert pace.spoken_letters("NASA") == 4 and pace.spoken_letters("WOMEN") == 5  # words
    assert pace.spoken_letters("45%") == 2 * pace.DIGIT_LETTERS + pace.SYMBOL_LETTERS["%"]
    assert pace.spoken_letters("—") == 0 and pace.count_words("— 45%") == 1
    figures = "Truth: 45% of NFL fans are female, 46% of MLB fans are female. " * 10
    spelled = "Truth: many of the fans are female, most of the fans are female. " * 10
    assert pace.letters_per_word(figures) > pace.letters_per_word(spelled) + 1
    assert pace.engine_rate(175, figures) > pace.engine_rate(175, spelled)


def test_a_texts_own_pauses_are_estimated_from_its_sentences_and_headings() -> None:
    words = " ".join(["word"] * 99)
    para = f"{words} end. {words} end."
    text = f"Title here\n\n{para}\n\n{para}"
    pauses = Pauses(2.5, 6.0, 8.0)  # after: the title (a heading), a paragraph, 2 sentences
    expected = (8.0 + 6.0 + 2 * 2.5) / (402 * 60 / 175)
    assert pace.pause_share(text, pauses, 175) == pytest.approx(expected)
    assert pace.engine_rate(175, text, pauses) > pace.engine_rate(175, text)
    low, high = pace.PAUSE_SHARE_BOUNDS
    assert pace.pause_share(text, Pauses(0, 0, 0), 175) == low
    assert pace.pause_share("One.\n\nTwo.\n\nThree.", pauses, 175) == high


def test_heard_seconds_count_the_pauses_and_not_the_edges() -> None:
    rate = 1000
    quiet, loud = b"\0\0" * 100, (b"\x10\x27" + b"\xf0\xd8") * 150  # 0.1 s, 0.3 s
    chunks = [
        Chunk(quiet + loud + quiet, rate, 0, 1, (), 0.25),
        Chunk(quiet, rate, 1, 2, (), 0.5),  # nothing to say: still takes its place
        Chunk(loud + quiet, rate, 2, 3, (), 0.6),  # the last pause is not played
    ]
    assert pace.heard_seconds(chunks) == pytest.approx(0.3 + 0.1 + 0.25 + 0.1 + 0.5 + 0.3)
    assert pace.heard_wpm("one two three", chunks) == pytest.approx(3 * 60 / 1.55)
    assert pace.heard_seconds([]) == 0.0


def test_the_stretch_keeps_the_pitch_and_the_length_asked() -> None:
    rate = 22050
    t = np.arange(rate * 2) / rate
    tone = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    for speed in (0.8, 1.5, 2.0, 3.0):
        out = stretch(tone, speed, rate)
        assert len(out) == round(len(tone) / speed)
        middle = out[rate // 10 : -rate // 10]
        crossings = np.count_nonzero(np.diff(np.signbit(middle)))
        assert crossings / 2 / (len(middle) / rate) == pytest.approx(220, rel=0.02)
        # no click: no step larger than the tone's own
        assert np.max(np.abs(np.diff(middle))) <= np.max(np.abs(np.diff(tone))) * 1.05
    assert stretch(tone, 1.0, rate) is not None and len(stretch(tone, 1.0, rate)) == len(tone)


def test_espeak_settings_cover_every_rate_offered() -> None:
    settings = [espeak.rate_setting(r) for r in range(RATE_MIN + 10, RATE_MAX * 6 // 5, 5)]
    values = [s for s, _ in settings]
    assert values == sorted(values) and all(speed == 1.0 for _, speed in settings)
    assert values[-1] <= espeak.MAX_RATE
    # the slowest setting is 80: slower than that is stretched longer
    setting, speed = espeak.rate_setting(70)
    assert setting == espeak.MIN_RATE and speed < 0.9
    # a library without sonic stops at 450: the rest is stretched, not left slow
    setting, speed = espeak.rate_setting(RATE_MAX, sonic=False)
    assert setting == espeak.SONIC_RATE and speed > 1.2
    assert espeak.rate_setting(RATE_MIN, sonic=False) == espeak.rate_setting(RATE_MIN)


# -- the real engines -----------------------------------------------------------------------


def heard(article: Article, voice: str, rate: int) -> tuple[float, list[Chunk]]:
    chunks = list(synthesize_article(article, voice=voice, rate=rate, cache="off"))
    return pace.heard_wpm(article.text, chunks), chunks


@pytest.mark.timeout(120)
@pytest.mark.parametrize("rate", [175, 400, RATE_MAX])
def test_espeak_is_heard_at_the_rate_asked(rate: int) -> None:
    measured, _ = heard(passage(), "en-us", rate)
    assert abs(measured / rate - 1) < TOLERANCE, (rate, measured)


@pytest.mark.timeout(120)
def test_espeak_without_sonic_is_stretched_to_the_rate_asked() -> None:
    from reader.speech.pyttsx3_driver import shared_espeak

    driver = shared_espeak()
    assert driver.sonic  # the espeakng-loader library has it inside
    driver.sonic = False
    try:
        measured, chunks = heard(passage(), "en-us", RATE_MAX)
    finally:
        driver.sonic = True
    assert abs(measured / RATE_MAX - 1) < TOLERANCE, measured
    for chunk in chunks:  # word times moved with the audio
        assert chunk.words and chunk.words[-1].time < chunk.duration


@pytest.mark.piper
@pytest.mark.timeout(300)
def test_the_neural_voice_is_heard_at_the_rate_asked_and_nothing_is_cut() -> None:
    article = passage()
    normal_wpm, normal = heard(article, "joe", 175)
    assert abs(normal_wpm / 175 - 1) < TOLERANCE, normal_wpm
    for rate in (400, RATE_MAX):  # RATE_MAX: length scale at its floor, then stretched
        measured, fast = heard(article, "joe", rate)
        assert abs(measured / rate - 1) < TOLERANCE, (rate, measured)
        # every piece is there and shortened alike: none cut short
        assert [(c.start, c.end) for c in fast] == [(c.start, c.end) for c in normal]
        ratios = [f.duration / n.duration for f, n in zip(fast, normal, strict=True)]
        assert max(ratios) < 1.6 * min(ratios), (rate, ratios)


# -- the front ends -------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reader", *args], capture_output=True, text=True, timeout=120
    )


def seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


@pytest.mark.timeout(120)
def test_say_takes_the_fastest_rate_and_names_the_limits(tmp_path: Path) -> None:
    text = " ".join(block.text for block in passage(60).blocks)
    for rate in (175, RATE_MAX):
        result = run("say", text, "-o", str(tmp_path / f"{rate}.wav"), "--rate", str(rate))
        assert result.returncode == 0, result.stderr
    ratio = seconds(tmp_path / "175.wav") / seconds(tmp_path / f"{RATE_MAX}.wav")
    assert ratio == pytest.approx(RATE_MAX / 175, rel=TOLERANCE)
    for rate in (RATE_MAX + 1, RATE_MIN - 1):
        result = run("say", "hi", "-o", str(tmp_path / "x.wav"), "--rate", str(rate))
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1
        assert f"a whole number from {RATE_MIN} to {RATE_MAX}" in lines[0]
    assert not (tmp_path / "x.wav").exists()


def test_an_added_voices_pace_is_measured_once_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from reader import locations
    from reader.speech import piper

    folder = locations.ensure(locations.voices_dir())
    (folder / "en_US-test-medium.onnx").write_bytes(b"model")
    model = piper.PiperModel(
        "piper/en_US-test-medium",
        "test",
        ("en-US",),
        "medium",
        22050,
        folder / "en_US-test-medium.onnx",
        folder / "en_US-test-medium.onnx.json",
    )
    measured: list[object] = []

    def measure(voice: object) -> piper.Pace:
        measured.append(voice)
        return piper.Pace(0.1, 0.2)

    monkeypatch.setattr(piper, "measure_pace", measure)
    first = piper.voice_pace(model, "voice")
    again = piper.voice_pace(model, "voice")
    assert measured == ["voice"] and piper.calibration_file(model).is_file()
    factor = piper.PROSE_FACTOR
    assert first == again
    assert (first.fixed, first.scaled) == pytest.approx((0.1 * factor, 0.2 * factor))
    (folder / "en_US-test-medium.onnx").write_bytes(b"another model")
    piper.voice_pace(model, "voice")  # a changed model is measured again
    assert len(measured) == 2
