"""The terminal front end: answers rendered as readable text, or as JSON lines."""

from __future__ import annotations

import json
from typing import IO, Any

from bot.messages import empty_question, not_in_articles, question_truncated, small_talk_reply
from retrieval import Answer, ArticleInfo, Engine
from retrieval.engine import MAX_QUESTION_CHARS

BOLD = "\033[1m"
RESET = "\033[0m"


def render_answer(answer: Answer, color: bool = False) -> str:
    """The answer as text for a terminal; matched terms in bold when `color` is set."""
    lines: list[str] = []
    if answer.truncated:
        lines.append(question_truncated(answer.lang, MAX_QUESTION_CHARS))
    if answer.small_talk:
        lines.append(small_talk_reply(answer.lang))
        return "\n".join(lines)
    if not answer.answered:
        lines.append(not_in_articles(answer.lang))
        lines.append("(python -m bot sources)")
        return "\n".join(lines)
    for number, hit in enumerate(answer.hits, start=answer.offset + 1):
        excerpt = _emphasize(hit.excerpt, hit.highlights, color)
        source = " · ".join(_source_parts(hit.article))
        lines.append(f"{number}. “{excerpt}”")
        lines.append(f"   — {source}")
        if hit.quote_url or hit.article.url:
            lines.append(f"   {hit.quote_url or hit.article.url}")
        lines.append("")
    return "\n".join(lines).rstrip()


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


def render_sources(articles: tuple[ArticleInfo, ...]) -> str:
    """The articles the answers quote, one block each: title, publisher and date, link."""
    blocks = []
    for number, article in enumerate(articles, start=1):
        lines = [f"{number}. " + " · ".join(_source_parts(article))]
        if article.url:
            lines.append(f"   {article.url}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _source_parts(article: ArticleInfo) -> list[str]:
    parts = [article.display_title]
    if article.publisher and article.publisher != article.display_title:
        parts.append(article.publisher)
    if article.published:
        parts.append(article.published)
    return parts


def _emphasize(text: str, spans: tuple[tuple[int, int], ...], color: bool) -> str:
    if not color:
        return text
    out, cursor = [], 0
    for start, end in spans:
        out.append(text[cursor:start])
        out.append(f"{BOLD}{text[start:end]}{RESET}")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def answer_json_lines(engine: Engine, lines: IO[str], out: IO[str], top_k: int) -> int:
    """Answer one question per input line (a JSON object with "question" and optional "id", or
    plain text), writing one JSON line per input line, in order. Returns the count of errors."""
    errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        result = _answer_line(engine, line, number, top_k)
        errors += "error" in result
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return errors


def _answer_line(engine: Engine, line: str, number: int, top_k: int) -> dict[str, Any]:
    item: Any = line.strip()
    if item.startswith("{"):
        try:
            item = json.loads(item)
        except json.JSONDecodeError as error:
            return {"id": None, "line": number, "error": f"line {number} is not valid JSON: {error.msg}"}
        if not isinstance(item, dict):
            return {"id": None, "line": number, "error": f"line {number}: expected a JSON object"}
        question, qid = item.get("question"), item.get("id")
    else:
        question, qid = item, None
    if not isinstance(question, str):
        return {"id": qid, "line": number, "error": f"line {number}: \"question\" must be a string"}
    if not question.strip():
        return {"id": qid, "line": number, "error": f"line {number}: {empty_question()}"}
    try:
        return engine.answer(question, top_k=top_k).to_dict(id=qid)
    except Exception as error:  # one bad question must not cost the others their answers
        return {"id": qid, "line": number, "error": f"line {number}: could not be answered ({type(error).__name__})"}
