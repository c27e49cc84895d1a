"""`reader feeds add|import|export|list|rm|sync` and `reader serve`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reader.feeds.sync import SyncSummary


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feeds = subparsers.add_parser(
        "feeds",
        help="follow RSS, Atom and JSON feeds and sync their articles into the library",
    )
    commands = feeds.add_subparsers(dest="feeds_command", metavar="COMMAND")
    commands.required = True

    add = commands.add_parser(
        "add",
        help="follow feeds (a feed's URL, or a site's page that names its feed)",
    )
    add.add_argument("urls", nargs="+", metavar="URL")
    add.set_defaults(handler=handle_add)

    load = commands.add_parser("import", help="follow every feed of an OPML file")
    load.add_argument("file", metavar="FILE.opml")
    load.set_defaults(handler=handle_import)

    save = commands.add_parser("export", help="write the feeds followed to an OPML file")
    save.add_argument("file", metavar="FILE.opml")
    save.set_defaults(handler=handle_export)

    listing = commands.add_parser("list", help="list the feeds followed")
    listing.add_argument("--json", action="store_true", help="as a JSON array")
    listing.set_defaults(handler=handle_list)

    remove = commands.add_parser("rm", help="stop following feeds (their articles stay)")
    remove.add_argument("ids", nargs="+", type=int, metavar="ID")
    remove.set_defaults(handler=handle_rm)

    _register_sync(commands)

    serve = subparsers.add_parser(
        "serve",
        help="serve an export folder to a podcast app (feed.xml over HTTP)",
        description=(
            "Serve DIR read-only over HTTP: its audio, feed.xml (enclosures pointing at "
            "this server), playlist.m3u and cover image, with byte ranges. Loopback only "
            "unless --host says otherwise (e.g. 0.0.0.0 for a phone on the same network)."
        ),
    )
    serve.add_argument("folder", nargs="?", metavar="DIR", help="default: the export folder")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.set_defaults(handler=handle_serve)


def _register_sync(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`feeds sync`: its options (the help lists them in this order)."""
    sync = commands.add_parser(
        "sync",
        help="add the new articles of the feeds (all, or ID...) to the library",
        description=(
            "Fetch each feed (an unchanged one costs one conditional request), add its new "
            "items to the library (the item's own text when the feed carries the whole "
            "article, else the linked page), skipping items already taken and stories "
            "already in the library. With --export DIR, DIR holds every article of these "
            "feeds not listened to yet (whenever it was synced): what is missing or out of "
            "date is rendered, and its feed.xml and playlist rewritten. Exit status 1 when "
            "any feed or item failed."
        ),
    )
    sync.add_argument("ids", nargs="*", type=int, metavar="ID")
    sync.add_argument(
        "--export",
        metavar="DIR",
        help="also keep DIR a podcast of every unlistened article of these feeds",
    )
    sync.add_argument(
        "--drop-listened",
        action="store_true",
        help="with --export: delete the files of articles listened to from DIR",
    )
    sync.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="export processes")
    sync.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="extract (and export) the new items on a Dask scheduler, e.g. tcp://HOST:8786; "
        "fetching stays here",
    )
    sync.add_argument("--since", metavar="DATE", help="only items published on DATE or later")
    sync.add_argument("--limit", metavar="N", help="at most N new items per feed (default 50)")
    sync.add_argument(
        "--deadline",
        metavar="SECONDS",
        help="stop fetching after SECONDS; what is left is taken by the next sync "
        "(default: the sync_deadline setting, 600)",
    )
    sync.add_argument(
        "--keep-similar",
        action="store_true",
        help="also add items telling a story already in the library",
    )
    sync.add_argument("--quiet", "-q", action="store_true", help="print failures only")
    sync.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    sync.set_defaults(handler=handle_sync)


def _library() -> Any:
    from reader.cli.library import open_library

    return open_library()


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def handle_add(args: argparse.Namespace) -> int:
    from reader.cli.lines import error
    from reader.errors import ReaderError
    from reader.feeds import follow
    from reader.text.sanitize import one_line

    status = 0
    with _library() as library:
        for url in args.urls:
            try:
                feed, new = follow(library, url)
            except ReaderError as exc:
                error(one_line(str(exc)))  # the reason may quote the server
                status = exc.exit_code
                continue
            title = feed.title or "(untitled)"
            if new:
                print(f"following {feed.id}: {title} <{feed.url}>")
            else:
                print(f"already following {feed.id}: {title} <{feed.url}>")
    return status


def handle_import(args: argparse.Namespace) -> int:
    from reader.cli.lines import error
    from reader.feeds import opml
    from reader.library.feeds import add_feed

    outlines, refused = opml.read(Path(args.file).expanduser())
    for line in refused:
        error(line)
    added = 0
    with _library() as library:
        for outline in outlines:
            added += add_feed(library, outline.url, outline.title, outline.site)[1]
    print(f"imported {added} new feed(s), {len(outlines) - added} already followed")
    return 1 if refused else 0


def handle_export(args: argparse.Namespace) -> int:
    from reader.feeds import opml
    from reader.library.feeds import feeds

    with _library() as library:
        found = feeds(library)
    opml.write(Path(args.file).expanduser(), found)
    print(f"wrote {len(found)} feed(s) to {args.file}")
    return 0


