"""User settings: a typed object loaded once from a TOML file in the config folder.

A bad value never stops the reader: :func:`load_settings` keeps the default for that
key and reports a :class:`~reader.errors.ConfigError` naming the file, the key and
what is allowed, which front ends show as a warning. ``reader config set`` validates
the same way before it writes anything.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

from reader import locations
from reader.errors import ConfigError
from reader.files import write_atomic

THEMES = ("dark", "light", "high-contrast")
# How HTML pages are extracted: the consensus of extractors, or trafilatura alone (faster,
# for big batches). reader/extract/html.py.
EXTRACTION_MODES = ("consensus", "fast")
# The bounds of the speech settings: the one place they are written (validation, the
# TUI's rate keys and the command-line help read them from here).
RATE_MIN, RATE_MAX = 80, 525  # words per minute; the fastest is 3x the default (175)
PITCH_MIN, PITCH_MAX = 0, 99  # eSpeak's scale
VOLUME_MIN, VOLUME_MAX = 0.0, 1.0


@dataclass(frozen=True)
class Settings:
    voice: str | None = None  # an engine voice id or name; None follows the article's language
    # Where `reader voices download` finds the Piper voices catalogue (voices.json) and
    # the voices' files: an http(s) or file:// address, or a folder; None: VOICES_URL.
    voices_url: str | None = None
    rate: int = 175  # words per minute
    pitch: int = 50  # 0..99, eSpeak's scale
    volume: float = 1.0  # 0.0..1.0
    pause_sentence_ms: int = 250
    pause_paragraph_ms: int = 600
    pause_heading_ms: int = 800
    lexicon: str | None = None  # path of the pronunciation lexicon; None: lexicon.toml beside this
    theme: str = "dark"
    export_dir: str | None = None  # None: locations.default_export_dir()
    bitrate: str = "64k"
    cache_mb: int = 500  # speech cache bound
    ffmpeg: str | None = None  # path of a system ffmpeg; None: the one imageio-ffmpeg ships
    # Follow links and redirects from public servers into loopback, private and link-local
    # addresses (reader.extract.addresses): for public feeds that name the user's network.
    private_addresses: bool = False
    sync_deadline: int = 600  # seconds a whole `feeds sync` may take (reader.feeds.budget)
    extraction: str = "consensus"  # or "fast": trafilatura alone (`reader extract --fast`)

    def lexicon_path(self) -> Path:
        return Path(self.lexicon).expanduser() if self.lexicon else locations.lexicon_file()

    def export_path(self) -> Path:
        """Where exports go: the ``export_dir`` setting, else the platform's music folder
        or the data folder (:func:`reader.locations.default_export_dir`); absolute, so
        that what is said about it names one place."""
        if self.export_dir:
            return Path(self.export_dir).expanduser().absolute()
        return locations.default_export_dir().absolute()


def _int_range(low: int, high: int) -> tuple[Callable[[Any], Any], str]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError
        number = int(value)
        if not low <= number <= high:
            raise ValueError
        return number

    return check, f"a whole number from {low} to {high}"


def _float_range(low: float, high: float) -> tuple[Callable[[Any], Any], str]:
    def check(value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
        if not low <= number <= high:
            raise ValueError
        return number

    return check, f"a number from {low} to {high}"


def _optional_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError
    return value


def _program(value: Any) -> str | None:
    """A path to a program that exists ("~" expanded), or None for the default."""
    text = _optional_str(value)
    if text is None:
        return None
    path = Path(text).expanduser()
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ValueError
    return str(path)


def _lexicon(value: Any) -> str | None:
    """A lexicon path, or None for the default: a regular file when it exists (a named pipe
    would block ``say``, ``/dev/zero`` never ends); one made later is fine."""
    text = _optional_str(value)
    if text is None:
        return None
    path = Path(text).expanduser()
    if path.exists() and not path.is_file():
        raise ValueError
    return text


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        return value.strip().lower() in ("true", "yes")
    raise ValueError


def _choice(options: tuple[str, ...]) -> tuple[Callable[[Any], Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError
        return str(value)

    return check, "one of " + ", ".join(options)


def _voice(value: Any) -> str | None:
    """A voice id, name or language code: short, of the characters ids are made of
    (``gmw/en-US``, ``en-us+f3``, ``piper/en_US-joe-medium``). Whether it is installed
    is checked where voices are known (``reader config set voice``, the engine)."""
    text = _optional_str(value)
    if text is not None and (len(text) > 80 or not all(c.isalnum() or c in "_-+/. " for c in text)):
        raise ValueError
    return text


# The public Piper voices catalogue (rhasspy/piper-voices on Hugging Face): voices.json
# lists each voice with its files, their sizes and MD5 digests, relative to this address.
VOICES_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main/"


def _voices_url(value: Any) -> str | None:
    """An http(s) or file:// address, or an absolute folder path ("~" allowed): a mirror
    of the Piper voices catalogue. A relative path would change with the current folder."""
    from urllib.parse import urlsplit

    text = _optional_str(value)
    if text is None:
        return None
    text = text.strip()
    if len(text) > 2000 or not text.isprintable():
        raise ValueError
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise ValueError
    elif scheme == "file":
        if not parts.path.startswith("/"):
            raise ValueError
    elif not Path(text).expanduser().is_absolute():
        raise ValueError
    return text


def _bitrate(value: Any) -> str:
    text = str(value).strip().lower()
    number = text[:-1] if text.endswith("k") else text
    if not number.isdigit() or not 8 <= int(number) <= 320:
        raise ValueError
    return f"{int(number)}k"


VALIDATORS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "voice": (_voice, "an installed voice's id, name or language (see `reader voices`)"),
    "rate": _int_range(RATE_MIN, RATE_MAX),
    "pitch": _int_range(PITCH_MIN, PITCH_MAX),
    "volume": _float_range(VOLUME_MIN, VOLUME_MAX),
    "pause_sentence_ms": _int_range(0, 5000),
    "pause_paragraph_ms": _int_range(0, 10000),
    "pause_heading_ms": _int_range(0, 10000),
    "lexicon": (_lexicon, "a path to a TOML lexicon (a regular file)"),
    "theme": _choice(THEMES),
    "export_dir": (_optional_str, "a folder path"),
    "bitrate": (_bitrate, "a bitrate from 8k to 320k"),
    "cache_mb": _int_range(0, 100_000),
    "ffmpeg": (_program, 'the path of an ffmpeg program that exists, or "" for the bundled one'),
    "voices_url": (
        _voices_url,
        'an http(s) or file:// address or an absolute folder path, or "" for the public '
        "Piper voices catalogue",
    ),
    "private_addresses": (_boolean, "true or false"),
    "sync_deadline": _int_range(1, 86_400),
    "extraction": _choice(EXTRACTION_MODES),
}
assert set(VALIDATORS) == {f.name for f in fields(Settings)}


def validate(key: str, value: Any, source: Path | str) -> Any:
    """Return ``value`` converted for ``key`` or raise :class:`ConfigError`."""
    if key not in VALIDATORS:
        known = ", ".join(VALIDATORS)
        raise ConfigError(str(source), f"unknown key {key!r} (known keys: {known})")
    check, allowed = VALIDATORS[key]
    try:
        return check(value)
    except (ValueError, TypeError):
        raise ConfigError(str(source), f"{key} = {value!r} is not allowed: use {allowed}") from None


# The settings file is a few hundred bytes; a larger one is not ours to read.
MAX_SETTINGS_BYTES = 1024 * 1024


def _read(path: Path) -> str:
    """The settings file's text: a regular file of at most MAX_SETTINGS_BYTES."""
    from reader.files import read_user_file

    return read_user_file(path, MAX_SETTINGS_BYTES, error=ConfigError).decode("utf-8")


