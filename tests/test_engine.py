"""The engine as a front end uses it: questions in, quoted answers (or an honest no) out."""

from __future__ import annotations

from pathlib import Path

import shutil
from urllib.parse import unquote

import pytest

import retrieval.cache.index_cache
from retrieval import Engine
from retrieval.engine import PAGED_HITS
from retrieval.evaluation import fold
from retrieval.answering.excerpts import ELLIPSIS
from retrieval.cache.index_cache import cache_key
from retrieval.answering.links import quote_url

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO / "corpus"


@pytest.mark.parametrize(
    "question, answer",
    [
        ("How quickly did the app pass a million installs?", "five days"),
        ("What does TDTM stand for in the Sora 2 write-up?", "Temporal Dimension Token Merging"),
        ("Sora 2最初的版权政策把保护权益的责任推给了谁?", "推給了創作者"),
    ],
)
def test_clear_questions_are_answered_by_the_first_excerpt(engine, question, answer):
    result = engine.answer(question)
    assert result.answered
    assert answer in fold(result.hits[0].excerpt)


def test_an_answer_carries_what_a_front_end_shows(engine):
    result = engine.answer("How quickly did the app pass a million installs?")
    assert result.lang == "en" and not result.truncated
    assert 1 <= len(result.hits) <= 3
    for hit in result.hits:
        assert hit.article in engine.articles
        assert hit.score > 0
        assert hit.quote_url.startswith(hit.article.url)
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "question",
    ["What's a good recipe for banana bread?", "Who won the 2022 World Cup?", "明天台中會下雨嗎?", "怎么用git撤销上一次的commit?"],
)
def test_questions_the_articles_cannot_answer_are_not_answered_confidently(engine, question):
    # Declined, or at most "not sure" with the closest quotes: never a confident answer.
    result = engine.answer(question)
    assert not result.answered or result.uncertain


@pytest.mark.parametrize(
    "question",
    [
        "🎉🎉🎉",
        "👍🏽🇹🇼❤️‍🔥",
        "?!... ，。！？「」",
        "the of and is what",
        "",
        "   \n\t ",
    ],
)
def test_questions_without_searchable_words_are_declined(engine, question):
    result = engine.answer(question)
    assert result.answered is False
    assert result.hits == ()
    assert result.has_more is False


def test_a_simplified_question_finds_the_traditional_article(engine):
    result = engine.answer("版权问题是最激烈的战场")
    assert result.answered
    assert result.lang == "zh-Hans"
    hit = next(hit for hit in result.hits if hit.article.lang == "zh-Hant")
    assert "版權" in hit.excerpt
    assert any("版權" in hit.excerpt[s:e] for s, e in hit.highlights)


def test_a_traditional_question_finds_the_same_article(engine):
    simplified = engine.answer("版权问题是最激烈的战场")
    traditional = engine.answer("版權問題是最激烈的戰場")
    assert traditional.lang == "zh-Hant"
    assert [hit.excerpt for hit in traditional.hits] == [hit.excerpt for hit in simplified.hits]


@pytest.mark.parametrize("question", ["Sora 2", "OpenAI copyright", "版权", "What is Sora 2?"])
@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_pages_of_hits_never_repeat(engine, question, page_size):
    seen: list[tuple[str, str]] = []
    offset = 0
    while offset < 12:  # the first dozen hits, a page at a time
        page = engine.answer(question, top_k=page_size, offset=offset)
        assert page.answered and page.offset == offset
        assert len(page.hits) <= page_size
        assert page.hits, "has_more promised another page"
        seen.extend((hit.article.id, hit.excerpt) for hit in page.hits)
        if not page.has_more:
            break
        assert len(page.hits) == page_size
        offset += page_size
    assert len(seen) == len(set(seen))
    at_once = engine.answer(question, top_k=len(seen))
    assert [(hit.article.id, hit.excerpt) for hit in at_once.hits] == seen
    assert at_once.has_more == page.has_more


@pytest.mark.parametrize("question", ["Cameo consent", "OpenAI copyright", "版权"])
def test_pages_for_more_say_how_many_hits_there_are_in_all(engine, question):
    pages = [engine.answer_page(question, 3, 0)]
    while pages[-1].has_more:
        pages.append(engine.answer_page(question, 3, pages[-1].offset + 3))
    shown = [(hit.article.id, hit.excerpt) for page in pages for hit in page.hits]
    assert len(shown) == len(set(shown)) == pages[0].total_hits
    assert all(page.total_hits == len(shown) for page in pages)
    assert [(hit.article.id, hit.excerpt) for hit in pages[0].hits] == [
        (hit.article.id, hit.excerpt) for hit in engine.answer(question, PAGED_HITS).hits[:3]]


def test_a_declined_question_has_no_pages(engine):
    page = engine.answer_page("怎么用git撤销上一次的commit?", 3, 3)
    assert not page.answered and page.hits == () and page.total_hits is None


def test_asking_past_the_last_page_gives_no_hits(engine):
    result = engine.answer("Sora 2", top_k=3, offset=10_000)
    assert result.hits == () and not result.has_more


