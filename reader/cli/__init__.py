"""The command line: ``reader COMMAND ...``.

Each command group lives in its own module beside this one and exposes
``register(subparsers)``; handlers import their domain modules lazily so that
``reader --help`` and the TUI start fast. Every handler returns an exit status.
A :class:`~reader.errors.ReaderError` becomes one line on stderr and its exit code;
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

from reader import __version__
from reader.cli.lines import SETTINGS_COMMANDS, error, warn_about_settings
from reader.errors import ReaderError

# The modules that add subcommands, in the order `reader --help` lists them.
COMMAND_MODULES = ("tui", "extract", "speech", "library", "listen", "export", "feeds")

# Which module registers each command. `reader list` then imports and builds only the
# library module's parsers, not every command's (start-up is most of a `list` or
# `search`). A command missing here still works: it just builds them all.
# tests/cli/test_cli_library.py checks this table against the modules.
COMMANDS = {
    "open": "tui",
    "extract": "extract",
    "voices": "speech",
    "say": "speech",
    **dict.fromkeys(
        ("add", "list", "show", "rm", "highlight", "highlights", "search", "library", "config"),
        "library",
    ),
    **dict.fromkeys(("listen", "queue", "mark"), "listen"),
    "export": "export",
    "feeds": "feeds",
    "serve": "feeds",
}


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose "invalid choice" names the close ones: ``reader opne``
    asks "did you mean 'open'?". Subcommands' parsers are made of the same class
    (``add_subparsers`` takes the parent's), so every level and every ``choices``
    option says it."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        choices = action.choices
        if choices is None or value in choices or not isinstance(value, str):
            super()._check_value(action, value)
            return
        import difflib

        names = [str(choice) for choice in choices]
        close = difflib.get_close_matches(value, names, n=3, cutoff=0.6)
        close += [n for n in names if n.startswith(value) and n not in close][: 3 - len(close)]
        listed = ", ".join(map(repr, names))
        if close:
            guess = " or ".join(repr(name) for name in close)
            message = f"invalid choice: {value!r}: did you mean {guess}? (choose from {listed})"
        else:
            message = f"invalid choice: {value!r} (choose from {listed})"
        raise argparse.ArgumentError(action, message)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; for a known ``command``, with only its module's commands."""
    parser = Parser(
        prog="reader",
        description="An offline, highlight-to-listen article reader for the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = (COMMANDS[command],) if command in COMMANDS else COMMAND_MODULES
    for name in names:
        module = importlib.import_module(f"reader.cli.{name}")
        module.register(subparsers)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread: the command unwinds as for Ctrl-C
    (workers stopped, temporary files removed) and exits with 128 + the signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate_on_signals() -> dict[int, object]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` (once: a second one during the
    cleanup is ignored; cleanup waits are bounded). A signal ignored by whoever started
    us (``nohup``) stays ignored. Returns the handlers to restore."""
    import signal

    names = ("SIGTERM", "SIGHUP")
    signals = [getattr(signal, name) for name in names if hasattr(signal, name)]

    def handler(signum: int, frame: object) -> None:
        for number in signals:
            signal.signal(number, signal.SIG_IGN)
        raise Terminated(signum)

    previous: dict[int, object] = {}
    for number in signals:
        if signal.getsignal(number) is signal.SIG_DFL:
            previous[number] = signal.signal(number, handler)
    return previous


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # The command is the first argument (top-level options such as --help need all).
    parser = build_parser(argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        from reader.cli.tui import default_handler

        handler = default_handler
    command = getattr(args, "command", None)
    previous: dict[int, object] = {}
    if command not in (None, "open") and threading.current_thread() is threading.main_thread():
        previous = _terminate_on_signals()  # the TUI keeps Textual's own handling
    try:
        if command in SETTINGS_COMMANDS:
            warn_about_settings()
        return int(handler(args) or 0)
    except ReaderError as exc:
        error(str(exc))
        return exc.exit_code
    except Terminated as exc:
        import signal

        error(f"terminated ({signal.Signals(exc.signum).name})")
        return 128 + exc.signum
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        # The reader of our stdout went away (`reader extract x | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        # The last resort for the reader's own folders (read-only, full, taken away):
        # one line naming the path and the reason, as for any other input.
        from reader.locations import explain

        problem = explain(exc)
        if problem is None:
            raise
        error(str(problem))
        return problem.exit_code
    finally:
        if previous:
            import signal

            for number, restored in previous.items():
                signal.signal(number, restored)  # type: ignore[arg-type]


STOPPED = (129, 130, 143)  # SIGHUP, Ctrl-C, SIGTERM: see main()
EXIT_DEADLINE = 10.0  # seconds a stopped command's interpreter exit may take


def run() -> None:
    """The ``reader`` program. A command stopped by a signal has done its cleanup when
    main() returns (workers stopped, temporary files removed, the line printed); its
    exit then has :data:`EXIT_DEADLINE`: the interpreter joins every thread at exit,
    and a thread of a killed pool that still waits (see :func:`reader.workers.stop_pool`)
    must not hold the command for ever."""
    code = main()
    if code in STOPPED:
        threading.Thread(target=_leave, args=(code,), daemon=True).start()
    sys.exit(code)


def _leave(code: int) -> None:
    import time

    time.sleep(EXIT_DEADLINE)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
