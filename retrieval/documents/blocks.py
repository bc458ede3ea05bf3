"""The typed blocks of a rendered article, and the rendered text they point into.

A reader (Markdown or plain text) turns a file's source into `RenderedText`: the text a reader
sees, blocks separated by a blank line, each block a span of that text with its kind and the
source line it starts on. Body blocks are quoted; structure blocks (headings, the title line,
datelines and bylines, short label lines) are never quoted but label the body under them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from retrieval.text.chinese import CJK_CHAR

# Blocks whose text may be quoted, as `Passage.kind` names them.
BODY_KINDS = ("paragraph", "list_item", "quote", "table_row", "code")
# Blocks that are structure: a heading (Markdown or a plain-text heading line), the line that
# repeats the article's title, detail lines (dateline, byline, "Source: …") and labels (a
# caption among headed text: it heads nothing).
STRUCTURE_KINDS = ("heading", "title", "detail", "label")
BLOCK_SEPARATOR = "\n\n"
# A plain-text label line sits below every Markdown heading level.
LABEL_LEVEL = 7

# A list item glued to the end of the sentence before it ("… events. - Next item"): a capture
# lost a line break there, and the item belongs with what follows it.
_GLUED_ITEM = re.compile(r"(?<=[.!?])[ \t]+(?=[-•*][ \t]+\w)")
_CJK_END = re.compile(f"[{CJK_CHAR}\u3000-\u303f\uff00-\uffef]$")
_CJK_START = re.compile(f"^[{CJK_CHAR}\u3000-\u303f\uff00-\uffef]")


@dataclass(frozen=True)
class Block:
    """One block: `text[start:end]` of its article, its `kind` (BODY_KINDS or STRUCTURE_KINDS),
    the 1-based source `line` it starts on, a heading's `level` (1-6, LABEL_LEVEL for a plain-text
    label; 0 otherwise) and, for a body block, the headings above it (`section`, "A › B")."""

    start: int
    end: int
    kind: str
    line: int
    level: int = 0
    section: str = ""


@dataclass(frozen=True)
class RenderedText:
    """An article's rendered text, its blocks in reading order, and `line_marks`: sorted pairs
    (offset in `text`, source line) saying which source line each stretch of the text comes from."""

    text: str
    blocks: tuple[Block, ...]
    line_marks: tuple[tuple[int, int], ...]


def source_line(line_marks: tuple[tuple[int, int], ...], offset: int) -> int | None:
    """The source line the rendered character at `offset` comes from (None when unknown)."""
    position = bisect_right(line_marks, (offset, float("inf"))) - 1
    return line_marks[position][1] if position >= 0 else None


def split_glued_items(pieces: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """The pieces (text, source line) of one paragraph, cut into paragraphs where a list item
    is glued to the end of a sentence; the item opens the next one."""
    units: list[list[tuple[str, int]]] = [[]]
    for text, line in pieces:
        cursor = 0
        for glued in _GLUED_ITEM.finditer(text):
            units[-1].append((text[cursor : glued.start()], line))
            units.append([])
            cursor = glued.end()
        units[-1].append((text[cursor:], line))
    return [unit for unit in units if any(text.strip() for text, _ in unit)]


def join_lines(pieces: list[str]) -> str:
    """Lines of one paragraph joined as a reader reads them: with a space, or with nothing
    between two Chinese characters (Chinese has no spaces between words)."""
    joined = ""
    for piece in pieces:
        joined += line_glue(joined, piece) + piece
    return joined


def line_glue(before: str, after: str) -> str:
    """What joins two wrapped lines: "" at the start, or between Chinese characters; else " "."""
    return "" if not before or (_CJK_END.search(before) and _CJK_START.match(after)) else " "


class TextBuilder:
    """Collects blocks into one rendered text, each block after a blank line."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.blocks: list[Block] = []
        self.line_marks: list[tuple[int, int]] = []

    def add(self, pieces: list[tuple[str, int]], kind: str, level: int = 0, separator: str | None = None) -> None:
        """Add a block made of `pieces` (rendered text, source line) joined by `separator` (None:
        as `join_lines` joins a paragraph's lines). Pieces are trimmed; a block left empty is not added."""
        pieces = [(text.strip() if separator is None else text.rstrip(), line) for text, line in pieces]
        pieces = [(text, line) for text, line in pieces if text.strip()]
        if not pieces:
            return
        if self._parts:
            self._append(BLOCK_SEPARATOR)
        start = self._length
        joined = ""
        for text, line in pieces:
            if joined:
                joined += separator if separator is not None else line_glue(joined, text)
            self.line_marks.append((start + len(joined), line))
            joined += text
        self._append(joined)
        self.blocks.append(Block(start, self._length, kind, pieces[0][1], level))

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)

    def build(self) -> RenderedText:
        return RenderedText("".join(self._parts), tuple(self.blocks), tuple(self.line_marks))
