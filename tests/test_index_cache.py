"""The index cache: one memory-mapped file per corpus content, and the files a corpus leaves
behind when its articles change are pruned, never those of another corpus."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

from retrieval import Engine
from retrieval.cache.index_cache import build_index, cache_key, semantic_cache_key
from retrieval.index.passage_table import PassageTable
from tests.test_semantic import ARTICLES, CountingEmbedder, write_articles

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO / "corpus"


def test_a_loaded_index_answers_as_the_built_one(tmp_path):
    first = Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    again = Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    assert isinstance(again.passages, PassageTable)
    assert list(again.passages) == build_index(again.corpus)[0]
    for question in ("How quickly did the app pass a million installs?", "Sora 2 的 Cameo 功能是什么？"):
        assert again.answer(question) == first.answer(question)


def test_an_index_cached_by_other_code_is_not_read(tmp_path, monkeypatch):
    # Upgrading the bot (a new parser or tokenizer) with the same articles rebuilds the index
    # instead of reading passages and terms the new code would misread.
    import retrieval.cache.index_cache as index_cache

    Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    written = {path.name for path in tmp_path.iterdir() if path.suffix == ".index"}
    monkeypatch.setattr(index_cache, "code_digest", lambda: "other code")
    Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    now = {path.name for path in tmp_path.iterdir() if path.suffix == ".index"}
    assert len(written) == 1 and len(now) == 1 and now != written  # rebuilt, and the old file pruned


def test_an_edited_corpus_prunes_its_old_index_but_not_another_corpus(tmp_path):
    cache = tmp_path / "cache"
    mine = tmp_path / "mine"
    shutil.copytree(BUNDLED_CORPUS, mine)
    other = Engine.from_directory(write_articles(tmp_path / "other", ARTICLES), cache)
    before = Engine.from_directory(mine, cache)
    stale = cache / cache_key(before.corpus)
    assert stale.is_file()

    article = mine / "003-those-chasing-sora2.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nThe ZorbLax protocol signs clips.\n", encoding="utf-8")
    after = Engine.from_directory(mine, cache)

    assert (cache / cache_key(after.corpus)).is_file()
    assert not stale.exists()
    assert (cache / cache_key(other.corpus)).is_file()
    assert before.answer("Sora 2").answered  # the pruned file stays readable where it is mapped
    assert after.answer("What does the ZorbLax protocol do?").answered


def test_an_edited_corpus_prunes_its_old_vectors_file_for_the_same_model_only(tmp_path):
    cache = tmp_path / "cache"
    corpus = write_articles(tmp_path / "corpus", ARTICLES)

    class OtherEmbedder(CountingEmbedder):
        identity = "another-test-embedder"

    before = Engine.from_directory(corpus, cache, embedder=CountingEmbedder())
    kept = Engine.from_directory(corpus, cache, embedder=OtherEmbedder())
    stale = cache / semantic_cache_key(before.corpus, CountingEmbedder.identity)
    assert stale.is_file()

    (corpus / "a.md").write_text(ARTICLES["a.md"] + "\n\nPears ripen after they are picked.", encoding="utf-8")
    after = Engine.from_directory(corpus, cache, embedder=CountingEmbedder())

    assert (cache / semantic_cache_key(after.corpus, CountingEmbedder.identity)).is_file()
    assert not stale.exists()
    assert (cache / semantic_cache_key(kept.corpus, OtherEmbedder.identity)).is_file()


def test_the_build_reports_its_embedding_throughput(tmp_path, caplog):
    embedder = CountingEmbedder()
    with caplog.at_level(logging.INFO, logger="retrieval.semantic.vector_store"):
        Engine.from_directory(write_articles(tmp_path / "corpus", ARTICLES), tmp_path / "cache", embedder=embedder)
    reports = [r.getMessage() for r in caplog.records if "characters/s" in r.getMessage()]
    characters = sum(map(len, embedder.embedded))
    assert len(reports) == 1
    assert re.fullmatch(rf"embedded {len(embedder.embedded)} sentences \({characters} characters\) in [0-9.]+ s: "
                        r"[0-9,]+ characters/s, [0-9.]+ sentences/s on 1 process", reports[0])
