"""Front matter as people write it: YAML between `---` lines (Jekyll, Hugo, Docusaurus,
Obsidian), TOML between `+++` lines (Hugo), or this project's own `key: value` lines.

Known keys are mapped onto ours (FIELD_NAMES); any other key is ignored and reported, so that
the loader can say once, for the whole collection, what it did not use.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

# Our keys, and the other names people give them.
FIELD_NAMES = {
    "id": ("id",),
    "title": ("title",),
    "publisher": ("publisher", "site_name", "site", "source"),
    "author": ("author", "authors", "byline"),
    "published": ("published", "date", "pubdate", "publishdate", "publish_date", "created", "created_at"),
    "language": ("language", "lang", "locale"),
    "url": ("url", "canonical_url", "canonicalurl", "canonical", "source_url"),
    "translation_of": ("translation_of",),
    "description": ("description", "summary", "excerpt", "subtitle"),
    "slug": ("slug",),
    "permalink": ("permalink",),
    "tags": ("tags", "keywords", "categories"),
}
_OURS = {name: ours for ours, names in FIELD_NAMES.items() for name in names}
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class FrontMatter:
    """The known fields (our names, text values; `tags` joined by ", "), the keys ignored, and
    the line of the file on which the body starts (1 without front matter)."""

    fields: dict[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    body_line: int = 1


def split_front_matter(content: str) -> tuple[FrontMatter, str]:
    """The front matter of a file's text and the text after it; ValueError when it is opened but
    never closed, or is neither YAML, TOML nor `key: value` lines."""
    lines = content.split("\n")
    fence = lines[0].strip() if lines else ""
    if fence not in ("---", "+++"):
        return FrontMatter(), content
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() == fence)
    except StopIteration:
        raise ValueError(f"front matter opened with {fence!r} on line 1 is never closed") from None
    raw = "\n".join(lines[1:close])
    values = _toml(raw) if fence == "+++" else _yaml_or_lines(raw)
    fields: dict[str, str] = {}
    ignored: list[str] = []
    for key, value in values.items():
        ours = _OURS.get(str(key).strip().lower())
        if ours is None:
            ignored.append(str(key))
        elif ours not in fields:  # the first of two synonyms wins ("date" before "lastmod")
            fields[ours] = _text(value, ours)
    return FrontMatter(fields, tuple(ignored), close + 2), "\n".join(lines[close + 1 :])


def _toml(raw: str) -> dict:
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"front matter is not TOML: {error}") from None


def _yaml_or_lines(raw: str) -> dict:
    """YAML, read with every scalar as text ("000" stays "000", not 0); when it is not YAML (an
    unquoted "title: A: B"), `key: value` lines."""
    import yaml  # here, not at the top: a start from the cache reads no front matter

    try:
        values = yaml.load(raw, Loader=yaml.BaseLoader) if raw.strip() else {}
    except yaml.YAMLError:
        values = None
    if isinstance(values, dict):
        return values
    return _key_value_lines(raw)


def _key_value_lines(raw: str) -> dict:
    values: dict[str, str] = {}
    for number, line in enumerate(raw.split("\n"), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        if not colon or not key.strip():
            raise ValueError(f"front matter line {number} is not 'key: value': {line.strip()[:60]!r}")
        if key.strip() in values:
            raise ValueError(f"front matter line {number} repeats key {key.strip()!r}")
        values[key.strip()] = value.strip()
    return values


def _text(value, ours: str) -> str:
    """A front matter value as our text: lists joined by ", ", dates as YYYY-MM-DD."""
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item, ours) for item in value if _text(item, ours))
    if isinstance(value, dict):  # e.g. Docusaurus `authors: {name: …}`
        return str(value.get("name", "")).strip()
    text = "" if value is None else str(value).strip()
    if ours == "published" and _DATE_PREFIX.match(text):
        return text[:10]
    return text
