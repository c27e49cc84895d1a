"""The plain-text cleaner (reader.extract.plaintext): rules one by one, then whole pages."""

from __future__ import annotations

import pytest

from reader.errors import InputError
from reader.extract.ear import find_dates, is_date_line, parse_byline
from reader.extract.plaintext import (
    clean_text,
    normalise,
    repair_cutoff,
)
from reader.text.language import detect_language
from tests.conftest import ASSETS

# -- bylines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("ByRomeo Minalane", ("Romeo Minalane",)),
        ("By Jane Doe", ("Jane Doe",)),
        ("By Jane Doe and John Roe", ("Jane Doe", "John Roe")),
        ("By Alexandra Tremayne-Pengelly • 11/08/23 5:19pm", ("Alexandra Tremayne-Pengelly",)),
        ("Von Heike Buchter", ("Heike Buchter",)),
        ("von Anna Schmidt und Jonas Weber", ("Anna Schmidt", "Jonas Weber")),
        ("Por Ana García", ("Ana García",)),
        ("Autor: Steffen Pache", ("Steffen Pache",)),
        ("Written by Ludwig van Beek", ("Ludwig van Beek",)),
    ],
)
def test_bylines(line: str, names: tuple[str, ...]) -> None:
    assert parse_byline(line) == names


@pytest.mark.parametrize(
    "line",
    [
        "By the end of the year, prices had risen by a third.",
        "Byron Bay is quiet in winter.",
        "Von der Brücke aus sieht man den Fluss.",
        "By",
    ],
)
def test_not_bylines(line: str) -> None:
    assert parse_byline(line) is None


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "iso"),
    [
        ("Dec 29, 2024", "en", "2024-12-29"),
        ("Thu. Jan 2nd, 2025", "en", "2025-01-02"),
        ("December 29, 2024", "en", "2024-12-29"),
        ("29 December 2024", "en", "2024-12-29"),
        ("2024-12-29", None, "2024-12-29"),
        ("date 2024-12-26 Your support helps us", "en", "2024-12-26"),
        ("29.12.2024", "de", "2024-12-29"),
        ("19. Oktober 2019, 19:08 Uhr", "de", "2019-10-19"),
        ("3. März 2021", "de", "2021-03-03"),
        ("29 de diciembre de 2024", "es", "2024-12-29"),
        ("29 décembre 2024", "fr", "2024-12-29"),
        ("29 grudnia 2024", "pl", "2024-12-29"),
        ("12/29/2024", "en", "2024-12-29"),
        ("29/12/2024", "de", "2024-12-29"),
        ("03/04/2024", "en", "2024-03-04"),
        ("03/04/2024", "fr", "2024-04-03"),
        ("11/08/23 5:19pm", "en", "2023-11-08"),
    ],
)
def test_dates(text: str, language: str | None, iso: str) -> None:
    found = find_dates(text, language)
    assert found and found[0].iso == iso


@pytest.mark.parametrize("text", ["31.02.2024", "Flight 1234 left at 10:45", "Chapter 12/13"])
def test_not_dates(text: str) -> None:
    assert find_dates(text, "en") == []


@pytest.mark.parametrize(
    "line",
    [
        "Thu. Jan 2nd, 2025",
        " • Thu. Jan 2nd, 2025",
        "Dec 29, 2024",
        "Updated: 19. Oktober 2019, 19:08 Uhr",
        "Veröffentlicht am 16.08.2019",
        "Published 12:30 GMT, 3 May 2022",
    ],
)
def test_date_lines(line: str) -> None:
    assert is_date_line(line)


def test_a_sentence_with_a_date_is_not_a_date_line() -> None:
    assert not is_date_line("On Dec 29, 2024 the army said it had retaken the village.")


# -- cut-off repair ----------------------------------------------------------------------------


def test_cutoff_after_a_clause_break() -> None:
    cut = "Russian strikes also hit a central market in Nikopol in the Dnipro region, w"
    repaired = repair_cutoff(cut)
    assert repaired == "Russian strikes also hit a central market in Nikopol in the Dnipro region…"


def test_cutoff_back_to_the_last_sentence() -> None:
    text = "The bridge reopened on Monday after two years of work. Engineers said the new pil"
    assert repair_cutoff(text) == "The bridge reopened on Monday after two years of work."


