"""The voice picker (``v``) and its "More voices…" dialog (the Piper voices catalogue).

The picker lists the article's language first (neural voices first within it), then
"More voices for LANGUAGE…", then every other language. The cursor stops at the ends
of the list: it does not wrap around (``Home`` then ``Up`` once picked the last voice,
Cantonese, for an English article, and remembered it). A voice that does not speak
the article's language is only taken after a question, since the choice is remembered
as the default for every article.

"More voices…" lists the catalogue's voices for that language and downloads the one
picked in a thread worker, with a progress bar; an error is one notification. The
download, its checks and where it writes are :mod:`reader.speech.voice_download`'s.
"""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from reader.tui.dialogs import ConfirmScreen, Dialog, excerpt

MORE = "+more"  # the option id of "More voices for LANGUAGE…" (voice ids have no "+" first)


class StopAtEndsList(OptionList):
    """An option list whose cursor stops at the first and last options (no wrap-around)."""

    def action_cursor_up(self) -> None:
        self._step(-1)

    def action_cursor_down(self) -> None:
        self._step(1)

    def _step(self, direction: int) -> None:
        if self.highlighted is None:
            self.action_first() if direction > 0 else self.action_last()
            return
        index = self.highlighted + direction
        while 0 <= index < self.option_count:
            if not self.get_option_at_index(index).disabled:
                self.highlighted = index
                return
            index += direction


def language_name(code: str | None) -> str:
    """The name of ``code`` ("German" for "de" or "de-AT"), or the code itself."""
    if not code:
        return "this language"
    from reader.text.language import STOPLISTS, base

    return STOPLISTS.get(base(code), code).replace("_", " ")


def speaks(voice: Any, language: str | None) -> bool:
    """Whether ``voice`` reads ``language`` (its primary subtag: "en" for "en-US")."""
    if not language:
        return True
    from reader.text.language import base

    wanted = base(language)
    return any(base(lang) == wanted for lang in voice.languages)


def _neural_first(voice: Any) -> int:
    return 0 if getattr(voice, "engine", "") == "piper" else 1


