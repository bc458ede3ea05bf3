"""Shared fixtures: the engine on the bundled articles, with its cache kept out of $HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import Engine

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO / "corpus"
SHARED = REPO.parent / "shared"


@pytest.fixture
def feedback_db(tmp_path) -> Path:
    """Where a bot under test records its feedback (a fresh SQLite file per test)."""
    return tmp_path / "feedback.sqlite3"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("index-cache")


@pytest.fixture(scope="session")
def engine(cache_dir) -> Engine:
    """The engine on the bundled articles, built once for the whole test session."""
    return Engine.from_directory(BUNDLED_CORPUS, cache_dir)


@pytest.fixture(scope="session")
def semantic_engine(tmp_path_factory) -> Engine:
    """The engine on the bundled articles with the bundled model, built once for the session
    (its tests are skipped where the model cannot run)."""
    from tests.bundled_model import MODEL

    if MODEL.embedder is None:
        pytest.skip(MODEL.reason)
    return Engine.from_directory(BUNDLED_CORPUS, tmp_path_factory.mktemp("semantic-cache"), embedder=MODEL.embedder)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's .env, cache, tokens or answer settings, nor sees the
    developer's terminal preferences (each test, and each process it starts, gets its own)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))  # where feedback is recorded
    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "CORPUS_DIR", "INDEX_CACHE_DIR", "SEMANTIC",
                 "EMBED_BUDGET_SECONDS", "DECLINE_MIN_COVERAGE", "NO_COLOR", "FORCE_HYPERLINK", "COLUMNS",
                 "FEEDBACK", "FEEDBACK_DB_PATH", "FEEDBACK_SALT", "FEEDBACK_RETENTION_DAYS",
                 "DISCORD_SHARD_COUNT", "DISCORD_SHARD_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
