"""The consensus of extractors: trafilatura's body, checked against other extractors'.

Extractors fail on different pages: one takes an author box for the article, another
keeps a menu, trafilatura now and then misses the opening paragraphs. Texts are compared
as sets of word 4-shingles (four consecutive words, case-folded), with no ground truth:

- **switch**: each body is scored by its mean Dice similarity to the others (its
  *agreement*); another extractor's body replaces trafilatura's only when it agrees with
  the group better by more than :attr:`Rules.margin`;
- **fill**: a paragraph that the kept body lacks (less than half of its shingles in it)
  and that at least :attr:`Rules.support` of the bodies hold (half of its shingles or more
  in each), of at least :attr:`Rules.min_words` words, is added where the extractor that
  has it puts it: after the paragraph both share that precedes it.

When trafilatura finds no article at all, the candidate that agrees best with the others
is taken if that agreement is at least :data:`ALONE_FLOOR`.

Everything here is a pure function of the blocks. Which candidates run and the rules
were chosen by cross-validation on the annotated corpus (``python -m
benchmarks.consensus``; figures in docs/benchmarks.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reader.text.article import Block

OURS = "trafilatura"

_WORD = re.compile(r"\w+")
# Word n-grams of this length are the unit of comparison.
SHINGLE = 4
# A paragraph is "in" a text when at least this share of its shingles is.
PRESENT = 0.5
# When trafilatura finds no article, a candidate's body is taken if it agrees this well
# with the others (a menu or a cookie notice rarely gets two extractors to agree).
ALONE_FLOOR = 0.5


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def shingles(text: str) -> frozenset[str]:
    """The word 4-shingles of ``text``; a text of fewer words is one shingle of them all."""
    return _shingles_of(words(text))


def _shingles_of(found: list[str]) -> frozenset[str]:
    if len(found) < SHINGLE:
        return frozenset([" ".join(found)]) if found else frozenset()
    return frozenset(" ".join(found[i : i + SHINGLE]) for i in range(len(found) - SHINGLE + 1))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _share_in(part: frozenset[str], whole: frozenset[str] | set[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


@dataclass(frozen=True, slots=True)
class Rules:
    """The consensus's settings (see the module's docstring)."""

    margin: float | None = None  # None: never switch bodies
    support: int | None = None  # None: never fill
    min_words: int = 8


@dataclass(frozen=True, slots=True)
class Body:
    """One extractor's blocks with their shingles (per block, and all of them)."""

    blocks: list[Block]
    per_block: list[frozenset[str]]
    word_counts: list[int]
    shingles: frozenset[str]

    @classmethod
    def of(cls, blocks: list[Block]) -> Body:
        found = [words(b.text) for b in blocks]
        per_block = [_shingles_of(w) for w in found]
        return cls(blocks, per_block, [len(w) for w in found], frozenset().union(*per_block))


@dataclass(slots=True)
class Decision:
    """The body chosen, and why: shown by ``reader extract --format json``."""

    blocks: list[Block]
    kept: str = OURS
    agreement: dict[str, float] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)  # paragraphs added, per extractor


class Survey:
    """The bodies of one page and what is known of how they overlap.

    Similarities, which body holds which paragraph and where a paragraph sits in another
    body are worked out once, when first asked: :func:`decide` can then be asked about
    many pools and rules of the same page (as the benchmark's cross-validation does) at
    the cost of one.
    """

    def __init__(self, bodies: Mapping[str, Body]) -> None:
        self.bodies = dict(bodies)
        self._dice: dict[tuple[str, str], float] = {}
        self._holds: dict[tuple[str, int, str], bool] = {}
        self._anchor: dict[tuple[str, int, str], int | None] = {}

    def similarity(self, a: str, b: str) -> float:
        key = (a, b) if a < b else (b, a)
        if key not in self._dice:
            self._dice[key] = dice(self.bodies[a].shingles, self.bodies[b].shingles)
        return self._dice[key]

    def agreements(self, names: Sequence[str]) -> dict[str, float]:
        """Each body's mean similarity to the others of ``names`` (empty ones take no part)."""
        voters = [n for n in names if n in self.bodies and self.bodies[n].shingles]
        if len(voters) < 2:
            return dict.fromkeys(voters, 0.0)
        return {
            n: sum(self.similarity(n, m) for m in voters if m != n) / (len(voters) - 1)
            for n in voters
        }

    def holds(self, name: str, index: int, other: str) -> bool:
        """Whether body ``other`` holds paragraph ``index`` of body ``name``."""
        key = (name, index, other)
        if key not in self._holds:
            own = self.bodies[name].per_block[index]
            self._holds[key] = _share_in(own, self.bodies[other].shingles) >= PRESENT
        return self._holds[key]

    def anchor(self, name: str, index: int, other: str) -> int | None:
        """The paragraph of body ``other`` sharing most with paragraph ``index`` of ``name``."""
        key = (name, index, other)
        if key not in self._anchor:
            where: Counter[int] = Counter()
            own = self.bodies[name].per_block[index]
            for position, theirs in enumerate(self.bodies[other].per_block):
                shared = len(own & theirs)
                if shared:
                    where[position] = shared
            self._anchor[key] = where.most_common(1)[0][0] if where else None
        return self._anchor[key]


