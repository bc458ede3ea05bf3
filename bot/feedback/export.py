"""Unanswered questions written as evaluation questions, in the format of
../shared/eval/dev_qa.jsonl without answers, for a person to review and complete."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import IO

from bot.feedback.question_key import question_key
from bot.feedback.report import NOT_SURE, UnansweredQuestion


def evaluation_question(item: UnansweredQuestion) -> dict[str, object]:
    """One line of the export. `answerable` is false, as the bot does not answer it today;
    `kind` says why it is here ("declined", "uncertain": answered only with the closest quotes,
    or "downvoted"): a reviewer changes it to
    out-of-scope or near-scope, or makes the question answerable with `articles` and `answers`.
    The id is the same in every export, so re-exported questions are recognised."""
    digest = hashlib.sha256(question_key(item.question).encode()).hexdigest()[:10]
    return {
        "id": f"fb-{digest}",
        "question": item.question,
        "lang": item.lang,
        "kind": "downvoted" if item.downvoted else "uncertain" if item.why == NOT_SURE else "declined",
        "answerable": False,
    }


def write_evaluation_questions(items: Iterable[UnansweredQuestion], out: IO[str]) -> int:
    """Write one JSON line per question; return how many."""
    count = 0
    for item in items:
        out.write(json.dumps(evaluation_question(item), ensure_ascii=False) + "\n")
        count += 1
    return count
