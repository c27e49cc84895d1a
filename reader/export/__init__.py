"""Export: articles and highlights to tagged audio files.

One item (an input: URL, file, stdin or library article) becomes one or more
*parts*: the whole article (chapters per heading section), its highlights as
chapters of one file, or one file per highlight (``split``). For each part,
:func:`export_item` synthesizes the speech, streams it through ffmpeg
(:mod:`reader.audio.encode`) into a temporary file *in the export folder*, and tags it
(:mod:`reader.export.tags`). It never gives a part its final name: the caller
(:mod:`reader.export.batch`) renames finished files into place in input order,
so names are deterministic whatever order parallel workers finish in, and a run
killed at any moment leaves no truncated file under a final name.

:func:`export_item` is a plain top-level function over picklable values, so the
same code runs in-process, in a local process pool and on Dask workers.

This package is a pure stage: it is handed articles (or sources with a function
that extracts them) and resolved options. Looking articles up in the library,
reading stdin and recording exports belong to the callers
(:mod:`reader.exporting`); import-linter keeps ``reader.library`` and
``reader.extract`` out of here.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from reader.errors import ReaderError
from reader.export.outline import snippet

if TYPE_CHECKING:
    from collections.abc import Callable

    from reader.audio.encode import Rendered
    from reader.config import Settings
    from reader.export.tags import Chapter
    from reader.speech import Chunk
    from reader.text.article import Article

# Bump when the audio or tags written for the same input and settings change, so
# that resuming redoes files written by an older version. 2: a description (COMM) and
# chapters every few paragraphs for a long article without headings.
EXPORT_VERSION = 2
TEMP_PREFIX = ".reader-"
TEMP_SUFFIX = ".part"
# A chunk whose samples all stay below this (of 32,767) holds no speech.
SILENCE_PEAK = 64
# Appended to the title and the file name of an article's highlights in one file.
HIGHLIGHTS_SUFFIX = " — highlights"

Status = Literal["exported", "skipped", "failed"]


class ExportError(ReaderError):
    """An export that cannot run at all (for example an unwritable folder)."""


class Cancelled(Exception):
    """Raised by a progress callback to stop an export; the part being written goes."""


@dataclass(frozen=True)
class Batch:
    """How a batch of exports runs, beside what each file is (:class:`ExportOptions`):
    ``jobs`` worker processes here, or the Dask scheduler at ``cluster``; with
    ``feed``, a podcast feed of the folder is written, its enclosures under
    ``base_url`` (file URLs of the folder when None)."""

    jobs: int = 1
    cluster: str | None = None
    feed: bool = False
    base_url: str | None = None


@dataclass(frozen=True)
class ExportOptions:
    """How to export; ``None`` voice/rate/pitch/volume/settings mean the user's settings.

    Front ends fill them once with :meth:`resolved` (their own settings, so a TUI's
    reach the export); ``highlight_pause`` is the silence between highlights in one file.
    """

    fmt: str = "mp3"
    bitrate: str = "64k"
    voice: str | None = None
    rate: int | None = None
    pitch: int | None = None
    volume: float | None = None
    normalize: bool = False
    highlights_only: bool = False
    split: bool = False
    force: bool = False
    highlight_pause: float = 1.5
    # The rest of the user's settings (pauses, lexicon, speech cache, ffmpeg), passed
    # down to speech and audio: filled by resolved(), picklable for the workers.
    settings: Settings | None = field(default=None, repr=False)

    def resolved(self, settings: Settings | None = None) -> ExportOptions:
        """These options with ``settings`` filled in (done once, by the caller).

        Without ``settings`` (a Python caller's default) the user's settings file is read.
        """
        if settings is None:
            from reader.config import settings as load

            settings = self.settings or load()
        return replace(
            self,
            voice=self.voice if self.voice is not None else settings.voice,
            rate=self.rate if self.rate is not None else settings.rate,
            pitch=self.pitch if self.pitch is not None else settings.pitch,
            volume=self.volume if self.volume is not None else settings.volume,
            settings=settings,
        )

    @property
    def pauses(self) -> tuple[int, int, int]:
        """The settings' ``pause_*_ms`` (sentence, paragraph, heading), for the digest."""
        if self.settings is None:
            return (0, 0, 0)
        s = self.settings
        return (s.pause_sentence_ms, s.pause_paragraph_ms, s.pause_heading_ms)

    def recorded(self) -> dict[str, object]:
        """What the library keeps of these options with each exported file."""
        kept = {f.name: getattr(self, f.name) for f in fields(self)}
        kept.pop("force")
        kept.pop("settings")
        return kept


@dataclass(frozen=True)
class Item:
    """An input as looked up by the caller, ready for the runner.

    ``article`` is the article itself (the library, stdin); ``source`` is a URL or a
    file that the runner's ``extract`` function reads (in the worker). ``error``
    settles the item as failed with that line (an input the caller could not look
    up), in its place in the input order.
    """

    label: str  # the input as the user gave it
    key: str = ""
    source: str | None = None
    article: Article | None = None
    highlights: tuple[tuple[int, int], ...] | None = None
    error: str | None = None

    @classmethod
    def of_source(cls, source: str) -> Item:
        """A URL or a file, extracted by the worker."""
        return cls(source, item_key(source), source=source)


@dataclass(frozen=True, slots=True)
class Part:
    """One output file of an item: ``ranges`` of ``article.text`` spoken in order."""

    key: str
    title: str
    stem: str  # the preferred file name stem, already safe
    ranges: tuple[tuple[int, int], ...]
    chapters: Literal["headings", "ranges"]


@dataclass(frozen=True)
class Job:
    """An item to export, as sent to a worker.

    ``source`` is extracted by the worker (with the ``extract`` function handed to
    :func:`export_item`); ``article`` is given instead when the caller already has
    it (stdin, the library). ``highlights`` are ``(start, end)`` offsets into
    ``article.text``. ``previous`` maps part keys to the digests of files already
    in the folder (for resuming).
    """

    index: int
    label: str  # the input as the user gave it
    key: str
    folder: str
    options: ExportOptions
    source: str | None = None
    article: Article | None = None
    highlights: tuple[tuple[int, int], ...] | None = None
    previous: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PartResult:
    key: str
    title: str
    stem: str
    ext: str
    digest: str
    temp: str | None  # the finished temporary file; None when skipped (up to date)
    duration: float


@dataclass
class ItemResult:
    """What became of one item. ``error`` is one line for the user."""

    index: int
    label: str
    status: Status
    error: str | None = None
    key: str = ""
    title: str | None = None
    parts: list[PartResult] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # final names, filled in on commit
    seconds: float = 0.0  # wall time spent
    audio_seconds: float = 0.0
    voice: str | None = None  # "joe (piper/en_US-joe-medium), 175 wpm": who spoke it

    def to_dict(self) -> dict[str, object]:
        return {
            "input": self.label,
            "status": self.status,
            "error": self.error,
            "title": self.title,
            "voice": self.voice,
            "files": self.files,
            "seconds": round(self.seconds, 3),
            "audio_seconds": round(self.audio_seconds, 3),
        }


def item_key(source: str) -> str:
    """A stable identity for an input: URLs as given, files by absolute path."""
    if "://" in source or source.startswith(("library:", "stdin:")):
        return source
    return "file:" + str(Path(source).expanduser().resolve())


def plan(
    article: Article,
    key: str,
    options: ExportOptions,
    highlights: Sequence[tuple[int, int]] | None,
) -> list[Part]:
    """The parts (output files) of one item."""
    from reader.export.names import safe_stem

    title = article.name
    stem = safe_stem(title)
    if not options.highlights_only:
        whole = ((0, len(article.text)),)
        return [Part(key, title or "untitled", stem, whole, "headings")]
    ranges = tuple(sorted((s, e) for s, e in highlights or () if e > s))
    if not ranges:
        raise ReaderError("highlights", "this article has no saved highlights")
    if not options.split:
        # Named and tagged apart from the whole article's file: a podcast app shows both.
        from reader.export.names import MAX_STEM_BYTES

        label = f"{title or 'untitled'}{HIGHLIGHTS_SUFFIX}"
        cap = MAX_STEM_BYTES - len(HIGHLIGHTS_SUFFIX.encode("utf-8"))
        named = safe_stem(title, cap) + HIGHLIGHTS_SUFFIX
        return [Part(f"{key}#highlights", label, named, ranges, "ranges")]
    count = len(ranges)
    return [
        Part(
            f"{key}#highlight-{n}",
            f"{title or 'untitled'} ({n}/{count})",
            f"{stem} - {n:02d}",
            (span,),
            "ranges",
        )
        for n, span in enumerate(ranges, 1)
    ]


def digest(article: Article, part: Part, options: ExportOptions) -> str:
    """A hash of everything that shapes a part's audio and tags (for resuming)."""
    shaping = {f.name: getattr(options, f.name) for f in fields(options)}
    shaping.pop("force")
    shaping.pop("settings")
    payload = {
        "version": EXPORT_VERSION,
        "content": article.content_hash,
        "ranges": part.ranges,
        "title": part.title,
        "meta": [article.authors, article.site, article.date, article.url],
        "options": shaping,
        "pauses": list(options.pauses),
    }
    encoded = json.dumps(payload, sort_keys=True, default=list).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def export_item(
    job: Job,
    extract: Callable[[str], Article] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ItemResult:
    """Extract (if needed, with ``extract``) and export one item into temporary files
    in the folder; ``progress(done, total, title)`` is called before each part.

    Never raises for a bad input or a write failure: the result says ``failed``
    with one line naming the input and the reason, and no file is left behind.
    """
    began = time.perf_counter()
    result = ItemResult(job.index, job.label, "skipped", key=job.key)
    try:
        _export_parts(job, extract, progress, result)
    except Cancelled:
        _fail(result, job.label, "cancelled")
        raise
    except ReaderError as error:
        _fail(result, error.subject, error.reason)
    except OSError as error:
        reason = error.strerror or str(error)
        _fail(result, job.label, f"cannot write to {job.folder} ({reason})")
    except Exception as error:  # one bad item must not end a batch of thousands
        _fail(result, job.label, f"unexpected {type(error).__name__}: {error}")
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): the parts done so far go too
        for finished in result.parts:
            if finished.temp:
                Path(finished.temp).unlink(missing_ok=True)
        raise
    result.seconds = time.perf_counter() - began
    return result


def _export_parts(
    job: Job,
    extract: Callable[[str], Article] | None,
    progress: Callable[[int, int, str], None] | None,
    result: ItemResult,
) -> None:
    """The work of :func:`export_item`: each part of the article rendered into a
    temporary file, or kept when the folder holds it with the same digest."""
    article = job.article
    if article is None:
        if job.source is None or extract is None:
            raise ReaderError(job.label, "no article, and nothing to extract it with")
        article = extract(job.source)
    result.title = article.name
    parts = plan(article, job.key, job.options, job.highlights)
    for number, part in enumerate(parts):
        if progress is not None:
            progress(number, len(parts), part.title)
        part_digest = digest(article, part, job.options)
        done = PartResult(part.key, part.title, part.stem, job.options.fmt, part_digest, None, 0)
        if not job.options.force and job.previous.get(part.key) == part_digest:
            result.parts.append(done)
            continue
        temp, rendered = render_part(article, part, job.options, Path(job.folder), part_digest)
        result.parts.append(replace(done, temp=temp, duration=rendered.duration))
        result.audio_seconds += rendered.duration
        result.status = "exported"
        result.voice = _voice_label(article, job.options)


def _fail(result: ItemResult, subject: str, reason: str) -> None:
    for part in result.parts:
        if part.temp:
            Path(part.temp).unlink(missing_ok=True)
    result.parts.clear()
    result.status = "failed"
    prefix = result.label if subject in (result.label, "") else f"{result.label}: {subject}"
    result.error = f"{prefix}: {reason}"


def _voice_label(article: Article, options: ExportOptions) -> str:
    """ "joe (piper/en_US-joe-medium), 175 wpm": the voice that spoke, for the tags."""
    from reader.speech import warm_up

    voice = warm_up(options.voice, article.language, settings=options.settings)  # no work
    rate = f", {options.rate} wpm" if options.rate else ""
    return f"{voice.name} ({voice.id}){rate}"


def render_part(
    article: Article, part: Part, options: ExportOptions, folder: Path, part_digest: str
) -> tuple[str, Rendered]:
    """Speak ``part`` into a tagged temporary file in ``folder``; returns its path.

    The file is removed again if anything fails (a full disk, ffmpeg, the engine).
    """
    from reader.audio import encode as audio
    from reader.export import tags
    from reader.export.names import create_temp
    from reader.export.outline import description

    fd, temp = create_temp(folder, TEMP_PREFIX, TEMP_SUFFIX)
    audible = _Audible()
    try:
        with os.fdopen(fd, "wb") as handle:
            rendered = audio.render(
                audible.watch(_speech(article, part, options)),
                handle,
                fmt=options.fmt,
                bitrate=options.bitrate,
                normalize=options.normalize,
                settings=options.settings,
            )
        if not audible.heard:  # emoji or symbols only: a silent file is no export
            raise ReaderError("", "nothing to speak (the text has no speakable words)")
        spoken = "\n\n".join(article.text[s:e].strip() for s, e in part.ranges)
        meta = tags.Tags(
            title=part.title,
            key=part.key,
            digest=part_digest,
            duration=rendered.duration,
            artist=", ".join(article.authors) or article.site,
            album=article.site,
            date=article.date,
            url=article.url,
            source=article.source,
            lyrics=spoken,
            language=article.language,
            chapters=chapters(article, part, rendered),
            description=description(article, part.ranges),
            voice=_voice_label(article, options),
        )
        tags.write(Path(temp), meta, options.fmt)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return temp, rendered


class _Audible:
    """Whether any chunk passing through :meth:`watch` holds sound (not only silence)."""

    def __init__(self) -> None:
        self.heard = False

    def watch(self, chunks: Iterator[Chunk]) -> Iterator[Chunk]:
        for chunk in chunks:
            if not self.heard and chunk.pcm:
                self.heard = _peak(chunk.pcm) > SILENCE_PEAK
            yield chunk


def _peak(pcm: bytes) -> int:
    """The largest magnitude among 16-bit little-endian samples."""
    import sys
    from array import array

    samples = array("h", pcm[: len(pcm) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return max(max(samples, default=0), -min(samples, default=0))


def _speech(article: Article, part: Part, options: ExportOptions) -> Iterator[Chunk]:
    """The chunks of every range in order, with ``highlight_pause`` between ranges."""
    from reader.speech import resolve_voicing, synthesize_article

    # How to speak, resolved once for the part from the options the front end filled.
    voicing = resolve_voicing(
        options.voice,
        options.rate,
        options.pitch,
        options.volume,
        article.language,
        options.settings,
    )
    last: Chunk | None = None
    for start, end in part.ranges:
        if last is not None:
            yield replace(last, pause_after=max(last.pause_after, options.highlight_pause))
            last = None
        for chunk in synthesize_article(
            article,
            start,
            end,
            voicing=voicing,
            cache="read",  # export must not push out what the user listened to
            quick_start=False,  # the first sentence whole: nobody waits for its audio
        ):
            if last is not None:
                yield last
            last = chunk
    if last is not None:
        yield last


def chapters(article: Article, part: Part, rendered: Rendered) -> tuple[Chapter, ...]:
    """Chapters per highlight (``ranges``) or per heading section (``headings``).

    A chapter starts where the first chunk at or after its text offset starts; the
    pause before it belongs to the chapter before. Every highlight is a chapter, a
    single one too (players then show its title); an article without headings gets one
    every few paragraphs when it is long (:func:`reader.export.outline.paragraph_chapters`),
    none when it is short.
    """
    from reader.export.outline import paragraph_chapters
    from reader.export.tags import Chapter

    starts: list[tuple[int, str]] = []
    if part.chapters == "ranges":
        starts = [(s, snippet(article.text[s:e])) for s, e in part.ranges]
    else:
        headings = [
            (span.start, snippet(block.text))
            for block, span in zip(article.blocks, article.block_spans, strict=True)
            if block.kind == "heading"
        ]
        if headings:
            if headings[0][0] > 0 and article.text[: headings[0][0]].strip():
                starts.append((0, snippet(article.name) or "Introduction"))
            starts.extend(headings)
        else:
            starts = paragraph_chapters(article)
    times: list[tuple[float, str]] = []
    marks = rendered.marks
    i = 0
    for offset, title in starts:
        while i < len(marks) and marks[i].end <= offset:
            i += 1
        if i == len(marks):
            break
        when = 0.0 if not times else marks[i].time
        if times and when <= times[-1][0]:
            continue  # nothing spoken between two headings: keep the first
        times.append((when, title))
    return tuple(
        Chapter(title, when, times[n + 1][0] if n + 1 < len(times) else rendered.duration)
        for n, (when, title) in enumerate(times)
    )
