"""Choosing the excerpt to quote from a passage: whole sentences, at most MAX_EXCERPT_CHARS.

The sentence holding the most query weight (the summed idf of the distinct query terms in it,
plus, with the embedding model, a bonus for being close in meaning to the question) is the seed; the earliest wins a tie. The excerpt then grows one whole sentence at a time
towards the neighbour holding more query weight (the following one on a tie) while it fits, and
what room is left is filled with the start (or end) of the next neighbour. A seed sentence
longer than the limit is cut around its densest stretch of query terms. "…" marks each cut, and
a cut falls at whitespace or beside a Chinese character, never inside a run of other characters
("Veo3.1Fast", "U.S.", "real-time"). Headings are never quoted: the excerpt grows only among the
sentences between two headings. Runs of whitespace are folded to one space; everything else is
verbatim.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping

from retrieval.chinese import CJK_CHAR
from retrieval.sentences import quotable_runs, split_sentences
from retrieval.spans import merge_spans
from retrieval.tokenizer import Token

MAX_EXCERPT_CHARS = 300
# A partial sentence shorter than this is not worth its "…".
MIN_FILL_CHARS = 20
ELLIPSIS = "…"
_WHITESPACE = re.compile(r"\s+")
_CJK = re.compile(f"[{CJK_CHAR}]")


@dataclass(frozen=True)
class Excerpt:
    """A quote: its text, its span in the article, and the spans of matched terms in the text."""

    text: str
    start: int
    end: int
    highlights: tuple[tuple[int, int], ...]


def choose_excerpt(
    text: str,
    start: int,
    end: int,
    matches: list[Token],
    weights: dict[str, float],
    limit: int = MAX_EXCERPT_CHARS,
    bonus: Mapping[int, float] | None = None,
) -> Excerpt:
    """The best excerpt of `text[start:end]`, given the passage's tokens that match query terms
    (`matches`), each query term's weight, and extra weight for sentences by where they start
    (`bonus`: how close each is in meaning to the question)."""
    sentences, sentence_weight = _heaviest_run(text, start, end, matches, weights, bonus or {})
    seed = max(range(len(sentences)), key=lambda i: (sentence_weight[i], -i))
    seed_start, seed_end = sentences[seed]

    if _folded_length(text, seed_start, seed_end) > limit:
        cut_start, cut_end = _cut_long_sentence(text, seed_start, seed_end, matches, weights, limit)
        return _make_excerpt(text, cut_start, cut_end, matches, cut_start > seed_start, cut_end < seed_end)

    first = last = seed
    while True:
        candidates = []
        if last + 1 < len(sentences):
            candidates.append((sentence_weight[last + 1], 1, first, last + 1))
        if first > 0:
            candidates.append((sentence_weight[first - 1], 0, first - 1, last))
        fitting = [c for c in candidates if _folded_length(text, sentences[c[2]][0], sentences[c[3]][1]) <= limit]
        if not fitting:
            break
        _, _, first, last = max(fitting)
    return _fill(text, sentences, sentence_weight, first, last, matches, limit)


def _heaviest_run(
    text: str, start: int, end: int, matches: list[Token], weights: dict[str, float], bonus: Mapping[int, float]
) -> tuple[list[tuple[int, int]], list[float]]:
    """The run of sentences between headings that holds the heaviest sentence (the earliest run
    on a tie), and each of its sentences' weight. The excerpt grows within it only: reaching
    into the next run would quote the heading between them."""
    # Only an article without body text has a passage of nothing but headings: quote those.
    runs = quotable_runs(text, start, end) or [split_sentences(text, start, end) or [(start, end)]]
    weighed = [(run, [_weight(_terms_within(matches, s, e), weights) + bonus.get(s, 0.0) for s, e in run]) for run in runs]
    return max(weighed, key=lambda item: max(item[1]))


def _fill(
    text: str,
    sentences: list[tuple[int, int]],
    sentence_weight: list[float],
    first: int,
    last: int,
    matches: list[Token],
    limit: int,
) -> Excerpt:
    """Whole sentences first..last, plus as much of the heavier neighbour as still fits, cut
    at a word boundary and marked with "…" (an answer often sits just past the matched words)."""
    start, end = sentences[first][0], sentences[last][1]
    room = limit - _folded_length(text, start, end) - 1 - len(ELLIPSIS)
    sides = []
    if last + 1 < len(sentences):
        sides.append((sentence_weight[last + 1], 1, "after"))
    if first > 0:
        sides.append((sentence_weight[first - 1], 0, "before"))
    if room < MIN_FILL_CHARS or not sides:
        return _make_excerpt(text, start, end, matches, False, False)
    _, _, side = max(sides)
    if side == "after":
        next_start, next_end = sentences[last + 1]
        cut = _word_end(text, next_start + room, next_start, next_end)
        if cut - next_start >= MIN_FILL_CHARS and _folded_length(text, start, cut) + len(ELLIPSIS) <= limit:
            return _make_excerpt(text, start, cut, matches, False, cut < next_end)
    else:
        previous_start, previous_end = sentences[first - 1]
        cut = _word_start_after(text, previous_end - room, previous_start, previous_end)
        if previous_end - cut >= MIN_FILL_CHARS and _folded_length(text, cut, end) + len(ELLIPSIS) <= limit:
            return _make_excerpt(text, cut, end, matches, cut > previous_start, False)
    return _make_excerpt(text, start, end, matches, False, False)


def _terms_within(matches: list[Token], start: int, end: int) -> set[str]:
    return {token.term for token in matches if start <= token.start and token.end <= end}


def _weight(terms: set[str], weights: dict[str, float]) -> float:
    # fsum is exactly rounded, so the set's iteration order (which varies with the process's
    # hash seed) cannot tip a tie: the same question gets the same excerpt in every process.
    return math.fsum(weights.get(term, 0.0) for term in terms)


def _folded_length(text: str, start: int, end: int) -> int:
    return len(_WHITESPACE.sub(" ", text[start:end]))


def _cut_long_sentence(
    text: str, start: int, end: int, matches: list[Token], weights: dict[str, float], limit: int
) -> tuple[int, int]:
    """The stretch of at most `limit` characters (ellipses included) holding the most weight."""
    budget = limit - 2 * len(ELLIPSIS)
    inside = sorted((t for t in matches if start <= t.start and t.end <= end), key=lambda t: t.start)
    best = (start, min(end, start + budget))
    best_weight = -1.0
    for anchor in [start] + [t.start for t in inside]:
        window_start = _word_start(text, anchor, start)
        window_end = _word_end(text, min(end, window_start + budget), window_start, end)
        if window_end == window_start:  # one run of characters longer than the budget: cut it
            window_end = min(end, window_start + budget)
        weight = _weight(_terms_within(inside, window_start, window_end), weights)
        if weight > best_weight:
            best, best_weight = (window_start, window_end), weight
    return best


def _word_start(text: str, position: int, floor: int) -> int:
    """Move back to the start of the word `position` is in."""
    while position > floor and not _is_word_boundary(text, position):
        position -= 1
    return position


def _word_start_after(text: str, position: int, floor: int, ceiling: int) -> int:
    """Move forward to the next word boundary, then past whitespace and marks that hold no letter
    or digit (a quote should not open on ", the" or "- the")."""
    position = max(position, floor)
    while floor < position < ceiling and not _is_word_boundary(text, position):
        position += 1
    while position < ceiling and not text[position].isalnum():
        following = _next_word_boundary(text, position, ceiling)
        if _holds_alnum(text, position, following):
            break  # a word opening on a mark ('"Focus'): keep the mark
        position = following
    return position


def _word_end(text: str, position: int, floor: int, ceiling: int) -> int:
    """Move back to a word boundary, then before whitespace and marks that hold no letter or digit
    (a quote should not close on "the -"); `floor` when no whole word fits."""
    if position >= ceiling:
        return ceiling
    cut = position
    while cut > floor and not _is_word_boundary(text, cut):
        cut -= 1
    while cut > floor and not text[cut - 1].isalnum():
        previous = _previous_word_boundary(text, cut, floor)
        if _holds_alnum(text, previous, cut):
            break  # a word closing on a mark ('One"'): keep the mark
        cut = previous
    return cut


def _next_word_boundary(text: str, position: int, ceiling: int) -> int:
    position += 1
    while position < ceiling and not _is_word_boundary(text, position):
        position += 1
    return position


def _previous_word_boundary(text: str, position: int, floor: int) -> int:
    position -= 1
    while position > floor and not _is_word_boundary(text, position):
        position -= 1
    return position


def _holds_alnum(text: str, start: int, end: int) -> bool:
    return any(ch.isalnum() for ch in text[start:end])


def _is_word_boundary(text: str, position: int) -> bool:
    """True when a cut at `position` splits no word: it is beside whitespace or a Chinese
    character (Chinese has no spaces). Inside "Veo3.1Fast", "U.S." or "real-time" it is not."""
    if position <= 0 or position >= len(text):
        return True
    before, after = text[position - 1], text[position]
    return before.isspace() or after.isspace() or bool(_CJK.match(before) or _CJK.match(after))


def _make_excerpt(
    text: str, start: int, end: int, matches: list[Token], cut_before: bool, cut_after: bool
) -> Excerpt:
    folded: list[str] = []
    position_map: dict[int, int] = {}
    length = 0
    prefix = ELLIPSIS if cut_before else ""
    length += len(prefix)
    index = start
    for match in _WHITESPACE.finditer(text, start, end):
        for i in range(index, match.start()):
            position_map[i] = length + (i - index)
        folded.append(text[index : match.start()])
        length += match.start() - index
        for i in range(match.start(), match.end()):
            position_map[i] = length
        folded.append(" ")
        length += 1
        index = match.end()
    for i in range(index, end):
        position_map[i] = length + (i - index)
    folded.append(text[index:end])
    length += end - index
    position_map[end] = length
    body = "".join(folded)
    excerpt_text = prefix + body + (ELLIPSIS if cut_after else "")

    spans = ((position_map[t.start], position_map[t.end]) for t in matches if start <= t.start and t.end <= end)
    return Excerpt(excerpt_text, start, end, merge_spans(spans))
