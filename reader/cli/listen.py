"""`reader listen`: the session player without the TUI; `reader queue`; `reader mark`.

For a screen-reader user, a second terminal or a headless box. `reader listen` speaks
through the same player as the TUI (:mod:`reader.listening`) and prints one plain line
per event (an article started with its title and length, paused, resumed, next,
stopped, errors): no redraws, no colours unless asked (``--color``), nothing a screen
reader has to fight; ``--quiet`` prints none. On a terminal it reads single keys
(:mod:`reader.cli.keys`); when stdin is not a terminal it just plays. Ctrl-C or q keeps
the place; the exit status is 0 when the queue ends.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from reader.config import Settings
    from reader.library import Library
    from reader.listening.events import Event
    from reader.listening.player import SessionPlayer
    from reader.listening.remote import MediaKeys

KEYS_HELP = (
    "keys: space pause/resume · [ ] or ← → 15 s back/on · p n sentence · P N article · "
    "- + slower/faster · z sleep timer · x stop after this article · s stop · q quit"
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from reader.config import RATE_MAX, RATE_MIN

    listen = subparsers.add_parser(
        "listen",
        help="listen without the TUI: the queue, or articles, one after another",
        description=(
            "Speak articles one after another through the reader's player, printing one "
            "plain line per event. The articles given (library ids, URLs or files) go to "
            "the front of the queue and are played in order, then it stops (with --queue "
            "the rest of the queue follows); with none, the queue plays. " + KEYS_HELP
        ),
    )
    listen.add_argument("inputs", nargs="*", metavar="ID|URL|FILE")
    listen.add_argument(
        "--new", action="store_true", help="the articles feeds brought, not opened nor heard"
    )
    listen.add_argument("--feed", metavar="NAME", help="the unheard articles of one feed")
    listen.add_argument("--queue", action="store_true", help="then the rest of the queue")
    listen.add_argument(
        "--rate", type=int, metavar="WPM", help=f"words a minute ({RATE_MIN} to {RATE_MAX})"
    )
    listen.add_argument("--voice", metavar="V", help="a voice id, name or language code")
    listen.add_argument(
        "--sleep", type=float, metavar="MIN", help="fade out and stop after MIN minutes"
    )
    listen.add_argument("--quiet", action="store_true", help="print no event lines")
    listen.add_argument("--color", action="store_true", help="colour the event lines")
    listen.set_defaults(handler=handle_listen)

    queue = subparsers.add_parser("queue", help="show or change the queue (Up next)")
    queue.add_argument("action", nargs="?", default="list", choices=("list", "add", "rm", "clear"))
    queue.add_argument("ids", nargs="*", metavar="ID")
    queue.add_argument("--new", action="store_true", help="add: the new articles of feeds")
    queue.add_argument("--feed", metavar="NAME", help="add: the unheard articles of one feed")
    queue.add_argument("--first", action="store_true", help="add: at the front of the queue")
    queue.set_defaults(handler=handle_queue)

    mark = subparsers.add_parser("mark", help="mark articles heard to the end, or not")
    mark.add_argument("ids", nargs="+", metavar="ID")
    which = mark.add_mutually_exclusive_group(required=True)
    which.add_argument("--listened", action="store_true", help="heard to the end")
    which.add_argument("--unlistened", action="store_true", help="not heard to the end")
    mark.set_defaults(handler=handle_mark)


# -- choosing articles -------------------------------------------------------------------


def gather(library: Library, inputs: list[str], *, new: bool, feed: str | None) -> list[int]:
    """Library ids for ``inputs`` (ids, URLs, files: added first), then the feeds' new
    articles and one feed's unheard ones; bad input raises ReaderError (one line)."""
    from reader.library import library_id

    ids: list[int] = []
    for item in inputs:
        ident = library_id(item) if item.removeprefix("library:").isdigit() else None
        if ident is None:
            from reader.extract import extract

            ident = library.add(extract(item), item).id
        library.summary(ident)  # an id not in the library: one line, before anything
        ids.append(ident)
    if new:
        from reader.library.visits import arrived_since

        ids.extend(sorted(arrived_since(library, None)))
    if feed is not None:
        ids.extend(library.unlistened(library.feed_articles(find_feed(library, feed))))
    return list(dict.fromkeys(ids))


