"""Loading a corpus: a directory of article files, each with an optional metadata header.

A web page (`.html`, `.htm`) or a PDF (`.pdf`) is read by its reader (`retrieval/html_articles.py`,
`retrieval/pdf_articles.py`): its text is what the reader extracts, its details come from the page.
Any other file is UTF-8 text (`.md` or `.txt`). It may start with a header between two `---` lines,
one `key: value` per line, with the keys in HEADER_KEYS; an empty value means unknown. Without a
header, the id is the file name (without extension), the title is the first `# ` heading (or the
first line), and the language is detected from the text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from retrieval.answer import ArticleInfo
from retrieval.extracted_article import ExtractedArticle
from retrieval.language import detect_language

ARTICLE_SUFFIXES = (".md", ".txt", ".html", ".htm", ".pdf")
_HTML_SUFFIXES = (".html", ".htm")
HEADER_KEYS = ("id", "title", "publisher", "author", "published", "language", "url", "translation_of")
LANGUAGES = ("en", "zh-Hant", "zh-Hans")
_DELIMITER = "---"
_ID = re.compile(r"^[\w.-]{1,64}$")


class CorpusError(Exception):
    """The corpus cannot be loaded; `problems` lists every one found, each naming its file."""

    def __init__(self, directory: Path, problems: list[str]):
        self.problems = problems
        if len(problems) == 1:  # one line, as the bots' other start-up errors
            super().__init__(f"cannot load the articles in {directory}: {problems[0].removeprefix(f'{directory}: ')}")
            return
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"cannot load the articles in {directory}:\n{lines}")


@dataclass(frozen=True)
class Article:
    """One article: what is known about it, and its text exactly as it will be quoted."""

    info: ArticleInfo
    text: str
    translation_of: str = ""
    # For a PDF, the offset in `text` where each page starts (page 1 first); () for other files.
    page_starts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Corpus:
    """The articles of one directory, in file-name order, and a digest of their content."""

    directory: Path
    articles: tuple[Article, ...]
    digest: str


def load_corpus(directory: str | Path) -> Corpus:
    """Read every article file in `directory`; raise CorpusError listing all bad files."""
    directory = Path(directory)
    try:
        if not directory.exists():
            raise CorpusError(directory, [f"{directory}: no such directory"])
        if not directory.is_dir():
            raise CorpusError(directory, [f"{directory}: not a directory"])
        files = sorted(
            path
            for path in directory.iterdir()
            if path.suffix.lower() in ARTICLE_SUFFIXES and not path.name.startswith(".")
        )
    except OSError as error:  # e.g. a directory (or a mount) this user may not read
        raise CorpusError(directory, [f"{directory}: cannot be read ({error.strerror or error})"]) from None
    if not files:
        raise CorpusError(directory, [f"{directory}: no article files (*.md, *.txt, *.html, *.htm or *.pdf)"])

    problems: list[str] = []
    articles: list[Article] = []
    seen: dict[str, str] = {}
    digest = hashlib.sha256()
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as error:
            problems.append(f"{path.name}: cannot be read ({error.strerror or error})")
            continue
        digest.update(path.name.encode() + b"\0" + raw + b"\0" + _reader_version(path.name).encode())
        try:
            article = read_article(path.name, raw)
        except ValueError as error:
            problems.append(f"{path.name}: {error}")
            continue
        if article.info.id in seen:
            problems.append(
                f"{path.name}: id {article.info.id!r} is already used by {seen[article.info.id]}"
            )
            continue
        seen[article.info.id] = path.name
        articles.append(article)
    for article in articles:
        if article.translation_of and article.translation_of not in seen:
            problems.append(
                f"{seen[article.info.id]}: translation_of names {article.translation_of!r}, "
                "which is no article here"
            )
    if problems:
        raise CorpusError(directory, problems)
    return Corpus(directory, tuple(articles), digest.hexdigest())


def read_article(file_name: str, raw: bytes) -> Article:
    """One article from a file's bytes, read as its suffix says; ValueError says what is wrong."""
    suffix = Path(file_name).suffix.lower()
    if suffix in _HTML_SUFFIXES:
        from retrieval.html_articles import read_html

        page = read_html(raw)
        # The page's Markdown is read as a .md file is (an empty header: its title is no heading),
        # so its headings, lists and code are what they are in Markdown.
        article = parse_article(file_name, f"{_DELIMITER}\n{_DELIMITER}\n{page.markdown}".encode())
        return _extracted_article(file_name, page, article.text)
    if suffix == ".pdf":
        from retrieval.pdf_articles import read_pdf

        document = read_pdf(raw)
        return _extracted_article(file_name, document, document.text)
    return parse_article(file_name, raw)


