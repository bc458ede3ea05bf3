"""Chinese text tools, loaded on first use: OpenCC script conversion and jieba segmentation.

jieba's dictionary costs about 0.3 s of CPU and 60 MB to load (see retrieval/text/jieba_dictionary.py),
so nothing here is imported until a piece of text actually holds Chinese characters.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

# CJK Unified Ideographs, extension A, compatibility ideographs and the supplementary planes.
CJK_CHAR = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK_RUN = re.compile(f"[{CJK_CHAR}]+")
# A Chinese character carries about as much as a short English word: where lengths or counts are
# compared across scripts, it weighs like this many Latin letters.
CJK_CHAR_WEIGHT = 3

_jieba_lock = threading.Lock()
_jieba_tokenizer = None
_jieba_cache_dir: str | None = None


@lru_cache(maxsize=3)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional characters converted to Simplified (OpenCC t2s); other text unchanged."""
    return _converter("t2s").convert(text)


def to_mainland_words(text: str) -> str:
    """Traditional text converted to Simplified with Taiwan's words replaced by the mainland's
    (OpenCC tw2sp: 視訊 → 视频, 軟體 → 软件, 網路 → 网络); the length may change."""
    return _converter("tw2sp").convert(text)


def to_traditional(text: str) -> str:
    """Simplified characters converted to Traditional (OpenCC s2t)."""
    return _converter("s2t").convert(text)


def _tokenizer():
    global _jieba_tokenizer
    with _jieba_lock:
        if _jieba_tokenizer is None:
            from retrieval.text.jieba_dictionary import load_tokenizer

            _jieba_tokenizer = load_tokenizer(_jieba_cache_dir or None)
    return _jieba_tokenizer


def segment(run: str) -> list[str]:
    """jieba's words for a run of Chinese characters, in order; they concatenate to `run`."""
    return _tokenizer().lcut(run, HMM=True)


def use_cache_dir(directory: str) -> None:
    """Keep jieba's dictionary cache in `directory` instead of the system's temporary folder."""
    global _jieba_cache_dir
    _jieba_cache_dir = directory


def prepare_segmenter() -> None:
    """Load jieba's dictionary now (for a warm start), instead of on the first Chinese text."""
    _tokenizer()
