"""Where a local file is published: a URL template that maps an article's path to its page.

The template comes from the SOURCE_URL_TEMPLATE setting or, for a collection that says so
itself, from `url_template` in the collection's own COLLECTION_CONFIG file (the setting wins).
Placeholders: {stem} (the file name without its suffix), {path} (the path in the collection,
without the suffix), {name} (the file name), {slug} (the front matter's slug, else the stem)
and {permalink} (the front matter's permalink without its leading '/', else {path}).
"""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import quote

COLLECTION_CONFIG = "sources.toml"
PLACEHOLDERS = ("stem", "path", "name", "slug", "permalink")
_HTTP = re.compile(r"^https?://\S+$")


def check_url_template(template: str) -> str:
    """`template` when it is an http(s) address whose placeholders are all known; ValueError
    saying what is wrong otherwise."""
    if not _HTTP.match(template.replace("{", "").replace("}", "")):
        raise ValueError(f"URL template {template!r} is not an http(s) address")
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise ValueError(f"URL template {template!r}: {error}") from None
    unknown = [name for name in names if name not in PLACEHOLDERS]
    if unknown:
        raise ValueError(f"URL template {template!r} has unknown placeholder {{{unknown[0]}}} "
                         f"(known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)})")
    return template


def collection_url_template(directory: Path) -> str | None:
    """The `url_template` of the collection's COLLECTION_CONFIG file (None when it has none);
    ValueError naming the file when it cannot be read or is wrong."""
    path = directory / COLLECTION_CONFIG
    try:
        if not path.is_file():
            return None
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{COLLECTION_CONFIG}: cannot be read ({error})") from None
    template = config.get("url_template")
    if template is None:
        return None
    if not isinstance(template, str):
        raise ValueError(f"{COLLECTION_CONFIG}: url_template must be text")
    try:
        return check_url_template(template)
    except ValueError as error:
        raise ValueError(f"{COLLECTION_CONFIG}: {error}") from None


def url_for(template: str, relative_path: str, slug: str = "", permalink: str = "") -> str:
    """The published page of the article at `relative_path` (with its suffix) by `template`."""
    path = PurePosixPath(relative_path)
    stem_path = str(path.with_suffix(""))
    values = {
        "stem": path.stem,
        "path": stem_path,
        "name": path.name,
        "slug": slug or path.stem,
        "permalink": permalink.strip("/") or stem_path,
    }
    return template.format(**{key: quote(value, safe="/") for key, value in values.items()})
