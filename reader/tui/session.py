"""What the screens share: the library, the audio output and the options in force.

The app builds one :class:`Session` and hands it to each screen it opens, so no
screen reaches for the app (nor imports it): a screen reads the rate and voice
here, opens the library and the player through it, and asks the app for anything
else (open the library screen, an article, a source) by posting a message.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from reader.config import Settings
    from reader.playback import Player
    from reader.tui.store import Store


@runtime_checkable
class Sounding(Protocol):
    """What a screen queues with each chunk on the player: told when it starts sounding."""

    def started(self) -> None: ...


class Session:
    """The library (opened on first use), the player, and the rate and voice in force."""

    def __init__(
        self, settings: Settings, *, store: Store | None = None, null_audio: bool = False
    ) -> None:
        self.settings = settings
        self.rate = settings.rate
        self.voice = settings.voice
        # False until the voice has loaded (a neural model takes a second or more): a
        # `space` meanwhile waits for it, and the status line says so.
        self.voice_ready = False
        self._store = store
        self._store_lock = threading.Lock()
        self._null_audio = null_audio
        self._speaker: Player | None = None

    @property
    def store(self) -> Store:
        """The library, opened on first use by whichever thread needs it first (the
        extract worker or the UI thread): once, under a lock, so both share one."""
        with self._store_lock:
            if self._store is None:
                from reader.tui.store import Store

                self._store = Store.open()
            return self._store

    @property
    def speaker(self) -> Player:
        """The audio output, the same player as ``reader say --play``; with no audio
        device it plays into miniaudio's null backend, so listening still follows along."""
        if self._speaker is None:
            from reader.playback import Player

            self._speaker = Player(
                null_backend=self._null_audio, fallback_to_null=True, on_start=_chunk_started
            )
        return self._speaker

    # -- options -------------------------------------------------------------------------

    def save(self, key: str, value: str) -> str | None:
        """Remember ``key`` in the settings file; the reason when it could not be saved."""
        from reader.config import save_setting
        from reader.errors import ReaderError

        try:
            save_setting(key, value)
        except (ReaderError, OSError) as error:
            return str(error)
        return None

    def set_rate(self, rate: int) -> str | None:
        self.rate = rate
        return self.save("rate", str(rate))

    def set_voice(self, voice: str | None) -> str | None:
        self.voice = voice
        return self.save("voice", voice or '""')

    def export_folder(self) -> Path:
        """Where exports go: the setting, else ~/Music/reader, else the current folder."""
        if self.settings.export_dir:
            return Path(self.settings.export_dir).expanduser()
        music = Path.home() / "Music"
        return music / "reader" if music.is_dir() else Path.cwd()

    def save_position(self, article_id: int, offset: int) -> str | None:
        """Remember where listening is; the reason when it could not be saved (a busy or
        broken library must not stop listening)."""
        try:
            self.store.set_position(article_id, offset)
        except Exception as error:
            return str(error)
        return None

    # -- closing -------------------------------------------------------------------------

    def close_audio(self) -> None:
        """Close the audio device (an open device keeps the process from exiting)."""
        if self._speaker is not None:
            self._speaker.close()  # kept: a late worker finds it closed, not a new device

    def close(self) -> None:
        self.close_audio()
        if self._store is not None:
            self._store.close()


def _chunk_started(tag: object) -> None:
    if isinstance(tag, Sounding):
        tag.started()