def test_a_long_question_is_read_from_the_part_that_asks(engine):
    question = "How quickly did the app pass a million installs? " + "blah " * 2000
    result = engine.answer(question)
    assert result.truncated
    assert result.question == "How quickly did the app pass a million installs?"
    assert result.answered


def test_control_characters_are_ignored(engine):
    plain = engine.answer("How quickly did the app pass a million installs?")
    noisy = engine.answer("\x00How\x07 quickly\u200b did the app\x1b pass a million installs?\ufeff")
    assert [hit.excerpt for hit in noisy.hits] == [hit.excerpt for hit in plain.hits]


def test_quote_urls_are_the_article_url_with_a_text_fragment(engine):
    for question in ("How quickly did the app pass a million installs?", "版权", "state-of-the-art video model"):
        for hit in engine.answer(question, top_k=5).hits:
            prefix = hit.article.url + "#:~:text="
            assert hit.quote_url.startswith(prefix)
            directive = hit.quote_url[len(prefix):]
            parts = directive.split(",")
            assert 1 <= len(parts) <= 2
            for part in parts:
                assert part and not set(part) & set("-&# ")
                assert unquote(part) in hit.excerpt
            if len(parts) == 2:
                quoted = hit.excerpt.strip(ELLIPSIS).strip()
                assert quoted.startswith(unquote(parts[0]))
                assert quoted.endswith(unquote(parts[1]))


def test_quote_url_encodes_the_directive_syntax():
    link = quote_url("https://example.com/a", "Sora-2, R&D at 100%")
    assert link == "https://example.com/a#:~:text=Sora%2D2%2C%20R%26D%20at%20100%25"
    long = quote_url("https://example.com/a#top", "one two three four five six seven eight nine ten eleven-twelve")
    assert long == "https://example.com/a#top:~:text=one%20two%20three%20four,eight%20nine%20ten%20eleven%2Dtwelve"
    assert quote_url(None, "anything") is None


def test_the_index_cache_is_reused(tmp_path, monkeypatch):
    first = Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    assert (tmp_path / cache_key(first.corpus)).is_file()

    def no_rebuild(corpus, scratch):
        raise AssertionError("the index was rebuilt although the cache holds it")

    monkeypatch.setattr(retrieval.cache.index_cache, "build_index_into", no_rebuild)
    second = Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    question = "How quickly did the app pass a million installs?"
    assert second.answer(question) == first.answer(question)


def test_a_changed_article_is_never_answered_from_a_stale_cache(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    cache = tmp_path / "cache"
    before = Engine.from_directory(corpus, cache)
    stale = before.answer("What is the ZorbLax protocol?")
    assert not stale.answered or stale.uncertain

    article = corpus / "003-those-chasing-sora2.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\nThe ZorbLax protocol lets Sora2 clips carry signed credits.\n",
        encoding="utf-8",
    )
    builds = []
    real_build = retrieval.cache.index_cache.build_index_into
    monkeypatch.setattr(retrieval.cache.index_cache, "build_index_into", lambda c, s: builds.append(c) or real_build(c, s))
    after = Engine.from_directory(corpus, cache)
    assert len(builds) == 1
    assert cache_key(after.corpus) != cache_key(before.corpus)
    result = after.answer("What is the ZorbLax protocol?")
    assert result.answered
    assert "ZorbLax protocol" in result.hits[0].excerpt


def test_a_damaged_cache_file_is_rebuilt(tmp_path):
    engine = Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    path = tmp_path / cache_key(engine.corpus)
    path.write_bytes(b"not a pickle")
    again = Engine.from_directory(BUNDLED_CORPUS, tmp_path)
    assert again.answer("Sora 2").answered
    assert path.stat().st_size > 100


