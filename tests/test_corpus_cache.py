"""The parsed articles are kept with the index: a warm start reads them, it does not parse them."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
import time

import pytest

import retrieval.documents.corpus
from retrieval import CorpusError, Engine, load_corpus
from retrieval.cache.corpus_cache import load_corpus_cached
from tests.conftest import REPO
from tests.test_semantic import ARTICLES, write_articles


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The names of the files parsed from now on."""
    names: list[str] = []
    read = retrieval.documents.corpus.read_article

    def counting(file_name, raw, *settings):
        names.append(file_name)
        return read(file_name, raw, *settings)

    monkeypatch.setattr(retrieval.documents.corpus, "read_article", counting)
    return names


def test_a_warm_start_reads_the_articles_without_parsing_them(tmp_path, parsed):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    first = Engine.from_directory(corpus, tmp_path / "cache")
    assert sorted(parsed) == ["a.md", "b.md"]

    parsed.clear()
    again = Engine.from_directory(corpus, tmp_path / "cache")
    assert parsed == []
    assert again.corpus == first.corpus
    assert "Cider is made by pressing apples." in again.answer("How is cider made?").hits[0].excerpt


def test_a_warm_start_never_imports_the_parsers(tmp_path):
    """markdown-it and PyYAML cost a start from the cache about 50 ms of imports for nothing
    (run in a fresh interpreter: other tests have imported both)."""
    code = (
        "import sys\n"
        "from retrieval import Engine\n"
        f"engine = Engine.from_directory('corpus', {str(tmp_path / 'cache')!r})\n"
        "answer = engine.answer('How quickly did the app pass a million installs?')\n"
        "print(answer.answered, 'markdown_it' in sys.modules, 'yaml' in sys.modules)\n"
    )
    outputs = []
    for _ in ("builds the cache", "starts from it"):
        result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.split())
    assert outputs == [["True", "True", "True"], ["True", "False", "False"]]


def test_an_edited_article_is_parsed_again(tmp_path, parsed):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    load_corpus_cached(corpus, tmp_path / "cache")
    (corpus / "b.md").write_text(ARTICLES["b.md"] + " Deltas form where rivers meet the sea.", encoding="utf-8")
    parsed.clear()
    edited = load_corpus_cached(corpus, tmp_path / "cache")
    assert parsed and "Deltas" in edited.articles[1].text
    assert len(list((tmp_path / "cache").glob("*.corpus"))) == 1  # the superseded one is pruned


def test_an_article_edited_while_the_collection_is_parsed_is_cached_as_parsed(tmp_path, monkeypatch):
    """Files are listed (their digest) and then read again one at a time to be parsed: an edit
    in between must not leave the edited text's cache under the old digest, or the reverse."""
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    read = retrieval.documents.corpus.read_article

    def editing_b_while_a_is_parsed(file_name, raw, *settings):
        if file_name == "a.md":
            (corpus / "b.md").write_text(ARTICLES["b.md"] + " Deltas form where rivers meet the sea.",
                                         encoding="utf-8")
        return read(file_name, raw, *settings)

    monkeypatch.setattr(retrieval.documents.corpus, "read_article", editing_b_while_a_is_parsed)
    assert "Deltas" in load_corpus_cached(corpus, tmp_path / "cache").articles[1].text
    parsed: list[str] = []
    monkeypatch.setattr(retrieval.documents.corpus, "read_article", lambda name, *rest: parsed.append(name) or read(name, *rest))
    again = load_corpus_cached(corpus, tmp_path / "cache")
    assert parsed == [] and "Deltas" in again.articles[1].text  # the cache holds the files as they are


def test_caching_the_parsed_articles_leaves_nothing_beside_them_in_memory(tmp_path):
    """Pickling an object asks for its __dict__, which Python 3.11 then makes and keeps with it
    (a dict per block), and a str keeps the UTF-8 bytes pickle asked it for: about 200 MB of a
    100k-passage build's peak. The cache is written without either, and gives the same
    articles back."""
    import tracemalloc

    import retrieval.cache.corpus_cache
    from retrieval.documents.corpus import load_corpus

    paragraphs = "\n\n".join(f"Paragraph {i} of the long article says 咖啡館 in Zürich." for i in range(3000))
    corpus = write_articles(tmp_path / "articles", {"long.md": f"# Long\n\n{paragraphs}"})
    load_corpus_cached(write_articles(tmp_path / "other", ARTICLES), tmp_path / "other-cache")  # imports

    tracemalloc.start()
    try:
        cached = load_corpus_cached(corpus, tmp_path / "cache")
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    held = sum(stat.size for stat in snapshot.statistics("filename"))
    # What is still allocated from the cache module's own lines (the pickler's calls among them).
    mine = snapshot.filter_traces([tracemalloc.Filter(True, retrieval.cache.corpus_cache.__file__)])
    left_by_caching = sum(stat.size for stat in mine.statistics("filename"))
    assert len(cached.articles[0].blocks) > 3000
    assert left_by_caching < 0.03 * held, (left_by_caching, held)
    assert cached == load_corpus(corpus) == load_corpus_cached(corpus, tmp_path / "cache")


