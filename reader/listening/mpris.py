"""Media keys on Linux: the session player as an MPRIS ``MediaPlayer2`` on the session bus.

Keyboard media keys, headset buttons, desktop widgets and ``playerctl`` all speak MPRIS
2.2 (https://specifications.freedesktop.org/mpris-spec/2.2/). ``MprisService`` owns
``org.mpris.MediaPlayer2.reader`` (``...reader.instance<PID>`` when another reader has
it) and serves ``/org/mpris/MediaPlayer2`` from its own daemon thread, over a
``Controls``: the session player, which this module does not import.

Where there is no session bus (a server, CI, macOS, Windows) ``start()`` returns False
without a word. Every wait has a deadline: connecting, authenticating and taking the
name share one (``timeout``, 1 s), a message written to a bus that stops reading gives
up after 2 s, ``close()`` waits 1 s for the thread. A vanished bus ends the thread
quietly; the player never waits on the bus (``changed()`` and ``seeked()`` only set a
flag and wake the thread). A method whose ``Controls`` call raises answers a D-Bus
error; the thread goes on.

Where the spec leaves a choice: Seek past the end of the track acts like Next (the
spec's words) or, with no next article, goes to the end (the player finishes the
article and stops, as Next would); Seek before the start goes to 0; SetPosition with
a stale track id, a negative position or one past the track's length does nothing
(the spec's words); a Rate outside MinimumRate..MaximumRate is clamped, a Rate of 0
pauses; Position is 0 when Stopped; Volume is 1.0 and cannot be set (the reader has
no volume of its own).
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Literal, Protocol

from reader.listening.bus import (
    FAILED,
    HAVE_JEEPNEY,
    BusConnection,
    DBusError,
    Unsendable,
    bus_text,
    request_name,
    session_bus_address,
)

if HAVE_JEEPNEY:
    from jeepney import (
        DBusAddress,
        HeaderFields,
        MessageFlag,
        MessageType,
        message_bus,
        new_error,
        new_method_return,
        new_signal,
    )

BUS_NAME = "org.mpris.MediaPlayer2.reader"
OBJECT_PATH = "/org/mpris/MediaPlayer2"
ROOT = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
PEER = "org.freedesktop.DBus.Peer"
TRACK_PREFIX = "/org/hark/reader/article/"
IDENTITY = "reader"

CONNECT_TIMEOUT = 1.0  # seconds: connect, authenticate, Hello and RequestName together
CLOSE_TIMEOUT = 1.0  # close(): the thread's goodbye (ReleaseName) and exit
POLL = 5.0  # the thread's longest sleep; changed(), seeked() and close() wake it at once
MAX_URL = 2048  # a longer URL is left out rather than cut

_INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs"
_NOT_SUPPORTED = "org.freedesktop.DBus.Error.NotSupported"
_READ_ONLY = "org.freedesktop.DBus.Error.PropertyReadOnly"
_UNKNOWN_INTERFACE = "org.freedesktop.DBus.Error.UnknownInterface"
_UNKNOWN_METHOD = "org.freedesktop.DBus.Error.UnknownMethod"
_UNKNOWN_OBJECT = "org.freedesktop.DBus.Error.UnknownObject"
_UNKNOWN_PROPERTY = "org.freedesktop.DBus.Error.UnknownProperty"

Status = Literal["Playing", "Paused", "Stopped"]
Value = tuple[str, Any]  # a D-Bus variant as jeepney writes it: (signature, value)
Reply = tuple[str, tuple[Any, ...]]  # a method's return: (signature, body)


@dataclass(frozen=True)
class Track:
    """What is playing (or paused) now. Title, artist and URL are outside text: this
    module sanitizes them before they go on the bus."""

    article_id: int
    title: str
    artist: str  # the site or the byline
    url: str | None
    length: float  # seconds, estimated at the current rate


class Controls(Protocol):
    """The session player, as the service sees it. Called from the service's thread:
    every method must be thread-safe and return promptly.

    The service applies the spec's rules before calling: ``seek`` gets an offset that
    stays within the track, ``set_position`` a position within 0..length for the
    current article, ``set_rate`` a rate within ``rate_limits()``; ``next``/``previous``
    are called only when ``can_go_next``/``can_go_previous`` say so, ``play``/``pause``
    only with a track. The player reports back: ``MprisService.changed()`` whenever
    status, track, rate, limits or can-go-next/previous change, and
    ``MprisService.seeked(seconds)`` after every jump (a seek, a skip to a sentence),
    which the service never emits by itself (the player knows where it landed).
    """

    def status(self) -> Status: ...
    def track(self) -> Track | None: ...
    def position(self) -> float: ...  # seconds into the track
    def rate(self) -> float: ...  # a multiple of normal speed (1.0 = 175 wpm)
    def rate_limits(self) -> tuple[float, float]: ...
    def can_go_next(self) -> bool: ...
    def can_go_previous(self) -> bool: ...
    def play_pause(self) -> None: ...
    def play(self) -> None: ...
    def pause(self) -> None: ...
    def stop(self) -> None: ...
    def next(self) -> None: ...
    def previous(self) -> None: ...
    def seek(self, offset: float) -> None: ...  # relative, seconds
    def set_position(self, article_id: int, seconds: float) -> None: ...
    def set_rate(self, rate: float) -> None: ...


def track_path(article_id: int) -> str:
    """The ``mpris:trackid`` of an article: a D-Bus object path."""
    return TRACK_PREFIX + str(article_id).replace("-", "_")


def micros(seconds: float) -> int:
    """Seconds as the spec's whole microseconds (int64); 0 for what is not a number."""
    if not math.isfinite(seconds):
        return 0
    return max(-(2**63), min(2**63 - 1, round(seconds * 1_000_000)))


