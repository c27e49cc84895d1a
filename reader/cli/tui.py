"""`reader` (or `reader open`) opens the library; `reader open INPUT|ID` opens an article.

Textual and the extraction stack are imported only here, inside the handlers, so
every other command starts fast; extraction itself runs in a worker while the app
starts, so the screen comes up at once.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.text.article import Article


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "open",
        help="open an article (URL, file or - for stdin) in the reader",
        description=(
            "Clean the article, add it to the library and show it. Select a passage "
            "and press space to hear it; ? lists every key."
        ),
    )
    parser.add_argument(
        "input",
        metavar="INPUT",
        nargs="?",
        help=(
            "an http(s) URL, a file, - for stdin, or the id of a library article "
            "(`reader list`); none opens the library"
        ),
    )
    parser.set_defaults(handler=open_handler)


def _run(source: str | None, *, label: str | None = None, article_id: int | None = None) -> int:
    from reader import locations

    locations.check_writable()  # one line now, not a full-screen traceback later
    prefetched = None
    if source is not None:
        # Extraction needs no terminal: start it now, while Textual is being imported.
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")
        prefetched = pool.submit(_extract, source)
        pool.shutdown(wait=False)
    from reader.tui.app import create_app

    app = create_app(source, label=label, prefetched=prefetched, article_id=article_id)
    try:
        code = app.run()
    finally:
        app.close_audio()
    if app.error is not None:
        raise app.error
    return app.exit_status(code)


def _extract(source: str) -> Article:
    from reader.extract import extract

    return extract(source)


def open_handler(args: argparse.Namespace) -> int:
    source: str | None = args.input
    if source is None:
        return _run(None)
    if source == "-":
        # The app needs the terminal on stdin: read the article first, then reattach.
        import os
        import sys

        from reader.tui.stdin import read_stdin_to_file

        path = read_stdin_to_file(sys.stdin)
        try:
            return _run(path, label="-")
        finally:
            os.unlink(path)
    ident = None
    if source.removeprefix("library:").isdigit():  # the library is imported only then
        from reader.library import library_id

        ident = library_id(source)
    if ident is not None:
        # As `reader show ID`: an id not in the library is one line, before the screen.
        from reader.cli.library import open_library

        with open_library() as library:
            library.get(ident)
        return _run(None, article_id=ident)
    _check_file(source)
    return _run(source)


def _check_file(source: str) -> None:
    """A missing or unreadable file fails at once, before the screen is taken over."""
    if "://" in source:
        return
    from pathlib import Path

    from reader.errors import InputError
    from reader.files import check_regular

    path = Path(source).expanduser()
    if not path.exists():
        from reader.extract.sources import url_hint

        hint = url_hint(source)
        raise InputError(
            source, f"no such file (for the web page, give {hint})" if hint else "no such file"
        )
    if path.is_dir():
        raise InputError(source, "is a folder, not an article")
    check_regular(path, subject=source)  # a named pipe would block here, a device never end


def default_handler(args: argparse.Namespace) -> int:
    return _run(None)
