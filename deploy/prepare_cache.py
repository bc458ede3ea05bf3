"""Build-time warm-up: index the articles, gather their sentence vectors (from the vectors the
corpus ships, or computed) and load jieba's dictionary, all cached on disk.

Run by the Dockerfile as `python prepare_cache.py CORPUS_DIR CACHE_DIR`; the image's containers
then load both from CACHE_DIR instead of building them. Fails the build if the engine cannot
answer a question in English and in Chinese.
"""

from __future__ import annotations

import sys
import time

from retrieval import Engine
from retrieval.text.chinese import prepare_segmenter
from retrieval.semantic.embedder import load_embedder

QUESTIONS = ("What is Sora 2?", "Sora 2 是什麼？")


def main(corpus_dir: str, cache_dir: str) -> int:
    started = time.perf_counter()
    choice = load_embedder()
    print(f"prepare_cache: answers: {choice.description}")
    engine = Engine.from_directory(corpus_dir, cache_dir, embedder=choice.embedder)
    prepare_segmenter()
    for question in QUESTIONS:
        if not engine.answer(question).answered:
            print(f"prepare_cache: the engine did not answer {question!r}", file=sys.stderr)
            return 1
    print(f"prepare_cache: {len(engine.articles)} articles indexed into {cache_dir} "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