def test_cutoff_mid_word_without_a_clause_break() -> None:
    repaired = repair_cutoff("The mayor thanked the volunteers who had worked through the nig")
    assert repaired == "The mayor thanked the volunteers who had worked through the…"


def test_complete_paragraphs_are_untouched() -> None:
    for text in ("It rained.", "Is it over?", "“We will return,” she said.", "Stop!"):
        assert repair_cutoff(text) == text


def test_a_dangling_scrap_is_dropped() -> None:
    assert repair_cutoff("and the") is None


# -- language -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "The council said that the library would open again in the spring, and that the"
            " books which were saved from the water would be back on the shelves.",
            "en",
        ),
        (
            "Der Gemeinderat hat am Dienstag beschlossen, dass die Bibliothek im Frühjahr wieder"
            " öffnet und die geretteten Bücher bis dahin in der Schule bleiben.",
            "de",
        ),
        (
            "El ayuntamiento anunció que la biblioteca volverá a abrir en primavera y que los"
            " libros que se salvaron del agua estarán de nuevo en las estanterías.",
            "es",
        ),
        (
            "Le conseil a annoncé que la bibliothèque rouvrira au printemps et que les livres"
            " sauvés des eaux seront de nouveau sur les étagères.",
            "fr",
        ),
        (
            "Rada miasta ogłosiła, że biblioteka zostanie ponownie otwarta wiosną, a książki"
            " uratowane przed wodą wrócą na półki.",
            "pl",
        ),
        (
            "Городской совет сообщил, что библиотека снова откроется весной, а спасённые от"
            " воды книги вернутся на полки.",
            "ru",
        ),
        ("市议会表示，图书馆将在春天重新开放，从洪水中抢救出来的书籍将重新上架。", "zh"),
    ],
)
def test_detect_language(text: str, code: str) -> None:
    assert detect_language(text) == code


# -- whole pages --------------------------------------------------------------------------------

GERMAN_PAGE = (
    "\n\n".join(
        [
            "Startseite\nPolitik\nWirtschaft\nKultur\nSport",
            "Neue Fähre verbindet die Inseln wieder",
            "Von Lena Hartmann\nAktualisiert am 14. März 2024, 08:30 Uhr",
            (
                "Nach fast zwei Jahren Pause fährt seit Mittwoch wieder eine Fähre zwischen den "
                "beiden Inseln. Die Gemeinde hatte die alte Verbindung eingestellt, weil das "
                "Schiff nicht mehr sicher war und sich kein Betreiber fand."
            ),
            "Foto: dpa",
            "Lesen Sie auch: Hafen bekommt neue Kaimauer",
            (
                "Das neue Schiff bietet Platz für 120 Fahrgäste und zwölf Autos. Es fährt im "
                "Sommer stündlich, im Winter alle zwei Stunden, und wird zur Hälfte mit Strom aus "
                "der eigenen Solaranlage betrieben."
            ),
            "Was die Fahrt kostet",
            (
                "Eine einfache Fahrt kostet für Erwachsene vier Euro, Kinder fahren bis zum Alter "
                "von zwölf Jahren kostenlos. Wer auf einer der Inseln wohnt, bekommt eine "
                "Jahreskarte zum halben Preis."
            ),
            "Teilen\nKommentare",
        ]
    )
    + "\n"
)


def test_german_page() -> None:
    article = clean_text(GERMAN_PAGE, source="faehre.txt")
    assert article.language == "de"
    assert article.title == "Neue Fähre verbindet die Inseln wieder"
    assert not article.title_from_body
    assert article.authors == ("Lena Hartmann",)
    assert article.date == "2024-03-14"
    kinds = [(b.kind, b.text[:20]) for b in article.blocks]
    assert kinds == [
        ("paragraph", "Nach fast zwei Jahre"),
        ("paragraph", "Das neue Schiff biet"),
        ("heading", "Was die Fahrt kostet"),
        ("paragraph", "Eine einfache Fahrt "),
    ]
    for chrome in ("Startseite", "Foto: dpa", "Lesen Sie auch", "Teilen", "Kommentare", "Von Lena"):
        assert chrome not in article.text


