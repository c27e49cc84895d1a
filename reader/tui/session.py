"""What the screens share: the library, the session player and the options in force.

The app builds one :class:`Session` and hands it to each screen it opens, so no
screen reaches for the app (nor imports it): a screen reads the rate and voice
here, opens the library and the player through it, and asks the app for anything
else (open the library screen, an article, a source) by posting a message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.audio.playback import Player
    from reader.config import Settings
    from reader.listening.events import Event
    from reader.listening.player import SessionPlayer
    from reader.listening.remote import MediaKeys
    from reader.tui.store import Store


class Session:
    """The library (opened on first use), the session player, and the options in force."""

    def __init__(
        self, settings: Settings, *, store: Store | None = None, null_audio: bool = False
    ) -> None:
        self.settings = settings
        self._rate = settings.rate
        self._voice = settings.voice
        # False until the voice has loaded (a neural model takes a second or more): a
        # `space` meanwhile waits for it, and the status line says so.
        self.voice_ready = False
        self._store = store
        self._store_lock = threading.Lock()
        self._null_audio = null_audio
        self._player: SessionPlayer | None = None
        self._remote: MediaKeys | None = None
        self._closed = False
        # What the queue would go on with, offered until anything plays ("Continue:
        # TITLE, 12 min left · space plays"); None: nothing to offer.
        self.continue_line: str | None = None
        self._listeners: list[Callable[[Event], None]] = []

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
    def player(self) -> SessionPlayer:
        """The session player (reader.listening): one voice for the whole session,
        whatever the screen; with no audio device it plays into miniaudio's null
        backend, so listening still follows along and the queue goes on."""
        if self._player is None:
            from reader.listening.player import SessionPlayer

            player = SessionPlayer(
                self.settings,
                self.store,
                null_audio=self._null_audio,
                fallback_to_null=True,
                rate=self._rate,
                voice=self._voice,
            )
            player.tell_silence = False  # the app's warm-up says it, once
            for listener in self._listeners:
                player.subscribe(listener)
            self._player = player
            # Media keys (MPRIS), where there is a session bus: connected off the UI thread.
            threading.Thread(target=self._media_keys, args=(player,), daemon=True).start()
        return self._player

    def _media_keys(self, player: SessionPlayer) -> None:
        from reader.listening.remote import media_keys

        remote = media_keys(player)
        with self._store_lock:
            if self._closed and remote is not None:
                remote.close()
                return
            self._remote = remote

    @property
    def started_player(self) -> SessionPlayer | None:
        """The player if anything asked for it yet (a status line must not start it)."""
        return self._player

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """Hear the player's events (from its thread), whenever it is made."""
        self._listeners.append(listener)
        if self._player is not None:
            self._player.subscribe(listener)

    @property
    def speaker(self) -> Player:
        """The audio output, the same player as ``reader say --play``."""
        return self.player.output

    @property
    def rate(self) -> int:
        return self._player.rate if self._player is not None else self._rate

    @property
    def voice(self) -> str | None:
        return self._player.voice if self._player is not None else self._voice

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
        """Speak at ``rate`` from the next sentence and remember it as the default."""
        self._rate = self.player.set_rate(rate)
        return self.save("rate", str(self._rate))

    def set_voice(self, voice: str | None) -> str | None:
        self._voice = voice
        self.player.set_voice(voice)
        return self.save("voice", voice or '""')

    def export_folder(self) -> Path:
        """Where exports go (:meth:`reader.config.Settings.export_path`)."""
        return self.settings.export_path()

    # -- closing -------------------------------------------------------------------------

    def close_audio(self) -> None:
        """Stop and close the audio device (an open device keeps the process from
        exiting); the place is written."""
        if self._player is not None:
            self._player.close()  # kept: a late call finds it closed, not a new device

    def close(self) -> None:
        with self._store_lock:
            self._closed = True
            remote, self._remote = self._remote, None
        if remote is not None:
            remote.close()
        self.close_audio()
        if self._store is not None:
            self._store.close()
