"""The rules for the ear (reader.extract.ear), shared by the HTML and text paths."""

from __future__ import annotations

import pytest

from reader.article import Block
from reader.extract.ear import drop_repeats, is_caption_or_credit, is_interface_line, repeat_key


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
    blocks = ["First paragraph.", "Second paragraph.", "first   PARAGRAPH!", "Third."]
    assert drop_repeats(blocks) == ["First paragraph.", "Second paragraph.", "Third."]


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
        Block("heading", "Title"),
        Block("paragraph", "Body text."),
        Block("heading", "title"),
    ]
    assert drop_repeats(blocks) == blocks[:2]
    pairs = [("a", "Same words"), ("b", "same words"), ("c", "Other")]
    assert [p[0] for p in drop_repeats(pairs, key=lambda p: p[1])] == ["a", "c"]


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
