"""Choosing the excerpt to quote from a passage: whole sentences, at most MAX_EXCERPT_CHARS.

The sentence holding the most query weight (the summed idf of the distinct query terms in it,
plus, with the embedding model, a bonus for being close in meaning to the question) is the seed; the earliest wins a tie. The excerpt then grows one whole sentence at a time
towards the neighbour holding more query weight (the following one on a tie) while it fits, and
what room is left is filled with the start (or end) of the next neighbour. A seed sentence
longer than the limit is cut around its densest stretch of query terms. "…" marks each cut, and
a cut falls at whitespace or beside a Chinese character, never inside a run of other characters
("Veo3.1Fast", "U.S.", "real-time"). Passages hold no headings (retrieval/documents/passages.py); only
retrieval/answering/quotes.py puts one before an excerpt, where the heading is what answers. In code a
line is a sentence, never cut and never partly filled in; a sentence introducing code (ending with ':') is followed by the code it introduces while it fits.
Runs of whitespace are folded to one space, except in an excerpt holding code, which is verbatim
line by line; everything else is verbatim.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Mapping

from retrieval.text.chinese import CJK_CHAR
from retrieval.text.sentences import split_sentences
from retrieval.text.spans import merge_spans
from retrieval.text.tokenizer import Token

MAX_EXCERPT_CHARS = 300
# A partial sentence shorter than this is not worth its "…".
MIN_FILL_CHARS = 20
ELLIPSIS = "…"
_WHITESPACE = re.compile(r"\s+")
_CJK = re.compile(f"[{CJK_CHAR}]")


@dataclass(frozen=True)
class Excerpt:
    """A quote: its text, its span in the article, the spans of matched terms in the text, and
    whether it holds code (then its line breaks are kept)."""

    text: str
    start: int
    end: int
    highlights: tuple[tuple[int, int], ...]
    code: bool = False


def choose_excerpt(
    text: str,
    start: int,
    end: int,
    matches: list[Token],
    weights: dict[str, float],
    limit: int = MAX_EXCERPT_CHARS,
    bonus: Mapping[int, float] | None = None,
    code: Sequence[tuple[int, int]] = (),
) -> Excerpt:
    """The best excerpt of `text[start:end]`, given the passage's tokens that match query terms
    (`matches`), each query term's weight, extra weight for sentences by where they start
    (`bonus`: how close each is in meaning to the question), and the spans of code blocks."""
    code = [(s, e) for s, e in code if s < end and start < e]
    sentences = split_sentences(text, start, end, code) or [(start, end)]
    bonus = bonus or {}
    sentence_weight = [_weight(_terms_within(matches, s, e), weights) + bonus.get(s, 0.0) for s, e in sentences]
    in_code = [any(cs <= s and e <= ce for cs, ce in code) for s, e in sentences]
    seed = max(range(len(sentences)), key=lambda i: (sentence_weight[i], -i))
    seed_start, seed_end = sentences[seed]

    if _length(text, seed_start, seed_end, code) > limit:
        cut_start, cut_end = _cut_long_sentence(text, seed_start, seed_end, matches, weights, limit)
        return _make_excerpt(text, cut_start, cut_end, matches, cut_start > seed_start, cut_end < seed_end, code)

    first = last = seed
    while True:
        # An excerpt stays prose or code, but for the sentence introducing the code (ending with
        # ':'), and the code it introduces comes before anything else.
        candidates = []
        if last + 1 < len(sentences) and (in_code[last + 1] == in_code[last] or _introduces(text, sentences[last], in_code[last + 1])):
            introduced = in_code[last + 1] and not in_code[first]
            candidates.append((math.inf if introduced else sentence_weight[last + 1], 1, first, last + 1))
        if first > 0 and (in_code[first - 1] == in_code[first] or _introduces(text, sentences[first - 1], in_code[first])):
            candidates.append((sentence_weight[first - 1], 0, first - 1, last))
        fitting = [c for c in candidates if _length(text, sentences[c[2]][0], sentences[c[3]][1], code) <= limit]
        if not fitting:
            break
        _, _, first, last = max(fitting)
    return _fill(text, sentences, sentence_weight, in_code, first, last, matches, limit, code)


def led_by(text: str, start: int, excerpt: Excerpt, matches: list[Token]) -> Excerpt:
    """`excerpt` (prose, not cut at its start) with `text[start:excerpt.start]` before it: a
    heading that leads the quote (retrieval/answering/quotes.py)."""
    return _make_excerpt(text, start, excerpt.end, matches, False, excerpt.text.endswith(ELLIPSIS))


def _fill(
    text: str,
    sentences: list[tuple[int, int]],
    sentence_weight: list[float],
    in_code: list[bool],
    first: int,
    last: int,
    matches: list[Token],
    limit: int,
    code: list[tuple[int, int]],
) -> Excerpt:
    """Whole sentences first..last, plus as much of the heavier neighbour as still fits, cut
    at a word boundary and marked with "…" (an answer often sits just past the matched words).
    A line of code is never filled in part, and an excerpt ending in code gets nothing after it."""
    start, end = sentences[first][0], sentences[last][1]
    room = limit - _length(text, start, end, code) - 1 - len(ELLIPSIS)
    sides = []
    if last + 1 < len(sentences) and not in_code[last + 1] and not in_code[last]:
        sides.append((sentence_weight[last + 1], 1, "after"))
    if first > 0 and not in_code[first - 1] and not in_code[first]:
        sides.append((sentence_weight[first - 1], 0, "before"))
    if room < MIN_FILL_CHARS or not sides:
        return _make_excerpt(text, start, end, matches, False, False, code)
    _, _, side = max(sides)
    if side == "after":
        next_start, next_end = sentences[last + 1]
        cut = _word_end(text, next_start + room, next_start, next_end)
        if cut - next_start >= MIN_FILL_CHARS and _folded_length(text, start, cut) + len(ELLIPSIS) <= limit:
            return _make_excerpt(text, start, cut, matches, False, cut < next_end, code)
    else:
        previous_start, previous_end = sentences[first - 1]
        cut = _word_start_after(text, previous_end - room, previous_start, previous_end)
        if previous_end - cut >= MIN_FILL_CHARS and _folded_length(text, cut, end) + len(ELLIPSIS) <= limit:
            return _make_excerpt(text, cut, end, matches, cut > previous_start, False, code)
    return _make_excerpt(text, start, end, matches, False, False, code)


def _introduces(text: str, sentence: tuple[int, int], code_follows: bool) -> bool:
    """True when `sentence` is prose ending with ':' and code follows it."""
    return code_follows and text[sentence[1] - 1] in ":："


def _terms_within(matches: list[Token], start: int, end: int) -> set[str]:
    return {token.term for token in matches if start <= token.start and token.end <= end}


def _weight(terms: set[str], weights: dict[str, float]) -> float:
    # fsum is exactly rounded, so the set's iteration order (which varies with the process's
    # hash seed) cannot tip a tie: the same question gets the same excerpt in every process.
    return math.fsum(weights.get(term, 0.0) for term in terms)


def folded(text: str) -> str:
    """`text` with each run of whitespace folded to one space, as prose is quoted."""
    return _WHITESPACE.sub(" ", text)


def _folded_length(text: str, start: int, end: int) -> int:
    return len(folded(text[start:end]))


def _length(text: str, start: int, end: int, code: list[tuple[int, int]]) -> int:
    """The length of the excerpt `text[start:end]` would make: verbatim when it holds code."""
    return end - start if _holds_code(start, end, code) else _folded_length(text, start, end)


def _holds_code(start: int, end: int, code: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in code)


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
    text: str, start: int, end: int, matches: list[Token], cut_before: bool, cut_after: bool,
    code: list[tuple[int, int]] = (),
) -> Excerpt:
    if _holds_code(start, end, code):  # verbatim: code keeps its line breaks and indentation
        prefix = ELLIPSIS if cut_before else ""
        body = prefix + text[start:end] + (ELLIPSIS if cut_after else "")
        spans = ((t.start - start + len(prefix), t.end - start + len(prefix)) for t in matches
                 if start <= t.start and t.end <= end)
        return Excerpt(body, start, end, merge_spans(spans), code=True)
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
