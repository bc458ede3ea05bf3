"""Which source lines of a paragraph belong together: hard-wrapped lines join, while a file that
writes one paragraph per line (or a short heading line above its text) keeps them apart.

Lines are measured in Latin characters, a Chinese character counting as CJK_CHAR_WEIGHT of them
(a wrapped Chinese line holds about half as many characters as an English one).
"""

from __future__ import annotations

import re

from retrieval.text.chinese import CJK_CHAR, CJK_CHAR_WEIGHT

# A line longer than this is not hard-wrapped: it is a paragraph of its own.
WRAP_MAX_CHARS = 100
# A line shorter than this share of the longest line around it ends its paragraph (the last line
# of a paragraph, or a heading above one), unless the next line goes on in lower case.
SHORT_LINE_SHARE = 0.6

_WIDE = re.compile(f"[{CJK_CHAR}\u3000-\u303f\uff00-\uffef]")
_LIST_MARKER = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+\S")
_GOES_ON = re.compile(r"^[a-z(]")
_OPEN_END = re.compile(r"[,\-–—(/]$")


def reading_length(text: str) -> int:
    """The length of `text` in Latin characters, a Chinese character or full-width mark counting
    as CJK_CHAR_WEIGHT of them."""
    return len(text) + (CJK_CHAR_WEIGHT - 1) * len(_WIDE.findall(text))


def starts_list_item(line: str) -> bool:
    """True when a plain-text line opens a list item ("- ", "* ", "• ", "1. ", "2) ")."""
    return _LIST_MARKER.match(line) is not None


def paragraph_units(lines: list[str]) -> list[tuple[int, int]]:
    """The lines (no blank ones) of one paragraph grouped into units read as one paragraph each:
    ranges [first, last + 1) of line numbers, in order."""
    if not lines:
        return []
    lengths = [reading_length(line.strip()) for line in lines]
    longest = max(lengths)
    units: list[tuple[int, int]] = []
    first = 0
    for i in range(len(lines) - 1):
        if _ends_unit(lines[i].strip(), lengths[i], lines[i + 1].strip(), longest):
            units.append((first, i + 1))
            first = i + 1
    units.append((first, len(lines)))
    return units


def runs_on(line: str, following: str) -> bool:
    """True when the sentence of `line` goes on into `following`: it opens in lower case, or
    `line` ends open (a comma, a dash, an opening bracket)."""
    return bool(_GOES_ON.match(following.strip()) or _OPEN_END.search(line.strip()))


def _ends_unit(line: str, length: int, following: str, longest: int) -> bool:
    if length > WRAP_MAX_CHARS or starts_list_item(following):
        return True
    if length >= SHORT_LINE_SHARE * longest:
        return False
    return not runs_on(line, following)
