"""Sentence boundaries in mixed English and Chinese text, as character spans, and which of them
may be quoted: any but those of a Markdown heading line."""

from __future__ import annotations

import re

from retrieval.chinese import CJK_CHAR

_CLOSERS = "\"'”’」』)）\\]】"
# A sentence ends after . ! ? followed by a space, a Chinese character or the end; after a Chinese
# full stop, exclamation or question mark, or semicolon; or at a line break. Closing quotes stay
# with the sentence they close.
_BOUNDARY = re.compile(
    f"[.!?…]+[{_CLOSERS}]*(?=\\s|$|[{CJK_CHAR}])|[。！？；]+[{_CLOSERS}]*|\\n"
)
# A Markdown ATX heading: up to three spaces, one to six '#', then a space, a tab or the line's end.
_HEADING = re.compile(r" {0,3}#{1,6}(?=[ \t\n]|\Z)")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences of `text[start:end]`, whitespace trimmed, empty ones left out."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        append_trimmed(text, cursor, match.end(), spans)
        cursor = match.end()
    append_trimmed(text, cursor, end, spans)
    return spans


def quotable_runs(text: str, start: int = 0, end: int | None = None) -> list[list[tuple[int, int]]]:
    """The sentences of `text[start:end]` that are not on a heading line, grouped in runs that no
    heading interrupts: an excerpt taken from one run never quotes a heading. Empty when the span
    holds nothing but headings."""
    runs: list[list[tuple[int, int]]] = [[]]
    for sentence in split_sentences(text, start, end):
        if not is_heading(text, sentence[0]):
            runs[-1].append(sentence)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def is_heading(text: str, position: int) -> bool:
    """True when the line holding `position` is a Markdown heading ("# Title" to "###### Title")."""
    return _HEADING.match(text, text.rfind("\n", 0, position) + 1) is not None


def append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append the span `text[start:end]` without its surrounding whitespace, unless nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