def decide(survey: Survey, rules: Rules, names: Sequence[str] | None = None) -> Decision:
    """The body to keep among the bodies ``names`` of ``survey`` (all by default):
    trafilatura's (:data:`OURS`, possibly empty) and the candidates', all before the pass
    for the ear."""
    pool = [n for n in (names or survey.bodies) if n in survey.bodies]
    scores = survey.agreements(pool)
    kept = OURS
    best = max((n for n in scores if n != OURS), key=scores.__getitem__, default=None)
    if best is not None and OURS not in scores:
        kept = best if scores[best] >= ALONE_FLOOR else OURS
    elif best is not None and rules.margin is not None and len(scores) >= 3:
        kept = best if scores[best] > scores[OURS] + rules.margin else OURS
    chosen = survey.bodies.get(kept)
    decision = Decision(
        list(chosen.blocks) if chosen else [], kept, {n: round(s, 4) for n, s in scores.items()}
    )
    if rules.support is not None and decision.blocks:
        _fill_gaps(decision, survey, pool, rules)
    return decision


def _fill_gaps(decision: Decision, survey: Survey, pool: list[str], rules: Rules) -> None:
    """Add to ``decision.blocks`` the paragraphs enough bodies of ``pool`` agree it lacks,
    each after the kept paragraph that precedes it in the body that has it."""
    assert rules.support is not None
    kept = survey.bodies[decision.kept]
    have = set(kept.shingles)
    # Where each kept paragraph is in the merged list, and what was added after it.
    placed: list[list[Block]] = [[] for _ in kept.blocks]
    lead: list[Block] = []  # added before the first kept paragraph
    for name in pool:
        if name == decision.kept:
            continue
        body = survey.bodies[name]
        tail = lead
        for index, (block, own) in enumerate(zip(body.blocks, body.per_block, strict=True)):
            if not own:
                continue
            if survey.holds(name, index, decision.kept):
                at = survey.anchor(name, index, decision.kept)
                tail = placed[at] if at is not None else tail
                continue
            if (
                body.word_counts[index] < rules.min_words
                or sum(1 for other in pool if survey.holds(name, index, other)) < rules.support
                or _share_in(own, have) >= PRESENT  # added already, from another body
            ):
                continue
            tail.append(block)
            have |= own
            decision.added[name] = decision.added.get(name, 0) + 1
    if decision.added:
        merged = list(lead)
        for block, after in zip(kept.blocks, placed, strict=True):
            merged.append(block)
            merged.extend(after)
        decision.blocks = merged


# -- the default path's settings ------------------------------------------------------------

# Chosen by cross-validation on the dev half of the annotated corpus (docs/benchmarks.md):
# a paragraph that jusText and newspaper4k both hold, of 20 words or more, and that
# trafilatura's body lacks, is added. Switching bodies (the rule) did not beat
# trafilatura alone there at any margin, so the margin is None. The guard changes no page
# of the corpus; it stays for the pages where a heading misread as "related" would take
# half a good body with it.
POOL: tuple[str, ...] = ("justext", "newspaper4k")
RULES = Rules(margin=None, support=2, min_words=20)
GUARD: float | None = 0.5
