"""Units after a number, English and German: the rewrite, its offset map, and what
eSpeak NG then says (phonemes as in ``test_speech_german``; readings of espeak-ng 1.52).
"""

from __future__ import annotations

import pytest

from reader.speech.normalize import normalize
from tests.speech.test_speech_german import phonemes


def said(text: str, language: str) -> str:
    return normalize(text, language).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It ran at 120 km/h.", "It ran at 120 kilometers per hour."),
        ("A 60 mph limit.", "A 60 mile per hour limit."),
        (
            "It was 20 °C, then 20°C, then 1 °C.",
            "It was 20 degrees Celsius, then 20 degrees Celsius, then 1 degree Celsius.",
        ),
        ("At -5 °F.", "At -5 degrees Fahrenheit."),
        (
            "Add 500g of flour and 2.5 kg of sugar.",
            "Add 500 grams of flour and 2.5 kilograms of sugar.",
        ),
        ("A 1 km walk, 10\u00a0km, 3 cm.", "A 1 kilometer walk, 10 kilometers, 3 centimeters."),
        (
            "It used 2.5 kWh and 1 kW, a 5 GB file.",
            "It used 2.5 kilowatt hours and 1 kilowatt, a 5 gigabyte file.",
        ),
        ("She ran 100 m in 10 s.", "She ran 100 meters in 10 s."),
        ("A wall of 10 ft, 5 m/s.", "A wall of 10 feet, 5 meters per second."),
        # "5m" is five million in a headline; "$5 m" is money; "A4 m" has no number
        ("5m people, $5 m and A4 m.", "5m people, 5 million dollars and A4 m."),
        # a count of kilometers is no year ("fifteen hundred km")
        ("It is 1500 km away.", "It is 1500 kilometers away."),
        # units the voice reads right, and words, are left alone
        ("3 km² and 3 lbs and 3 kilometers.", "3 km² and 3 lbs and 3 kilometers."),
    ],
)
def test_english_units(text: str, expected: str) -> None:
    assert said(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a quantity before a noun takes the singular, as it is said
        ("The 100 m final.", "The 100 meter final."),
        ("A 10 ft wall.", "A 10 foot wall."),
        (
            "It used a 5 GB file and a 2.5 kWh pack.",
            "It used a 5 gigabyte file and a 2.5 kilowatt hour pack.",
        ),
        ("On a -5 °C night.", "On a -5 degree Celsius night."),
        # ... but not before "of", "away", a verb, or without a determiner
        ("Add the 500 g of flour.", "Add the 500 grams of flour."),
        ("It is a 1500 km away.", "It is a 1500 kilometers away."),
        ("The 5 km were hard.", "The 5 kilometers were hard."),
        ("She ran 100 m yesterday.", "She ran 100 meters yesterday."),
        ("It was the 100 m.", "It was the 100 meters."),
    ],
)
def test_english_quantity_before_a_noun_is_singular(text: str, expected: str) -> None:
    assert said(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Er fuhr 120 km/h bei 20 °C.", "Er fuhr 120 Kilometer pro Stunde bei 20 Grad Celsius."),
        (
            "Wind mit 5 m/s, 3 kg Mehl, 10 l Wasser.",
            "Wind mit 5 Meter pro Sekunde, 3 Kilogramm Mehl, 10 Liter Wasser.",
        ),
        # "1" before a unit: "ein"/"eine", not eSpeak's "eins"; a minus stays said
        (
            "1 km, 1 t, 1 kWh, -1 °C.",
            "ein Kilometer, eine Tonne, eine Kilowattstunde, minus ein Grad Celsius.",
        ),
        ("5 t, 2,5 kWh, -5 °C.", "5 Tonnen, 2,5 Kilowattstunden, -5 Grad Celsius."),
        ("15 m², 3 km², 5 ha, 100 m.", "15 Quadratmeter, 3 Quadratkilometer, 5 Hektar, 100 Meter."),
        # a distance is no year ("fünfzehnhundert"); "10l" and "100m-Lauf" stay
        ("Noch 1500 km bis dort.", "Noch 1500 Kilometer bis dort."),
        ("10l und der 100m-Lauf.", "10l und der 100m-Lauf."),
    ],
)
def test_german_units(text: str, expected: str) -> None:
    assert said(text, "de") == expected


@pytest.mark.parametrize(
    ("text", "language", "word", "original", "after"),
    [
        ("It ran at 120 km/h today.", "en", "hour", "120 km/h", "today"),
        ("It was -5 °C today.", "en", "Celsius", "-5 °C", "today"),
        ("Es war -1 °C kalt.", "de", "minus", "-1 °C", "kalt"),
        ("Er fuhr 120 km/h heute.", "de", "Stunde", "120 km/h", "heute"),
    ],
)
def test_offset_map_points_at_the_number_and_unit(
    text: str, language: str, word: str, original: str, after: str
) -> None:
    spoken = normalize(text, language)
    i = spoken.text.index(word)
    assert text[slice(*spoken.span(i, i + len(word)))] == original
    j = spoken.text.index(after)  # the words after it map to themselves
    assert text[slice(*spoken.span(j, j + len(after)))] == after


def test_espeak_says_the_units_as_words() -> None:
    # as written: "kilometer" spelled "K M slash H", "degrees C", German "ka em ha",
    # "Grad C", "eins ka em"
    english = "It ran at 120 km/h at 20 °C."
    assert "k,eI'Em sl'aS 'eItS" in phonemes(english, "en")
    assert "dI2gr'i:z s'i:" in phonemes(english, "en")
    after = phonemes(said(english, "en"), "en")
    assert "kIl'0mI2t3z p3:r- 'aU3" in after and "dI2gr'i:z s'ElsI2;@s" in after
    german = "Er fuhr 1 km mit 120 km/h bei 20 °C."
    before = phonemes(german, "de")
    assert "k,A:'Em h'A:" in before and "gr'A:t ts'e:" in before and "_'aIns k,A:'Em" in before
    after = phonemes(said(german, "de"), "de")
    assert "aIn k,i:lo:m'e:t3" in after and "'aIns" not in after
    assert "k,i:lo:m'e:t3 pro: St'Und@" in after and "gr'A:t ts'Elzi:,Us" in after
    # a distance is read as a number, not as a year
    assert "w'0n T'aUz@nd f'aIvh'VndrI2d" in phonemes(said("1500 km", "en"), "en")
