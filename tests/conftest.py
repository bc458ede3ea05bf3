"""Shared fixtures: the engine on the bundled articles, with its cache kept out of $HOME; a
throwaway PostgreSQL server and a fresh database on it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval import Engine
from tests.feedback_backends import BACKENDS, PostgresFeedback, SQLiteFeedback, feedback_backend as make_backend
from tests.postgres_server import PostgresServer, PostgresUnavailable, start_postgres_server

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


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """A throwaway PostgreSQL cluster for this test process (each xdist worker starts its own),
    stopped and removed at the end. Where none can start its tests are skipped, saying why;
    on CI (CI=true), where .ci/run installs PostgreSQL, they fail instead."""
    try:
        server, why_not = start_postgres_server(), None
    except PostgresUnavailable as unavailable:
        server, why_not = None, str(unavailable)
    if why_not and os.environ.get("CI") == "true":
        pytest.fail(f"no PostgreSQL server for the tests on CI: {why_not}", pytrace=False)
    if why_not:
        pytest.skip(f"no PostgreSQL server for the tests: {why_not}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server) -> str:
    """A libpq URL of the throwaway server's maintenance database (postgresql:///postgres?host=...)."""
    return postgres_server.url()


@pytest.fixture
def postgres_database(postgres_server) -> str:
    """A libpq URL of a fresh, empty database of its own for this test, dropped afterwards
    (with whatever connections a test's processes left open to it)."""
    with postgres_server.database() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def feedback_backend(request, tmp_path) -> SQLiteFeedback | PostgresFeedback:
    """Where a feedback test keeps feedback: an SQLite file; and, the same test run again, a
    fresh database on the throwaway PostgreSQL server (tests/feedback_backends.py)."""
    return make_backend(request.param, tmp_path / "data" / "feedback.sqlite3",
                        lambda: request.getfixturevalue("postgres_database"))


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's .env, cache, tokens or answer settings, nor sees the
    developer's terminal preferences (each test, and each process it starts, gets its own)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))  # where feedback is recorded
    for name in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "CORPUS_DIR", "INDEX_CACHE_DIR", "SEMANTIC",
                 "EMBED_BUDGET_SECONDS", "DECLINE_MIN_COVERAGE", "NO_COLOR", "FORCE_HYPERLINK", "COLUMNS",
                 "FEEDBACK", "FEEDBACK_DB_PATH", "FEEDBACK_DATABASE_URL", "FEEDBACK_SALT",
                 "FEEDBACK_RETENTION_DAYS", "DISCORD_SHARD_COUNT", "DISCORD_SHARD_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
