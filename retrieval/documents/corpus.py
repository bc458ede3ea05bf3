"""Loading a corpus: a directory (read recursively) of article files, each with optional front matter.

A web page (`.html`, `.htm`) or a PDF (`.pdf`) is read by its reader (`retrieval/documents/html_articles.py`,
`retrieval/documents/pdf_articles.py`): its text is what the reader extracts (a page's Markdown rendered as a
`.md` file is), its details come from the page. Any other file is UTF-8 text: Markdown (`.md`,
`.markdown`, rendered by retrieval/documents/markdown_blocks.py) or plain text (`.txt`,
retrieval/documents/plain_text_blocks.py). It may start with front matter (YAML between
`---` lines, TOML between `+++` lines, see retrieval/documents/front_matter.py); keys we do not use are
ignored, and named once for the whole collection. Without front matter the id is the file's path
in the collection without its suffix (made safe when it is long or odd, retrieval/documents/article_ids.py),
the title is the first heading (or the first line), and the language is detected from the text.

`Article.text` is the rendered text: every offset refers to it and every quote is verbatim from it.

Loading is two steps, so that a cache of parsed articles can be keyed by the digest alone:
`list_corpus` lists the files and computes their digest (of the SHA-256 of each file's bytes, read
again only when its stat changed: retrieval/storage/file_hashes.py); `parse_corpus` reads and parses them
one at a time (a large collection's bytes are never all in memory beside its parsed articles).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath

from retrieval.answer import ArticleInfo
from retrieval.documents.article_ids import id_for_path, is_usable_id
from retrieval.documents.article_summaries import ArticleSummary, summarize
from retrieval.documents.blocks import BLOCK_SEPARATOR, BODY_KINDS, Block, RenderedText, source_line
from retrieval.documents.extracted_article import ExtractedArticle
from retrieval.storage.file_hashes import FileHashes
from retrieval.documents.front_matter import split_front_matter
from retrieval.text.language import detect_language
from retrieval.documents.markdown_blocks import render_markdown
from retrieval.documents.plain_text_blocks import render_plain_text
from retrieval.documents.source_links import COLLECTION_CONFIG, check_url_template, collection_url_template, url_for
from retrieval.documents.structure_lines import label_blocks

log = logging.getLogger(__name__)

# How each kind of file becomes rendered text, by suffix: (source text, its first line) in.
TEXT_READERS: dict[str, Callable[[str, int], RenderedText]] = {
    ".md": render_markdown,
    ".markdown": render_markdown,
    ".txt": render_plain_text,
}
# Files read by a library that extracts their text (HTML, PDF): see `_read_extracted`.
EXTRACTED_SUFFIXES = (".html", ".htm", ".pdf")
ARTICLE_SUFFIXES = tuple(TEXT_READERS) + EXTRACTED_SUFFIXES
LANGUAGES = ("en", "zh-Hant", "zh-Hans")
DETAILS_SEPARATOR = " · "
# A title taken from the first line of a file without headings is at most this long.
MAX_DERIVED_TITLE_CHARS = 200


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
    """One article: what is known about it, and its rendered text exactly as it will be quoted.

    `blocks` are its typed blocks (retrieval/documents/blocks.py) in reading order; `details` the spans of
    its detail lines (dateline, byline, "Source: …"), which are never the body of a quote;
    `line_marks` map offsets in `text` to source lines (see `source_line`)."""

    info: ArticleInfo
    text: str
    translation_of: str = ""
    # For a PDF, the offset in `text` where each page starts (page 1 first); () for other files.
    page_starts: tuple[int, ...] = ()
    blocks: tuple[Block, ...] = ()
    details: tuple[tuple[int, int], ...] = ()
    line_marks: tuple[tuple[int, int], ...] = ()
    description: str = ""
    tags: tuple[str, ...] = ()
    # The front matter keys this article has that are not used (said once for the collection).
    ignored_keys: tuple[str, ...] = ()

    def source_line(self, offset: int) -> int | None:
        """The line of the source file the text at `offset` comes from (None when unknown)."""
        return source_line(self.line_marks, offset)

    def heading_above(self, offset: int, kinds: tuple[str, ...] = ("heading", "title")) -> tuple[int, int] | None:
        """The span of the heading (or title line; the block kinds `kinds` name) right before
        the block starting at `offset`, or None when another block comes between them."""
        position = bisect_left(self.blocks, offset, key=lambda block: block.start)
        if position > 0 and self.blocks[position - 1].kind in kinds:
            return self.blocks[position - 1].start, self.blocks[position - 1].end
        return None

    def code_spans(self, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """The spans of the code blocks that overlap `text[start:end]`."""
        end = len(self.text) if end is None else end
        return [(b.start, b.end) for b in self.blocks if b.kind == "code" and b.start < end and start < b.end]


@dataclass(frozen=True)
class Corpus:
    """The articles of one directory, in path order, and a digest of their content.

    `articles` is a tuple when parsed; read from the cache it is a sequence that reads each
    article when first asked for (retrieval/cache/lazy_articles.py): code that walks every
    article for what it knows of them, not their text, walks `summaries`."""

    directory: Path
    articles: Sequence[Article]
    digest: str
    # Notes about the collection that are no problem (front matter keys not used), said once.
    notes: tuple[str, ...] = ()

    @cached_property
    def summaries(self) -> Sequence[ArticleSummary]:
        """Each article's summary (retrieval/documents/article_summaries.py), in corpus order:
        the articles' own when they keep them (read from the cache), else made from them."""
        kept = getattr(self.articles, "summaries", None)
        return kept if kept is not None else tuple(summarize(article) for article in self.articles)


