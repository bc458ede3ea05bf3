"""Reading a PDF as an article, with pypdf: its text page by page, and where each page starts.

pypdf gives each page's text as the lines the page shows. A reader sees paragraphs, so lines are
joined into paragraphs again: a paragraph ends at a line clearly shorter than the page's lines, and
one starts at a bullet or a numbered heading. The running header or footer that repeats on most
pages and bare page numbers are page furniture, left out. Pages are never joined, so each page's
text starts at a known offset and a quote's page is known.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from retrieval.chinese import CJK_CHAR
from retrieval.extracted_article import ExtractedArticle

# A line shorter than this share of the document's usual line length ends its paragraph.
SHORT_LINE_SHARE = 0.85
# The usual line length: this percentile of the lengths of all lines.
LINE_LENGTH_PERCENTILE = 0.8
# A first or last line that repeats (digits aside) on at least this share of the pages, with at
# least FURNITURE_MIN_PAGES pages, is a running header or footer.
FURNITURE_SHARE = 0.5
FURNITURE_MIN_PAGES = 3

_PAGE_NUMBER = re.compile(r"^\W*(page\s*)?\d{1,4}(\s*(/|of)\s*\d{1,4})?\W*$", re.IGNORECASE)
_STARTS_BLOCK = re.compile(r"^([•◦▪●○■□►–—*-]\s|\d{1,3}(\.\d{1,3})*\.?\s+\S|[A-Z]\.\s)")
_CJK_EDGE = re.compile(f"[{CJK_CHAR}\u3000-\u303f\uff00-\uffef]")
_SPLIT_WORD = re.compile(r"[a-z]{2}-$")
_FILE_NAME_TITLE = re.compile(r"(^Microsoft \w+ - )|(\.(docx?|pdf|pptx?|odt|tex|rtf|indd)$)|^untitled$", re.I)


def read_pdf(content: bytes) -> ExtractedArticle:
    """The article in a PDF's bytes: `text` page after page (`page_starts` says where each
    starts), the title, author and date from the document's details or its first line, and the
    address it was published at from its details' /URL (which `python -m bot add URL` records).
    ValueError when the PDF cannot be read or holds no text (a scan has none)."""
    from pypdf import PdfReader  # imported here: only PDFs need it

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValueError("is encrypted with a password")
        pages = [(page.extract_text() or "") for page in reader.pages]
        metadata = reader.metadata or {}
    except ValueError as error:
        raise ValueError(f"cannot be read as a PDF: {error}") from None
    except Exception as error:  # a damaged PDF makes pypdf raise about anything
        raise ValueError(f"cannot be read as a PDF ({type(error).__name__}: {error})") from None

    page_lines = [[line.strip() for line in page.replace("\r", "\n").split("\n")] for page in pages]
    first_line = next((line for lines in page_lines for line in lines if line), "")
    page_lines = _without_furniture(page_lines)
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
    """The pages' lines without bare page numbers and the header or footer most pages repeat."""
    def edge_keys(position: int) -> Counter:
        keys = (_furniture_key(_edge(lines, position)) for lines in page_lines)
        return Counter(key for key in keys if key)

    wanted = max(FURNITURE_MIN_PAGES, FURNITURE_SHARE * len(page_lines))
    repeated = {
        position: {key for key, count in edge_keys(position).items() if count >= wanted} for position in (0, -1)
    }
    cleaned: list[list[str]] = []
    for lines in page_lines:
        lines = [line for line in lines if line]
        for position in (0, -1, 0, -1):  # a header above a page number, or a number above a footer
            if lines and (_PAGE_NUMBER.match(lines[position]) or _furniture_key(lines[position]) in repeated[position]):
                lines.pop(position)
        cleaned.append(lines)
    return cleaned


def _edge(lines: list[str], position: int) -> str:
    kept = [line for line in lines if line]
    return kept[position] if kept else ""


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
        if ended or _STARTS_BLOCK.match(line):
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