def _known(length: float) -> bool:
    """Whether a track's length says something (an estimate can be missing: 0 or NaN)."""
    return math.isfinite(length) and length > 0


def metadata(track: Track | None) -> dict[str, Value]:
    """The Metadata property: empty with no track, else its id, title, artist, URL and
    length."""
    if track is None:
        return {}
    data: dict[str, Value] = {
        "mpris:trackid": ("o", track_path(track.article_id)),
        "xesam:title": ("s", bus_text(track.title)),
    }
    artist = bus_text(track.artist)
    data["xesam:artist"] = ("as", [artist] if artist else [])
    url = bus_text(track.url or "", MAX_URL + 1)
    if url and len(url) <= MAX_URL:
        data["xesam:url"] = ("s", url)
    if _known(track.length):
        data["mpris:length"] = ("x", micros(track.length))
    return data


_ROOT_PROPERTIES: dict[str, Value] = {
    "CanQuit": ("b", False),
    "CanRaise": ("b", False),
    "HasTrackList": ("b", False),
    "Identity": ("s", IDENTITY),
    "SupportedUriSchemes": ("as", []),
    "SupportedMimeTypes": ("as", []),
}
# The Player properties whose changes PropertiesChanged reports (all but Position,
# whose EmitsChangedSignal is false, and CanControl and Volume, which never change).
EMITTED = (
    "PlaybackStatus",
    "Rate",
    "Metadata",
    "MinimumRate",
    "MaximumRate",
    "CanGoNext",
    "CanGoPrevious",
    "CanPlay",
    "CanPause",
    "CanSeek",
)


@cache
def introspection() -> str:
    """The object's introspection XML (mpris.xml beside this module)."""
    return files("reader.listening").joinpath("mpris.xml").read_text(encoding="utf-8")


def _child_node(path: str) -> str | None:
    """For a path above the object ("/", "/org", "/org/mpris"): its one child's name."""
    if path == "/":
        return "org"
    prefix = path + "/"
    if OBJECT_PATH.startswith(prefix):
        return OBJECT_PATH[len(prefix) :].split("/")[0]
    return None


