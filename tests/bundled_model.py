"""The bundled embedding model, loaded once per test process, and the mark of tests that need it
(skipped where the model cannot run, with the reason)."""

from __future__ import annotations

import pytest

from retrieval.semantic.embedder import load_embedder

MODEL = load_embedder()
needs_model = pytest.mark.skipif(MODEL.embedder is None, reason=MODEL.reason)
