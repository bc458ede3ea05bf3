"""Discord's own markup in what users type (`<@id>`, `<#id>`, `<t:0:R>`, `<:emoji:id>`), made readable.

A question shown back in a footer (plain text) would otherwise show the raw tokens; the engine
reads the readable form too, so "@bob" is not searched for as digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone

# `<@123>`, `<@!123>` (users), `<@&123>` (roles), `<#123>` (channels).
_MENTION = re.compile(r"<(@!?|@&|#)(\d{1,20})>")
_TIMESTAMP = re.compile(r"<t:(-?\d{1,13})(?::[tTdDfFR])?>")
_CUSTOM_EMOJI = re.compile(r"<a?:(\w{1,32}):\d{1,20}>")
_FALLBACK = {"@": "@user", "@!": "@user", "@&": "@role", "#": "#channel"}

# Looks up the name of a user ("@"), role ("@&") or channel ("#") by id; None when unknown.
NameLookup = Callable[[str, int], "str | None"]


def readable_markup(text: str, name_of: NameLookup) -> str:
    """`text` with mentions as "@name" / "#name", timestamps as UTC dates and custom emoji as ":name:"."""

    def mention(match: re.Match[str]) -> str:
        kind, key = match[1], int(match[2])
        name = name_of(kind.rstrip("!"), key)
        prefix = "#" if kind == "#" else "@"
        return prefix + name if name else _FALLBACK[kind]

    text = _MENTION.sub(mention, text)
    text = _TIMESTAMP.sub(lambda m: _utc_time(int(m[1])), text)
    return _CUSTOM_EMOJI.sub(lambda m: f":{m[1]}:", text)


def _utc_time(seconds: int) -> str:
    try:
        return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return "(a date)"


# What readable_markup put in that addresses people or places rather than asks about anything.
_ADDRESSING = re.compile(r"(?<!\w)[@#][^\s@#]+|\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def without_addressing(text: str) -> str:
    """A readable question without its "@name", "#channel" and dates, for the engine: names of
    people and places are not what the articles are asked about."""
    return re.sub(r"\s{2,}", " ", _ADDRESSING.sub(" ", text)).strip()


# A name that a mention shows, of a person or role the lookup did not resolve here (a follow-up's
# earlier question, read back from an answer's footer). Not "#…": "#1" is no channel.
_SHOWN_NAME = re.compile(r"(?<![\w@])@[^\s@#]+")


class NamesSeen:
    """A NameLookup that remembers every name it gave, with the neutral placeholder that
    stands for it where names must not be kept ("@user", "@role", "#channel")."""

    def __init__(self, lookup: NameLookup) -> None:
        self.lookup = lookup
        self.seen: dict[str, str] = {}

    def __call__(self, kind: str, key: int) -> str | None:
        name = self.lookup(kind, key)
        if name:
            self.seen[("#" if kind == "#" else "@") + name] = _FALLBACK[kind]
        return name


def with_neutral_names(text: str, seen: Mapping[str, str]) -> str:
    """`text` with the names of people, roles and channels it shows replaced by placeholders:
    the names in `seen` (longest first, so "@Zoe Smith" goes whole), then any other "@name"."""
    for shown in sorted(seen, key=len, reverse=True):
        text = text.replace(shown, seen[shown])
    return _SHOWN_NAME.sub("@user", text)
