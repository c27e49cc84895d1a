"""Text from outside made safe to show, tag and name files with.

Pages, feeds, imported library files and server replies are hostile until cleaned: a
title can carry a live terminal escape (``ESC ] 0;...BEL`` retitles the terminal), a
reason phrase an ANSI colour, a file name a right-to-left override that turns
``Evil\u202egnp.exe`` into what looks like ``Evilexe.png``. Every boundary where such
text enters (after entity decoding) and every place it is printed, tagged or used as a
name runs it through here. The patterns are linear: no nested or overlapping
quantifiers.
"""

from __future__ import annotations

import re

# ANSI escape sequences: CSI (colours, cursor moves), OSC (titles, links), and two-byte
# escapes. A terminal copy or a logged page can carry them; a voice would read garbage.
_ANSI = re.compile(
    r"""\x1b\[[0-?]*[ -/]*[@-~]     # CSI ... final byte
      | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)   # OSC ... BEL or ST
      | \x1b[@-Z\\-_]             # other two-byte escapes
      | \x9b[0-?]*[ -/]*[@-~]     # 8-bit CSI
    """,
    re.VERBOSE,
)
# Control characters but tab and newline; form feed, vertical tab and NEL become newlines.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Bidirectional formatting characters: marks (ALM, LRM, RLM), embeddings and overrides
# (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI). Legitimate inside right-to-left
# prose, so article text keeps them; one-line metadata (titles, names, notes in lists,
# tags, file names) does not.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_OVERRIDES = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Any run of white space, line breaks and the controls above included.
_SPACE = re.compile(r"\s+")


def strip_controls(text: str) -> str:
    """Remove ANSI escape sequences and control characters; normalise line ends.

    Tabs and newlines stay (form feed, vertical tab and NEL become newlines), so this
    suits multi-line text: an article's body. Run ``repair_mojibake`` first where the
    text may be broken UTF-8 (``reader.extract.sources.clean_decoded`` does both): its
    C1 characters are what the repair reads.
    """
    if "\x1b" in text or "\x9b" in text:
        text = _ANSI.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    text = text.replace("\x85", "\n")  # NEL, a line break in Unicode and EBCDIC text
    return _CONTROLS.sub("", text)


def strip_bidi(text: str) -> str:
    """Remove bidirectional marks, embeddings, overrides and isolates."""
    return _BIDI.sub("", text)


def one_line(text: str) -> str:
    """``text`` as one safe line: no escapes, controls or bidi controls, white space folded.

    For anything shown on one line or written into a tag or a name: a title, an author,
    a site, a note in a list, an error's reason that quotes a server.
    """
    # Most titles need nothing, and `reader list` prints thousands: printable (no
    # control, bidi, format or white space character but the space) with single inner
    # spaces is already what the rest would return.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return _SPACE.sub(" ", strip_bidi(strip_controls(text))).strip()


def safe_text(text: str) -> str:
    """Multi-line text from outside, safe to print: escapes and controls removed.

    Newlines and tabs stay; bidi characters stay too (right-to-left prose needs them)
    except the overrides and isolates, which can disguise what is printed.
    """
    return _OVERRIDES.sub("", strip_controls(text))


def web_address(url: str) -> bool:
    """Whether ``url`` is an http(s) address on one clean line: the only links followed
    or fetched from outside text (feeds, OPML, imported libraries); ``file:``,
    ``javascript:`` and the rest are refused."""
    from urllib.parse import urlsplit

    return (
        urlsplit(url).scheme.lower() in ("http", "https")
        and one_line(url) == url
        and (" " not in url)
    )
