"""Sentence boundaries in mixed English and Chinese rendered text, as character spans.

Rendered paragraphs hold no line breaks (their wrapped lines are joined, retrieval/documents/blocks.py), so
a line break ends a block, and with it a sentence. In code a line is the unit: a code line is
never cut, and its dots end nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.text.chinese import CJK_CHAR

_CLOSERS = "\"'”’」』)）\\]】"
# A sentence ends after . ! ? followed by a space, a Chinese character or the end; after a Chinese
# full stop, exclamation or question mark, or semicolon; or at a line break. Closing quotes stay
# with the sentence they close.
_BOUNDARY = re.compile(
    f"[.!?…]+[{_CLOSERS}]*(?=\\s|$|[{CJK_CHAR}])|[。！？；]+[{_CLOSERS}]*|\\n"
)
_LINE_END = re.compile(r"\n")


def split_sentences(
    text: str, start: int = 0, end: int | None = None, code: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """Spans of the sentences of `text[start:end]`, whitespace trimmed, empty ones left out; within
    the `code` spans each line is one sentence."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for code_start, code_end in sorted(code):
        code_start, code_end = max(code_start, start), min(code_end, end)
        if code_start >= code_end:
            continue
        _split(text, cursor, code_start, _BOUNDARY, spans)
        _split(text, code_start, code_end, _LINE_END, spans)
        cursor = code_end
    _split(text, cursor, end, _BOUNDARY, spans)
    return spans


def _split(text: str, start: int, end: int, boundary: re.Pattern, spans: list[tuple[int, int]]) -> None:
    cursor = start
    for match in boundary.finditer(text, start, end):
        append_trimmed(text, cursor, match.end(), spans)
        cursor = match.end()
    append_trimmed(text, cursor, end, spans)


def append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append the span `text[start:end]` without its surrounding whitespace, unless nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
