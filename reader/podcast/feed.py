"""An M3U playlist and a podcast RSS 2.0 feed of an export folder.

Both are built from the folder itself — every audio file in it that reader wrote
(recognised by its ID3 stamp, see :mod:`reader.export.tags`) — not from the
current run, so articles exported on different days accumulate in one feed and
a file the user deleted drops out. Serve the folder over HTTP and subscribe to
``feed.xml`` from a phone; ``base_url`` is where it is served (without one, the
enclosures are ``file://`` URLs, fine for a desktop player).

Each item's GUID is derived from the file's key (input and part), so it stays
the same when the article is re-exported with other settings and podcast apps do
not show it twice.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote, urljoin

from reader.export import TEMP_PREFIX, TEMP_SUFFIX
from reader.export.tags import Stamp, read_stamp
from reader.files import write_atomic
from reader.text.sanitize import one_line

PLAYLIST = "playlist.m3u"
FEED = "feed.xml"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
MIME = {".mp3": "audio/mpeg", ".wav": "audio/wav"}


@dataclass(frozen=True, slots=True)
class Entry:
    """An exported file in the folder."""

    path: Path
    stamp: Stamp
    size: int
    modified: float

    @property
    def published(self) -> datetime:
        """The article's date when it has one, else when the file was written."""
        if self.stamp.date:
            try:
                when = datetime.fromisoformat(self.stamp.date)
            except ValueError:
                when = None
            if when is not None:
                return when if when.tzinfo else when.replace(tzinfo=UTC)
        return datetime.fromtimestamp(self.modified, UTC)

    @property
    def guid(self) -> str:
        return "urn:reader:" + hashlib.sha256(self.stamp.key.encode()).hexdigest()[:32]


def scan(folder: Path) -> list[Entry]:
    """The exported files in ``folder``, newest article first (then by name)."""
    entries = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in MIME or path.name.startswith(".") or not path.is_file():
            continue
        if one_line(path.name) != path.name:  # not a name reader writes: it would break
            continue  # an M3U line or show spoofed in a podcast app
        stamp = read_stamp(path)
        if stamp is None:
            continue
        info = path.stat()
        entries.append(Entry(path, stamp, info.st_size, info.st_mtime))
    entries.sort(key=lambda e: (-e.published.timestamp(), e.path.name))
    return entries


def duration_text(seconds: float) -> str:
    """``itunes:duration`` as HH:MM:SS."""
    total = round(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def playlist(entries: list[Entry]) -> str:
    """An extended M3U playlist (UTF-8) with paths relative to the folder."""
    lines = ["#EXTM3U", "#EXTENC:UTF-8"]
    for entry in entries:
        label = entry.stamp.title
        if entry.stamp.artist:
            label = f"{entry.stamp.artist} - {label}"
        lines.append(f"#EXTINF:{round(entry.stamp.duration)},{label}")
        lines.append(entry.path.name)
    return "\n".join(lines) + "\n"


def rss(entries: list[Entry], *, folder: Path, title: str, base_url: str | None) -> bytes:
    """The podcast feed as UTF-8 XML."""
    base = base_url or folder.resolve().as_uri()
    if not base.endswith("/"):
        base += "/"
    ET.register_namespace("itunes", ITUNES)
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = base
    ET.SubElement(channel, "description").text = f"Articles read aloud by reader ({title})"
    ET.SubElement(channel, "generator").text = "reader"
    ET.SubElement(channel, "lastBuildDate").text = format_datetime(datetime.now(UTC))
    for entry in entries:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = entry.stamp.title
        if entry.stamp.url:
            ET.SubElement(item, "link").text = entry.stamp.url
        if entry.stamp.artist:
            ET.SubElement(item, f"{{{ITUNES}}}author").text = entry.stamp.artist
        if entry.stamp.description:  # the episode's page in a podcast app
            ET.SubElement(item, "description").text = entry.stamp.description
            ET.SubElement(item, f"{{{ITUNES}}}summary").text = entry.stamp.description
        url = urljoin(base, quote(entry.path.name))
        ET.SubElement(
            item,
            "enclosure",
            {"url": url, "length": str(entry.size), "type": MIME[entry.path.suffix.lower()]},
        )
        ET.SubElement(item, "guid", {"isPermaLink": "false"}).text = entry.guid
        ET.SubElement(item, "pubDate").text = format_datetime(entry.published)
        ET.SubElement(item, f"{{{ITUNES}}}duration").text = duration_text(entry.stamp.duration)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)  # typed Any
    return data + b"\n"


def remove(folder: Path, keys: Iterable[str]) -> list[str]:
    """Delete the files reader exported into ``folder`` for the inputs ``keys`` (every part
    of each: the whole article, its highlights); the names deleted. Files not stamped by
    reader are never touched."""
    wanted = set(keys)
    removed = []
    for entry in scan(folder):
        if entry.stamp.key.split("#", 1)[0] in wanted:
            entry.path.unlink(missing_ok=True)
            removed.append(entry.path.name)
    return removed


def keys(folder: Path) -> list[str]:
    """The inputs (keys, without the part) of the files reader exported into ``folder``."""
    return list(dict.fromkeys(entry.stamp.key.split("#", 1)[0] for entry in scan(folder)))


def write_feed(folder: Path, *, title: str | None = None, base_url: str | None = None) -> int:
    """Write ``playlist.m3u`` and ``feed.xml`` into ``folder``; returns the item count."""
    entries = scan(folder)
    atomic_write(folder / PLAYLIST, playlist(entries).encode("utf-8"))
    name = one_line(title or folder.resolve().name) or "reader"
    atomic_write(folder / FEED, rss(entries, folder=folder, title=name, base_url=base_url))
    return len(entries)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file that export's cleanup knows."""
    write_atomic(path, data, prefix=f"{TEMP_PREFIX}{path.name}.", suffix=TEMP_SUFFIX)
