"""Every path the reader uses, from one place.

Config, data (the library) and cache (synthesized speech) live in the platform's user
folders. Setting ``READER_HOME`` moves all three under one folder, for tests and
portable use.
"""

from __future__ import annotations

import os
from pathlib import Path

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


def ensure(path: Path) -> Path:
    """Create ``path`` (a folder) if needed and return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path