class PlayerObject:
    """``/org/mpris/MediaPlayer2`` over a ``Controls``: the methods and properties of
    its interfaces, with the spec's rules. No I/O: ``call`` answers one method call."""

    def __init__(self, controls: Controls) -> None:
        self.controls = controls
        noop: Callable[..., None] = lambda *args: None  # noqa: E731
        self._methods: dict[tuple[str, str], tuple[str, Callable[..., Any]]] = {
            (ROOT, "Raise"): ("", noop),  # CanRaise is false: no effect
            (ROOT, "Quit"): ("", noop),  # CanQuit is false: no effect
            (PLAYER, "Next"): ("", self.next),
            (PLAYER, "Previous"): ("", self.previous),
            (PLAYER, "Pause"): ("", self.pause),
            (PLAYER, "PlayPause"): ("", self.play_pause),
            (PLAYER, "Stop"): ("", self.stop),
            (PLAYER, "Play"): ("", self.play),
            (PLAYER, "Seek"): ("x", self.seek),
            (PLAYER, "SetPosition"): ("ox", self.set_position),
            (PLAYER, "OpenUri"): ("s", self.open_uri),
            (PROPERTIES, "Get"): ("ss", self.get),
            (PROPERTIES, "GetAll"): ("s", self.get_all),
            (PROPERTIES, "Set"): ("ssv", self.set),
            (INTROSPECTABLE, "Introspect"): ("", lambda: ("s", (introspection(),))),
            (PEER, "Ping"): ("", noop),
        }
        self._player_getters: dict[str, Callable[[], Value]] = {
            "PlaybackStatus": lambda: ("s", self._status()),
            "Rate": lambda: ("d", float(self.controls.rate())),
            "Metadata": lambda: ("a{sv}", metadata(self.controls.track())),
            "Volume": lambda: ("d", 1.0),
            "Position": lambda: ("x", micros(self._position(self.controls.track()))),
            "MinimumRate": lambda: ("d", self._limits()[0]),
            "MaximumRate": lambda: ("d", self._limits()[1]),
            "CanGoNext": lambda: ("b", bool(self.controls.can_go_next())),
            "CanGoPrevious": lambda: ("b", bool(self.controls.can_go_previous())),
            "CanPlay": lambda: ("b", self.controls.track() is not None),
            "CanPause": lambda: ("b", self.controls.track() is not None),
            "CanSeek": lambda: ("b", self.controls.track() is not None),
            "CanControl": lambda: ("b", True),
        }

    # -- dispatch ------------------------------------------------------------------

    def call(
        self, path: str, interface: str | None, member: str, signature: str, body: tuple[Any, ...]
    ) -> Reply:
        """Answer one method call; raises ``DBusError`` for what the caller got wrong."""
        if path != OBJECT_PATH:
            child = _child_node(path)
            if child is None or interface not in (None, INTROSPECTABLE) or member != "Introspect":
                raise DBusError(_UNKNOWN_OBJECT, f"no object at {path}")
            return "s", (f'<node>\n <node name="{child}"/>\n</node>\n',)
        key = (interface, member) if interface else self._find(member)
        if key not in self._methods:
            known = {name for name, _ in self._methods}
            if interface not in known:
                raise DBusError(_UNKNOWN_INTERFACE, f"no interface {interface}")
            raise DBusError(_UNKNOWN_METHOD, f"no method {member} in {interface}")
        expected, method = self._methods[key]
        if signature != expected:
            raise DBusError(_INVALID_ARGS, f"{member} takes '{expected}', not '{signature}'")
        result = method(*body)
        return result if result is not None else ("", ())

    def _find(self, member: str) -> tuple[str, str]:
        for interface, name in self._methods:
            if name == member:
                return interface, name
        raise DBusError(_UNKNOWN_METHOD, f"no method {member}")

    # -- properties ----------------------------------------------------------------

    def get(self, interface: str, name: str) -> Reply:
        return "v", (self._property(interface, name),)

    def _property(self, interface: str, name: str) -> Value:
        if interface in (ROOT, "") and name in _ROOT_PROPERTIES:
            return _ROOT_PROPERTIES[name]
        if interface in (PLAYER, "") and name in self._player_getters:
            return self._player_getters[name]()
        if interface not in (ROOT, PLAYER, ""):
            raise DBusError(_UNKNOWN_INTERFACE, f"no interface {interface}")
        raise DBusError(_UNKNOWN_PROPERTY, f"no property {name} in {interface}")

    def get_all(self, interface: str) -> Reply:
        if interface == ROOT:
            return "a{sv}", (dict(_ROOT_PROPERTIES),)
        if interface == PLAYER:
            return "a{sv}", ({name: get() for name, get in self._player_getters.items()},)
        if interface in (PROPERTIES, INTROSPECTABLE, PEER):
            return "a{sv}", ({},)
        raise DBusError(_UNKNOWN_INTERFACE, f"no interface {interface}")

    def set(self, interface: str, name: str, value: Value) -> None:
        self._property(interface, name)  # unknown interface or property: its error
        if (interface, name) in ((PLAYER, "Rate"), ("", "Rate")):
            if value[0] != "d":
                raise DBusError(_INVALID_ARGS, f"Rate is a double ('d'), not '{value[0]}'")
            self.set_rate(value[1])
        elif name == "Volume":
            raise DBusError(_NOT_SUPPORTED, "the reader has no volume of its own")
        else:
            raise DBusError(_READ_ONLY, f"{name} is read-only")

    def snapshot(self) -> dict[str, Value]:
        """The properties that PropertiesChanged reports, as they are now."""
        return {name: self._player_getters[name]() for name in EMITTED}

    def _status(self) -> Status:
        status = self.controls.status()
        return status if status in ("Playing", "Paused") else "Stopped"

    def _limits(self) -> tuple[float, float]:
        # The spec: MinimumRate is 1.0 or less, MaximumRate 1.0 or more.
        low, high = self.controls.rate_limits()
        return min(float(low), 1.0), max(float(high), 1.0)

    def _position(self, track: Track | None) -> float:
        """Seconds into the track, within 0..length; 0 when stopped or no track."""
        if track is None or self._status() == "Stopped":
            return 0.0
        position = max(0.0, float(self.controls.position()))
        if _known(track.length):
            position = min(position, track.length)
        return position

    # -- methods -------------------------------------------------------------------

    def next(self) -> None:
        if self.controls.can_go_next():  # CanGoNext false: no effect
            self.controls.next()

    def previous(self) -> None:
        if self.controls.can_go_previous():
            self.controls.previous()

    def pause(self) -> None:
        if self.controls.track() is not None:  # CanPause false: no effect
            self.controls.pause()

    def play(self) -> None:
        if self.controls.track() is not None:  # CanPlay false: no effect
            self.controls.play()

    def play_pause(self) -> None:
        if self.controls.track() is None:  # CanPause false: no effect, and an error
            raise DBusError(FAILED, "nothing to play")
        self.controls.play_pause()

    def stop(self) -> None:
        self.controls.stop()

    def seek(self, offset_us: int) -> None:
        """Relative seek. Before the start goes to 0; past the end acts like Next, or,
        with no next article, goes to the end (where the player finishes the article
        and stops, which is what Next does then)."""
        track = self.controls.track()
        if track is None:  # CanSeek false: no effect
            return
        position = self._position(track)
        target = max(position + offset_us / 1_000_000, 0.0)
        if _known(track.length) and target > track.length:
            if self.controls.can_go_next():
                self.controls.next()
                return
            target = track.length
        self.controls.seek(target - position)

    def set_position(self, track_id: str, position_us: int) -> None:
        """Absolute seek in the current track; a stale id, a negative position or one
        past the length does nothing."""
        track = self.controls.track()
        if track is None or track_id != track_path(track.article_id) or position_us < 0:
            return
        if _known(track.length) and position_us > micros(track.length):
            return
        self.controls.set_position(track.article_id, position_us / 1_000_000)

    def open_uri(self, uri: str) -> None:
        raise DBusError(_NOT_SUPPORTED, "the reader opens no URI (SupportedUriSchemes is empty)")

    def set_rate(self, rate: float) -> None:
        if math.isnan(rate):
            raise DBusError(_INVALID_ARGS, "Rate is not a number")
        if rate == 0.0:  # the spec: act as though Pause was called
            self.pause()
            return
        low, high = self.controls.rate_limits()
        self.controls.set_rate(min(max(rate, float(low)), float(high)))


