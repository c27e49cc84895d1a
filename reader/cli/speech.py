"""`reader voices` and `reader say`: the speech stage on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from reader.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from reader.config import Settings
    from reader.speech import Chunk, Voice


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from reader.config import PITCH_MAX, PITCH_MIN, RATE_MAX, RATE_MIN, VOLUME_MAX, VOLUME_MIN

    voices = subparsers.add_parser(
        "voices",
        help="list, download, add or remove voices",
        description=(
            "List the installed voices (Piper's neural voices first, then eSpeak NG's), "
            "list the Piper voices catalogue and download one, add a Piper voice "
            "(MODEL.onnx with MODEL.onnx.json beside it) or remove one."
        ),
    )
    voices.add_argument(
        "action",
        nargs="?",
        choices=("list", "catalog", "download", "add", "rm"),
        default="list",
        help="list (default), catalog, download NAME, add MODEL.onnx, rm ID",
    )
    voices.add_argument(
        "target", nargs="?", metavar="NAME|MODEL|ID", help="what to download, add or remove"
    )
    voices.add_argument("--lang", metavar="CODE", help="only voices for this language (en, pt-BR)")
    voices.add_argument(
        "--refresh", action="store_true", help="catalog: fetch the catalogue now, not the kept one"
    )
    voices.add_argument("--json", action="store_true", help="print JSON")
    voices.set_defaults(handler=voices_command)

    say = subparsers.add_parser(
        "say",
        help="speak text, or write it to a WAV or MP3 file",
        description=(
            "Speak TEXT (or a file, or stdin) with the offline voice. With -o, write "
            "OUT.wav or OUT.mp3; with --play (the default without -o), play it, "
            "starting with the first sentence."
        ),
    )
    say.add_argument("text", nargs="?", metavar="TEXT", help="the text; '-' reads stdin")
    say.add_argument("-f", "--file", metavar="FILE", help="read the text from FILE")
    say.add_argument("-o", "--output", metavar="OUT", help="write OUT.wav or OUT.mp3")
    say.add_argument(
        "--voice", metavar="V", help="voice id, name or language (see `reader voices`)"
    )
    say.add_argument(
        "--rate", type=int, metavar="WPM", help=f"words per minute ({RATE_MIN}-{RATE_MAX})"
    )
    say.add_argument("--pitch", type=int, metavar="P", help=f"pitch, {PITCH_MIN}-{PITCH_MAX}")
    say.add_argument("--volume", type=float, metavar="V", help=f"volume, {VOLUME_MIN}-{VOLUME_MAX}")
    say.add_argument(
        "--lang",
        metavar="CODE",
        help="language of the text (picks the voice); by default guessed from the text",
    )
    say.add_argument("--play", action="store_true", help="play through the audio output")
    say.set_defaults(handler=say_command)


def voices_command(args: argparse.Namespace) -> int:
    if args.action in ("catalog", "download"):
        from reader.cli import voice_catalog

        return voice_catalog.run(args)
    if args.action == "add":
        return _voices_add(args)
    if args.action == "rm":
        return _voices_rm(args)
    if args.target:
        raise InputError(args.target, "`reader voices` takes no name (add MODEL.onnx, rm ID)")
    from reader.speech import voices

    found = voices(args.lang)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": v.id,
                        "engine": v.engine,
                        "languages": list(v.languages),
                        "name": v.name,
                        "quality": v.quality,
                        "sample_rate": v.sample_rate,
                        "gender": v.gender,
                    }
                    for v in found
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not found:
        raise InputError(f"--lang {args.lang}", "no installed voice speaks this language")
    rows = [
        (
            v.id,
            v.engine,
            ", ".join(v.languages),
            v.quality or "-",
            str(v.sample_rate or "-"),
            v.gender or "-",
            v.name,
        )
        for v in found
    ]
    header = ("ID", "ENGINE", "LANGUAGES", "QUALITY", "HZ", "GENDER", "NAME")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]
        )
    return 0


def _voices_add(args: argparse.Namespace) -> int:
    from reader.speech.piper_voices import add_voice

    if not args.target:
        raise InputError("voices add", "give the model file: reader voices add MODEL.onnx")
    voice = add_voice(Path(args.target))
    langs = ", ".join(voice.languages)
    print(
        f"added {voice.id} ({voice.name}; {langs}; {voice.quality or '-'}, {voice.sample_rate} Hz)"
    )
    return 0


def _voices_rm(args: argparse.Namespace) -> int:
    from reader.speech.piper_voices import remove_voice

    if not args.target:
        raise InputError("voices rm", "give the voice's id: reader voices rm ID")
    print(f"removed {remove_voice(args.target)}")
    return 0


def _read_text(args: argparse.Namespace) -> tuple[str, str]:
    if args.file and args.text:
        raise InputError("say", "give TEXT or -f FILE, not both")
    from reader.extract.sources import MAX_BYTES, read_stdin
    from reader.files import read_user_file

    if args.file:
        path = Path(args.file)
        try:  # a regular file of at most MAX_BYTES: a named pipe or /dev/zero is refused
            return read_user_file(path, MAX_BYTES).decode("utf-8"), str(path)
        except UnicodeDecodeError:
            raise InputError(str(path), "not UTF-8 text") from None
    if args.text is None or args.text == "-":
        if args.text is None and sys.stdin.isatty():
            raise InputError("say", "give TEXT, -f FILE or - (stdin)")
        try:
            return read_stdin().decode("utf-8"), "stdin"
        except UnicodeDecodeError:
            raise InputError("-", "not UTF-8 text") from None
    return args.text, "text"


def say_command(args: argparse.Namespace) -> int:
    text, source = _read_text(args)
    if not text.strip():
        raise InputError(source, "nothing to say (the text is empty)")
    if not any(char.isalnum() for char in text):
        # Emoji, symbols or punctuation alone: a silent file (or eSpeak naming the
        # signs) is not speech.
        raise InputError(source, "nothing to say (the text has no words)")
    out = Path(args.output) if args.output else None
    if out is not None and out.suffix.lower() not in (".wav", ".mp3"):
        raise InputError(str(out), "the output must end in .wav or .mp3")

    from reader.config import settings
    from reader.speech import synthesize

    current = settings()  # loaded once, passed down to speech and the encoder
    language = _checked_language(args.lang)
    if language is None:
        # As for an article, its language picks the voice when none is set, and the
        # rules for the ear; a line or two is too short for the stopword vote, so a
        # model made for short text guesses. Undecided text is read as before (English).
        from reader.text.language import detect_short_language

        language = detect_short_language(text)

    from reader.speech import resolve_voicing
    from reader.speech.pipeline import prepare

    # How to speak: every value checked once, before anything is said, and passed
    # whole from here on; then the voice that will speak.
    voicing = resolve_voicing(args.voice, args.rate, args.pitch, args.volume, language, current)
    voice = prepare(voicing).voice
    if args.pitch is not None:
        _say_what_is_not_applied(voice)
    _say_who_reads_another_script(voice, text)

    def chunks() -> Iterator[Chunk]:
        return synthesize(text, voicing=voicing)

    if out is not None:
        _write(chunks(), out, current)
        if sys.stderr.isatty():  # for the person at the terminal; scripts get silence
            _say_who_spoke(voice, voicing.rate, out)
    if args.play or out is None:
        from reader.audio.playback import play

        play(chunks(), fallback_to_null=False)  # asked to hear it: no device is an error
    return 0


_LANGUAGE_CODE = r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}"


def _checked_language(code: str | None) -> str | None:
    """``--lang`` as given when it is a language code some installed voice speaks."""
    import re

    from reader.text.sanitize import one_line

    if code is None:
        return None
    shown = one_line(code)[:40]
    if not re.fullmatch(_LANGUAGE_CODE, code):
        raise InputError(f"--lang {shown}", "not a language code (en, de, pt-BR)")
    from reader.speech import voices

    if not voices(code):
        raise InputError(
            f"--lang {shown}",
            "no installed voice speaks this language (`reader voices` lists them)",
        )
    return code


def _say_who_spoke(voice: Voice, rate: int, out: Path) -> None:
    """ "reader: wrote OUT with joe (piper/en_US-joe-medium), 175 wpm" on stderr."""
    from reader.text.sanitize import one_line

    line = f"wrote {out} with {voice.name} ({voice.id}), {rate} wpm"
    print(f"reader: {one_line(line)}", file=sys.stderr)


def _say_who_reads_another_script(chosen: Voice, text: str) -> None:
    """One line when the text is mostly in a script the chosen voice cannot read (joe
    and Chinese) and another voice reads it (eSpeak's), so that the change of voice is
    not a surprise; nothing when the voice reads it or no other voice can."""
    from reader.speech import voices
    from reader.speech.engine import dominant_script, voice_for_script
    from reader.text.sanitize import one_line

    reader_voice = voice_for_script(voices(), chosen, text)
    if reader_voice.id != chosen.id:
        found = dominant_script(text) or "another"
        script = {"CJK": "Han"}.get(found, found.title())
        line = (
            f"the text is in {script} script, which {chosen.name} ({chosen.id}) cannot "
            f"read: read with {reader_voice.name} ({reader_voice.id})"
        )
        print(f"reader: {one_line(line)}", file=sys.stderr)


def _say_what_is_not_applied(voice: Voice) -> None:
    """One line when an option cannot be honoured by the voice (Piper has no pitch)."""
    from reader.speech.piper import UNSUPPORTED

    if voice.engine == "piper" and "pitch" in UNSUPPORTED:
        print(
            f"reader: --pitch: {voice.name} ({voice.id}) is a neural voice without a pitch "
            "control; not applied",
            file=sys.stderr,
        )


def _write(chunks, out: Path, current: Settings) -> None:  # type: ignore[no-untyped-def]
    """Encode to a temporary name beside ``out``, then rename: never half a file.

    The temporary name says which process writes it, so this run first removes what a
    killed earlier one left for the same ``out`` (reader.files.create_temp).
    """
    from reader.audio.encode import render
    from reader.files import atomic_writer, remove_stale_temps

    fmt = out.suffix.lower().lstrip(".")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(str(out), f"no such folder: {folder}")
    prefix = f".{out.name}."
    remove_stale_temps(folder, (prefix,), ".part")
    try:
        with atomic_writer(out, prefix=prefix, suffix=".part") as handle:
            render(chunks, handle, fmt=fmt, settings=current)
    except OSError as error:
        raise InputError(str(out), f"cannot be written ({error.strerror or error})") from None
