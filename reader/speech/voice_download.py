"""``reader voices download NAME``: a voice from the catalogue, verified, resumable.

The files are fetched into ``voices/.downloads/NAME/`` beside the voices, each to a
``.part`` file named after its MD5 digest: an interrupted download (a broken
connection, Ctrl-C, the TUI's escape) keeps what arrived, and the next attempt asks
for the rest (an HTTP range; a digest that changed in the catalogue starts afresh).
Each file is checked against the catalogue's size and MD5 digest once complete; one
that does not match is removed and the download refused, in one line. A voice whose
files verify is then added as ``reader voices add`` adds one
(:func:`reader.speech.piper_voices.add_voice`: it must load and speak a test sentence)
and moved in under its real name, the config last; nothing is ever half-written there.
Names come from the catalogue only after :mod:`reader.speech.catalog` has checked
them, and every path made from one is checked again to be inside the voices folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from reader import locations
from reader.errors import FetchError, ReaderError
from reader.extract.download import Cancelled
from reader.speech.catalog import NAME, Catalog, CatalogFile, CatalogVoice, Source, load, source
from reader.speech.espeak import SpeechError
from reader.speech.types import Voice

DEADLINE = 1800.0  # seconds for one file (a 120 MB model at 70 kB/s); resumable after
STAGING = ".downloads"
CHECKING = "checking the voice"  # what on_progress names while the voice is tried

# Called with what is being done (a file's name, or CHECKING), the bytes so far and
# the bytes in all.
Progress = Callable[[str, int, int], None]


def find(name: str, base: str | None = None) -> tuple[CatalogVoice, Catalog]:
    """The catalogue's voice ``name`` (or alias), fetching the catalogue afresh once when
    the kept one does not have it; a :class:`SpeechError` says why there is none."""
    if not NAME.fullmatch(name):
        raise SpeechError(
            name, "not a voice name (letters, digits, _ and -, like de_DE-thorsten-medium)"
        )
    catalog = load(base)
    found = catalog.find(name)
    if found is None and name not in catalog.refused and not catalog.fresh:
        with contextlib.suppress(ReaderError):
            catalog = load(base, refresh=True)
            found = catalog.find(name)
    if found is None:
        if name in catalog.refused:
            raise SpeechError(name, f"the catalogue's entry is refused: {catalog.refused[name]}")
        raise SpeechError(name, "not in the voice catalogue (`reader voices catalog` lists them)")
    return found, catalog


def download_voice(
    name: str,
    *,
    base: str | None = None,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Voice:
    """Download the catalogue's voice ``name`` into the voices folder and add it.

    ``base`` is the ``voices_url`` setting (None: the public catalogue). Raises a
    :class:`~reader.errors.ReaderError` naming ``name`` with the reason; with
    ``cancel`` set it stops (:class:`reader.extract.download.Cancelled`), keeping what
    arrived for the next attempt.
    """
    from reader.speech.piper import ID_PREFIX, installed_models

    voice, _ = find(name, base)
    if ID_PREFIX + voice.key in {m.id for m in installed_models()}:
        raise SpeechError(name, f"{ID_PREFIX}{voice.key} is installed already")
    folder = locations.voices_dir()
    try:
        staging = inside(locations.ensure(folder), Path(STAGING, voice.key), name)
        locations.ensure(staging)
    except OSError as error:
        raise SpeechError(str(folder), f"cannot be written ({error.strerror or error})") from None
    where = source(base)
    report = on_progress or (lambda what, done, total: None)
    with _locked(staging, name):
        _remove_other_parts(staging, voice)
        done = 0
        for file, suffix in ((voice.config, ".onnx.json"), (voice.model, ".onnx")):
            target = inside(staging, Path(voice.key + suffix), name)
            counter = _Counter(report, target.name, done, voice.size)
            _fetch_file(where, file, target, name, counter, cancel)
            done += file.size
        report(CHECKING, voice.size, voice.size)
        try:
            return _add(staging / f"{voice.key}.onnx", name)
        finally:
            _clean(staging)


class _Counter:
    """Progress of one file as progress of the whole voice."""

    def __init__(self, report: Progress, what: str, before: int, total: int) -> None:
        self.report = report
        self.what = what
        self.before = before
        self.total = total

    def __call__(self, have: int) -> None:
        self.report(self.what, self.before + have, self.total)


def inside(folder: Path, relative: Path, name: str) -> Path:
    """``folder / relative``, refused unless it is inside ``folder`` (after resolving)."""
    path = folder / relative
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        raise SpeechError(name, "the name leads outside the voices folder: refused") from None
    return path


def _fetch_file(
    where: Source,
    file: CatalogFile,
    target: Path,
    name: str,
    progress: _Counter,
    cancel: threading.Event | None,
) -> None:
    """``file`` verified at ``target`` (kept from an earlier attempt, or fetched to a
    ``.part`` file, resumed from what it has, verified, then renamed)."""
    if target.is_file():
        if _digest(target) == (file.size, file.md5):
            progress(file.size)
            return
        target.unlink()
    part = target.with_name(f"{target.name}.{file.md5}.part")
    have = part.stat().st_size if part.is_file() else 0
    if have > file.size:
        part.unlink()
        have = 0
    progress(have)
    try:
        with open(part, "ab" if have else "wb") as handle:
            _transfer(where, file, handle, have, target.name, progress, cancel)
    except Cancelled:
        raise  # asked to stop: what arrived stays for the next attempt
    except FetchError as error:
        kept = part.stat().st_size if part.is_file() else 0
        raise SpeechError(name, f"{target.name}: {error.reason}{_resumable(kept, file)}") from None
    except OSError as error:
        raise SpeechError(str(part), f"cannot be written ({error.strerror or error})") from None
    found = _digest(part)
    if found[0] < file.size:  # a body that ended early without a word: resumable
        raise SpeechError(
            name, f"{target.name}: the download ended early{_resumable(found[0], file)}"
        )
    if found != (file.size, file.md5):
        part.unlink()
        raise SpeechError(name, _mismatch(target.name, found, file))
    os.replace(part, target)


def _transfer(
    where: Source,
    file: CatalogFile,
    handle: BinaryIO,
    have: int,
    label: str,
    progress: _Counter,
    cancel: threading.Event | None,
) -> None:
    from reader.extract.download import copy_local, download

    place = where.locate(file.path)
    if isinstance(place, Path):
        copy_local(
            place,
            handle,
            size=file.size,
            offset=have,
            subject=label,
            on_progress=progress,
            cancel=cancel,
        )
    else:
        download(
            place,
            handle,
            size=file.size,
            offset=have,
            deadline=DEADLINE,
            subject=label,
            on_progress=progress,
            cancel=cancel,
        )


def _resumable(kept: int, file: CatalogFile) -> str:
    if not kept:
        return ""
    mb = 1_000_000  # decimal, as the progress bar
    return f" ({kept / mb:.1f} of {file.size / mb:.1f} MB kept: run it again to resume)"


def _mismatch(label: str, found: tuple[int, str], file: CatalogFile) -> str:
    size, md5 = found
    if size != file.size:
        what = f"{size} bytes where the catalogue says {file.size}"
    else:
        what = f"MD5 {md5} where the catalogue says {file.md5}"
    return f"{label} does not verify ({what}); removed, nothing was added"


def _digest(path: Path) -> tuple[int, str]:
    """The size and MD5 digest of ``path``."""
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            md5.update(chunk)
            size += len(chunk)
    return size, md5.hexdigest()


def _remove_other_parts(staging: Path, voice: CatalogVoice) -> None:
    """Parts of an earlier version of the voice (another digest) cannot be resumed."""
    wanted = {
        f"{voice.key}.onnx.json.{voice.config.md5}.part",
        f"{voice.key}.onnx.{voice.model.md5}.part",
    }
    with contextlib.suppress(OSError):
        for path in staging.iterdir():
            if path.name.endswith(".part") and path.name not in wanted:
                path.unlink()


def _add(model: Path, name: str) -> Voice:
    """Add the verified pair as ``reader voices add`` does, moving it into the folder."""
    from reader.speech.piper_voices import add_voice

    try:
        return add_voice(model, move=True)
    except SpeechError as error:
        raise SpeechError(
            name, f"the downloaded voice does not work ({error.reason}); nothing was added"
        ) from None


def _clean(staging: Path) -> None:
    """Remove the staged files of a voice that was added or refused after verification
    (the folder itself goes when the lock is let go)."""
    with contextlib.suppress(OSError):
        for path in staging.iterdir():
            if not path.name.endswith(".part"):
                path.unlink()


@contextlib.contextmanager
def _locked(staging: Path, name: str) -> Iterator[None]:
    """One download of a voice at a time (two writers of one ``.part`` would mix it)."""
    try:
        import fcntl
    except ImportError:  # Windows: not locked
        yield
        return
    lock = staging / ".lock"
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SpeechError(name, "another download of this voice is running") from None
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                lock.unlink()
            with contextlib.suppress(OSError):  # nothing kept to resume: no folder left
                staging.rmdir()
                staging.parent.rmdir()
