"""Adding one article to a collection, from a web address or from a web page or PDF on disk
(`python -m bot add`).

A web page is extracted (`retrieval/documents/html_articles.py`) and kept as a Markdown file with a header
(`retrieval/adding/article_files.py`). A PDF is kept as a PDF, so that its quotes can name their page; one
fetched from an address is kept with that address in its details (/URL), so its quotes link to it.
Nothing is written unless the new file loads as the collection will load it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from retrieval.text.chinese import CJK_CHAR, CJK_CHAR_WEIGHT
from retrieval.adding.article_files import file_name_for, markdown_article, write_new_file
from retrieval.documents.corpus import read_article
from retrieval.adding.page_fetch import FETCH_TIMEOUT_SECONDS, MAX_DOWNLOAD_BYTES, FetchError, fetch_page

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# A page whose main text is shorter than this (a menu, a redirect notice, "Home") is no article.
MIN_ARTICLE_CHARS = 80
_CJK = re.compile(f"[{CJK_CHAR}]")
_URL_LINE = re.compile(r"^url:[ \t]*(.*?)[ \t]*$", re.MULTILINE)


class AddError(Exception):
    """The article cannot be added; the message says why in one line."""


@dataclass(frozen=True)
class AddedArticle:
    """The file written into the collection, and the article's title and address."""

    path: Path
    title: str
    url: str | None


def add_article(
    source: str, directory: Path, timeout: float = FETCH_TIMEOUT_SECONDS, max_bytes: int = MAX_DOWNLOAD_BYTES
) -> AddedArticle:
    """Add the article at `source` (an http(s) address, or the path of an .html, .htm or .pdf
    file) to the collection in `directory`; AddError says why it cannot be."""
    if re.match(r"^https?://", source, re.IGNORECASE):
        try:
            page = fetch_page(source, timeout, max_bytes)
        except FetchError as error:
            raise AddError(str(error)) from None
        kind, content, url = _kind_of_answer(page.media_type, page.content), page.content, page.url
        text_content = _decoded(content, page.charset) if kind == "html" else content
        pdf_name = file_name_for("", url, ".pdf")  # a PDF's title is often a guess; its address's name is not
    else:
        path = Path(source)
        if path.is_dir():
            raise AddError("is a directory: name its files (DIR/*.html DIR/*.pdf)")
        if not path.is_file():
            raise AddError("no such file, and not an http(s) address")
        kind, url = _kind_of_file(path), None
        try:
            content = path.read_bytes()
        except OSError as error:
            raise AddError(f"cannot be read ({error.strerror or error})") from None
        text_content, pdf_name = content, file_name_for(path.stem, None, ".pdf")

    if kind == "html":
        name, data, title, url = _web_page(text_content, url)
    else:
        name, data, title, url = _pdf(content, url, pdf_name)
    try:
        read_article(name, data)  # what start-up will do with the file
    except ValueError as error:
        raise AddError(str(error)) from None
    if url and (existing := _file_with_url(directory, url)) is not None:
        raise AddError(f"already in the collection as {existing.name}")
    try:
        written = write_new_file(directory, name, data)
    except OSError as error:
        raise AddError(f"cannot write into {directory} ({error.strerror or error})") from None
    return AddedArticle(written, title, url)


def _web_page(content: bytes | str, url: str | None) -> tuple[str, bytes, str, str | None]:
    from retrieval.documents.html_articles import read_html

    try:
        page = read_html(content, url)
    except ValueError as error:
        raise AddError(str(error)) from None
    if _reading_length(page.text) < MIN_ARTICLE_CHARS:
        raise AddError(f"no article text found in the page (only {' '.join(page.text.split())[:60]!r})")
    address = page.url or url  # the page's canonical address, without a link's tracking parameters
    name = file_name_for(page.title, address, ".md")
    return name, markdown_article(page, address).encode("utf-8"), page.title, address


def _pdf(content: bytes, url: str | None, name: str) -> tuple[str, bytes, str, str | None]:
    from retrieval.documents.pdf_articles import read_pdf, with_source_url

    try:
        document = read_pdf(content)
        if url:
            content = with_source_url(content, url)
    except ValueError as error:
        raise AddError(str(error)) from None
    return name, content, document.title, url or document.url


def _kind_of_answer(media_type: str, content: bytes) -> str:
    """"html" or "pdf" from the media type the server sent (or, when it sent none or a vague
    one, from the first bytes); AddError for anything else."""
    if media_type in _HTML_TYPES:
        return "html"
    if media_type == "application/pdf":
        return "pdf"
    if media_type in ("", "application/octet-stream", "binary/octet-stream"):
        start = content[:1024].lstrip().lower()
        if start.startswith(b"%pdf-"):
            return "pdf"
        if start.startswith((b"<!doctype html", b"<html")):
            return "html"
    raise AddError(f"not a web page or PDF (the server sent {media_type or 'something unnamed'})")


def _kind_of_file(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    if suffix == ".pdf":
        return "pdf"
    if suffix in (".md", ".txt"):
        raise AddError("is already a text article: copy it into the collection as it is")
    raise AddError("not a web page or PDF file (.html, .htm or .pdf)")


def _decoded(content: bytes, charset: str | None) -> bytes | str:
    """The page as text when the server named its charset; else the bytes, whose encoding
    trafilatura finds from the page itself."""
    if not charset:
        return content
    try:
        return content.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return content


def _file_with_url(directory: Path, url: str) -> Path | None:
    """A Markdown file in the collection whose header names `url`, or None."""
    wanted = url.rstrip("/")
    for path in sorted(directory.rglob("*.md")):
        try:
            head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
        except OSError:
            continue
        if not head.startswith("---"):
            continue
        match = _URL_LINE.search(head.split("\n---", 1)[0])
        if match and match.group(1).strip("\"'").rstrip("/") == wanted:
            return path
    return None


def _reading_length(text: str) -> int:
    """The length of `text` in Latin characters, a Chinese character counting as CJK_CHAR_WEIGHT."""
    return len(text) + (CJK_CHAR_WEIGHT - 1) * len(_CJK.findall(text))
