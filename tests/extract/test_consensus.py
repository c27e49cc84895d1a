"""The consensus of extractors (reader.extract.consensus, candidates, deadline) and the
default HTML path built on it: the vote, the fill, a candidate's failure costing only its
vote, no network, ``--fast`` and the ``extraction`` setting, and the JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.config import save_setting
from reader.extract import candidates, extract, extract_html
from reader.extract.consensus import (
    OURS,
    POOL,
    Body,
    Rules,
    Survey,
    decide,
    dice,
    shingles,
)
from reader.extract.deadline import Overrun, call_with_deadline
from reader.text.article import Article, Block
from tests.conftest import ASSETS

SAMPLE = ASSETS / "sample-page.html"

LEAD = "The council voted on Tuesday evening to keep the harbour ferry running all winter."
MIDDLE = "Islanders had collected more than four thousand signatures in a petition in March."
LATE = "A new timetable with two extra crossings on Saturdays will be published next week."
MENU = "Home News Sport Weather Contact us Subscribe today for only one euro a month"


def body(*texts: str) -> Body:
    return Body.of([Block("paragraph", t) for t in texts])


# -- the vote and the fill (pure) --------------------------------------------------------------


def test_shingles_and_dice() -> None:
    assert shingles("One two three four five") == {"one two three four", "two three four five"}
    assert shingles("Just three words") == {"just three words"}
    assert shingles("") == frozenset()
    same = shingles(LEAD)
    assert dice(same, same) == 1.0
    assert dice(same, shingles(MENU)) == 0.0
    survey = Survey({"a": body(LEAD), "b": body(LEAD), "c": body(MENU), "d": body()})
    scores = survey.agreements(["a", "b", "c", "d"])
    assert scores["a"] == scores["b"] == 0.5 and scores["c"] == 0.0 and "d" not in scores


def test_a_paragraph_two_candidates_hold_fills_the_gap_where_they_put_it() -> None:
    survey = Survey(
        {OURS: body(LEAD, LATE), "x": body(LEAD, MIDDLE, LATE), "y": body(MIDDLE, LATE, MENU)}
    )
    decision = decide(survey, Rules(support=2, min_words=8))
    assert [b.text for b in decision.blocks] == [LEAD, MIDDLE, LATE]
    assert decision.kept == OURS and decision.added == {"x": 1}
    # One candidate alone is not enough, nor is a paragraph under min_words.
    assert [b.text for b in decide(survey, Rules(support=3)).blocks] == [LEAD, LATE]
    assert [b.text for b in decide(survey, Rules(support=2, min_words=50)).blocks] == [LEAD, LATE]


def test_a_missing_lead_goes_first() -> None:
    survey = Survey({OURS: body(MIDDLE, LATE), "x": body(LEAD, MIDDLE), "y": body(LEAD, LATE)})
    assert [b.text for b in decide(survey, Rules(support=2)).blocks] == [LEAD, MIDDLE, LATE]


def test_switch_takes_the_body_the_others_agree_with_only_past_the_margin() -> None:
    bodies = {OURS: body(MENU, LEAD), "x": body(LEAD, MIDDLE, LATE), "y": body(LEAD, MIDDLE, LATE)}
    survey = Survey(bodies)
    assert decide(survey, Rules(margin=0.05)).kept == "x"
    assert decide(survey, Rules(margin=0.99)).kept == OURS
    assert decide(survey, Rules()).kept == OURS  # no margin: never switch


def test_without_a_body_of_ours_a_well_agreed_candidate_is_taken() -> None:
    survey = Survey({OURS: body(), "x": body(LEAD, MIDDLE), "y": body(LEAD, MIDDLE)})
    assert decide(survey, Rules()).kept == "x"
    lonely = Survey({OURS: body(), "x": body(LEAD), "y": body(MENU)})
    assert decide(lonely, Rules()).kept == OURS  # they do not agree: no article


# -- the deadline and a candidate's failure ---------------------------------------------------


def _spin() -> None:
    while True:
        pass


@pytest.mark.timeout(30)
def test_the_deadline_stops_a_call_in_this_thread() -> None:
    start = time.perf_counter()
    with pytest.raises(Overrun):
        call_with_deadline(_spin, 0.2)
    assert time.perf_counter() - start < 5
    assert call_with_deadline(lambda: 41 + 1, 5.0) == 42
    time.sleep(0.1)  # no late exception arrives after a call that finished


@pytest.mark.timeout(60)
@pytest.mark.parametrize("failure", ["hang", "raise", "junk"])
def test_a_failing_candidate_costs_only_its_vote(
    failure: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bad(page: candidates.Page) -> list[Block]:
        if failure == "hang":
            _spin()
        if failure == "raise":
            raise RuntimeError("broken\non two lines")
        return "not blocks"  # type: ignore[return-value]

    monkeypatch.setitem(candidates.CANDIDATES, POOL[0], bad)
    monkeypatch.setattr("reader.extract.html.CANDIDATE_SECONDS", 0.3)
    article = extract_html(SAMPLE.read_text(encoding="utf-8"))
    report = article.extras["extraction"]
    assert report["mode"] == "consensus" and report["kept"] == OURS
    assert POOL[0] in report["failed"] and "\n" not in report["failed"][POOL[0]]
    assert article.text == extract_html(SAMPLE.read_text(encoding="utf-8"), fast=True).text


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(candidates.CANDIDATES))
def test_every_candidate_is_bounded_on_hostile_pages(name: str) -> None:
    """Nested markup, a long run of one tag, a huge page: a result or an error, in time
    (a deadline of 5 s here: jusText needs more than that on the 20,000-paragraph page,
    so the deadline itself is what is tested)."""
    from reader.extract.html import read_page

    pages = [
        "<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</body></html>",
        "<html><body><p>" + "<b>x " * 20000 + "</p></body></html>",
        "<html><body>"
        + "<p>Word after word in a paragraph of prose.</p>" * 20000
        + "</body></html>",
        "<html><body><p class='" + "a" * 200000 + "'>text</p></body></html>",
    ]
    for html in pages:
        reading = read_page(html)
        page = candidates.Page(reading.html, reading.tree, "en", None)
        start = time.perf_counter()
        outcome = candidates.run(name, page, 5.0)
        assert time.perf_counter() - start < 15, (name, outcome.error)


# -- the default path, --fast and the setting -------------------------------------------------


def test_the_default_path_reports_how_the_body_was_chosen() -> None:
    article = extract(str(SAMPLE))
    report = article.extras["extraction"]
    assert report["mode"] == "consensus" and report["kept"] == OURS
    assert set(report["agreement"]) <= {OURS, *POOL} and OURS in report["agreement"]
    data = json.loads(article.to_json())
    assert data["extraction"] == report
    assert Article.from_dict(data).to_dict() == data  # the key survives a round trip
    assert "extraction" not in Article((Block("paragraph", "x"),)).to_dict()


def test_the_setting_and_fast_give_trafilatura_alone() -> None:
    assert extract(str(SAMPLE), fast=True).extras["extraction"] == {
        "mode": "fast",
        "kept": OURS,
    }
    save_setting("extraction", "fast")
    assert extract(str(SAMPLE)).extras["extraction"]["mode"] == "fast"
    assert extract(str(SAMPLE), fast=False).extras["extraction"]["mode"] == "consensus"


def test_reader_extract_fast_and_json(tmp_path: Path) -> None:
    def run(*args: str) -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-m", "reader", "extract", "--format", "json", *args, str(SAMPLE)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        data: dict[str, object] = json.loads(done.stdout)
        return data

    fast, default = run("--fast"), run()
    assert fast["extraction"] == {"mode": "fast", "kept": OURS}
    assert default["extraction"]["mode"] == "consensus"  # type: ignore[index]
    assert fast["text"] == default["text"]  # the sample page: nothing to add


NO_NETWORK = """
import sys
NETWORK = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto",
           "socket.sendmsg", "socket.gethostbyaddr", "urllib.Request", "http.client.connect"}
def hook(event, args):
    if event in NETWORK:
        raise SystemExit(f"network: {event} {args!r}"[:300])
sys.addaudithook(hook)
from reader.extract import extract_html
html = open(sys.argv[1], encoding="utf-8").read()
article = extract_html(html, url="https://news.example.org/a/story.html", fast=False)
print(article.extras["extraction"]["failed"], len(article.text))
"""


@pytest.mark.timeout(120)
def test_the_candidates_never_touch_the_network(tmp_path: Path) -> None:
    """Images, a meta refresh, a "read more" link and a page URL: nothing is fetched (an
    audit hook fails the process at the first socket event)."""
    page = tmp_path / "page.html"
    page.write_text(
        SAMPLE.read_text(encoding="utf-8")
        .replace(
            "<head>",
            '<head><meta http-equiv="refresh" content="0; url=https://other.example.org/">'
            '<meta property="og:image" content="https://img.example.org/a.jpg">',
        )
        .replace("<body>", '<body><img src="https://img.example.org/b.jpg" width=900>'),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, str(page)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("{}")  # no candidate failed either


def test_newspaper4k_gets_unicode_s_punctuation_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """newspaper.text's punctuation set, built by a loop over every code point as it is
    imported, is handed to it from the cache folder instead: a fresh process gets the
    set newspaper4k itself builds, keeps it, and reads it back the next time; a damaged
    copy is found again."""
    code = (
        "import string, sys, unicodedata\n"
        "from reader.extract import candidates\n"
        "candidates._import_newspaper()\n"
        "import newspaper.text as text\n"
        "own = {c for i in range(sys.maxunicode + 1)"
        " if unicodedata.category(c := chr(i)).startswith('P')}\n"
        "own.update(string.punctuation)\n"
        "own -= text.contraction_separators\n"
        "assert text.punctuation_set == own, 'not the set newspaper4k builds'\n"
        "assert '_PUNCTUATION' in vars(text) and text.__file__.endswith('text.py')\n"
        "print(len(text.punctuation_set))\n"
    )
    env = {**os.environ, "READER_HOME": str(tmp_path)}

    def fresh() -> str:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    first = fresh()
    (kept,) = tmp_path.rglob("punctuation-unicode-*.txt")
    assert "," in kept.read_text("utf-8") and "a" not in kept.read_text("utf-8")
    assert fresh() == first  # from the cache
    kept.write_text(",a", "utf-8")  # damaged: not all punctuation
    assert fresh() == first
    assert kept.read_text("utf-8") != ",a"  # found and kept again
    # Another newspaper4k without that line: imported as it is (no replacement).
    monkeypatch.setattr(candidates, "_PUNCTUATION_LINE", "punctuation_set = set()")
    assert candidates._QuickText().find_spec("newspaper.text", None) is None
