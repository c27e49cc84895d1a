"""The rules for the ear (reader.extract.ear), shared by the HTML and text paths."""

from __future__ import annotations

import pytest

from reader.extract.ear import (
    APPEAL_ALONE,
    chrome_kind,
    drop_related_sections,
    drop_repeats,
    drop_title_repeats,
    is_caption_or_credit,
    is_interface_line,
    is_page_metadata,
    is_related_header,
    opens_related_section,
    related_sections,
    repeat_key,
    unspoken,
)
from reader.text.article import Block


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ("Read more", "en"),
        ("read more", None),
        ("READ MORE »", None),
        ("Related:", "en"),
        ("Share", "en"),
        ("Subscribe", "en"),
        ("Leave a Reply", "en"),
        ("Click to listen highlighted text!", "en"),
        ("Read more: Winter storms close the mountain passes", "en"),
        ("Lesen Sie auch", "de"),
        ("Lesen Sie auch: Der Streit um die Brücke geht weiter", "de"),
        ("Mehr zum Thema", "de"),
        ("Weiterlesen", "de"),
        ("Lea también: El puerto amplía su horario", "es"),
        ("Leer más", "es"),
        ("Lire aussi : La grève continue", "fr"),
        ("Czytaj także: Nowy most otwarty", "pl"),
    ],
)
def test_interface_lines(line: str, language: str | None) -> None:
    assert is_interface_line(line, language)


@pytest.mark.parametrize(
    "line",
    [
        "Read more about the council's plans in the report it published on Monday.",
        "Share prices fell by four percent after the announcement.",
        "She said she would subscribe to any plan that kept the library open.",
        "Lesen ist für viele Kinder im Dorf die liebste Beschäftigung geworden.",
        "Fighting in Kursk and beyond",
    ],
)
def test_prose_is_not_interface(line: str) -> None:
    assert not is_interface_line(line, "en")


@pytest.mark.parametrize(
    "line",
    [
        "Ukrainian President Volodymyr Zelenskyy. AP",
        "Foto: dpa",
        "(Photo: Reuters)",
        "Image: Getty",
        "© AFP",
        "Rescue workers search the rubble in Kharkiv / AFP",
        "Volunteers re-shelve books in the main hall. Photo: Ledger/Tomas Reyes",
        "Der Bürgermeister bei der Eröffnung | Foto: Max Muster",
        "Bild: picture alliance / dpa",
    ],
)
def test_captions_and_credits(line: str) -> None:
    assert is_caption_or_credit(line)


@pytest.mark.parametrize(
    "line",
    [
        "The strike hit a power plant overnight, Reuters reported.",
        "AP reporters saw smoke rising over the port on Tuesday morning as ships left.",
        "The photo shows the bridge before the flood.",
        "",
    ],
)
def test_prose_is_not_a_caption(line: str) -> None:
    assert not is_caption_or_credit(line)


def test_drop_repeats_keeps_the_first_copy() -> None:
    first = "The first paragraph of the story."
    blocks = [first, "The second paragraph of the story.", "the first   PARAGRAPH of the story!"]
    assert drop_repeats([*blocks, "Third."]) == [*blocks[:2], "Third."]


def test_drop_repeats_keeps_short_repeats() -> None:
    """A file name in a tutorial, "Yes." in an interview: short blocks repeat legitimately."""
    blocks = ["requirements.txt", "Install the packages it lists with pip.", "requirements.txt"]
    assert drop_repeats(blocks) == blocks
    interview = ["Did the council agree?", "Yes.", "And the budget?", "Yes."]
    assert drop_repeats(interview) == interview
    assert drop_repeats(interview, min_length=0) == interview[:3]


def test_drop_repeats_replaces_a_teaser_by_its_full_copy() -> None:
    teaser = "Ukrainian forces launched an incursion into the region in August, a move that"
    full = teaser + " undermined the army's prestige and forced it to redeploy troops."
    assert drop_repeats([teaser, "Other news.", full]) == ["Other news.", full]


def test_drop_repeats_drops_a_later_truncated_copy() -> None:
    full = (
        "The council voted on Tuesday to rebuild the library on higher ground near the park,"
        " away from the river."
    )
    assert drop_repeats([full, "Between.", full[:90]]) == [full, "Between."]


def test_drop_repeats_short_common_openings_are_not_repeats() -> None:
    blocks = ["He said yes.", "He said no."]
    assert drop_repeats(blocks) == blocks


def test_drop_repeats_on_blocks_and_custom_keys() -> None:
    blocks = [
        Block("heading", "Ingredients for the winter stew"),
        Block("paragraph", "Body text."),
        Block("heading", "ingredients for the Winter Stew"),
    ]
    assert drop_repeats(blocks) == blocks[:2]
    pairs = [("a", "Same words"), ("b", "same words"), ("c", "Other")]
    assert [p[0] for p in drop_repeats(pairs, key=lambda p: p[1], min_length=0)] == ["a", "c"]


def test_drop_title_repeats_counts_short_titles() -> None:
    blocks = [Block("heading", "Harbour news"), Block("paragraph", "Body text."), "HARBOUR NEWS!"]
    assert drop_title_repeats(blocks, "Harbour news", None) == [blocks[1]]
    assert drop_title_repeats(blocks, None) == blocks


def test_repeat_key_ignores_case_punctuation_and_space() -> None:
    assert repeat_key("Russia’s war, day 1!") == repeat_key("russias  war day 1")


