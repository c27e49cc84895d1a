"""Shared pieces of the TUI tests: a fixed article and the app factory they all use.

The snapshot, pilot and smoke tests build the app through
:func:`reader.tui.app.create_app`, the same factory ``reader open`` uses. The article
is fixed (no dates from the clock, no extraction) so snapshots are deterministic.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from textual.message import Message
from textual.notifications import Notification, Notify

from reader.config import Settings
from reader.text.article import Article, Block
from reader.tui.app import ReaderApp, create_app

ARTICLE = Article(
    blocks=(
        Block(
            "paragraph",
            "Ukrainian forces launched an incursion into Russia’s Kursk region in August. "
            "The move undermined Russia’s military prestige. "
            "It forced Moscow to redeploy troops from eastern Ukraine.",
        ),
        Block("heading", "Fighting in Kursk and beyond"),
        Block(
            "paragraph",
            "North Korean troops fighting alongside Russian forces are facing heavy "
            "casualties, Ukraine’s military intelligence agency said on Thursday. "
            "The agency added that the troops are short of drinking water. "
            "Officials in Seoul said the estimate matched their own.",
        ),
        Block("list_item", "About 3,000 soldiers killed or wounded, according to Kyiv."),
        Block("quote", "We will keep supporting Ukraine for as long as it takes."),
        Block(
            "paragraph",
            "Analysts expect the fighting to continue through the winter. "
            "Supply lines remain the deciding factor.",
        ),
    ),
    title="Ukraine claims North Korean units suffering heavy losses",
    authors=("Romeo Minalane",),
    date="2024-12-29",
    site="example.news",
    language="en",
    source="sample.txt",
)

HOSTILE = Article(
    blocks=(
        Block("paragraph", "Bold: [bold]not bold[/bold]. Quit: [@click=app.quit]click me[/]."),
        Block("paragraph", "A link: [link=https://example.com]x[/link] and \x1b[31mred\x1b[0m."),
        Block("paragraph", "Rich escapes: \\[b] and [reverse]reverse[/reverse] and [/]."),
    ),
    title="[b]Hostile[/b] title \x1b[2J",
    authors=("[i]Eve[/i]",),
    site="[red]evil[/red].example",
    language="en",
)

SETTINGS = Settings(theme="dark", rate=175)


def make_app(article: Article | None = ARTICLE, **options: Any) -> ReaderApp:
    """The app as ``reader open`` builds it, on a fixed article, null audio, no warm-up."""
    options.setdefault("settings", SETTINGS)
    options.setdefault("null_audio", True)
    options.setdefault("warm_up", False)
    return create_app(article=article, **options)


def screen_text(app: ReaderApp) -> str:
    """What a person sees: the screen's characters, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


class Notices:
    """Every notification the app shows, as Textual receives it.

    Pass :meth:`hook` as ``run_test(message_hook=...)``: it sees each ``Notify``
    message, which carries the :class:`~textual.notifications.Notification` that
    ``App.notify`` built (message, title, severity and whether it is markup) after
    our own ``notify`` override has had its say, so a test can check what the user
    is shown without reading the app's private notification store.
    """

    def __init__(self) -> None:
        self.shown: list[Notification] = []

    def hook(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.shown.append(message.notification)

    @property
    def messages(self) -> list[str]:
        return [n.message for n in self.shown]


async def until(pilot: Any, condition: Callable[[], object], seconds: float = 30.0) -> None:
    """Let the app run until ``condition()`` holds; fail after ``seconds``.

    For what Textual cannot wait on itself: speech sounding in real time on the null
    audio device, a screen another message pushes. Where the wait is for workers,
    ``await app.workers.wait_for_complete()`` says it directly.
    """
    step = 0.02
    for _ in range(max(1, int(seconds / step))):
        if condition():
            return
        await pilot.pause(step)
    raise AssertionError(f"timed out after {seconds} s waiting")


async def workers_done(app: ReaderApp, pilot: Any, seconds: float = 120.0) -> None:
    """Wait for every worker of the app and its screens to finish (Textual's own wait,
    with a deadline), then for the messages they posted to be handled."""
    await asyncio.wait_for(app.workers.wait_for_complete(), seconds)
    await pilot.pause()


def sync(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test (pilot tests) without an asyncio plugin for pytest."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper
