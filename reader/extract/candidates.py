"""Other extractors' readings of a page, as blocks: the candidates of the consensus.

Each candidate is a function of a :class:`Page` (the decoded HTML, the tree trafilatura
parsed, the language, the title) returning the article's blocks as that library sees
them, or raising. None of them touches the network: readability and jusText work on a
copy of the tree already parsed; goose3 and newspaper4k are called below their
``extract``/``parse`` entry points, on the HTML given, for the article body alone (no
image, metadata, feed, "read more" or meta-refresh fetching, no NLP data); resiliparse
parses the string itself (C++, a few milliseconds).

A candidate's trouble is its own: :mod:`reader.extract.consensus` runs each one under a
deadline and drops the vote of one that raises, overruns or returns junk.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from reader.text.article import Block


@dataclass(frozen=True, slots=True)
class Page:
    """What every candidate reads: nothing here may be changed by one of them."""

    html: str
    tree: Any  # trafilatura's parsed tree (lxml.html); candidates work on a copy
    language: str | None  # ISO 639-1, or None when unknown
    title: str | None = None


Candidate = Callable[[Page], list[Block]]

_LINE_BREAKS = re.compile(r"\n+")


def blocks_from_text(text: str) -> list[Block]:
    """One paragraph block per non-empty line of a library's plain-text output."""
    return [Block("paragraph", line.strip()) for line in _LINE_BREAKS.split(text) if line.strip()]


def _blocks_from_markup(element: Any) -> list[Block]:
    from reader.extract.tree import blocks_from_tree

    return blocks_from_tree(element)


# -- readability (trafilatura's port of readability-lxml, already installed) ----------------


def readability(page: Page) -> list[Block]:
    from lxml import html as lxml_html
    from trafilatura.readability_lxml import Document

    summary = Document(copy.deepcopy(page.tree), min_text_length=25).summary()
    if not summary.strip():
        return []
    return _blocks_from_markup(lxml_html.fragment_fromstring(summary, create_parent="div"))


# -- jusText (a dependency already: the plain-text cleaner's stoplists) ---------------------


@cache
def _justext_stoplist(language: str | None) -> frozenset[str]:
    import justext
    from trafilatura.settings import JUSTEXT_LANGUAGES

    name = JUSTEXT_LANGUAGES.get(language or "")
    if name:
        return frozenset(justext.get_stoplist(name))
    # Unknown language: every stoplist at once, as trafilatura does.
    return frozenset(w for n in justext.get_stoplists() for w in justext.get_stoplist(n))


def justext(page: Page) -> list[Block]:
    from justext.core import (
        ParagraphMaker,
        classify_paragraphs,
        preprocessor,
        revise_paragraph_classification,
    )

    dom = preprocessor(page.tree)  # lxml's Cleaner works on a copy
    paragraphs = ParagraphMaker.make_paragraphs(dom)
    classify_paragraphs(paragraphs, _justext_stoplist(page.language), 70, 200, 0.3, 0.32, 0.2)
    revise_paragraph_classification(paragraphs, 200)
    return [
        Block("heading" if p.heading else "paragraph", p.text.strip())
        for p in paragraphs
        if not p.is_boilerplate and p.text.strip()
    ]


# -- goose3 -----------------------------------------------------------------------------------


def goose3(page: Page) -> list[Block]:
    """goose3's article body: its document cleaner, best node and formatter, as its
    ``Crawler.process`` calls them, without the metadata, tweets, links, videos and images
    (nothing fetched, no temporary files)."""
    from goose3.configuration import Configuration
    from goose3.crawler import Crawler

    config = Configuration()
    config.enable_image_fetching = False
    config.use_meta_language = page.language is None
    config.target_language = page.language or "en"
    crawler = Crawler(config)
    doc = crawler.parser.fromstring(page.html)
    if doc is None:
        return []
    article = crawler.article
    article._doc = doc
    article._raw_doc = doc
    article._meta_lang = page.language or crawler.metas_extractor.extract()["lang"]
    article._title = page.title or ""
    found = crawler.extractor.get_known_article_tags()
    nodes = [crawler.cleaner.clean(copy.deepcopy(n)) for n in found] if found else None
    if nodes is None:
        nodes = [crawler.cleaner.clean(doc)]
    article._top_node = crawler.extractor.calculate_best_node(nodes)
    if article._top_node is None:
        article._top_node = crawler.extractor.calculate_best_node(doc)
    else:
        article._doc = nodes
    if article._top_node is None:
        return []
    article._top_node = crawler.extractor.post_cleanup()
    return blocks_from_text(crawler.formatter.get_formatted_text())


# -- newspaper4k ------------------------------------------------------------------------------


def newspaper4k(page: Page) -> list[Block]:
    """newspaper4k's article body: its best node, cleaner and formatter, as
    ``Article.parse`` calls them, without the metadata, dates, images and videos (so no
    public-suffix list and no image is ever fetched)."""
    import warnings

    with warnings.catch_warnings():  # "nltk is not installed": we use no NLP feature
        warnings.simplefilter("ignore")
        _import_newspaper()
        from newspaper import parsers
        from newspaper.cleaners import DocumentCleaner
        from newspaper.configuration import Configuration
        from newspaper.extractors.articlebody_extractor import ArticleBodyExtractor
        from newspaper.outputformatters import OutputFormatter

    config = Configuration()
    config.fetch_images = False
    config.follow_meta_refresh = False
    config.memorize_articles = False
    config.language = _newspaper_language(page.language)
    doc = parsers.fromstring(page.html)
    if doc is None:
        return []
    body = ArticleBodyExtractor(config)
    body.parse(doc)
    if body.top_node is None:
        return []
    cleaned = DocumentCleaner(config).clean(body.top_node_complemented)
    text, _html = OutputFormatter(config).get_formatted(cleaned, page.title)
    return blocks_from_text(text)


# newspaper4k builds, as it is imported, the set of Unicode's punctuation with a loop over
# its 1.1 million code points: 0.15 s of CPU, 40% of what the consensus added to a
# one-off `reader extract` or `reader open`. The same set is kept in the cache folder per
# Unicode version and handed to newspaper.text as it is imported: that one line is
# replaced, nothing else (in a version of newspaper4k without the line, or when the
# source cannot be read, the module is imported as it is).
_PUNCTUATION_LINE = (
    "punctuation_set = {c for i in range(sys.maxunicode + 1) "
    'if category(c := chr(i)).startswith("P")}'
)


def _import_newspaper() -> None:
    """Import newspaper4k with its punctuation set from the cache (see above)."""
    import sys

    if "newspaper.text" in sys.modules:
        return
    finder = _QuickText()
    sys.meta_path.insert(0, finder)
    try:
        import newspaper.text  # noqa: F401  (and the package with it)
    finally:
        sys.meta_path.remove(finder)


class _QuickText:
    """Finds and loads ``newspaper.text`` with :data:`_PUNCTUATION_LINE` replaced."""

    source = ""
    origin = ""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        import importlib.machinery
        import importlib.util
        from pathlib import Path

        if name != "newspaper.text":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.origin is None:
            return None
        try:
            source = Path(spec.origin).read_text(encoding="utf-8")
        except (OSError, UnicodeError):
            return None
        if source.count(_PUNCTUATION_LINE) != 1:
            return None
        self.source = source.replace(_PUNCTUATION_LINE, "punctuation_set = set(_PUNCTUATION)")
        self.origin = spec.origin
        loader: Any = self
        found = importlib.util.spec_from_loader(name, loader, origin=spec.origin)
        if found is not None:
            found.has_location = True  # __file__ is set: the module finds its folder by it
        return found

    def create_module(self, spec: Any) -> None:
        return None  # the default module

    def exec_module(self, module: Any) -> None:
        module.__dict__["_PUNCTUATION"] = unicode_punctuation()
        exec(compile(self.source, self.origin, "exec"), module.__dict__)


