"""What a hostile tester found on the network side (issue 19, section 4: points 1, 8, 9
and 11's DNS lookup and GUID duplicates), against real servers on 127.0.0.1.

"Public" and "private" are played on one machine: READER_PUBLIC_ADDRESSES names the
test server that counts as public (reader.extract.addresses); every other address of
127.0.0.0/8 stays loopback. Addresses of other ranges (10.x, 169.254.x) are only
classified here, never connected to. Every server loop is bounded.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reader.cli import main
from reader.errors import FetchError
from reader.extract import addresses
from reader.extract import fetch as fetching
from reader.library import Library
from tests.feedsite import Entry, Site, content_html, rss, running

pytestmark = pytest.mark.timeout(120)

SECRET = "The private server's secret page"


@pytest.fixture
def public() -> Iterator[Site]:
    with running() as site:
        yield site


@pytest.fixture
def private() -> Iterator[Site]:
    with running() as site:
        site.page("/secret", 7, SECRET)
        yield site


@pytest.fixture
def counted_public(public: Site, monkeypatch: pytest.MonkeyPatch) -> Site:
    """``public`` counted as a public address (its port only)."""
    monkeypatch.setenv(addresses.PUBLIC_ENV, public.base.removeprefix("http://"))
    return public


def _port(site: Site) -> int:
    return int(site.base.rsplit(":", 1)[1])


def _titles() -> list[str]:
    with Library.open() as library:
        return sorted(a.title or "" for a in library.list())


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# -- 1. SSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.1.2.3", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_ssrf_address_kinds(ip: str, kind: str | None) -> None:
    assert addresses.kind(ip) == kind
    assert addresses.is_public(ip) is (kind is None)


def test_ssrf_test_addresses_counted_public_are_only_those_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(addresses.PUBLIC_ENV, "127.0.0.1:8123, 127.0.0.2, [::1]:9")
    assert addresses.is_public("127.0.0.1", 8123)
    assert not addresses.is_public("127.0.0.1", 8124)
    assert addresses.is_public("127.0.0.2", 1)
    assert addresses.is_public("::1", 9) and not addresses.is_public("::1", 10)
    assert not addresses.is_public("10.0.0.1", 8123)


def test_ssrf_feed_items_linking_into_loopback_are_refused(
    counted_public: Site, private: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _port(private)
    links = [
        f"http://127.0.0.1:{port}/secret",
        f"http://2130706433:{port}/secret",  # 127.0.0.1 as one decimal number
        f"http://0.0.0.0:{port}/secret",
        f"http://localhost:{port}/secret",  # a name that resolves to loopback
        counted_public.url("/to-secret"),  # a public redirect into loopback
    ]
    if _ipv6_loopback():
        links.append(f"http://[::1]:{port}/secret")
    counted_public.put("/to-secret", "", status=302, location=private.url("/secret"))
    counted_public.page("/fine", 3, "A public story")
    entries = [Entry(f"g{n}", link, f"Item {n}") for n, link in enumerate(links)]
    entries.append(Entry("fine", counted_public.url("/fine"), "Fine"))
    counted_public.put("/feed", rss(entries))
    assert main(["feeds", "add", counted_public.url("/feed")]) == 0
    capsys.readouterr()
    code = main(["feeds", "sync", "--json"])
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert code == 1
    assert private.hits == {}, "a public feed's links reached the private server"
    assert _titles() == ["A public story"]
    failed = [i for i in summary["items"] if i["status"] == "failed"]
    assert len(failed) == len(links)
    for item in failed:
        error = item["error"]
        assert "refused" in error and "private_addresses" in error, item
        assert "a loopback address" in error or "an unspecified address" in error, item
    lines = [line for line in err.splitlines() if "refused" in line]
    assert len(lines) == len(links), err
    assert all(line.startswith("reader: ") and "\x1b" not in line for line in lines)


def test_ssrf_the_setting_allows_a_public_feed_to_name_private_addresses(
    counted_public: Site, private: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    counted_public.put("/feed", rss([Entry("s", private.url("/secret"), "Secret")]))
    assert main(["feeds", "add", counted_public.url("/feed")]) == 0
    assert main(["config", "set", "private_addresses", "true"]) == 0
    capsys.readouterr()
    assert main(["feeds", "sync", "--json"]) == 0, capsys.readouterr().err
    assert _titles() == [SECRET]


def test_ssrf_a_private_feed_may_name_private_addresses(
    private: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed on the user's own network (here: loopback, not counted public) naming
    another address there: theirs, allowed without the setting."""
    private.put("/feed", rss([Entry("s", private.url("/secret"), "Secret")]))
    assert main(["feeds", "add", private.url("/feed")]) == 0
    capsys.readouterr()
    assert main(["feeds", "sync", "--json"]) == 0, capsys.readouterr().err
    assert _titles() == [SECRET]


