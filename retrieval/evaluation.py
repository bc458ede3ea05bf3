"""Scoring the engine on question files: Answer@1, Answer@3, MRR, and how often it declines.

A hit is right when its excerpt is a verbatim quote of its article (whitespace folded, the
"…" marks of a cut removed), at most MAX_EXCERPT_CHARS long, and contains one of the answer
strings (whitespace folded). A hit about the article itself (`about_article`) is verbatim when
each of its " · "-separated parts is in the article's text or is one of its header fields.
See ../shared/eval/README.md for the file format.

An answerable question counts against the engine only when it is declined outright
(`declined`); a "not sure" answer (`uncertain`) still shows its quotes and is scored by them,
and counted apart (`not_sure`). An unanswerable question counts as handled when it is declined
or answered "not sure" (`declined_or_not_sure`): the reply does not claim the articles answer it.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.answering.article_details import FIELD_SEPARATOR
from retrieval.engine import Engine
from retrieval.answering.excerpts import ELLIPSIS, MAX_EXCERPT_CHARS
from retrieval.text.language import detect_language

_WHITESPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Whitespace runs folded to one space, ends trimmed."""
    return _WHITESPACE.sub(" ", text).strip()


@dataclass
class Tally:
    """Running totals for one group of questions."""

    answerable: int = 0
    at1: int = 0
    at3: int = 0
    reciprocal_rank: float = 0.0
    falsely_declined: int = 0
    not_sure: int = 0
    unanswerable: int = 0
    declined: int = 0
    declined_or_not_sure: int = 0
    not_verbatim: int = 0

    def row(self) -> dict[str, float | int | None]:
        n, u = self.answerable, self.unanswerable
        return {
            "answerable": n,
            "answer@1": self.at1 / n if n else None,
            "answer@3": self.at3 / n if n else None,
            "mrr": self.reciprocal_rank / n if n else None,
            "declined": self.falsely_declined / n if n else None,
            "not_sure": self.not_sure / n if n else None,
            "unanswerable": u,
            "declined_or_not_sure": self.declined_or_not_sure / u if u else None,
        }


@dataclass
class Report:
    """Tallies for all questions and per group ("lang/kind")."""

    overall: Tally = field(default_factory=Tally)
    groups: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[dict] = field(default_factory=list)


def load_questions(path: str | Path) -> list[dict]:
    """The question objects of a JSONL file (blank lines skipped). A line that is not UTF-8,
    not JSON, not an object, or lacks a "question" string raises ValueError naming the line
    of the file."""
    questions = []
    with open(path, "rb") as file:
        for number, raw in enumerate(file, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ValueError(f"line {number} is not valid UTF-8 (at byte {error.start + 1})") from None
            if line.strip():
                questions.append(_question(line, number))
    return questions


def _question(line: str, number: int) -> dict:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"line {number} is not valid JSON: {error.msg} (column {error.colno})") from None
    if not isinstance(item, dict):
        raise ValueError(f"line {number} is not a JSON object")
    if not isinstance(item.get("question"), str) or not item["question"].strip():
        raise ValueError(f'line {number} has no "question" string')
    answers = item.get("answers")
    if answers is not None and not (isinstance(answers, list) and all(isinstance(a, str) for a in answers)):
        raise ValueError(f'line {number}: "answers" must be a list of strings')
    return item


def evaluate(engine: Engine, questions: list[dict], top_k: int = 3) -> Report:
    """Ask every question and tally the answers."""
    texts = {article.info.id: fold(article.text) for article in engine.corpus.articles}
    report = Report()
    for item in questions:
        answer = engine.answer(item["question"], top_k=top_k)
        lang = item.get("lang") or detect_language(item["question"])
        group = f"{lang}/{item.get('kind', 'all')}"
        answerable = item.get("answerable", True)
        for tally in (report.overall, report.groups[group]):
            _count(tally, answer, item, answerable, texts)
        if answerable and not _is_right(answer.hits[:1], item, texts):
            report.misses.append({"id": item.get("id"), "question": item["question"], "answers": item.get("answers"),
                                  "got": answer.hits[0].excerpt if answer.hits else None})
    return report


def _count(tally: Tally, answer, item: dict, answerable: bool, texts: dict[str, str]) -> None:
    if not answerable:
        tally.unanswerable += 1
        tally.declined += not answer.answered
        tally.declined_or_not_sure += not answer.answered or answer.uncertain
        return
    tally.answerable += 1
    if not answer.answered:
        tally.falsely_declined += 1
        return
    tally.not_sure += answer.uncertain
    for rank, hit in enumerate(answer.hits, start=1):
        if not _is_verbatim(hit, texts):
            tally.not_verbatim += 1
            continue
        if _contains_answer(hit.excerpt, item):
            tally.at1 += rank == 1
            tally.at3 += rank <= 3
            tally.reciprocal_rank += 1 / rank
            break


def _is_right(hits, item: dict, texts: dict[str, str]) -> bool:
    return any(_is_verbatim(hit, texts) and _contains_answer(hit.excerpt, item) for hit in hits)


def _is_verbatim(hit, texts: dict[str, str]) -> bool:
    text = texts.get(hit.article.id, "")
    if hit.about_article:
        fields = {hit.article.author, hit.article.publisher, hit.article.published, hit.article.title}
        return all(part in fields or fold(part) in text for part in hit.excerpt.split(FIELD_SEPARATOR))
    quote = fold(hit.excerpt.strip(ELLIPSIS))
    return len(hit.excerpt) <= MAX_EXCERPT_CHARS and quote in text


def _contains_answer(excerpt: str, item: dict) -> bool:
    folded = fold(excerpt)
    return any(fold(answer) in folded for answer in item.get("answers") or [])
