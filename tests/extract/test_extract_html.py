"""The HTML path: trafilatura's tree to blocks, metadata, and the pass for the ear."""

from __future__ import annotations

import pytest
from lxml import etree

from reader.errors import InputError
from reader.extract import extract, extract_html
from reader.text.article import Block
from tests.conftest import ASSETS

SAMPLE = ASSETS / "sample-page.html"


def test_sample_page_structure_and_metadata() -> None:
    article = extract(str(SAMPLE))
    assert article.title == "Volunteers keep Larkhaven's lighthouse clock ticking after 140 years"
    assert article.authors == ("Maren Ashdown",)
    assert article.date == "2024-03-14"
    assert article.site == "The Larkhaven Courier"
    assert article.url == "https://courier.example.org/news/2024/03/lighthouse-clock"
    assert article.language == "en"
    kinds = [b.kind for b in article.blocks]
    assert kinds.count("heading") == 1
    assert kinds.count("list_item") == 4
    assert kinds.count("quote") == 1
    heading = next(b for b in article.blocks if b.kind == "heading")
    assert heading.text == "Cutting new teeth by hand"
    quote = next(b for b in article.blocks if b.kind == "quote")
    assert quote.text.startswith("The light has its own heartbeat again.")
    assert article.blocks[0].text.startswith("Every evening at dusk")
    assert article.blocks[-1].text.startswith("The harbour trust says the electric motor")
    # Paragraphs stay whole (line breaks of the source are not block breaks).
    assert "slow fall down the centre of Larkhaven's lighthouse" in article.blocks[0].text


def test_sample_page_chrome_is_not_spoken() -> None:
    text = extract(str(SAMPLE)).text
    for chrome in [
        "Read more",
        "Storm repairs to the harbour wall",
        "Share",
        "Tweet",
        "Subscribe",
        "newsletter",
        "Photo: Lena Marsh",
        "check the restored gear train",  # the caption
        "Related",
        "Ferry timetable",
        "All rights reserved",
        "Privacy policy",
        "Local news",
        "By Maren Ashdown",
    ]:
        assert chrome not in text, chrome
    assert text.startswith(
        "Volunteers keep Larkhaven's lighthouse clock ticking after 140 years\n\n"
    )
    assert text.count("Volunteers keep Larkhaven") == 1  # the h1 does not repeat the title


def test_trafilatura_keeps_the_read_more_line_and_the_ear_pass_drops_it() -> None:
    """Guards the reason the pass exists: if trafilatura ever drops it, this says so."""
    import trafilatura

    from reader.extract.tree import blocks_from_tree

    doc = trafilatura.bare_extraction(SAMPLE.read_text(encoding="utf-8"), include_comments=False)
    raw = [b.text for b in blocks_from_tree(doc.body)]  # type: ignore[union-attr]
    assert any(t.startswith("Read more:") for t in raw)
    assert not any("Read more" in b.text for b in extract(str(SAMPLE)).blocks)


def tree(xml: str) -> etree._Element:
    return etree.fromstring(xml)


def test_blocks_from_tree_kinds_inline_code_line_breaks_and_tables() -> None:
    from reader.extract.tree import blocks_from_tree

    body = tree(
        "<body><head rend='h2'>Set-up</head>"
        "<p>Run <code>pip install</code> first,<lb/>then wait.</p>"
        "<list><item>one <hi rend='#b'>bold</hi></item><item>two<list><item>nested</item></list>"
        "</item></list>"
        "<quote><p>Quoted one.</p><p>Quoted two.</p></quote>"
        "<code>x = 1</code>"
        "<table><row><cell>Year</cell><cell>Ships</cell></row><row><cell>1884</cell>"
        "<cell>12</cell></row></table>"
        "<p>A\u00adsoft\u200bhyphen, e\u0301</p></body>"
    )
    assert blocks_from_tree(body) == [
        Block("heading", "Set-up"),
        Block("paragraph", "Run pip install first,"),
        Block("paragraph", "then wait."),
        Block("list_item", "one bold"),
        Block("list_item", "two"),
        Block("list_item", "nested"),
        Block("quote", "Quoted one."),
        Block("quote", "Quoted two."),
        Block("paragraph", "x = 1"),
        Block("paragraph", "Year, Ships"),
        Block("paragraph", "1884, 12"),
        Block("paragraph", "Asofthyphen, é"),
    ]


