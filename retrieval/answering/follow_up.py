"""Follow-up questions: a question asked in reply to an earlier answer may lean on the earlier
question ("and in China?" after "How many downloads did the app get?"). This decides whether it
does, and forms the question searched then: the earlier question with the new one after it, so
the earlier topic is matched along with what the new question adds.

A question that stands on its own ("What is the Cameo feature?") is searched as it is, even in
reply to an answer. Nothing here knows where the questions came from.
"""

from __future__ import annotations

import re

from retrieval.text.tokenizer import has_chinese, tokenize

# Words a follow-up opens with: it continues the earlier question.
ENGLISH_OPENERS = frozenset("and but also or plus so then what's whats how's hows".split())
ENGLISH_OPENING_PHRASES = ("what about", "how about", "what of", "same for", "same in", "and what", "and how")
# Words that point back at what the earlier question was about.
ENGLISH_POINTERS = frozenset("it its it's they them their theirs this that these those there he him his she her".split())
# Words a question that stands on its own usually starts with.
ENGLISH_QUESTION_STARTS = frozenset(
    "what which who whom whose when where why how is are was were do does did can could will would should has have had"
    " list name tell explain describe".split()
)
CHINESE_OPENERS = ("那", "还有", "還有", "另外", "以及", "而", "并且", "並且", "同樣", "同样", "至于", "至於")
CHINESE_POINTERS = ("它", "它们", "它們", "他们", "他們", "这个", "這個", "那个", "那個")
# A Chinese follow-up often ends with 呢 ("中国呢？": "and China?").
CHINESE_FOLLOW_UP_ENDING = re.compile(r"呢[\s?？!！。.]*$")
# A question with no more content words than this, and no question word, is a fragment.
FRAGMENT_TERMS = 2
_WORDS = re.compile(r"[a-z0-9']+")


def is_follow_up(question: str) -> bool:
    """Whether `question` leans on an earlier one: it opens like a continuation ("and…",
    "what about…", "那…"), points back ("it", "they", "它"), or is a fragment ("in China?")."""
    text = question.strip().lower()
    if not text:
        return False
    if has_chinese(text):
        return _chinese_follow_up(text)
    words = _WORDS.findall(text)
    if not words:
        return False
    if words[0] in ENGLISH_OPENERS or text.startswith(ENGLISH_OPENING_PHRASES):
        return True
    if any(word in ENGLISH_POINTERS for word in words):
        return True
    return words[0] not in ENGLISH_QUESTION_STARTS and _content_terms(text) <= FRAGMENT_TERMS


def question_to_search(question: str, earlier: str | None) -> str:
    """The question to search for `question`, asked after `earlier` (None: asked on its own):
    for a follow-up, the earlier question followed by this one; else `question` unchanged."""
    if not earlier or not earlier.strip() or not is_follow_up(question):
        return question
    return f"{earlier.strip()} {question.strip()}"


def _chinese_follow_up(text: str) -> bool:
    if text.startswith(CHINESE_OPENERS) or CHINESE_FOLLOW_UP_ENDING.search(text):
        return True
    return any(pointer in text for pointer in CHINESE_POINTERS)


def _content_terms(text: str) -> int:
    return len({token.term for token in tokenize(text, segment_chinese=False)})
