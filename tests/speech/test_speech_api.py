"""reader.speech on the real engine: chunks, offsets, words, laziness, threads, bad input."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import reader.speech as speech
from reader.errors import ConfigError
from reader.speech import Chunk, SpeechError
from reader.text.article import Article, Block

TEXT = (
    "The first sentence is short. The second one costs $5.99 at https://example.com/x.\n\n"
    "A new paragraph starts here! Does it end with a question?"
)


def collect(text: str, **options: object) -> list[Chunk]:
    return list(speech.synthesize(text, **options))  # type: ignore[arg-type]


@pytest.mark.timeout(60)
def test_every_sentence_is_a_chunk_with_audio_offsets_words_and_pauses() -> None:
    chunks = collect(TEXT, voice="en")
    spoken = [TEXT[c.start : c.end] for c in chunks]
    assert spoken == [
        "The first sentence is short.",
        "The second one costs $5.99 at https://example.com/x.",
        "A new paragraph starts here!",
        "Does it end with a question?",
    ]
    for chunk in chunks:
        assert chunk.sample_rate == 22050
        assert len(chunk.pcm) % 2 == 0 and chunk.duration > 0.5
        assert any(chunk.pcm[i] for i in range(0, len(chunk.pcm), 101))  # not silence
        times = [w.time for w in chunk.words]
        assert times == sorted(times) and 0 <= times[0] < chunk.duration
        for word in chunk.words:
            assert chunk.start <= word.start < word.end <= chunk.end
    assert [TEXT[w.start : w.end] for w in chunks[0].words] == [
        "The",
        "first",
        "sentence",
        "is",
        "short",
    ]
    second = [TEXT[w.start : w.end] for w in chunks[1].words]
    assert "$5.99" in second and "https://example.com/x" in second  # rewritten, mapped back
    assert [c.pause_after for c in chunks] == [0.25, 0.6, 0.25, 0.0]


@pytest.mark.timeout(60)
def test_settings_give_the_defaults(reader_home: Path) -> None:
    config = reader_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("pause_sentence_ms = 100\nrate = 300\n")
    fast = collect("One two three four five six seven. Eight.", voice="en")
    slow = collect("One two three four five six seven. Eight.", voice="en", rate=120)
    assert fast[0].pause_after == pytest.approx(0.1 * 175 / 300)  # pauses follow the rate
    assert slow[0].duration > fast[0].duration * 1.8


@pytest.mark.timeout(60)
def test_article_offsets_pauses_and_language_voice() -> None:
    article = Article(
        blocks=(
            Block("heading", "Une histoire"),
            Block("paragraph", "Il était une fois un roi. Il avait trois filles."),
            Block("paragraph", "Fin de l'histoire."),
        ),
        title="Le conte",
        language="fr",
    )
    text = article.text
    chunks = list(speech.synthesize_article(article))
    assert [text[c.start : c.end] for c in chunks] == [
        "Le conte",
        "Une histoire",
        "Il était une fois un roi.",
        "Il avait trois filles.",
        "Fin de l'histoire.",
    ]
    assert [c.pause_after for c in chunks] == [0.8, 0.8, 0.25, 0.6, 0.0]
    # a passage: offsets stay into article.text, cut sentences are spoken from the cut
    start = text.index("une fois")
    end = text.index("trois") + len("trois")
    part = list(speech.synthesize_article(article, start, end))
    assert [text[c.start : c.end] for c in part] == ["une fois un roi.", "Il avait trois"]
    with pytest.raises(ValueError):
        speech.synthesize_article(article, 5, len(text) + 1)


@pytest.mark.timeout(60)
def test_first_chunk_comes_before_later_sentences_are_synthesized() -> None:
    speech.warm_up(voice="en")
    text = " ".join(f"Sentence number {i} is here." for i in range(2000))
    iterator = speech.synthesize(text, voice="en")
    first = next(iterator)
    assert text[first.start : first.end] == "Sentence number 0 is here."
    iterator.close()  # stops the work: the engine thread is free again at once
    start = time.perf_counter()
    assert collect("Quick one.", voice="en")
    assert time.perf_counter() - start < 5  # not stuck behind 2,000 queued sentences


@pytest.mark.timeout(60)
def test_cancel_event_stops_the_stream() -> None:
    cancel = threading.Event()
    got = []
    for chunk in speech.synthesize("One. Two. Three. Four. Five. Six.", voice="en", cancel=cancel):
        got.append(chunk)
        cancel.set()
    assert len(got) == 1


@pytest.mark.timeout(90)
def test_replay_comes_from_the_cache_and_corrupt_entries_are_rewritten(reader_home: Path) -> None:
    # eSpeak NG's noise source makes every synthesis differ slightly, so identical
    # bytes prove the audio came from the cache.
    first = collect(TEXT, voice="en")
    cached = sorted((reader_home / "cache" / "speech").rglob("*.pcm"))
    assert len(cached) == 4
    second = collect(TEXT, voice="en")
    assert [c.pcm for c in second] == [c.pcm for c in first]
    assert [c.words for c in second] == [c.words for c in first]
    for path in cached:  # corrupt every entry: each is ignored and rewritten
        path.write_bytes(path.read_bytes()[:-7])
    third = collect(TEXT, voice="en")
    assert [c.pcm for c in third] != [c.pcm for c in first]
    assert [abs(a.duration - b.duration) < 0.2 for a, b in zip(first, third, strict=True)]
    assert sorted((reader_home / "cache" / "speech").rglob("*.pcm")) == cached
    fourth = collect(TEXT, voice="en")
    assert [c.pcm for c in fourth] == [c.pcm for c in third]


@pytest.mark.timeout(60)
def test_many_threads_at_once() -> None:
    results: dict[int, list[Chunk]] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = collect(f"Thread {i} says hello. And goodbye.", voice="en")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    assert not errors
    assert all(len(results[i]) == 2 and results[i][0].duration > 0.5 for i in range(6))


@pytest.mark.timeout(60)
def test_lexicon_applies_and_bad_lexicon_is_a_config_error(reader_home: Path) -> None:
    config = reader_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    lexicon = config / "lexicon.toml"
    plain = collect("Xyzzy.", voice="en")[0]
    lexicon.write_text('[en]\nXyzzy = "a very much longer spoken form than that"\n')
    replaced = collect("Xyzzy.", voice="en")[0]
    assert replaced.duration > plain.duration * 1.5
    assert [w.start for w in replaced.words] == [0]  # every spoken word maps to "Xyzzy"
    lexicon.write_text('[en]\n"/(/" = "x"\n')
    with pytest.raises(ConfigError, match=r"lexicon.toml: \[en\] '/\(/': bad regular"):
        collect("Xyzzy.", voice="en")


# -- bad input -------------------------------------------------------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize("text", ["", "   \n\n\t  "])
def test_empty_and_blank_text_yield_nothing(text: str) -> None:
    assert collect(text) == []


@pytest.mark.timeout(60)
def test_a_megabyte_word_is_skipped_quickly() -> None:
    text = "Before. " + "a" * 1_000_000 + " After."
    iterator = speech.synthesize(text, voice="en")
    first = next(iterator)
    assert text[first.start : first.end] == "Before."
    second = next(iterator)
    assert second.pcm == b"" and second.words == ()  # nothing speakable: a silent chunk
    iterator.close()


@pytest.mark.timeout(60)
def test_control_characters_are_not_read() -> None:
    text = "Bell\x07 and\x00 null\x1b[31m escape."
    (chunk,) = collect(text, voice="en")
    assert chunk.duration > 0.5 and (chunk.start, chunk.end) == (0, len(text))


@pytest.mark.timeout(30)
def test_unknown_voice_is_a_clear_error() -> None:
    with pytest.raises(SpeechError, match="voice 'no-such-voice': not installed"):
        collect("Hello.", voice="no-such-voice")


@pytest.mark.timeout(60)
def test_text_in_another_script_gets_a_voice_that_reads_it() -> None:
    russian = "Привет, как дела у тебя сегодня?"
    (chunk,) = collect(russian, voice="en")
    # read as Russian words, not letter by letter (which takes several times longer)
    assert 1.0 < chunk.duration < 5.0
    assert [russian[w.start : w.end] for w in chunk.words][:2] == ["Привет", "как"]
    (cjk,) = collect("你好世界", voice="en")
    assert cjk.duration > 0.3


@pytest.mark.timeout(60)
def test_tags_and_phonemes_are_read_as_text_not_interpreted() -> None:
    plain = collect("Say hello now.", voice="en")[0]
    tagged = collect(
        'Say <break time="10s"/> [[h@l\'oU]] <prosody rate="x-slow">now</prosody>.', voice="en"
    )[0]
    assert tagged.duration < 10  # the 10 s break was not obeyed
    assert tagged.duration > plain.duration  # the tags were read out as text


@pytest.mark.timeout(60)
def test_no_libespeak_ng_is_a_clear_error_in_a_fresh_process(tmp_path: Path) -> None:
    code = (
        "import reader.speech as s\n"
        "try:\n"
        "    list(s.synthesize('Hello.'))\n"
        "except s.SpeechError as e:\n"
        "    print('ERROR', e)\n"
    )
    env = {"READER_ESPEAK_LIBRARY": str(tmp_path / "missing.so"), "READER_HOME": str(tmp_path)}
    import os

    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=50,
        env={**os.environ, **env},
    )
    assert out.returncode == 0
    assert out.stdout.startswith("ERROR libespeak-ng (")
    assert "not found" in out.stdout
    assert out.stderr == ""


@pytest.mark.timeout(60)
def test_engine_prints_nothing() -> None:
    code = "import reader.speech as s\nprint(len(list(s.synthesize('Hello there. Bye.'))))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=50)
    assert out.stdout == "2\n" and out.stderr == ""


@pytest.mark.timeout(30)
def test_voices_list_and_filter() -> None:
    every = speech.voices()
    english = speech.voices("en")
    assert len(every) > 50 and 0 < len(english) < len(every)
    assert all(any(lang.split("-")[0] == "en" for lang in v.languages) for v in english)
    assert any(v.id == "gmw/en-US" for v in speech.voices("en-US"))


@pytest.mark.timeout(60)
def test_cache_modes_read_writes_nothing_off_ignores_hits(reader_home: Path) -> None:
    folder = reader_home / "cache" / "speech"
    article = Article(
        blocks=(Block("paragraph", "One sentence. Another one."), Block("paragraph", "A third.")),
        title="Cache modes",
        language="en",
    )
    exported = list(speech.synthesize_article(article, cache="read"))
    assert len(exported) >= 3 and not list(folder.rglob("*.pcm"))  # read: nothing stored
    listened = collect(TEXT, voice="en")
    stored = sorted(folder.rglob("*.pcm"))
    assert len(stored) == 4
    # "read" uses the hits (identical bytes: eSpeak's noise makes every synthesis
    # differ) and stores nothing new for a text not heard before.
    again = collect(TEXT, voice="en", cache="read")
    assert [c.pcm for c in again] == [c.pcm for c in listened]
    collect("A sentence nobody listened to.", voice="en", cache="read")
    assert sorted(folder.rglob("*.pcm")) == stored
    # "off" neither reads nor writes.
    fresh = collect(TEXT, voice="en", cache="off")
    assert [c.pcm for c in fresh] != [c.pcm for c in listened]
    assert sorted(folder.rglob("*.pcm")) == stored
    with pytest.raises(ValueError, match="cache must be one of use, read, off"):
        collect(TEXT, cache="sometimes")


@pytest.mark.timeout(90)
def test_export_reads_the_speech_cache_but_writes_nothing_to_it(
    reader_home: Path, tmp_path: Path
) -> None:
    from reader.export import ExportOptions, Job, export_item

    folder = reader_home / "cache" / "speech"
    article = Article(
        blocks=(Block("paragraph", "Heard once already. Never heard before."),),
        title="Export and cache",
        language="en",
    )
    heard = article.text.index("Heard")
    list(speech.synthesize_article(article, heard, heard + len("Heard once already.")))
    stored = sorted(folder.rglob("*.pcm"))
    assert len(stored) == 1
    options = ExportOptions().resolved()
    result = export_item(Job(0, "a", "file:/a", str(tmp_path), options, article=article))
    assert result.status == "exported", result.error
    assert sorted(folder.rglob("*.pcm")) == stored  # nothing new written
