"""The Piper voices catalogue: what ``reader voices download`` can fetch.

The public catalogue is ``voices.json`` of rhasspy/piper-voices (on Hugging Face): an
object whose keys are voice names (``de_DE-thorsten-medium``), each with its
``language`` (``code``, ``family``, ``name_english``, ``country_english``...),
``quality``, ``num_speakers``, ``aliases`` and ``files``, a map from each file's path
relative to the catalogue (``de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx``)
to its ``size_bytes`` and ``md5_digest``. The base address is a setting
(``voices_url``): a mirror, a ``file://`` address or a folder work the same way.

Everything in it is outside text. An entry is kept only when its name is made of
letters, digits, ``_`` and ``-`` (it becomes a file name in the voices folder), its
model and config are listed once each with sane sizes and MD5 digests, and their paths
are relative without ``..`` (they become addresses under the base, or paths inside a
mirror's folder). An entry that fails is not listed, and asking for it says why. Shown
fields are one safe line each.

The catalogue is kept in the cache folder with the time it was fetched, and fetched
again when it is older than :data:`MAX_AGE` or asked to; when that fails, the kept one
is used and the reason given. A folder is read afresh every time (nothing to cache).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from reader import locations
from reader.errors import ReaderError
from reader.speech.espeak import SpeechError
from reader.text.sanitize import one_line

CATALOG_FILE = "voices.json"
MAX_AGE = 7 * 24 * 3600.0  # seconds before the kept catalogue is fetched again
MAX_BYTES = 20 * 1024 * 1024  # the catalogue (the public one is about 1 MB)
MAX_VOICES = 10_000
CONFIG_LIMIT = 4 * 1024 * 1024  # as reader.speech.piper (not imported: it is heavier)
MODEL_LIMIT = 512 * 1024 * 1024
FETCH_DEADLINE = 60.0  # seconds for the catalogue

# A voice's name becomes a file name: letters, digits, "_" and "-" only, and it starts
# with a letter or digit (no ".", no "/", nothing hidden).
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_MD5 = re.compile(r"[0-9a-f]{32}")
_QUALITY = re.compile(r"[a-z_]{1,20}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?")


@dataclass(frozen=True, slots=True)
class CatalogFile:
    """One file of a voice: its path relative to the catalogue, size and MD5 digest."""

    path: str
    size: int
    md5: str


@dataclass(frozen=True, slots=True)
class CatalogVoice:
    """A voice the catalogue offers."""

    key: str  # "de_DE-thorsten-medium": the file stem, and the voice id after "piper/"
    name: str  # "thorsten"
    language: str  # "de_DE"
    language_name: str  # "German (Germany)"
    quality: str  # "medium"
    speakers: int
    model: CatalogFile
    config: CatalogFile
    aliases: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return self.model.size + self.config.size

    def speaks(self, code: str) -> bool:
        """Whether this voice is for ``code`` ("de", "de-DE", "de_DE"; any case)."""
        return language_matches(self.language, code)


def language_matches(language: str, code: str) -> bool:
    """``code`` names ``language`` exactly, or is its family ("de" for "de_DE")."""
    have = language.lower().replace("_", "-")
    want = code.lower().replace("_", "-")
    return have == want or ("-" not in want and have.split("-")[0] == want)


@dataclass(frozen=True)
class Catalog:
    """The catalogue as read: its voices, the entries refused (name: reason), where it
    came from and when (``fetched``, seconds since the epoch; None for a folder read
    now), and why a kept copy is shown instead of a fresh one (``problem``)."""

    voices: list[CatalogVoice]
    refused: dict[str, str]
    source: str
    fetched: float | None
    problem: str | None = None
    fresh: bool = field(default=False)

    def find(self, name: str) -> CatalogVoice | None:
        """The voice named ``name`` or one of its aliases (case as written)."""
        for voice in self.voices:
            if voice.key == name:
                return voice
        for voice in self.voices:
            if name in voice.aliases:
                return voice
        return None

    def for_language(self, code: str | None) -> list[CatalogVoice]:
        if not code:
            return list(self.voices)
        return [v for v in self.voices if v.speaks(code)]


# -- where it comes from --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """The catalogue's base: an http(s) address ending in "/", or a folder."""

    url: str | None
    folder: Path | None

    def __str__(self) -> str:
        return self.url if self.url is not None else str(self.folder)

    def locate(self, relative: str) -> str | Path:
        """Where the catalogue's ``relative`` path is (checked by :func:`safe_path`)."""
        if self.folder is not None:
            return self.folder.joinpath(*relative.split("/"))
        assert self.url is not None
        return self.url + quote(relative, safe="/")


