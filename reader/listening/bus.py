"""A client connection to a D-Bus message bus, for a service in its own thread.

jeepney (pure Python, no libdbus) parses and serialises the messages; this module does
the socket work with a deadline on every wait: connecting and authenticating (SASL
EXTERNAL), each reply, each message written (``SEND_TIMEOUT`` on a bus that stops
reading). Another thread may ``wake()`` a waiting ``receive()`` without ever blocking,
and an incoming message larger than ``MAX_MESSAGE`` ends the connection instead of
growing a buffer.
"""

from __future__ import annotations

import os
import selectors
import socket
import stat
import threading
import time
from contextlib import suppress
from itertools import count
from typing import Any

from reader.text.sanitize import one_line

try:  # installed on Linux only (pyproject.toml); callers check HAVE_JEEPNEY
    from jeepney import DBusNameFlags, HeaderFields, MessageType, Parser, message_bus
    from jeepney.auth import BEGIN, Authenticator
    from jeepney.bus import get_connectable_addresses
except ImportError:  # pragma: no cover - Linux has it
    HAVE_JEEPNEY = False
else:
    HAVE_JEEPNEY = True

SEND_TIMEOUT = 2.0  # seconds: one message written to a bus that does not read it
MAX_MESSAGE = 1 << 20  # bytes: a larger incoming message ends the connection
MAX_TEXT = 500  # characters of outside text (a title, a name) put on the bus
FAILED = "org.freedesktop.DBus.Error.Failed"


class DBusError(Exception):
    """Answered to the caller as the D-Bus error ``name`` with ``message``."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def bus_text(text: str, limit: int = MAX_TEXT) -> str:
    """Outside text made fit for the bus: one safe line (no escapes, controls or bidi
    overrides), at most ``limit`` characters, valid UTF-8 (no lone surrogates)."""
    line = one_line(text)[:limit]
    return line.encode("utf-8", "replace").decode("utf-8")


def session_bus_address() -> str | None:
    """DBUS_SESSION_BUS_ADDRESS, else ``$XDG_RUNTIME_DIR/bus`` when it is our socket (what
    libdbus, GDBus and sd-bus fall back to); None where there is no session bus."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if not runtime:
        return None
    path = os.path.join(runtime, "bus")
    try:
        info = os.stat(path)
    except OSError:
        return None
    if stat.S_ISSOCK(info.st_mode) and info.st_uid == os.getuid():
        return "unix:path=" + path
    return None


class BusTimeout(Exception):
    """A wait on the bus passed its deadline."""


class Unsendable(Exception):
    """A message that cannot be serialised (nothing was written)."""


class BusConnection:
    """One client connection to a message bus: blocking socket I/O on jeepney's parser
    and serialiser, a deadline on every wait, a wake-up pipe another thread may poke,
    and a cap on the size of a message received. Sending is the owner thread's."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(SEND_TIMEOUT)  # sendall() gives up on a bus that stops reading
        self.parser = Parser()
        self.serials = count(1)
        self.unique_name = ""
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(sock, selectors.EVENT_READ, "bus")
        self.selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self.backlog: list[Any] = []  # messages that came while waiting for a reply
        self._wake_lock = threading.Lock()  # wake() never writes to a closed (reused) fd
        self._closed = False

    @classmethod
    def open(cls, address: str, deadline: float) -> BusConnection:
        """Connect, authenticate (EXTERNAL) and say Hello, all before ``deadline``."""
        error: Exception = OSError(f"no address to connect to in {address!r}")
        for target in get_connectable_addresses(address):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                _authenticate(sock, target, deadline)
            except (OSError, ValueError) as exc:  # refused, absent, timed out, rejected
                sock.close()
                error = exc
                continue
            bus = cls(sock)
            try:
                (bus.unique_name,) = bus.call(message_bus.Hello(), deadline)
            except BaseException:
                bus.close()
                raise
            return bus
        raise error

    def send(self, message: Any) -> int:
        """Write one message; ``Unsendable`` (before a byte is written) when it cannot
        be serialised, OSError when the bus is gone or stopped reading."""
        serial = next(self.serials)
        try:
            data = message.serialise(serial=serial)
        except Exception as exc:  # a value of the wrong type for its signature
            raise Unsendable(str(exc)) from exc
        self.sock.sendall(data)
        return serial

    def receive(self, deadline: float) -> Any | None:
        """The next message, or None when woken or when ``deadline`` passed."""
        while True:
            message = self.parser.get_next_message()
            if message is not None:
                return message
            if self.parser.bytes_desired() > MAX_MESSAGE:
                raise ValueError(f"a message of more than {MAX_MESSAGE} bytes")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            woken = False
            for key, _events in self.selector.select(remaining):
                if key.data == "wake":
                    self._drain()
                    woken = True
                else:
                    data = self.sock.recv(65536)
                    if not data:
                        raise ConnectionResetError("the bus closed the connection")
                    self.parser.add_data(data)
            if woken:
                return self.parser.get_next_message()

    def call(self, message: Any, deadline: float) -> tuple[Any, ...]:
        """Send a method call and wait (until ``deadline``) for its reply's body; other
        messages received meanwhile go to ``backlog``."""
        serial = self.send(message)
        while True:
            reply = self.receive(deadline)
            if reply is None:
                if time.monotonic() >= deadline:
                    member = message.header.fields.get(HeaderFields.member)
                    raise BusTimeout(f"no reply to {member} in time")
                continue
            if reply.header.fields.get(HeaderFields.reply_serial) != serial:
                if len(self.backlog) < 64:
                    self.backlog.append(reply)
                continue
            if reply.header.message_type is MessageType.error:
                name = reply.header.fields.get(HeaderFields.error_name, FAILED)
                raise DBusError(name, str(reply.body[0]) if reply.body else name)
            return tuple(reply.body)

    def wake(self) -> None:
        """Make a receive() in another thread return now (never blocks)."""
        with self._wake_lock:
            if self._closed:
                return
            with suppress(OSError):  # full: a wake-up is pending anyway
                os.write(self._wake_w, b"\0")

    def _drain(self) -> None:
        with suppress(BlockingIOError):
            while os.read(self._wake_r, 4096):
                pass

    def shutdown(self) -> None:
        """Break a send or receive stuck in another thread."""
        with suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with self._wake_lock:
            if self._closed:
                return
            self._closed = True
            self.selector.close()
            self.sock.close()
            os.close(self._wake_r)
            os.close(self._wake_w)


def _authenticate(sock: socket.socket, target: str, deadline: float) -> None:
    """Connect ``sock`` to ``target`` and run the SASL EXTERNAL exchange (the null byte
    and AUTH, OK, BEGIN), each step within what is left before ``deadline``."""

    def within() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the bus did not answer in time")
        return remaining

    sock.settimeout(within())
    sock.connect(target)
    auth = Authenticator()  # its first line starts with the null byte (jeepney 0.8 and 0.9)
    for line in auth:
        sock.settimeout(within())
        sock.sendall(line)
        sock.settimeout(within())
        data = sock.recv(1024)
        if not data:
            raise ConnectionResetError("the bus closed the connection")
        auth.feed(data)
    sock.settimeout(within())
    sock.sendall(BEGIN)


def request_name(bus: BusConnection, names: tuple[str, ...], deadline: float) -> str | None:
    """Take the first of ``names`` that no one else owns (never queued behind an
    owner); None if all are taken."""
    for name in names:
        request = message_bus.RequestName(name, DBusNameFlags.do_not_queue)
        (code,) = bus.call(request, deadline)
        if code in (1, 4):  # PRIMARY_OWNER, ALREADY_OWNER
            return name
    return None