def read_settings(path: Path) -> tuple[Settings, list[ConfigError]]:
    """Read ``path``: the settings, with defaults where a value was bad, and the problems."""
    problems: list[ConfigError] = []
    if not path.exists():
        return Settings(), problems
    try:
        data = tomllib.loads(_read(path))
    except ConfigError as error:
        problems.append(ConfigError(error.subject, f"{error.reason}; using the defaults"))
        return Settings(), problems
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        problems.append(ConfigError(str(path), f"cannot be read ({error}); using the defaults"))
        return Settings(), problems
    values: dict[str, Any] = {}
    for key, value in data.items():
        try:
            values[key] = validate(key, value, path)
        except ConfigError as error:
            problems.append(error)
    return replace(Settings(), **values), problems


@cache
def _load(path: str, mtime: float) -> tuple[Settings, tuple[ConfigError, ...]]:
    settings, problems = read_settings(Path(path))
    return settings, tuple(problems)


def load_settings() -> tuple[Settings, list[ConfigError]]:
    """The user's settings (cached until the file changes) and any problems in them."""
    path = locations.config_file()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = -1.0
    settings, problems = _load(str(path), mtime)
    return settings, list(problems)


def settings() -> Settings:
    """The user's settings; problems are ignored (defaults stand in for bad values)."""
    return load_settings()[0]


def save_setting(key: str, raw: str) -> Settings:
    """Validate and store one value (``reader config set KEY VALUE``); atomic write."""
    import tomli_w

    path = locations.config_file()
    value = validate(key, _parse_raw(raw), path)
    try:
        data = tomllib.loads(_read(path)) if path.exists() else {}
    except UnicodeDecodeError as error:
        raise ConfigError(str(path), f"cannot be read ({error}); fix or remove it first") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), f"cannot be read ({error}); fix or remove it first") from None
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    locations.writable(path.parent)
    try:
        write_atomic(path, tomli_w.dumps(data).encode("utf-8"))
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise ConfigError(str(path), f"cannot be written ({reason})") from None
    _load.cache_clear()
    return settings()


def _parse_raw(raw: str) -> Any:
    """A command-line value as TOML would read it, else as a string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def as_dict(value: Settings) -> dict[str, Any]:
    return asdict(value)
