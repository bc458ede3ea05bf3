"""Structure among an article's paragraphs: short stand-alone lines without sentence punctuation
(plain-text headings, datelines, bylines, "Source: …", captions) are not body text.

`label_blocks` decides, for each block a reader produced, whether it is body, a heading (which
labels the body under it: its `section`), the line repeating the title, or a detail line (dateline,
byline, source), whose spans become the article's details.
"""

from __future__ import annotations

import re
from dataclasses import replace

from retrieval.documents.blocks import LABEL_LEVEL, Block
from retrieval.documents.wrapped_lines import reading_length, starts_list_item

# A structure line is at most this long (in Latin characters, see `reading_length`).
MAX_STRUCTURE_CHARS = 90
SECTION_SEPARATOR = " › "

_SENTENCE_END = re.compile(r"[.!?…。！？;；:：][\"'”’」』)）\]】*_]*$")
_DETAIL_OPENING = re.compile(
    r"^(?:by|source|sources|author|authors|written by|posted|published|updated|photo|photos|"
    r"image|credit|credits|editor|edited by|reporter)\b[\s:：]|^(?:作者|来源|來源|出品|撰文|编辑|編輯|责编|責編|文|图|圖)\s*[:：|丨｜/]",
    re.IGNORECASE,
)
# A caption names what it stands under or above: "Figure 4-7: …", "Table B-1: Operators",
# "Listing 3-2", "Filename: src/main.rs", "图 1：…".
_CAPTION = re.compile(
    r"^(?:figure|fig\.|table|listing|chart|diagram|image|photo|picture)\s*[A-Z]?[\d.\-–]*\d\w*\s*(?:[:：.]|$)"
    r"|^(?:filename|file name|file)\s*[:：]|^[图圖表]\s*\d+",
    re.IGNORECASE,
)
# In a text with headings, a short line of at least this many words is text, not a label.
MIN_BODY_WORDS = 2
_WORD = re.compile(r"[\u3400-\u9fff]|[^\W\d_\u3400-\u9fff]+|\d+")
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    r"(?<!\d)\d{1,4}[/-]\d{1,2}[/-]\d{1,4}(?!\d)|(?<!\d)\d{1,2}/\d{1,2}\s+\d{4}(?!\d)|\d{4}\s*年\s*\d{1,2}\s*月"
    rf"|(?<![\w.])\d{{1,2}}:\d{{2}}(?!\d)|\b{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}\b",
    re.IGNORECASE,
)


def is_structure_line(text: str) -> bool:
    """True for a short stand-alone line without sentence punctuation at its end, holding some
    letter or digit, and not a list item."""
    text = text.strip()
    return (
        0 < reading_length(text) <= MAX_STRUCTURE_CHARS
        and "\n" not in text
        and not _SENTENCE_END.search(text)
        and any(ch.isalnum() for ch in text)
        and not starts_list_item(text)
    )


def is_detail_line(text: str) -> bool:
    """True for a structure line that states a detail of the article: a byline, a source, a date."""
    return bool(_DETAIL_OPENING.search(text.strip()) or _DATE.search(text))


def is_lone_word(text: str) -> bool:
    """True for a line of fewer than MIN_BODY_WORDS words (runs of letters or digits; a Chinese
    character is one): page furniture ("[edit]"), a signature ("-Ryan"), a stray label."""
    return len(_WORD.findall(text)) < MIN_BODY_WORDS


def is_caption(text: str) -> bool:
    """True for a structure line naming a figure, table, listing or file it stands by."""
    return _CAPTION.search(text.strip()) is not None


def label_blocks(text: str, blocks: tuple[Block, ...], title: str) -> tuple[tuple[Block, ...], tuple[tuple[int, int], ...]]:
    """The blocks with structure paragraphs told apart and every body block's `section` set, and
    the spans of the detail lines. A paragraph repeating `title` is the title line (a heading of
    level 1); other structure paragraphs are details when they state one, else headings one level
    below every Markdown heading, or, in a text with headings of its own, labels (captions) that
    head nothing. In such a text any other short paragraph of MIN_BODY_WORDS words or more is body
    ("default: 'docs'", "Context: #3500"): its writer marks headings as headings, so a short line
    there is text of its own, while a lone word is furniture ("[edit]")."""
    labelled: list[Block] = []
    details: list[tuple[int, int]] = []
    headings: list[tuple[int, str]] = []
    # Where the text has headings of its own, a short line is a caption ("Figure 4-7: A string
    # slice"), furniture ("[edit]") or text, not the heading of everything down to the next heading.
    has_headings = any(block.kind == "heading" for block in blocks)
    for block in blocks:
        content = text[block.start : block.end]
        if block.kind == "paragraph" and _same_words(content, title):
            block = replace(block, kind="title", level=1)
        elif block.kind == "paragraph" and is_structure_line(content):
            if is_detail_line(content):
                labelled.append(replace(block, kind="detail"))
                details.append((block.start, block.end))
                continue
            elif has_headings:
                if is_caption(content) or is_lone_word(content):
                    labelled.append(replace(block, kind="label"))
                    continue
            else:
                block = replace(block, kind="heading", level=LABEL_LEVEL)
        if block.kind in ("heading", "title"):
            while headings and headings[-1][0] >= block.level:
                headings.pop()
            headings.append((block.level, content.strip()))
            labelled.append(block)
            continue
        labelled.append(replace(block, section=SECTION_SEPARATOR.join(words for _, words in headings)))
    return tuple(labelled), tuple(details)


def _same_words(line: str, title: str) -> bool:
    return bool(title) and " ".join(line.split()).casefold() == " ".join(title.split()).casefold()
