"""Texts are embedded in batches bounded by count and by characters, and a text's vector does not
depend on the batch it was in."""

from __future__ import annotations

import numpy as np

import retrieval.semantic.vector_store
from retrieval.semantic.vector_store import BATCH_CHARACTERS, BATCH_TEXTS, VectorStore, batched, embed_missing, text_key
from tests.bundled_model import MODEL, needs_model


def test_batches_hold_at_most_so_many_texts_and_characters_and_a_long_text_goes_alone():
    lengths = [10] * (BATCH_TEXTS + 3) + [BATCH_CHARACTERS - 50, 60, BATCH_CHARACTERS + 1, 5]
    keys = [bytes([i]) for i in range(len(lengths))]
    batches = batched(keys, lengths)
    assert [key for batch in batches for key in batch] == keys  # in order, each once
    sizes = [[lengths[key[0]] for key in batch] for batch in batches]
    assert sizes[0] == [10] * BATCH_TEXTS
    assert sizes[1:] == [[10, 10, 10, BATCH_CHARACTERS - 50], [60], [BATCH_CHARACTERS + 1], [5]]


@needs_model
def test_a_texts_vector_is_the_same_in_any_batch(monkeypatch):
    texts = ["The Normans conquered England in 1066.", "諾曼人在1066年征服了英格蘭。", "A short one.",
             " ".join(f"word{i}" for i in range(300)), "Rivers carry water to the sea."]
    whole, cut = VectorStore(MODEL.embedder.identity), VectorStore(MODEL.embedder.identity)
    embed_missing(texts, MODEL.embedder, whole, workers=1)
    monkeypatch.setattr(retrieval.semantic.vector_store, "BATCH_CHARACTERS", 40)  # about one text a batch
    embed_missing(texts, MODEL.embedder, cut, workers=1)
    keys = [text_key(text) for text in texts]
    assert all(np.array_equal(a, b) for a, b in zip(whole.quantized(keys), cut.quantized(keys)))
