"""German text for the ear: each rule, its offset map, and what eSpeak NG then says.

The readings in the comments were measured with espeak-ng 1.52's German voice
(phonemes from ``espeak_TextToPhonemes``, eSpeak's ASCII phoneme names): the
"before" is what it says for the text as written, the "after" what it says for the
normalized text.
"""

from __future__ import annotations

import pytest

import reader.speech as speech
from reader.speech.normalize import normalize


def said(text: str, language: str = "de") -> str:
    return normalize(text, language).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ordinals: "drei |" (a cardinal and a full stop's pause) -> "dritten"
        ("Am 3. Dezember kam er.", "Am dritten Dezember kam er."),
        ("Am 1. Mai ist frei.", "Am ersten Mai ist frei."),
        ("Vom 3. bis 5. Mai ist frei.", "Vom dritten bis fünften Mai ist frei."),
        ("In der 3. Runde fiel er.", "In der dritten Runde fiel er."),
        ("Die 2. Bundesliga spielt.", "Die zweite Bundesliga spielt."),
        ("Berlin, 3. Dezember 2025", "Berlin, dritter Dezember 2025"),
        ("Das ist das 21. Mal.", "Das ist das einundzwanzigste Mal."),
        ("Im 19. Jh. gab es das.", "Im neunzehnten Jahrhundert gab es das."),
        # not ordinals: the end of a sentence, Roman numerals
        ("Sie belegte Platz 2. Danach ging sie.", "Sie belegte Platz 2. Danach ging sie."),
        ("Er wurde 3. Das war gut.", "Er wurde 3. Das war gut."),
        ("Elisabeth II. starb.", "Elisabeth II. starb."),
        # dates: "null drei Punkt zwölf Punkt ..." -> "dritten Dezember"
        ("Am 03.12.2025 war es kalt.", "Am dritten Dezember 2025 war es kalt."),
        ("Am 24.12. ist Heiligabend.", "Am vierundzwanzigsten Dezember ist Heiligabend."),
        # times: "vierzehn Punkt dreißig Uhr", "vierzehn Uhr dreißig Uhr" -> "14 Uhr 30"
        ("Um 14.30 Uhr beginnt es.", "Um 14 Uhr 30 beginnt es."),
        ("Um 14:30 Uhr beginnt es.", "Um 14 Uhr 30 beginnt es."),
        ("Um 8.00 Uhr beginnt es.", "Um 8 Uhr beginnt es."),
        ("Von 9.15 bis 10.30 Uhr.", "Von 9 Uhr 15 bis 10 Uhr 30."),
        # money: "fünf Komma neun neun Euro", "Euro fünf", "e u er" -> the spoken forms
        ("Es kostet 5,99 €.", "Es kostet 5 Euro 99."),
        ("Es kostet 5,99 Euro.", "Es kostet 5 Euro 99."),
        ("Es kostet € 5.", "Es kostet 5 Euro."),
        ("Es kostet EUR 5.", "Es kostet 5 Euro."),
        ("Es kostet 0,99 €.", "Es kostet 99 Cent."),
        ("Es kostet 5,- €.", "Es kostet 5 Euro."),
        ("Es kostet 5 €.", "Es kostet 5 €."),  # read right as it is
        # scales: "em er de |", "mio |" -> the words, singular for one
        ("Es kostet 1,2 Mrd. Euro.", "Es kostet 1,2 Milliarden Euro."),
        ("Es sind 3 Mio. Menschen.", "Es sind 3 Millionen Menschen."),
        ("Es ist 1 Mio. Euro.", "Es ist eine Million Euro."),
        ("Es dauert 3 Std. und 20 Min.", "Es dauert 3 Stunden und 20 Minuten."),
        # abbreviations: spelled or clipped, most with a full stop's pause
        ("Das gilt z. B. für Kinder.", "Das gilt zum Beispiel für Kinder."),
        ("Das gilt z.B. für Kinder.", "Das gilt zum Beispiel für Kinder."),
        ("Z. B. Kinder.", "Zum Beispiel Kinder."),
        ("Das gilt d. h. für alle.", "Das gilt das heißt für alle."),
        ("Dabei sind u. a. Kinder.", "Dabei sind unter anderem Kinder."),
        ("Das ist bzw. war so.", "Das ist beziehungsweise war so."),
        ("Es waren ca. 300.", "Es waren zirka 300."),
        ("Es ist Nr. 5.", "Es ist Nummer 5."),
        ("Das sagte Prof. Dr. Müller.", "Das sagte Professor Doktor Müller."),
        ("Er wohnt in St. Gallen.", "Er wohnt in Sankt Gallen."),
        ("Äpfel, Birnen usw. gibt es.", "Äpfel, Birnen und so weiter gibt es."),
        ("Äpfel, Birnen usw.", "Äpfel, Birnen und so weiter."),
        ("Das steht dort, vgl. Kapitel 3.", "Das steht dort, vergleiche Kapitel 3."),
        ("Siehe S. 12.", "Siehe Seite 12."),
        ("Er wohnt in der Hauptstr. 5.", "Er wohnt in der Hauptstraße 5."),
        ("Das war 50 v. Chr.", "Das war 50 vor Christus."),
        # years and ranges: "eintausend neunhundert...", "zweitausendzwanzig Strich ..."
        ("In den 1990er Jahren.", "In den 19hundert90er Jahren."),
        ("Im Jahr 1848 war es so.", "Im Jahr 18hundert48 war es so."),
        ("Es kamen 1500 Menschen.", "Es kamen 1500 Menschen."),  # a count, not a year
        ("Von 2020–2023 war es so.", "Von 2020 bis 2023 war es so."),
        ("Siehe S. 12–14 dazu.", "Siehe Seite 12 bis 14 dazu."),
        ("Das Spiel endete 3-2.", "Das Spiel endete 3-2."),  # a score
        # acronyms eSpeak reads as words ("die USA," -> "uza", EZB -> "etsp")
        ("Die USA, die EZB und die OECD.", "Die U.S.A, die E.Z.B und die O.E.C.D."),
        ("Die AfD und der ADAC.", "Die A.F.D und der A.D.A.C."),
        ("Die UNO und die NATO.", "Die Uhno und die NATO."),
        ("Das ist NICHT gut.", "Das ist NICHT gut."),
        ("EILMELDUNG AUS DER EU", "EILMELDUNG AUS DER EU"),  # an all-caps headline
        # read right as they are
        ("Der Anteil liegt bei 12,5 %.", "Der Anteil liegt bei 12,5 %."),
        ("Es kamen 1.500 und 2.000.000 Menschen.", "Es kamen 1.500 und 2.000.000 Menschen."),
    ],
)
def test_german_rewrites(text: str, expected: str) -> None:
    assert said(text) == expected