def unicode_punctuation() -> frozenset[str]:
    """Every character of Unicode category P, as this Python's unicodedata has them:
    read from the cache folder, or found (0.15 s) and kept there."""
    import sys
    import unicodedata

    from reader import files, locations

    path = locations.cache_dir() / f"punctuation-unicode-{unicodedata.unidata_version}.txt"
    try:
        kept = path.read_text(encoding="utf-8")
        if kept and all(unicodedata.category(c).startswith("P") for c in kept):
            return frozenset(kept)
    except (OSError, UnicodeError):
        pass
    found = frozenset(
        c for i in range(sys.maxunicode + 1) if unicodedata.category(c := chr(i)).startswith("P")
    )
    try:
        locations.ensure(path.parent)
        files.write_atomic(path, "".join(sorted(found)).encode("utf-8"))
    except (OSError, locations.FolderError):
        pass  # found again next time
    return found


@cache
def _newspaper_language(language: str | None) -> str:
    from newspaper.languages import get_available_languages

    return language if language and language in get_available_languages() else "en"


# -- resiliparse ------------------------------------------------------------------------------


def resiliparse(page: Page) -> list[Block]:
    from resiliparse.extract.html2text import extract_plain_text

    text = extract_plain_text(page.html, main_content=True, alt_texts=False, noscript=False)
    return blocks_from_text(text)


# -- readability-lxml (the original package, for comparison) ---------------------------------


def readability_lxml(page: Page) -> list[Block]:
    from lxml import html as lxml_html
    from readability import Document

    summary = Document(copy.deepcopy(page.tree)).summary(html_partial=True)
    if not summary.strip():
        return []
    return _blocks_from_markup(lxml_html.fragment_fromstring(summary, create_parent="div"))


CANDIDATES: dict[str, Candidate] = {
    "readability": readability,
    "justext": justext,
    "goose3": goose3,
    "newspaper4k": newspaper4k,
    "resiliparse": resiliparse,
    "readability-lxml": readability_lxml,
}


def preload() -> None:
    """Import the default pool's libraries now (a batch's parent does, before its workers
    fork, so that each worker does not import them again)."""
    import warnings

    from reader.extract.consensus import POOL

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "newspaper4k" in POOL:
            _import_newspaper()
            import newspaper.extractors.articlebody_extractor  # noqa: F401
        if "justext" in POOL:
            import justext  # noqa: F401


# -- running them -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """One candidate's run: its blocks, or why it has no vote."""

    name: str
    blocks: list[Block]
    seconds: float
    error: str | None = None


def run(name: str, page: Page, seconds: float) -> Outcome:
    """Candidate ``name`` on ``page`` under a deadline of ``seconds``. Whatever goes wrong
    (an exception, the deadline, output that is not text) costs only its vote."""
    import time

    from reader.extract.deadline import Overrun, call_with_deadline

    start = time.perf_counter()
    try:
        blocks = call_with_deadline(lambda: CANDIDATES[name](page), seconds)
    except Overrun:
        return Outcome(name, [], time.perf_counter() - start, f"no result within {seconds:.1f} s")
    except MemoryError:
        return Outcome(name, [], time.perf_counter() - start, "out of memory")
    except Exception as exc:  # a library's bug on a hostile page: its vote only
        reason = f"{type(exc).__name__}: {exc}".split("\n")[0][:200]
        return Outcome(name, [], time.perf_counter() - start, reason)
    elapsed = time.perf_counter() - start
    junk = _junk(blocks, len(page.html))
    if junk:
        return Outcome(name, [], elapsed, junk)
    return Outcome(name, blocks, elapsed)


def _junk(blocks: object, page_size: int) -> str | None:
    """Why an output is not a body at all (an empty one is a body: it votes for nothing)."""
    if not isinstance(blocks, list) or not all(isinstance(b, Block) for b in blocks):
        return "not a list of blocks"
    if not all(isinstance(b.text, str) for b in blocks):
        return "not text"
    if sum(len(b.text) for b in blocks) > page_size:
        return "more text than the page holds"
    return None
