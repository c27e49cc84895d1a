"""The reader app: the library, the article screen, dialogs, themes and workers.

:func:`create_app` is the one way to build the app; the command line and the
snapshot tests both use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from reader.text.sanitize import one_line, safe_text
from reader.tui.article_screen import ArticleScreen
from reader.tui.article_view import ArticleView
from reader.tui.library_screen import LibraryScreen
from reader.tui.messages import (
    ArticleReady,
    ArticleStored,
    HighlightsChanged,
    OpenArticle,
    OpenSource,
    PlayerEvent,
    ShowLibrary,
    WarmUp,
    WorkFailed,
)
from reader.tui.player_keys import PlayerKeys
from reader.tui.session import Session
from reader.tui.themes import THEMES, setting_name, theme_name

READER_THEME_NAMES = frozenset(theme.name for theme in THEMES.values())

if TYPE_CHECKING:
    from concurrent.futures import Future

    from reader.audio.playback import Player
    from reader.config import Settings
    from reader.errors import ReaderError
    from reader.listening.events import Event
    from reader.text.article import Article
    from reader.text.highlight import Highlight
    from reader.tui.store import Store


class LoadingScreen(Screen[None]):
    """Shown while an article is being fetched and cleaned."""

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Opening {one_line(self.source)} …"), id="loading")
        yield Footer()


class ReaderApp(PlayerKeys):
    """Read clean articles, select any passage and hear it at once."""

    CSS_PATH = "reader.tcss"
    TITLE = "reader"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys"),
        Binding("t", "cycle_theme", "Next theme", show=False),
        Binding("q", "quit", "Quit", show=False),
    ]

    def __init__(
        self,
        source: str | None = None,
        *,
        article: Article | None = None,
        article_id: int | None = None,
        store: Store | None = None,
        settings: Settings | None = None,
        label: str | None = None,
        prefetched: Future[Article] | None = None,
        null_audio: bool = False,
        warm_up: bool = True,
    ) -> None:
        super().__init__()
        # Bad values in the settings file: the defaults stand in, and the user is told once.
        self.settings_problems: list[str] = []
        if settings is None:
            from reader.config import load_settings

            settings, problems = load_settings()
            self.settings_problems = [f"{p} (the default is used)" for p in problems]
        self.settings = settings
        self.session = Session(settings, store=store, null_audio=null_audio)
        self.session.subscribe(self._heard_from_player)
        self.source = source
        self.label = label  # what to call the source ("-" for stdin saved to a file)
        self.prefetched = prefetched  # extraction of ``source`` started before Textual loaded
        self.initial_article = article
        self.initial_id = article_id
        self._warm_up = warm_up
        self._exit_on_error = False  # an extraction failure ends the app (`reader open URL`)
        self._warmed = False
        # The word being spoken is followed too: neural voices give word times from
        # their phoneme alignments once asked (their model is patched once, cached).
        from reader.speech import piper

        piper.set_word_times(True)
        # Listening synthesizes a little at a time: onnxruntime's threads sleep between
        # sentences instead of spinning (a share of a core all the while otherwise).
        piper.set_threads(0, spinning=False)
        self.error: ReaderError | None = None  # re-raised by the command line after exit
        for theme in THEMES.values():
            self.register_theme(theme)
        self.theme = theme_name(settings.theme)
        # Only the reader's themes are offered (t, the palette): they define the
        # $reader-* variables reader.tcss uses, meet WCAG AA, and can be saved.
        for name in list(self.available_themes):
            if name not in READER_THEME_NAMES:
                self.unregister_theme(name)

    def _heard_from_player(self, event: Event) -> None:
        """On the player's thread: hand the event to the app's (post_message is safe)."""
        self.post_message(PlayerEvent(event))

    # -- services --------------------------------------------------------------------

    @property
    def store(self) -> Store:
        return self.session.store

    @property
    def speaker(self) -> Player:
        return self.session.speaker

    @property
    def rate(self) -> int:
        return self.session.rate

    @property
    def voice(self) -> str | None:
        return self.session.voice

    @property
    def voice_ready(self) -> bool:
        return self.session.voice_ready

    # -- start-up --------------------------------------------------------------------

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.call_later(self._tell_about_store)
        self.call_later(self._offer_to_continue)
        if self.initial_id is not None:
            self.open_article(self.initial_id)
        elif self.initial_article is not None:
            article = self.initial_article
            article_id = self.store.add(article)
            article, position = self.store.get(article_id)
            self.show_article(article, article_id, position, self.store.highlights(article_id))
        elif self.source is not None:
            self.extract(self.source, exit_on_error=True)
        else:
            self.show_library()

    def warm(self) -> None:
        """Start the engine and the audio device, once, after the first screen is drawn.

        Both cost a few hundred milliseconds (importing miniaudio and probing for a
        device, loading the voice); done at start-up they would delay the article.
        """
        if self._warm_up and not self._warmed:
            self._warmed = True
            self._warm()

    def _tell_about_store(self) -> None:
        for problem in self.settings_problems:
            self.notify(problem, title="Settings", severity="warning", timeout=15, markup=False)
        store = self.store
        if store.notice:
            self.notify(store.notice, title="Library", severity="warning", timeout=15)
        if not store.persistent:
            reason = getattr(store, "reason", "")
            self.notify(f"Nothing will be saved: {reason}", title="Library", severity="warning")

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False)
    def _warm(self) -> None:
        """Start the speech engine and the audio device off the keypress path."""
        speaker = self.speaker
        try:
            speaker.prepare(22050)  # eSpeak NG's rate; reopened if a voice differs
        except Exception as error:  # pragma: no cover - miniaudio missing its null backend
            self.call_from_thread(self.notify, str(error), severity="error")
        if speaker.silent_reason:
            self.call_from_thread(
                self.notify,
                f"No sound: {speaker.silent_reason}. Follow-along, highlights and export work.",
                title="Audio",
                severity="warning",
                timeout=8,
            )
        try:
            from reader.speech import warm_up

            language = getattr(self.screen, "article", None)
            warm_up(self.voice, getattr(language, "language", None), settings=self.settings)
        except Exception as error:
            message = str(error) or type(error).__name__
            self.call_from_thread(self.notify, message, title="Speech", severity="warning")
        finally:
            self.call_from_thread(self.voice_loaded)

    def voice_loaded(self) -> None:
        """The voice is ready (or failed to load: listening then says why)."""
        if self.session.voice_ready:
            return
        self.session.voice_ready = True
        update = getattr(self.screen, "update_status", None)
        if update is not None:
            update()

    @on(WarmUp)
    def _warm_up_asked(self) -> None:
        self.warm()

    @on(ShowLibrary)
    def _show_library_asked(self) -> None:
        self.show_library()

    @on(OpenArticle)
    def _open_article_asked(self, message: OpenArticle) -> None:
        self.open_article(message.article_id)

    @on(HighlightsChanged)
    def _highlights_changed(self, message: HighlightsChanged) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, ArticleScreen) and screen.article_id == message.article_id:
                screen.highlights_changed(clear_selection=message.clear_selection)

    @on(OpenSource)
    def _open_source_asked(self, message: OpenSource) -> None:
        self.extract(message.source)

    def show_library(self) -> None:
        if isinstance(self.screen, LibraryScreen):
            return
        for screen in self.screen_stack[1:]:
            if isinstance(screen, LibraryScreen):
                while not isinstance(self.screen, LibraryScreen):
                    self.pop_screen()
                return
        self.switch_or_push(LibraryScreen(self.session))

    def switch_or_push(self, screen: Screen[Any]) -> None:
        if isinstance(self.screen, LoadingScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def show_article(
        self,
        article: Article,
        article_id: int | None,
        position: int,
        highlights: list[Highlight],
    ) -> None:
        screen = ArticleScreen(
            article,
            self.session,
            article_id=article_id,
            position=position,
            highlights=highlights,
        )
        if isinstance(self.screen, ArticleScreen):
            self.switch_screen(screen)
        else:
            self.switch_or_push(screen)

    def open_article(self, article_id: int) -> None:
        article, position = self.store.get(article_id)
        self.show_article(article, article_id, position, self.store.highlights(article_id))

    def extract(self, source: str, *, exit_on_error: bool = False) -> None:
        """Fetch and clean ``source`` in a worker, add it to the library, open it."""
        shown = self.label if source == self.source and self.label else source
        self.push_screen(LoadingScreen(shown))
        self._exit_on_error = exit_on_error
        self._extract(source)

    @work(thread=True, exclusive=True, group="extract", exit_on_error=False)
    def _extract(self, source: str) -> None:
        from reader.errors import ReaderError
        from reader.extract import extract

        try:
            if self.prefetched is not None and source == self.source:
                article = self.prefetched.result()
            else:
                article = extract(source)
            if self.label is not None and source == self.source:
                article = replace(article, source=self.label)
        except Exception as error:
            # A ReaderError names the input and the reason; anything else is a bug, still
            # reported as one line naming the input rather than a loading screen that stays.
            if not isinstance(error, ReaderError):
                reason = f"could not be opened ({type(error).__name__}: {error})"
                error = ReaderError(source, reason)
            raise error from None
        # Show it at once; the library (a same-story check over every article can take
        # a second in a large one) catches up and the screen learns its id and position.
        self.post_message(ArticleReady(article, None, 0, []))
        store = self.store
        try:
            article_id, note = store.add_article(article)
            article_stored, position = store.get(article_id)
            highlights = store.highlights(article_id)
        except ReaderError as error:  # a busy or broken library: read without saving
            self.call_from_thread(
                self.notify, f"Not saved: {error}", title="Library", severity="warning"
            )
            return
        del article_stored  # the same text: keep the object the screen already shows
        self.post_message(ArticleStored(article, article_id, position, highlights, note))

    @on(ArticleReady)
    def _article_ready(self, message: ArticleReady) -> None:
        self.show_article(message.article, message.article_id, message.position, message.highlights)
        if message.note:
            self.notify(message.note, title="Library", timeout=10)

    @on(ArticleStored)
    def _article_stored(self, message: ArticleStored) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, ArticleScreen) and screen.article is message.article:
                screen.stored(message.article_id, message.position)
        if message.note:
            self.notify(message.note, title="Library", timeout=10)

    # -- failures of workers ------------------------------------------------------------

    # What to call each worker's failure, and how long to show it (None: the default).
    FAILURES: ClassVar[dict[str, tuple[str, float | None]]] = {
        "extract": ("Cannot open", 10),
        "listen": ("Cannot speak", None),
        "export": ("Export failed", 10),
    }

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers (extraction); the screens' come as :class:`WorkFailed`."""
        if event.state == WorkerState.ERROR:
            self.post_message(WorkFailed(event.worker))

    @on(WorkFailed)
    def _work_failed(self, message: WorkFailed) -> None:
        """Every worker's failure, told the same way: one line, titled by what failed."""
        worker = message.worker
        error = worker.error
        if error is None:
            return
        from reader.errors import ReaderError

        if worker.group == "extract":
            if self._exit_on_error and isinstance(error, ReaderError):
                self.error = error
                self.exit(error.exit_code)
                return
            if isinstance(self.screen, LoadingScreen):
                self.pop_screen()
        title, timeout = self.FAILURES.get(worker.group, ("Error", None))
        text = str(error) or type(error).__name__
        self.notify(text, title=title, severity="error", timeout=timeout)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications are plain text, always: they carry titles, file names and error
        lines, and a page titled ``[@click=app.quit]`` must not become a button, nor a
        title's escape sequence or bidi override reach the terminal."""
        super().notify(
            safe_text(message),
            title=one_line(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    # -- settings --------------------------------------------------------------------

    def _save(self, key: str, value: str) -> None:
        problem = self.session.save(key, value)
        if problem is not None:
            self.notify(problem, title="Settings not saved", severity="warning")

    def action_cycle_theme(self) -> None:
        names = [t.name for t in THEMES.values()]
        current = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(current + 1) % len(names)]  # saved by _theme_changed
        self.notify(f"Theme: {setting_name(self.theme)}")

    def _theme_changed(self, theme: object) -> None:
        """Any change of theme (t, the palette's picker) is remembered."""
        if self.theme in READER_THEME_NAMES:
            self._save("theme", setting_name(self.theme))

    def action_save_screenshot(self) -> None:
        """Save an SVG picture of the screen into the screenshots folder; say where."""
        from reader.errors import ReaderError
        from reader.locations import ensure, screenshot_dir

        folder = screenshot_dir()
        try:
            ensure(folder)
            path = self.save_screenshot(path=str(folder))
        except (OSError, ReaderError) as error:
            self.notify(f"{folder}: {error}", title="Screenshot not saved", severity="error")
            return
        self.notify(f"Saved {path}", title="Screenshot", timeout=10)

    # -- help and the command palette --------------------------------------------------

    def key_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Every key binding with its description, grouped by where it works."""
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        from reader.tui.queue_screen import QueueScreen

        for title, bindings in (
            ("Reading", ArticleView.BINDINGS),
            ("Listening and highlights", ArticleScreen.BINDINGS),
            ("Player (on every screen)", PlayerKeys.BINDINGS),
            ("Up next (u)", QueueScreen.BINDINGS),
            ("Library", LibraryScreen.BINDINGS),
            ("Everywhere", [*ReaderApp.BINDINGS, Binding("ctrl+p", "", "Command palette")]),
        ):
            rows = []
            for binding in bindings:
                assert isinstance(binding, Binding)
                keys = " / ".join(
                    self.get_key_display(Binding(key.strip(), binding.action))
                    for key in binding.key.split(",")
                )
                rows.append((keys, binding.description))
            groups.append((title, rows))
        return groups

    def action_help(self) -> None:
        from reader.tui.dialogs import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_groups()))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action bound on the current screen, then Textual's own under other
        names: "Theme" (the picker; t is "Next theme"), one "Keys" (?), one "Quit" (q),
        "Screenshot" (into the screenshots folder). Every name is given once."""
        seen: set[str] = set()
        titles: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen:
                continue
            if binding.description in titles:  # one name, one action: never two alike
                continue
            seen.add(binding.action)
            titles.add(binding.description)
            key = self.get_key_display(binding)
            yield SystemCommand(
                binding.description,
                f"key: {key}",
                partial(self.call_later, self.run_action, binding.action, active.node),
            )
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":  # saved where it can be, and said where
                folder = self._screenshot_folder()
                command = SystemCommand(
                    "Screenshot",
                    f"Save an SVG picture of the screen into {folder}",
                    partial(self.set_timer, 0.1, self.action_save_screenshot),
                )
            if command.title not in titles:
                titles.add(command.title)
                yield command

    @staticmethod
    def _screenshot_folder() -> str:
        from reader.locations import screenshot_dir

        return one_line(str(screenshot_dir()))

    def exit_status(self, result: int | None) -> int:
        """The process's exit status after :meth:`run` returned ``result``.

        When the app died of an unexpected exception Textual prints it and sets
        :attr:`return_code` to 1, but :meth:`run` still returns ``None``: without this
        a crash would exit with status 0.
        """
        if self.return_code:
            return self.return_code
        return int(result or 0)

    def on_unmount(self) -> None:
        self.session.close()

    def close_audio(self) -> None:
        """Close the audio device (an open device keeps the process from exiting)."""
        self.session.close_audio()


def create_app(source: str | None = None, **options: Any) -> ReaderApp:
    """The app the command line runs (``source`` None opens the library)."""
    return ReaderApp(source, **options)
