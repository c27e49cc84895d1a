"""The neural voice: Piper with the bundled en_US-joe-medium model, through reader's API.

These use the real model (63 MB, loaded once per process in about a second) and keep
their texts short. The engine thread is fresh for each test (the ``piper`` marker: see
conftest), so Piper's voices come first, as they do for users.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reader.cli import main
from reader.extract import extract, extract_text
from reader.speech import SpeechError, piper_memory, synthesize, voices
from reader.speech import piper as piper_engine
from reader.speech.pace import heard_wpm
from reader.speech.plan import NEURAL_PIECE
from tests.conftest import ASSETS

pytestmark = [pytest.mark.piper, pytest.mark.timeout(180)]

JOE = "piper/en_US-joe-medium"


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768


def test_the_neural_voice_is_listed_first_and_is_the_default_for_english() -> None:
    found = voices("en")
    assert found[0].id == JOE and found[0].engine == "piper"
    assert found[0].sample_rate == 22050 and found[0].quality == "medium"
    assert any(v.engine == "espeak" for v in found)
    chunks = list(synthesize("Hello there.", language="en", cache="off"))
    assert len(chunks) == 1 and chunks[0].sample_rate == 22050
    audio = samples(chunks[0].pcm)
    assert chunks[0].duration > 0.4 and np.abs(audio).max() > 0.1  # speech, not silence


def test_voices_json_lists_both_engines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["voices", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["id"] == JOE
    assert {"id", "engine", "languages", "name", "quality", "sample_rate"} <= set(listed[0])
    assert {v["engine"] for v in listed} == {"piper", "espeak"}


@pytest.mark.parametrize("wpm", [140, 175, 250])
def test_rate_in_words_a_minute_is_kept_within_ten_percent(wpm: int) -> None:
    # The first 300-odd words of the bundled sample (whole sentences; not the text the
    # voice's pace was measured on), heard with the pauses between sentences
    # (tests/test_speech_rate.py has the faster rates).
    article = extract(str(ASSETS / "sample-scrape.txt"))
    count, end = 0, len(article.text)
    for sentence in article.sentences:
        count += len(article.text[sentence.start : sentence.end].split())
        if count >= 300:
            end = sentence.end
            break
    passage = article.text[:end]
    measured = heard_wpm(passage, synthesize(passage, voice="joe", rate=wpm, cache="off"))
    assert abs(measured - wpm) / wpm < 0.10, (wpm, measured)


def test_the_first_sentence_is_streamed_in_parts_with_a_short_click_free_seam() -> None:
    text = (
        "When the committee finally met on a grey Tuesday morning in the old town hall, "
        "the members agreed after a long and sometimes heated debate that the new library "
        "would open in the spring with longer hours. Then they went home."
    )
    chunks = list(synthesize(text, voice="joe", cache="off"))
    first, rest = chunks[0], chunks[1]
    # The last sentence is whole; every piece is at most NEURAL_PIECE characters.
    assert text[chunks[-1].start : chunks[-1].end] == "Then they went home."
    assert all(c.end - c.start <= NEURAL_PIECE for c in chunks)
    assert text[first.start : first.end] == "When the committee finally met on a grey Tuesday"
    assert rest.start > first.end and first.pause_after == 0
    rate = first.sample_rate
    a, b = samples(first.pcm), samples(rest.pcm)
    # The silence across the seam: trailing quiet of the first part, leading of the next.
    quiet = 0.004
    tail = len(a) - 1 - int(np.flatnonzero(np.abs(a) > quiet)[-1])
    head = int(np.flatnonzero(np.abs(b) > quiet)[0])
    assert (tail + head) / rate + first.pause_after < 0.120
    # No click: both edges fade to (near) zero, so the join has no step.
    assert abs(a[-1]) < 0.01 and abs(b[0]) < 0.01


def test_export_speaks_the_first_sentence_whole() -> None:
    """The quick first part serves listening; export (quick_start=False) asks for the
    first sentence whole: one run of the model fewer, and no seam."""
    from reader.speech import synthesize_article

    text = (
        "When the committee finally met on a grey Tuesday morning in the old town hall, "
        "the members agreed that the new library would open in the spring. Then they "
        "went home."
    )
    article = extract_text(text)
    listened = list(synthesize_article(article, voice="joe", cache="off"))
    exported = list(synthesize_article(article, voice="joe", cache="off", quick_start=False))
    assert len(exported) == len(listened) - 1
    assert article.text[exported[0].start : exported[0].end].endswith("in the spring.")
    assert [(c.start, c.end) for c in exported[1:]] == [(c.start, c.end) for c in listened[2:]]
    assert abs(sum(c.duration for c in exported) - sum(c.duration for c in listened)) < 0.1 * sum(
        c.duration for c in listened
    )


def test_phoneme_brackets_are_read_as_text_not_as_phonemes() -> None:
    # Piper reads [[...]] as raw phonemes; in reader text is text.
    plain = list(synthesize("Say [[ h@l'oU ]] now.", voice="joe", cache="off"))
    assert plain and plain[0].duration > 0.5


def test_say_writes_a_wav_with_the_neural_voice(tmp_path: Path) -> None:
    out = tmp_path / "hello.wav"
    assert main(["say", "Good morning, everyone.", "-o", str(out)]) == 0
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 22050 and wav.getnframes() > 22050 * 0.8


def test_pitch_with_the_neural_voice_says_it_is_not_applied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.wav"
    assert main(["say", "Hello.", "--pitch", "80", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pitch" in err and "joe" in err
    assert out.exists()


def _voice_files(tmp_path: Path, name: str = "en_US-test-medium") -> Path:
    model = tmp_path / f"{name}.onnx"
    shutil.copyfile(piper_engine.bundled_models()[0].model, model)
    config = json.loads(piper_engine.bundled_models()[0].config.read_text("utf-8"))
    config["dataset"] = "testvoice"
    Path(f"{model}.json").write_text(json.dumps(config), "utf-8")
    return model


def test_voices_add_and_rm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _voice_files(tmp_path)
    assert main(["voices", "add", str(model)]) == 0
    assert "added piper/en_US-test-medium" in capsys.readouterr().out
    assert any(v.id == "piper/en_US-test-medium" for v in voices())
    chunks = list(synthesize("Hello.", voice="testvoice", cache="off"))
    assert chunks and chunks[0].duration > 0.2
    assert main(["voices", "add", str(model)]) == 2  # already there
    assert "installed already" in capsys.readouterr().err
    assert main(["voices", "rm", "testvoice"]) == 0
    assert all(v.id != "piper/en_US-test-medium" for v in voices())
    assert main(["voices", "rm", "joe"]) == 2
    assert "ships with reader" in capsys.readouterr().err


def _broken(tmp_path: Path, kind: str) -> Path:
    model = _voice_files(tmp_path, "en_US-broken-low")
    config = Path(f"{model}.json")
    if kind == "truncated":
        model.write_bytes(model.read_bytes()[:100_000])
    elif kind == "not-onnx":
        model.write_bytes(b"this is not a model\n" * 100)
    elif kind == "no-json":
        config.unlink()
    elif kind == "json-of-another-model":
        data = json.loads(config.read_text("utf-8"))
        data["phoneme_id_map"] = {"a": [1]}
        data["num_symbols"] = 1
        config.write_text(json.dumps(data), "utf-8")
    elif kind == "json-not-json":
        config.write_text("{nope", "utf-8")
    elif kind == "json-deep":
        config.write_text("[" * 200_000, "utf-8")
    return model


@pytest.mark.parametrize(
    "kind",
    ["truncated", "not-onnx", "no-json", "json-of-another-model", "json-not-json", "json-deep"],
)
def test_a_broken_voice_is_refused_in_one_line_and_not_added(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _broken(tmp_path, kind)
    assert main(["voices", "add", str(model)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reader: ") and err.count("\n") == 1
    assert str(tmp_path) in err and "Traceback" not in err
    assert all("broken" not in v.id for v in voices())


def test_voices_add_through_the_command_line_in_one_line(tmp_path: Path) -> None:
    model = _broken(tmp_path, "not-onnx")
    result = subprocess.run(
        [sys.executable, "-m", "reader", "voices", "add", str(model)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "not a usable ONNX voice model" in result.stderr


def test_a_voice_folder_with_a_broken_pair_lists_the_others(tmp_path: Path) -> None:
    from reader import locations

    folder = locations.ensure(locations.voices_dir())
    (folder / "junk.onnx").write_bytes(b"junk")
    (folder / "junk.onnx.json").write_text("{}", "utf-8")
    assert voices("en")[0].id == JOE


@pytest.mark.parametrize(
    "text",
    ["", "   \n ", "!!! ... ???", "😀😀😀", "x" * 200_000, "Привет, как дела?"],
    ids=["empty", "blank", "punctuation", "emoji", "200k-no-spaces", "cyrillic"],
)
def test_hostile_text_gives_speech_or_nothing_never_a_hang(text: str) -> None:
    chunks = list(synthesize(text, voice="joe", cache="off"))
    for chunk in chunks:
        assert chunk.sample_rate > 0 and len(chunk.pcm) % 2 == 0


def test_a_broken_model_at_speaking_time_is_an_error_not_silence(tmp_path: Path) -> None:
    from reader import locations

    # A voice pair put in the voices folder (as `voices add` leaves it), damaged later.
    folder = locations.ensure(locations.voices_dir())
    model = _voice_files(folder, "en_US-later-medium")
    assert any(v.id == "piper/en_US-later-medium" for v in voices())
    model.write_bytes(b"damaged after it was added")
    with pytest.raises(SpeechError, match="en_US-later-medium"):
        list(synthesize("Hello.", voice="piper/en_US-later-medium", cache="off"))


def test_word_times_from_the_alignments_point_at_each_written_word() -> None:
    piper_engine.set_word_times(True)
    try:
        text = "The committee met on Tuesday, and the delegates didn't agree."
        (chunk,) = list(synthesize(text, voice="joe", cache="off"))
    finally:
        piper_engine.set_word_times(False)
    spoken = [text[w.start : w.end] for w in chunk.words]
    assert spoken == text.split()
    times = [w.time for w in chunk.words]
    assert times == sorted(times) and times[0] < 0.1 and times[-1] < chunk.duration
    # "committee" (three syllables) takes longer than "met".
    assert times[2] - times[1] > times[3] - times[2]


def test_say_and_export_do_not_patch_the_model_for_word_times() -> None:
    from reader import locations

    list(synthesize("Hello there.", voice="joe", cache="off"))
    assert not list((locations.cache_dir() / "voices").glob("*.aligned.onnx"))


def test_export_with_the_neural_voice_names_it_in_the_tags(tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    from tests.audio.test_audio import decode

    out = tmp_path / "out"
    assert main(["export", str(ASSETS / "sample-page.html"), "-o", str(out), "--quiet"]) == 0
    (mp3,) = out.glob("*.mp3")
    tags = ID3(mp3)
    assert tags["TXXX:reader:voice"].text[0].startswith("joe (piper/en_US-joe-medium), ")
    samples = decode(mp3)
    assert len(samples) / 22050 > 30  # the whole article, spoken
    assert max(abs(x) for x in samples[: 22050 * 5]) > 3000  # speech, not silence


def test_export_sessions_bound_their_threads_and_do_not_spin() -> None:
    model = piper_engine.bundled_models()[0]
    piper_engine.set_threads(1, spinning=False)
    try:
        session = piper_engine.load_voice(model).session
    finally:
        piper_engine.set_threads(0)
    for part in (session.session, session.decoder):  # the split model's two sessions
        options = part.get_session_options()
        assert options.intra_op_num_threads == 1
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    default = piper_engine.load_voice(model).session.get_session_options()
    assert default.intra_op_num_threads == 0
    # Not spinning by default either: the split model's two sessions run in turn.
    assert default.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_cut_phonemes_bounds_each_part_at_word_boundaries() -> None:
    words = ["ðə", "kəmˈɪti", "mˈɛt", "ɔn", "tˈuːzdeɪ"] * 40
    phonemes: list[str] = []
    for n, word in enumerate(words):
        if n:
            phonemes += [",", " "] if n % 7 == 0 else [" "]
        phonemes += list(word)
    parts = piper_memory.cut_phonemes(phonemes, limit=60)
    assert len(parts) > 1
    assert all(0 < len(part) <= 60 for part in parts)
    # Nothing lost but the space at each cut; every cut at a word boundary.
    assert sum(len(p) for p in parts) == len(phonemes) - (len(parts) - 1)
    assert " ".join("".join(p) for p in parts) == "".join(phonemes)
    # A comma in the second half of a part is where it is cut.
    assert sum(part[-1] == "," for part in parts[:-1]) >= len(parts) // 2
    # A short sentence is left whole; one giant word is cut anyway.
    assert piper_memory.cut_phonemes(list("həlˈoʊ")) == [list("həlˈoʊ")]
    assert [len(p) for p in piper_memory.cut_phonemes(["a"] * 130, limit=60)] == [60, 60, 10]


def test_a_long_sentence_is_spoken_in_bounded_runs_with_its_word_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One run of the encoder per at most MAX_PHONEMES phonemes, whatever the sentence,
    and the decoder (nearly all of a run's memory) over spans of at most SPAN_FRAMES
    frames and their context; the cut sentence is all spoken and its words still point
    at the written words."""
    model = piper_engine.bundled_models()[0]
    voice = piper_engine.load_voice(model, words=True)
    assert isinstance(voice.session, piper_memory._Split)
    lengths: list[int] = []
    spans: list[int] = []
    encoder, decoder = voice.session.session, voice.session.decoder

    class Spy:
        def __init__(self, session: Any, seen: list[int], field: str) -> None:
            self.wrapped, self.seen, self.field = session, seen, field

        def run(self, names, feeds, run_options=None):
            self.seen.append(int(feeds[self.field].shape[-1]))
            return self.wrapped.run(names, feeds, run_options)

        def __getattr__(self, name: str) -> object:
            return getattr(self.wrapped, name)

    monkeypatch.setattr(voice.session, "session", Spy(encoder, lengths, "input"))
    latent = voice.session._latent
    monkeypatch.setattr(voice.session, "decoder", Spy(decoder, spans, latent))
    # No "of the" or "had been": eSpeak says those as one word, and a sentence with
    # them gets no word times at all (cut or not).
    text = (
        "Delegates representing northern provinces, travelling three days through heavy "
        "snow, listened patiently while ministers explained why railways promised twenty "
        "years earlier would again be delayed until parliament approved another budget, "
        "prompting angry speeches, long silences, and finally reluctant agreement among "
        "exhausted participants."
    )
    from piper import SynthesisConfig

    result = piper_engine.synthesize_pcm(
        voice, text, SynthesisConfig(normalize_audio=False), None, words=True
    )
    assert len(lengths) >= 2  # one sentence, more than one run
    # Piper's ids: a pad after each phoneme, and the start and end marks.
    assert max(lengths) <= 2 * piper_memory.MAX_PHONEMES + 3
    assert len(spans) > len(lengths)  # a run's frames decoded in spans
    assert max(spans) <= piper_memory.SPAN_FRAMES + 2 * piper_memory.CONTEXT_FRAMES
    assert len(result.pcm) / 2 / result.sample_rate > 12  # the whole sentence, spoken
    written = [text[p : p + n] for p, n, _ in result.words]
    assert [w.strip(",.") for w in written] == [w.strip(",.") for w in text.split()]
    times = [sample for _, _, sample in result.words]
    assert times == sorted(times)


def test_the_decoder_over_spans_gives_the_samples_of_one_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The split model's decoder run over spans with their context makes the same
    samples as one run over all the frames (the memory bound changes no sound)."""
    model = piper_engine.bundled_models()[0]
    split = piper_engine.load_voice(model).session
    assert isinstance(split, piper_memory._Split)
    rng = np.random.default_rng(7)
    frames = 2 * piper_memory.SPAN_FRAMES + 37
    latent = rng.normal(0, 1, (1, 192, frames)).astype(np.float32)
    whole = split.decoder.run(None, {split._latent: latent})[0]
    spans: list[int] = []
    run = split.decoder.run

    class Spy:
        def run(self, names, feeds, run_options=None):
            spans.append(int(feeds[split._latent].shape[-1]))
            return run(names, feeds, run_options)

    monkeypatch.setattr(split, "decoder", Spy())
    pieced = split.decode(latent)
    assert len(spans) == 3 and max(spans) < frames
    assert pieced.shape == whole.shape
    assert np.abs(pieced - whole).max() < 1e-4


@pytest.mark.parametrize(
    ("returned", "followed"),
    [(True, False), (True, True), (False, False)],
    ids=["listening", "pieces-queued", "export"],
)
def test_a_voice_about_to_idle_gives_its_memory_back(
    monkeypatch: pytest.MonkeyPatch, returned: bool, followed: bool
) -> None:
    """Listening (the default): a piece with nothing queued behind it runs both
    sessions with onnxruntime's arena shrink and trims the C heap after it; pieces
    queued together keep their buffers, and export keeps them always."""
    monkeypatch.setattr(piper_engine, "_returning", True)
    piper_engine.set_memory_returned(returned)
    model = piper_engine.bundled_models()[0]
    voice = piper_engine.load_voice(model)
    split = voice.session
    assert isinstance(split, piper_memory._Split)
    split.followed = followed
    giving = returned and not followed
    key = "memory.enable_memory_arena_shrinkage"
    seen: list[str] = []
    trims: list[int] = []

    class Spy:
        def __init__(self, session: Any) -> None:
            self.wrapped = session

        def run(self, names, feeds, run_options=None):
            try:
                seen.append(run_options.get_run_config_entry(key))
            except RuntimeError:  # no such entry
                seen.append("")
            return self.wrapped.run(names, feeds, run_options)

        def __getattr__(self, name: str) -> object:
            return getattr(self.wrapped, name)

    monkeypatch.setattr(split, "session", Spy(split.session))
    monkeypatch.setattr(split, "decoder", Spy(split.decoder))
    monkeypatch.setattr(piper_memory, "_trim_heap", lambda: trims.append(1))
    from piper import SynthesisConfig

    text = "The first sentence is short. The second one is a little longer than that."
    config = SynthesisConfig(normalize_audio=False)
    result = piper_engine.synthesize_pcm(voice, text, config, None)
    assert len(result.pcm) / 2 / result.sample_rate > 2
    assert len(seen) >= 4  # two pieces, each an encoder run and a decoder run
    assert seen == ["cpu:0" if giving else ""] * len(seen)
    assert len(trims) == (2 if giving else 0)


def test_a_model_that_cannot_be_split_runs_whole_and_gives_its_memory_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(piper_memory, "split_model", lambda model: None)
    model = piper_engine.bundled_models()[0]
    voice = piper_engine.load_voice(model)
    assert isinstance(voice.session, piper_memory._Returning)
    from piper import SynthesisConfig

    result = piper_engine.synthesize_pcm(
        voice, "A short sentence.", SynthesisConfig(normalize_audio=False), None
    )
    assert len(result.pcm) / 2 / result.sample_rate > 0.5


def test_text_in_a_script_the_neural_voice_cannot_read_is_read_by_espeak_with_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "zh.wav"
    assert main(["say", "你好，世界。今天天气很好。", "--voice", "joe", "-o", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "reader: the text is in Han script, which joe (piper/en_US-joe-medium) cannot read: "
        "read with Chinese (Mandarin, latin as English) (sit/cmn)"
    ]
    with wave.open(str(out)) as wav:
        audio = samples(wav.readframes(wav.getnframes()))
        assert len(audio) / wav.getframerate() > 1.0
    assert np.abs(audio).max() > 0.1  # spoken, not silence
    assert main(["say", "Hello there.", "--voice", "joe", "-o", str(tmp_path / "en.wav")]) == 0
    assert capsys.readouterr().err == ""


def test_the_lexicon_and_the_cache_serve_the_neural_voice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A respelling reaches Piper as text before its phonemizer (as for eSpeak), and a
    sentence once spoken comes from the cache, keyed by engine and voice: eSpeak's
    entry for the same words does not stand in for joe's."""
    from reader import locations

    locations.lexicon_file().parent.mkdir(parents=True, exist_ok=True)
    locations.lexicon_file().write_text('[en]\nNguyen = "Win"\n', "utf-8")
    given: list[str] = []
    real = piper_engine.PiperEngine.synthesize

    def spy(self: piper_engine.PiperEngine, text: str, cancel: object) -> object:
        given.append(text)
        return real(self, text, cancel)  # type: ignore[arg-type]

    monkeypatch.setattr(piper_engine.PiperEngine, "synthesize", spy)
    text = "Doctor Nguyen spoke first."
    (espeak,) = synthesize(text, voice="en-us", cache="use")
    assert given == []  # eSpeak spoke that one
    (first,) = synthesize(text, voice="joe", cache="use")
    assert given == ["Doctor Win spoke first."]
    (again,) = synthesize(text, voice="joe", cache="use")
    assert given == ["Doctor Win spoke first."]  # from the cache
    assert again.pcm == first.pcm and first.pcm != espeak.pcm


