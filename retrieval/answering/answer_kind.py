"""What kind of answer a question asks for, as far as it shows: a quantity or a time ("how many",
"when", "多少", "什麼時候"). Such a question is answered by a quote that states a number or a
date; a quote without one, however well its words match, answers something else.
"""

from __future__ import annotations

import re

# "when" asks for a time only as the question word ("When did…", "since when"), not as a
# conjunction ("What began in 1527 when Luther…").
_WANTS_QUANTITY = re.compile(
    r"\b(?:how\s+(?:many|much|long|old|far|big|large|often|fast|high|tall|soon|quickly)|"
    r"what\s+(?:year|years|date|day|month|time|age|percentage|percent|share|proportion|number|amount|price|size)|"
    r"which\s+(?:year|date|day|month))\b|^\W*(?:(?:and|so|but)\s+)?when\b|\b(?:since|until|till)\s+when\b"
    r"|多少|几|幾|多久|多长|多長|多大|多高|多远|多遠|多快|哪一?年|哪一?天|什么时候|什麼時候|何时|何時|百分之",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|hundreds|thousand|thousands|million|millions|billion|billions|trillion|dozen|dozens|"
    r"half|once|twice|first|second|third|fourth|fifth|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"today|yesterday|tomorrow|decade|decades|century|centuries"
)
_QUANTITY = re.compile(
    rf"\d+|\b(?:{_NUMBER_WORDS})\b|[一二三四五六七八九十百千万萬亿億两兩半]|[年月日天週周]",
    re.IGNORECASE,
)


def wants_quantity(question: str) -> bool:
    """True when the question asks how many, how much, how long, when, and the like."""
    return _WANTS_QUANTITY.search(question) is not None


# A short number right after a capitalised name is its version ("Sora 2", "GPT-4"), not a quantity.
_VERSION = re.compile(r"\b[A-Z][A-Za-z]*[ -]?(\d{1,2})(?![\d,.]\d)")


def states_quantity(text: str, question: str) -> bool:
    """True when `text` holds a number, a number word or a date word that the question does not
    hold itself (the "2" of "Sora 2" in both is not an answer), leaving out version numbers."""
    asked = {match.group().lower() for match in _QUANTITY.finditer(question)}
    versions = {match.start(1) for match in _VERSION.finditer(text)}
    return any(
        match.group().lower() not in asked and match.start() not in versions for match in _QUANTITY.finditer(text)
    )
