"""The first Chinese question of a process: jieba's dictionary comes from its cache file quickly,
segments exactly as jieba would, and a missing, damaged or unwritable cache only costs time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.text.jieba_dictionary import CACHE_FILE_NAME, import_jieba, load_tokenizer, read_cached_dictionary

REPO = Path(__file__).resolve().parent.parent
SENTENCES = (
    "Sora 2 的 Cameo 功能是什么？",
    "Sora 2最初的版权政策把保护权益的责任推给了谁?",
    "人工智能生成视频的版权问题引发了好莱坞的担忧",
)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A tokenizer loaded by jieba's own initialize(), which built its dictionary from dict.txt
    and saved the cache in `reference.tmp_dir`."""
    tokenizer = import_jieba().Tokenizer()
    tokenizer.tmp_dir = str(tmp_path_factory.mktemp("jieba-cache"))
    tokenizer.initialize()
    return tokenizer


@pytest.fixture(scope="module")
def jieba_cache(reference) -> Path:
    """A directory holding the dictionary cache that jieba's own initialize() wrote."""
    return Path(reference.tmp_dir)


def words(tokenizer) -> list[list[str]]:
    return [tokenizer.lcut(sentence, HMM=True) for sentence in SENTENCES]


@pytest.fixture
def jieba_never_rebuilds(monkeypatch):
    """Fails the test if jieba's own (slow) dictionary loading runs."""

    def rebuild(self, dictionary=None):
        raise AssertionError("jieba's initialize() ran: the cache file was not used")

    monkeypatch.setattr(import_jieba().Tokenizer, "initialize", rebuild)


def test_a_warm_cache_gives_jiebas_own_dictionary_and_words(jieba_cache, reference, jieba_never_rebuilds):
    tokenizer = load_tokenizer(str(jieba_cache))
    assert tokenizer.initialized
    assert tokenizer.total == reference.total
    assert tokenizer.FREQ == reference.FREQ
    assert words(tokenizer) == words(reference)


def test_the_first_start_builds_the_cache_the_next_start_reads(tmp_path, reference, request):
    first = load_tokenizer(str(tmp_path))
    assert words(first) == words(reference)
    assert read_cached_dictionary(str(tmp_path / CACHE_FILE_NAME)) == (reference.FREQ, reference.total)

    request.getfixturevalue("jieba_never_rebuilds")
    second = load_tokenizer(str(tmp_path))
    assert second.FREQ == reference.FREQ and words(second) == words(reference)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"\x00 not a marshal file " + data[:1000], id="garbage"),
    ],
)
def test_a_corrupt_cache_file_still_segments_correctly(tmp_path, jieba_cache, reference, damage):
    cache = tmp_path / CACHE_FILE_NAME
    cache.write_bytes(damage((jieba_cache / CACHE_FILE_NAME).read_bytes()))

    tokenizer = load_tokenizer(str(tmp_path))

    assert words(tokenizer) == words(reference)
    # jieba rebuilt the file, so the next start is fast again.
    assert read_cached_dictionary(str(cache)) == (reference.FREQ, reference.total)


def test_a_read_only_cache_directory_is_read_and_left_alone(tmp_path, jieba_cache, reference, jieba_never_rebuilds):
    """As in a container image whose cache was built at build time and is read-only at run time."""
    directory = tmp_path / "baked"
    directory.mkdir()
    shutil.copy(jieba_cache / CACHE_FILE_NAME, directory / CACHE_FILE_NAME)
    (directory / CACHE_FILE_NAME).chmod(0o444)
    directory.chmod(0o555)
    try:
        tokenizer = load_tokenizer(str(directory))
        assert words(tokenizer) == words(reference)
        assert os.listdir(directory) == [CACHE_FILE_NAME]
    finally:
        directory.chmod(0o755)


def test_a_cache_directory_that_cannot_be_written_still_segments(tmp_path, reference):
    # Below a regular file nothing can be created, even by root (a chmod would not stop root).
    (tmp_path / "a-file").write_text("")
    tokenizer = load_tokenizer(str(tmp_path / "a-file" / "cache"))
    assert words(tokenizer) == words(reference)


def test_segmenting_chinese_does_not_import_pkg_resources(jieba_cache):
    """pkg_resources is a slow import jieba only uses to open its own files; other code can still
    import it afterwards (run in a fresh interpreter: pytest may have imported it already)."""
    pytest.importorskip("pkg_resources")
    code = (
        "import sys\n"
        "from retrieval.text.chinese import segment, use_cache_dir\n"
        f"use_cache_dir({str(jieba_cache)!r})\n"
        "print(segment('版权问题'), 'pkg_resources' in sys.modules)\n"
        "import pkg_resources\n"
        "print(pkg_resources.__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['版权', '问题'] False", "pkg_resources"]


def ask_json(question: str, cache: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("CORPUS_DIR", "INDEX_CACHE_DIR")}
    env["XDG_CACHE_HOME"] = str(cache)
    return subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", question],
        cwd=REPO, capture_output=True, text=True, encoding="utf-8", env=env, timeout=120,
    )


def test_a_damaged_dictionary_cache_gives_the_same_answer(tmp_path):
    question = "Sora 2 的 Cameo 功能是什么？"
    first = ask_json(question, tmp_path)  # builds the index and the dictionary cache
    assert first.returncode == 0 and first.stderr == "", first.stderr
    (tmp_path / "sora-quotes" / CACHE_FILE_NAME).write_bytes(b"\x00 damaged")

    again = ask_json(question, tmp_path)

    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
    assert again.stdout == first.stdout
