"""The terminal front end: answers rendered as readable text, or as JSON lines."""

from __future__ import annotations

import json
from typing import IO, Any

from bot.runtime.messages import (
    article_label,
    empty_question,
    not_in_articles,
    not_sure_intro,
    question_truncated,
    small_talk_reply,
)
from bot.runtime.quote_source import article_facts, article_file, code_lines, hit_link, place_without_link, titled_section
from bot.cli.terminal_input import read_lines, without_escape_sequences
from bot.cli.terminal_layout import BOLD, RESET, TerminalStyle, display_width, link_text, visible, wrap_spans
from retrieval import Answer, ArticleInfo, Engine, Hit
from retrieval.engine import MAX_QUESTION_CHARS

# A tab in quoted code is shown as this many spaces (a terminal's tab stops would misalign the indent).
CODE_TAB_WIDTH = 4


def render_answer(answer: Answer, style: TerminalStyle = TerminalStyle()) -> str:
    """The answer as text for a terminal: each quote wrapped at `style.width` with its source
    and its link (or, without one, where in the collection it stands) under it; matched terms
    in bold when `style.color` is set. Code is kept line by line, never re-wrapped; an answer
    the engine is not sure of opens with a line saying so."""
    lines: list[str] = []
    if answer.truncated:
        lines += _wrapped(question_truncated(answer.lang, MAX_QUESTION_CHARS), "", style.width)
    if answer.small_talk:
        lines += _wrapped(small_talk_reply(answer.lang), "", style.width)
        return "\n".join(lines)
    if not answer.answered:
        lines += _wrapped(not_in_articles(answer.lang), "", style.width)
        lines.append("(python -m bot sources)")
        return "\n".join(lines)
    if answer.uncertain:
        lines += _wrapped(not_sure_intro(answer.lang), "", style.width)
        lines.append("")
    for number, hit in enumerate(answer.hits, start=answer.offset + 1):
        marker = f"{number}. "
        indent = " " * len(marker)
        if hit.about_article:
            lines += _article_lines(hit, answer.lang, marker, indent, style)
        else:
            lines += _code_lines(hit, marker, indent) if hit.code else _quote_lines(hit, marker, indent, style)
            lines += _wrapped("— " + " · ".join(_hit_source_parts(hit)), indent, style.width)
        lines += _link_or_place(hit, indent, style)
        lines.append("")
    return "\n".join(lines).rstrip()


def _quote_lines(hit: Hit, marker: str, indent: str, style: TerminalStyle) -> list[str]:
    # The quote marks are wrapped with the excerpt, so the highlights move one along.
    quote = f"“{visible(hit.excerpt)}”"
    spans = tuple((start + 1, end + 1) for start, end in hit.highlights) if style.color else ()
    return _wrapped(quote, indent, style.width, spans, first_prefix=marker)


def _code_lines(hit: Hit, marker: str, indent: str) -> list[str]:
    """Code as it stands, one line of the excerpt per line (a tab as four spaces), never wrapped:
    re-wrapping would change what it says. The number stands on a line of its own above it."""
    return [marker.rstrip()] + [(indent + visible(line.expandtabs(CODE_TAB_WIDTH))).rstrip() for line in code_lines(hit.excerpt)]


def _article_lines(hit: Hit, lang: str, marker: str, indent: str, style: TerminalStyle) -> list[str]:
    """An article given as the answer (who wrote it, which outlet, when): its title and known
    facts, then its details line as the text states it, not in quote marks (it is no quote)."""
    heading = article_label(lang) + " · ".join(_source_parts(hit.article, with_author=True))
    lines = _wrapped(heading, indent, style.width, first_prefix=marker)
    if hit.excerpt.strip():
        spans = hit.highlights if style.color else ()
        lines += _wrapped(visible(hit.excerpt), indent, style.width, spans)
    return lines


def _link_or_place(hit: Hit, indent: str, style: TerminalStyle) -> list[str]:
    """The link under a quote; without one, where the quote stands ("src/ch16.md:42")."""
    url = hit_link(hit)
    if url:
        room = None if style.width is None else style.width - len(indent)
        return [indent + link_text(url, style, room)]
    return _wrapped(visible(place_without_link(hit) or ""), indent, style.width)


def _wrapped(text: str, indent: str, width: int | None, spans: tuple[tuple[int, int], ...] = (),
             first_prefix: str | None = None) -> list[str]:
    """`text` in lines of at most `width` columns (one line when None), the first after
    `first_prefix` (default `indent`) and the others after `indent`; `spans` in bold."""
    first = indent if first_prefix is None else first_prefix
    if width is None:
        return [first + _emphasize(text, 0, len(text), spans)]
    lines = wrap_spans(text, max(width - len(indent), 1), max(width - display_width(first), 1)) or [(0, 0)]
    return [(first if i == 0 else indent) + _emphasize(text, start, end, spans) for i, (start, end) in enumerate(lines)]


