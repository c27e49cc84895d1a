"""`reader voices catalog` and `reader voices download NAME`: the Piper voices catalogue."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import TYPE_CHECKING

from reader.errors import InputError

if TYPE_CHECKING:
    from reader.speech.catalog import Catalog, CatalogVoice

# A language code as --lang takes it: "de", "pt-BR", "zh_CN".
_LANG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}")
MB = 1_000_000  # decimal, as the progress bar (Rich) and the catalogue's site count


def run(args: argparse.Namespace) -> int:
    if args.action == "download":
        return download(args)
    return catalog(args)


def _base() -> str | None:
    from reader.config import settings

    return settings().voices_url


def catalog(args: argparse.Namespace) -> int:
    from reader.speech.catalog import load

    if args.target:
        raise InputError(args.target, "`reader voices catalog` takes no name (--lang CODE)")
    if args.lang is not None and not _LANG.fullmatch(args.lang):
        raise InputError(f"--lang {args.lang}", "not a language code (de, pt-BR)")
    found = load(_base(), refresh=args.refresh)
    if found.problem:
        _say(
            f"warning: the catalogue was not fetched again ({found.problem}); the kept one is shown"
        )
    voices = found.for_language(args.lang)
    if args.json:
        print(json.dumps(_as_json(found, voices), ensure_ascii=False, indent=2))
        return 0
    if not voices:
        raise InputError(f"--lang {args.lang}", "the catalogue has no voice for this language")
    _table(voices)
    print(_footer(found, voices))
    return 0


def _installed() -> set[str]:
    from reader.speech.piper import ID_PREFIX, installed_models

    return {m.id.removeprefix(ID_PREFIX) for m in installed_models()}


def _table(voices: list[CatalogVoice]) -> None:
    """One line a voice; every field was made one safe line when the catalogue was read."""
    installed = _installed()
    rows = [
        (
            v.key,
            f"{v.language} {v.language_name}".strip(),
            v.quality or "-",
            f"{v.size / MB:.1f} MB",
            "installed" if v.key in installed else "",
        )
        for v in voices
    ]
    header = ("NAME", "LANGUAGE", "QUALITY", "SIZE", "")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print(line.rstrip())


def _footer(found: Catalog, voices: list[CatalogVoice]) -> str:
    from reader.speech.catalog import MAX_AGE, age
    from reader.text.sanitize import one_line

    languages = len({v.language.split("_")[0].lower() for v in voices})
    line = (
        f"{_count(len(voices), 'voice')} in {_count(languages, 'language')} from "
        f"{found.source} ({age(found.fetched)}"
    )
    if found.fetched is not None:
        line += f"; fetched again after {MAX_AGE / 86400:.0f} days, or with --refresh"
    line += "); `reader voices download NAME` installs one"
    if found.refused:
        line += f"; {len(found.refused)} entries refused"
    return one_line(line)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _as_json(found: Catalog, voices: list[CatalogVoice]) -> dict[str, object]:
    installed = _installed()
    return {
        "source": found.source,
        "fetched": found.fetched,
        "voices": [
            {
                "name": v.key,
                "speaker": v.name,
                "language": v.language,
                "language_name": v.language_name,
                "quality": v.quality,
                "speakers": v.speakers,
                "size": v.size,
                "installed": v.key in installed,
            }
            for v in voices
        ],
        "refused": found.refused,
    }


def _say(line: str) -> None:
    from reader.text.sanitize import one_line

    print(f"reader: {one_line(line)}", file=sys.stderr)


def download(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from reader.speech.voice_download import download_voice
    from reader.text.sanitize import one_line

    if not args.target:
        raise InputError("voices download", "give the voice's name: reader voices download NAME")
    console = Console(stderr=True, highlight=False)
    progress = Progress(
        TextColumn("downloading"),
        BarColumn(bar_width=24),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.description}", markup=False),  # a name from outside: never markup
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = progress.add_task("", total=None)

    def on_progress(what: str, done: int, total: int) -> None:
        progress.update(task, completed=done, total=total, description=one_line(what)[:60])

    with progress:
        voice = download_voice(args.target, base=_base(), on_progress=on_progress)
    langs = ", ".join(voice.languages)
    quality = voice.quality or "-"
    line = f"added {voice.id} ({voice.name}; {langs}; {quality}, {voice.sample_rate} Hz)"
    print(one_line(line))
    return 0
