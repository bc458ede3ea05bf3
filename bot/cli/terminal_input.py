"""Questions as they arrive from a terminal or a pipe: terminal escape sequences removed whole
(so "\\x1b[31m" leaves no "[31m" behind), and standard input read line by line as bytes, so a
line that is not UTF-8 is reported by its number instead of being dropped or stopping the rest."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

# ECMA-48 sequences: CSI (ESC [ … final byte), OSC/DCS/APC/PM/SOS strings (ended by BEL or
# ESC \), and two-character escapes (ESC and one byte); their 8-bit C1 forms too.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[!-/]*[0-~]"
)


def without_escape_sequences(text: str) -> str:
    """`text` without terminal escape sequences (colour codes, titles, hyperlinks)."""
    return _ESCAPE_SEQUENCE.sub("", text)


@dataclass(frozen=True)
class InputLine:
    """One line of standard input: its number, and its text or why it has none."""

    number: int
    text: str | None
    error: str | None = None


def read_lines(stream: IO[bytes]) -> Iterator[InputLine]:
    """The lines of a binary stream, numbered from 1, each decoded as UTF-8 on its own."""
    for number, raw in enumerate(stream, start=1):
        raw = raw.rstrip(b"\r\n")
        try:
            yield InputLine(number, raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            byte = raw[error.start]
            yield InputLine(number, None, f"line {number} is not valid UTF-8 (byte 0x{byte:02x} at byte {error.start + 1})")
