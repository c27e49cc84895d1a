from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The two seed scrapes the product was conceived from ship with the tests (copies of
# ../shared/seeds/, with expected.json), so every test about them runs on a fresh clone.
SEEDS = ROOT / "tests" / "data" / "seeds"
# The 793-page extraction corpus lives beside the checkout (CI puts it there);
# READER_SHARED points elsewhere. Tests marked `shared` skip, saying why, when it is absent.
SHARED = Path(os.environ.get("READER_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "bench" / "extraction"
ASSETS = ROOT / "assets"


@pytest.fixture(autouse=True)
def reader_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config, data and cache folders (see reader.locations)."""
    home = tmp_path_factory.mktemp("reader-home")
    monkeypatch.setenv("READER_HOME", str(home))
    return home


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared: needs ../shared (the extraction corpus)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CORPUS.is_dir():
        return
    skip = pytest.mark.skip(reason=f"{CORPUS} (the 793-page extraction corpus) is not there")
    for item in items:
        if item.get_closest_marker("shared"):
            item.add_marker(skip)
