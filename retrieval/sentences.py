"""Sentence boundaries in mixed English and Chinese text, as character spans."""

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


def append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append the span `text[start:end]` without its surrounding whitespace, unless nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
