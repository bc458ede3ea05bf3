"""Answers with the bundled embedding model: questions in other words and other languages, the
vectors computed once and kept, and the engine answering lexically where the model is missing."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import numpy as np
import pytest

from retrieval import Engine
from retrieval.evaluation import fold
from retrieval.cache.index_cache import shipped_vectors_path
from retrieval.semantic.vector_store import VectorStore, text_key
from tests.bundled_model import MODEL, needs_model

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO / "corpus"


class CountingEmbedder:
    """A stand-in model: a text's vector comes from its digest, and every text embedded is
    counted, so a test can tell what was computed and what came from a cache."""

    identity = "counting-test-embedder-1"

    def __init__(self, fail_after: int | None = None):
        self.embedded: list[str] = []
        self.fail_after = fail_after

    def embed_queries(self, texts):
        return np.stack([self._vector("query: " + text) for text in texts])

    def embed_passages(self, texts):
        if self.fail_after is not None and len(self.embedded) + len(texts) > self.fail_after:
            raise KeyboardInterrupt("the user stopped the first build")
        self.embedded.extend(texts)
        return np.stack([self._vector(text) for text in texts]).reshape(len(texts), -1)

    @staticmethod
    def _vector(text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        vector = np.random.default_rng(seed).standard_normal(16).astype(np.float32)
        return vector / np.linalg.norm(vector)


def write_articles(directory: Path, articles: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


ARTICLES = {
    "a.md": "# Apples\n\nApples grow on trees in orchards. They are picked in autumn.\n\n"
            "Cider is made by pressing apples. It is sold in bottles.",
    "b.md": "# Rivers\n\nRivers carry water to the sea. Some rivers flood in spring.",
}


# --- What a user sees ---------------------------------------------------------------------


@needs_model
@pytest.mark.parametrize(
    "question, expected",
    [
        ("so altman says sora 2 is basically just made for fun?? whats his exact take", "built for fun"),
        ("how mny downlods did the sora app get in its frist week", "627,000"),
    ],
)
def test_questions_in_casual_words_are_answered_by_the_first_quote(semantic_engine, question, expected):
    answer = semantic_engine.answer(question)
    assert answer.answered
    assert expected in fold(answer.hits[0].excerpt)


@needs_model
def test_a_chinese_question_is_answered_from_an_article_only_in_english(semantic_engine):
    answer = semantic_engine.answer("Sora应用几天内下载量超过一百万?")
    assert answer.answered
    english = [hit for hit in answer.hits if hit.article.lang == "en"]
    assert any("In just five days" in hit.excerpt for hit in english)


@needs_model
def test_an_english_question_still_prefers_english_quotes(semantic_engine):
    answer = semantic_engine.answer("How quickly did the app pass a million installs?")
    assert answer.hits[0].article.lang == "en"
    assert "five days" in answer.hits[0].excerpt


@needs_model
@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "How much does Sora 2 cost per month?",
        "How many employees does OpenAI have?",
        "1 2",
        "[1,2]",
    ],
)
def test_questions_beside_the_articles_are_not_answered_confidently_with_the_model_too(semantic_engine, question):
    answer = semantic_engine.answer(question)
    assert not answer.answered or answer.uncertain


@pytest.mark.parametrize("question", ["hi", "Thanks!", "hello, what can you do?", "你好", "謝謝！", "你能做什么？"])
def test_greetings_and_thanks_get_the_usage_hint_not_a_quote(engine, question):
    answer = engine.answer(question)
    assert answer.small_talk and not answer.answered and answer.hits == ()


def test_a_question_that_opens_with_a_greeting_is_answered(engine):
    answer = engine.answer("hi, what does TDTM stand for?")
    assert answer.answered and not answer.small_talk


# --- Built once, kept, resumable ------------------------------------------------------------


def test_vectors_are_computed_once_and_then_read_from_the_cache(tmp_path):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    first = CountingEmbedder()
    Engine.from_directory(corpus, tmp_path / "cache", embedder=first)
    assert any("Cider is made by pressing apples." == text for text in first.embedded)

    again = CountingEmbedder()
    engine = Engine.from_directory(corpus, tmp_path / "cache", embedder=again)
    assert again.embedded == []
    assert "Cider is made by pressing apples." in engine.answer("How is cider made?").hits[0].excerpt


def test_an_edited_article_re_embeds_only_its_new_sentences(tmp_path):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder())
    (corpus / "b.md").write_text(ARTICLES["b.md"] + " Deltas form where rivers meet the sea.", encoding="utf-8")

    after_edit = CountingEmbedder()
    Engine.from_directory(corpus, tmp_path / "cache", embedder=after_edit)
    assert after_edit.embedded and all("river" in text.lower() or "Deltas" in text for text in after_edit.embedded)
    assert not any("Cider" in text for text in after_edit.embedded)


def test_an_interrupted_first_build_resumes_where_it_stopped(tmp_path, monkeypatch):
    import retrieval.semantic.vector_store

    monkeypatch.setattr(retrieval.semantic.vector_store, "SAVE_EVERY_SECONDS", 0.0)
    monkeypatch.setattr(retrieval.semantic.vector_store, "BATCH_TEXTS", 2)
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    interrupted = CountingEmbedder(fail_after=4)
    with pytest.raises(KeyboardInterrupt):
        Engine.from_directory(corpus, tmp_path / "cache", embedder=interrupted)

    resumed = CountingEmbedder()
    Engine.from_directory(corpus, tmp_path / "cache", embedder=resumed)
    assert resumed.embedded and not set(resumed.embedded) & set(interrupted.embedded)


def test_vectors_shipped_with_a_corpus_spare_computing_them(tmp_path):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    engine = Engine.from_directory(corpus, tmp_path / "first-cache", embedder=CountingEmbedder())
    engine.save_vectors(shipped_vectors_path(corpus, CountingEmbedder.identity))

    elsewhere = CountingEmbedder()
    Engine.from_directory(corpus, tmp_path / "another-cache", embedder=elsewhere)
    assert elsewhere.embedded == []


def test_vectors_written_beside_the_articles_are_readable_by_a_containers_own_user(tmp_path):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    engine = Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder())
    path = shipped_vectors_path(corpus, CountingEmbedder.identity)
    engine.save_vectors(path)
    # Others may read it (the image's uid 10001 reading a mounted directory), not write it.
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_damaged_vector_cache_is_rebuilt_not_fatal(tmp_path):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder())
    damaged = [*(tmp_path / "cache").rglob("*.npz"), *(tmp_path / "cache").rglob("*.vectors")]
    assert len(damaged) == 2  # the store of every vector known, and the corpus's index of them
    for path in damaged:
        path.write_bytes(b"not a vector file")

    rebuilt = CountingEmbedder()
    engine = Engine.from_directory(corpus, tmp_path / "cache", embedder=rebuilt)
    assert rebuilt.embedded
    assert engine.answer("Where do apples grow?").answered


def test_the_vectors_of_a_warm_start_are_memory_mapped_not_read_into_memory(tmp_path):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder())
    semantic = Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder()).semantic
    import mmap

    for array in (semantic.sentence_codes, semantic.sentence_scales):
        while isinstance(array.base, np.ndarray):  # views of views (a reshape) of the mapping
            array = array.base
        assert not array.flags.owndata and isinstance(array.base, memoryview)
        assert isinstance(array.base.obj, mmap.mmap)
    assert semantic.sentence_codes.dtype == np.int8


def test_blocked_cosines_equal_one_product_of_the_whole_matrix(tmp_path, monkeypatch):
    import retrieval.semantic.semantic_index

    corpus = write_articles(tmp_path / "articles", ARTICLES)
    semantic = Engine.from_directory(corpus, tmp_path / "cache", embedder=CountingEmbedder()).semantic
    question = CountingEmbedder().embed_queries(["How is cider made?"])[0]
    whole = semantic.sentence_vectors @ question
    rows = next(n for n in range(2, len(whole)) if len(whole) % n)  # whole blocks and a partial one
    monkeypatch.setattr(retrieval.semantic.semantic_index, "BLOCK_ROWS", rows)
    assert len(whole) > rows and len(whole) % rows
    assert np.allclose(semantic.cosines(question), whole, atol=1e-6)


# --- The bundled articles' vectors --------------------------------------------------------


@needs_model
def test_the_shipped_vectors_hold_every_sentence_of_the_bundled_articles(semantic_engine):
    """If this fails, the articles or the sentence splitting changed: run `python -m bot embed`."""
    identity = MODEL.embedder.identity
    shipped = VectorStore.load(shipped_vectors_path(BUNDLED_CORPUS, identity), identity)
    texts = semantic_engine.semantic_texts()
    assert all(text_key(text) in shipped for text in texts)
    assert len(shipped) == len(set(texts))


@needs_model
def test_the_shipped_vectors_are_what_the_model_computes(semantic_engine):
    identity = MODEL.embedder.identity
    shipped = VectorStore.load(shipped_vectors_path(BUNDLED_CORPUS, identity), identity)
    sample = sorted(set(semantic_engine.semantic_texts()), key=len)[:: 53][:8]
    computed = MODEL.embedder.embed_passages(sample)
    stored = shipped.vectors([text_key(text) for text in sample])
    # The model's kernels differ with the processor's instruction set (AVX-512 or not), so a
    # component may move a few int8 steps from one machine to the next; the vector's direction
    # does not: the same text gives a cosine of 0.9999 on either, any other text under 0.95.
    cosines = np.sum(computed * stored, axis=1) / np.linalg.norm(computed, axis=1) / np.linalg.norm(stored, axis=1)
    assert np.all(cosines >= SAME_TEXT_COSINE), cosines


# A shipped vector and the model's own for the same text, on any processor (see above).
SAME_TEXT_COSINE = 0.999



@pytest.mark.parametrize(
    "question, lang",
    [("Sora 2 的 Cameo feature 是什麼?", "zh-Hant"), ("Runway的Gen-4 model什麼時候release?", "zh-Hant"),
     ("What does 霞光社 say about Sora?", "en")],
)
def test_a_mixed_question_is_answered_in_the_language_it_is_mostly_in(engine, question, lang):
    assert engine.answer(question).lang == lang
