"""Text laid out for a terminal: columns counted as the terminal counts them, lines wrapped on
word boundaries, links made clickable (OSC 8) where the terminal is known to support it, and
control characters from the articles made visible instead of obeyed."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote

ESC = "\033"
BOLD = f"{ESC}[1m"
RESET = f"{ESC}[0m"

# A line never breaks before closing punctuation or after opening punctuation (CJK and Latin).
NO_BREAK_BEFORE = frozenset("，。、；：？！）」』》〉】〕…‥・ー々〻,.;:!?)]}%”’·")
NO_BREAK_AFTER = frozenset("（「『《〈【〔([{“‘")
ELLIPSIS = "…"


@dataclass(frozen=True)
class TerminalStyle:
    """How text is drawn: bold on or off, the width to wrap at (None: no wrapping, as in a pipe),
    and whether links may be OSC 8 hyperlinks."""

    color: bool = False
    width: int | None = None
    hyperlinks: bool = False


def char_width(char: str) -> int:
    """Columns one character takes: 2 for East Asian wide and full-width, 0 for combining marks."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal (escape sequences are not expected here)."""
    return sum(char_width(char) for char in text)


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _may_break_between(before: str, after: str) -> bool:
    """A break without a space: only beside a wide (CJK) character, and never at punctuation
    that must stay with its neighbour."""
    if not (_is_wide(before) or _is_wide(after)):
        return False
    return after not in NO_BREAK_BEFORE and before not in NO_BREAK_AFTER


def _atoms(text: str) -> list[tuple[int, int]]:
    """The pieces a line may not be broken inside, as (start, end) offsets; whitespace between
    them is where lines may break (and is dropped there)."""
    atoms, i, n = [], 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        j = i + 1
        while j < n and not text[j].isspace() and not _may_break_between(text[j - 1], text[j]):
            j += 1
        atoms.append((i, j))
        i = j
    return atoms


def wrap_spans(text: str, width: int, first_width: int | None = None) -> list[tuple[int, int]]:
    """Lines of `text` fitting `width` columns (`first_width` for the first line), as (start,
    end) offsets into `text`. Breaks fall at whitespace, or beside a CJK character; a Latin word
    wider than the line is not cut but overflows its own line."""
    lines: list[tuple[int, int]] = []
    start = end = None
    used = 0
    for atom_start, atom_end in _atoms(text):
        room = first_width if not lines and first_width is not None else width
        if start is None:
            start, end, used = atom_start, atom_end, display_width(text[atom_start:atom_end])
            continue
        added = display_width(text[end:atom_end])
        if used + added <= room:
            end, used = atom_end, used + added
        else:
            lines.append((start, end))
            start, end, used = atom_start, atom_end, display_width(text[atom_start:atom_end])
    if start is not None:
        lines.append((start, end))
    return lines


def fit(text: str, width: int) -> str:
    """`text` cut to at most `width` columns, ending in "…" when cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        if used + char_width(char) > width - 1:
            break
        out.append(char)
        used += char_width(char)
    return "".join(out) + ELLIPSIS


# C0 and C1 control characters and DEL: drawn as visible symbols (one character for one, so
# highlight offsets stay right) rather than handed to the terminal to obey.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _control_picture(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (␛ for ESC)
    return "\u2421" if code == 0x7F else "\ufffd"


def visible(text: str) -> str:
    """`text` with control characters replaced by visible symbols of the same length."""
    return CONTROL_CHARACTERS.sub(_control_picture, text)


def hyperlink(url: str, label: str) -> str:
    """An OSC 8 hyperlink: `label` shown, `url` opened when clicked."""
    return f"{ESC}]8;;{url}{ESC}\\{label}{ESC}]8;;{ESC}\\"


def link_text(url: str, style: TerminalStyle, room: int | None) -> str:
    """A link as the terminal shows it: in full, so it can be copied or clicked, unless the
    terminal takes hyperlinks; then, when the address is percent-encoded or wider than `room`,
    a readable label (decoded, without the scheme, cut to fit) that opens the full address."""
    url = visible(url)
    if not style.hyperlinks:
        return url
    long = "%" in url or (room is not None and display_width(url) > room)
    if not long:
        return hyperlink(url, url)
    label = visible(unquote(re.sub(r"^https?://", "", url)))
    return hyperlink(url, fit(label, room) if room is not None else label)


_NAMED_HYPERLINK_TERMINALS = ("iTerm.app", "WezTerm", "vscode", "ghostty")
_HYPERLINK_TERMS = ("xterm-kitty", "foot", "alacritty", "wezterm", "xterm-ghostty")


def supports_hyperlinks(is_tty: bool, environ: dict[str, str]) -> bool:
    """Whether OSC 8 links may be written: FORCE_HYPERLINK=1 or 0 decides; otherwise only on a
    terminal (never TERM=dumb, nor inside tmux or screen, which may pass the sequence on badly)
    that says it is one known to support them."""
    forced = environ.get("FORCE_HYPERLINK", "").strip()
    if forced:
        return forced not in ("0", "false", "no", "off")
    term = environ.get("TERM", "")
    if not is_tty or term in ("", "dumb") or environ.get("TMUX") or term.startswith("screen"):
        return False
    if environ.get("TERM_PROGRAM") in _NAMED_HYPERLINK_TERMINALS or term in _HYPERLINK_TERMS:
        return True
    if environ.get("WT_SESSION") or environ.get("KONSOLE_VERSION") or environ.get("KITTY_WINDOW_ID"):
        return True
    vte = environ.get("VTE_VERSION", "")
    return vte.isdigit() and int(vte) >= 5000  # GNOME Terminal and other VTE terminals since 0.50


def detect_style(is_tty: bool, columns: int, environ: dict[str, str]) -> TerminalStyle:
    """The style for standard output: plain and unwrapped unless it is a terminal; bold unless
    NO_COLOR is set or TERM=dumb; wrapped at `columns` (the terminal's width)."""
    if not is_tty:
        return TerminalStyle(hyperlinks=supports_hyperlinks(False, environ))
    color = not environ.get("NO_COLOR") and environ.get("TERM", "") != "dumb"
    return TerminalStyle(color=color, width=max(columns, MIN_WRAP_WIDTH), hyperlinks=supports_hyperlinks(True, environ))


# Narrower than this, wrapping would put a word or two on each line: use this width instead.
MIN_WRAP_WIDTH = 20
