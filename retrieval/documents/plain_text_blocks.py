"""Plain text rendered as typed blocks (see retrieval/documents/blocks.py): a blank line ends a paragraph,
hard-wrapped lines join, a first line opening with '#' marks is a heading, a line opening with a list marker ("- ", "1. ") starts a list item,
and a file that writes one paragraph per line keeps them apart (retrieval/documents/wrapped_lines.py).
The text is kept as written otherwise: nothing in it is markup."""

from __future__ import annotations

import re

from retrieval.documents.blocks import RenderedText, TextBuilder, split_glued_items
from retrieval.documents.wrapped_lines import paragraph_units, starts_list_item

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(?=\S)")


def render_plain_text(source: str, first_line: int = 1) -> RenderedText:
    """The rendered text and blocks of plain-text `source`, whose first line is line `first_line`
    of its file (after any front matter)."""
    builder = TextBuilder()
    paragraph: list[tuple[str, int]] = []
    for number, line in enumerate(source.split("\n"), start=first_line):
        if line.strip():
            paragraph.append((line, number))
            continue
        _add_paragraph(builder, paragraph)
        paragraph = []
    _add_paragraph(builder, paragraph)
    return builder.build()


def _add_paragraph(builder: TextBuilder, lines: list[tuple[str, int]]) -> None:
    while lines and _HEADING.match(lines[0][0]):  # "# Title", as plain text often borrows it
        marks = _HEADING.match(lines[0][0])
        builder.add([(lines[0][0][marks.end() :], lines[0][1])], "heading", level=len(marks.group(1)))
        lines = lines[1:]
    for first, last in paragraph_units([text for text, _ in lines]):
        for unit in split_glued_items(lines[first:last]):
            builder.add(unit, "list_item" if starts_list_item(unit[0][0]) else "paragraph")
