"""Laying text out for a terminal: columns, wrapping, links, control characters."""

from __future__ import annotations

import pytest

from bot.cli.terminal_input import read_lines, without_escape_sequences
from bot.cli.terminal_layout import (
    TerminalStyle,
    detect_style,
    display_width,
    link_text,
    supports_hyperlinks,
    visible,
    wrap_spans,
)

ENGLISH = ("Furthermore, when users authorize friends to use their Cameo, it establishes a social connection "
           "based on collaborative creation, forming powerful network effects.")
CHINESE = "Sora 2發布之初,OpenAI採取了一項極具挑釁性的版權政策:默認情況下,模型可以生成包含受版權保護角色的視頻。"


def lines_of(text: str, width: int) -> list[str]:
    return [text[start:end] for start, end in wrap_spans(text, width)]


def test_wide_characters_take_two_columns():
    assert display_width("Sora") == 4
    assert display_width("版權") == 4
    assert display_width("ｓｏｒａ") == 8  # full-width letters
    assert display_width("é") == 1 and display_width("e\u0301") == 1  # a combining accent takes none


@pytest.mark.parametrize("width", [20, 33, 50, 80])
def test_english_wraps_between_words_and_keeps_every_word_whole(width):
    lines = lines_of(ENGLISH, width)
    assert all(display_width(line) <= width for line in lines)
    assert " ".join(lines) == ENGLISH  # nothing lost, no word cut
    assert len(lines) > 1


@pytest.mark.parametrize("width", [10, 21, 40])
def test_chinese_wraps_anywhere_but_counts_two_columns_a_character(width):
    lines = lines_of(CHINESE, width)
    assert all(display_width(line) <= width for line in lines)
    assert "".join(lines) == CHINESE
    assert max(display_width(line) for line in lines) >= width - 2  # lines are filled, not halved


def test_punctuation_never_starts_a_line_and_latin_words_stay_whole_in_chinese():
    for width in range(8, 40):
        lines = lines_of(CHINESE, width)
        assert not any(line[0] in ",:。，、" for line in lines), (width, lines)
        assert not any(line.endswith("Open") or line.startswith("AI") for line in lines), (width, lines)


def test_a_word_longer_than_the_line_overflows_its_own_line_uncut():
    word = "https://example.com/" + "a" * 60
    assert lines_of(f"see {word} here", 30) == ["see", word, "here"]


def test_control_characters_are_shown_not_obeyed_and_keep_their_length():
    text = "red \x1b[31m bell \x07 del \x7f c1 \x9b"
    shown = visible(text)
    assert len(shown) == len(text)
    assert not any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in shown)
    assert "␛[31m" in shown


@pytest.mark.parametrize("text, clean", [
    ("\x1b[31mWhat is Cameo?\x1b[0m", "What is Cameo?"),
    ("What \x1b[1;4mis\x1b[m Cameo?", "What is Cameo?"),
    ("\x1b]0;a title\x07What is Cameo?", "What is Cameo?"),
    ("\x1b]8;;https://example.com\x1b\\What\x1b]8;;\x1b\\ is Cameo?", "What is Cameo?"),
    ("\x9b31mWhat is Cameo?", "What is Cameo?"),
    ("What is Cameo?\x1b", "What is Cameo?\x1b"),  # a lone ESC is left to the engine, which drops it
])
def test_escape_sequences_are_removed_whole_from_questions(text, clean):
    assert without_escape_sequences(text) == clean


def test_input_lines_are_numbered_and_a_line_that_is_not_utf8_says_so():
    import io

    lines = list(read_lines(io.BytesIO("first\n\xff\n".encode("latin-1") + "第三\r\n".encode() + b"\xe7\x89\n")))
    assert [(line.number, line.text) for line in lines] == [(1, "first"), (2, None), (3, "第三"), (4, None)]
    assert lines[1].error == "line 2 is not valid UTF-8 (byte 0xff at byte 1)"
    assert lines[3].error.startswith("line 4 is not valid UTF-8")


LONG_URL = "https://ceacer.cn/42386.html#:~:text=Sora%202%E7%99%BC%E5%B8%83%E4%B9%8B%E5%88%9D,%E5%89%B5%E4%BD%9C%E8%80%85"


def test_a_long_encoded_link_is_a_short_readable_hyperlink_where_supported():
    shown = link_text(LONG_URL, TerminalStyle(hyperlinks=True), room=40)
    assert shown.startswith(f"\x1b]8;;{LONG_URL}\x1b\\")  # clicking opens the whole address
    label = shown.split("\x1b\\")[1].removesuffix("\x1b]8;;")
    assert label.startswith("ceacer.cn/42386.html#:~:text=Sora 2") and label.endswith("…")
    assert display_width(label) <= 40


def test_without_hyperlinks_a_link_is_shown_in_full():
    assert link_text(LONG_URL, TerminalStyle(hyperlinks=False), room=40) == LONG_URL


@pytest.mark.parametrize("is_tty, environ, expected", [
    (True, {"TERM": "xterm-256color", "VTE_VERSION": "7600"}, True),
    (True, {"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, True),
    (True, {"TERM": "xterm-kitty"}, True),
    (True, {"TERM": "xterm-256color"}, False),  # an unknown terminal may print the sequence
    (True, {"TERM": "dumb", "VTE_VERSION": "7600"}, False),
    (True, {"TERM": "screen", "VTE_VERSION": "7600"}, False),
    (True, {"TERM": "xterm-256color", "VTE_VERSION": "7600", "TMUX": "/tmp/tmux"}, False),
    (False, {"TERM": "xterm-256color", "VTE_VERSION": "7600"}, False),  # a pipe or a file
    (False, {"FORCE_HYPERLINK": "1"}, True),
    (True, {"TERM": "xterm-kitty", "FORCE_HYPERLINK": "0"}, False),
])
def test_hyperlinks_are_used_only_where_the_terminal_is_known_to_support_them(is_tty, environ, expected):
    assert supports_hyperlinks(is_tty, environ) is expected


def test_colour_and_wrapping_only_on_a_terminal_and_no_colour_with_no_color():
    assert detect_style(False, 80, {"TERM": "xterm"}) == TerminalStyle(color=False, width=None, hyperlinks=False)
    assert detect_style(True, 80, {"TERM": "xterm"}) == TerminalStyle(color=True, width=80, hyperlinks=False)
    assert detect_style(True, 80, {"TERM": "xterm", "NO_COLOR": "1"}).color is False
    assert detect_style(True, 80, {"TERM": "dumb"}).color is False
