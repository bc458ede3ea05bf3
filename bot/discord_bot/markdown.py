"""Discord markdown at the boundary: text from users and articles made inert, terms made bold."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from retrieval.text.sentences import append_trimmed
from retrieval.text.spans import merge_spans

# Every character Discord's markdown gives a meaning to anywhere in a line; a backslash before
# ASCII punctuation is always consumed, so over-escaping never shows.
_INLINE = re.compile(r"([\\*_~|`\[\]<>#])")
# Lists and headings only start a line: "- x", "+ x", "1. x".
_LINE_START = re.compile(r"^(\s*)([-+]|\d+(?=\.\s))", re.MULTILINE)
# Mass pings typed as text; a zero-width space keeps them from ever being read as mentions.
_MASS_MENTION = re.compile(r"@(everyone|here)")
# A backtick followed by another: where a fence could close inside quoted code.
_BACKTICK_RUN = re.compile(r"`(?=`)")
# Characters that would end or break a markdown link target.
_URL_UNSAFE = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "[": "%5B", "]": "%5D"}


def escape_text(text: str) -> str:
    """`text` shown literally in a Discord message: no markdown, masked links or mentions."""
    text = _INLINE.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: m.group(1) + _escape_list_marker(m.group(2)), text)
    return _MASS_MENTION.sub("@\u200b\\1", text)


def _escape_list_marker(marker: str) -> str:
    return "\\" + marker if marker in "-+" else marker + "\\"


def emphasize(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """`text` escaped, with the characters inside `spans` (start, end) in bold."""
    out, cursor = [], 0
    for start, end in _bold_runs(text, spans):
        out.append(escape_text(text[cursor:start]))
        out.append(f"**{escape_text(text[start:end])}**")
        cursor = end
    out.append(escape_text(text[cursor:]))
    return "".join(out)


def _bold_runs(text: str, spans: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """Spans clipped to the text, merged when they touch, without edge spaces ("** x**" is not bold)."""
    trimmed: list[tuple[int, int]] = []
    for start, end in merge_spans(spans, len(text)):
        append_trimmed(text, start, end, trimmed)
    return trimmed


def quote_block(text: str) -> str:
    """Already-escaped `text` as a block quote, every line starting with "> "."""
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


def code_block(code: str) -> str:
    """`code` as a fenced code block, shown as it stands (Discord reads no markdown inside one);
    a run of backticks in it gets zero-width spaces between them, so it can never close the
    fence early, and the code still reads the same."""
    neutral = _BACKTICK_RUN.sub("`\u200b", code)
    return f"```\n{neutral}\n```"


def inline_code(text: str) -> str:
    """`text` as inline code (a file path, "src/ch16.md:42"); escaped text instead when it holds
    a backtick, which would end the code span."""
    return f"`{text}`" if "`" not in text and text.strip() else escape_text(text)


def web_url(url: str | None) -> str | None:
    """`url` when it is an http(s) address, made safe as a markdown link target; else None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return "".join(_URL_UNSAFE.get(char, char) for char in url.strip())


def link(label: str, url: str | None) -> str:
    """A masked link with an escaped label, or just the escaped label when there is no web URL."""
    target = web_url(url)
    return f"[{escape_text(label)}]({target})" if target else escape_text(label)