SPANISH_PAGE = (
    "\n\n".join(
        [
            "Inicio | Noticias | Deportes | Opinión",
            "El puerto amplía su horario de carga",
            "Por Ana García\n12 de febrero de 2024",
            (
                "El puerto de la ciudad trabajará también por la noche a partir de marzo, según "
                "anunció ayer la autoridad portuaria, que espera así reducir las colas de "
                "camiones en la entrada norte."
            ),
            "Lea también: La huelga de estibadores termina tras tres semanas",
            (
                "Los sindicatos han pedido que los turnos de noche se paguen con un suplemento y "
                "que se contrate a más personal para cubrirlos, algo que la autoridad portuaria "
                "todavía no ha confirmado."
            ),
            "Compartir",
        ]
    )
    + "\n"
)


def test_spanish_page() -> None:
    article = clean_text(SPANISH_PAGE)
    assert article.language == "es"
    assert article.authors == ("Ana García",)
    assert article.date == "2024-02-12"
    assert article.title == "El puerto amplía su horario de carga"
    assert "Lea también" not in article.text
    assert "Compartir" not in article.text
    assert len(article.blocks) == 2


def test_repeated_paragraph_spoken_once() -> None:
    para = (
        "The council voted on Tuesday to rebuild the library on higher ground near the park,"
        " away from the river that flooded it last year."
    )
    other = "Work on the new building is expected to start in the autumn and to take two years."
    text = f"{para}\n\n{other}\n\n{para}\n"
    article = clean_text(text)
    assert article.text.count("The council voted on Tuesday") == 1
    assert "Work on the new building" in article.text


def test_single_paragraph_gets_a_title_from_its_opening_words() -> None:
    text = (
        "The ferry between the two islands runs again after a pause of almost two years,"
        " and the first boat on Wednesday morning was full of schoolchildren and commuters."
    )
    article = clean_text(text)
    assert article.title_from_body
    assert article.title and text.startswith(article.title.rstrip("…"))
    assert article.text == text  # the derived title is not spoken


def test_sample_asset_gives_the_expected_article() -> None:
    path = ASSETS / "sample-scrape.txt"
    article = clean_text(path.read_text(encoding="utf-8"), source=str(path))
    spoken = article.text
    title = "After the flood, Millbrook's library reopens with a reading room that floats"
    assert article.title == title and not article.title_from_body
    assert spoken.count(title) == 1
    assert article.authors == ("Marta Okafor",)
    assert article.date == "2025-03-06"
    assert article.language == "en"
    assert [b.text for b in article.blocks if b.kind == "heading"] == [
        "A reading room that floats",
        "What comes next",
    ]
    once = [
        "Several hundred people queued along Canal Street",
        "Eighteen months after the Sorrel River poured through its ground floor",
        "The reading room sits on a hollow concrete pontoon",
        "The rebuild cost 3.2 million pounds",
        "Not everything lost can be replaced.",
        "Children who visited on opening day",
    ]
    for snippet in once:
        assert spoken.count(snippet) == 1, snippet
    never = [
        "Hello and welcome",
        "Sat. Mar 8th",
        "ByMarta",
        "read more",
        "Photo:",
        "Your support",
        "donate",
        "Share",
        "Subscribe",
        "Leave a Reply",
        "email address",
        "All rights reserved",
        "end of the mon",
        "Podcasts",
    ]
    lowered = spoken.casefold()
    for snippet in never:
        assert snippet.casefold() not in lowered, snippet
    assert spoken.endswith("…") or spoken.endswith(".")


# -- robustness -----------------------------------------------------------------------------


def test_control_characters_and_ansi_escapes_are_removed() -> None:
    raw = (
        "\x1b[1mBridge reopens\x1b[0m\n\n"
        "The old bridge over the river\x07 opened again on Monday after two years of repairs,"
        " and the\x00 first buses crossed it \x1b]8;;http://x\x07early in the morning.\r\n"
    )
    article = clean_text(raw)
    for bad in ("\x1b", "\x07", "\x00", "[1m", "[0m", "]8;;"):
        assert bad not in article.text
        assert bad not in (article.title or "")
    assert "crossed it early in the morning." in article.text


def test_normalise_unifies_line_breaks() -> None:
    assert normalise("a\r\nb\rc\u2028d") == "a\nb\nc\nd"


