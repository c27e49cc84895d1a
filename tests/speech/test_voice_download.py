"""`reader voices catalog` and `reader voices download`, against a catalogue served on
127.0.0.1 (tests/voicesite.py: the bundled joe model as ``de_DE-testvoice-medium``),
a mirror folder and a file:// address; the hostile cases too: a corrupted file, a
wrong checksum, a server that stops mid-file (then the resume), one that ignores
ranges, entries whose names or files try to leave the voices folder, hostile text."""

from __future__ import annotations

import json
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader import locations
from reader.cli import main
from reader.speech import SpeechError, Voice, catalog
from tests import voicesite
from tests.voicesite import KEY

pytestmark = pytest.mark.timeout(240)
MODEL = f"{voicesite.FOLDER}/{KEY}.onnx"
CONFIG = f"{voicesite.FOLDER}/{KEY}.onnx.json"


@pytest.fixture
def site() -> Iterator[voicesite.VoiceSite]:
    with voicesite.serve() as served:
        assert main(["config", "set", "voices_url", served.url]) == 0
        voicesite.seed_pace()
        yield served


def voices_folder() -> list[str]:
    """Every name under the voices folder, hidden ones and sub-folders included."""
    folder = locations.voices_dir()
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def one_line(err: str) -> str:
    assert err.startswith("reader: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.piper
def test_a_downloaded_voice_is_verified_installed_and_speaks(
    site: voicesite.VoiceSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["voices", "download", KEY]) == 0
    assert f"added piper/{KEY} (testvoice; de-DE, de; medium, 22050 Hz)" in capsys.readouterr().out
    # Under its real name, nothing else left behind (no .part, no staging folder).
    assert voices_folder() == [f"{KEY}.onnx", f"{KEY}.onnx.json"]
    fetched = [path for path, _ in site.requests]
    assert fetched == ["voices.json", CONFIG, MODEL]
    out = tmp_path / "hallo.wav"
    assert main(["say", "Hallo, guten Morgen.", "--voice", KEY, "-o", str(out)]) == 0
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 22050 and wav.getnframes() > 22050 // 2
    assert main(["voices", "download", KEY]) == 2  # once is enough
    assert "installed already" in one_line(capsys.readouterr().err)


def test_the_catalogue_lists_voices_with_its_age_and_is_kept(
    site: voicesite.VoiceSite, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["voices", "catalog", "--lang", "de"]) == 0
    out = capsys.readouterr().out
    assert KEY in out and "German (Germany)" in out and "63.2 MB" in out
    assert f"1 voice in 1 language from {site.url} (fetched just now" in out
    assert main(["voices", "catalog"]) == 0  # the kept copy: not fetched again
    assert [p for p, _ in site.requests].count("voices.json") == 1
    assert main(["voices", "catalog", "--refresh"]) == 0
    assert [p for p, _ in site.requests].count("voices.json") == 2
    # Older than a week: fetched again without being asked.
    kept = json.loads(catalog.cache_file().read_text("utf-8"))
    kept["fetched"] = time.time() - 8 * 86400
    catalog.cache_file().write_text(json.dumps(kept), "utf-8")
    assert main(["voices", "catalog"]) == 0
    assert [p for p, _ in site.requests].count("voices.json") == 3
    capsys.readouterr()
    assert main(["voices", "catalog", "--lang", "fr"]) == 2
    assert "no voice for this language" in one_line(capsys.readouterr().err)
    assert main(["voices", "catalog", "--lang", "../../x"]) == 2
    assert "not a language code" in one_line(capsys.readouterr().err)
    assert main(["voices", "catalog", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["voices"][0]["name"] == KEY and listed["voices"][0]["size"] > 60_000_000


def test_an_old_catalogue_is_shown_with_a_warning_when_the_server_is_gone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with voicesite.serve() as served:
        assert main(["config", "set", "voices_url", served.url]) == 0
        assert main(["voices", "catalog"]) == 0
    kept = json.loads(catalog.cache_file().read_text("utf-8"))
    kept["fetched"] = time.time() - 30 * 86400
    catalog.cache_file().write_text(json.dumps(kept), "utf-8")
    capsys.readouterr()
    assert main(["voices", "catalog"]) == 0
    captured = capsys.readouterr()
    assert "fetched 30 days ago" in captured.out and KEY in captured.out
    assert "was not fetched again (cannot connect" in one_line(captured.err)
    assert main(["voices", "catalog", "--refresh"]) == 2  # asked for a fresh one: an error
    assert "cannot connect" in one_line(capsys.readouterr().err)


def test_a_corrupted_file_is_refused_in_one_line_and_nothing_is_left(
    site: voicesite.VoiceSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site.corrupt.add(MODEL)
    assert main(["voices", "download", KEY]) == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"reader: {KEY}: {KEY}.onnx does not verify (MD5 ")
    assert "removed, nothing was added" in err
    assert not any(name.endswith((".onnx", ".part")) for name in voices_folder())
    assert all(v.id != f"piper/{KEY}" for v in _piper_voices())


def test_a_wrong_checksum_in_the_catalogue_is_refused(
    site: voicesite.VoiceSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site.catalog[KEY]["files"][CONFIG]["md5_digest"] = "0" * 32
    assert main(["voices", "download", KEY]) == 2
    err = one_line(capsys.readouterr().err)
    assert f"{KEY}.onnx.json does not verify" in err and "0" * 32 in err
    assert voices_folder() == []  # the config comes first: nothing kept, no folder left
    # A size that differs is said as a size.
    site.catalog[KEY]["files"][CONFIG]["md5_digest"] = voicesite.md5(site.files[CONFIG])
    site.catalog[KEY]["files"][MODEL]["size_bytes"] += 1
    assert main(["voices", "catalog", "--refresh"]) == 0
    capsys.readouterr()
    assert main(["voices", "download", KEY]) == 2
    assert "has 63201294 bytes where 63201295 were expected" in one_line(capsys.readouterr().err)
    assert not any(name.endswith(".onnx") for name in voices_folder())


def test_a_download_cut_mid_file_is_resumed_from_where_it_stopped(
    site: voicesite.VoiceSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site.cut[MODEL] = 10_000_000
    assert main(["voices", "download", KEY]) == 2
    err = one_line(capsys.readouterr().err)
    assert f"{KEY}.onnx: the connection broke off" in err and "run it again to resume" in err
    parts = [n for n in voices_folder() if n.endswith(".part")]
    assert len(parts) == 1 and (locations.voices_dir() / parts[0]).stat().st_size == 10_000_000
    assert not any(name.endswith(".onnx") for name in voices_folder())  # not under its name
    assert main(["voices", "download", KEY]) == 0
    model_requests = [rng for path, rng in site.requests if path == MODEL]
    assert model_requests == [None, "bytes=10000000-"]
    config_requests = [rng for path, rng in site.requests if path == CONFIG]
    assert config_requests == [None]  # verified the first time: kept, not fetched again
    assert voices_folder() == [f"{KEY}.onnx", f"{KEY}.onnx.json"]


def test_a_server_that_ignores_ranges_sends_the_whole_file_again(
    site: voicesite.VoiceSite, capsys: pytest.CaptureFixture[str]
) -> None:
    site.cut[MODEL] = 3_000_000
    assert main(["voices", "download", KEY]) == 2
    site.ignore_range = True
    assert main(["voices", "download", KEY]) == 0
    assert voices_folder() == [f"{KEY}.onnx", f"{KEY}.onnx.json"]


def test_catalogue_names_and_files_never_leave_the_voices_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, config = voicesite.joe_files()
    escape = voicesite.entry("de_DE-escape-medium", "de", model, config)
    escape["files"] = {
        "../../../../../../tmp/escape.onnx": {"size_bytes": 10, "md5_digest": "0" * 32},
        "de/x.onnx.json": {"size_bytes": 10, "md5_digest": "0" * 32},
    }
    absolute = voicesite.entry("de_DE-absolute-medium", "de", model, config)
    absolute["files"] = {
        f"/{tmp_path}/abs.onnx": {"size_bytes": 10, "md5_digest": "0" * 32},
        "de/y.onnx.json": {"size_bytes": 10, "md5_digest": "0" * 32},
    }
    traversal = voicesite.entry("../../../evil", "de", model, config)
    extra = {"de_DE-escape-medium": escape, "de_DE-absolute-medium": absolute}
    extra["../../../evil"] = traversal
    with voicesite.serve(extra) as site:
        assert main(["config", "set", "voices_url", site.url]) == 0
        assert main(["voices", "catalog"]) == 0
        out = capsys.readouterr().out
        assert "escape" not in out and "evil" not in out and "3 entries refused" in out
        assert main(["voices", "download", "de_DE-escape-medium"]) == 2
        err = one_line(capsys.readouterr().err)
        assert "the catalogue's entry is refused" in err and "leaves the catalogue's folder" in err
        assert main(["voices", "download", "de_DE-absolute-medium"]) == 2
        assert "leaves the catalogue's folder" in one_line(capsys.readouterr().err)
        assert main(["voices", "download", "../../../evil"]) == 2
        assert "not a voice name" in one_line(capsys.readouterr().err)
        assert [p for p, _ in site.requests] == ["voices.json"]  # no file was asked for
    assert not (tmp_path / "abs.onnx").exists() and not Path("/tmp/escape.onnx").exists()
    assert voices_folder() == []


def test_inside_refuses_a_path_that_resolves_outside(tmp_path: Path) -> None:
    from reader.speech.voice_download import inside

    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "link").symlink_to(tmp_path)
    assert inside(folder, Path("a.onnx"), "a") == folder / "a.onnx"
    for bad in ("../a.onnx", "link/a.onnx", "/etc/passwd"):
        with pytest.raises(SpeechError, match="outside the voices folder"):
            inside(folder, Path(bad), "a")


def test_hostile_catalogue_text_is_shown_as_one_safe_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    model, config = voicesite.joe_files()
    hostile = voicesite.entry("de_DE-hostile-medium", "x", model, config)
    hostile["language"]["name_english"] = "\x1b]8;;https://evil.example\x07Ger\u202eman[bold]"
    hostile["language"]["country_english"] = "\x1b[31mRed\nland"
    hostile["quality"] = "\x1b[2J"
    with voicesite.serve({"de_DE-hostile-medium": hostile}) as site:
        assert main(["config", "set", "voices_url", site.url]) == 0
        assert main(["voices", "catalog"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "hostile" in line)
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "German[bold] (Red land)" in line  # shown as text, quality dropped
    voices, refused = catalog.parse(json.dumps({"x": 1}), "x")  # refused, not raised
    assert voices == [] and "not a voice entry" in refused["x"]


def test_a_catalogue_that_is_not_one_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "voices.json").write_text("[" * 100_000)
    assert main(["config", "set", "voices_url", str(tmp_path)]) == 0
    assert main(["voices", "catalog"]) == 2
    assert "not a Piper voices catalogue (nested too deeply)" in one_line(capsys.readouterr().err)
    (tmp_path / "voices.json").write_text('"a string"')
    assert main(["voices", "download", KEY]) == 2
    assert "not a Piper voices catalogue (not a JSON object)" in one_line(capsys.readouterr().err)


def test_an_unknown_name_is_one_line(
    site: voicesite.VoiceSite, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["voices", "catalog"]) == 0
    assert main(["voices", "download", "fr_FR-nobody-low"]) == 2
    err = one_line(capsys.readouterr().err)
    assert err == (
        "reader: fr_FR-nobody-low: not in the voice catalogue "
        "(`reader voices catalog` lists them)\n"
    )
    # Missing from the kept catalogue: fetched again once before saying so.
    assert [p for p, _ in site.requests].count("voices.json") == 2
    assert main(["voices", "download"]) == 2
    assert "give the voice's name" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("form", ["folder", "file-url"])
def test_a_mirror_folder_works_offline(
    form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = voicesite.write_folder(tmp_path / "mirror")
    base = str(mirror) if form == "folder" else mirror.as_uri()
    assert main(["config", "set", "voices_url", base]) == 0
    voicesite.seed_pace()
    assert main(["voices", "catalog"]) == 0
    assert "read now" in capsys.readouterr().out
    assert main(["voices", "download", KEY]) == 0
    assert voices_folder() == [f"{KEY}.onnx", f"{KEY}.onnx.json"]
    assert (mirror / voicesite.FOLDER / f"{KEY}.onnx").exists()  # copied, not moved


@pytest.mark.parametrize(
    "value", ["relative/folder", "ftp://example.com/", "http://", "file:relative", "a\x1bb"]
)
def test_the_voices_url_setting_is_checked(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "set", "voices_url", value]) == 2
    assert "voices_url" in one_line(capsys.readouterr().err)


def _piper_voices() -> list[Voice]:
    from reader.speech.piper import installed_models

    return [m.voice() for m in installed_models()]


def test_a_server_that_stalls_mid_file_is_cut_at_the_deadline(tmp_path: Path) -> None:
    import io
    import socket
    import threading

    from reader.errors import FetchError
    from reader.extract.download import download

    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def stall() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
            done.wait(10)  # silent, bounded

    thread = threading.Thread(target=stall, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/model.onnx"
    handle = io.BytesIO()
    started = time.monotonic()
    try:
        with pytest.raises(FetchError, match="took longer than 1 s"):
            download(url, handle, size=1000, deadline=1.0, subject="model.onnx")
    finally:
        done.set()
        thread.join(10)
        listener.close()
    assert time.monotonic() - started < 5
    assert handle.getvalue() == b"x" * 10  # what arrived is kept for a resume


def test_a_file_larger_than_the_catalogue_says_is_cut_at_its_size() -> None:
    import io
    import socket
    import threading

    from reader.errors import FetchError
    from reader.extract.download import download

    listener = socket.create_server(("127.0.0.1", 0))

    def endless() -> None:  # no Content-Length: the body ends when the server closes
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            try:
                for _ in range(100):  # 6.4 MB at most
                    conn.sendall(b"y" * 65536)
            except OSError:
                pass  # the client stopped reading: that is the point

    thread = threading.Thread(target=endless, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/model.onnx"
    handle = io.BytesIO()
    try:
        with pytest.raises(FetchError, match="larger than the 100000 bytes expected"):
            download(url, handle, size=100_000, deadline=30.0, subject="model.onnx")
    finally:
        listener.close()
        thread.join(10)
    assert len(handle.getvalue()) <= 100_000


def test_a_cancelled_download_stops_and_keeps_what_arrived(site: voicesite.VoiceSite) -> None:
    import threading

    from reader.extract.download import Cancelled
    from reader.speech.voice_download import download_voice

    stop = threading.Event()

    def progress(what: str, done: int, total: int) -> None:
        if done > 5_000_000:
            stop.set()  # as the TUI's escape does, from another thread

    with pytest.raises(Cancelled):
        download_voice(KEY, base=site.url, on_progress=progress, cancel=stop)
    parts = [n for n in voices_folder() if n.endswith(".part")]
    assert len(parts) == 1 and (locations.voices_dir() / parts[0]).stat().st_size > 5_000_000
    assert not any(name.endswith(".onnx") for name in voices_folder())
