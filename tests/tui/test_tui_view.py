"""The article view: layout, keyboard and mouse selection, marks, markup safety."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from textual import events

from reader.text.article import Article, Block
from reader.tui.article_column import MARK_CURSOR, MARK_HIGHLIGHT, MARK_SELECTION
from reader.tui.article_screen import ArticleScreen
from reader.tui.article_view import ArticleView
from reader.tui.layout import LineIndex, layout, listening_time, visible, wrap
from tests.tui.test_tui_support import ARTICLE, HOSTILE, Notices, make_app, screen_text, sync, until

pytestmark = pytest.mark.timeout(60)

# -- layout (pure) ---------------------------------------------------------------------


def test_wrap_keeps_every_word_and_respects_the_width() -> None:
    text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu"
    lines = wrap(text, 0, len(text), 16)
    assert all(b - a <= 16 for a, b in lines)
    assert " ".join(text[a:b] for a, b in lines) == text
    assert len(lines) > 3


def test_wrap_cuts_a_word_longer_than_the_line_and_counts_wide_characters() -> None:
    text = "x" * 25
    assert wrap(text, 0, 25, 10) == [(0, 10), (10, 20), (20, 25)]
    cjk = "漢字漢字漢字漢字"  # two cells each
    assert wrap(cjk, 0, len(cjk), 6) == [(0, 3), (3, 6), (6, 8)]


def test_layout_offsets_cover_the_article_text_exactly() -> None:
    lines = layout(ARTICLE, 40, 175)
    text = ARTICLE.text
    shown = "".join(text[line.start : line.end] for line in lines if line.is_text)
    assert shown.replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert all(len(line.prefix) + line.end - line.start <= 40 for line in lines if line.is_text)
    kinds = {line.kind for line in lines}
    assert {"title", "meta", "heading", "paragraph", "list_item", "quote", "blank"} <= kinds
    index = LineIndex(lines)
    for sentence in ARTICLE.sentences:
        rows = index.rows_of(sentence.start, sentence.end)
        assert lines[rows.start].start <= sentence.start < lines[rows.start].end


def test_control_characters_are_drawn_as_symbols() -> None:
    assert visible("\x1b") == "␛"
    assert visible("\x07") == "␇"
    assert visible("a") == "a"


def test_listening_time_follows_the_rate() -> None:
    assert listening_time(350, 175) == "2 min listen"
    assert listening_time(350, 350) == "1 min listen"
    assert listening_time(175 * 75, 175) == "1 h 15 min listen"


# -- the view in the app -----------------------------------------------------------------


def _view(app: Any) -> ArticleView:
    screen = app.screen
    assert isinstance(screen, ArticleScreen)
    return screen.view


@sync
async def test_article_view_shows_title_byline_and_a_centered_column() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Ukraine claims North Korean units suffering heavy losses" in text
        assert "By Romeo Minalane · 2024-12-29 · example.news · 1 min listen" in text
        assert "Fighting in Kursk and beyond" in text
        assert "• About 3,000 soldiers" in text
        rows = [row for row in text.splitlines() if "Ukrainian forces" in row]
        left = len(rows[0]) - len(rows[0].lstrip())
        assert left >= 15  # centered: (120 - 79) / 2 cells of margin
        widest = max(len(row.rstrip()) - left for row in text.splitlines()[:20])
        assert widest <= 80


@sync
async def test_keyboard_cursor_paragraphs_and_extending_the_selection() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = _view(app)
        sentences = ARTICLE.sentences
        assert view.cursor == 0 and view.selection is None
        await pilot.press("j", "down")
        assert view.cursor == 2
        await pilot.press("k")
        assert view.cursor == 1
        await pilot.press("J")
        assert view.selection == (sentences[1].start, sentences[2].end)
        await pilot.press("shift+down")
        assert view.selection == (sentences[1].start, sentences[3].end)
        await pilot.press("K")
        assert view.selection == (sentences[1].start, sentences[2].end)
        await pilot.press("escape")
        assert view.selection is None
        await pilot.press("right_curly_bracket")  # "}": the next paragraph (the heading)
        assert sentences[view.cursor].block == 1
        await pilot.press("right_curly_bracket")
        assert sentences[view.cursor].block == 2
        await pilot.press("left_curly_bracket")
        assert sentences[view.cursor].block == 1


@sync
async def test_margin_marks_say_what_colour_says() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = _view(app)
        await pilot.press("j")
        row = next(r for r in screen_text(app).splitlines() if "Ukrainian forces" in r)
        assert MARK_CURSOR in row
        await pilot.press("J")
        row = next(r for r in screen_text(app).splitlines() if "Ukrainian forces" in r)
        assert MARK_SELECTION in row
        screen = app.screen
        assert isinstance(screen, ArticleScreen)
        start, end = view.selection or (0, 0)
        screen.save_highlight(start, end, "a note")
        await pilot.pause()
        rows = [r for r in screen_text(app).splitlines() if "Ukrainian forces" in r]
        assert "✎" in rows[0]
        await pilot.press("j", "j", "j")
        text = screen_text(app)
        assert MARK_HIGHLIGHT in text or "✎" in text


@sync
async def test_mouse_click_drag_double_and_triple_click() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        view = _view(app)
        text = ARTICLE.text
        rows = screen_text(app).splitlines()
        y = next(i for i, r in enumerate(rows) if "North Korean troops" in r)
        x = rows[y].index("Korean") + 2
        await pilot.click(ArticleView, offset=(x, y))
        assert ARTICLE.sentences[view.cursor].start == text.index("North Korean troops")
        await pilot.click(ArticleView, offset=(x, y), times=2)
        assert view.selection is not None
        assert text[view.selection[0] : view.selection[1]] == "Korean"
        await pilot.click(ArticleView, offset=(x, y), times=3)
        block = ARTICLE.block_spans[2]
        assert view.selection == (block.start, block.end)
        # Drag from "North" to "troops" (mouse down, move, up).
        await pilot.mouse_down(ArticleView, offset=(rows[y].index("North"), y))
        await pilot.hover(ArticleView, offset=(rows[y].index("troops") + 1, y))
        await pilot.mouse_up(ArticleView, offset=(rows[y].index("troops") + 1, y))
        assert view.selection is not None
        assert text[view.selection[0] : view.selection[1]] == "North Korean troops"


@sync
async def test_article_text_is_content_never_markup() -> None:
    app = make_app(HOSTILE)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for literal in (
            "[bold]not bold[/bold]",
            "[@click=app.quit]click me[/]",
            "[link=https://example.com]x[/link]",
            # The Article itself drops escape sequences (reader/text/article.py): the colour
            # and the screen clear are gone, not shown as "␛[31m".
            "[link=https://example.com]x[/link] and red.",
            "\\[b] and [reverse]reverse[/reverse] and [/]",
            "[b]Hostile[/b] title",
            "By [i]Eve[/i] · [red]evil[/red].example",
        ):
            assert literal in text, literal
        assert "\x1b" not in text
        # Clicking the would-be action does nothing but move the cursor.
        rows = text.splitlines()
        y = next(i for i, r in enumerate(rows) if "click me" in r)
        await pilot.click(ArticleView, offset=(rows[y].index("click me"), y))
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, ArticleScreen)
        # The highlight dialog and the list show the passage literally too.
        view = _view(app)
        view.select(0, len(HOSTILE.text))
        await pilot.press("h")
        await pilot.pause()
        assert "[@click=app.quit]click me[/]" in screen_text(app)
        await pilot.press("enter")
        await pilot.press("H")
        await pilot.pause()
        assert "[b]Hostile[/b]" in screen_text(app)


@sync
async def test_help_lists_every_key_and_the_palette_lists_every_action() -> None:
    app = make_app()
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for description in ("Listen/pause", "Extend selection down", "Export", "Back 15 seconds"):
            assert description in text
        await pilot.press("end")
        await pilot.pause()
        for description in ("Add URL or path", "Queue", "Command palette"):
            assert description in screen_text(app)
        await pilot.press("escape")
        screen = app.screen
        commands = {command.title for command in app.get_system_commands(screen)}
        for binding in [*ArticleView.BINDINGS, *ArticleScreen.BINDINGS]:
            assert binding.description in commands  # type: ignore[union-attr]


@sync
async def test_empty_article_does_not_crash() -> None:
    app = make_app(Article(blocks=(Block("paragraph", "One."),)))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("j", "k", "J", "K", "right_curly_bracket", "left_curly_bracket", "G")
        assert "One." in screen_text(app)


@sync
async def test_notifications_show_names_literally() -> None:
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(100, 30), message_hook=notices.hook) as pilot:
        screen = app.screen
        screen.notify("[@click=app.quit]quit[/] and [bold]x[/bold]")  # as a widget would
        app.notify("[link=https://example.com]x[/link]", markup=True)
        await pilot.pause()
        shown = [(n.message, n.markup) for n in notices.shown]
        assert shown == [
            ("[@click=app.quit]quit[/] and [bold]x[/bold]", False),
            ("[link=https://example.com]x[/link]", False),
        ]
        assert app.is_running


# -- dragging past the edges scrolls -------------------------------------------------------

LONG = Article(
    blocks=tuple(
        Block(
            "paragraph",
            f"Paragraph {n} opens with a plain sentence about the harbour. "
            f"It goes on with a second sentence, numbered {n}, to fill a line or two. "
            f"The third sentence of paragraph {n} closes it.",
        )
        for n in range(1, 41)
    ),
    title="A long article",
    language="en",
)


async def _mouse(app: Any, kind: type[events.MouseEvent], x: int, y: int, button: int = 1) -> None:
    """Post a mouse event at screen (x, y) the way the terminal driver does."""
    app.post_message(kind(None, x, y, 0, 0, button, False, False, False, screen_x=x, screen_y=y))


@sync
async def test_dragging_below_and_above_the_view_scrolls_and_extends_the_selection() -> None:
    app = make_app(LONG)
    async with app.run_test(size=(100, 30)) as pilot:
        view = _view(app)
        text = LONG.text
        height = view.scrollable_content_region.height
        rows = screen_text(app).splitlines()
        y = next(i for i, r in enumerate(rows) if "Paragraph 2 opens" in r)
        x = rows[y].index("Paragraph 2")
        last_shown = view.lines[height - 1].end  # the end of the first screen's text
        await pilot.mouse_down(ArticleView, offset=(x, y))
        assert view.scroll_y == 0
        # Past the bottom edge (on the status bar), the button held: the view scrolls
        # on its own and the selection follows into text that was not on screen.
        await _mouse(app, events.MouseMove, x, height + 1)
        await until(pilot, lambda: view.scroll_y >= 2 * height, 5)
        await _mouse(app, events.MouseMove, x, height // 2)  # back inside: it stops
        await pilot.pause(0.2)
        stopped = view.scroll_y
        await pilot.pause(0.2)
        assert view.scroll_y == stopped
        await pilot.mouse_up(ArticleView, offset=(x, height // 2))
        assert view.selection is not None
        start, end = view.selection
        assert start == text.index("Paragraph 2 opens")
        assert end > last_shown
        # The selection reaches the row under the pointer, in the scrolled view (on a
        # blank row between paragraphs, the text row above it: where the scroll stops
        # depends on how fast the machine ran the timer, so either can be under it).
        row = int(view.scroll_y) + height // 2
        while not view.lines[row].is_text:
            row -= 1
        pointer_row = view.lines[row]
        assert pointer_row.start <= end <= pointer_row.end + 1
        first_unseen = text.index("Paragraph", last_shown)  # not on the first screen
        assert start < first_unseen < end

        # Now up: press in the middle, drag onto the top row, and the view scrolls back.
        top_before = int(view.scroll_y)
        origin = view.offset_at(x, height // 2)
        assert origin is not None
        await pilot.mouse_down(ArticleView, offset=(x, height // 2))
        await _mouse(app, events.MouseMove, x, 0)
        await until(pilot, lambda: view.scroll_y <= top_before - height // 2, 5)
        await _mouse(app, events.MouseUp, x, 0)
        await pilot.pause()
        top_after = int(view.scroll_y)
        assert view.selection is not None
        start, end = view.selection
        # From the text that came into view at the top to the press.
        assert view.lines[top_after].start <= start < view.lines[top_before].start
        assert end >= origin
        # The timer is gone with the button: nothing moves any more.
        await pilot.pause(0.2)
        assert view.scroll_y == top_after


@sync
async def test_keyboard_extend_continues_a_mouse_selection_after_a_drag_scroll() -> None:
    app = make_app(LONG)
    async with app.run_test(size=(100, 30)) as pilot:
        view = _view(app)
        height = view.scrollable_content_region.height
        await pilot.mouse_down(ArticleView, offset=(10, 3))
        await _mouse(app, events.MouseMove, 10, height + 2)
        await until(pilot, lambda: view.scroll_y >= height, 5)
        await _mouse(app, events.MouseUp, 10, height + 2)
        await pilot.pause()
        assert view.selection is not None
        start, end = view.selection
        await pilot.press("J")  # one more sentence at the end
        assert view.selection is not None
        assert view.selection[0] == LONG.sentences[view.sentence_at(start)].start
        assert view.selection[1] > end


@pytest.mark.parametrize("from_body", [True, False])
@sync
async def test_g_and_home_show_the_title_and_byline_again(from_body: bool) -> None:
    # With a title made from the body (shown, not spoken), g scrolled it off by two rows.
    article = replace(
        LONG, title="Paragraph 1 opens with a plain sentence", title_from_body=from_body
    )
    app = make_app(article)
    async with app.run_test(size=(100, 20)) as pilot:
        view = _view(app)
        for key in ("g", "home"):
            await pilot.press("G")
            await pilot.pause()
            assert view.scroll_y > 0
            await pilot.press(key)
            await pilot.pause()
            assert view.cursor == 0 and view.scroll_y == 0
            rows = screen_text(app).splitlines()
            assert "Paragraph 1 opens with a plain sentence" in rows[0]
            assert "min listen" in rows[1]


# -- text from outside never reaches the terminal as control --------------------------

SPOOF = "Evil \u202egnp.exe\u202c \u2066x\u2069 \x1b]0;PWNED\x07 \x1b[2J"
LIVE = ("\x1b", "\x07", "\u202e", "\u202c", "\u2066", "\u2069", "\x9b")


def assert_inert(app: Any) -> None:
    strips = app.screen._compositor.render_strips()
    text = "".join(strip.text for strip in strips)
    assert not [c for c in LIVE if c in text], repr(text[:400])


@sync
async def test_titles_sites_and_notes_from_outside_are_drawn_inert() -> None:
    from reader.tui.store import Store

    article = Article(
        blocks=(Block("paragraph", f"Body text {SPOOF} ends here. A second sentence."),),
        title=f"Title {SPOOF}",
        authors=(f"Eve {SPOOF}",),
        site=f"site{SPOOF}.example",
        date="2024-01-02",
        language="en",
    )
    store = Store.open()
    article_id = store.add(article)
    store.add_highlight(article_id, 0, 20, f"note {SPOOF}")
    notices = Notices()
    app = make_app(None, store=store)
    async with app.run_test(size=(110, 32), message_hook=notices.hook) as pilot:
        await pilot.pause()
        assert "Title Evil gnp.exe" in screen_text(app)  # the library list
        assert_inert(app)
        app.open_article(article_id)
        await pilot.pause()
        assert "gnp.exe" in screen_text(app)  # the title and byline in the view
        assert_inert(app)
        for key in ("H", "e"):  # highlights (the note), export (the title)
            await pilot.press(key)
            await pilot.pause()
            assert "gnp.exe" in screen_text(app)
            assert_inert(app)
            await pilot.press("escape")
        app.notify(f"The library already tells this story: {article.title}", title=SPOOF)
        await pilot.pause()
        shown = notices.shown[-1]
        assert not [c for c in LIVE if c in shown.message + shown.title]
        assert_inert(app)