def test_an_unwritable_cache_directory_is_not_fatal(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    engine = Engine.from_directory(BUNDLED_CORPUS, blocker / "cache")
    assert engine.answer("Sora 2").answered


def test_a_quote_sharing_one_word_with_a_longer_question_is_not_an_answer(engine):
    # The articles mention 2023 (a market report) but nothing about basketball.
    answer = engine.answer("who won the nba finals in 2023")
    assert not answer.answered or answer.uncertain


def test_a_short_question_sharing_its_words_with_the_articles_is_answered(engine):
    answer = engine.answer("What is Sora 2?")
    assert answer.answered and answer.hits


def write_article(directory: Path, name: str, text: str) -> Path:
    """A one-article corpus in `directory`, as a user would lay it out."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


CAMERA_GUIDE = """---
id: guide
title: Camera guide
url: https://example.com/guide
---
# Sora 2 camera control

Sora 2 lets users steer the camera with a short prompt, and it keeps the motion smooth and steady from the first frame to the last one.

## Pricing of camera control

Camera control costs nothing extra for Pro subscribers, who can use it in every video they make this month and the next.
"""


def test_a_markdown_heading_is_never_quoted_nor_linked(tmp_path):
    engine = Engine.from_directory(write_article(tmp_path / "corpus", "guide.md", CAMERA_GUIDE), tmp_path / "cache")
    result = engine.answer("What does camera control cost for Pro subscribers?", top_k=5)
    assert result.answered
    assert result.hits[0].excerpt.startswith("Camera control costs nothing extra")
    for hit in result.hits:
        assert "#" not in hit.excerpt and "Pricing" not in hit.excerpt, hit.excerpt
        fragment = unquote(hit.quote_url.partition("#:~:text=")[2])
        assert fragment and "#" not in fragment and "Pricing" not in fragment, fragment


NEWS_WITH_CLAIM_HEADINGS = """# Sora 2 in review

Sora 2 arrived this autumn with an app, a feed of short clips and a long list of features that reviewers tried in their first week with it.

## 01 The GPT-3.5 moment for video

Its technology stems from a hybrid architecture that combines diffusion models with a transformer backbone, which lets it handle many styles, durations and resolutions of video.

## 02 A social feed

The app opens on a vertical feed of clips made by friends, and anyone can put a verified likeness of themselves into a generated scene.
"""


def test_a_heading_that_holds_the_answer_leads_the_quote_of_the_passage_under_it(tmp_path):
    corpus = write_article(tmp_path / "corpus", "review.md", NEWS_WITH_CLAIM_HEADINGS)
    engine = Engine.from_directory(corpus, tmp_path / "cache")
    result = engine.answer("Sora 2 is called the GPT-what moment for video?")
    assert result.answered
    first = result.hits[0]
    # The heading and the start of the paragraph under it, as they stand in the article.
    assert first.excerpt.startswith("01 The GPT-3.5 moment for video Its technology stems from a hybrid architecture")
    assert first.section == "Sora 2 in review › 01 The GPT-3.5 moment for video"
    highlighted = {first.excerpt[s:e].lower() for s, e in first.highlights}
    assert {"gpt", "moment"} <= highlighted
    # A question the paragraphs answer on their own quotes no heading.
    feed = engine.answer("What does the app open on?")
    assert feed.hits[0].excerpt.startswith("The app opens on a vertical feed of clips")


SETTINGS_REFERENCE = """# Configuration

## site_dir

The directory where the output HTML and other files are created. This can either be a relative directory, in which case it is resolved relative to the directory containing your configuration file, or it can be an absolute directory path from the root of your local file system. Either way, the directory is emptied before every build, so keep nothing else in it.

The default is the folder called 'site' next to the configuration file.
"""


def test_a_heading_does_not_lead_a_quote_when_the_answer_is_further_on(tmp_path):
    corpus = write_article(tmp_path / "corpus", "configuration.md", SETTINGS_REFERENCE)
    engine = Engine.from_directory(corpus, tmp_path / "cache")
    result = engine.answer("What is the default site_dir?")
    assert "The default is the folder called 'site'" in result.hits[0].excerpt


CAR_LAUNCH = [
    "小米今天在北京发布了新款电动汽车，这款车的续航里程达到八百公里，比上一代提高了三成。",
    "新车的起售价定为二十一万元人民币，高配版本售价为二十九万元，首批用户还可以获得免费充电卡。",
    "工厂位于北京亦庄，年产能为十五万辆，公司表示明年将扩建第二期工厂以满足订单需求。",
    "分析师认为，这款车将与特斯拉的同级车型直接竞争，小米的品牌影响力可能帮助它快速抢占市场。",
    "发布会结束后，小米的股票上涨了百分之五，创下今年以来的最高纪录，市值突破一千亿美元。",
]


def test_a_question_about_one_short_chinese_paragraph_quotes_that_paragraph(tmp_path):
    corpus = write_article(tmp_path / "corpus", "car.md", "# 小米发布新车\n\n" + "\n\n".join(CAR_LAUNCH) + "\n")
    engine = Engine.from_directory(corpus, tmp_path / "cache")
    result = engine.answer("小米新车的起售价是多少？")
    assert result.answered
    assert result.hits[0].excerpt == CAR_LAUNCH[1]


SINGER = [
    "Shane Filan is an Irish singer, best known as one of the lead vocalists of the pop group Westlife, "
    "which sold over fifty million records around the world.",
    "Shane Filan grew up in Sligo in a large and close family, with two brothers and three sisters, "
    "and Shane Filan first sang on stage in a school musical there.",
    "Shane Filan signed his first solo record deal in 2013, a year after the group had parted.",
    "In his spare time he loves riding horses, although he once fell from an old horse and hurt his knee.",
]


def test_a_question_about_the_subject_of_an_article_quotes_the_sentence_that_answers_it(tmp_path):
    # Every sentence is about Shane Filan, the article's title: "love" says which one answers.
    corpus = write_article(tmp_path / "corpus", "filan.md", "# Shane Filan\n\n" + " ".join(SINGER) + "\n")
    write_article(corpus, "sligo.md", "# Sligo\n\nSligo is a coastal town in the west of Ireland, by the Garavogue river.\n")
    engine = Engine.from_directory(corpus, tmp_path / "cache")
    result = engine.answer("What does Shane Filan love doing?")
    assert result.answered
    assert "riding horses" in result.hits[0].excerpt, result.hits[0].excerpt
