"""`reader export`: articles and highlights to tagged MP3 (or WAV) files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.config import Settings
    from reader.export import ExportOptions, ItemResult
    from reader.export.batch import Summary


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from reader.config import RATE_MAX, RATE_MIN

    parser = subparsers.add_parser(
        "export",
        help="export articles and highlights as tagged audio files",
        description=(
            "Export each INPUT (a URL, a file, - for stdin, or a library article as library:ID) "
            "as one tagged MP3 with chapters per heading section. A rerun skips files whose "
            "input and settings are unchanged. Exit status 1 when any item failed."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT")
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="folder to write into (default: the export_dir setting, else reader/ in your "
        "music folder when there is one, else exports/ in reader's data folder)",
    )
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="local processes")
    parser.add_argument(
        "--cluster", metavar="ADDRESS", help="run on a Dask scheduler, e.g. tcp://HOST:8786"
    )
    parser.add_argument("--voice", help="voice id or name (see `reader voices`)")
    parser.add_argument(
        "--rate", type=int, metavar="WPM", help=f"words per minute ({RATE_MIN}-{RATE_MAX})"
    )
    parser.add_argument("--bitrate", metavar="RATE", help="MP3 bitrate (default: 64k)")
    parser.add_argument("--format", choices=("mp3", "wav"), default="mp3")
    parser.add_argument(
        "--normalize", action="store_true", help="EBU R128 loudness normalization (-16 LUFS)"
    )
    parser.add_argument(
        "--highlights-only",
        action="store_true",
        help="only the article's saved highlights, as chapters of one file",
    )
    parser.add_argument(
        "--split", action="store_true", help="with --highlights-only: one file per highlight"
    )
    parser.add_argument(
        "--feed", action="store_true", help="also write playlist.m3u and a podcast feed.xml"
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="where DIR is served, for the feed's enclosure URLs"
    )
    parser.add_argument("--force", action="store_true", help="redo files that are up to date")
    parser.add_argument("--quiet", "-q", action="store_true", help="print failures only")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.set_defaults(handler=run_export)


def default_folder(settings: Settings | None = None) -> Path:
    from reader.config import settings as load

    return (settings or load()).export_path()


def _options(args: argparse.Namespace, current: Settings) -> ExportOptions:
    """The command's options checked and resolved with the settings."""
    from reader.config import validate
    from reader.errors import ReaderError
    from reader.export import ExportOptions

    if args.split and not args.highlights_only:
        raise ReaderError("--split", "only applies with --highlights-only")
    if args.jobs < 1:
        raise ReaderError("--jobs", f"{args.jobs} is not allowed: use 1 or more")
    if args.inputs.count("-") > 1:
        raise ReaderError("-", "stdin can be given once")
    return ExportOptions(
        fmt=args.format,
        bitrate=validate("bitrate", args.bitrate, "--bitrate") if args.bitrate else current.bitrate,
        voice=args.voice,
        rate=validate("rate", args.rate, "--rate") if args.rate is not None else None,
        normalize=args.normalize,
        highlights_only=args.highlights_only,
        split=args.split,
        force=args.force,
    ).resolved(current)


def _summary_line(summary: Summary) -> str:
    """The one line that sums up an export for the person at the terminal."""
    from reader.text.sanitize import one_line

    minutes = summary.audio_seconds / 60
    line = (
        f"exported {summary.count('exported')}, skipped {summary.count('skipped')}, "
        f"failed {summary.count('failed')} in {summary.seconds:.1f} s "
        f"({minutes:.1f} min of audio) -> {summary.folder}"
    )
    if summary.voices:  # the engine's and a voice file's names: one safe line
        line += "; voice " + one_line("; ".join(summary.voices))
    if summary.feed:
        line += f"; feed: {summary.feed}"
    return line


def run_export(args: argparse.Namespace) -> int:
    from reader.cli import bars
    from reader.config import settings
    from reader.export import Batch
    from reader.export.outline import snippet
    from reader.exporting import export
    from reader.text.sanitize import one_line

    current = settings()  # loaded once; resolved with the options below
    options = _options(args, current)
    folder = Path(args.output).expanduser() if args.output else default_folder(current)
    console = bars.console()
    progress = bars.progress(console, "exporting", elapsed=True, quiet=args.quiet)
    task = progress.add_task("", total=len(args.inputs))

    def on_item(result: ItemResult) -> None:
        # Titles and reasons may quote a page or a server: one safe line each, plain text.
        if result.error:
            bars.say(progress.console, f"reader: {one_line(result.error)}")
        description = snippet(one_line(result.title or result.label), 36)
        progress.update(task, advance=1, description=description)

    # This process only exports: neural voices' threads need not busy-wait between
    # sentences while ffmpeg and the pipeline want the cores (pool workers do the same).
    from reader.speech import piper

    piper.set_exporting(0)
    with progress:
        summary = export(
            args.inputs,
            folder,
            options,
            settings=current,
            batch=Batch(args.jobs, args.cluster, args.feed, args.base_url),
            on_item=on_item,
        )
    if args.json:
        json.dump(summary.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif not args.quiet:
        bars.say(console, _summary_line(summary))
    return summary.exit_code
