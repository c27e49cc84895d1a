"""Library and settings commands.

``reader add INPUT...``, ``list``, ``show ID``, ``rm ID...``, ``highlight ID --text``,
``highlights [ID]``, ``search WORDS...``, ``library export|import|check|repair`` and
``config get|set|path``. Handlers import the library lazily: ``reader list`` over a
large library must start fast, so nothing here imports the article model, the
extractor or the speech stack unless the command needs it.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from reader.text.sanitize import one_line

if TYPE_CHECKING:
    from pathlib import Path

    from reader.library import Library


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # In this order in `reader --help`.
    _register_articles(subparsers)
    _register_highlights(subparsers)
    _register_search(subparsers)
    _register_library(subparsers)
    _register_config(subparsers)


def _register_articles(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = subparsers.add_parser(
        "add",
        help="add articles (URLs, saved pages, text files, - for stdin) to the library",
        description=(
            "Extract each INPUT and keep it in the library. Adding a source again updates "
            "its text and re-anchors its highlights. An article telling a story already in "
            "the library is reported with a similarity figure and kept too, unless "
            "--skip-similar."
        ),
    )
    add.add_argument("inputs", nargs="+", metavar="INPUT", help="URL, file, or - for stdin")
    add.add_argument(
        "--skip-similar",
        action="store_true",
        help="do not add an article that tells a story already in the library",
    )
    add.add_argument("--json", action="store_true", help="one JSON object per input")
    add.set_defaults(handler=handle_add)

    listing = subparsers.add_parser("list", help="list the articles in the library")
    listing.add_argument("--json", action="store_true", help="as a JSON array")
    listing.add_argument("--limit", metavar="N", help="only the N newest")
    listing.add_argument(
        "--unlistened", action="store_true", help="only the articles not heard to the end"
    )
    listing.set_defaults(handler=handle_list)

    show = subparsers.add_parser("show", help="show an article with its highlights")
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true", help="the article model and highlights")
    show.set_defaults(handler=handle_show)

    remove = subparsers.add_parser("rm", help="remove articles (and their highlights)")
    remove.add_argument("ids", nargs="+", metavar="ID")
    remove.set_defaults(handler=handle_rm)


def _register_highlights(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    highlight = subparsers.add_parser(
        "highlight",
        help="save a passage of an article as a highlight",
        description="Find the passage in article ID's text (it must occur exactly once) "
        "and save it as a highlight.",
    )
    highlight.add_argument("id", metavar="ID")
    highlight.add_argument("--text", required=True, metavar="PASSAGE", help="the exact passage")
    highlight.add_argument("--note", metavar="NOTE")
    highlight.add_argument("--color", metavar="COLOR", help="yellow, green, blue, pink, ...")
    highlight.add_argument("--json", action="store_true")
    highlight.set_defaults(handler=handle_highlight)

    highlights = subparsers.add_parser("highlights", help="list highlights (of one article)")
    highlights.add_argument("id", nargs="?", metavar="ID")
    highlights.add_argument("--json", action="store_true", help="as a JSON array")
    highlights.set_defaults(handler=handle_highlights)


def _register_search(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    search = subparsers.add_parser(
        "search",
        help="full-text search over titles and texts",
        description="Articles containing every WORD (case and accents ignored; word* "
        "matches a prefix), best match first, with a snippet.",
    )
    search.add_argument("words", nargs="+", metavar="WORD")
    search.add_argument("--limit", default="20", metavar="N")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=handle_search)


def _register_library(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    library = subparsers.add_parser(
        "library", help="export, import, check or repair the whole library"
    )
    library_commands = library.add_subparsers(dest="library_command", metavar="COMMAND")
    library_commands.required = True
    export = library_commands.add_parser("export", help="write the library to a JSON file")
    export.add_argument("file", metavar="FILE.json")
    export.set_defaults(handler=handle_library_export)
    load = library_commands.add_parser("import", help="merge a JSON export into the library")
    load.add_argument("file", metavar="FILE.json")
    load.set_defaults(handler=handle_library_import)
    checking = library_commands.add_parser(
        "check",
        help="check the library file for damage (exit 0 ok, 1 damaged)",
        description="Run SQLite's integrity and foreign key checks on the library file "
        "without changing it; print one line: ok, or what is wrong and what to run next.",
    )
    checking.set_defaults(handler=handle_library_check)
    mending = library_commands.add_parser(
        "repair",
        help="save every readable article and highlight of a damaged library",
        description="Copy every readable row of a damaged library into a new library file "
        "that takes its place; the damaged file is kept as library.sqlite3.broken-DATE. "
        "Prints what was saved and what could not be; exit 0 when everything was saved, "
        "1 when something was lost. A healthy library is left alone. Close other reader "
        "windows first.",
    )
    mending.set_defaults(handler=handle_library_repair)


def _register_config(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = subparsers.add_parser("config", help="show or change settings")
    config_commands = config.add_subparsers(dest="config_command", metavar="COMMAND")
    config_commands.required = True
    get = config_commands.add_parser("get", help="print one setting, or all")
    get.add_argument("key", nargs="?", metavar="KEY")
    get.set_defaults(handler=handle_config_get)
    put = config_commands.add_parser(
        "set", help="change a setting (an empty VALUE restores an optional one's default)"
    )
    put.add_argument("key", metavar="KEY")
    put.add_argument("value", metavar="VALUE")
    put.set_defaults(handler=handle_config_set)
    path = config_commands.add_parser("path", help="print the settings file's path")
    path.set_defaults(handler=handle_config_path)


# -- helpers ------------------------------------------------------------------------------


def open_library() -> Library:
    """The user's library; a damaged file moved aside is reported on stderr, once."""
    from reader.cli.lines import error
    from reader.library import Library

    library = Library.open()
    if library.recovered is not None:
        error("warning: " + library.recovered.message())
    return library