def test_german_rules_stay_out_of_english_and_english_out_of_german() -> None:
    assert said("On Dec. 3 at 14.30 Uhr, z. B. 5,99 €", "en") == (
        "On December 3 at 14.30 Uhr, z. B. 5,99 €"
    )
    german = said("Am 5. Dec. kostet es $5.99 in the 1990s", "de-DE")
    assert "December" not in german and "dollars" not in german and "nineties" not in german


@pytest.mark.parametrize(
    ("text", "word", "original"),
    [
        ("Am 3. Dezember kam er.", "dritten", "3."),
        ("Am 03.12.2025 war es kalt.", "dritten", "03.12.2025"),
        ("Am 03.12.2025 war es kalt.", "Dezember", "03.12.2025"),
        ("Um 14.30 Uhr beginnt es.", "Uhr", "14.30 Uhr"),
        ("Es kostet 5,99 € heute.", "Euro", "5,99 €"),
        ("Es kostet 1,2 Mrd. Euro.", "Milliarden", "1,2 Mrd."),
        ("Das gilt z. B. für Kinder.", "Beispiel", "z. B."),
        ("Das sagte Prof. Müller.", "Professor", "Prof."),
        ("Von 2020–2023 war es so.", "bis", "2020–2023"),
        ("In den 1990er Jahren.", "19hundert90er", "1990er"),
        ("Die EZB und die AfD.", "E.Z.B", "EZB"),
        ("Die EZB und die AfD.", "A.F.D", "AfD"),
        ("Im 19. Jh. gab es das.", "Jahrhundert", "Jh."),
    ],
)
def test_offset_map_points_at_the_original(text: str, word: str, original: str) -> None:
    spoken = normalize(text, "de")
    i = spoken.text.index(word)
    a, b = spoken.span(i, i + len(word))
    assert text[a:b] == original


