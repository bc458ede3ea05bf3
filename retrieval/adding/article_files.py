"""Writing a new article file into a collection: its name, its header, and a write that never
leaves half a file.

A web page becomes a Markdown file whose header holds what the page said about itself:

    ---
    url: https://example.org/2024/tide-pools
    title: How Tide Pools Survive Winter
    publisher: Coastal Notes
    author: Maria Lindqvist
    published: 2024-01-15
    ---

Each line is `key: value`, read the same by the corpus's header parser and as YAML: a value YAML
would read otherwise (a ': ' inside, a leading quote or '#', a number, 'yes') is double-quoted.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from retrieval.documents.extracted_article import ExtractedArticle

# A file name from a title keeps at most this many characters (before its suffix).
MAX_NAME_CHARS = 60
HEADER_FIELDS = ("url", "title", "publisher", "author", "published")

_NOT_NAME = re.compile(r"[^\w]+")
# What YAML reads as something other than this plain string: an indicator at the start, a
# comment or mapping inside, a boolean, null or number.
_YAML_INDICATOR_START = re.compile(r"""^[-?:,\[\]{}#&*!|>'"%@`\s]""")
_YAML_NOT_STRING = re.compile(
    r"^(y|n|yes|no|true|false|on|off|null|~|[-+]?(\d[\d_]*)?\.?\d+([eE][-+]?\d+)?|0x[0-9a-f]+|0o[0-7]+|\.inf|\.nan)$",
    re.IGNORECASE,
)


def markdown_article(extracted: ExtractedArticle, url: str | None) -> str:
    """The Markdown file for a web page at `url`: the header and the page's Markdown."""
    details = {
        "url": url or "",
        "title": extracted.title,
        "publisher": extracted.publisher,
        "author": extracted.author,
        "published": extracted.published,
    }
    lines = [f"{key}: {header_value(value)}" for key, value in details.items() if value]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + extracted.markdown.strip("\n") + "\n"


def header_value(value: str) -> str:
    """`value` as a header line writes it: plain, or double-quoted where YAML would read it
    otherwise."""
    value = " ".join(value.split())
    needs_quotes = (
        _YAML_INDICATOR_START.match(value)
        or ": " in value
        or " #" in value
        or value.endswith(":")
        or _YAML_NOT_STRING.match(value)
    )
    return json.dumps(value, ensure_ascii=False) if needs_quotes else value


def file_name_for(title: str, url: str | None, suffix: str) -> str:
    """A short, safe file name for an article (letters, digits, '-'): from its title, else from
    the last part of its address, else "article"."""
    for candidate in (title, _url_words(url)):
        name = _name_from(candidate)
        if name:
            return name + suffix
    return "article" + suffix


def _url_words(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    segments = [segment for segment in unquote(parts.path).split("/") if segment]
    last = segments[-1] if segments else parts.hostname or ""
    return re.sub(r"\.(html?|php|aspx?|pdf)$", "", last, flags=re.IGNORECASE)


def _name_from(text: str) -> str:
    words = _NOT_NAME.sub("-", unicodedata.normalize("NFKC", text).casefold()).strip("-_")
    if len(words) > MAX_NAME_CHARS:
        cut = words[:MAX_NAME_CHARS]
        words = cut.rsplit("-", 1)[0] if "-" in cut[MAX_NAME_CHARS // 2 :] else cut
    return words.strip("-_")


def write_new_file(directory: Path, name: str, content: bytes) -> Path:
    """Write `content` to a new file `name` in `directory` (name-2, name-3, ... when it is
    taken) and return its path. The file appears whole or not at all: it is written to a hidden
    temporary file first, then linked under its name, which never replaces an existing file."""
    stem, suffix = os.path.splitext(name)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".adding-", suffix=".tmp", delete=False) as file:
        temporary = Path(file.name)
        try:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    try:
        number = 1
        while True:
            path = directory / (name if number == 1 else f"{stem}-{number}{suffix}")
            try:
                os.link(temporary, path)  # fails if the name is taken: no file is ever replaced
                return path
            except FileExistsError:
                number += 1
            except OSError:  # a file system without hard links: rename, having looked first
                if path.exists():
                    number += 1
                    continue
                os.replace(temporary, path)
                return path
    finally:
        temporary.unlink(missing_ok=True)