def _print_json(data: Any) -> None:
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _one_line(text: str | None, width: int | None = None) -> str:
    """Text from the library as one safe line (no escapes, controls or bidi overrides:
    an imported file or a page may carry them), cut to ``width`` with "…"."""
    flat = one_line(text or "")
    return flat if width is None or len(flat) <= width else flat[: width - 1] + "…"


def _title(title: str | None) -> str:
    return _one_line(title) or "(untitled)"


# -- articles -----------------------------------------------------------------------------


def handle_add(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from reader.cli.lines import error
    from reader.errors import ReaderError
    from reader.extract import extract

    library = open_library()
    status = 0
    with library:
        for source in args.inputs:
            try:
                article = extract(source)
                result = library.add(
                    article, source, if_similar="skip" if args.skip_similar else "keep"
                )
            except ReaderError as exc:
                error(str(exc))
                status = exc.exit_code
                continue
            if args.json:
                import json

                data = asdict(result)
                data["source"] = source
                data["title"] = article.title
                sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
                continue
            title = _title(article.title)
            if result.status == "added":
                print(f"added {result.id}: {title} ({article.word_count} words)")
            elif result.status == "unchanged":
                print(f"unchanged {result.id}: {title} (already in the library)")
            elif result.status == "updated":
                line = f"updated {result.id}: {title} (text changed"
                line += f"; {result.reanchored} highlight(s) re-anchored"
                if result.detached:
                    line += f", {len(result.detached)} not found in the new text (kept, flagged)"
                print(line + ")")
            else:
                print(f"skipped: {title} (tells a story already in the library)")
            for other in result.similar:
                kept = "kept both" if result.status == "added" else "not added"
                print(
                    f"  same story as {other.id}: {_title(other.title)} "
                    f"(similarity {other.similarity:.2f}; {kept})"
                )
    return status


def handle_list(args: argparse.Namespace) -> int:
    from reader.library import parse_limit

    limit = None if args.limit is None else parse_limit(args.limit)
    with open_library() as library:
        rows = library.list(limit=limit, unlistened=args.unlistened)
    if args.json:
        import json

        # One object per line: fast for 10,000 rows and still a JSON array.
        encode = json.JSONEncoder(ensure_ascii=False).encode
        items = [encode(row._asdict()) for row in rows]
        sys.stdout.write("[\n" + ",\n".join(items) + "\n]\n")
        return 0
    if not rows:
        print("The library is empty: add articles with `reader add URL-or-FILE`.")
        return 0
    width = max(len(str(max(row.id for row in rows))), 2)
    # The article's own date, as the TUI shows; the date added (starred) when it has none.
    lines = [
        f"{'ID':>{width}}  {'DATE':<11} {'WORDS':>8}  HEARD {'✎':>4}  TITLE — SITE"
        "  (DATE: published; * the date added, for an article with none; ✓ heard to the end)"
    ]
    for ident, _, title, site, date, _, words, added, _, position, chars, marks, heard in rows:
        done = "  ✓ " if heard else f"{100 * position // chars:3d}%" if chars else "  0%"
        when = _one_line(date)[:10] + " " if date else _one_line(added)[:10] + "*"
        site_text = _one_line(site)
        lines.append(
            f"{ident:>{width}}  {when:<11} {words:>6} w  {done}  "
            f"{f'{marks:>3}✎' if marks else '    '}  {_one_line(_title(title), 70)}"
            f"{f' — {site_text}' if site_text else ''}"
        )
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def handle_show(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from reader.library import parse_id

    ident = parse_id(args.id)
    with open_library() as library:
        stored = library.get(ident)
    article = stored.article
    if args.json:
        _print_json(
            {
                "id": stored.id,
                "source": stored.source,
                "added": stored.added,
                "updated": stored.updated,
                "opened": stored.opened,
                "position": stored.position,
                "article": article.to_dict(),
                "highlights": [asdict(h) for h in stored.highlights],
            }
        )
        return 0
    from reader.text.sanitize import safe_text

    authors = ", ".join(_one_line(a) for a in article.authors if _one_line(a))
    meta = [m for m in (authors, _one_line(article.date), _one_line(article.site)) if m]
    print(f"{stored.id}: {_title(article.title)}")
    if meta:
        print(" · ".join(meta))
    print(f"source: {_one_line(stored.source)}")
    print(
        f"added {_one_line(stored.added)[:19]}Z, {article.word_count} words, "
        f"position {stored.position}"
    )
    print()
    print(safe_text(article.text))
    if stored.highlights:
        print()
        print("Highlights:")
        for mark in stored.highlights:
            print("  " + _highlight_line(mark))
    return 0


def handle_rm(args: argparse.Namespace) -> int:
    from reader.cli.lines import error
    from reader.errors import ReaderError
    from reader.library import parse_id

    status = 0
    with open_library() as library:
        for text in args.ids:
            try:
                gone = library.remove(parse_id(text))
            except ReaderError as exc:
                error(str(exc))
                status = exc.exit_code
                continue
            extra = f" and {gone.highlights} highlight(s)" if gone.highlights else ""
            print(f"removed {gone.id}: {_title(gone.title)}{extra}")
    return status


# -- highlights ---------------------------------------------------------------------------


def _highlight_line(mark: Any) -> str:
    flag = " [not found in the current text]" if mark.detached else ""
    color = f" ({_one_line(mark.color)})" if mark.color else ""
    note = f" — {_one_line(mark.note)}" if mark.note else ""
    return f"#{mark.id} [{mark.start}-{mark.end}]{color} “{_one_line(mark.text, 80)}”{note}{flag}"


def handle_highlight(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from reader.library import parse_id

    ident = parse_id(args.id)
    with open_library() as library:
        start, end = library.find_passage(ident, args.text)
        mark = library.add_highlight(ident, start, end, note=args.note, color=args.color)
    if args.json:
        _print_json(asdict(mark))
    else:
        print(f"highlight {mark.id} on article {mark.article_id}: {_highlight_line(mark)}")
    return 0


def handle_highlights(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from reader.library import parse_id

    ident = None if args.id is None else parse_id(args.id)
    with open_library() as library:
        marks = library.highlights(ident)
    if args.json:
        _print_json([asdict(m) for m in marks])
        return 0
    current = None
    for mark in marks:
        if ident is None and mark.article_id != current:
            current = mark.article_id
            print(f"article {current}:")
        print(("  " if ident is None else "") + _highlight_line(mark))
    if not marks:
        print('No highlights yet: `reader highlight ID --text "a passage"` adds one.')
    return 0


def handle_search(args: argparse.Namespace) -> int:
    from reader.library import parse_limit

    limit = parse_limit(args.limit)
    with open_library() as library:
        hits = library.search(args.words, limit=limit)
    if args.json:
        _print_json([hit._asdict() for hit in hits])
        return 0
    if not hits:
        print("No article contains all of: " + _one_line(" ".join(args.words), 200))
        return 1
    for hit in hits:
        print(f"{hit.id}: {_one_line(_title(hit.title), 90)}")
        print(f"    {_one_line(hit.snippet, 110)}")
    return 0


# -- whole library --------------------------------------------------------------------------


def handle_library_export(args: argparse.Namespace) -> int:
    with open_library() as library:
        count = library.export_json(args.file)
    print(f"exported {count} article(s) to {args.file}")
    return 0


def handle_library_import(args: argparse.Namespace) -> int:
    with open_library() as library:
        result = library.import_json(args.file)
    feeds = ""
    if result.feeds_added or result.feed_items_added:
        feeds = (
            f", {result.feeds_added} feed(s) and {result.feed_items_added} item(s) taken from feeds"
        )
    print(
        f"imported {result.articles_added} new article(s), merged {result.articles_merged}, "
        f"{result.highlights_added} highlight(s), {result.exports_added} export record(s)"
        f"{feeds} from {args.file}"
    )
    return 0


def _library_folder_checked() -> Path:
    """The library file, its folder checked first: SQLite cannot read a library whose
    folder it cannot write (its -wal and -shm files), which is no damage to report or
    repair."""
    from reader import locations

    path = locations.library_file()
    if path.exists():
        locations.writable(path.parent)
    return path


def handle_library_check(args: argparse.Namespace) -> int:
    from reader.library import repair

    path = _library_folder_checked()
    result = repair.check(path)
    print(result.message())
    return 1 if result.status in ("damaged", "foreign") else 0


def handle_library_repair(args: argparse.Namespace) -> int:
    from reader.library import repair

    path = _library_folder_checked()
    report = repair.repair(path)
    sys.stdout.write("\n".join(report.lines()) + "\n")
    return 0 if report.complete else 1


# -- settings -----------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    import json

    if value is None:
        return "(default)"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def handle_config_get(args: argparse.Namespace) -> int:
    from reader import config, locations
    from reader.cli.lines import warn_about_settings
    from reader.errors import ConfigError

    warn_about_settings()
    values = config.as_dict(config.settings())
    if args.key is not None:
        if args.key not in values:
            raise ConfigError(
                str(locations.config_file()),
                f"unknown key {args.key!r} (known keys: {', '.join(values)})",
            )
        print(_toml_value(values[args.key]))
        return 0
    for key, value in values.items():
        print(f"{key} = {_toml_value(value)}")
    return 0


def handle_config_set(args: argparse.Namespace) -> int:
    from reader import config, locations

    if args.key == "voice" and args.value.strip():
        # Only an installed voice is kept: a made-up name would reach the engine at
        # every later `say` and export (and long eSpeak names overflow its buffers).
        from reader.speech.engine import Engine, engine_thread, resolve_voice

        def check(engine: Engine) -> None:
            voice = resolve_voice(engine.voices(), args.value, None)
            defaults = config.Settings()
            engine.select(voice.id, defaults.rate, defaults.pitch, defaults.volume)

        engine_thread().call(check)
    settings = config.save_setting(args.key, args.value)
    value = config.as_dict(settings)[args.key]
    print(f"{args.key} = {_toml_value(value)}  ({locations.config_file()})")
    return 0


def handle_config_path(args: argparse.Namespace) -> int:
    from reader import locations

    print(locations.config_file())
    return 0