LONG = "The council met on Tuesday and agreed the budget for the coming year after a long debate."
OTHER = "Work on the harbour wall starts in May and should be finished before the autumn storms."


@pytest.mark.parametrize(
    "chrome",
    [
        "Read more: Storm repairs to the harbour wall",
        "Lesen Sie auch: Der Hafen wird saniert",
        "Lea también: El puerto abre de nuevo",
        "Share this article",
        "Subscribe now to our print edition for the full story.",
        "Sign up to get the best content of the week.",
        "Folgen Sie uns auf Twitter",
        "Kategorie: News",
        "Last modified: 03-10-2004 2:20pm",
        "Abbildung 4: Aufbau der Messstation",
        "Foto: dpa",
        "Marco Odermatt in Sölden. © AFP / MARCO BERTORELLO",
        "aja/PAP",
        "12.03.2021 14:05",
    ],
)
def test_ear_pass_drops_chrome(chrome: str) -> None:
    from reader.extract.html import ear_pass

    blocks = [Block("paragraph", LONG), Block("paragraph", chrome), Block("paragraph", OTHER)]
    assert [b.text for b in ear_pass(blocks, title=None, language=None)] == [LONG, OTHER]


def test_ear_pass_drops_a_related_section_but_not_the_article_after_it() -> None:
    from reader.extract.html import ear_pass

    blocks = [
        Block("paragraph", LONG),
        Block("heading", "Weitere Themen"),
        Block("heading", "Neue Fähre ab Mai"),
        Block("list_item", "Schule gewinnt Preis"),
        Block("paragraph", "Kurzer Titel ohne Punkt"),
        Block("paragraph", OTHER),
    ]
    kept = ear_pass(blocks, title=None, language="de")
    assert [b.text for b in kept] == [LONG, OTHER]


def test_ear_pass_keeps_prose_and_short_repeats_drops_long_repeats_and_title() -> None:
    from reader.extract.html import ear_pass

    prose = [
        Block("heading", "Harbour news"),  # equals the title: the title is spoken already
        Block("paragraph", LONG),
        Block("paragraph", "Yes."),
        Block("paragraph", "The fishermen said they would donate their catch to the school."),
        Block("paragraph", "Yes."),
        Block("paragraph", LONG),  # a repeated teaser
        Block("list_item", "Reuters reported that the port reopened on Monday after repairs."),
    ]
    kept = ear_pass(prose, title="Harbour news", language="en")
    assert [b.text for b in kept] == [
        LONG,
        "Yes.",
        "The fishermen said they would donate their catch to the school.",
        "Yes.",
        "Reuters reported that the port reopened on Monday after repairs.",
    ]


def test_language_from_the_page_or_a_stopword_guess() -> None:
    body = "".join(
        f"<p>Der Hafen der Stadt wird im Sommer saniert, und die Fischer sind {i} Mal "
        "nicht glücklich darüber, weil sie mit den Booten nicht auslaufen können.</p>"
        for i in range(5)
    )
    assert extract_html(f"<html><body><article>{body}</article></body></html>").language == "de"
    html = f"<html lang='nl-BE'><body><article>{body}</article></body></html>"
    assert extract_html(html).language == "nl"


def test_three_letter_language_codes() -> None:
    from reader.extract.html import declared_language

    assert declared_language("<html lang='ger'>") == "de"
    assert declared_language("<html lang='spa'>") == "es"
    assert declared_language("<html lang='fin'>") == "fin"


def test_a_page_with_no_article() -> None:
    page = "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>"
    with pytest.raises(InputError) as info:
        extract_html(page, source="nav.html")
    assert str(info.value) == "nav.html: no article found in the page"


def test_ear_pass_drops_a_byline_at_the_top_only() -> None:
    from reader.extract.html import ear_pass

    blocks = [
        Block("paragraph", "Von Claudia Lindner"),
        Block("paragraph", LONG),
        Block("paragraph", OTHER),
        Block("heading", "Getting there"),
        Block("list_item", "By Car"),
    ]
    kept = ear_pass(blocks, title=None, language="de")
    assert [b.text for b in kept] == [LONG, OTHER, "Getting there", "By Car"]