@pytest.mark.parametrize("text", ["", "   \n\n\t  ", "\x1b[0m\x00\x07"])
def test_empty_input_raises(text: str) -> None:
    with pytest.raises(InputError) as info:
        clean_text(text, source="empty.txt")
    assert str(info.value).startswith("empty.txt: ")


def test_no_article_raises_with_default_subject() -> None:
    chrome = "Home\nNews\nSport\nWeather\n\nShare\nSubscribe\nLeave a Reply\n\n© 2025 Example\n"
    with pytest.raises(InputError) as info:
        clean_text(chrome)
    assert info.value.subject == "<text>"


def test_numbers_only_raise() -> None:
    with pytest.raises(InputError):
        clean_text("12345 67890\n\n3.14159 2.71828\n")


@pytest.mark.timeout(30)
def test_very_long_line() -> None:
    sentence = "The river rose again in the night and the town waited for the morning. "
    text = sentence * 20000  # one line of about 1.4 MB
    article = clean_text(text)
    assert article.blocks and article.text.startswith("The river rose")


@pytest.mark.timeout(30)
def test_long_line_without_spaces() -> None:
    with pytest.raises(InputError):
        clean_text("x" * 500_000)


@pytest.mark.parametrize(
    "text",
    [
        "Городской совет сообщил во вторник, что библиотека снова откроется весной, а книги,"
        " которые удалось спасти от воды, вернутся на полки до конца месяца.",
        "市议会周二表示，图书馆将在春天重新开放，从洪水中抢救出来的书籍将在月底前重新上架，"
        "孩子们的阅读角也会扩大。",
        "قال مجلس المدينة يوم الثلاثاء إن المكتبة ستفتح أبوابها من جديد في الربيع، وإن الكتب"
        " التي تم إنقاذها من المياه ستعود إلى الرفوف قبل نهاية الشهر.",
    ],
)
def test_non_latin_scripts(text: str) -> None:
    article = clean_text(text)
    assert article.blocks
    assert article.language is not None
    assert article.text == text


@pytest.mark.timeout(60)
def test_many_alike_paragraphs_stay_linear() -> None:
    # Thousands of paragraphs opening with the same words, and thousands of short lines:
    # the repeat check and the context step must not turn quadratic.
    prose = "\n\n".join(
        f"Paragraph {i} of a long page, with enough ordinary words to count as prose for"
        " the cleaner, and a number to keep every one of them different." + f" ({i})"
        for i in range(3000)
    )
    article = clean_text(prose)
    assert len(article.blocks) == 3000
    with pytest.raises(InputError):
        clean_text("\n\n".join(f"Menu entry {i}" for i in range(20000)))


def test_author_box_after_the_article_is_dropped() -> None:
    body = [
        "The ferry between the two islands runs again after a pause of almost two years, and"
        " the first boat on Wednesday morning was full of schoolchildren and commuters.",
        "The new vessel carries 120 passengers and twelve cars, runs every hour in summer and"
        " every two hours in winter, and draws half its power from its own solar panels.",
        "A single crossing costs four euros for adults, and children under twelve travel"
        " free; islanders get a yearly pass at half the usual price, the operator said.",
    ]
    bio = (
        "Lena Hartmann is a freelance writer who covers transport and the coast for several"
        " regional papers."
    )
    article = clean_text("\n\n".join([*body, bio]))
    assert "freelance writer" not in article.text
    assert all(paragraph in article.text for paragraph in body)


def test_a_lone_short_sentence_is_spoken() -> None:
    article = clean_text("The meeting moved to Friday.")
    assert article.text == "The meeting moved to Friday."
    assert article.title_from_body


def test_a_related_list_after_the_article_is_dropped() -> None:
    body = [
        "The council voted on Tuesday to rebuild the library on higher ground near the park,"
        " away from the river that flooded it last year, after a long public consultation.",
        "Work is due to begin in the spring and the new building should open within two"
        " years, the council said, with the old reading room kept as a community hall.",
    ]
    related = ["Latest news", "Ferry timetable changes for the winter", "School wins a prize"]
    article = clean_text("\n\n".join(body + related))
    assert "Latest news" not in article.text
    assert "Ferry timetable" not in article.text
    assert "School wins" not in article.text
    assert article.text.endswith("kept as a community hall.")