@dataclass(frozen=True)
class CorpusListing:
    """The article files of a directory read (path in the collection, size in bytes), the URL
    template that applies to them, the problems met reading them, and a digest of all of it."""

    directory: Path
    files: tuple[tuple[str, int], ...]
    url_template: str | None
    digest: str
    problems: tuple[str, ...] = field(default=())

    @property
    def total_bytes(self) -> int:
        """The size of all the article files read."""
        return sum(size for _, size in self.files)


def load_corpus(directory: str | Path, url_template: str | None = None) -> Corpus:
    """Read every article file under `directory`; raise CorpusError listing all bad files.
    `url_template` (the SOURCE_URL_TEMPLATE setting; see retrieval/documents/source_links.py) links local
    files to their published pages; without it, the collection's own COLLECTION_CONFIG may."""
    return parse_corpus(list_corpus(directory, url_template))


def list_corpus(directory: str | Path, url_template: str | None = None, hashes: FileHashes | None = None) -> CorpusListing:
    """The article files under `directory` (hidden files and folders left out) and their digest;
    CorpusError when there is no such directory or no article in it. `hashes` (see
    retrieval/storage/file_hashes.py) spares reading the files whose stat it knows; None: every file is read."""
    directory = Path(directory)
    if not directory.exists():
        raise CorpusError(directory, [f"{directory}: no such directory"])
    if not directory.is_dir():
        raise CorpusError(directory, [f"{directory}: not a directory"])
    try:
        next(directory.iterdir(), None)  # a walk passes over a folder it may not read: say so
    except OSError as error:  # e.g. a directory (or a mount) this user may not read
        raise CorpusError(directory, [f"{directory}: cannot be read ({error.strerror or error})"]) from None
    relatives = _article_paths(directory)
    problems: list[str] = []
    try:
        template = check_url_template(url_template) if url_template else collection_url_template(directory)
    except ValueError as error:
        problems.append(str(error))
        template = None
    if not relatives:
        raise CorpusError(directory, [f"{directory}: no article files ({', '.join('*' + s for s in ARTICLE_SUFFIXES)})"])
    hashes = hashes if hashes is not None else FileHashes()
    digest = _digest_start(template)
    files: list[tuple[str, int]] = []
    top = os.path.join(str(directory), "")  # with its separator: each file's path is top + relative
    hash_of, add, versions = hashes.hash_of, digest.update, {}
    # (One call per file, the names looked up once: the loop runs once per file of a large collection.)
    for relative in relatives:
        try:
            content, size = hash_of(top + relative, relative)
        except OSError as error:
            problems.append(f"{relative}: cannot be read ({error.strerror or error})")
            continue
        suffix = relative[relative.rfind(".") :]
        version = versions.get(suffix)
        if version is None:
            version = versions[suffix] = b"\0" + _reader_version(relative).encode() + b"\0"
        add(relative.encode() + b"\0" + content + version)  # as _add_to_digest adds it
        files.append((relative, size))
    return CorpusListing(directory, tuple(files), template, digest.hexdigest(), tuple(problems))


def _article_paths(directory: Path) -> list[str]:
    """The paths in `directory` (POSIX, relative to it) of the files, and folders, named like
    articles, hidden ones and those in hidden folders left out, in the order of their parts (a
    folder named like an article is listed so that it is named as a file that cannot be read)."""
    found: list[str] = []
    for folder, subfolders, names in os.walk(directory):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        inside = os.path.relpath(folder, directory)
        prefix = "" if inside == "." else inside.replace(os.sep, "/") + "/"
        # (A name not starting with "." has its suffix after its last dot, as os.path.splitext says.)
        found.extend(prefix + name for name in (*names, *subfolders)
                     if not name.startswith(".") and name[name.rfind(".") :].lower() in _SUFFIX_SET)
    if not any("/" in relative for relative in found):
        return sorted(found)  # the order of their parts is the order of the names
    return sorted(found, key=lambda relative: relative.split("/"))