def test_articles_cached_in_several_pickles_come_back_whole_and_in_order(tmp_path, parsed, monkeypatch):
    import retrieval.cache.corpus_cache

    monkeypatch.setattr(retrieval.cache.corpus_cache, "ARTICLES_PER_PICKLE", 1)
    corpus = write_articles(tmp_path / "articles", {**ARTICLES, "c.md": "# Lakes\n\nLakes hold still water."})
    first = load_corpus_cached(corpus, tmp_path / "cache")
    parsed.clear()
    again = load_corpus_cached(corpus, tmp_path / "cache")
    assert parsed == [] and again == first
    assert [article.info.title for article in again.articles] == ["Apples", "Rivers", "Lakes"]


def test_a_bad_collection_is_refused_every_time_never_cached(tmp_path):
    corpus = write_articles(tmp_path / "articles", {**ARTICLES, "c.md": "---\nid: a\n---\nSame id as a.md."})
    for _ in range(2):
        with pytest.raises(CorpusError, match="already used"):
            load_corpus_cached(corpus, tmp_path / "cache")


def test_a_damaged_cache_file_is_parsed_again_not_fatal(tmp_path, parsed):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    load_corpus_cached(corpus, tmp_path / "cache")
    for path in (tmp_path / "cache").glob("*.corpus"):
        path.write_bytes(b"not a pickle")
    parsed.clear()
    assert len(load_corpus_cached(corpus, tmp_path / "cache").articles) == 2
    assert sorted(parsed) == ["a.md", "b.md"]


def test_a_container_limit_too_small_for_the_articles_is_said_in_one_line_before_parsing(tmp_path, parsed, caplog,
                                                                                          monkeypatch):
    import logging

    import retrieval.storage.memory_limit

    limit = tmp_path / "memory.max"
    limit.write_text(f"{64 * 2**20}\n")  # 64 MB: less than the interpreter and jieba alone
    monkeypatch.setattr(retrieval.storage.memory_limit, "LIMIT_FILES", (limit,))
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    with caplog.at_level(logging.WARNING, logger="retrieval.storage.memory_limit"):
        load_corpus_cached(corpus, tmp_path / "cache")
    lines = [r.getMessage() for r in caplog.records if r.name == "retrieval.storage.memory_limit"]
    assert len(lines) == 1 and "64 MB" in lines[0] and "building needs about" in lines[0]

    limit.write_text("max\n")  # no limit: nothing said
    caplog.clear()
    (corpus / "a.md").write_text(ARTICLES["a.md"] + " More.", encoding="utf-8")
    load_corpus_cached(corpus, tmp_path / "cache")
    assert not [r for r in caplog.records if r.name == "retrieval.storage.memory_limit"]


def test_the_cgroup_limit_is_read_from_v2_or_v1_files(tmp_path):
    from retrieval.storage.memory_limit import container_memory_limit

    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    v1.write_text("402653184\n")
    assert container_memory_limit((v2, v1)) == 402653184  # no v2 file: v1's
    v1.write_text("9223372036854771712\n")
    assert container_memory_limit((v2, v1)) is None  # v1's "no limit"
    v2.write_text("max\n")
    assert container_memory_limit((v2, v1)) is None


def _age(directory, seconds: int = 3600) -> None:
    """Date every file of `directory` back (a file changed just now is read again in any case)."""
    past = time.time_ns() - seconds * 10**9
    for path in directory.rglob("*.md"):
        os.utime(path, ns=(past, past))


def _files_opened(corpus, monkeypatch) -> list[str]:
    """The names of the files under `corpus` opened from now on, in order."""
    read: list[str] = []
    opened = open

    def counting_open(file, *args, **kwargs):
        if str(file).startswith(str(corpus)):
            read.append(os.path.basename(file))
        return opened(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    return read


def test_a_warm_start_reads_no_unchanged_file(tmp_path, monkeypatch):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    _age(corpus)
    first = load_corpus_cached(corpus, tmp_path / "cache")
    read = _files_opened(corpus, monkeypatch)
    again = load_corpus_cached(corpus, tmp_path / "cache")
    assert read == []
    assert again.digest == first.digest == load_corpus(corpus).digest


def test_an_edit_that_keeps_the_size_and_the_modification_time_is_seen(tmp_path, parsed):
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    _age(corpus)
    first = load_corpus_cached(corpus, tmp_path / "cache")
    before = os.stat(corpus / "b.md")
    edited = ARTICLES["b.md"].replace("sea", "SEA")
    assert len(edited.encode()) == before.st_size and edited != ARTICLES["b.md"]
    (corpus / "b.md").write_text(edited, encoding="utf-8")
    os.utime(corpus / "b.md", ns=(before.st_atime_ns, before.st_mtime_ns))
    parsed.clear()
    again = load_corpus_cached(corpus, tmp_path / "cache")
    assert again.digest != first.digest and "SEA" in again.articles[1].text


def test_a_file_changed_just_now_is_read_again_at_the_next_listing(tmp_path, monkeypatch):
    """Its times may not change at a second edit within the same tick of the file system's clock."""
    corpus = write_articles(tmp_path / "articles", ARTICLES)
    _age(corpus)
    (corpus / "b.md").touch()
    load_corpus_cached(corpus, tmp_path / "cache")
    read = _files_opened(corpus, monkeypatch)
    load_corpus_cached(corpus, tmp_path / "cache")
    assert read == ["b.md"]
