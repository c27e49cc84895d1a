"""OPML, the subscription list every feed reader imports and exports.

Read with defusedxml: a document that declares a DTD or entities (billion laughs,
external entities pointing at local files) is refused, never expanded or read. Written
with ElementTree to a temporary file renamed into place.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import InputError
from reader.text.sanitize import one_line

if TYPE_CHECKING:
    from reader.library.feeds import Feed

MAX_BYTES = 5 * 1024 * 1024  # an OPML file of 5 MB holds tens of thousands of feeds
MAX_OUTLINES = 10000


@dataclass(frozen=True, slots=True)
class Outline:
    url: str
    title: str | None
    site: str | None


def read(path: Path) -> tuple[list[Outline], list[str]]:
    """The feeds listed in an OPML file, and one line per outline refused."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    from reader.feeds.parse import web_link

    name = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise InputError(name, f"cannot read it ({error.strerror or error})") from None
    if len(data) > MAX_BYTES:
        raise InputError(name, f"larger than {MAX_BYTES // 1024 // 1024} MB: not an OPML file")
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise InputError(
            name, "declares a DTD or entities (refused: not expanded, not read)"
        ) from None
    except ET.ParseError as error:
        raise InputError(name, f"not valid XML ({one_line(str(error))[:120]})") from None
    if root.tag.lower() != "opml":
        raise InputError(name, "not an OPML file (its root is not <opml>)")
    outlines: list[Outline] = []
    refused: list[str] = []
    for element in root.iter("outline"):
        raw = element.get("xmlUrl") or element.get("xmlurl")
        if raw is None:
            continue  # a folder
        if len(outlines) == MAX_OUTLINES:  # a feed beyond the bound: said, not taken
            refused.append(f"{name}: more than {MAX_OUTLINES} feeds; the rest are left out")
            break
        url, bad = web_link(raw, "")
        if url is None:
            refused.append(
                f"{name}: feed {one_line(bad or raw)[:200]!r} refused: not an http(s) address"
            )
            continue
        title = one_line(element.get("title") or element.get("text") or "")[:500]
        if title == url:  # a feed without a title is written with its address as text
            title = ""
        site, _ = web_link(element.get("htmlUrl"), url)
        outlines.append(Outline(url, title or None, site))
    return outlines, refused


def render(feeds: Iterable[Feed], title: str = "reader feeds") -> bytes:
    """An OPML 2.0 document listing ``feeds``."""
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.title or feed.url, "xmlUrl": feed.url}
        if feed.title:
            attrs["title"] = feed.title
        if feed.site:
            attrs["htmlUrl"] = feed.site
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)  # typed Any
    return data + b"\n"


def write(path: Path, feeds: Iterable[Feed]) -> None:
    """Write the OPML file through a temporary name."""
    from reader.files import write_atomic

    try:
        write_atomic(path, render(feeds))
    except OSError as error:
        raise InputError(str(path), f"cannot write it ({error.strerror or error})") from None
