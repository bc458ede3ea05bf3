"""Deep links that open an article scrolled to a quote, with the quote highlighted.

They use URL text fragments (`#:~:text=start,end`) as the WICG Scroll-to-Text-Fragment spec
defines them: the quote's first and last few words, percent-encoded, with '-', ',' and '&'
encoded too since they are the directive's own syntax. Browsers without support open the page
at the top, so the link is never worse than the plain URL.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from retrieval.text.chinese import CJK_CHAR
from retrieval.answering.excerpts import ELLIPSIS

# A quote of up to this many words (or Chinese characters) is matched whole; a longer one by its
# first and last EDGE_WORDS words (EDGE_CHARS Chinese characters).
WHOLE_WORDS = 10
EDGE_WORDS = 4
WHOLE_CHARS = 24
EDGE_CHARS = 10

_CJK = re.compile(f"[{CJK_CHAR}]")


def quote_url(url: str | None, excerpt: str) -> str | None:
    """`url` with a text fragment that highlights `excerpt`; None when there is no URL."""
    if not url:
        return None
    text = excerpt.strip().strip(ELLIPSIS).strip()
    if not text:
        return url
    if len(_CJK.findall(text)) * 2 > len(text):
        if len(text) <= WHOLE_CHARS:
            directive = _encode(text)
        else:
            directive = f"{_encode(text[:EDGE_CHARS])},{_encode(text[-EDGE_CHARS:])}"
    else:
        words = text.split()
        if len(words) <= WHOLE_WORDS:
            directive = _encode(" ".join(words))
        else:
            start = " ".join(words[:EDGE_WORDS])
            end = " ".join(words[-EDGE_WORDS:])
            directive = f"{_encode(start)},{_encode(end)}"
    separator = ":~:" if "#" in url else "#:~:"
    return f"{url}{separator}text={directive}"


def _encode(text: str) -> str:
    return quote(text, safe="").replace("-", "%2D")