def test_a_first_sentence_already_in_the_cache_whole_is_not_cut_again() -> None:
    # Listening on makes each sentence whole (and caches it); a skip back or ahead to one
    # of them then plays the cached sound at once instead of cutting it for a quick start.
    text = (
        "The first sentence of the piece is here and it is long enough to be cut. "
        "The second sentence of the piece goes on for a while after the first one ends."
    )
    second = text.index("The second")
    first_run = list(synthesize(text, voice="joe"))
    assert text[first_run[-1].start : first_run[-1].end] == text[second:]  # made whole
    later = list(synthesize(text[second:], voice="joe", cache="read"))
    assert len(later) == 1 and later[0].pcm == first_run[-1].pcm
    # Not in the cache: cut for a quick first part, as before.
    fresh = list(synthesize(text[second:], voice="joe", cache="off"))
    assert len(fresh) == 2


def test_a_cancelled_synthesis_ends_the_model_run_in_progress() -> None:
    # A skip must not wait for a long sentence nobody will hear: the run is interrupted.
    import threading

    from piper import SynthesisConfig

    voice = piper_engine.load_voice(piper_engine.bundled_models()[0])
    session = voice.session
    cancel = threading.Event()

    def set_when_running() -> None:
        while session._running is None and not cancel.wait(0.001):
            pass
        cancel.set()

    watcher = threading.Thread(target=set_when_running, daemon=True)
    watcher.start()
    # One run of the model (under MAX_PHONEMES): left alone it would run to its end and
    # its audio would come back.
    text = "The committee met on a grey morning in the old town hall by the river."
    result = piper_engine.synthesize_pcm(
        voice, text, SynthesisConfig(normalize_audio=False), cancel
    )
    watcher.join(5)
    assert cancel.is_set()
    assert result.pcm == b""
    # The session is whole afterwards: the next run makes its audio.
    again = piper_engine.synthesize_pcm(voice, "Then they went home.", SynthesisConfig(), None)
    assert len(again.pcm) > 0


