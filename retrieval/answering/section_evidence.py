"""Evidence from a document's structure: the passage that opens a section named by the question.

Writers of structured documents (books, manuals, docs folders) state what a thing is or does
where its section starts: "Adding Conditionals with Match Guards" opens with "A match guard is
an additional if condition…", while later passages of the same section (and of others) repeat
the words more often and so score higher in BM25. The section's words are already indexed with
every passage under it (passages.py), so BM25 cannot tell the opening passage from the rest;
this module can. In: the passages, a candidate, the question's term weights; out: a factor for
its lexical evidence, 1 + LEAD_BONUS × the share of the question's weight its innermost heading
holds, for the first passage under that heading, else 1.

Kept outside the BM25 index on purpose: the index's scores stay rank-bm25's, bit for bit. An
article whose only heading is its title (SQuAD-style articles, a tldr page) has no sections to
tell apart, so its passages get no factor: the evidence is neutral there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

from retrieval.documents.passages import Passage
from retrieval.text.tokenizer import terms

# Measured on the Rust book, MkDocs' docs, tldr pages, saved pages, the bundled articles and
# SQuAD (benchmarks/README.md, "questions/mkdocs_docs.jsonl").
LEAD_BONUS = 0.5
SECTION_SEPARATOR = " › "


class SectionEvidence:
    """Which passages open a section, and how much of a question their innermost heading names."""

    def __init__(self, passages: list[Passage],
                 heading_terms: Callable[[int, dict[str, float]], set[str]] | None = None):
        """`heading_terms(passage_id, weights)`, when given, says which of the question's terms
        the heading right above a passage holds (the index keeps its tokens: nothing is
        tokenised at question time); without it the innermost heading is tokenised."""
        self._passages = passages
        self._heading_terms = heading_terms
        # Per article (by position): whether it has a heading below its title. Filled on demand,
        # so that loading a large collection does not walk every passage.
        self._sectioned: dict[int, bool] = {}

    def factor(self, passage_id: int, weights: dict[str, float], total_weight: float) -> float:
        """The factor for the lexical evidence of passage `passage_id` given the question's term
        weights (`weights`, summing to `total_weight`): see the module's docstring."""
        passage = self._passages[passage_id]
        if not passage.section or not self.opens_section(passage_id):
            return 1.0
        if self._heading_terms is not None:
            named = self._heading_terms(passage_id, weights)
        else:
            named = _heading_terms(passage.section.rsplit(SECTION_SEPARATOR, 1)[-1])
        share = math.fsum(weight for term, weight in weights.items() if term in named) / (total_weight or 1.0)
        return 1.0 + LEAD_BONUS * share

    def opens_section(self, passage_id: int) -> bool:
        """Whether the passage is the first under its headings, in an article with sections."""
        passage = self._passages[passage_id]
        if passage_id > 0:
            before = self._passages[passage_id - 1]
            if before.article == passage.article and before.section == passage.section:
                return False
        return self._has_sections(passage_id)

    def _has_sections(self, passage_id: int) -> bool:
        article = self._passages[passage_id].article
        if article not in self._sectioned:
            # An article's passages are contiguous: walk its run both ways from this one.
            first = last = passage_id
            while first > 0 and self._passages[first - 1].article == article:
                first -= 1
            while last + 1 < len(self._passages) and self._passages[last + 1].article == article:
                last += 1
            self._sectioned[article] = any(SECTION_SEPARATOR in self._passages[pid].section
                                           for pid in range(first, last + 1))
        return self._sectioned[article]


@lru_cache(maxsize=4096)
def _heading_terms(heading: str) -> frozenset[str]:
    return frozenset(terms(heading))