_SUFFIX_SET = frozenset(ARTICLE_SUFFIXES)


def _digest_start(template: str | None):
    return hashlib.sha256(f"{template or ''}\0".encode())


def _add_to_digest(digest, relative: str, content: bytes) -> None:
    """Add a file to the corpus's digest: its path, `content` (the SHA-256 of its bytes) and the
    version of its reader."""
    digest.update(relative.encode() + b"\0" + content + b"\0" + _reader_version(relative).encode() + b"\0")


def parse_corpus(listing: CorpusListing) -> Corpus:
    """The articles of a listing, each file read again as it is parsed; CorpusError listing
    every bad file. The corpus's digest is of the bytes parsed: the listing's, unless a file
    changed in between (then a cache keyed by it still matches what it holds)."""
    problems = list(listing.problems)
    articles: list[Article] = []
    seen: dict[str, str] = {}
    ignored: Counter[str] = Counter()
    digest = _digest_start(listing.url_template)
    for relative, _ in listing.files:
        try:
            raw = (listing.directory / relative).read_bytes()
        except OSError as error:
            problems.append(f"{relative}: cannot be read ({error.strerror or error})")
            continue
        _add_to_digest(digest, relative, hashlib.sha256(raw).digest())
        try:
            article = read_article(relative, raw, listing.url_template)
        except ValueError as error:
            problems.append(f"{relative}: {error}")
            continue
        ignored.update(set(article.ignored_keys))
        if article.info.id in seen:
            problems.append(f"{relative}: id {article.info.id!r} is already used by {seen[article.info.id]}")
            continue
        seen[article.info.id] = relative
        articles.append(article)
    for article in articles:
        if article.translation_of and article.translation_of not in seen:
            problems.append(
                f"{seen[article.info.id]}: translation_of names {article.translation_of!r}, which is no article here"
            )
    if problems:
        raise CorpusError(listing.directory, problems)
    notes = ()
    if ignored:
        keys = ", ".join(f"{key} ({count})" for key, count in sorted(ignored.items()))
        notes = (f"front matter keys not used (files): {keys}",)
        log.info("%s: %s", listing.directory, notes[0])
    return Corpus(listing.directory, tuple(articles), digest.hexdigest(), notes)


def reparse_articles(directory: Path, summaries: Sequence[ArticleSummary], url_template: str | None) -> tuple[Article, ...]:
    """The articles of `summaries` parsed again from their files in `directory` (for cached
    articles that cannot be read: the files were listed as cached at the start); OSError or
    ValueError when a file can no longer be read, or is no longer that article."""
    articles = []
    for summary in summaries:
        article = read_article(summary.info.path, (directory / summary.info.path).read_bytes(), url_template)
        if article.info.id != summary.info.id:
            raise ValueError(f"{summary.info.path}: changed since the start (now article {article.info.id!r})")
        articles.append(article)
    return tuple(articles)


def read_article(relative_path: str, raw: bytes, url_template: str | None = None) -> Article:
    """One article from a file's path in its collection and its bytes, read as its suffix says;
    ValueError says what is wrong with it."""
    suffix = PurePosixPath(relative_path).suffix.lower()
    if suffix in EXTRACTED_SUFFIXES:
        return _read_extracted(relative_path, raw, suffix, url_template)
    return _read_text(relative_path, raw, url_template)


def _reader_version(relative_path: str) -> str:
    """The version of the library that reads a file of this name ("" for text files): a new
    version may extract other text, so the index built from the old text must not be reused."""
    # (The name always has a suffix: only files named like articles are read.)
    return _reader_version_of(relative_path[relative_path.rfind(".") :].lower())


@lru_cache(maxsize=None)
def _reader_version_of(suffix: str) -> str:
    from importlib.metadata import version

    if suffix in (".html", ".htm"):
        return "trafilatura " + version("trafilatura")
    return "pypdf " + version("pypdf") if suffix == ".pdf" else ""


def _read_extracted(relative_path: str, raw: bytes, suffix: str, url_template: str | None) -> Article:
    """A web page (its Markdown rendered as a .md file is, so headings stay headings) or a PDF
    (its text as extracted, page starts kept), with the details its reader found; its link is the
    address the file names, else the URL template's."""
    if suffix == ".pdf":
        from retrieval.documents.pdf_articles import read_pdf

        extracted: ExtractedArticle = read_pdf(raw)
        rendered = _blocks_of_extracted_text(extracted.text)
    else:
        from retrieval.documents.html_articles import read_html

        extracted = read_html(raw)
        rendered = render_markdown(extracted.markdown)
    blocks, details = label_blocks(rendered.text, rendered.blocks, extracted.title)
    if not any(block.kind in BODY_KINDS for block in blocks):
        raise ValueError("has no article text")
    path = PurePosixPath(relative_path)
    info = ArticleInfo(
        id=id_for_path(str(path.with_suffix(""))),
        title=extracted.title,
        publisher=extracted.publisher,
        author=extracted.author,
        published=extracted.published,
        lang=detect_language(rendered.text),
        url=extracted.url or (url_for(url_template, relative_path) if url_template else None),
        path=relative_path,
        details=DETAILS_SEPARATOR.join(rendered.text[start:end] for start, end in details),
    )
    return Article(info, rendered.text, page_starts=extracted.page_starts, blocks=blocks, details=details)