def test_the_encoder_is_kept_optimized_and_says_the_same() -> None:
    """The first load writes the encoder's optimized graph beside the split model; the
    next ones open it with optimization off (most of a voice's load), and it gives the
    same numbers to the bit. A damaged copy is made again, never an error."""
    import onnxruntime

    from reader.speech import piper_sessions

    model = piper_engine.bundled_models()[0]
    split = piper_engine.split_files(model)
    assert split is not None
    ready = piper_sessions.prepared_path(split[0])
    ready.unlink(missing_ok=True)
    first = piper_engine.load_voice(model).session
    assert ready.is_file()
    second = piper_engine.load_voice(model).session
    level = second.session.get_session_options().graph_optimization_level
    assert level == onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    ids = np.array([[1, 0, 20, 0, 31, 0, 44, 0, 59, 0, 2]], dtype=np.int64)
    feeds = {
        "input": ids,
        "input_lengths": np.array([ids.shape[1]], dtype=np.int64),
        "scales": np.array([0.0, 1.0, 0.0], dtype=np.float32),  # no noise: repeatable
    }
    plain = piper_sessions.open_session("joe", split[0], piper_sessions.new_options(0, False))
    want = plain.run(None, feeds)
    for session in (first.session, second.session):
        got = session.run(None, feeds)
        assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))
    ready.write_bytes(b"not a model")
    again = piper_engine.load_voice(model).session
    assert again.session.run(None, feeds)[0].shape == want[0].shape
    assert ready.stat().st_size > 1_000_000  # written again
