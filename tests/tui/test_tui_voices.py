"""The voice picker (`v`) and its "More voices…" dialog, driven as a person would.

The picker does not wrap around (`v`, `Home`, `Up`, `Enter` picked the last voice,
Cantonese, and remembered it for English), lists the article's language first, and
asks before taking a voice that cannot read the article. "More voices…" lists the
catalogue (tests/voicesite.py on 127.0.0.1) for the article's language and downloads
the voice picked, with progress; a failure is one notification.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import OptionList

from reader import locations
from reader.config import Settings, settings
from reader.speech.catalog import language_matches
from reader.text.article import Article, Block
from reader.tui.article_screen import ArticleScreen
from reader.tui.dialogs import ConfirmScreen
from reader.tui.voice_picker import MORE, CatalogScreen, VoiceScreen
from tests import voicesite
from tests.tui.test_tui_support import Notices, make_app, sync, until

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

GERMAN = Article(
    blocks=(
        Block(
            "paragraph",
            "Der Gemeinderat hat am Donnerstag einen neuen Verkehrsplan beschlossen. "
            "Die Busse fahren künftig alle fünfzehn Minuten.",
        ),
    ),
    title="Neuer Verkehrsplan",
    language="de",
)


async def open_picker(app: Any, pilot: Any) -> OptionList:
    await pilot.press("v")
    await until(pilot, lambda: isinstance(app.screen, VoiceScreen))
    options = app.screen.query_one(OptionList)
    await until(pilot, lambda: options.option_count > 3, 60)
    return options


def reads_english(voice: Any) -> bool:
    return any(language_matches(lang, "en") for lang in voice.languages)


def ids(options: OptionList) -> list[str | None]:
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


def highlight(options: OptionList, wanted: str) -> None:
    options.highlighted = ids(options).index(wanted)


@sync
async def test_the_voice_picker_stops_at_the_top_and_the_bottom() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        options = await open_picker(app, pilot)
        await pilot.press("end", "down", "down")
        assert options.highlighted == options.option_count - 1  # stays on the last
        await pilot.press("home", "up", "up")
        assert options.highlighted == 0  # stays on "Automatic"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert app.voice is None  # automatic, not the last voice of the list
    assert settings().voice is None


@sync
async def test_the_article_language_comes_first_then_more_voices_then_the_others() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        options = await open_picker(app, pilot)
        picker = app.screen
        assert isinstance(picker, VoiceScreen)
        listed = ids(options)
        assert listed[0] == "" and listed[1] is None  # automatic, the English heading
        assert "English: the article's language" in str(options.get_option_at_index(1).prompt)
        more = listed.index(MORE)
        english = [picker.voices[i] for i in listed[2:more] if i]
        others = [picker.voices[i] for i in listed[more + 2 :] if i]
        assert len(english) == more - 2 and all(reads_english(v) for v in english)
        assert others and not any(reads_english(v) for v in others)
        assert "gmw/en-US" in listed[2:more] and "sit/yue" in listed[more:]
        # The cursor skips the headings: down from "Automatic" is the first English voice.
        await pilot.press("home", "down")
        assert options.highlighted == 2


@sync
async def test_a_voice_that_cannot_read_the_article_is_taken_only_after_asking() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        options = await open_picker(app, pilot)
        highlight(options, "sit/yue")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "does not read English" in str(question.question)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, VoiceScreen))
        assert app.voice is None
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert app.voice == "sit/yue"
        # A voice of the article's language is taken at once.
        options = await open_picker(app, pilot)
        highlight(options, "gmw/en-US")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert app.voice == "gmw/en-US"
    assert settings().voice == "gmw/en-US"


async def open_catalog(app: Any, pilot: Any) -> OptionList:
    options = await open_picker(app, pilot)
    highlight(options, MORE)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, CatalogScreen))
    listed = app.screen.query_one(OptionList)
    await until(pilot, lambda: listed.option_count > 0, 60)
    return listed


@pytest.mark.piper
@sync
async def test_more_voices_downloads_one_for_the_article_language() -> None:
    notices = Notices()
    with voicesite.serve() as site:
        voicesite.seed_pace()
        app = make_app(GERMAN, settings=Settings(voices_url=site.url))
        async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
            listed = await open_catalog(app, pilot)
            assert ids(listed) == [voicesite.KEY]
            assert "German (Germany)" in str(listed.get_option_at_index(0).prompt)
            await pilot.press("enter")
            # Back in the picker when it is added, the new voice listed and highlighted.
            picked = f"piper/{voicesite.KEY}"
            await until(pilot, lambda: isinstance(app.screen, VoiceScreen), 120)
            options = app.screen.query_one(OptionList)
            await until(pilot, lambda: picked in ids(options), 60)
            assert options.highlighted == ids(options).index(picked)
            assert ids(options).index(picked) < ids(options).index(MORE)  # German, first
            await pilot.press("enter")  # it reads German: taken without a question
            await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
            assert app.voice == picked
        assert any("is installed" in m for m in notices.messages)
        assert [p for p, _ in site.requests].count(f"{voicesite.FOLDER}/{voicesite.KEY}.onnx") == 1
    assert (locations.voices_dir() / f"{voicesite.KEY}.onnx").is_file()


@sync
async def test_a_failed_download_is_one_notification_and_the_dialog_stays() -> None:
    notices = Notices()
    with voicesite.serve() as site:
        site.corrupt.add(f"{voicesite.FOLDER}/{voicesite.KEY}.onnx")
        app = make_app(GERMAN, settings=Settings(voices_url=site.url))
        async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
            await open_catalog(app, pilot)
            await pilot.press("enter")
            errors = lambda: [n for n in notices.shown if n.severity == "error"]  # noqa: E731
            await until(pilot, errors, 60)
            await pilot.pause(0.2)
            assert len(errors()) == 1 and "does not verify" in errors()[0].message
            assert errors()[0].title == "Voice not downloaded" and not errors()[0].markup
            assert isinstance(app.screen, CatalogScreen)
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, VoiceScreen))
    assert not any(locations.voices_dir().glob("*.onnx"))


@sync
async def test_a_catalogue_that_cannot_be_read_is_one_notification() -> None:
    notices = Notices()
    app = make_app(GERMAN, settings=Settings(voices_url="http://127.0.0.1:9/"))
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        options = await open_picker(app, pilot)
        highlight(options, MORE)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CatalogScreen))
        await until(pilot, lambda: notices.shown, 30)
        await pilot.pause(0.2)
        assert len(notices.shown) == 1 and notices.shown[0].severity == "error"
        assert "cannot connect" in notices.shown[0].message
