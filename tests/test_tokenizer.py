"""The tokenizer on its own: the same terms for the same words, whatever script or width they
are written in, and spans that point back at the original text."""

from __future__ import annotations

from pathlib import Path

import subprocess
import sys
import unicodedata

import pytest

from retrieval.text.chinese import CJK_RUN, to_simplified
from retrieval.text.tokenizer import has_chinese, terms, tokenize

REPO = Path(__file__).resolve().parent.parent


def test_traditional_and_simplified_give_the_same_terms():
    assert terms("版權") == terms("版权") == ["版权"]
    assert terms("人工智能生成視頻") == terms("人工智能生成视频")
    assert set(terms("Sora 2 的版權問題")) == set(terms("Sora 2 的版权问题"))


def test_a_passage_in_taiwan_words_is_indexed_in_the_mainland_words_too():
    passage = set(term for term in terms_of("先前的視訊模型大多是默片,音訊要另外編輯", mainland_synonyms=True))
    assert {"视讯", "视频", "音讯", "音频"} <= passage
    # A question is matched in its own words only, and Simplified text has no Taiwan words.
    assert "视频" not in terms("先前的視訊模型")
    assert terms_of("以前的视频模型", mainland_synonyms=True) == terms("以前的视频模型")


def terms_of(text: str, **options) -> list[str]:
    return [token.term for token in tokenize(text, **options)]


def test_full_width_letters_and_digits_read_as_ascii():
    assert terms("ＳＯＲＡ２") == terms("Sora2")
    assert terms("ＯｐｅｎＡＩ") == terms("OpenAI")


def test_a_word_of_letters_and_digits_meets_its_parts():
    joined, spaced = set(terms("Sora2")), set(terms("Sora 2"))
    assert {"sora", "2"} <= joined & spaced
    assert "sora2" in joined


@pytest.mark.parametrize("word", ["running", "runs", "run"])
def test_english_words_are_stemmed(word):
    assert terms(word) == ["run"]


def test_stopwords_are_dropped():
    assert terms("the of and what is") == []
    assert terms("What is the video of the year") == ["video", "year"]
    assert "的" not in terms("我們的版權問題")
    assert "版权" in terms("我們的版權問題")


def test_punctuation_and_emoji_give_no_terms():
    assert terms("?!… ——「」🎉🚀👍🏽") == []


MIXED = "OpenAI 的 Sora2 在 2025 年發布，ＳＯＲＡ２ app passed 1,000,000 installs — 人工智能視頻 ﬁle2go!"


def test_token_spans_point_at_the_original_text():
    tokens = tokenize(MIXED)
    assert tokens
    for token in tokens:
        assert 0 <= token.start < token.end <= len(MIXED)
        source = MIXED[token.start : token.end]
        if CJK_RUN.fullmatch(source):
            # Chinese terms are the source converted to Simplified, character for character.
            assert to_simplified(unicodedata.normalize("NFKC", source)) == token.term
        else:
            # The source, read on its own, gives the term again.
            assert token.term in terms(source), (token, source)


def test_tokens_come_in_reading_order_of_their_runs():
    tokens = tokenize("Sora 視頻 video")
    assert [t.term for t in tokens] == ["sora", "视频", "video"]


def test_has_chinese():
    assert has_chinese("Sora 2 發布")
    assert not has_chinese("Sora 2 release")


def test_english_text_never_loads_jieba():
    """English text, and a cached English-only answer path, must not pay for jieba's dictionary
    (run in a fresh interpreter: other tests load it)."""
    code = (
        "import sys\n"
        "from retrieval.text import chinese\n"
        "from retrieval.text.tokenizer import terms, tokenize\n"
        "terms('How quickly did the app pass a million installs? Sora2, ＳＯＲＡ２ running.')\n"
        "tokenize('Mixed text', segment_chinese=False)\n"
        "tokenize('英文 and 中文', segment_chinese=False)\n"
        "print(chinese._jieba_tokenizer is None, 'jieba' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]


def test_an_english_answer_from_a_cached_index_never_loads_jieba(tmp_path):
    build = "from retrieval import Engine\nEngine.from_directory('corpus', {cache!r})\n"
    answer = (
        "import sys\n"
        "from retrieval import Engine\nfrom retrieval.text import chinese\n"
        "engine = Engine.from_directory('corpus', {cache!r})\n"
        "answer = engine.answer('How quickly did the app pass a million installs?')\n"
        "print(answer.answered, chinese._jieba_tokenizer is None, 'jieba' in sys.modules)\n"
    )
    cache = str(tmp_path / "cache")
    for code in (build, answer):
        result = subprocess.run(
            [sys.executable, "-c", code.format(cache=cache)],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False"]


def test_only_the_english_stemmer_is_loaded_and_it_stems_as_snowballstemmer():
    code = ("import sys; from retrieval.text.tokenizer import terms; terms('The running videos'); "
            "print(' '.join(sorted(m for m in sys.modules if 'stemmer' in m)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout.split()
    assert [m.rsplit(".", 1)[-1] for m in loaded if "." in m] == ["among", "basestemmer", "english_stemmer"]
    import snowballstemmer

    reference = snowballstemmer.stemmer("english")
    words = "running videos generated generously happiness cameos replication".split()
    assert terms(" ".join(words)) == [reference.stemWord(word) for word in words]


def test_questions_tokenized_on_several_threads_at_once_get_the_stems_of_one_thread():
    """Bots answer on worker threads: the stemmer must not be shared state between them."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from retrieval.text import tokenizer

    words = [f"{stem}{suffix}" for stem in ("generat", "connect", "publish", "download", "creat")
             for suffix in ("ing", "ed", "ions", "ively", "ers")]
    words = [f"{word}{'x' * n}" for n in range(40) for word in words]  # unique: past the lru cache
    expected = [tokenizer._EnglishStemmer().stemWord(word) for word in words]
    start = threading.Barrier(4)

    def stem_all(offset: int) -> list[str]:
        start.wait()
        return [tokenizer._stem_word(word) for word in words[offset:] + words[:offset]]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(stem_all, (0, 250, 500, 750)))
    for offset, stems in zip((0, 250, 500, 750), results):
        assert stems == expected[offset:] + expected[:offset]
