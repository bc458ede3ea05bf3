"""Loading articles: the bundled ones, plain headerless files, and every way a file can be wrong."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from retrieval import CorpusError, load_corpus
from tests.unprivileged import how_unprivileged, run_unprivileged, shared_directory

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO / "corpus"
SHARED = REPO.parent / "shared"


def _write(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


BODY = "Sora 2 is a video model. It makes short clips with sound.\n"


def _article(**header: str) -> str:
    lines = "".join(f"{key}: {value}\n" for key, value in header.items())
    return f"---\n{lines}---\n{BODY}"


def test_the_bundled_corpus_has_five_articles_with_their_metadata():
    corpus = load_corpus(BUNDLED_CORPUS)
    infos = [article.info for article in corpus.articles]
    assert [info.id for info in infos] == ["000", "001", "002", "003", "004"]
    assert [info.lang for info in infos] == ["en", "zh-Hant", "en", "en", "en"]
    assert all(info.url and info.url.startswith("http") for info in infos)
    assert all(article.text.strip() for article in corpus.articles)

    original, translation = corpus.articles[0], corpus.articles[1]
    assert translation.translation_of == "000"
    assert original.translation_of == ""
    assert translation.info.publisher.startswith("Node Finance")
    # Unknown fields are empty strings, never None or a placeholder.
    assert translation.info.published == ""
    assert corpus.articles[2].info.title == ""
    assert corpus.articles[2].info.display_title == corpus.articles[2].info.publisher
    # The header is not part of the quotable text.
    assert not any(article.text.startswith("---") for article in corpus.articles)


def test_the_digest_follows_the_content(tmp_path):
    _write(tmp_path, "a.md", BODY)
    first = load_corpus(tmp_path).digest
    assert load_corpus(tmp_path).digest == first
    _write(tmp_path, "a.md", BODY + "One more sentence.\n")
    assert load_corpus(tmp_path).digest != first


def test_a_directory_of_plain_files_needs_no_headers(tmp_path):
    _write(tmp_path, "sora-notes.md", "# Notes on Sora\n\nSora 2 makes videos with sound.\n")
    _write(tmp_path, "zh.txt", "# 關於 Sora\n\nSora 2 是一個影片生成模型，它能同時生成聲音與畫面。\n")
    _write(tmp_path, "plain.txt", "First line is the title.\nAnd then some more text follows.\n")
    _write(tmp_path, "ignored.json", "{}")
    _write(tmp_path, ".hidden.md", "not an article")

    articles = {article.info.id: article for article in load_corpus(tmp_path).articles}
    assert sorted(articles) == ["plain", "sora-notes", "zh"]
    notes = articles["sora-notes"]
    assert notes.info.title == "Notes on Sora"
    assert notes.text == "Notes on Sora\n\nSora 2 makes videos with sound."  # the heading is not body text, though
    assert notes.info.lang == "en"
    assert notes.info.url is None and notes.info.publisher == ""
    assert articles["zh"].info.title == "關於 Sora"
    assert articles["zh"].info.lang == "zh-Hant"
    assert articles["plain"].info.title == "First line is the title."
    assert articles["plain"].text.startswith("First line is the title.")


def test_crlf_and_bom_are_read(tmp_path):
    _write(tmp_path, "win.md", "\ufeff---\r\nid: win\r\ntitle: Windows\r\n---\r\nSora 2 text.\r\nMore.\r\n".encode())
    (article,) = load_corpus(tmp_path).articles
    assert article.info.id == "win" and article.info.title == "Windows"
    assert "\r" not in article.text


def test_an_external_headerless_corpus_loads():
    directory = SHARED / "eval" / "external" / "squad-dev" / "corpus"
    if not directory.is_dir():
        pytest.skip("the external SQuAD corpus is not here")
    corpus = load_corpus(directory)
    assert len(corpus.articles) == len(list(directory.glob("*.md")))
    first = corpus.articles[0]
    assert first.info.id == "0000"
    assert first.info.title == "Super Bowl 50"
    assert first.info.lang == "en"


def test_not_a_directory(tmp_path):
    with pytest.raises(CorpusError, match="missing: no such directory"):
        load_corpus(tmp_path / "missing")
    file = _write(tmp_path, "a.md", BODY)
    with pytest.raises(CorpusError, match="not a directory"):
        load_corpus(file)


def test_a_directory_without_articles(tmp_path):
    _write(tmp_path, "readme.rst", "no articles here")
    with pytest.raises(CorpusError, match=r"no article files") as error:
        load_corpus(tmp_path)
    assert str(tmp_path) in str(error.value)


# Loads a directory in a child process that file modes bind (tests/unprivileged.py): prints
# the problems as JSON, or "loaded".
_LOAD_AS_UNPRIVILEGED = """
import json, sys
from retrieval.documents.corpus import CorpusError, load_corpus
try:
    load_corpus(sys.argv[1])