def test_ssrf_feeds_add_does_not_follow_a_public_page_alternate_into_loopback(
    counted_public: Site, private: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    private.put("/feed.xml", rss([Entry("s", private.url("/secret"), "Secret")]))
    counted_public.put(
        "/",
        "<html><head><title>Site</title>"
        f'<link rel="alternate" type="application/rss+xml" href="{private.url("/feed.xml")}">'
        "</head><body><p>Welcome</p></body></html>",
        "text/html",
    )
    capsys.readouterr()
    assert main(["feeds", "add", counted_public.url("/")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"reader: {counted_public.url('/')}: refused {private.url('/feed.xml')}")
    assert "loopback" in err and len(err.splitlines()) == 1
    assert private.hits == {}


def test_ssrf_extract_refuses_a_public_redirect_into_loopback_but_not_a_typed_local_url(
    counted_public: Site, private: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    counted_public.put("/go", "", status=302, location=private.url("/secret"))
    capsys.readouterr()
    assert main(["extract", counted_public.url("/go")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"reader: {counted_public.url('/go')}: refused {private.url('/secret')}: it leads to "
        "127.0.0.1, a loopback address, named by a public server's link or redirect "
        "(`reader config set private_addresses true` allows it)"
    )
    assert private.hits == {}
    # A URL the user types is theirs: a local server, and its own redirects, are fine.
    private.put("/local-go", "", status=302, location="/secret")
    assert main(["extract", private.url("/local-go")]) == 0
    assert SECRET in capsys.readouterr().out


def test_ssrf_the_address_checked_is_the_one_resolved(
    counted_public: Site, private: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A harmless-looking name that resolves to loopback is refused after resolution."""
    real = socket.getaddrinfo

    def lookup(host: str, *args: object, **kwargs: object) -> list:
        if host == "news.example":
            host = "127.0.0.1"
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    url = f"http://news.example:{_port(private)}/secret"
    with pytest.raises(FetchError) as info:
        fetching.fetch(url, named_by_public=True, allow_private=False)
    assert "it leads to 127.0.0.1, a loopback address" in info.value.reason
    assert private.hits == {}
    assert fetching.fetch(url, allow_private=False).data  # the user's own: allowed


# -- 8. which limit a timeout hit --------------------------------------------------------------


class _Silent:
    """A TCP server that accepts and never says a word (at most 20 connections)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(20)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set() and len(self.held) < 20:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.held.append(conn)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent() -> Iterator[_Silent]:
    server = _Silent()
    try:
        yield server
    finally:
        server.close()


def test_timeout_a_tls_handshake_with_a_silent_server_names_the_connect_limit(
    silent: _Silent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetching, "CONNECT_TIMEOUT", 0.5)
    monkeypatch.setattr(fetching, "READ_TIMEOUT", 3.0)
    url = f"https://127.0.0.1:{silent.port}/"
    began = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetching.fetch(url)
    assert time.monotonic() - began < 2.5
    assert str(info.value) == f"{url}: no TLS handshake within 0.5 s (connect timeout)"


def test_timeout_a_silent_http_server_names_the_read_limit(
    silent: _Silent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetching, "CONNECT_TIMEOUT", 0.5)
    monkeypatch.setattr(fetching, "READ_TIMEOUT", 1.0)
    url = f"http://127.0.0.1:{silent.port}/"
    with pytest.raises(FetchError) as info:
        fetching.fetch(url)
    assert str(info.value) == f"{url}: no response within 1 s (read timeout)"


def test_timeout_a_dns_lookup_is_abandoned_at_the_connect_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """getaddrinfo takes no timeout: a resolver that does not answer is left behind."""
    real = socket.getaddrinfo
    release = threading.Event()

    def stuck(host: str, *args: object, **kwargs: object) -> list:
        if host == "stuck.example":
            release.wait(10)  # a resolver that does not answer (bounded: released below)
        return real("127.0.0.1", *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    monkeypatch.setattr(fetching, "CONNECT_TIMEOUT", 0.5)
    began = time.monotonic()
    try:
        with pytest.raises(FetchError) as info:
            fetching.fetch("http://stuck.example/page", deadline=30)
        assert time.monotonic() - began < 2.5
    finally:
        release.set()
    assert str(info.value) == (
        "http://stuck.example/page: no answer to the name lookup for stuck.example "
        "within 0.5 s (connect timeout)"
    )


# -- 9. a sync's time: per feed and overall ---------------------------------------------------


class _Drip(BaseHTTPRequestHandler):
    """Pages that answer at once and then send one byte every 0.25 s (at most 200)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "200")
        self.end_headers()
        try:
            for _ in range(200):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.25)
        except OSError:
            pass


@pytest.fixture
def drip() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _feeds() -> list:
    from reader.library.feeds import feeds

    with Library.open() as library:
        return feeds(library)


def test_sync_budget_a_feed_of_dripping_items_is_bounded_and_resumed(
    public: Site, drip: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from reader.feeds.sync import sync

    entries = [Entry(f"d{n}", f"{drip}/story{n}", f"Drip {n}") for n in range(6)]
    public.put("/feed", rss(entries), etag='"v1"')
    assert main(["feeds", "add", public.url("/feed")]) == 0
    began = time.monotonic()
    with Library.open() as library:
        summary = sync(library, _feeds(), feed_budget=1.5, deadline=30)
    took = time.monotonic() - began
    assert took < 6, f"the feed's 1.5 s budget held the sync {took:.1f} s"
    (feed,) = summary.feeds
    assert feed.late == 6 and summary.count_items("late") == 6
    assert summary.exit_code == 0  # late is not failed
    assert any("the next sync takes them" in note for note in feed.notes)
    assert _titles() == []
    # The next sync takes them (the server is fast now): the feed is fetched whole again.
    for n in range(6):
        public.page(f"/story{n}", 40 + n, f"Story {n}")
    public.put(
        "/feed", rss([Entry(f"d{n}", public.url(f"/story{n}")) for n in range(6)]), etag='"v1"'
    )
    capsys.readouterr()
    assert main(["feeds", "sync", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 6


def test_sync_deadline_bounds_the_whole_sync_and_the_cli_says_what_was_left(
    public: Site, drip: str, silent: _Silent, capsys: pytest.CaptureFixture[str]
) -> None:
    silent_base = f"http://127.0.0.1:{silent.port}"
    public.put("/drip", rss([Entry(f"d{n}", f"{drip}/s{n}", f"D{n}") for n in range(6)]))
    public.put("/mute", rss([Entry(f"m{n}", f"{silent_base}/s{n}", f"M{n}") for n in range(6)]))
    assert main(["feeds", "add", public.url("/drip"), public.url("/mute")]) == 0
    capsys.readouterr()
    began = time.monotonic()
    code = main(["feeds", "sync", "--deadline", "2"])
    took = time.monotonic() - began
    err = capsys.readouterr().err
    assert took < 6, f"a 2 s deadline held the sync {took:.1f} s"
    assert code == 0, err
    assert "12 left for the next sync (out of time)" in err
    assert err.count("the next sync takes them") == 2  # once per feed
    assert main(["feeds", "sync", "--deadline", "0"]) == 2
    assert "--deadline" in capsys.readouterr().err


def test_sync_limit_is_bounded_as_reader_list_bounds_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    assert main(["feeds", "sync", "--limit", "99999999999999999999"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("reader: --limit 99999999999999999999: give a whole number from 1")
    assert main(["list", "--limit", "99999999999999999999"]) == 2
    assert main(["feeds", "sync", "--limit", "0"]) == 2


# -- 11. GUIDs shared by several items -----------------------------------------------------


def test_guid_duplicates_are_said_once_per_feed(
    public: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = [
        Entry("same", public.url(f"/gone{n}"), f"Story {n}", content=content_html(n))
        for n in range(5)
    ]
    entries.append(Entry("other", public.url("/gone9"), "Other", content=content_html(9)))
    public.put("/feed", rss(entries))
    assert main(["feeds", "add", public.url("/feed")]) == 0
    capsys.readouterr()
    assert main(["feeds", "sync"]) == 0
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if "GUID" in line]
    assert said == [
        f"reader: {public.url('/feed')}: 4 item(s) repeat the GUID of an earlier item with "
        "another link or text; only the first of each was taken"
    ]
    assert _titles() == ["Other", "Story 0"]
    capsys.readouterr()
    assert main(["feeds", "sync"]) == 0  # each sync of the document says it once
    assert capsys.readouterr().err.count("GUID") == 1


def test_ssrf_a_voice_download_redirected_from_public_into_loopback_is_refused(
    counted_public: Site, private: Site, tmp_path: Path
) -> None:
    from reader.extract.download import download

    private.put("/voice.onnx", b"model bytes", "application/octet-stream")
    counted_public.put("/voice.onnx", "", status=302, location=private.url("/voice.onnx"))
    with (tmp_path / "voice.onnx").open("wb") as handle, pytest.raises(FetchError) as info:
        download(counted_public.url("/voice.onnx"), handle, size=11, deadline=20)
    assert "a loopback address" in info.value.reason and private.hits == {}
    with (tmp_path / "voice.onnx").open("wb") as handle:  # the user's own server: fine
        assert download(private.url("/voice.onnx"), handle, size=11, deadline=20) == 11
