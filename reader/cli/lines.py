"""What every command prints for the user besides its output: one line on stderr.

The bottom of ``reader.cli``: the command modules import these, and the package's
face (``reader.cli``, which builds the parser from the command modules) re-exports
them; no command module imports the face.
"""

from __future__ import annotations

import sys

__all__ = ["SETTINGS_COMMANDS", "error", "warn_about_settings"]


def error(message: str) -> None:
    """Print one line for the user on stderr (escapes, controls and bidi overrides out)."""
    from reader.text.sanitize import one_line

    print(f"reader: {one_line(message)}", file=sys.stderr, flush=True)


# Commands that read the settings (voice, rate, bitrate...) warn about bad values in the
# settings file before they run; the TUI shows the same lines as notifications.
SETTINGS_COMMANDS = frozenset({"say", "export"})


def warn_about_settings() -> None:
    """One line per bad value in the settings file; the defaults stand in for them."""
    from reader.config import load_settings

    current, problems = load_settings()
    for problem in problems:
        error(f"warning: {problem} (the default is used)")
    lexicon = current.lexicon_path()
    if current.lexicon and not lexicon.exists():  # the default path may well be absent
        error(f"warning: lexicon: {lexicon} does not exist; no lexicon is used")