except CorpusError as error:
    print(json.dumps({"problems": error.problems, "message": str(error)}))
else:
    print(json.dumps("loaded"))
"""


def _load_unprivileged(directory: Path):
    result = run_unprivileged([sys.executable, "-c", _LOAD_AS_UNPRIVILEGED, str(directory)], capture_output=True,
                              text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_an_unreadable_file():
    with shared_directory() as place:
        _write(place, "readable.md", BODY)
        _write(place, "locked.md", BODY).chmod(0)
        said = _load_unprivileged(place)
    assert said != "loaded", f"read a mode-0 file {how_unprivileged()}"
    assert said["problems"] == [said["problems"][0]]
    assert said["problems"][0].startswith("locked.md: cannot be read (Permission denied)")


def test_an_unreadable_directory_is_one_line_naming_it():
    with shared_directory() as place:
        articles = place / "articles"
        articles.mkdir()
        _write(articles, "a.md", BODY)
        articles.chmod(0)
        said = _load_unprivileged(articles)
    assert said != "loaded", f"listed a mode-0 directory {how_unprivileged()}"
    assert said["message"] == f"cannot load the articles in {articles}: cannot be read (Permission denied)"


def test_a_directory_named_like_an_article_cannot_be_read(tmp_path):
    (tmp_path / "folder.md").mkdir()
    _write(tmp_path, "good.md", BODY)
    with pytest.raises(CorpusError) as error:
        load_corpus(tmp_path)
    assert len(error.value.problems) == 1
    assert error.value.problems[0].startswith("folder.md: cannot be read")


BAD_FILES = {
    "latin1.md": ("Caf\xe9 cr\xe8me".encode("latin-1"), "not UTF-8"),
    "unclosed.md": ("---\nid: unclosed\ntitle: Never closed\n" + BODY, "never closed"),
    "nocolon.md": ("---\nid: nocolon\njust a line\n---\n" + BODY, "front matter line 3 is not 'key: value'"),
    "empty.md": ("---\nid: empty\ntitle: Nothing\n---\n\n  \n", "has no article text"),
    "badlang.md": (_article(id="badlang", language="fr"), "language 'fr'"),
    "badurl.md": (_article(id="badurl", url="ftp://example.com/x"), "not an http(s) address"),
    "badid.md": (_article(id="has spaces"), "is not usable"),
    "nul.txt": (b"Sora\x00 2", "NUL"),
    "orphan.md": (_article(id="orphan", translation_of="999"), "translation_of names '999'"),
    "zz-dup.md": (_article(id="good"), "id 'good' is already used by good.md"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_is_named_with_its_problem(tmp_path, name):
    content, problem = BAD_FILES[name]
    _write(tmp_path, "good.md", _article(id="good", title="Good"))
    _write(tmp_path, name, content)
    with pytest.raises(CorpusError) as error:
        load_corpus(tmp_path)
    assert len(error.value.problems) == 1
    assert error.value.problems[0].startswith(f"{name}: ")
    assert problem in error.value.problems[0]


def test_one_error_lists_every_problem(tmp_path):
    _write(tmp_path, "good.md", _article(id="good", title="Good"))
    for name, (content, _) in BAD_FILES.items():
        _write(tmp_path, name, content)
    (tmp_path / "folder.md").mkdir()

    with pytest.raises(CorpusError) as error:
        load_corpus(tmp_path)
    problems = error.value.problems
    expected = {**BAD_FILES, "folder.md": (None, "cannot be read")}
    assert len(problems) == len(expected)
    for name, (_, problem) in expected.items():
        assert any(line.startswith(f"{name}: ") and problem in line for line in problems), name
    # The message a user sees names the directory and every problem.
    message = str(error.value)
    assert str(tmp_path) in message
    assert all(problem in message for problem in problems)


def test_jekyll_front_matter_is_read_and_its_other_keys_ignored_with_one_note(tmp_path, caplog):
    _write(tmp_path, "2024-01-15-hello.md", (
        "---\nlayout: post\ntitle: \"Hello, Cargo!\"\ndate: 2024-01-15 10:30:00 +0100\n"
        "author: Jane Doe\ntags: [rust, cargo]\npermalink: /blog/hello-cargo/\ndescription: A first look\n---\n"
        "Cargo is Rust's build system and package manager.\n"))
    _write(tmp_path, "other.md", "---\nlayout: page\ntitle: Other\n---\nAnother page about Cargo.\n")
    with caplog.at_level("INFO", logger="retrieval.documents.corpus"):
        corpus = load_corpus(tmp_path, url_template="https://example.org/{permalink}")
    article = corpus.articles[0]
    assert article.info.title == "Hello, Cargo!"
    assert article.info.published == "2024-01-15" and article.info.author == "Jane Doe"
    assert article.tags == ("rust", "cargo") and article.description == "A first look"
    assert article.info.url == "https://example.org/blog/hello-cargo"
    assert corpus.notes == ("front matter keys not used (files): layout (2)",)
    assert [record.getMessage().count("layout") for record in caplog.records] == [1]


def test_hugo_front_matter_in_yaml_or_toml(tmp_path):
    _write(tmp_path, "yaml.md", (
        "---\ntitle: 'Shore crabs'\ndate: 2019-03-26T08:47:11+01:00\ndraft: false\nlang: en-US\n"
        "authors:\n  - Maria Lindqvist\n  - Ole Berg\nslug: shore-crabs\nweight: 10\n---\n"
        "Shore crabs bury themselves in the sand when the water turns cold.\n"))
    _write(tmp_path, "toml.md", (
        '+++\ntitle = "Tide pools"\ndate = 2020-05-01\ncategories = ["sea"]\n+++\n'
        "Tide pools look empty in January, but they are not.\n"))
    articles = {a.info.id: a for a in load_corpus(tmp_path, url_template="https://example.org/posts/{slug}/").articles}
    crabs, pools = articles["yaml"], articles["toml"]
    assert crabs.info.title == "Shore crabs" and crabs.info.published == "2019-03-26"
    assert crabs.info.author == "Maria Lindqvist, Ole Berg" and crabs.info.lang == "en"
    assert crabs.info.url == "https://example.org/posts/shore-crabs/"
    assert pools.info.title == "Tide pools" and pools.info.published == "2020-05-01" and pools.tags == ("sea",)
    assert pools.info.url == "https://example.org/posts/toml/"
    assert crabs.source_line(0) == 12 and pools.source_line(0) == 6  # lines count from the file's top


def test_odd_and_long_file_names_get_safe_distinct_ids(tmp_path):
    long = "a-very-long-chapter-name-that-goes-on-and-on-about-packages-crates-and-modules"
    for name in (f"{long}.md", f"{long}-2.md", "[[.md", "C++ notes.md"):
        _write(tmp_path, name, "Some text about crates and modules.\n")
    ids = [article.info.id for article in load_corpus(tmp_path).articles]
    assert len(set(ids)) == 4 and all(len(i) <= 64 for i in ids)
    assert all(re.fullmatch(r"[\w./-]+", i) for i in ids)
    assert any(i.startswith("C-notes-") for i in ids)


def test_a_bad_url_template_is_named(tmp_path):
    _write(tmp_path, "a.md", BODY)
    with pytest.raises(CorpusError, match=r"unknown placeholder \{file\}"):
        load_corpus(tmp_path, url_template="https://example.org/{file}.html")
    _write(tmp_path, "sources.toml", "url_template = 'ftp://example.org/{stem}'\n")
    with pytest.raises(CorpusError, match="sources.toml: URL template"):
        load_corpus(tmp_path)
