"""Passages that suit quoting, made of an article's body blocks (retrieval/documents/blocks.py).

A passage holds whole blocks of one section: headings, the title line and detail lines are never
in one (they label passages through `section`, which is searched with them but never quoted).
Blocks shorter than MIN_PASSAGE_CHARS join the blocks after them in the same section, and a
paragraph introducing code, a list or a table (ending with ':') joins the code, the list's items
or the table's rows under it; what is left short at the end of a section joins the passage
before it. Blocks longer than MAX_PASSAGE_CHARS are cut into
windows of whole sentences (lines, in code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval.documents.blocks import BODY_KINDS, Block
from retrieval.text.sentences import split_sentences
from retrieval.documents.wrapped_lines import reading_length

if TYPE_CHECKING:
    from retrieval.documents.corpus import Article

# Blocks shorter than this (in Latin characters; a Chinese character counts as CJK_CHAR_WEIGHT
# of them, since 120 Chinese characters make a long paragraph) join the next block of their section.
MIN_PASSAGE_CHARS = 120
# Passages longer than this are cut into windows of whole sentences of about WINDOW_CHARS,
# each window repeating the last sentence of the one before.
MAX_PASSAGE_CHARS = 1500
WINDOW_CHARS = 1000
PASSAGE_KINDS = BODY_KINDS
# What a paragraph ending with ':' introduces, and keeps in its passage: the code, list or table under it.
INTRODUCED_KINDS = ("code", "list_item", "table_row")


@dataclass(frozen=True)
class Passage:
    """A span of one article's text: `article` is the article's position in the corpus.

    `kind` is the block it comes from ("paragraph", "list_item", "quote", "table_row", "code"; the
    first block's, when it holds several); `section` the headings above it, outermost first,
    joined by " › " ("" when none): they are searched with the passage but never quoted."""

    article: int
    start: int
    end: int
    kind: str = "paragraph"
    section: str = ""


def split_passages(article: "Article", position: int) -> list[Passage]:
    """The passages of `article` (at `position` in its corpus), in reading order."""
    passages: list[Passage] = []
    for run in _section_runs(article.blocks):
        for group in _grouped(article.text, run):
            start, end = group[0].start, group[-1].end
            kind, section = group[0].kind, group[0].section
            if end - start <= MAX_PASSAGE_CHARS:
                passages.append(Passage(position, start, end, kind, section))
            else:
                code = article.code_spans(start, end)
                passages.extend(Passage(position, s, e, kind, section) for s, e in _windows(article.text, start, end, code))
    return passages


def _section_runs(blocks: tuple[Block, ...]) -> list[list[Block]]:
    """Consecutive body blocks of one section, with no structure block between them."""
    runs: list[list[Block]] = []
    current: list[Block] = []
    for block in blocks:
        if block.kind in BODY_KINDS and current and current[-1].section == block.section:
            current.append(block)
            continue
        if current:
            runs.append(current)
        current = [block] if block.kind in BODY_KINDS else []
    if current:
        runs.append(current)
    return runs


def _grouped(text: str, run: list[Block]) -> list[list[Block]]:
    groups: list[list[Block]] = []
    pending: list[Block] = []
    introduced = ""  # the kind of the blocks a paragraph ending with ':' introduced
    for i, block in enumerate(run):
        pending.append(block)
        following = run[i + 1] if i + 1 < len(run) else None
        if _introduces(text, block) and following is not None and following.kind in INTRODUCED_KINDS:
            introduced = following.kind
            continue  # what a paragraph introduces goes with it: code, and the items of a list or table
        # The items of an introduced list (or rows of a table) stay together; code is one block.
        if introduced and introduced != "code" and following is not None and following.kind == introduced:
            continue
        introduced = ""
        if reading_length(text[pending[0].start : block.end]) >= MIN_PASSAGE_CHARS:
            groups.append(pending)
            pending = []
    if pending:
        if groups and reading_length(text[pending[0].start : pending[-1].end]) < MIN_PASSAGE_CHARS:
            groups[-1].extend(pending)
        else:
            groups.append(pending)
    return groups


def _introduces(text: str, block: Block) -> bool:
    return block.kind != "code" and text[block.start : block.end].rstrip().endswith((":", "："))


def _windows(text: str, start: int, end: int, code: list[tuple[int, int]]) -> list[tuple[int, int]]:
    sentences = split_sentences(text, start, end, code)
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
