"""MPRIS: the D-Bus library candidates side by side, and what our service costs.

    python -m benchmarks.mpris [--candidates DIR ...]

* **Candidates** (jeepney, which reader uses, against dbus-fast, sdbus, dbus-next and
  asyncdbus): installed size, and the import in a fresh process, best of 7, cold and
  with asyncio already imported (the TUI has it; ``reader listen`` does not). A
  candidate not importable gets a "not installed" row; ``--candidates DIR`` adds a
  folder made with ``pip install --no-deps --target DIR NAME`` to the children's path.
* **Our service** on a private dbus-daemon (skipped without one): ``start()``
  (connect, authenticate, Hello, RequestName), a Get of Position from a jeepney
  client, the cost of ``changed()`` in the player's thread, the time from
  ``changed()`` to the PropertiesChanged signal at a client, and ``close()``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# (distribution, what to import)
CANDIDATES = (
    ("jeepney", "jeepney"),
    ("dbus-fast", "dbus_fast.aio, dbus_fast.service"),
    ("sdbus", "sdbus"),
    ("dbus-next", "dbus_next.aio, dbus_next.service"),
    ("asyncdbus", "asyncdbus"),
)
CHILD = """
import sys, time
{preload}
t = time.perf_counter()
import {modules}
took = time.perf_counter() - t
from importlib.metadata import distribution
size = sum(f.locate().stat().st_size for f in distribution({dist!r}).files or ()
           if f.locate().exists())
print(took * 1000, size / 1e6)
"""


def _child(dist: str, modules: str, preload: str, path: str) -> tuple[float, float] | str:
    code = CHILD.format(preload=preload, modules=modules, dist=dist)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [path, *sys.path[:1]])))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return "not installed" if f"No module named '{modules.split('.')[0]}'" in last else last
    took, size = done.stdout.split()
    return float(took), float(size)


def candidates(folders: list[str]) -> None:
    print("## D-Bus libraries (import in a fresh process, best of 7)\n")
    print("| library | installed MB | import ms (cold) | import ms (asyncio loaded) |")
    print("| --- | ---: | ---: | ---: |")
    path = os.pathsep.join(folders)
    for dist, modules in CANDIDATES:
        cold, warm = [], []
        size = 0.0
        for _ in range(7):
            first = _child(dist, modules, "", path)
            if isinstance(first, str):
                print(f"| {dist} | {first} | | |")
                break
            second = _child(dist, modules, "import asyncio", path)
            assert not isinstance(second, str)
            cold.append(first[0])
            warm.append(second[0])
            size = first[1]
        if not cold:
            continue
        print(f"| {dist} | {size:.2f} | {min(cold):.1f} | {min(warm):.1f} |")


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[int(len(values) * 0.95) - 1]
    return f"median {statistics.median(values) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms"


def service() -> None:
    from jeepney import DBusAddress, MatchRule, message_bus, new_method_call
    from jeepney.io.blocking import Proxy, open_dbus_connection

    from reader.listening.mpris import BUS_NAME, OBJECT_PATH, PLAYER, MprisService
    from tests.listening.test_listening_mpris import Daemon, FakeControls

    print("\n## Our service, on a private dbus-daemon\n")
    if shutil.which("dbus-daemon") is None:
        print("dbus-daemon not installed: skipped")
        return
    with tempfile.TemporaryDirectory() as folder:
        daemon = Daemon(Path(folder))
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = daemon.address
        controls = FakeControls()
        starts, closes = [], []
        for _ in range(20):
            svc = MprisService(controls)
            t = time.perf_counter()
            assert svc.start()
            starts.append(time.perf_counter() - t)
            t = time.perf_counter()
            svc.close()
            closes.append(time.perf_counter() - t)
        print(f"- start(): {_ms(starts)}; close(): {_ms(closes)}")
        svc = MprisService(controls)
        assert svc.start()
        client = open_dbus_connection(daemon.address)
        get = new_method_call(
            DBusAddress(OBJECT_PATH, BUS_NAME, "org.freedesktop.DBus.Properties"),
            "Get",
            "ss",
            (PLAYER, "Position"),
        )
        gets = []
        for _ in range(500):
            t = time.perf_counter()
            client.send_and_get_reply(get, timeout=5)
            gets.append(time.perf_counter() - t)
        print(f"- Get Position from a client: {_ms(gets)}")
        calls = []
        for _ in range(10_000):
            t = time.perf_counter()
            svc.changed()
            calls.append(time.perf_counter() - t)
        print(f"- changed() in the caller's thread: {_ms(calls)}")
        rule = MatchRule(type="signal", path=OBJECT_PATH, member="PropertiesChanged")
        Proxy(message_bus, client, timeout=5).AddMatch(rule)
        time.sleep(0.2)  # the flood above reported, nothing pending
        arrivals = []
        with client.filter(rule, bufsize=4) as queue:
            for n in range(200):
                controls.speed = 1.5 if n % 2 == 0 else 1.0  # a change every time
                t = time.perf_counter()
                svc.changed()
                client.recv_until_filtered(queue, timeout=5)
                arrivals.append(time.perf_counter() - t)
        print(f"- changed() to PropertiesChanged at a client: {_ms(arrivals)}")
        svc.close()
        client.close()
        daemon.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", action="append", default=[], metavar="DIR")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    print(f"Python {sys.version.split()[0]}, load average {load:.2f} on {os.cpu_count()} cores\n")
    candidates(args.candidates)
    service()
    return 0


if __name__ == "__main__":
    sys.exit(main())