def source(base: str | None = None) -> Source:
    """The :class:`Source` for ``base`` (the ``voices_url`` setting; None: the public
    catalogue, :data:`reader.config.VOICES_URL`)."""
    from reader.config import VOICES_URL

    text = (base or VOICES_URL).strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return Source(text if text.endswith("/") else text + "/", None)
    if scheme == "file":
        from urllib.request import url2pathname

        return Source(None, Path(url2pathname(unquote(parts.path))))
    return Source(None, Path(text).expanduser())


def safe_path(relative: Any) -> str | None:
    """``relative`` if it is a path that stays under the catalogue's base (no ``..``,
    no absolute path, drive, scheme, query or escapes); None otherwise."""
    if not isinstance(relative, str) or not 0 < len(relative) <= 300:
        return None
    if not relative.isprintable() or any(c in relative for c in "\\:?#%"):
        return None
    segments = relative.split("/")
    if any(s in ("", ".", "..") for s in segments):
        return None
    return relative


# -- reading it -----------------------------------------------------------------------------


def parse(data: bytes | str, source_name: str) -> tuple[list[CatalogVoice], dict[str, str]]:
    """The voices of a ``voices.json`` and the entries refused (name: reason).

    Raises :class:`SpeechError` naming ``source_name`` when it is not such a catalogue.
    """
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else "not JSON"
        raise SpeechError(source_name, f"not a Piper voices catalogue ({reason})") from None
    if not isinstance(raw, dict):
        raise SpeechError(source_name, "not a Piper voices catalogue (not a JSON object)")
    if len(raw) > MAX_VOICES:
        raise SpeechError(source_name, f"more than {MAX_VOICES} voices: not read")
    voices: list[CatalogVoice] = []
    refused: dict[str, str] = {}
    for key, entry in raw.items():
        try:
            voices.append(_entry(key, entry))
        except ValueError as problem:
            refused[_shown(key, 120)] = str(problem)
    voices.sort(key=lambda v: (v.language.lower(), v.key.lower()))
    return voices, refused


def _entry(key: Any, entry: Any) -> CatalogVoice:
    if not isinstance(key, str) or not NAME.fullmatch(key):
        raise ValueError("its name is not a plain voice name (letters, digits, _ and -)")
    if not isinstance(entry, dict):
        raise ValueError("not a voice entry (not a JSON object)")
    files = entry.get("files")
    if not isinstance(files, dict):
        raise ValueError("it lists no files")
    model = _file(files, ".onnx", MODEL_LIMIT)
    config = _file(files, ".onnx.json", CONFIG_LIMIT)
    language = entry.get("language")
    language = language if isinstance(language, dict) else {}
    code = language.get("code")
    if not isinstance(code, str) or not _LANGUAGE.fullmatch(code):
        code = key.split("-")[0] if _LANGUAGE.fullmatch(key.split("-")[0]) else "und"
    quality = entry.get("quality")
    speakers = entry.get("num_speakers")
    aliases = entry.get("aliases")
    return CatalogVoice(
        key=key,
        name=_shown(entry.get("name"), 60) or key,
        language=code,
        language_name=_language_name(language),
        quality=quality if isinstance(quality, str) and _QUALITY.fullmatch(quality) else "",
        speakers=speakers if type(speakers) is int and 0 < speakers < 100_000 else 1,
        model=model,
        config=config,
        aliases=tuple(a for a in aliases if isinstance(a, str) and NAME.fullmatch(a))[:20]
        if isinstance(aliases, list)
        else (),
    )