def handle_list(args: argparse.Namespace) -> int:
    from reader.library.feeds import feeds

    with _library() as library:
        found = feeds(library)
    if args.json:
        _print_json([f.to_dict() for f in found])
        return 0
    for feed in found:
        state = f"failing ({feed.failures} tries: {feed.last_error})" if feed.failing else "ok"
        if not feed.last_ok and not feed.failures:
            state = "not synced yet"
        title = feed.title or "(untitled)"
        print(f"{feed.id:>4}  {title}  <{feed.url}>  {feed.items} item(s), {state}")
    return 0


def handle_rm(args: argparse.Namespace) -> int:
    from reader.cli.lines import error
    from reader.errors import ReaderError
    from reader.library.feeds import remove_feed

    status = 0
    with _library() as library:
        for ident in args.ids:
            try:
                feed = remove_feed(library, ident)
            except ReaderError as exc:
                error(str(exc))
                status = exc.exit_code
                continue
            print(f"stopped following {feed.id}: {feed.title or feed.url}")
    return status


def _since(value: str | None) -> str | None:
    from datetime import date

    from reader.errors import ReaderError

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ReaderError("--since", f"{value!r} is not a date (YYYY-MM-DD)") from None


def _sync_since(args: argparse.Namespace) -> str | None:
    """The checked options of ``feeds sync`` (``--limit`` and ``--deadline`` parsed in
    place, as ``reader list`` parses its own); ``--since`` as an ISO date, if given."""
    from reader.config import validate
    from reader.errors import ReaderError
    from reader.library import parse_limit

    if args.jobs < 1:
        raise ReaderError("--jobs", f"{args.jobs} is not allowed: use 1 or more")
    if args.limit is not None:
        args.limit = parse_limit(args.limit)
    if args.deadline is not None:
        args.deadline = validate("sync_deadline", args.deadline, "--deadline")
    if args.drop_listened and not args.export:
        raise ReaderError("--drop-listened", "only applies with --export DIR")
    return _since(args.since)


def _sync_line(summary: SyncSummary) -> str:
    """The one line that sums up a sync for the person at the terminal."""
    line = (
        f"{len(summary.feeds)} feed(s): {summary.count_feeds('updated')} with new items, "
        f"{summary.count_feeds('unchanged')} unchanged, {summary.count_feeds('failed')} "
        f"failed; items: {summary.count_items('added', 'updated')} added, "
        f"{summary.count_items('similar')} similar skipped, "
        f"{summary.count_items('failed', 'refused')} failed in {summary.seconds:.1f} s"
    )
    left = sum(f.left for f in summary.feeds)
    if left:
        line += f"; {left} more left for the next sync (--limit)"
    late = sum(f.late for f in summary.feeds) + summary.count_feeds("late")
    if late:
        line += f"; {late} left for the next sync (out of time)"
    if summary.export is not None:
        line += f"; exported {summary.export.count('exported')} -> {summary.export.folder}"
    if summary.dropped:
        line += f"; {len(summary.dropped)} listened file(s) dropped"
    return line


def handle_sync(args: argparse.Namespace) -> int:
    from reader.cli import bars
    from reader.config import settings
    from reader.export import ExportOptions
    from reader.export.outline import snippet
    from reader.feeds.sync import DEFAULT_LIMIT, FeedResult, ItemOutcome, sync
    from reader.library.feeds import feeds
    from reader.text.sanitize import one_line

    since = _sync_since(args)
    console = bars.console()
    progress = bars.progress(console, "syncing", quiet=args.quiet)
    task = progress.add_task("", total=None)

    def say(line: str) -> None:
        bars.say(progress.console, f"reader: {line}")

    def on_feed(result: FeedResult) -> None:
        if result.error:
            note = " (failing: kept, see `reader feeds list`)" if result.failing else ""
            say(one_line(result.error) + note)
        for line in result.notes:  # a feed's URL and counts: said once per feed
            say(one_line(line))
        title = snippet(one_line(result.title or result.url), 36)
        progress.update(task, advance=1, description=title)

    def on_item(outcome: ItemOutcome) -> None:
        if outcome.error:
            say(one_line(outcome.error))
        if outcome.status != "refused":
            progress.update(task, advance=1)

    def on_export_item(result: Any) -> None:
        if result.error:
            say(one_line(result.error))

    with _library() as library:
        chosen = feeds(library, args.ids or None)
        with progress:
            summary = sync(
                library,
                chosen,
                limit=args.limit or DEFAULT_LIMIT,
                since=since,
                skip_similar=not args.keep_similar,
                export=Path(args.export) if args.export else None,
                export_options=ExportOptions().resolved(settings()) if args.export else None,
                drop_listened=args.drop_listened,
                jobs=args.jobs,
                cluster=args.cluster,
                deadline=args.deadline or settings().sync_deadline,
                on_total=lambda n: progress.update(task, total=n),
                on_feed=on_feed,
                on_item=on_item,
                on_export_item=on_export_item,
            )
    if args.json:
        _print_json(summary.to_dict())
    elif not args.quiet:
        bars.say(console, _sync_line(summary))
    return summary.exit_code


def handle_serve(args: argparse.Namespace) -> int:
    from reader.cli.export import default_folder
    from reader.errors import ReaderError
    from reader.podcast.serve import serve

    folder = Path(args.folder).expanduser() if args.folder else default_folder()
    if not folder.is_dir():
        raise ReaderError(str(folder), "not a folder")
    if not 0 <= args.port <= 65535:
        raise ReaderError("--port", f"{args.port} is not a port (0-65535)")
    serve(folder, host=args.host, port=args.port, announce=print)
    return 0
