"""ID3v2.4 tags for exported files, with chapters, written by mutagen.

Besides the usual frames (title, artist, album, date, source URL, the spoken
text as lyrics) each file gets:

* chapters: ``CHAP`` frames (element ids ``ch0``, ``ch1``..., start/end in
  milliseconds, a ``TIT2`` sub-frame) listed in order by one top-level ``CTOC``,
  which podcast and audiobook players show as a chapter list;
* ``TLEN``, the exact length in milliseconds (a CBR MP3 without a Xing frame
  otherwise has its length estimated from the bitrate);
* two ``TXXX`` frames, ``reader:key`` (which input and part the file is for)
  and ``reader:digest`` (a hash of the spoken text and every setting that shapes
  the audio). They make resuming possible: a later run skips a file whose key
  and digest still match, and never overwrites a file that is not its own.

WAV files carry the same ID3 tag in an ``id3`` chunk (mutagen's WAVE support).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from reader.text.language import alpha3

if TYPE_CHECKING:
    from mutagen.id3 import Frame

KEY = "reader:key"
DIGEST = "reader:digest"
SOURCE = "reader:source"
VOICE = "reader:voice"  # which voice spoke it: "joe (piper/en_US-joe-medium), 175 wpm"


@dataclass(frozen=True, slots=True)
class Chapter:
    """A titled stretch of the file, in seconds."""

    title: str
    start: float
    end: float


@dataclass(frozen=True)
class Tags:
    """Everything written into one exported file."""

    title: str
    key: str
    digest: str
    duration: float
    artist: str | None = None
    album: str | None = None
    date: str | None = None
    url: str | None = None
    source: str | None = None
    lyrics: str | None = None
    language: str | None = None
    chapters: tuple[Chapter, ...] = field(default=())
    voice: str | None = None
    description: str | None = None  # a podcast app's episode page (COMM)


@dataclass(frozen=True, slots=True)
class Stamp:
    """What a later run needs to know about an exported file (see :func:`read_stamp`)."""

    key: str
    digest: str
    title: str
    duration: float
    artist: str | None
    date: str | None
    url: str | None
    description: str | None = None  # the COMM frame, else the spoken text's first paragraph


# mutagen ships py.typed, but its constructors and most methods are unannotated, so a
# strict checker refuses to call them. The names below are the one typed door to them:
# _new for constructors, _Tag and _TaggedFile for the methods this module uses of an ID3
# tag and of a WAV file (protocols: mutagen's classes match them as they are).
_T = TypeVar("_T")


def _new(cls: type[_T], /, *args: object, **fields: object) -> _T:
    """``cls(*args, **fields)`` for a mutagen class whose ``__init__`` is unannotated."""
    make = cast("Callable[..., _T]", cls)
    return make(*args, **fields)


class _Tag(Protocol):
    """The methods used here of mutagen's ``ID3`` tag (and the WAV file's), typed."""

    def add(self, frame: Frame, /) -> None: ...

    def values(self) -> Iterable[Frame]: ...

    def getall(self, key: str, /) -> list[Any]: ...

    def get(self, key: str, /) -> Any:
        """The frame stored under ``key`` or ``None``; ``Any`` because a frame's fields
        (``text``, ``url``) are set from its spec at run time, unknown to a checker."""

    def save(self, path: Path, /, **options: object) -> None: ...


class _TaggedFile(Protocol):
    """The methods used here of mutagen's ``WAVE`` file, typed."""

    @property
    def tags(self) -> _Tag | None: ...

    def add_tags(self) -> None: ...

    def save(self, **options: object) -> None: ...


def _timestamp(date: str) -> str | None:
    """An ISO date or timestamp cut to what ID3v2.4 timestamps hold."""
    from mutagen.id3 import ID3TimeStamp

    text = date.strip().replace(" ", "T")[:19]
    stamp: Any = _new(ID3TimeStamp, text)  # year and text are set by a regex, untyped
    return str(stamp.text) if stamp.year else None


def _safe(tags: Tags) -> Tags:
    """``tags`` with text from outside made safe: no terminal escapes, control
    characters or bidi controls in any frame (a player or ``id3v2 -l`` shows them); the
    lyrics keep their line breaks and right-to-left marks, not overrides."""
    from dataclasses import replace

    from reader.text.sanitize import one_line, safe_text

    def line(text: str | None) -> str | None:
        return None if text is None else one_line(text)

    return replace(
        tags,
        title=one_line(tags.title),
        key=one_line(tags.key),
        digest=one_line(tags.digest),
        artist=line(tags.artist),
        album=line(tags.album),
        date=line(tags.date),
        url=line(tags.url),
        source=line(tags.source),
        voice=line(tags.voice),
        lyrics=None if tags.lyrics is None else safe_text(tags.lyrics),
        description=line(tags.description),
        language=line(tags.language),
        chapters=tuple(replace(c, title=one_line(c.title)) for c in tags.chapters),
    )