def test_a_small_island_of_prose_after_the_article_is_dropped() -> None:
    # A footer's self-description, set off from the article by the site's menus.
    body = [
        "Die Fähre zwischen den beiden Inseln fährt nach fast zwei Jahren Pause wieder, und"
        " das erste Schiff am Mittwochmorgen war voll mit Schulkindern und Pendlern.",
        "Das neue Schiff trägt 120 Fahrgäste und zwölf Autos, fährt im Sommer jede Stunde und"
        " im Winter alle zwei Stunden und bezieht die Hälfte seines Stroms aus Solarzellen.",
        "Eine einfache Fahrt kostet für Erwachsene vier Euro, Kinder unter zwölf Jahren fahren"
        " kostenlos; Inselbewohner erhalten eine Jahreskarte zum halben Preis.",
        "Die Reederei will im nächsten Jahr ein zweites Schiff dieser Art in Dienst stellen,"
        " wenn die Zahl der Fahrgäste so bleibt, wie sie in den ersten Wochen war.",
        "Im Hafen wird dafür ein zweiter Anleger gebaut. Die Arbeiten sollen im Herbst"
        " beginnen und bis zum Frühjahr dauern, der Fahrplan bleibt in dieser Zeit gleich.",
        "Der Bürgermeister sprach bei der ersten Fahrt von einem guten Tag für die Insel:"
        " Ohne die Fähre seien viele Familien vom Festland und von der Arbeit abgeschnitten.",
    ]
    footer_menu = ["Startseite", "Über uns", "Impressum", "Mediadaten", "Kontakt"]
    about = (
        "Der Inselbote ist das Nachrichtenportal für die Inseln und die Küste. Wir berichten"
        " seit 2005 unabhängig über alles, was die Menschen hier bewegt, von der Politik bis"
        " zum Sport."
    )
    article = clean_text("\n\n".join([*body, "\n".join(footer_menu), about]))
    assert "Nachrichtenportal" not in article.text
    assert all(paragraph in article.text for paragraph in body)


def test_a_recipes_ingredient_list_is_kept_and_the_menu_is_not() -> None:
    # Short lines without a full stop read like a menu; a run of quantities is the recipe.
    intro = [
        "This lentil soup is what we cook on the first cold evening of the autumn, and it"
        " takes less than an hour from the chopping board to the table.",
        "It keeps for three days in the fridge and tastes better on the second, when the"
        " spices have had time to settle into the lentils.",
    ]
    ingredients = [
        "200 g red lentils",
        "1 tbsp olive oil",
        "2 cloves garlic, chopped",
        "1 l vegetable stock",
        "½ tsp ground cumin",
    ]
    method = [
        "Warm the oil in a large pot, add the garlic and the cumin and stir for a minute"
        " until the kitchen smells of them.",
        "Add the lentils and the stock, bring to the boil and simmer for twenty-five"
        " minutes, until the lentils have fallen apart. Season and serve.",
    ]
    menu = ["Home", "Recipes", "Soups", "About us", "Contact"]
    text = "\n\n".join(
        ["\n".join(menu), *intro, "Ingredients", "\n".join(ingredients), *method, "\n".join(menu)]
    )
    article = clean_text(text)
    assert all(line in article.text for line in ingredients), article.text
    assert all(paragraph in article.text for paragraph in intro + method)
    assert "About us" not in article.text and "Contact" not in article.text


@pytest.mark.parametrize(
    "text",
    [
        # Article text from the extraction corpus that the language guess took for Finnish:
        # the Finnish stoplist (5,952 words, English ones among them) outvoted English (441).
        "Wednesday is a monumental day for the New York City Housing Authority and residents"
        " at the Nostrand Houses in Sheepshead Bay, Brooklyn For the first time, tenants will"
        " begin to vote",
        "U.S. Customs and Border Protection AMO agents requested assistance from a Puerto"
        " awareness in the air and maritime environments,”",
        "Oven-baked Italian Olive & Herb Focaccia oil mixture for dipping the focaccia bread"
        " into. Carbohydrates: 31g",
    ],
)
def test_a_long_stoplist_does_not_outvote_english(text: str) -> None:
    assert detect_language(text) == "en"
