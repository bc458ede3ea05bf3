"""Reading a PDF as an article, with pypdf: its text page by page, and where each page starts.

pypdf gives each page's text as the lines the page shows. A reader sees paragraphs, so lines are
joined into paragraphs again: a paragraph ends at a line clearly shorter than the page's lines, and
one starts at a bullet or a numbered heading. Page furniture is left out: the running header or
footer that repeats on most pages, bare page numbers, the dotted lines of a table of contents.
Pages are never joined, so each page's text starts at a known offset and a quote's page is known.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter

from retrieval.text.chinese import CJK_CHAR
from retrieval.documents.extracted_article import ExtractedArticle

# A line shorter than this share of the document's usual line length ends its paragraph.
SHORT_LINE_SHARE = 0.85
# The usual line length: this percentile of the lengths of all lines.
LINE_LENGTH_PERCENTILE = 0.8
# A first or last line that repeats (digits aside) on at least this share of the pages, and at
# least FURNITURE_MIN_PAGES pages, is a running header or footer (books alternate two: a share of
# 0.5 would miss them).
FURNITURE_SHARE = 0.3
FURNITURE_MIN_PAGES = 3
# A header or footer carrying the printed page number needs fewer pages to be known (numbers that
# keep the same distance from the page's place in the file are no coincidence).
NUMBERED_FURNITURE_SHARE = 0.1
# A first line longer than this is no title (for a PDF whose details name none).
MAX_TITLE_WORDS = 20

# A table of contents' line: a title, dot leaders, a page number ("2.1 Naming . . . . . 3").
_CONTENTS_LINE = re.compile(r"(\.\s?){4,}\s*\d{1,4}$")
_PAGE_NUMBER = re.compile(r"^\W*((page\s*)?\d{1,4}(\s*(/|of)\s*\d{1,4})?|[ivxlc]{1,7})\W*$", re.IGNORECASE)
_STARTS_BLOCK = re.compile(r"^([•◦▪●○■□►–—*-]\s|\d{1,3}(\.\d{1,3})*\.?\s+\S|[A-Z]\.\s)")
# Typographic ligatures as the letters they draw ("ﬁrst" is "first" to a reader and a search).
_LIGATURES = {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0xFB00, 0xFB07)}
_CJK_EDGE = re.compile(f"[{CJK_CHAR}\u3000-\u303f\uff00-\uffef]")
_SPLIT_WORD = re.compile(r"[a-z]{2}-$")
# A title that is the name of the file the PDF was made from ("Microsoft Word - report.docx",
# "single.dvi"), not the document's title.
_FILE_NAME_TITLE = re.compile(r"^Microsoft \w+ - |^\S+\.\w{1,5}$|^untitled$", re.I)
# The first line that can stand as a title: it has a word of at least three letters.
_TITLE_LIKE = re.compile(r"[^\W\d_]{3}")


def read_pdf(content: bytes) -> ExtractedArticle:
    """The article in a PDF's bytes: `text` page after page (`page_starts` says where each
    starts), the title, author and date from the document's details or its first line, and the
    address it was published at from its details' /URL (which `python -m bot add URL` records).
    ValueError when the PDF cannot be read or holds no text (a scan has none)."""
    from pypdf import PdfReader  # imported here: only PDFs need it

    # pypdf warns, in a long line each time, of every font it cannot fully decode (and of small
    # damage it repairs): noise to whoever loads a collection. Text it could not decode is missing.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValueError("is encrypted with a password")
        pages = [(page.extract_text() or "").translate(_LIGATURES) for page in reader.pages]
        metadata = reader.metadata or {}
    except ValueError as error:
        raise ValueError(f"cannot be read as a PDF: {error}") from None
    except Exception as error:  # a damaged PDF makes pypdf raise about anything
        raise ValueError(f"cannot be read as a PDF ({type(error).__name__}: {error})") from None

    raw_lines = [[line.strip() for line in page.replace("\r", "\n").split("\n")] for page in pages]
    # The first line with words, looked for before the furniture goes: a running header is often
    # the title, which then stands on the first page too.
    first_line = next(
        (line for lines in raw_lines for line in lines if _TITLE_LIKE.search(line) and not _PAGE_NUMBER.match(line)), ""
    )
    page_lines = _without_furniture(raw_lines)
    if first_line.endswith(".") or len(first_line.split()) > MAX_TITLE_WORDS:
        first_line = ""  # a sentence, not a title
    usual = _usual_length([line for lines in page_lines for line in lines if line])
    title = _details_text(metadata.get("/Title"))
    if not title or _FILE_NAME_TITLE.search(title):
        title = first_line[:200]

    texts: list[str] = []
    page_starts: list[int] = []
    offset = 0
    for number, lines in enumerate(page_lines):
        paragraphs = _paragraphs(lines, usual)
        if number == 0 and paragraphs and paragraphs[0].casefold() == title.casefold():
            paragraphs = paragraphs[1:]  # the title is shown as the title, never quoted as body text
        page_text = "\n\n".join(paragraphs)
        if texts and page_text:
            offset += 2  # the blank line between two pages
        page_starts.append(offset)
        if page_text:
            texts.append(page_text)
            offset += len(page_text)
    text = "\n\n".join(texts)
    if not text.strip():
        raise ValueError("holds no text (a scanned PDF holds only images of its pages)")
    return ExtractedArticle(
        text=text,
        title=title,
        author=_details_text(metadata.get("/Author")),
        published=_pdf_date(_details_text(metadata.get("/CreationDate"))),
        url=url if re.match(r"^https?://\S+$", url := _details_text(metadata.get("/URL"))) else None,
        page_starts=tuple(page_starts),
    )


def _without_furniture(page_lines: list[list[str]]) -> list[list[str]]:
    """The pages' lines without page furniture: table of contents lines, bare page numbers, and a
    first or last line that many pages repeat (digits aside), or that carries the page's printed
    number ("8 PAGING: INTRODUCTION", "CHAPTER 4. PROTECTED MODE 35": the same distance from the
    page's place in the file on many pages)."""
    pages = [[line for line in lines if line and not _CONTENTS_LINE.search(line)] for lines in page_lines]
    wanted = max(FURNITURE_MIN_PAGES, FURNITURE_SHARE * len(pages))
    repeated: dict[int, set[str]] = {}
    numbered: dict[int, set[int]] = {}
    for position in (0, -1):
        edges = [(index, lines[position]) for index, lines in enumerate(pages) if lines]
        keys = Counter(_furniture_key(line) for _, line in edges)
        repeated[position] = {key for key, count in keys.items() if count >= wanted}
        shifts = Counter(number - index for index, line in edges if (number := _printed_number(line)) is not None)
        numbered[position] = {
            shift for shift, count in shifts.items()
            if count >= max(FURNITURE_MIN_PAGES, NUMBERED_FURNITURE_SHARE * len(pages))
        }

    def is_furniture(index: int, lines: list[str], position: int) -> bool:
        line = lines[position]
        number = _printed_number(line)
        return bool(
            _PAGE_NUMBER.match(line)
            or _furniture_key(line) in repeated[position]
            or (number is not None and number - index in numbered[position])
        )

    cleaned: list[list[str]] = []
    for index, lines in enumerate(pages):
        for position in (0, -1, 0, -1):  # a header above a page number, or a number above a footer
            if lines and is_furniture(index, lines, position):
                lines.pop(position)
        # A long header wrapped onto a second line ("CHAPTER 2. THE BOOT" "PROCESS 4").
        number = _printed_number(lines[1]) if len(lines) > 1 and lines[0].isupper() else None
        if number is not None and number - index in numbered[0]:
            del lines[:2]
        cleaned.append(lines)
    return cleaned


def _printed_number(line: str) -> int | None:
    """The number a header or footer line starts or ends with ("8 PAGING", "MODE 35"), or None."""
    match = re.match(r"^(\d{1,4})\s+\S", line) or re.search(r"\S\s+(\d{1,4})$", line)
    return int(match.group(1)) if match else None


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.casefold())


