"""Which language a piece of text is in: English (or other Latin-script text) or Chinese."""

from __future__ import annotations

import re

from retrieval.text.chinese import CJK_CHAR, to_simplified, to_traditional

ENGLISH = "en"
TRADITIONAL = "zh-Hant"
SIMPLIFIED = "zh-Hans"

_CJK = re.compile(f"[{CJK_CHAR}]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f\uff21-\uff3a\uff41-\uff5a]")

# Which language a mixed question is in, and so which language its reply is worded in, counts a
# Chinese character as a whole short English word (five letters), more than a line's reading
# length does (CJK_CHAR_WEIGHT): "Sora 2 的 Cameo feature 是什麼?" is Chinese, and "What does
# 霞光社 say about it?" English.
_CJK_WEIGHT = 5


def detect_language(text: str) -> str:
    """"en", "zh-Hant" or "zh-Hans" for `text`; Chinese when its characters outweigh Latin letters."""
    cjk = _CJK.findall(text)
    if not cjk or len(cjk) * _CJK_WEIGHT < len(_LATIN_LETTER.findall(text)):
        return ENGLISH
    han = "".join(cjk)
    changed_to_simplified = sum(a != b for a, b in zip(han, to_simplified(han)))
    changed_to_traditional = sum(a != b for a, b in zip(han, to_traditional(han)))
    return TRADITIONAL if changed_to_simplified > changed_to_traditional else SIMPLIFIED


def same_family(a: str, b: str) -> bool:
    """True when two language tags are both Chinese or both not."""
    return a.startswith("zh") == b.startswith("zh")