def test_untouched_words_map_to_themselves() -> None:
    text = "Am 3. Dezember kostet es 5,99 € bei der EZB."
    spoken = normalize(text, "de")
    for word in ("Am", "kostet", "bei", "der"):
        i = spoken.text.index(word)
        j = text.index(word)
        assert spoken.span(i, i + len(word)) == (j, j + len(word))


def test_every_language_cleanup_keeps_german_letters_and_quotes() -> None:
    text = "„Größer“, sagte sie – »Straße« und ‚Maß‘."
    out = said(text)
    assert "Größer" in out and "Straße" in out and "Maß" in out
    assert out.count('"') == 4 and "–" not in out


# -- the real engine --------------------------------------------------------------------


def phonemes(text: str, voice: str = "de") -> str:
    """What eSpeak NG says for ``text``: its phoneme names, clauses joined by " | "."""
    from reader.speech.pyttsx3_driver import _lock, shared_espeak

    with _lock:
        driver = shared_espeak()
        driver.set_voice(voice)
        return driver.phonemes(text)


@pytest.mark.timeout(60)
def test_espeak_reads_the_normalized_german_right() -> None:
    text = "Am 3. Dezember kostet es z. B. 5,99 € bei der EZB, um 14.30 Uhr."
    before = phonemes(text)
    after = phonemes(said(text))
    # as written: "drei |" (a cardinal and a sentence pause), "zet | be",
    # "fünf Komma neun neun", "vierzehn Punkt dreißig"
    assert "dr'aI |" in before and "_kOmA:" in before and "p,UNkt" in before
    assert "ts'Et | b'e:" in before
    # normalized: "dritten Dezember", "zum Beispiel", "fünf Euro neunundneunzig",
    # "E Z B" letter by letter, "vierzehn Uhr dreißig", and one clause up to the comma
    assert "dr'It@n de:ts'E2mb3" in after
    assert "tsUm b'aISpi:l" in after
    assert "f'ynf _!'OYRo: n'OYn _|Untn'OYntsIC" in after
    assert ",e:ts,Etb'e:" in after
    assert "f'Irtse:n _!'u:r dr'aIsIC" in after
    assert "_kOmA:" not in after and "p,UNkt" not in after
    assert after.count(" | ") == 1
    # an acronym before a full stop is read as a word ("etsp"); spelled with dots it is
    # read letter by letter
    assert "'Etsp" in phonemes("Die EZB.") and ",e:ts,Etb'e:" in phonemes(said("Die EZB."))


@pytest.mark.timeout(60)
def test_a_german_sentence_is_one_chunk_whose_words_map_back() -> None:
    text = "Am 3. Dezember sagte Prof. Müller, die Zahl sei um 12,5 % gestiegen."
    chunks = list(speech.synthesize(text, language="de", voice="de"))
    assert len(chunks) == 1  # neither "3." nor "Prof." ends the sentence
    words = [text[w.start : w.end] for w in chunks[0].words]
    assert words[:3] == ["Am", "3.", "Dezember"]
    assert "Prof." in words and "Müller" in words


def test_a_german_voice_with_no_language_splits_sentences_as_german() -> None:
    """`reader say --voice de` passes no language: the voice's language decides where
    sentences end, so "3." before a month and "Prof." end no sentence."""
    text = "Am 3. Dezember sagte Prof. Müller, es sei z. B. teuer. Dann ging er."
    chunks = list(speech.synthesize(text, voice="de", cache="off"))
    spoken = [text[c.start : c.end].strip() for c in chunks]
    assert spoken == ["Am 3. Dezember sagte Prof. Müller, es sei z. B. teuer.", "Dann ging er."]
