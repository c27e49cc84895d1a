"""Every path the reader uses, from one place.

Config, data (the library) and cache (synthesized speech) live in the platform's user
folders. Setting ``READER_HOME`` moves all three under one folder, for tests and
portable use.
"""

from __future__ import annotations

import os
from pathlib import Path

from reader.errors import ReaderError

APP_NAME = "reader"
HOME_ENV = "READER_HOME"


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "config"
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "data"
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "cache"
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    return config_dir() / "config.toml"


def lexicon_file() -> Path:
    return config_dir() / "lexicon.toml"


def library_file() -> Path:
    return data_dir() / "library.sqlite3"


def voices_dir() -> Path:
    """Piper voices added with ``reader voices add`` (MODEL.onnx + MODEL.onnx.json)."""
    return data_dir() / "voices"


def speech_cache_dir() -> Path:
    return cache_dir() / "speech"


def default_export_dir() -> Path:
    """Where exports go when the ``export_dir`` setting is not set: ``reader`` in the
    platform's music folder when that exists (``~/Music``, or XDG_MUSIC_DIR), else
    ``exports`` in the data folder. Never the current folder: a first export landed
    inside whatever checkout the user happened to be in. ``READER_HOME`` keeps it
    under that folder too."""
    home = _home()
    if home is None:
        from platformdirs import user_music_path

        music = user_music_path()
        if music.is_dir():
            return music / APP_NAME
    return data_dir() / "exports"


def screenshot_dir() -> Path:
    """Where the TUI's screenshots go: ``reader`` in the platform's pictures folder when
    that exists, else ``screenshots`` in the data folder (``READER_HOME`` keeps it there)."""
    if _home() is None:
        from platformdirs import user_pictures_path

        pictures = user_pictures_path()
        if pictures.is_dir():
            return pictures / APP_NAME
    return data_dir() / "screenshots"


class FolderError(ReaderError):
    """A folder the reader keeps its files in cannot be made or written: one line naming
    it and the reason (``reader: /ro/data/reader: the data folder cannot be created
    (/ro/data: permission denied)...``), exit 2, never a traceback."""


HINT = f"{HOME_ENV}=DIR puts the reader's folders in DIR"


def _kind(path: Path) -> str:
    """What ``path`` is to the reader, for a message: "the data folder", "a folder"..."""
    for name, folder in (("config", config_dir), ("data", data_dir), ("cache", cache_dir)):
        mine = folder()
        if path == mine:
            return f"the {name} folder"
        if path.is_relative_to(mine):
            return f"a folder in the {name} folder"
    return "the folder"


def _why(error: OSError, path: Path) -> str:
    """The reason in ``error``, naming the path it happened on when not ``path``."""
    reason = (error.strerror or type(error).__name__).lower()
    where = error.filename
    if where is not None and Path(os.fsdecode(where)) != path:
        return f"{os.fsdecode(where)}: {reason}"
    return reason


def ensure(path: Path) -> Path:
    """Create ``path`` (a folder) if needed and return it; :class:`FolderError` when it
    cannot be (an unwritable parent, a file in the way...)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = f"{_kind(path)} cannot be created ({_why(error, path)}); {HINT}"
        raise FolderError(str(path), reason) from None
    return path


def writable(path: Path) -> Path:
    """:func:`ensure` ``path`` and check that files can be made in it (the permission
    bits for this user, a read-only file system); :class:`FolderError` when not."""
    ensure(path)
    if not os.access(path, os.W_OK | os.X_OK):
        reason = "read-only file system" if _read_only(path) else "permission denied"
        raise FolderError(str(path), f"{_kind(path)} cannot be written ({reason}); {HINT}")
    return path


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False


def check_writable() -> None:
    """The config and data folders exist and can be written, or :class:`FolderError`:
    checked before the TUI takes the screen, where a failure later would be a
    full-screen traceback or a setting silently lost."""
    writable(data_dir())
    writable(config_dir())


def explain(error: OSError) -> FolderError | None:
    """An OS error on a path in one of the reader's folders as one line for the user
    (the command line's last resort); ``None`` for a path elsewhere."""
    for name in (error.filename, error.filename2):
        if name is None:
            continue
        path = Path(os.fsdecode(name))
        for kind, folder in (("config", config_dir), ("data", data_dir), ("cache", cache_dir)):
            mine = folder()
            if path == mine or path.is_relative_to(mine):
                reason = (error.strerror or type(error).__name__).lower()
                return FolderError(str(path), f"{reason} (in the {kind} folder, {mine}); {HINT}")
    return None