def test_credit_by_line_short_only() -> None:
    assert is_caption_or_credit("Photo by Jane Doe")
    assert is_caption_or_credit("Photograph by: Tomas Reyes")
    long_prose = (
        "Photos by the team were shown at the exhibition in May and June to great acclaim"
        " from visitors and critics, who said it had changed how they saw the city."
    )
    assert not is_caption_or_credit(long_prose)


def test_new_interface_labels() -> None:
    for label in ("Explore further", "Related Coverage", "Most read"):
        assert is_interface_line(label, "en")


@pytest.mark.parametrize(
    "line",
    [
        "Lea: Consejo Permanente aborda este miércoles la confiscación",
        "VEA TAMBIÉN: El puerto amplía su horario",
        "Tags: Politik, Wahlen, Berlin",
        "getaggt mit: Reisen, Island",
        "Hinterlasse eine Antwort",
        "Zurück zum Lexikon",
    ],
)
def test_more_interface_lines(line: str) -> None:
    assert is_interface_line(line, None)


@pytest.mark.parametrize(
    "line",
    ["Mirá también", "Le puede interesar", "Artículos relacionados", "Zobacz również"],
)
def test_spanish_and_polish_link_lists(line: str) -> None:
    assert is_interface_line(line, None)


# -- rules that came from the HTML path and now serve both ---------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Weitere Themen", "related"),
        ("NOTAS RELACIONADAS", "related"),
        ("You may also like", "related"),
        ("Kategorie: News", "interface"),
        ("Release date: spring", "metadata"),
        ("Last modified: 03-10-2004 2:20pm", "metadata"),
        ("Abbildung 4: Aufbau der Messstation", "metadata"),
        ("Tel.: 0228 123456", "metadata"),
        ("Marco Odermatt in Sölden. © AFP / MARCO BERTORELLO", "caption"),
        ("Most w Gdańsku otwarty. Fot. PAP/Adam Warżawa", "caption"),
        ("aja/PAP", "caption"),
        ("12.03.2021 14:05", "date"),
        ("Subscribe now to our print edition for the full story.", "appeal"),
        ("Sign up to get the best content of the week.", "appeal"),
        ("Folgen Sie uns auf Twitter", "appeal"),
        ("Sie sind aktuell nicht eingeloggt.", "appeal"),
        ("Pour lire la suite", "appeal"),
        ("Siguenos en Telegram, Instagram, Facebook y Twitter", "appeal"),
        ("We use cookies to improve your experience.", "notice"),
        ("Proudly powered by WordPress", "notice"),
        ("Facebook Twitter WhatsApp E-Mail", "social"),
        ("Home | News | Sport | Weather", "menu"),
    ],
)
def test_unspoken_reasons(line: str, reason: str) -> None:
    assert unspoken(line, None) == reason


@pytest.mark.parametrize(
    "line",
    [
        "The fishermen said they would donate their catch to the school.",
        "Readers can log into the archive with their library card.",
        "She described the category of storms that hit the coast in 1953.",
        "Reuters reported that the port reopened on Monday after repairs.",
        "The council met on Tuesday and agreed the budget for the coming year.",
        "The clinic's equipment is powered by electricity from the town grid.",
    ],
)
def test_prose_is_spoken(line: str) -> None:
    assert unspoken(line, "en") == ""


def test_one_appeal_phrase_in_a_long_paragraph_is_prose() -> None:
    long = (
        "The paper, which readers can subscribe to at the kiosk, has covered the harbour"
        " for a hundred years, and its archive now fills three rooms of the town library"
        " on the corner of the market square."
    )
    assert len(long) >= APPEAL_ALONE
    assert chrome_kind(long) == ""
    assert chrome_kind("Subscribe to the paper at the kiosk.") == "appeal"


def test_phrases_ending_in_a_space_end_a_word() -> None:
    assert chrome_kind("Log in") == "appeal"
    assert chrome_kind("Please log in to comment") == "appeal"
    assert chrome_kind("The log information was lost.") == ""


def test_related_sections_end_at_the_first_real_paragraph() -> None:
    texts = [
        "Lesen Sie auch:",
        "Neue Fähre ab Mai",
        "Schule gewinnt Preis",
        "Der Hafen wird saniert.",
    ]
    assert related_sections(texts) == [True, True, True, False]
    assert is_related_header("Das könnte Sie auch interessieren")
    assert not is_related_header("Mehr als hundert Menschen kamen zur Eröffnung.")
    blocks = [
        Block("heading", "More stories"),
        Block("list_item", "A headline."),
        Block("paragraph", "Prose."),
    ]
    assert drop_related_sections(blocks) == blocks[2:]


def test_page_metadata_is_short_lines_only() -> None:
    assert is_page_metadata("Stand: 28.04.2020 18:00 Uhr")
    assert not is_page_metadata("Stand: " + "die Verhandlungen dauern an, sagte der Sprecher. " * 3)


def test_a_related_header_opens_a_section_when_it_stands_alone() -> None:
    assert opens_related_section("Read next")
    assert opens_related_section("Weitere Themen")
    assert opens_related_section("Recommended for you:")
    assert opens_related_section("Relacionados:")  # Spanish "Related:", alone on its line
    assert not is_related_header("Relacionados con la causa, tres detenidos")
    assert not opens_related_section(
        "Lea también: El puerto de Valparaíso amplía su horario de invierno"
    )
    assert not is_related_header("More from the interview will air on Sunday evening.")
