"""Feeds in: follow sites' RSS, Atom and JSON feeds and sync their new articles.

- :func:`resolve` — a URL the user gives to the feed it is or names (discovery through
  ``<link rel="alternate">``);
- :func:`follow` — resolve and remember a feed in the library;
- :mod:`reader.feeds.opml` — import and export the subscription list as OPML;
- :mod:`reader.feeds.sync` — fetch, add new items to the library, render them.

The feeds and the items taken from them live in the library file
(:mod:`reader.library.feeds`). Nothing here imports Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reader.errors import InputError

if TYPE_CHECKING:
    from reader.feeds.parse import Parsed
    from reader.library import Library
    from reader.library.feeds import Feed

__all__ = ["follow", "resolve"]


def _check_url(url: str) -> str:
    from reader.text.sanitize import one_line, web_address

    if not web_address(url):
        raise InputError(one_line(url)[:200], "not an http(s) address")
    return url


def resolve(url: str) -> tuple[str, Parsed]:
    """The feed at ``url``, or the first one the page at ``url`` names; parsed.

    Raises :class:`~reader.errors.InputError` (``NotAFeed``, ``FetchError``) naming
    ``url`` when there is none.
    """
    from reader.extract.fetch import fetch
    from reader.extract.sources import load_bytes
    from reader.feeds.parse import NotAFeed, discover, parse

    _check_url(url)
    got = fetch(url, feed=True)
    try:
        return got.url, parse(got.data, got.url, got.content_type)
    except NotAFeed:
        if got.content_type not in ("text/html", "application/xhtml+xml", ""):
            raise
    page = load_bytes(got.data, url, declared_charset=got.charset, url=got.url)
    found = discover(page.text, got.url)
    if not found:
        raise NotAFeed(url, "neither a feed nor a page that names one (<link rel=alternate>)")
    feed_url = found[0][0]
    # Named by a page: from a public server, it may not lead into private space.
    got = fetch(feed_url, feed=True, source=url, named_by_public=got.public)
    try:
        return got.url, parse(got.data, got.url, got.content_type)
    except NotAFeed as error:
        raise NotAFeed(url, f"the feed it names ({feed_url}) is not one: {error.reason}") from None


def follow(library: Library, url: str) -> tuple[Feed, bool]:
    """Resolve ``url`` and add its feed to ``library``; returns (feed, newly added)."""
    from reader.library.feeds import add_feed

    feed_url, parsed = resolve(url)
    _check_url(feed_url)  # where redirects led
    return add_feed(library, feed_url, parsed.title, parsed.site)
