"""`python -m bot ask` in a real terminal (a pseudo-terminal of a chosen width): what a person
sees is wrapped to the window, in bold where it matched, with clickable links where supported."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from bot.cli.terminal_layout import display_width

REPO = Path(__file__).resolve().parent.parent
ESCAPES = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;;[^\x1b]*\x1b\\")


def ask_in_terminal(question: str, columns: int, cache: Path, **environ: str) -> str:
    """What the terminal receives when `python -m bot ask QUESTION` runs in a window `columns`
    wide (line ends as the program wrote them)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_HYPERLINK", "TMUX", "VTE_VERSION", "TERM_PROGRAM")}
    env.update({"TERM": "xterm-256color", "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO)}, **environ)
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    try:
        process = subprocess.Popen([sys.executable, "-m", "bot", "ask", question, "--corpus", str(REPO / "corpus")],
                                   stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.PIPE, env=env)
    finally:
        os.close(terminal)
    received = bytearray()
    try:
        while chunk := _read(controller):
            received += chunk
    finally:
        os.close(controller)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0 and "Traceback" not in stderr.decode(), stderr.decode()
    return received.decode("utf-8").replace("\r\n", "\n")


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: the program closed its end of the terminal
        return b""


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("terminal-cache")


@pytest.mark.parametrize("columns", [40, 72])
def test_an_english_answer_wraps_at_the_window_width_between_words(cache, columns):
    screen = ask_in_terminal("How quickly did the app pass a million installs?", columns, cache)
    lines = ESCAPES.sub("", screen).splitlines()
    text_lines = [line for line in lines if "://" not in line]  # a link is kept whole, on its own line
    assert all(display_width(line) <= columns for line in text_lines), lines
    assert lines[0].startswith("1. “")
    assert all(re.match(r"\d\. “|   \S", line) for line in lines if line)  # a quote's number, or indented under it
    first_quote = " ".join(line.strip() for line in lines[: next(i for i, l in enumerate(lines) if "”" in l) + 1])
    assert "five days" in first_quote  # words split across lines join back into the sentence
    assert "\x1b[1m" in screen  # matched terms in bold on a terminal


def test_a_chinese_answer_counts_each_character_as_two_columns(cache):
    screen = ask_in_terminal("Sora 2最初的版权政策把保护权益的责任推给了谁?", 40, cache)
    lines = [line for line in ESCAPES.sub("", screen).splitlines() if "://" not in line]
    assert all(display_width(line) <= 40 for line in lines), lines
    assert max(display_width(line) for line in lines) >= 36  # filled by width, not by character count
    assert "推給了創作者" in "".join(line.strip() for line in lines)


def test_no_color_turns_bold_off(cache):
    screen = ask_in_terminal("What is Cameo?", 80, cache, NO_COLOR="1")
    assert "\x1b[" not in screen


def test_a_long_link_is_shortened_behind_a_hyperlink_where_the_terminal_supports_them(cache):
    screen = ask_in_terminal("Sora 2最初的版权政策把保护权益的责任推给了谁?", 60, cache, VTE_VERSION="7600")
    links = re.findall(r"\x1b\]8;;([^\x1b]*)\x1b\\([^\x1b]*)\x1b\]8;;\x1b\\", screen)
    assert links
    for url, label in links:
        assert url.startswith("https://ceacer.cn/42386.html#:~:text=") and "%E" in url  # the whole address opens
        assert label.startswith("ceacer.cn/42386.html#:~:text=") and "%" not in label
        assert display_width(label) <= 60 - 3


def test_an_unknown_or_dumb_terminal_gets_the_link_in_full(cache):
    for term in ("xterm-256color", "dumb"):
        screen = ask_in_terminal("Sora 2最初的版权政策把保护权益的责任推给了谁?", 60, cache, TERM=term)
        assert "\x1b]8;;" not in screen
        assert re.search(r"^   https://ceacer\.cn/42386\.html#:~:text=\S+%E\S+$", screen, re.MULTILINE)
