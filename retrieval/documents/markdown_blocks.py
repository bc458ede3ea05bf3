"""Markdown (CommonMark plus tables, parsed by markdown-it-py) rendered to the text a reader sees,
as typed blocks (see retrieval/documents/blocks.py).

Inline markup is rendered: links to their text, emphasis and code marks dropped, reference links
resolved. HTML blocks, inline HTML (comments, anchors), images and template directives
(`{{#include …}}`, Hugo's `{{< … >}}`, Liquid's `{% … %}`) are not text. A table row is rendered
with its header ("Header: cell; Other: cell"). A paragraph's wrapped lines are joined, unless the
file writes one paragraph per line (see retrieval/documents/wrapped_lines.py).
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from retrieval.documents.blocks import RenderedText, TextBuilder, split_glued_items
from retrieval.documents.structure_lines import is_detail_line, is_structure_line
from retrieval.documents.wrapped_lines import WRAP_MAX_CHARS, paragraph_units, reading_length, runs_on

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_DIRECTIVE = re.compile(r"\{\{#[^{}]*\}\}|\{\{[<%].*?[%>]\}\}|\{%.*?%\}")


@cache
def _parser() -> MarkdownIt:
    """CommonMark with tables, built (and markdown-it imported) at the first file parsed: a start
    from the cache parses nothing, so it never pays for the import."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def render_markdown(source: str, first_line: int = 1) -> RenderedText:
    """The rendered text and blocks of Markdown `source`, whose first line is line `first_line`
    of its file (after any front matter)."""
    tokens = _parser().parse(source)
    source_lines = source.split("\n")
    builder = TextBuilder()
    containers: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            containers.append("paragraph" if _lone_line_item(tokens, position) else "list_item")
        elif kind == "blockquote_open":
            containers.append("quote")
        elif kind in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            containers.pop()
        elif kind == "heading_open":
            inline = tokens[position + 1]
            lines = _inline_lines(inline, _line(inline, first_line))
            builder.add([(" ".join(text for text, _ in lines), lines[0][1] if lines else _line(token, first_line))],
                        "heading", level=int(token.tag[1]))
            position += 2
        elif kind == "paragraph_open":
            inline = tokens[position + 1]
            _add_paragraph(builder, inline, containers[-1] if containers else "paragraph", first_line, source_lines)
            position += 2
        elif kind in ("fence", "code_block"):
            _add_code(builder, token, first_line)
        elif kind == "table_open":
            position = _add_table(builder, tokens, position, first_line)
        position += 1
    return builder.build()


def _lone_line_item(tokens: list[Token], position: int) -> bool:
    """True when the list opening at `position` is one item of one line ("01. The Outlook"): a
    numbered heading written as a list, not a list."""
    level = tokens[position].level
    inner = []
    for token in tokens[position + 1 :]:
        if token.level == level:
            break
        inner.append(token.type)
    return inner == ["list_item_open", "paragraph_open", "inline", "paragraph_close", "list_item_close"] and \
        tokens[position + 3].map is not None and tokens[position + 3].map[1] - tokens[position + 3].map[0] == 1


def _line(token: Token, first_line: int) -> int:
    return (token.map[0] if token.map else 0) + first_line


def _add_paragraph(builder: TextBuilder, inline: Token, kind: str, first_line: int, source_lines: list[str]) -> None:
    lines = _inline_lines(inline, _line(inline, first_line))
    if _only_code(inline):
        kind = "code"  # a command on a line of its own (`tar xf file`): shown and kept as code
    raw = source_lines[inline.map[0] : inline.map[1]] if inline.map else []
    # A hard-wrapped paragraph is one paragraph, as CommonMark reads it; only a file writing one
    # paragraph per (long) line has several paragraphs between two blank lines.
    one_per_line = any(reading_length(line.strip()) > WRAP_MAX_CHARS for line in raw)
    if one_per_line:
        spans = paragraph_units([text for text, _ in lines])
    else:  # but a dateline or byline on the paragraph's first lines is not part of it
        first = 0
        while first + 1 < len(lines) and _detail_above(lines[first][0], lines[first + 1][0]):
            first += 1
        spans = [(i, i + 1) for i in range(first)] + [(first, len(lines))]
    units = [unit for first, last in spans
             for unit in (split_glued_items(lines[first:last]) if kind != "code" else [lines[first:last]])]
    for number, unit in enumerate(units):
        # Lines that go on a list item's paragraph without indent but read as paragraphs of their
        # own ("lazy" continuation lines, in a file writing one paragraph per line) are not the item.
        builder.add(unit, "paragraph" if number and kind == "list_item" else kind)


def _detail_above(line: str, following: str) -> bool:
    """True when `line` is a dateline or byline standing above `following`, not the first line
    of a wrapped sentence that goes on there ("By default, Rust has a set of items … that it" /
    "brings into the scope of every program.")."""
    return is_structure_line(line) and is_detail_line(line) and not runs_on(line, following)


def _only_code(inline: Token) -> bool:
    children = inline.children or []
    return any(c.type == "code_inline" for c in children) and all(
        c.type in ("code_inline", "softbreak", "hardbreak") or (c.type == "text" and not c.content.strip())
        for c in children
    )


def _inline_lines(inline: Token, line: int) -> list[tuple[str, int]]:
    """The rendered text of an inline token, one piece per source line."""
    pieces: list[tuple[str, int]] = []
    current: list[str] = []
    # Only text and code are text: link and emphasis marks are dropped, inline HTML (comments,
    # anchors) is not text, and an image's alt text is in its children, which are not walked.
    for child in inline.children or []:
        if child.type in ("softbreak", "hardbreak"):
            pieces.append(("".join(current), line))
            current, line = [], line + 1
        elif child.type in ("text", "code_inline"):
            current.append(child.content)
    pieces.append(("".join(current), line))
    return [(_clean(text), number) for text, number in pieces if _clean(text)]


def _clean(text: str) -> str:
    return " ".join(_DIRECTIVE.sub("", text).split())


def _add_code(builder: TextBuilder, token: Token, first_line: int) -> None:
    # A fence's content starts on the line after the opening fence.
    start = _line(token, first_line) + (1 if token.type == "fence" else 0)
    lines = [(_DIRECTIVE.sub("", text) if _DIRECTIVE.fullmatch(text.strip()) else text, start + i)
             for i, text in enumerate(token.content.rstrip("\n").split("\n"))]
    while lines and not lines[0][0].strip():
        lines.pop(0)
    builder.add(lines, "code", separator="\n")


def _add_table(builder: TextBuilder, tokens: list[Token], position: int, first_line: int) -> int:
    """Add each body row of the table opening at `position` as "Header: cell; …"; returns the
    position of the table's closing token."""
    header: list[str] = []
    rows: list[tuple[list[str], int]] = []
    in_head = False
    while tokens[position].type != "table_close":
        token = tokens[position]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            rows.append(([], _line(token, first_line)))
        elif token.type == "inline":
            cell = " ".join(text for text, _ in _inline_lines(token, 0))
            (header if in_head else rows[-1][0]).append(cell)
        position += 1
    body = [(cells, line) for cells, line in rows[1:]] if header else rows
    for cells, line in body:
        parts = [f"{name}: {cell}" if name else cell for name, cell in zip(header or [""] * len(cells), cells) if cell]
        builder.add([("; ".join(parts), line)], "table_row")
    return position
