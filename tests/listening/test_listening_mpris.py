"""MPRIS on a real private session bus (dbus-daemon started here), driven by real
clients: busctl for method calls and property reads, jeepney for errors and signals.
The player is a fake that records calls: this is the unit test of reader.listening.mpris
(the lead's integration test runs the real session player)."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reader.listening import mpris
from reader.listening.bus import HAVE_JEEPNEY, MAX_TEXT, bus_text
from reader.listening.mpris import (
    BUS_NAME,
    OBJECT_PATH,
    PLAYER,
    ROOT,
    MprisService,
    Track,
    micros,
    track_path,
)

DBUS_DAEMON = shutil.which("dbus-daemon")
BUSCTL = shutil.which("busctl")
needs_daemon = pytest.mark.skipif(
    DBUS_DAEMON is None or not HAVE_JEEPNEY or sys.platform != "linux",
    reason="needs dbus-daemon (apt install dbus-daemon) and jeepney, on Linux",
)
needs_busctl = pytest.mark.skipif(BUSCTL is None, reason="needs busctl (systemd)")
PROPS = "org.freedesktop.DBus.Properties"
INSTANCE = f"{BUS_NAME}.instance{os.getpid()}"
CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class Daemon:
    """A private dbus-daemon: its address, and the process to stop."""

    def __init__(self, folder: Path) -> None:
        config = folder / "bus.conf"
        config.write_text(CONFIG.format(folder=folder), encoding="utf-8")
        assert DBUS_DAEMON is not None
        self.process = subprocess.Popen(
            [DBUS_DAEMON, f"--config-file={config}", "--nofork", "--print-address"],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # its complaints (an fd limit it may not raise) aside
        )
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(10):
                self.stop()
                pytest.fail("dbus-daemon printed no address in 10 s")
        self.address = self.process.stdout.readline().decode().strip()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    if DBUS_DAEMON is None:
        pytest.skip("needs dbus-daemon")
    bus = Daemon(tmp_path_factory.mktemp("bus"))
    yield bus
    bus.stop()


class FakeControls:
    """The session player's side of the protocol: state set by the test, calls recorded.
    Names in ``fail`` raise when called."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[Any, ...]] = []
        self.fail: set[str] = set()
        self.state: mpris.Status = "Playing"
        self.current: Track | None = Track(
            7, "A title", "example.org", "https://example.org/a", 600.0
        )
        self.at = 100.0
        self.speed = 1.0
        self.limits = (0.5, 3.0)
        self.has_next = True
        self.has_previous = True

    def _do(self, name: str, *args: Any) -> None:
        if name in self.fail:
            raise RuntimeError(f"{name} went wrong")
        with self.lock:
            self.calls.append((name, *args))

    def _get(self, name: str, value: Any) -> Any:
        if name in self.fail:
            raise RuntimeError(f"{name} went wrong")
        return value

    def status(self) -> mpris.Status:
        return self._get("status", self.state)

    def track(self) -> Track | None:
        return self._get("track", self.current)

    def position(self) -> float:
        return self._get("position", self.at)

    def rate(self) -> float:
        return self._get("rate", self.speed)

    def rate_limits(self) -> tuple[float, float]:
        return self.limits

    def can_go_next(self) -> bool:
        return self.has_next

    def can_go_previous(self) -> bool:
        return self.has_previous

    def play_pause(self) -> None:
        self._do("play_pause")

    def play(self) -> None:
        self._do("play")

    def pause(self) -> None:
        self._do("pause")
        self.state = "Paused"

    def stop(self) -> None:
        self._do("stop")

    def next(self) -> None:
        self._do("next")

    def previous(self) -> None:
        self._do("previous")

    def seek(self, offset: float) -> None:
        self._do("seek", offset)

    def set_position(self, article_id: int, seconds: float) -> None:
        self._do("set_position", article_id, seconds)

    def set_rate(self, rate: float) -> None:
        self._do("set_rate", rate)


