"""One tokenizer for passages and questions, for text that mixes Latin script and Chinese.

Latin-script words are NFKC-normalized (full-width letters and digits become ASCII), lower-cased,
stemmed (Snowball English), and a word that mixes letters and digits ("sora2") is indexed both
whole and in its parts ("sora", "2"), so that "Sora2" and "Sora 2" meet. Chinese runs are
converted to Simplified (OpenCC t2s) so either script finds the other, then segmented with jieba;
every pair of neighbouring characters is a term too, which rescues words jieba splits differently
in question and passage. A passage's Traditional words that Taiwan says differently from the
mainland (視訊, 軟體) are also indexed in the mainland's word (视频, 软件), so a question in
Simplified finds them in its own words. Stopwords are dropped. Each token keeps its character span in the
original text, which is what is always displayed.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import threading
import types
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from retrieval.text.chinese import CJK_CHAR, segment, to_mainland_words, to_simplified
from retrieval.text.stopwords import CHINESE_STOPWORDS, ENGLISH_STOPWORDS

_RUNS = re.compile(f"(?P<cjk>[{CJK_CHAR}]+)|(?P<word>[^\\W_{CJK_CHAR}]+)")
_LETTERS_OR_DIGITS = re.compile(r"[^\W\d_]+|\d+")
_VERSION_SEPARATORS = (" ", "-", "\u2011", "\u00a0")


def _english_stemmer_class():
    """Snowball's English stemmer alone. `import snowballstemmer` imports all of its 30-odd
    languages (about 25 ms of every start); its English module and the two it needs are loaded
    here under a private package name instead, leaving `snowballstemmer` itself untouched."""
    name = "_snowballstemmer_english"
    if name not in sys.modules:
        package = types.ModuleType(name)
        package.__path__ = list(importlib.util.find_spec("snowballstemmer").submodule_search_locations)
        sys.modules[name] = package
    return importlib.import_module(f"{name}.english_stemmer").EnglishStemmer


_EnglishStemmer = _english_stemmer_class()


# A Snowball stemmer keeps its working word in the object: two threads sharing one garble each
# other's stems or raise IndexError, so each thread gets its own.
_stemmers = threading.local()


def _stem_word(word: str) -> str:
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = _EnglishStemmer()
    return stemmer.stemWord(word)


class Token(NamedTuple):
    """A term and the span of original text it was read from; `bigram` marks the character
    pairs added beside jieba's words."""

    term: str
    start: int
    end: int
    bigram: bool = False


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stem_word(word) if word.isascii() and word.isalpha() else word


def _word_tokens(word: str, start: int) -> list[Token]:
    norm = unicodedata.normalize("NFKC", word).lower()
    parts = _LETTERS_OR_DIGITS.findall(norm)
    if len(parts) <= 1:
        if norm in ENGLISH_STOPWORDS:
            return []
        return [Token(_stem(norm), start, start + len(word))]
    tokens = [Token(norm, start, start + len(word))]
    aligned = len(norm) == len(word)
    offset = 0
    for part in parts:
        offset = norm.index(part, offset)
        if part not in ENGLISH_STOPWORDS:
            if aligned:
                tokens.append(Token(_stem(part), start + offset, start + offset + len(part)))
            else:
                tokens.append(Token(_stem(part), start, start + len(word)))
        offset += len(part)
    return tokens


def _simplified_run(run: str) -> str:
    simplified = to_simplified(unicodedata.normalize("NFKC", run))
    if len(simplified) == len(run):
        return simplified
    # A phrase conversion changed the length: convert character by character to keep spans.
    return "".join((to_simplified(ch) or ch)[0] for ch in run)


_FUNCTION_CHARS = frozenset(word for word in CHINESE_STOPWORDS if len(word) == 1)


def _is_function_pair(pair: str) -> bool:
    """A pair that is a stopword or leans on a particle ("堂在", "的版") matches by accident."""
    return pair in CHINESE_STOPWORDS or pair[0] in _FUNCTION_CHARS or pair[1] in _FUNCTION_CHARS


def _mainland_synonyms(run: str, text: str, words: list[Token], start: int) -> list[Token]:
    """The mainland's words for the Taiwan words of a Traditional `run` (`text`: its Simplified
    form; `words`: jieba's words of it), as tokens over the same spans."""
    if text == run:  # no Traditional characters: nothing Taiwan-specific to tell apart
        return []
    mainland = to_mainland_words(unicodedata.normalize("NFKC", run))
    if mainland == text:
        return []
    synonyms = []
    for word in words:
        original = run[word.start - start : word.end - start]
        same_length = len(mainland) == len(text)
        other = mainland[word.start - start : word.end - start] if same_length else to_mainland_words(original)
        if other != word.term and len(other) > 1 and other not in CHINESE_STOPWORDS:
            synonyms.append(Token(other, word.start, word.end))
    return synonyms


def _cjk_tokens(run: str, start: int, mainland_synonyms: bool = False) -> list[Token]:
    text = _simplified_run(run)
    tokens: list[Token] = []
    offset = 0
    for word in segment(text):
        if word not in CHINESE_STOPWORDS and not word.isspace():
            tokens.append(Token(word, start + offset, start + offset + len(word)))
        offset += len(word)
    if mainland_synonyms:
        tokens += _mainland_synonyms(run, text, tokens, start)
    words_at = {(t.start, t.end) for t in tokens}
    for i in range(len(text) - 1):
        pair = text[i : i + 2]
        if (start + i, start + i + 2) in words_at or _is_function_pair(pair):
            continue
        tokens.append(Token(pair, start + i, start + i + 2, True))
    return tokens


def tokenize(text: str, segment_chinese: bool = True, mainland_synonyms: bool = False) -> list[Token]:
    """The tokens of `text` in reading order (bigrams of a Chinese run follow its words).

    With `segment_chinese=False`, Chinese runs are skipped, so jieba need not be loaded: use it
    when the other side of the match holds no Chinese terms. With `mainland_synonyms` (for the
    passages indexed, not for questions: a question's own words are matched as they are),
    Taiwan words also give the mainland's word over the same span.
    """
    tokens: list[Token] = []
    previous_word = None
    for match in _RUNS.finditer(text):
        if match.lastgroup == "word":
            tokens.extend(_word_tokens(match.group(), match.start()))
            if previous_word is not None:
                tokens.extend(_versioned_name(text, previous_word, match))
            previous_word = match
        else:
            previous_word = None
            if segment_chinese:
                tokens.extend(_cjk_tokens(match.group(), match.start(), mainland_synonyms))
    return tokens


def _versioned_name(text: str, word: re.Match, number: re.Match) -> list[Token]:
    """"Sora 2", "Gen-4", "Veo 3" also give the joined term ("sora2"), as "Sora2" does: a
    product and its version are one name, however they are spelled."""
    if text[word.end() : number.start()] not in _VERSION_SEPARATORS:
        return []
    name = unicodedata.normalize("NFKC", word.group()).lower()
    version = unicodedata.normalize("NFKC", number.group())
    if not (name.isalpha() and version.isdigit()) or (len(name) > 1 and name in ENGLISH_STOPWORDS):
        return []
    return [Token(name + version, word.start(), number.end())]


def terms(text: str) -> list[str]:
    """Just the terms of `text`, as the index sees them."""
    return [token.term for token in tokenize(text)]


def has_chinese(text: str) -> bool:
    """True when `text` holds at least one Chinese character."""
    return re.search(f"[{CJK_CHAR}]", text) is not None