def find_feed(library: Library, name: str) -> int:
    """A followed feed by its id, address or title (any case)."""
    from reader.errors import InputError
    from reader.library.feeds import feeds

    wanted = name.strip().casefold()
    for feed in feeds(library):
        if wanted in (str(feed.id), feed.url.casefold(), (feed.title or "").casefold()):
            return feed.id
    raise InputError(name, "no such feed (`reader feeds` lists them)")


# -- reader listen -------------------------------------------------------------------------


def handle_listen(args: argparse.Namespace) -> int:
    from reader.cli.library import open_library
    from reader.config import load_settings, validate
    from reader.listening.player import SessionPlayer
    from reader.listening.shelf import LibraryShelf

    settings = load_settings()[0]
    rate = validate("rate", args.rate, "--rate") if args.rate is not None else None
    if args.sleep is not None and not 0 < args.sleep <= 24 * 60:
        from reader.errors import InputError

        raise InputError("--sleep", "give minutes from 1 to 1440")
    from reader.speech import piper

    piper.set_threads(0, spinning=False)  # the engine sleeps between sentences (see the TUI)
    warm = _warm_up(args.voice, settings)
    with open_library() as library:
        ids = gather(library, args.inputs, new=args.new, feed=args.feed)
        if (args.new or args.feed) and not ids and not args.queue:
            print("Nothing new to hear." if args.new else "Nothing of that feed left to hear.")
            return 0
        if ids:
            library.enqueue(ids, first=True)
        player = SessionPlayer(
            settings, LibraryShelf(library), rate=rate, voice=args.voice, fallback_to_null=True
        )
        if ids and not args.queue:
            player.until = ids[-1]
        return _listen(player, args, warm)


def _warm_up(voice: str | None, settings: Settings) -> threading.Thread:
    """Load the voice while the library is read (it takes most of the start)."""

    def load() -> None:
        from reader.speech import warm_up

        try:
            warm_up(voice, settings=settings)
        except Exception:  # the first sentence says what is wrong, as one line
            return

    thread = threading.Thread(target=load, name="warm-up", daemon=True)
    thread.start()
    return thread


def _listen(player: SessionPlayer, args: argparse.Namespace, warm: threading.Thread) -> int:
    from reader.cli.keys import KeyReader

    keys = KeyReader.for_stdin()
    printer = Printer(player, quiet=args.quiet, color=args.color, keys=keys is not None)
    player.subscribe(printer)
    remote = _media_keys(player)
    try:
        if args.sleep is not None:
            player.set_sleep(args.sleep)
        if not player.play_queue():
            print("The queue is empty: `reader listen ID`, or `reader queue add ID`.")
            return 0
        if keys is not None and not args.quiet:
            print(KEYS_HELP, flush=True)
        return _wait(player, printer, keys)
    finally:
        if keys is not None:
            keys.close()
        if remote is not None:
            remote.close()
        player.close()
        warm.join(0)


def _wait(player: SessionPlayer, printer: Printer, keys: object) -> int:
    """Until the queue ends, the sleep timer stops it, q, or (no keys) a stop."""
    from reader.cli.keys import KeyReader

    while not printer.ended.wait(0.1 if keys is not None else 0.5):
        if isinstance(keys, KeyReader):
            for key in keys.read(0):
                if _press(player, key) == "quit":
                    return 0
    return printer.status


def _press(player: SessionPlayer, key: str) -> str | None:
    """Do what ``key`` asks of the player; "quit" for q."""
    from reader.listening.player import RATE_STEP, SKIP_SECONDS

    actions: dict[str, Callable[[], object]] = {
        " ": player.toggle,
        "s": player.stop,
        "[": lambda: player.skip_time(-SKIP_SECONDS),
        "left": lambda: player.skip_time(-SKIP_SECONDS),
        "]": lambda: player.skip_time(SKIP_SECONDS),
        "right": lambda: player.skip_time(SKIP_SECONDS),
        "p": lambda: player.skip_sentence(-1),
        "n": lambda: player.skip_sentence(1),
        "P": player.previous_article,
        "N": player.next_article,
        "-": lambda: player.set_rate(player.rate - RATE_STEP),
        "+": lambda: player.set_rate(player.rate + RATE_STEP),
        "=": lambda: player.set_rate(player.rate + RATE_STEP),
        "z": player.cycle_sleep,
        "x": lambda: player.set_stop_after(not player.stop_after),
        "?": lambda: print(KEYS_HELP, flush=True),
    }
    if key in ("q", "Q"):
        return "quit"
    action = actions.get(key)
    if action is not None:
        action()
    return None