# Calls that change nothing: no PropertiesChanged check after them.
_QUERIES = frozenset({"Get", "GetAll", "Introspect", "Ping"})


class MprisService:
    """The reader on the session bus as an MPRIS player, served from a daemon thread.

    ``start()`` connects (False, silently, where there is no session bus); the player
    calls ``changed()`` when its state changed and ``seeked(seconds)`` after a jump;
    ``close()`` releases the name and ends the thread. All four return promptly.
    """

    def __init__(self, controls: Controls, *, timeout: float = CONNECT_TIMEOUT) -> None:
        self.object = PlayerObject(controls)
        self.timeout = timeout
        self._lock = threading.Lock()  # the fields below; held briefly, never over I/O
        self._bus: BusConnection | None = None
        self._name: str | None = None
        self._dirty = False
        self._seeked: float | None = None
        self._run_lock = threading.Lock()  # start() and close() one at a time
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()
        self._last: dict[str, Value] = {}  # the properties as last reported

    @property
    def name(self) -> str | None:
        """The bus name owned while the service runs, else None."""
        thread = self._thread
        return self._name if thread is not None and thread.is_alive() else None

    def start(self) -> bool:
        """Connect and take the name within ``timeout`` seconds; True when serving.
        False, with no output and no exception, where there is no session bus (not
        Linux, no address, a dead one, no answer in time) or no name to be had."""
        with self._run_lock:
            if self._thread is not None and self._thread.is_alive():
                return True
            connected = self._connect()
            if connected is None:
                return False
            bus, name = connected
            try:
                self._last = self.object.snapshot()
            except Exception:  # the player failed: the first changed() reports it all
                self._last = {}
            closing = threading.Event()
            thread = threading.Thread(
                target=self._serve, args=(bus, name, closing), name="reader-mpris", daemon=True
            )
            with self._lock:
                self._bus, self._name, self._dirty, self._seeked = bus, name, False, None
            self._thread, self._closing = thread, closing
            thread.start()
            return True

    def _connect(self) -> tuple[BusConnection, str] | None:
        if sys.platform != "linux" or not HAVE_JEEPNEY:
            return None
        address = session_bus_address()
        if address is None:
            return None
        deadline = time.monotonic() + self.timeout
        try:
            bus = BusConnection.open(address, deadline)
        except Exception:  # absent, refused, silent, rejected, malformed address
            return None
        try:
            names = (BUS_NAME, f"{BUS_NAME}.instance{os.getpid()}")  # the spec's way for two
            name = request_name(bus, names, deadline)
        except Exception:
            name = None
        if name is None:
            bus.close()
            return None
        return bus, name

    def changed(self) -> None:
        """The player's state changed: report what did (PropertiesChanged), soon, from
        the service's thread. Never blocks."""
        with self._lock:
            self._dirty = True
            bus = self._bus
        if bus is not None:
            bus.wake()

    def seeked(self, seconds: float) -> None:
        """The player jumped to ``seconds`` into the track: emit Seeked. Never blocks."""
        with self._lock:
            self._seeked = seconds
            bus = self._bus
        if bus is not None:
            bus.wake()

    def close(self) -> None:
        """Release the name and end the thread, waiting at most about a second."""
        with self._run_lock:
            thread, closing = self._thread, self._closing
            with self._lock:
                bus, self._bus = self._bus, None
            if thread is None or bus is None:
                return
            closing.set()
            bus.wake()
            thread.join(CLOSE_TIMEOUT)
            if thread.is_alive():  # stuck writing to a bus that stopped reading
                bus.shutdown()
                thread.join(0.2)
            self._thread = None

    # -- the service's thread -----------------------------------------------------

    def _serve(self, bus: BusConnection, name: str, closing: threading.Event) -> None:
        try:
            backlog, bus.backlog = bus.backlog, []
            for message in backlog:
                self._answer(bus, message)
            while not closing.is_set():
                self._flush(bus)
                message = bus.receive(time.monotonic() + POLL)
                if message is not None:
                    self._answer(bus, message)
            bus.call(message_bus.ReleaseName(name), time.monotonic() + CLOSE_TIMEOUT / 2)
        except Exception:  # the bus vanished, stalled or broke the protocol: MPRIS is off
            pass
        finally:
            with self._lock:
                if self._bus is bus:
                    self._bus = None
            bus.close()

    def _answer(self, bus: BusConnection, message: Any) -> None:
        """Answer one method call: its return, or a D-Bus error (the caller's mistake
        or the player's failure); the thread goes on either way."""
        header = message.header
        if header.message_type is not MessageType.method_call:
            return  # NameAcquired and other signals from the bus
        fields = header.fields
        member = fields.get(HeaderFields.member, "")
        try:
            signature, body = self.object.call(
                fields.get(HeaderFields.path, ""),
                fields.get(HeaderFields.interface),
                member,
                fields.get(HeaderFields.signature, ""),
                tuple(message.body),
            )
            reply = new_method_return(message, signature or None, body)
        except DBusError as exc:
            reply = new_error(message, exc.name, "s", (bus_text(exc.message),))
        except Exception as exc:  # the player failed
            reply = new_error(message, FAILED, "s", (bus_text(f"{type(exc).__name__}: {exc}"),))
        if member not in _QUERIES:
            with self._lock:
                self._dirty = True
        if header.flags & MessageFlag.no_reply_expected:
            return
        try:
            bus.send(reply)
        except Unsendable as exc:
            bus.send(new_error(message, FAILED, "s", (bus_text(str(exc)),)))

    def _flush(self, bus: BusConnection) -> None:
        """Emit PropertiesChanged (what differs from the last report) and Seeked, if
        asked since the last flush."""
        with self._lock:
            dirty, self._dirty = self._dirty, False
            seeked, self._seeked = self._seeked, None
        if dirty:
            try:
                now = self.object.snapshot()
            except Exception:  # the player failed: nothing to report this time
                now = self._last
            changed = {key: value for key, value in now.items() if self._last.get(key) != value}
            self._last = now
            if changed:
                self._emit(bus, PROPERTIES, "PropertiesChanged", "sa{sv}as", (PLAYER, changed, []))
        if seeked is not None:
            self._emit(bus, PLAYER, "Seeked", "x", (micros(max(0.0, seeked)),))

    def _emit(
        self, bus: BusConnection, interface: str, member: str, signature: str, body: tuple[Any, ...]
    ) -> None:
        emitter = DBusAddress(OBJECT_PATH, interface=interface)
        with suppress(Unsendable):
            bus.send(new_signal(emitter, member, signature, body))
