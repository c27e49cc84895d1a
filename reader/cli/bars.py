"""Rich output for batch commands, with outside text kept plain.

Rich reads markup (``[link=...]``, ``[bold red]``) and emoji codes (``:smile:``) in what
it prints, and a progress bar's text column renders its description as markup: a page
title ``[link=https://evil.example/x]Click here[/link]`` became a live terminal
hyperlink, and ``reader export library:-1`` printed ``library👎``. Titles, inputs and
servers' reasons are outside text: every console made here has markup, emoji codes and
highlighting off, and the bar's description column reads its text as plain text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

__all__ = ["console", "progress", "say"]


def console() -> Console:
    """A console on stderr that prints text as given: no markup, emoji or highlighting."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, markup=False, emoji=False)


def progress(out: Console, verb: str, *, elapsed: bool = False, quiet: bool = False) -> Progress:
    """A transient bar: ``verb``, the bar, done/total, (elapsed,) and the task's description
    (a title: plain text). Off when ``quiet`` or when stderr is not a terminal."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns: list[ProgressColumn] = [
        TextColumn(verb, markup=False),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
    ]
    if elapsed:
        columns.append(TimeElapsedColumn())
    columns.append(TextColumn("{task.description}", markup=False))
    return Progress(*columns, console=out, transient=True, disable=quiet or not out.is_terminal)


def say(out: Console, line: str) -> None:
    """One line as given (it may quote a page or a server), above a running bar."""
    out.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)