def _usual_length(lines: list[str]) -> int:
    if not lines:
        return 0
    lengths = sorted(len(line) for line in lines)
    return lengths[min(len(lengths) - 1, int(LINE_LENGTH_PERCENTILE * len(lengths)))]


def _paragraphs(lines: list[str], usual: int) -> list[str]:
    """The page's lines joined into paragraphs (see the module's docstring)."""
    paragraphs: list[str] = []
    current = ""
    ended = True
    for line in lines:
        # A line starting in lower case goes on with the one before, even after a short line (an
        # indented list item's lines are all short), unless that one ended a sentence.
        goes_on = line[:1].islower() and current and not current.endswith((".", "!", "?", ":"))
        if (ended and not goes_on) or _STARTS_BLOCK.match(line):
            if current:
                paragraphs.append(current)
            current = line
        else:
            current = _join(current, line)
        ended = len(line) < SHORT_LINE_SHARE * usual
    if current:
        paragraphs.append(current)
    return paragraphs


def _join(before: str, after: str) -> str:
    """Two lines of one paragraph: a space between them, but none between Chinese characters or
    after a line-end hyphen, which goes too when it splits a lower-case word ("manip-" "ulation")."""
    if _SPLIT_WORD.search(before) and after[:1].islower():
        return before[:-1] + after
    if before.endswith("-") and not before.endswith(" -") or (_CJK_EDGE.match(before[-1]) and _CJK_EDGE.match(after[0])):
        return before + after
    return f"{before} {after}"


def _details_text(value) -> str:
    return " ".join(str(value or "").split())


def _pdf_date(value: str) -> str:
    """A PDF date ("D:20240115083000Z") as "2024-01-15"; "" when it is none."""
    match = re.match(r"^(D:)?(\d{4})(\d{2})?(\d{2})?", value)
    if not match:
        return ""
    return "-".join(part for part in match.groups()[1:] if part)


def with_source_url(content: bytes, url: str) -> bytes:
    """The PDF `content` rewritten with `url` in its details as /URL (which `read_pdf` reads as
    the article's address), its pages and other details unchanged. ValueError when it cannot be."""
    from pypdf import PdfReader, PdfWriter

    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
        writer.add_metadata({"/URL": url})
        out = io.BytesIO()
        writer.write(out)
    except Exception as error:  # a damaged PDF makes pypdf raise about anything
        raise ValueError(f"cannot be rewritten as a PDF ({type(error).__name__}: {error})") from None
    return out.getvalue()