def _media_keys(player: SessionPlayer) -> MediaKeys | None:
    """The player on the session bus (MPRIS), when there is one; else None, silently."""
    from reader.listening.remote import media_keys

    return media_keys(player)


class Printer:
    """One plain line per event on stdout (errors on stderr); knows when to end."""

    COLORS: ClassVar[dict[str, str]] = {
        "Playing": "1",
        "Next": "1",
        "Paused": "33",
        "Stopped": "31",
        "Finished": "32",
    }

    def __init__(
        self, player: SessionPlayer, *, quiet: bool, color: bool, keys: bool = False
    ) -> None:
        self.player = player
        self.keys = keys
        self.quiet = quiet
        self.color = color
        self.ended = threading.Event()
        self.status = 0

    def __call__(self, event: Event) -> None:
        from reader.listening.events import (
            Notice,
            Paused,
            SentenceStarted,
            Stopped,
        )

        if isinstance(event, SentenceStarted):
            return
        line = event.text
        if isinstance(event, Paused | Stopped) and event.text in ("Paused", "Stopped"):
            line = f"{event.text} at {self._where()}"
        if isinstance(event, Notice) and event.severity == "error":
            from reader.cli.lines import error

            error(event.text)
            self.status = 2
        elif line and not self.quiet:
            self._print(line)
        if isinstance(event, Stopped) and (event.reason != "stopped" or not self.keys):
            self.ended.set()  # the end; or stopped with no keys to go on with

    def _where(self) -> str:
        from reader.listening.timeline import clock

        state = self.player.now_playing()
        if state.program is None:
            return "the end"
        return f"{clock(state.elapsed)} of {clock(state.total)} of {state.program.title}"

    def _print(self, line: str) -> None:
        word = line.split(":", 1)[0].split(" ", 1)[0]
        code = self.COLORS.get(word) if self.color else None
        if code:
            line = f"\x1b[{code}m{line}\x1b[0m"
        print(line, flush=True)


# -- reader queue, reader mark -------------------------------------------------------------


def handle_queue(args: argparse.Namespace) -> int:
    from reader.cli.library import open_library
    from reader.library import parse_id

    with open_library() as library:
        if args.action == "add":
            ids = gather(library, args.ids, new=args.new, feed=args.feed)
            library.enqueue(ids, first=args.first)
            print(f"queued {len(ids)} article{'' if len(ids) == 1 else 's'}")
        elif args.action == "rm":
            for item in args.ids:
                ident = parse_id(item)
                if not library.dequeue(ident):
                    from reader.cli.lines import error

                    error(f"{ident}: not in the queue")
        elif args.action == "clear":
            print(f"removed {library.clear_queue()} from the queue")
        _print_queue(library)
    return 0


def _print_queue(library: Library) -> None:
    from reader.cli.library import _one_line, _title
    from reader.listening.timeline import duration_text

    ids = library.queue()
    if not ids:
        print("The queue is empty.")
        return
    rate = _rate()
    for n, ident in enumerate(ids, 1):
        summary = library.summary(ident)
        left = max(
            0, summary.words * (1 - (summary.position / summary.chars if summary.chars else 0))
        )
        site = _one_line(summary.site)
        print(
            f"{n:>3}. {ident:>5}  {duration_text(left * 60 / rate):>8} left  "
            f"{_one_line(_title(summary.title), 70)}{f' — {site}' if site else ''}"
        )


def _rate() -> int:
    from reader.config import load_settings

    return load_settings()[0].rate


def handle_mark(args: argparse.Namespace) -> int:
    from reader.cli.library import open_library
    from reader.library import parse_id

    ids = [parse_id(item) for item in args.ids]
    with open_library() as library:
        for ident in ids:
            library.mark_listened(ident, args.listened)
            word = "listened" if args.listened else "not listened"
            print(f"{ident}: marked {word}")
    return 0
