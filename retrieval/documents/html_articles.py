"""Reading a web page (HTML) as an article, with trafilatura.

trafilatura finds the page's main text (leaving out menus, sidebars, footers and comments) and its
details: title, author, date, site name and canonical URL. Its result is a tree of blocks
(headings, paragraphs, lists, quotes, code, tables), which `read_html` writes out twice: as the
plain text a reader sees (the article's quotable text) and as Markdown (what `python -m bot add`
keeps in the collection).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.documents.extracted_article import ExtractedArticle

_HTTP_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class _Block:
    """One block of the page: `kind` is heading, paragraph, list_item, quote, code or table;
    `level` a heading's level or a list item's depth; `number` an ordered item's number (0: a
    bullet); `rows` a table's cells, row by row."""

    kind: str
    text: str = ""
    level: int = 0
    number: int = 0
    rows: tuple[tuple[str, ...], ...] = ()


def read_html(content: bytes | str, url: str | None = None) -> ExtractedArticle:
    """The article in a web page's `content` (bytes: the encoding is found from the page).
    `url` is where it was fetched from, used when the page names no canonical address.
    ValueError when the page holds no article text."""
    import trafilatura  # imported here: loading it takes a while, and only HTML needs it
    from trafilatura.settings import set_date_params

    document = trafilatura.bare_extraction(
        content,
        url=url,
        with_metadata=True,
        include_comments=False,  # readers' comments are not the article
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        # Only a date the page states as its own: the extensive search guesses one from any
        # date in the text (a copyright year becomes "2024-01-01").
        date_extraction_params=set_date_params(extensive=False),
    )
    blocks = [] if document is None or document.body is None else _blocks(document.body)
    title = _clean(document.title) if document is not None else ""
    if blocks and blocks[0].kind == "heading" and (blocks[0].level == 1 or _same_words(blocks[0].text, title)):
        # The page's own first heading is its title (trafilatura may take one from a dialog or
        # menu); shown as the title, it is not body text.
        title = blocks[0].text
        blocks = blocks[1:]
    blocks = [block for block in blocks if block.text or block.rows]
    if not any(block.kind != "heading" for block in blocks):
        raise ValueError("no article text found in the page")
    page_url = _clean(document.url) if document is not None else ""
    return ExtractedArticle(
        text="\n\n".join(_plain(block) for block in blocks),
        title=title,
        author=_clean(document.author),
        published=_clean(document.date),
        publisher=_clean(document.sitename),
        url=page_url if _HTTP_URL.match(page_url) else (url if url and _HTTP_URL.match(url) else None),
        markdown="\n\n".join(_markdown(block) for block in blocks),
    )


def _blocks(element, depth: int = 0) -> list[_Block]:
    """The blocks inside `element` (trafilatura's body or a quote), in reading order."""
    blocks: list[_Block] = []
    _loose_text(element.text, blocks)
    for child in element:
        tag = child.tag
        if tag == "head":
            rend = child.get("rend", "")
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
            blocks.append(_Block("heading", _inline(child), level=level))
        elif tag == "list":
            blocks.extend(_list_items(child, depth))
        elif tag == "quote":
            inner = _blocks(child, depth) if any(grand.tag in ("p", "list") for grand in child) else [
                _Block("paragraph", _inline(child))
            ]
            blocks.extend(_Block("quote", b.text) if b.kind == "paragraph" else b for b in inner)
        elif tag == "code":
            blocks.append(_Block("code", "".join(child.itertext()).strip("\n")))
        elif tag == "table":
            rows = tuple(
                tuple(_inline(cell) for cell in row if cell.tag == "cell") for row in child if row.tag == "row"
            )
            rows = tuple(row for row in rows if any(row))
            if rows:
                blocks.append(_Block("table", rows=rows))
        elif tag != "graphic":
            blocks.append(_Block("paragraph", _inline(child)))
        _loose_text(child.tail, blocks)
    return blocks


def _list_items(element, depth: int) -> list[_Block]:
    ordered = element.get("rend") == "ol"
    blocks: list[_Block] = []
    for number, item in enumerate((child for child in element if child.tag == "item"), start=1):
        blocks.append(_Block("list_item", _inline(item, skip="list"), level=depth, number=number if ordered else 0))
        for nested in item:
            if nested.tag == "list":
                blocks.extend(_list_items(nested, depth + 1))
    return blocks


def _loose_text(text: str | None, blocks: list[_Block]) -> None:
    if text and text.strip():
        blocks.append(_Block("paragraph", _clean(text)))


def _inline(element, skip: str = "") -> str:
    """The text of `element` on one line, whitespace runs made one space (a line break too)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append(" ")
        elif child.tag != skip:
            parts.append(_inline(child, skip))
        parts.append(child.tail or "")
    return _clean("".join(parts))


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _same_words(first: str, second: str) -> bool:
    return first.casefold() == second.casefold()


def _plain(block: _Block) -> str:
    """A block as the reader sees it."""
    if block.kind == "list_item":
        return f"{block.number}. {block.text}" if block.number else f"- {block.text}"
    if block.kind == "table":
        return "\n\n".join(" | ".join(row) for row in block.rows)
    return block.text


def _markdown(block: _Block) -> str:
    """A block as Markdown whose rendered text is `_plain(block)`."""
    if block.kind == "heading":
        return "#" * min(max(block.level, 1), 6) + " " + _escape(block.text)
    if block.kind == "list_item":
        marker = f"{block.number}." if block.number else "-"
        return "   " * block.level + f"{marker} {_escape(block.text)}"
    if block.kind == "quote":
        return "> " + _escape(block.text)
    if block.kind == "code":
        longest = max((len(run) for run in re.findall(r"`+", block.text)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}\n{block.text}\n{fence}"
    if block.kind == "table":
        width = max(len(row) for row in block.rows)
        lines = [_table_line(row, width) for row in block.rows]
        lines.insert(1, "|" + " --- |" * width)
        return "\n".join(lines)
    return _escape(block.text)


def _table_line(row: tuple[str, ...], width: int) -> str:
    cells = [_escape(cell, line_start=False).replace("|", "\\|") for cell in row]
    cells += [""] * (width - len(cells))
    return "| " + " | ".join(cells) + " |"


# What Markdown would read as markup inside a line, and only that, so the Markdown stays readable:
# a backslash before punctuation, a backtick, a '*' or '_' that could open or close emphasis (not
# one between spaces, nor '_' inside a word), a '[' that would start a link, a '<' that would start
# HTML, a '&' that would start an entity.
_INLINE_MARKUP = re.compile(
    r"\\(?=[!-/:-@\[-`{-~])|`|(?<!\s)\*|\*(?!\s)|(?<![^\W_])_(?!\s)|(?<!\s)_(?![^\W_])"
    r"|\[(?=[^\]]*\][(\[:])|<(?=[A-Za-z/!?])|&(?=#?\w+;)"
)
# What would make a line a heading, quote, list item or rule.
_LINE_MARKUP = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+*](?=\s)|\d{1,9}(?=[.)]\s)|[-=_]{3,}\s*$)")


def _escape(text: str, line_start: bool = True) -> str:
    escaped = _INLINE_MARKUP.sub(lambda match: "\\" + match.group(0), text)
    if line_start:
        escaped = _LINE_MARKUP.sub(lambda match: _escape_start(match.group(0)), escaped, count=1)
    return escaped


def _escape_start(start: str) -> str:
    if start[0].isdigit():
        return start + "\\"  # "1\." : the mark after the number is what makes the list
    return "\\" + start
