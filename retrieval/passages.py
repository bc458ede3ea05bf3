"""Passages that suit quoting: paragraphs, short lines merged, long paragraphs windowed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.sentences import append_trimmed, split_sentences

# Lines shorter than this (headings, list items, bylines) join the next line: alone they are
# poor passages and poor quotes.
MIN_PASSAGE_CHARS = 120
# Paragraphs longer than this are cut into windows of whole sentences of about WINDOW_CHARS,
# each window repeating the last sentence of the one before.
MAX_PASSAGE_CHARS = 1500
WINDOW_CHARS = 1000

_LINE = re.compile(r"[^\n]+")
# A list item glued to the end of the line before it (". - Next heading"): the capture lost a
# line break there, and the item belongs with what follows it, not with what precedes it.
_GLUED_ITEM = re.compile(r"(?<=[.!?])[ \t]+(?=[-•*][ \t]+\w)")


@dataclass(frozen=True)
class Passage:
    """A span of one article's text: `article` is the article's position in the corpus."""

    article: int
    start: int
    end: int


def split_passages(text: str, article: int) -> list[Passage]:
    """The passages of one article's `text`, in reading order."""
    blocks = _merge_short(_lines(text))
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


def _merge_short(lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for start, end in lines:
        if pending is not None:
            start = pending[0]
        if end - start < MIN_PASSAGE_CHARS:
            pending = (start, end)
            continue
        merged.append((start, end))
        pending = None
    if pending is not None:
        if merged and pending[1] - pending[0] < MIN_PASSAGE_CHARS:
            merged[-1] = (merged[-1][0], pending[1])
        else:
            merged.append(pending)
    return merged


def _windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    sentences = split_sentences(text, start, end)
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