class VoiceScreen(Dialog):
    """Pick a voice: returns its id ("" for automatic), or None."""

    def __init__(self, language: str | None, current: str | None) -> None:
        super().__init__()
        self.language = language
        self.current = current
        self.voices: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"), Vertical(id="box"):
            yield Label("Voice", id="box-title")
            yield StopAtEndsList(id="voices", classes="body")
            with Vertical(id="box-foot"):
                yield Static("enter picks · escape cancels", classes="hint", markup=False)

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="voices", exit_on_error=False)
    def _load(self, highlight: str | None = None) -> None:
        from reader.speech import voices

        try:
            found = voices()
        except Exception as error:  # the engine may be missing: say so in the list
            self.app.call_from_thread(self._show, [], str(error), highlight)
            return
        self.app.call_from_thread(self._show, found, None, highlight)

    def _show(self, found: list[Any], problem: str | None, highlight: str | None) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        self.voices = {v.id: v for v in found}
        options.add_option(Option(Text("Automatic (follows the article's language)"), id=""))
        matching = sorted((v for v in found if speaks(v, self.language)), key=_neural_first)
        others = sorted((v for v in found if not speaks(v, self.language)), key=_neural_first)
        if self.language:
            name = language_name(self.language)
            options.add_option(_heading(f"{name}: the article's language"))
            options.add_options([_voice_option(v) for v in matching])
            options.add_option(Option(Text(f"More voices for {name}…", style="italic"), id=MORE))
            options.add_option(_heading("Other languages"))
        else:  # no language known: the whole catalogue
            options.add_option(Option(Text("More voices…", style="italic"), id=MORE))
        options.add_options([_voice_option(v) for v in others])
        if problem:
            options.add_option(Option(excerpt(problem), disabled=True))
        wanted = highlight if highlight is not None else (self.current or "")
        for index in range(options.option_count):
            if options.get_option_at_index(index).id == wanted:
                options.highlighted = index
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        picked = event.option.id or ""
        if picked == MORE:
            self.app.push_screen(CatalogScreen(self.language), self._downloaded)
            return
        voice = self.voices.get(picked)
        if voice is None or speaks(voice, self.language):
            self.dismiss(picked)
            return
        question = excerpt(f"{voice.name} ({', '.join(voice.languages)})", 80)
        question.append(
            f" does not read {language_name(self.language)}, the article's language. "
            "Use it anyway? It becomes the default voice for every article."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(picked)

        self.app.push_screen(ConfirmScreen(question), answered)

    def _downloaded(self, voice_id: str | None) -> None:
        """Back from "More voices…": list the voices again, the new one highlighted."""
        if voice_id:
            self._load(voice_id)


def _heading(text: str) -> Option:
    return Option(Text(text, style="bold"), disabled=True)


def _voice_option(voice: Any) -> Option:
    label = excerpt(f"{voice.name}  ({', '.join(voice.languages)})")
    if getattr(voice, "engine", "") == "piper":
        label.append(f"  neural, {voice.quality or 'piper'}")
    if voice.gender:
        label.append(f"  {voice.gender}")
    return Option(label, id=voice.id)


class CatalogScreen(Dialog):
    """The catalogue's voices for a language; enter downloads one. Returns the new
    voice's id, or None. Escape during a download stops it (what arrived is kept, and
    the next attempt resumes)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Close")]
    PROGRESS_EVERY = 0.1  # seconds between progress updates from the worker

    def __init__(self, language: str | None) -> None:
        super().__init__()
        self.language = language
        self.stop = threading.Event()
        self.downloading: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"), Vertical(id="box"):
            title = (
                f"More voices: {language_name(self.language)}" if self.language else "More voices"
            )
            yield Label(title, id="box-title")
            yield StopAtEndsList(id="catalog", classes="body")
            with Vertical(id="box-foot"):
                yield Static("", id="catalog-status", classes="hint", markup=False)
                bar = ProgressBar(id="catalog-progress", show_eta=False, total=None)
                bar.display = False
                yield bar
                yield Static(
                    "enter downloads · escape closes (and stops a download)",
                    classes="hint",
                    markup=False,
                )

    def on_mount(self) -> None:
        self._status("Reading the voice catalogue…")
        self._load()

    def _status(self, text: str) -> None:
        self.query_one("#catalog-status", Static).update(excerpt(text, 300))

    def _base(self) -> str | None:
        """The catalogue's address: the app's settings (``voices_url``), else the file's."""
        current = getattr(self.app, "settings", None)
        if current is None:
            from reader.config import settings

            current = settings()
        return getattr(current, "voices_url", None)

    @work(thread=True, exclusive=True, group="catalog", exit_on_error=False)
    def _load(self) -> None:
        from reader.speech.catalog import load

        try:
            found = load(self._base())
        except Exception as error:  # a ReaderError; anything else is said the same way
            self.app.call_from_thread(self._failed, "Voice catalogue not read", error)
            return
        self.app.call_from_thread(self._show, found)

    def _show(self, found: Any) -> None:
        from reader.speech.catalog import age

        if self._gone():
            return
        from reader.speech.piper import ID_PREFIX, installed_models

        installed = {m.id.removeprefix(ID_PREFIX) for m in installed_models()}
        options = self.query_one(OptionList)
        voices = found.for_language(self.language)
        for voice in voices:
            label = excerpt(f"{voice.key}  {voice.language_name}", 60)
            label.append(f"  {voice.quality or '-'}, {voice.size / 1e6:.0f} MB")
            if voice.key in installed:
                label.append("  installed", style="italic")
            options.add_option(Option(label, id=voice.key, disabled=voice.key in installed))
        status = f"{len(voices)} voices from {found.source}, {age(found.fetched)}"
        if found.problem:
            status += f" (not fetched again: {found.problem})"
        if not voices:
            status = f"The catalogue has no voice for {language_name(self.language)}. " + status
        self._status(status)
        options.action_first()
        options.focus()

    def _gone(self) -> bool:
        """Closed while a worker ran on (a thread cannot be stopped mid-check)."""
        return not self.is_attached or self.app.screen is not self

    def _failed(self, title: str, error: BaseException) -> None:
        self.downloading = None
        self.notify(excerpt(str(error), 300).plain, title=title, severity="error", markup=False)
        if self._gone():
            return
        self.query_one("#catalog-progress", ProgressBar).display = False
        self._status(str(error))

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if self.downloading is not None or not event.option.id:
            return
        self.downloading = event.option.id
        bar = self.query_one("#catalog-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._status(f"Downloading {event.option.id}…")
        self._download(event.option.id)

    @work(thread=True, exclusive=True, group="voice-download", exit_on_error=False)
    def _download(self, name: str) -> None:
        from reader.extract.download import Cancelled
        from reader.speech.voice_download import download_voice

        last = [0.0]

        def progress(what: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= self.PROGRESS_EVERY or done >= total:
                last[0] = now
                self.app.call_from_thread(self._progress, what, done, total)

        try:
            voice = download_voice(name, base=self._base(), on_progress=progress, cancel=self.stop)
        except Cancelled:
            return
        except Exception as error:
            self.app.call_from_thread(self._failed, "Voice not downloaded", error)
            return
        self.app.call_from_thread(self._done, voice)

    def _progress(self, what: str, done: int, total: int) -> None:
        from reader.speech.voice_download import CHECKING

        if self.stop.is_set() or self._gone():
            return
        bar = self.query_one("#catalog-progress", ProgressBar)
        if what == CHECKING:
            bar.update(total=None)
            self._status("Checking the voice: it must load and speak (its pace is measured once)…")
            return
        bar.update(total=total, progress=done)
        self._status(f"{what}: {done / 1e6:.1f} of {total / 1e6:.1f} MB")

    def _done(self, voice: Any) -> None:
        self.downloading = None
        self.notify(
            excerpt(f"{voice.name} ({voice.id}) is installed.", 200).plain,
            title="Voice added",
            markup=False,
        )
        if not self._gone():
            self.dismiss(voice.id)

    def action_cancel(self) -> None:
        if self.downloading is not None:
            self.stop.set()  # the worker stops at its next chunk; the .part file is kept
            self.notify(
                "Download stopped; what arrived is kept for the next attempt.",
                title="Voices",
                markup=False,
            )
        self.dismiss(None)
