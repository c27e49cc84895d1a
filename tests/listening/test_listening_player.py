"""The session player on the real engine (eSpeak), miniaudio's null backend (real time)
and a real library file: the queue plays on, announcing each article; listened state;
stop keeps the place; pause, skips by sentence and by time; the sleep timer's fade;
stop after this article; a deleted or re-synced queued article; a busy library."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from reader.config import Settings
from reader.library import Library
from reader.listening.events import (
    Event,
    Finished,
    Notice,
    SentenceStarted,
    Started,
    Stopped,
    whole_article,
)
from reader.listening.player import SessionPlayer
from reader.listening.shelf import LibraryShelf
from reader.text.article import Article, Block

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

FAST = Settings(rate=450)


def article(title: str, site: str, *sentences: str) -> Article:
    return Article(
        blocks=(Block("paragraph", " ".join(sentences)),),
        title=title,
        site=site,
        source=f"test:{title}",
    )


FIRST = article(
    "Rivers in spring",
    "rivers.example",
    "The rivers rise in spring.",
    "Snow melts in the hills above the valley.",
    "The water reaches the towns within a week.",
)
SECOND = article(
    "Bridges of the north",
    "bridges.example",
    "Old bridges carry the roads.",
    "Some were built two centuries ago.",
)
LONG = article(
    "A long walk",
    "walks.example",
    *[f"Step {n} of the walk goes along the river and past the mill." for n in range(40)],
)


class Heard:
    """Every event, as it comes (from the player's thread)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)

    def of(self, kind: type) -> list:
        with self.lock:
            return [e for e in self.events if isinstance(e, kind)]

    def chunks(self) -> list[tuple[int, int]]:
        return [(e.chunk.start, e.chunk.end) for e in self.of(SentenceStarted)]


def wait(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


@pytest.fixture
def library() -> Iterator[Library]:
    with Library.open() as opened:
        yield opened


@pytest.fixture
def make(library: Library) -> Iterator[Callable[..., tuple[SessionPlayer, Heard]]]:
    made: list[SessionPlayer] = []

    def build(settings: Settings = FAST) -> tuple[SessionPlayer, Heard]:
        player = SessionPlayer(settings, LibraryShelf(library), null_audio=True)
        heard = Heard()
        player.subscribe(heard)
        made.append(player)
        return player, heard

    yield build
    for player in made:
        player.close()


def test_the_queue_plays_on_announcing_each_article_and_marks_them_listened(
    library: Library, make
) -> None:
    first, second = library.add(FIRST).id, library.add(SECOND).id
    library.enqueue([first, second])
    player, heard = make()
    assert player.play_queue(announce=False)
    wait(lambda: any(s.reason == "end of queue" for s in heard.of(Stopped)))
    started = heard.of(Started)
    assert [s.program.article_id for s in started] == [first, second]
    assert not started[0].following and started[1].following
    assert started[1].text.startswith("Next: Bridges of the north, from bridges.example")
    assert [f.program.article_id for f in heard.of(Finished)] == [first, second]
    # Every sentence of both, in order, nothing twice.
    sentences = [(s.start, s.end) for s in FIRST.sentences] + [
        (s.start, s.end) for s in SECOND.sentences
    ]
    assert heard.chunks() == sentences
    assert library.listened_at(first) and library.listened_at(second)
    assert library.queue() == []
    assert library.get(first).position == 0  # heard to the end: it starts at the top again
    assert player.status == "stopped" and player.program is None


def test_stop_keeps_the_place_and_play_goes_on_from_it(library: Library, make) -> None:
    ident = library.add(LONG).id
    player, heard = make()
    player.play(whole_article(LONG, ident))
    wait(lambda: len(heard.chunks()) >= 4)
    player.stop()
    (stopped,) = heard.of(Stopped)
    place = stopped.place
    assert place == heard.chunks()[-1][0]  # the sentence that was sounding
    wait(lambda: library.get(ident).position == place, 5)  # written as it went
    count = len(heard.chunks())
    time.sleep(0.5)
    assert len(heard.chunks()) == count  # nothing after stop
    player.toggle()  # space: on from where the voice stopped
    wait(lambda: len(heard.chunks()) > count)
    assert heard.chunks()[count][0] == place
    assert ident in library.queue()  # an article read on is now playing: the queue's head


def test_pause_holds_the_sound_and_resume_goes_on(library: Library, make) -> None:
    ident = library.add(LONG).id
    player, _heard = make()
    player.play(whole_article(LONG, ident))
    wait(lambda: player.output.position() is not None)
    time.sleep(0.3)
    player.pause()
    assert player.status == "paused"
    held = player.output.position()
    time.sleep(0.4)
    assert player.output.position() == held  # not a frame played while paused
    player.resume()
    wait(lambda: player.output.position() != held)
    assert player.status == "playing"


def test_skips_by_sentence_and_by_fifteen_seconds(library: Library, make) -> None:
    ident = library.add(LONG).id
    player, heard = make(Settings(rate=300))
    starts = [s.start for s in LONG.sentences]
    player.play(whole_article(LONG, ident))
    wait(lambda: len(heard.chunks()) >= 2)
    player.skip_sentence(1)
    wait(lambda: heard.chunks()[-1][0] == starts[2])
    player.skip_sentence(-1)
    wait(lambda: heard.chunks()[-1][0] == starts[1])
    # Forward 15 s: at 300 wpm a sentence of 12 words takes about 2.7 s with its pause.
    before = player.elapsed()
    player.skip_time(15)
    wait(lambda: heard.chunks()[-1][0] > starts[3])
    moved = player.timeline(player.program).seconds_at(heard.chunks()[-1][0]) - before
    assert 10 < moved < 20
    after = heard.chunks()[-1][0]
    player.skip_time(-15)
    wait(lambda: heard.chunks()[-1][0] < after)
    timeline = player.timeline(player.program)
    back = timeline.seconds_at(after) - timeline.seconds_at(heard.chunks()[-1][0])
    assert 10 < back < 20


def test_the_next_articles_opening_is_made_in_advance(
    library: Library, make, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While one article sounds, the next one's announcement and opening sentences are
    # made into the speech cache, so "next article" (or the end) finds them made.
    from reader.speech import pipeline, synthesize, synthesize_article

    first, second = library.add(LONG).id, library.add(SECOND).id
    library.enqueue([first, second])
    player, heard = make()
    player.play_queue(announce=False)
    wait(lambda: len(heard.chunks()) >= 1)

    def warmed() -> bool:
        speaker = player._speaker
        warming = speaker._warming if speaker is not None else None
        return warming is not None and not warming.is_alive()

    wait(warmed)
    player.stop()

    def made(self: object, item: object) -> None:
        raise AssertionError("synthesized again: not made in advance")

    monkeypatch.setattr(pipeline._PieceSynth, "finish", made)
    line = "Next: Bridges of the north, from bridges.example."
    assert [c.pcm for c in synthesize(line, language="en", settings=FAST, cache="read")]
    opening = synthesize_article(SECOND, settings=FAST, cache="read")
    assert len([next(opening), next(opening)]) == 2
    opening.close()


def test_the_sleep_timer_fades_out_and_play_resumes_where_the_fade_began(
    library: Library, make
) -> None:
    ident = library.add(LONG).id
    player, heard = make()
    player.fade_seconds = 1.0
    player.play(whole_article(LONG, ident))
    wait(lambda: len(heard.chunks()) >= 2)
    player.set_sleep(1 / 60)  # a second from now
    wait(lambda: bool(heard.of(Stopped)), 10)
    (stopped,) = heard.of(Stopped)
    assert stopped.reason == "sleep timer"
    faded_from = stopped.place
    assert faded_from is not None and faded_from in [s.start for s in LONG.sentences]
    count = len(heard.chunks())
    player.toggle()
    wait(lambda: len(heard.chunks()) > count)
    assert heard.chunks()[count][0] == faded_from


def test_stop_after_this_article_does_not_go_on(library: Library, make) -> None:
    first, second = library.add(FIRST).id, library.add(SECOND).id
    library.enqueue([first, second])
    player, heard = make()
    player.set_stop_after(True)
    player.play_queue()
    wait(lambda: bool(heard.of(Stopped)))
    assert [f.program.article_id for f in heard.of(Finished)] == [first]
    assert not any(s.program.article_id == second for s in heard.of(Started))
    assert library.queue() == [second]


def test_a_deleted_queued_article_is_skipped_with_a_notice(library: Library, make) -> None:
    first, gone, second = (library.add(a).id for a in (FIRST, LONG, SECOND))
    library.enqueue([first, gone, second])
    player, heard = make()
    # Another process deletes the middle one while the first plays: its row in the
    # queue goes with it (a cascade); if the player had already made its opening (it
    # works seconds ahead), that is caught as it would start, with one line. Either
    # way it is never heard and the queue goes on.
    player.play_queue()
    wait(lambda: bool(heard.of(Started)))
    library.remove(gone)
    wait(lambda: any(s.reason == "end of queue" for s in heard.of(Stopped)))
    assert [s.program.article_id for s in heard.of(Started)] == [first, second]
    assert all("\n" not in n.text and "Traceback" not in n.text for n in heard.of(Notice))


def test_a_queued_article_missing_from_the_library_is_skipped_with_one_line(
    library: Library, make
) -> None:
    first, second = library.add(FIRST).id, library.add(SECOND).id
    library.enqueue([first, second])

    class Forgetful(LibraryShelf):
        def load(self, article_id: int):  # the second vanishes between queue and load
            if article_id == second:
                from reader.library import NotInLibrary

                raise NotInLibrary(f"article {article_id}", "not in the library")
            return super().load(article_id)

    player = SessionPlayer(FAST, Forgetful(library), null_audio=True)
    heard = Heard()
    player.subscribe(heard)
    try:
        player.play_queue()
        wait(lambda: any(s.reason == "end of queue" for s in heard.of(Stopped)))
    finally:
        player.close()
    (notice,) = heard.of(Notice)
    assert f"Skipped article {second}" in notice.text and "\n" not in notice.text


def test_a_queued_article_re_synced_with_new_text_plays_its_new_text(
    library: Library, make
) -> None:
    first = library.add(FIRST).id
    second = library.add(SECOND, "feed:item").id
    library.enqueue([first, second])
    player, heard = make()
    player.play_queue()
    wait(lambda: bool(heard.of(Started)))
    changed = article("Bridges of the north", "bridges.example", "A new text of the bridges.")
    assert library.add(changed, "feed:item").status == "updated"
    wait(lambda: any(s.reason == "end of queue" for s in heard.of(Stopped)))
    last = heard.of(Started)[-1].program
    assert last.article_id == second and last.article.text == changed.text


def test_a_library_held_by_another_process_does_not_stop_the_voice(library: Library, make) -> None:
    ident = library.add(LONG).id
    player, heard = make()
    player.play(whole_article(LONG, ident))
    wait(lambda: len(heard.chunks()) >= 1)
    other = sqlite3.connect(library.path, isolation_level=None, timeout=1)
    other.execute("BEGIN IMMEDIATE")  # a feed sync's write lock, held
    try:
        count = len(heard.chunks())
        wait(lambda: len(heard.chunks()) >= count + 3, 15)  # the voice goes on
    finally:
        other.execute("ROLLBACK")
        other.close()
    # Written once free: the place is the sentence sounding (or the one just before).
    wait(lambda: library.get(ident).position in {c[0] for c in heard.chunks()[-2:]}, 20)