@pytest.fixture
def controls() -> FakeControls:
    return FakeControls()


@pytest.fixture
def address(daemon: Daemon, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", daemon.address)
    return daemon.address


@pytest.fixture
def service(address: str, controls: FakeControls) -> Iterator[MprisService]:
    svc = MprisService(controls)
    assert svc.start()
    assert svc.name == BUS_NAME
    yield svc
    svc.close()


def busctl(address: str, *args: str, check: bool = True) -> Any:
    """busctl's JSON answer (None for a call without one); a failure fails the test
    unless ``check`` is false, when it returns the CompletedProcess."""
    assert BUSCTL is not None
    done = subprocess.run(
        [BUSCTL, f"--address={address}", "--json=short", "--timeout=5", *args],
        capture_output=True,
        text=True,
        timeout=20,
    )
    if not check:
        return done
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def prop(address: str, name: str, interface: str = PLAYER, bus_name: str = BUS_NAME) -> Any:
    return busctl(address, "get-property", bus_name, OBJECT_PATH, interface, name)["data"]


def call(address: str, method: str, *args: str, bus_name: str = BUS_NAME) -> None:
    busctl(address, "call", "--", bus_name, OBJECT_PATH, PLAYER, method, *args)


class Client:
    """A jeepney client: error names and signals, which busctl's output hides."""

    def __init__(self, address: str) -> None:
        from jeepney.io.blocking import open_dbus_connection

        self.conn = open_dbus_connection(address)

    def call(self, interface: str, member: str, signature: str | None = None, body=()) -> Any:
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import unwrap_msg

        target = DBusAddress(OBJECT_PATH, BUS_NAME, interface)
        message = new_method_call(target, member, signature, body)
        return unwrap_msg(self.conn.send_and_get_reply(message, timeout=5))

    def error(self, interface: str, member: str, signature: str | None = None, body=()) -> Any:
        from jeepney.wrappers import DBusErrorResponse

        with pytest.raises(DBusErrorResponse) as caught:
            self.call(interface, member, signature, body)
        return caught.value

    def bus(self, member: str, *args: Any) -> Any:
        from jeepney import message_bus
        from jeepney.io.blocking import Proxy

        return getattr(Proxy(message_bus, self.conn, timeout=5), member)(*args)

    def listen(self, member: str) -> Callable[[], Any]:
        """Subscribe to our object's signal ``member``; returns a function giving the
        next one's body (or failing after 5 s)."""
        from jeepney import MatchRule

        rule = MatchRule(type="signal", path=OBJECT_PATH, member=member)
        self.bus("AddMatch", rule)
        handle = self.conn.filter(rule, bufsize=20)
        queue = handle.__enter__()
        return lambda: self.conn.recv_until_filtered(queue, timeout=5).body

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def client(address: str) -> Iterator[Client]:
    c = Client(address)
    yield c
    c.close()


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


# -- pure helpers --------------------------------------------------------------------


def test_track_ids_are_object_paths_and_times_are_microseconds() -> None:
    assert track_path(7) == "/org/hark/reader/article/7"
    assert track_path(-3) == "/org/hark/reader/article/_3"
    assert micros(1.5) == 1_500_000
    assert micros(float("nan")) == 0
    assert micros(float("inf")) == 0
    assert micros(1e30) == 2**63 - 1


def test_bus_text_is_one_safe_line_of_valid_utf8() -> None:
    hostile = "Evil\x1b]0;pwned\x07 ti\x00tle\u202egnp.exe\n\u2066next\u2069 line\udcff"
    text = bus_text(hostile)
    assert text == "Evil title gnp.exe next line?" or text.startswith("Evil ")
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text)
    assert not any(c in text for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    text.encode("utf-8")  # no lone surrogate left
    assert len(bus_text("x" * 10_000)) == MAX_TEXT


# -- start() where there is no bus ---------------------------------------------------


def _start_silently(capfd: pytest.CaptureFixture[str], timeout: float = 1.0) -> bool:
    started = MprisService(FakeControls(), timeout=timeout).start()
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    return started


def test_no_session_bus_means_off_without_a_word(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # no bus socket there
    assert _start_silently(capfd) is False
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert _start_silently(capfd) is False


@pytest.mark.parametrize(
    "address",
    [
        "unix:path=/nonexistent/reader-test/bus",
        "unix:abstract=reader-test-nothing-listens-here",
        "tcp:host=127.0.0.1,port=9",  # a transport jeepney does not speak: not even tried
        "not an address",
        "unix:",
    ],
)
def test_a_dead_or_malformed_address_means_off_at_once(
    address: str, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    began = time.monotonic()
    assert _start_silently(capfd) is False
    assert time.monotonic() - began < 1.0  # refused at once, not after the deadline


def test_a_bus_that_never_answers_means_off_after_the_deadline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "silent"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.bind(str(path))
        silent.listen(4)  # connections queue; nothing ever reads or answers
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={path}")
        began = time.monotonic()
        assert _start_silently(capfd, timeout=0.3) is False
        # A deadline, not a hang: generous bound, the point is that it returns.
        assert time.monotonic() - began < 5.0


def test_not_linux_means_off(monkeypatch: pytest.MonkeyPatch, capfd) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    assert _start_silently(capfd) is False


# -- the service on a real bus -------------------------------------------------------


@needs_daemon
def test_falls_back_to_the_runtime_dir_bus(
    daemon: Daemon, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    socket_path = daemon.address.split("path=", 1)[1].split(",", 1)[0]
    (tmp_path / "bus").symlink_to(socket_path)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    svc = MprisService(FakeControls())
    try:
        assert svc.start()
        assert svc.name == BUS_NAME
    finally:
        svc.close()


@needs_daemon
@needs_busctl
def test_root_interface(service: MprisService, address: str, controls: FakeControls) -> None:
    assert prop(address, "Identity", ROOT) == "reader"
    for name in ("CanQuit", "CanRaise", "HasTrackList"):
        assert prop(address, name, ROOT) is False
    assert prop(address, "SupportedUriSchemes", ROOT) == []
    assert prop(address, "SupportedMimeTypes", ROOT) == []
    busctl(address, "call", BUS_NAME, OBJECT_PATH, ROOT, "Raise")
    busctl(address, "call", BUS_NAME, OBJECT_PATH, ROOT, "Quit")
    assert controls.calls == []  # CanQuit and CanRaise are false: no effect


@needs_daemon
@needs_busctl
def test_player_properties(service: MprisService, address: str, controls: FakeControls) -> None:
    controls.has_previous = False
    assert prop(address, "PlaybackStatus") == "Playing"
    assert prop(address, "Rate") == 1.0
    assert prop(address, "Position") == 100_000_000
    assert prop(address, "MinimumRate") == 0.5
    assert prop(address, "MaximumRate") == 3.0
    assert prop(address, "Volume") == 1.0
    assert prop(address, "CanGoNext") is True
    assert prop(address, "CanGoPrevious") is False
    for name in ("CanPlay", "CanPause", "CanSeek", "CanControl"):
        assert prop(address, name) is True
    metadata = busctl(address, "get-property", BUS_NAME, OBJECT_PATH, PLAYER, "Metadata")
    assert metadata["type"] == "a{sv}"
    assert metadata["data"] == {
        "mpris:trackid": {"type": "o", "data": "/org/hark/reader/article/7"},
        "xesam:title": {"type": "s", "data": "A title"},
        "xesam:artist": {"type": "as", "data": ["example.org"]},
        "xesam:url": {"type": "s", "data": "https://example.org/a"},
        "mpris:length": {"type": "x", "data": 600_000_000},
    }
    controls.at = 9999.0  # past the estimated length: Position stays within it
    assert prop(address, "Position") == 600_000_000


@needs_daemon
def test_get_all(service: MprisService, client: Client) -> None:
    (player,) = client.call(PROPS, "GetAll", "s", (PLAYER,))
    assert set(player) == {
        "PlaybackStatus", "Rate", "Metadata", "Volume", "Position", "MinimumRate",
        "MaximumRate", "CanGoNext", "CanGoPrevious", "CanPlay", "CanPause", "CanSeek",
        "CanControl",
    }  # fmt: skip
    assert player["Position"] == ("x", 100_000_000)
    assert player["Metadata"][1]["mpris:trackid"] == ("o", "/org/hark/reader/article/7")
    (root,) = client.call(PROPS, "GetAll", "s", (ROOT,))
    assert root["Identity"] == ("s", "reader")
    assert "DesktopEntry" not in root  # optional, and the reader installs no .desktop file


@needs_daemon
@needs_busctl
def test_methods_reach_the_player(
    service: MprisService, address: str, controls: FakeControls
) -> None:
    for method in ("PlayPause", "Play", "Pause", "Stop", "Next", "Previous"):
        call(address, method)
    assert controls.calls == [
        ("play_pause",), ("play",), ("pause",), ("stop",), ("next",), ("previous",)
    ]  # fmt: skip


@needs_daemon
@needs_busctl
def test_a_call_that_expects_no_reply_still_acts(
    service: MprisService, address: str, controls: FakeControls
) -> None:
    busctl(address, "--expect-reply=no", "call", BUS_NAME, OBJECT_PATH, PLAYER, "Next")
    assert wait_until(lambda: controls.calls == [("next",)])


@needs_daemon
@needs_busctl
def test_next_and_previous_do_nothing_when_there_is_nowhere_to_go(
    service: MprisService, address: str, controls: FakeControls
) -> None:
    controls.has_next = controls.has_previous = False
    call(address, "Next")
    call(address, "Previous")
    assert controls.calls == []


@needs_daemon
@needs_busctl
def test_nothing_to_play(
    service: MprisService, address: str, controls: FakeControls, client: Client
) -> None:
    controls.current, controls.state = None, "Stopped"
    busctl(address, "get-property", BUS_NAME, OBJECT_PATH, PLAYER, "Metadata")
    assert prop(address, "Metadata") == {}
    assert prop(address, "Position") == 0
    for name in ("CanPlay", "CanPause", "CanSeek"):
        assert prop(address, name) is False
    call(address, "Play")
    call(address, "Pause")
    call(address, "Seek", "x", "5000000")
    call(address, "SetPosition", "ox", "/org/mpris/MediaPlayer2/TrackList/NoTrack", "0")
    assert controls.calls == []
    # PlayPause with CanPause false: no effect, and an error (the spec's words).
    error = client.error(PLAYER, "PlayPause")
    assert error.name == "org.freedesktop.DBus.Error.Failed"
    call(address, "Stop")
    assert controls.calls == [("stop",)]


@needs_daemon
@needs_busctl
def test_stopped_has_position_zero(
    service: MprisService, address: str, controls: FakeControls
) -> None:
    controls.state = "Stopped"
    assert prop(address, "PlaybackStatus") == "Stopped"
    assert prop(address, "Position") == 0


@needs_daemon
@needs_busctl
def test_seek(service: MprisService, address: str, controls: FakeControls) -> None:
    call(address, "Seek", "x", "15000000")
    call(address, "Seek", "x", "-15000000")
    call(address, "Seek", "x", "-200000000")  # before the start: to 0
    assert controls.calls == [("seek", 15.0), ("seek", -15.0), ("seek", -100.0)]
    controls.calls.clear()
    call(address, "Seek", "x", "600000000")  # past the end: like Next
    controls.has_next = False
    call(address, "Seek", "x", "600000000")  # past the end, no next article: to the end
    call(address, "Seek", "x", "500000000")  # to the very end is within the track
    assert controls.calls == [("next",), ("seek", 500.0), ("seek", 500.0)]


@needs_daemon
@needs_busctl
def test_set_position(service: MprisService, address: str, controls: FakeControls) -> None:
    current = "/org/hark/reader/article/7"
    call(address, "SetPosition", "ox", current, "30000000")
    call(address, "SetPosition", "ox", current, "600000000")  # the very end is allowed
    call(address, "SetPosition", "ox", "/org/hark/reader/article/8", "30000000")  # stale
    call(address, "SetPosition", "ox", current, "-1")  # negative: nothing
    call(address, "SetPosition", "ox", current, "600000001")  # past the length: nothing
    assert controls.calls == [("set_position", 7, 30.0), ("set_position", 7, 600.0)]


@needs_daemon
@needs_busctl
def test_rate_is_read_write_and_clamped(
    service: MprisService, address: str, controls: FakeControls, client: Client
) -> None:
    for value in ("2", "10", "0.1", "-1"):
        busctl(address, "set-property", "--", BUS_NAME, OBJECT_PATH, PLAYER, "Rate", "d", value)
    assert controls.calls == [
        ("set_rate", 2.0), ("set_rate", 3.0), ("set_rate", 0.5), ("set_rate", 0.5)
    ]  # fmt: skip
    controls.calls.clear()
    busctl(address, "set-property", BUS_NAME, OBJECT_PATH, PLAYER, "Rate", "d", "0")
    assert controls.calls == [("pause",)]  # a Rate of 0 acts as Pause
    error = client.error(PROPS, "Set", "ssv", (PLAYER, "Rate", ("i", 2)))
    assert error.name == "org.freedesktop.DBus.Error.InvalidArgs"
    error = client.error(PROPS, "Set", "ssv", (PLAYER, "Rate", ("d", float("nan"))))
    assert error.name == "org.freedesktop.DBus.Error.InvalidArgs"


@needs_daemon
def test_what_cannot_be_done_answers_the_right_error(
    service: MprisService, client: Client, controls: FakeControls
) -> None:
    errors: dict[str, list[tuple[str, str, str | None, tuple[Any, ...]]]] = {
        "NotSupported": [
            (PLAYER, "OpenUri", "s", ("file:///tmp/x.mp3",)),
            (PROPS, "Set", "ssv", (PLAYER, "Volume", ("d", 0.5))),
        ],
        "PropertyReadOnly": [
            (PROPS, "Set", "ssv", (PLAYER, "PlaybackStatus", ("s", "Paused"))),
            (PROPS, "Set", "ssv", (ROOT, "Identity", ("s", "other"))),
        ],
        "UnknownProperty": [(PROPS, "Get", "ss", (PLAYER, "Shuffle"))],
        "UnknownInterface": [
            (PROPS, "GetAll", "s", ("org.example.Nothing",)),
            ("org.example.Nothing", "Play", None, ()),
        ],
        "UnknownMethod": [(PLAYER, "Rewind", None, ())],
        "InvalidArgs": [(PLAYER, "Seek", "s", ("5",))],
    }
    for name, calls in errors.items():
        for interface, member, signature, body in calls:
            error = client.error(interface, member, signature, body)
            assert error.name == f"org.freedesktop.DBus.Error.{name}", (member, body)
    assert controls.calls == []


@needs_daemon
def test_a_failing_player_answers_an_error_and_the_service_goes_on(
    service: MprisService, client: Client, controls: FakeControls
) -> None:
    controls.fail = {"play", "position"}
    error = client.error(PLAYER, "Play")
    assert error.name == "org.freedesktop.DBus.Error.Failed"
    assert "play went wrong" in error.data[0]
    error = client.error(PROPS, "Get", "ss", (PLAYER, "Position"))
    assert error.name == "org.freedesktop.DBus.Error.Failed"
    client.call(PLAYER, "Pause")
    assert controls.calls == [("pause",)]
    assert service.name == BUS_NAME


@needs_daemon
@needs_busctl
def test_introspection_lists_what_is_served(
    service: MprisService, address: str, client: Client
) -> None:
    (xml,) = client.call("org.freedesktop.DBus.Introspectable", "Introspect")
    interfaces = {i.get("name"): i for i in ET.fromstring(xml).iter("interface")}
    assert set(interfaces) == {
        "org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Peer", PROPS, ROOT, PLAYER
    }  # fmt: skip
    for name in (ROOT, PLAYER):
        for prop_element in interfaces[name].iter("property"):
            value = client.call(PROPS, "Get", "ss", (name, prop_element.get("name")))[0]
            assert value[0] == prop_element.get("type")  # the signature it says
    methods = {m.get("name") for m in interfaces[PLAYER].iter("method")}
    assert methods == {
        "Next", "Previous", "Pause", "PlayPause", "Stop", "Play", "Seek", "SetPosition", "OpenUri"
    }  # fmt: skip
    assert [s.get("name") for s in interfaces[PLAYER].iter("signal")] == ["Seeked"]
    tree = busctl(address, "--list", "tree", BUS_NAME, check=False)
    assert OBJECT_PATH in tree.stdout
    listed = busctl(address, "introspect", BUS_NAME, OBJECT_PATH, PLAYER, check=False)
    assert ".PlayPause" in listed.stdout and ".Metadata" in listed.stdout


@needs_daemon
def test_changed_emits_properties_changed_with_what_changed(
    service: MprisService, client: Client, controls: FakeControls
) -> None:
    next_change = client.listen("PropertiesChanged")
    controls.state = "Paused"
    service.changed()
    assert next_change() == (PLAYER, {"PlaybackStatus": ("s", "Paused")}, [])
    controls.current = Track(8, "Second", "other.org", None, 300.0)
    controls.has_next, controls.speed = False, 1.5
    controls.at = 0.0  # the position is never in PropertiesChanged
    service.changed()
    interface, changed, invalidated = next_change()
    assert (interface, invalidated) == (PLAYER, [])
    assert set(changed) == {"Metadata", "CanGoNext", "Rate"}
    assert changed["Metadata"][1] == {
        "mpris:trackid": ("o", "/org/hark/reader/article/8"),
        "xesam:title": ("s", "Second"),
        "xesam:artist": ("as", ["other.org"]),
        "mpris:length": ("x", 300_000_000),
    }
    assert changed["CanGoNext"] == ("b", False) and changed["Rate"] == ("d", 1.5)


@needs_daemon
def test_a_method_call_reports_the_change_it_made(
    service: MprisService, client: Client, controls: FakeControls
) -> None:
    next_change = client.listen("PropertiesChanged")
    client.call(PLAYER, "Pause")  # the fake's pause() pauses; the player forgot changed()
    assert next_change() == (PLAYER, {"PlaybackStatus": ("s", "Paused")}, [])


@needs_daemon
def test_seeked(service: MprisService, client: Client) -> None:
    next_seek = client.listen("Seeked")
    service.seeked(12.5)
    assert next_seek() == (12_500_000,)
    service.seeked(-1.0)
    assert next_seek() == (0,)


@needs_daemon
@needs_busctl
def test_outside_text_is_sanitized_on_the_bus(
    service: MprisService, address: str, controls: FakeControls
) -> None:
    controls.current = Track(
        9,
        "Evil\x1b]0;pwned\x07 title\u202egnp.exe\n\x00",
        "Site\u2066 name\x9b31m\udcff",
        "https://example.org/\x1b[2Ja",
        60.0,
    )
    data = busctl(address, "get-property", BUS_NAME, OBJECT_PATH, PLAYER, "Metadata")["data"]
    title, (artist,), url = (
        data["xesam:title"]["data"], data["xesam:artist"]["data"], data["xesam:url"]["data"]
    )  # fmt: skip
    for text in (title, artist, url):
        assert text.isprintable(), repr(text)
        assert not any(c in text for c in "\u202e\u2066\x1b\x9b\x00")
    assert title.startswith("Evil") and "gnp.exe" in title and "pwned" not in title
    assert artist.startswith("Site") and url == "https://example.org/a"


@needs_daemon
@needs_busctl
def test_a_second_reader_takes_the_instance_name(address: str, client: Client) -> None:
    first, second = FakeControls(), FakeControls()
    second.state = "Paused"
    one, two = MprisService(first), MprisService(second)
    try:
        assert one.start() and two.start()
        assert (one.name, two.name) == (BUS_NAME, INSTANCE)
        names = busctl(address, "list", "--acquired")
        listed = {row["name"] for row in names}
        assert {BUS_NAME, INSTANCE} <= listed
        assert prop(address, "PlaybackStatus", bus_name=INSTANCE) == "Paused"
        assert prop(address, "PlaybackStatus", bus_name=BUS_NAME) == "Playing"
        call(address, "Next", bus_name=INSTANCE)
        assert (first.calls, second.calls) == ([], [("next",)])
        three = MprisService(FakeControls())
        assert three.start() is False  # both names of this process are taken
    finally:
        one.close()
        two.close()


@needs_daemon
def test_close_releases_the_name_and_ends_the_thread(address: str, client: Client) -> None:
    svc = MprisService(FakeControls())
    assert svc.start()
    assert client.bus("NameHasOwner", BUS_NAME) == (True,)
    threads = {t.name for t in threading.enumerate()}
    assert "reader-mpris" in threads
    svc.close()
    assert client.bus("NameHasOwner", BUS_NAME) == (False,)  # released before close returned
    assert svc.name is None
    assert "reader-mpris" not in {t.name for t in threading.enumerate()}
    svc.close()  # twice is fine
    svc.changed()  # and so is a late change
    assert svc.start()  # and a new start
    assert svc.name == BUS_NAME
    svc.close()


@needs_daemon
def test_a_vanished_bus_turns_the_service_off_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    bus = Daemon(tmp_path)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    svc = MprisService(FakeControls())
    try:
        assert svc.start()
        bus.process.kill()
        bus.process.wait(5)
        for _ in range(100):
            svc.changed()
            svc.seeked(1.0)
        assert wait_until(lambda: svc.name is None)
        svc.close()
    finally:
        bus.stop()
    assert capfd.readouterr() == ("", "")


@needs_daemon
def test_an_oversized_message_ends_the_connection(
    service: MprisService, client: Client, controls: FakeControls
) -> None:
    from jeepney import DBusAddress, new_method_call

    target = DBusAddress(OBJECT_PATH, BUS_NAME, PLAYER)
    client.conn.send(new_method_call(target, "OpenUri", "s", ("x" * (2 << 20),)))
    assert wait_until(lambda: service.name is None)
    assert client.bus("NameHasOwner", BUS_NAME) == (False,)


@needs_daemon
def test_a_frozen_bus_blocks_neither_the_player_nor_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    bus = Daemon(tmp_path)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    svc = MprisService(FakeControls())
    try:
        assert svc.start()
        bus.process.send_signal(signal.SIGSTOP)  # alive, reads nothing, answers nothing
        for n in range(1000):
            svc.changed()
            svc.seeked(float(n))
        began = time.monotonic()
        svc.close()  # its ReleaseName gets no answer: the thread gives up and ends
        assert time.monotonic() - began < 5.0  # bounded (a hang would never return)
        assert "reader-mpris" not in {t.name for t in threading.enumerate()}
    finally:
        bus.process.send_signal(signal.SIGCONT)
        bus.stop()
    assert capfd.readouterr() == ("", "")
