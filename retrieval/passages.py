"""Passages that suit quoting: paragraphs, short lines merged, long paragraphs windowed.

A Markdown heading stays in the passage under it, so its words help find that passage, but it is
never quoted (see `quotable_runs`): a heading always joins the text under it, or the passage
before it when nothing follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.chinese import CJK_CHAR, CJK_CHAR_WEIGHT
from retrieval.sentences import append_trimmed, is_heading, quotable_runs, split_sentences

# Lines shorter than this (headings, list items, bylines) join the next line: alone they are
# poor passages and poor quotes. Measured in Latin characters: a Chinese character (or a full-width
# mark between them) counts as CJK_CHAR_WEIGHT of them, since 120 Chinese characters make a long
# paragraph.
MIN_PASSAGE_CHARS = 120
# Paragraphs longer than this are cut into windows of whole sentences of about WINDOW_CHARS,
# each window repeating the last sentence of the one before.
MAX_PASSAGE_CHARS = 1500
WINDOW_CHARS = 1000

_LINE = re.compile(r"[^\n]+")
# Chinese characters, and the full-width punctuation (，。「」) written among them.
_CHINESE_TEXT = re.compile(f"[{CJK_CHAR}\u3000-\u303f\uff00-\uffef]")
# A list item glued to the end of the line before it (". - Next heading"): the capture lost a
# line break there, and the item belongs with what follows it, not with what precedes it.
_GLUED_ITEM = re.compile(r"(?<=[.!?])[ \t]+(?=[-•*][ \t]+\w)")


@dataclass(frozen=True)
class Passage:
    """A span of one article's text: `article` is the article's position in the corpus.

    `kind` is the block it comes from ("paragraph", "list_item", "quote", "table_row", "code");
    `section` the headings above it, outermost first, joined by " › " ("" when none): they are
    searched with the passage but never quoted."""

    article: int
    start: int
    end: int
    kind: str = "paragraph"
    section: str = ""


def split_passages(text: str, article: int) -> list[Passage]:
    """The passages of one article's `text`, in reading order."""
    blocks = _merge_short(text, _lines(text))
    passages: list[Passage] = []
    for start, end in blocks:
        if end - start <= MAX_PASSAGE_CHARS:
            passages.append(Passage(article, start, end))
        else:
            passages.extend(Passage(article, s, e) for s, e in _windows(text, start, end))
    return passages


def _lines(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        cursor = line.start()
        for glued in _GLUED_ITEM.finditer(text, line.start(), line.end()):
            append_trimmed(text, cursor, glued.start(), spans)
            cursor = glued.end()
        append_trimmed(text, cursor, line.end(), spans)
    return spans


def _merge_short(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of lines joined into blocks: a short line or a heading joins the line after it; what is
    left at the end joins the block before it when it is short or holds nothing to quote."""
    merged: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for line_start, end in lines:
        start = pending[0] if pending is not None else line_start
        if is_heading(text, line_start) or _reading_length(text, start, end) < MIN_PASSAGE_CHARS:
            pending = (start, end)
            continue
        merged.append((start, end))
        pending = None
    if pending is not None:
        short = _reading_length(text, *pending) < MIN_PASSAGE_CHARS
        if merged and (short or not quotable_runs(text, *pending)):
            merged[-1] = (merged[-1][0], pending[1])
        else:
            merged.append(pending)
    return merged


def _reading_length(text: str, start: int, end: int) -> int:
    """The length of `text[start:end]` in Latin characters, a Chinese character or full-width
    mark counting as CJK_CHAR_WEIGHT of them."""
    return end - start + (CJK_CHAR_WEIGHT - 1) * len(_CHINESE_TEXT.findall(text, start, end))


def _windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    sentences = _headings_glued(text, split_sentences(text, start, end))
    windows: list[tuple[int, int]] = []
    first = 0
    while first < len(sentences):
        last = first
        while last + 1 < len(sentences) and sentences[last + 1][1] - sentences[first][0] <= WINDOW_CHARS:
            last += 1
        windows.append((sentences[first][0], sentences[last][1]))
        if last + 1 >= len(sentences):
            break
        first = last if last > first else last + 1
    return windows


def _headings_glued(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentence spans with each heading joined to the sentence after it, so that no window
    holds a heading alone (a heading is never quoted: such a window would have nothing to quote)."""
    glued: list[tuple[int, int]] = []
    heading_start: int | None = None
    for start, end in sentences:
        if is_heading(text, start):
            if heading_start is None:
                heading_start = start
            continue
        glued.append((start if heading_start is None else heading_start, end))
        heading_start = None
    if heading_start is not None and glued:  # headings at the end join the sentence before them
        glued[-1] = (glued[-1][0], sentences[-1][1])
    elif heading_start is not None:
        glued.append((heading_start, sentences[-1][1]))
    return glued
