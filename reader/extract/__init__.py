"""Extraction: a URL, a saved page, a pasted scrape or stdin -> an
:class:`~reader.text.article.Article`.

HTML goes through trafilatura, checked against other extractors by default
(``consensus``, ``candidates``), and then a pass for the ear (``html``); plain text
through the project's own cleaner (``plaintext``). Whether an input is HTML or text
is decided from its content, not its file name alone (``sources.sniff``).

Public API, shared by the CLI, the TUI, the library and export:

- :func:`extract` — any input the user can name (URL, path, ``-``) to an article;
- :func:`extract_html` — a decoded HTML page to an article;
- :func:`extract_text` — pasted or saved plain text to an article;
- :func:`load` — read and decode an input without extracting (``Loaded.kind`` says
  "html" or "text"); :func:`sniff` — the content sniffer on its own.

Every failure is a :class:`~reader.errors.ReaderError` (``InputError``, ``FetchError``)
naming the input and the reason. Heavy modules (trafilatura, urllib3) are imported
on first use, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reader.extract.sources import Loaded, is_url, sniff

if TYPE_CHECKING:
    from reader.text.article import Article

__all__ = ["Loaded", "extract", "extract_html", "extract_text", "is_url", "load", "sniff"]


def load(source: str) -> Loaded:
    """Read ``source`` (an http(s) URL, a path or ``-`` for stdin) and decode it."""
    from reader.extract import sources

    if is_url(source):
        from reader.extract.fetch import fetch

        fetched = fetch(source)
        return sources.load_bytes(
            fetched.data,
            source,
            declared_charset=fetched.charset,
            name=urlpath_name(fetched.url),
            url=fetched.url,
        )
    return sources.load(source)


def urlpath_name(url: str) -> str:
    """The last path segment of a URL, used as a hint (``page.html``) for the sniffer."""
    from urllib.parse import urlsplit

    return urlsplit(url).path.rsplit("/", 1)[-1]


def extract_html(
    html: str, *, url: str | None = None, source: str | None = None, fast: bool | None = None
) -> Article:
    """The article of a decoded HTML page: the consensus of extractors (trafilatura's body
    checked against other extractors'), then the pass for the ear; ``fast``: trafilatura
    alone, then the pass for the ear. ``None`` follows the ``extraction`` setting."""
    from reader.extract.html import extract_html as _extract_html

    return _extract_html(html, url=url, source=source, fast=fast)


def extract_text(text: str, *, source: str | None = None, language: str | None = None) -> Article:
    """The article in pasted or saved plain text (the project's own cleaner)."""
    from reader.extract.plaintext import clean_text

    return clean_text(text, source=source, language=language)


def extract_loaded(loaded: Loaded, *, fast: bool | None = None) -> Article:
    """The article of an input already read by :func:`load` (``fast``: see
    :func:`extract_html`; plain text has one path)."""
    if loaded.kind == "html":
        return extract_html(loaded.text, url=loaded.url, source=loaded.source, fast=fast)
    article = extract_text(loaded.text, source=loaded.source)
    if loaded.url and not article.url:
        from dataclasses import replace

        article = replace(article, url=loaded.url)
    return article


def extract(source: str, *, fast: bool | None = None) -> Article:
    """The clean, speakable article in ``source``: an http(s) URL, a path or ``-``
    (``fast``: see :func:`extract_html`).

    Raises :class:`~reader.errors.ReaderError` subclasses for every input problem
    (missing file, binary content, HTTP error, no article...).
    """
    return extract_loaded(load(source), fast=fast)