def _reader_version(file_name: str) -> str:
    """The version of the library that reads a file of this name ("" for text files): a new
    version may extract other text, so the index built from the old text must not be reused."""
    from importlib.metadata import version

    suffix = Path(file_name).suffix.lower()
    if suffix in _HTML_SUFFIXES:
        return "trafilatura " + version("trafilatura")
    return "pypdf " + version("pypdf") if suffix == ".pdf" else ""


def _extracted_article(file_name: str, extracted: ExtractedArticle, text: str) -> Article:
    """The article with the `text` and the details a reader extracted from the file `file_name`;
    its id is the file's name."""
    article_id = Path(file_name).stem
    if not _ID.match(article_id):
        raise ValueError(
            f"id {article_id!r} is not usable: use up to 64 letters, digits, '.', '_' or '-'"
        )
    info = ArticleInfo(
        id=article_id,
        title=extracted.title,
        publisher=extracted.publisher,
        author=extracted.author,
        published=extracted.published,
        lang=detect_language(text),
        url=extracted.url,
        path=file_name,
    )
    return Article(info=info, text=text, page_starts=extracted.page_starts)


def parse_article(file_name: str, raw: bytes) -> Article:
    """One article from a file's bytes; ValueError says what is wrong with it."""
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (bad byte at position {error.start})") from None
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in content:
        raise ValueError("holds NUL bytes: not a text file")
    header, body = _split_header(content)
    text = body.strip("\n")
    if header is None:
        title, text = _title_from_text(text)
        header = {"title": title}
    if not text.strip():
        raise ValueError("has no article text")

    article_id = header.get("id") or Path(file_name).stem
    if not _ID.match(article_id):
        raise ValueError(
            f"id {article_id!r} is not usable: use up to 64 letters, digits, '.', '_' or '-'"
        )
    language = header.get("language") or detect_language(text)
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    url = header.get("url") or None
    if url is not None and not re.match(r"^https?://\S+$", url):
        raise ValueError(f"url {url!r} is not an http(s) address")
    info = ArticleInfo(
        id=article_id,
        title=header.get("title", ""),
        publisher=header.get("publisher", ""),
        author=header.get("author", ""),
        published=header.get("published", ""),
        lang=language,
        url=url,
    )
    return Article(info=info, text=text, translation_of=header.get("translation_of", ""))


def _split_header(content: str) -> tuple[dict[str, str] | None, str]:
    lines = content.split("\n")
    if not lines or lines[0].strip() != _DELIMITER:
        return None, content
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() == _DELIMITER)
    except StopIteration:
        raise ValueError("header opened with '---' on line 1 is never closed") from None
    header: dict[str, str] = {}
    for number, line in enumerate(lines[1:close], start=2):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        key = key.strip()
        if not colon:
            raise ValueError(f"header line {number} is not 'key: value': {line.strip()[:60]!r}")
        if key not in HEADER_KEYS:
            raise ValueError(
                f"header line {number} has unknown key {key!r} (known: {', '.join(HEADER_KEYS)})"
            )
        if key in header:
            raise ValueError(f"header line {number} repeats key {key!r}")
        header[key] = value.strip()
    return header, "\n".join(lines[close + 1 :])


def _title_from_text(text: str) -> tuple[str, str]:
    """The first `# ` heading (taken out of the text) or else the first line (left in)."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return "", text
    line = lines[first].strip()
    if line.startswith("# "):
        return line[2:].strip(), "\n".join(lines[first + 1 :]).strip("\n")
    return line[:200], text