def _emphasize(text: str, start: int, end: int, spans: tuple[tuple[int, int], ...]) -> str:
    """text[start:end], with the parts of `spans` inside it in bold (closed on each line, so an
    indent or the next line is never bold)."""
    out, cursor = [], start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start >= span_end:
            continue
        out.append(text[cursor:span_start])
        out.append(f"{BOLD}{text[span_start:span_end]}{RESET}")
        cursor = span_end
    out.append(text[cursor:end])
    return "".join(out)


PROGRESS_WIDTH = 30


def progress_bar(stream: IO[str], label: str):
    """A progress callback (done, total) that redraws one line on a terminal, ending it at 100%."""

    def draw(done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = int(share * PROGRESS_WIDTH)
        stream.write(f"\r{label} [{'#' * filled}{'.' * (PROGRESS_WIDTH - filled)}] {share:4.0%}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return draw


# Where there is no terminal to redraw a bar on, progress is a line at most this often.
PROGRESS_LINE_SECONDS = 10.0


def progress_lines(stream: IO[str], label: str):
    """A progress callback (done, total characters) that writes a line at the start, at most
    every PROGRESS_LINE_SECONDS, and at the end, with the speed so far: for logs and pipes."""
    import time

    started, last = [0.0], [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if not started[0]:
            started[0] = now
        if done and done < total and now - last[0] < PROGRESS_LINE_SECONDS:
            return
        last[0] = now
        rate = done / max(now - started[0], 1e-9)
        speed = f", {rate:,.0f} characters/s" if done else ""
        stream.write(f"{label}: {100 * done // max(total, 1)}% ({done:,} of {total:,} characters{speed})\n")
        stream.flush()

    return report


def render_sources(articles: tuple[ArticleInfo, ...], style: TerminalStyle = TerminalStyle()) -> str:
    """The articles the answers quote, one block each: title, publisher and date, link (without
    one, the article's file in the collection)."""
    blocks = []
    for number, article in enumerate(articles, start=1):
        marker = f"{number}. "
        indent = " " * len(marker)
        lines = _wrapped(" · ".join(_source_parts(article)), indent, style.width, first_prefix=marker)
        if article.url:
            room = None if style.width is None else style.width - len(indent)
            lines.append(indent + link_text(article.url, style, room))
        elif article_file(article):
            lines += _wrapped(visible(article_file(article)), indent, style.width)
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _source_parts(article: ArticleInfo, with_author: bool = False) -> list[str]:
    return [visible(part) for part in [article.display_title, *article_facts(article, with_author)]]


def _hit_source_parts(hit: Hit) -> list[str]:
    """The source under a quote: the title with the section it stands in, then the facts."""
    return [visible(part) for part in [titled_section(hit), *article_facts(hit.article)]]


def clean_question(text: str) -> str:
    """A question as typed in a terminal or piped in: escape sequences removed whole (the
    engine drops the remaining control characters)."""
    return without_escape_sequences(text)


def answer_json_lines(engine: Engine, lines: IO[bytes], out: IO[str], top_k: int) -> int:
    """Answer one question per input line (a JSON object with "question" and optional "id", or
    plain text), writing exactly one JSON line per input line, in order: a line that cannot be
    answered (blank, not UTF-8, JSON that is not an object…) gets {"id", "line", "error"}.
    Returns the count of errors."""
    errors = 0
    for line in read_lines(lines):
        result = _answer_line(engine, line.text, line.number, top_k) if line.error is None else _error(None, line.number, line.error)
        errors += "error" in result
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return errors


def _error(qid: Any, number: int, message: str) -> dict[str, Any]:
    return {"id": qid, "line": number, "error": message}


_JSON_TYPE_NAMES = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true or false",
                    type(None): "null"}


def _answer_line(engine: Engine, line: str, number: int, top_k: int) -> dict[str, Any]:
    text = line.strip()
    if not text:
        return _error(None, number, f"line {number} is blank: {empty_question()}")
    try:
        item: Any = json.loads(text)
    except ValueError as error:  # not JSON: a question in plain text, unless it meant to be an object
        if text.startswith("{"):
            return _error(None, number, f"line {number} is not valid JSON: {getattr(error, 'msg', error)}")
        item = {"question": text}
    if not isinstance(item, dict):
        kind = _JSON_TYPE_NAMES.get(type(item), type(item).__name__)
        return _error(None, number, f'line {number}: expected a JSON object such as {{"question": "..."}} '
                                    f"or a question in plain text, got {kind}")
    question, qid = item.get("question"), item.get("id")
    if not isinstance(question, str):
        return _error(qid, number, f"line {number}: \"question\" must be a string")
    question = clean_question(question)
    if not question.strip():
        return _error(qid, number, f"line {number}: {empty_question()}")
    try:
        return engine.answer(question, top_k=top_k).to_dict(id=qid)
    except Exception as error:  # one bad question must not cost the others their answers
        return _error(qid, number, f"line {number}: could not be answered ({type(error).__name__})")