def build(tags: Tags) -> _Tag:
    """The mutagen ``ID3`` object for ``tags`` (not yet attached to a file)."""
    from mutagen.id3 import (
        CHAP,
        COMM,
        CTOC,
        ID3,
        TALB,
        TDRC,
        TIT2,
        TLAN,
        TLEN,
        TPE1,
        TXXX,
        USLT,
        WOAS,
        CTOCFlags,
    )

    tags = _safe(tags)
    utf8 = 3
    id3: _Tag = _new(ID3)
    id3.add(_new(TIT2, encoding=utf8, text=[tags.title]))
    if tags.artist:
        id3.add(_new(TPE1, encoding=utf8, text=[tags.artist]))
    if tags.album:
        id3.add(_new(TALB, encoding=utf8, text=[tags.album]))
    if tags.date and (stamp := _timestamp(tags.date)):
        id3.add(_new(TDRC, encoding=utf8, text=[stamp]))
    if tags.url:
        id3.add(_new(WOAS, url=tags.url))
    if tags.language:
        id3.add(_new(TLAN, encoding=utf8, text=[alpha3(tags.language)]))
    id3.add(_new(TLEN, encoding=utf8, text=[str(round(tags.duration * 1000))]))
    if tags.lyrics:
        id3.add(_new(USLT, encoding=utf8, lang=alpha3(tags.language), desc="", text=tags.lyrics))
    if tags.description:
        lang = alpha3(tags.language)
        id3.add(_new(COMM, encoding=utf8, lang=lang, desc="", text=[tags.description]))
    id3.add(_new(TXXX, encoding=utf8, desc=KEY, text=[tags.key]))
    id3.add(_new(TXXX, encoding=utf8, desc=DIGEST, text=[tags.digest]))
    if tags.source:
        id3.add(_new(TXXX, encoding=utf8, desc=SOURCE, text=[tags.source]))
    if tags.voice:
        id3.add(_new(TXXX, encoding=utf8, desc=VOICE, text=[tags.voice]))
    if tags.chapters:
        ids = [f"ch{i}" for i in range(len(tags.chapters))]
        id3.add(
            _new(
                CTOC,
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[_new(TIT2, encoding=utf8, text=[tags.title])],
            )
        )
        for element_id, chapter in zip(ids, tags.chapters, strict=True):
            id3.add(
                _new(
                    CHAP,
                    element_id=element_id,
                    start_time=round(chapter.start * 1000),
                    end_time=round(chapter.end * 1000),
                    sub_frames=[_new(TIT2, encoding=utf8, text=[chapter.title])],
                )
            )
    return id3


def _in_order(cls: type[_T]) -> type[_T]:
    """``cls`` (mutagen's ``ID3`` or its WAV variant) writing frames in the order they
    were added.

    mutagen sorts frames by size when it saves, so the CHAP frames came out in the order
    of their sizes (``ch1`` before ``ch0`` when its title is shorter, ``ch10`` before
    ``ch2``), and players that list chapters in file order (ffmpeg among them) showed
    them out of time order. ``_write`` is mutagen's (1.45-1.48); the chapter-order test
    in tests/export/test_export_units.py notices if that changes.
    """
    from mutagen.id3._tags import save_frame

    encode = cast("Callable[..., bytes]", save_frame)  # unannotated in mutagen

    def _write(self: _Tag, config: object) -> bytearray:
        return bytearray().join(encode(frame, config=config) for frame in self.values())

    return cast("type[_T]", type(f"InOrder{cls.__name__}", (cls,), {"_write": _write}))


def write(path: Path, tags: Tags, fmt: str) -> None:
    """Write ``tags`` into the file at ``path`` (ID3v2.4; for WAV in its id3 chunk),
    frames in the order :func:`build` added them (chapters in time order)."""
    from mutagen.id3 import ID3

    id3 = build(tags)
    if fmt == "wav":
        from mutagen.wave import WAVE

        audio: _TaggedFile = _new(WAVE, path)
        audio.add_tags()
        assert audio.tags is not None
        audio.tags.__class__ = _in_order(type(audio.tags))
        for frame in id3.values():
            audio.tags.add(frame)
        audio.save(v2_version=4)
    else:
        ordered: _Tag = _new(_in_order(ID3))
        for frame in id3.values():
            ordered.add(frame)
        ordered.save(path, v2_version=4, padding=lambda info: 0)


def read_stamp(path: Path) -> Stamp | None:
    """The export stamp of ``path``, or ``None`` when it is not a file reader wrote."""
    from reader.text.sanitize import one_line

    try:
        if path.suffix.lower() == ".wav":
            from mutagen.wave import WAVE

            id3: _Tag | None = _new(WAVE, path).tags
        else:
            from mutagen.id3 import ID3

            id3 = _new(ID3, path)
    except Exception:  # not audio, no tag, unreadable: not ours
        return None
    if id3 is None:
        return None

    def text(frame_id: str) -> str | None:
        frame = id3.get(frame_id)
        if frame is None or not frame.text:
            return None
        return one_line(str(frame.text[0]))  # a file in the folder may come from anyone

    key, digest = text(f"TXXX:{KEY}"), text(f"TXXX:{DIGEST}")
    if not key or not digest:
        return None
    length = text("TLEN")
    woas = id3.get("WOAS")
    title = text("TIT2") or path.stem
    return Stamp(
        key=key,
        digest=digest,
        title=title,
        duration=int(length) / 1000 if length and length.isdigit() else 0.0,
        artist=text("TPE1"),
        date=text("TDRC"),
        url=one_line(woas.url) if woas is not None else None,
        description=_description(id3, title),
    )


def _description(id3: _Tag, title: str) -> str | None:
    """The file's ``COMM`` text; for a file written before files carried one, the first
    paragraph of its spoken text (``USLT``)."""
    from reader.export.outline import first_paragraph, shorten

    for frame in id3.getall("COMM"):
        if frame.text and str(frame.text[0]).strip():
            return shorten(str(frame.text[0]))
    for frame in id3.getall("USLT"):
        if isinstance(frame.text, str) and frame.text.strip():
            return first_paragraph(frame.text, title)
    return None
