"""Where a fetch may connect, and a name lookup that a deadline can abandon.

**Requests on a remote document's say-so (SSRF).** A URL the user types is theirs to
choose: a server on their own machine or network is legitimate. An address that a
fetched document names (a feed's item links, a page's ``<link rel=alternate>``) or
that a server's redirect names must not lead from a public address into loopback,
private, link-local, multicast or reserved space: a public feed could otherwise make
reader fetch ``http://127.0.0.1:631/`` or a cloud metadata address and save the answer
as an article. The address checked is the one actually connected to, after name
resolution (a name that resolves to ``127.0.0.1`` is the same attack), by
:class:`Guard` inside the connection (:mod:`reader.extract.fetch`). The setting
``private_addresses = true`` allows it, for people whose public feeds name their own
network.

**A lookup under the deadline.** ``getaddrinfo`` takes no timeout, and a resolver
that does not answer holds it for as long as the system's resolver tries. It runs in a
daemon thread here, waited for up to the time left: past that it is abandoned (the
thread ends when the resolver gives up) and the fetch fails in one line.

Tests serve everything on 127.0.0.1; :data:`PUBLIC_ENV` names the test addresses that
count as public (``127.0.0.1:8123``, ``127.0.0.2``, ``10.0.0.0/8``), so that a public
server leading into loopback can be played on one machine.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from reader.errors import FetchError
from reader.text.sanitize import one_line

PUBLIC_ENV = "READER_PUBLIC_ADDRESSES"
SETTING = "private_addresses"

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(text: str) -> _Address:
    address = ipaddress.ip_address(text.split("%", 1)[0])  # no IPv6 zone
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def kind(ip: str) -> str | None:
    """What a non-public address is ("loopback", "private"...), or None when public."""
    try:
        address = _parse(ip)
    except ValueError:
        return "unknown"
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    )
    for name, hit in checks:
        if hit:
            return name
    return None if address.is_global else "non-public"


@cache
def _declared_public(value: str) -> tuple[tuple[_Network, int | None], ...]:
    """The entries of :data:`PUBLIC_ENV`: networks, each with a port or None (any)."""
    entries: list[tuple[_Network, int | None]] = []
    for raw in value.split(","):
        text = raw.strip()
        if not text:
            continue
        port: int | None = None
        if text.startswith("["):  # [::1]:8080
            host, _, rest = text[1:].partition("]")
            text, port = host, int(rest[1:]) if rest.startswith(":") else None
        elif text.count(":") == 1:  # 127.0.0.1:8080
            host, _, number = text.partition(":")
            text, port = host, int(number)
        entries.append((ipaddress.ip_network(text, strict=False), port))
    return tuple(entries)


def is_public(ip: str, port: int | None = None) -> bool:
    """Whether ``ip`` (reached on ``port``) counts as a public address."""
    declared = os.environ.get(PUBLIC_ENV)
    if declared:
        try:
            address = _parse(ip)
            for network, wanted in _declared_public(declared):
                if address in network and wanted in (None, port):
                    return True
        except ValueError:
            pass
    return kind(ip) is None


def resolve(host: str, port: int, timeout: float) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` for a TCP connection, abandoned after ``timeout`` seconds.

    Raises ``socket.gaierror`` as ``getaddrinfo`` does, and :class:`LookupTimeout`
    when the resolver has not answered in time.
    """
    try:  # an address literal needs no resolver (and no thread)
        address = _parse(host.strip("[]"))
    except ValueError:
        pass
    else:
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        return socket.getaddrinfo(str(address), port, family, socket.SOCK_STREAM)
    answer: dict[str, Any] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            answer["infos"] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except OSError as error:  # gaierror, UnicodeError through idna
            answer["error"] = error
        except UnicodeError as error:
            answer["error"] = socket.gaierror(socket.EAI_NONAME, str(error))
        done.set()

    threading.Thread(target=lookup, name="reader-dns", daemon=True).start()
    if not done.wait(max(timeout, 0.001)):
        raise LookupTimeout(host, timeout)
    if "error" in answer:
        raise answer["error"]
    infos: list[tuple[Any, ...]] = answer["infos"]
    return infos


class LookupTimeout(Exception):
    """The name lookup did not answer within its time (the thread is abandoned)."""

    def __init__(self, host: str, seconds: float) -> None:
        super().__init__(f"the name lookup for {host} took longer than {seconds:.3g} s")
        self.host = host
        self.seconds = seconds


@dataclass
class Guard:
    """The address policy of one fetch (its redirects included).

    ``from_public``: a public address led here already (the URL was named by a document
    fetched from one, or a redirect came from one). From then on, connections to
    non-public addresses are refused unless ``allow_private``. :meth:`connected`
    records each address connected to, :meth:`answered` folds the address that answered
    a request into ``from_public``.
    """

    subject: str
    allow_private: bool = False
    from_public: bool = False
    target: str = ""  # the URL being requested (what a refusal names)
    peers: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)

    def allows(self, ip: str, port: int) -> bool:
        return self.allow_private or not self.from_public or is_public(ip, port)

    def refusal(self, url: str, ip: str, port: int) -> FetchError:
        what = kind(ip) or "non-public"
        shown = one_line(self.target or url)[:200]
        article = "an" if what[0] in "aeiou" else "a"
        return FetchError(
            self.subject,
            f"refused {shown}: it leads to {ip}, {article} {what} address, named "
            f"by a public server's link or redirect (`reader config set {SETTING} true` "
            "allows it)",
        )

    def connected(self, host: str, port: int, peer: tuple[str, int]) -> None:
        self.peers[(_key(host), port)] = peer

    def answered(self, host: str, port: int) -> None:
        """A response came from ``host:port``: was that a public address?"""
        peer = self.peers.get((_key(host), port))
        if peer is not None and is_public(*peer):
            self.from_public = True


def _key(host: str) -> str:
    """A host as both urllib3 and urlsplit may write it (``[::1]``, ``Example.org.``)."""
    return host.strip("[]").rstrip(".").lower()


def connect(
    guard: Guard,
    url: str,
    host: str,
    port: int,
    timeout: float | None,
    options: Sequence[tuple[int, int, Any]] | None,
    on_socket: Any = None,
) -> socket.socket:
    """A TCP connection to ``host:port`` within ``timeout`` (lookup included), to an
    address ``guard`` allows; the address connected to is checked again and recorded.

    Raises :class:`LookupTimeout`, ``socket.gaierror``, ``TimeoutError`` or ``OSError``
    as a connection would, and :class:`~reader.errors.FetchError` when refused.
    """
    began = time.monotonic()
    limit = 60.0 if timeout is None else timeout
    infos = resolve(host, port, limit)
    allowed = [info for info in infos if guard.allows(str(info[4][0]), port)]
    if not allowed:
        raise guard.refusal(url, str(infos[0][4][0]), port)
    error: OSError | None = None
    for family, kind_, proto, _, address in allowed:
        left = limit - (time.monotonic() - began)
        if left <= 0:
            raise TimeoutError("connect timed out")
        sock = socket.socket(family, kind_, proto)
        try:
            for option in options or ():
                sock.setsockopt(*option)
            if on_socket is not None:
                on_socket(sock)
            sock.settimeout(left)
            sock.connect(address)
            peer = sock.getpeername()
            if not guard.allows(str(peer[0]), port):  # what was actually reached
                raise guard.refusal(url, str(peer[0]), port)
        except BaseException as failure:
            sock.close()
            if not isinstance(failure, OSError):
                raise
            error = failure
            continue
        sock.settimeout(timeout)
        guard.connected(host, port, (str(peer[0]), port))
        return sock
    assert error is not None
    raise error