def _file(files: dict[Any, Any], suffix: str, limit: int) -> CatalogFile:
    """The one file of ``files`` whose name ends in ``suffix`` (".onnx", ".onnx.json")."""
    found = [(path, info) for path, info in files.items() if str(path).endswith(suffix)]
    what = "model" if suffix == ".onnx" else "config"
    if len(found) != 1:
        raise ValueError(f"it lists {len(found)} {what} files where one is needed")
    path, info = found[0]
    if safe_path(path) is None:
        raise ValueError(
            f"its {what} file name leaves the catalogue's folder ({_shown(path, 80)}): refused"
        )
    info = info if isinstance(info, dict) else {}
    size = info.get("size_bytes")
    digest = info.get("md5_digest")
    if type(size) is not int or not 0 < size <= limit:
        raise ValueError(f"its {what} file has no size from 1 to {limit} bytes")
    if not isinstance(digest, str) or not _MD5.fullmatch(digest.lower()):
        raise ValueError(f"its {what} file has no MD5 digest")
    return CatalogFile(path, size, digest.lower())


def _language_name(language: dict[str, Any]) -> str:
    name = _shown(language.get("name_english"), 40)
    country = _shown(language.get("country_english"), 40)
    return f"{name} ({country})" if name and country else name


def _shown(value: Any, limit: int) -> str:
    """A field from the catalogue as one safe, bounded line ("" when not a string)."""
    if not isinstance(value, str):
        return ""
    text = one_line(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- fetching and keeping it ----------------------------------------------------------------


def cache_file() -> Path:
    return locations.cache_dir() / "voices" / "catalog.json"


def load(base: str | None = None, *, refresh: bool = False) -> Catalog:
    """The catalogue at ``base`` (the ``voices_url`` setting): the kept copy when it is
    younger than :data:`MAX_AGE`, else fetched (``refresh``: fetched now). A failed
    fetch with a kept copy gives the copy and the reason; without one, or when
    ``refresh`` was asked, it raises the :class:`~reader.errors.ReaderError`."""
    where = source(base)
    if where.folder is not None:
        return _read_folder(where)
    kept = _read_kept(str(where))
    now = time.time()
    if kept is not None and not refresh and 0 <= now - (kept.fetched or 0) <= MAX_AGE:
        return kept
    try:
        return _fetch(where)
    except ReaderError as error:
        if kept is None or refresh:
            raise
        return Catalog(kept.voices, kept.refused, kept.source, kept.fetched, error.reason)


def _read_folder(where: Source) -> Catalog:
    from reader.files import read_user_file

    assert where.folder is not None
    path = where.folder / CATALOG_FILE
    data = read_user_file(path, MAX_BYTES, error=SpeechError)
    voices, refused = parse(data, str(path))
    return Catalog(voices, refused, str(where), None, fresh=True)


def _fetch(where: Source) -> Catalog:
    from reader.extract.fetch import fetch
    from reader.files import write_atomic

    url = str(where.locate(CATALOG_FILE))
    got = fetch(url, source=url, deadline=FETCH_DEADLINE, feed=True)  # JSON is a feed type
    voices, refused = parse(got.data, url)
    fetched = time.time()
    kept = {"source": str(where), "fetched": fetched, "catalog": json.loads(got.data)}
    path = cache_file()
    try:
        locations.ensure(path.parent)
        write_atomic(path, json.dumps(kept).encode("utf-8"), suffix=".part")
    except OSError:
        pass  # a cache that cannot be written is fetched again next time
    return Catalog(voices, refused, str(where), fetched, fresh=True)


def _read_kept(source_name: str) -> Catalog | None:
    """The kept catalogue if it was fetched from ``source_name`` and reads well."""
    from reader.files import read_user_file

    try:
        data = json.loads(read_user_file(cache_file(), MAX_BYTES * 2, error=SpeechError))
        if data["source"] != source_name or not isinstance(data["fetched"], int | float):
            return None
        voices, refused = parse(json.dumps(data["catalog"]), str(cache_file()))
    except (ReaderError, ValueError, TypeError, KeyError, RecursionError):
        return None
    return Catalog(voices, refused, source_name, float(data["fetched"]))


def age(fetched: float | None, now: float | None = None) -> str:
    """How old a catalogue fetched at ``fetched`` is, in words ("read now" for None)."""
    if fetched is None:
        return "read now"
    seconds = max(0.0, (time.time() if now is None else now) - fetched)
    if seconds < 60:
        return "fetched just now"
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= length:
            count = int(seconds // length)
            return f"fetched {count} {unit}{'s' if count > 1 else ''} ago"
    return "fetched just now"  # pragma: no cover - the loop ends at a minute