def _blocks_of_extracted_text(text: str) -> RenderedText:
    """Text a reader extracted (blocks apart by a blank line), unchanged, as paragraph blocks:
    its offsets (a PDF's page starts) stay right."""
    blocks = []
    position = 0
    for chunk in text.split(BLOCK_SEPARATOR):
        stripped = chunk.strip()
        if stripped:
            start = position + chunk.index(stripped)
            blocks.append(Block(start, start + len(stripped), "paragraph", 0))
        position += len(chunk) + len(BLOCK_SEPARATOR)
    return RenderedText(text, tuple(blocks), ())


def _read_text(relative_path: str, raw: bytes, url_template: str | None) -> Article:
    """A Markdown or plain-text article."""
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (bad byte at position {error.start})") from None
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in content:
        raise ValueError("holds NUL bytes: not a text file")
    front_matter, body = split_front_matter(content)
    fields = front_matter.fields
    path = PurePosixPath(relative_path)
    reader = TEXT_READERS[path.suffix.lower()]
    rendered = reader(body, front_matter.body_line)
    if not any(block.kind in BODY_KINDS for block in rendered.blocks):
        raise ValueError("has no article text")

    title = fields["title"] if "title" in fields else _derived_title(rendered)
    # Only a title the front matter states is looked for among the paragraphs: one taken from
    # the first line is that line, body or not.
    blocks, details = label_blocks(rendered.text, rendered.blocks, fields.get("title", ""))
    if not any(block.kind in BODY_KINDS for block in blocks):
        blocks = tuple(replace(b, kind="paragraph") if b.kind != "heading" else b for b in blocks)
        details = ()  # nothing but short lines: they are all the text there is, so they are quoted

    article_id = fields.get("id") or id_for_path(str(path.with_suffix("")))
    if not is_usable_id(article_id):
        raise ValueError(f"id {article_id!r} is not usable: use up to 64 letters, digits, '.', '_', '-' or '/'")
    text = rendered.text
    language = fields.get("language") or detect_language(text)
    language = _LANGUAGE_NAMES.get(language.lower(), language)
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    url = _url(fields, relative_path, url_template)
    info = ArticleInfo(
        id=article_id,
        title=title,
        publisher=fields.get("publisher", ""),
        author=fields.get("author", ""),
        published=fields.get("published", ""),
        lang=language,
        url=url,
        path=relative_path,
        details=DETAILS_SEPARATOR.join(text[start:end] for start, end in details),
    )
    tags = tuple(tag.strip() for tag in fields.get("tags", "").split(",") if tag.strip())
    article = Article(info, text, fields.get("translation_of", ""), blocks=blocks, details=details,
                      line_marks=rendered.line_marks, description=fields.get("description", ""), tags=tags,
                      ignored_keys=front_matter.ignored)
    return article


# Language tags people write, mapped onto ours.
_LANGUAGE_NAMES = {"en": "en", "en-us": "en", "en-gb": "en", "english": "en", "zh-hant": "zh-Hant",
                   "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-hans": "zh-Hans", "zh-cn": "zh-Hans", "zh": "zh-Hans"}


def _url(fields: dict[str, str], relative_path: str, url_template: str | None) -> str | None:
    """The article's own URL, else its permalink when that is an address, else the template's."""
    for key in ("url", "permalink"):
        value = fields.get(key, "")
        if key == "url" and value and not re.match(r"^https?://\S+$", value):
            raise ValueError(f"url {value!r} is not an http(s) address")
        if re.match(r"^https?://\S+$", value):
            return value
    if url_template:
        return url_for(url_template, relative_path, fields.get("slug", ""), fields.get("permalink", ""))
    return None


def _derived_title(rendered: RenderedText) -> str:
    """The first heading, else the first source line of the text."""
    for block in rendered.blocks:
        if block.kind == "heading":
            return rendered.text[block.start : block.end]
    first = rendered.blocks[0]
    ends = [offset for offset, _ in rendered.line_marks if first.start < offset < first.end] + [first.end]
    return rendered.text[first.start : ends[0]].strip()[:MAX_DERIVED_TITLE_CHARS]


__all__ = ["Article", "Corpus", "CorpusError", "CorpusListing", "COLLECTION_CONFIG", "list_corpus", "load_corpus",
           "parse_corpus", "read_article", "reparse_articles"]
