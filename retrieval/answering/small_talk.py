"""Greetings, thanks and questions about the bot itself: messages that want a usage hint, not a
quote and not "the articles don't say".

A message is small talk only when the whole of it is: "hi", "thanks!", "hello, what can you
do?". A question that merely starts with a greeting ("hi, what is Cameo?") is a question.
"""

from __future__ import annotations

import re
import unicodedata

from retrieval.text.chinese import CJK_RUN, to_simplified

# Longer messages are never small talk (and the pattern need not scan them).
MAX_SMALL_TALK_CHARS = 60

_ENGLISH = (
    r"hi|hii+|hello|hey|heya|yo|hiya|howdy|greetings|good (?:morning|afternoon|evening|day)|"
    r"thanks?|thank you|thanks a lot|many thanks|thx|ty|cheers|much appreciated|"
    r"ok|okay|cool|nice|great|awesome|got it|bye|goodbye|see you|good night|"
    r"how are you|how are you doing|what'?s up|sup|"
    r"help|who are you|what are you|what can you do|what do you do|how do you work|"
    r"what can i ask|what can i ask you|what should i ask|how does this work|how do i use you|"
    r"what is this bot|what's this bot|are you a bot"
)
_CHINESE = (
    r"你好|您好|嗨|哈喽|哈啰|早安|早上好|午安|晚安|晚上好|大家好|"
    r"谢谢|谢谢你|谢谢您|多谢|感谢|感恩|好的|好|收到|了解|明白了|再见|拜拜|"
    r"你好吗|你是谁|你是什么|你能做什么|你可以做什么|你会什么|你会做什么|怎么用|如何使用|帮助|"
    r"我可以问什么|可以问什么|我能问什么"
)
# Words that may stand around small talk without making it a question.
_FILLER = r"(?:\s*(?:bot|there|all|everyone|guys|so much|very much|again|you|please|请问|请|呀|啊|哦|喔|吧|啦|呢|吗|么|你))*"
_SMALL_TALK = re.compile(
    rf"^(?:(?:{_ENGLISH}|{_CHINESE}){_FILLER}[\s,.!?~，。！？、…]*)+$",
    re.IGNORECASE,
)


def is_small_talk(text: str) -> bool:
    """True when the whole message is a greeting, thanks, goodbye or a question about the bot."""
    folded = unicodedata.normalize("NFKC", text).strip().lower().replace("’", "'")
    if not folded or len(folded) > MAX_SMALL_TALK_CHARS:
        return False
    if CJK_RUN.search(folded):
        folded = to_simplified(folded)
    return _SMALL_TALK.match(folded) is not None
