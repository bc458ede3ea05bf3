"""`python -m bot add URL|FILE… --corpus DIR`: a web article fetched from a site on 127.0.0.1 (or
a page or PDF on disk) becomes a file of the collection, or is refused in one line with nothing
written."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.__main__ import main
from retrieval import Engine, load_corpus
from retrieval.adding.article_files import header_value
from retrieval.adding.article_import import AddError, add_article
from retrieval.evaluation import fold
from retrieval.adding.page_fetch import FETCH_TIMEOUT_SECONDS, USER_AGENT
from tests.pdf_files import pdf_with_pages
from tests.standins.article_site import HANG, ArticleSite, Page
from tests.sample_articles import REPORT_PAGES, TIDE_POOLS_PAGE

HTML = "text/html; charset=utf-8"
CANONICAL = "https://coastal.example.org/2024/tide-pools-winter"


@pytest.fixture
def site():
    with ArticleSite() as running:
        yield running


@pytest.fixture
def collection(tmp_path) -> Path:
    directory = tmp_path / "articles"
    directory.mkdir()
    return directory


def _add(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(["add", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def _files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())  # hidden temporary files too


def test_a_web_article_is_added_as_markdown_with_its_details(site, collection, capsys):
    site.pages["/2024/tide-pools"] = Page(200, HTML, TIDE_POOLS_PAGE.encode())

    status, out, err = _add(capsys, site.url("/2024/tide-pools"), "--corpus", str(collection))

    assert (status, err) == (0, "")
    assert out == f"added {collection / 'how-tide-pools-survive-winter.md'}: How Tide Pools Survive Winter\n"
    assert _files(collection) == ["how-tide-pools-survive-winter.md"]
    text = (collection / "how-tide-pools-survive-winter.md").read_text(encoding="utf-8")
    assert text.startswith(
        "---\n"
        f"url: {CANONICAL}\n"
        "title: How Tide Pools Survive Winter\n"
        "publisher: Coastal Notes\n"
        "author: Maria Lindqvist\n"
        "published: 2024-01-15\n"
        "---\n\n"
        "Tide pools look empty in January"
    )
    assert "\n## Where the crabs go\n" in text
    assert site.requests[0][1]["User-Agent"] == USER_AGENT

    # The collection answers from it, quoting it verbatim, with its details.
    engine = Engine.from_directory(collection, collection.parent / "cache")
    hit = engine.answer("Where do shore crabs go in winter?").hits[0]
    assert hit.article.title == "How Tide Pools Survive Winter"
    assert hit.article.url == CANONICAL
    assert "subtidal zone" in hit.excerpt
    assert fold(hit.excerpt.strip("…")) in fold(engine.corpus.articles[0].text)


def test_a_page_without_a_canonical_address_keeps_the_one_it_was_fetched_from(site, collection, capsys):
    page = TIDE_POOLS_PAGE.replace(f'<link rel="canonical" href="{CANONICAL}">', "")
    site.pages["/tide"] = Page(200, HTML, page.encode())

    assert _add(capsys, site.url("/tide"), "--corpus", str(collection))[0] == 0
    assert load_corpus(collection).articles[0].info.url == site.url("/tide")


@pytest.mark.parametrize(
    ("page", "message"),
    [
        (None, "the server answered 404 Not Found"),
        (Page(200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)), "not a web page or PDF (the server sent image/png)"),
        (Page(200, HTML, b"<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"),
         "no article text found in the page (only 'Home')"),
        (Page(500, HTML, b"<html><body>oops</body></html>"), "the server answered 500 Internal Server Error"),
    ],
)
def test_what_is_no_article_is_refused_in_one_line_and_nothing_is_written(site, collection, capsys, page, message):
    if page is not None:
        site.pages["/article"] = page
    url = site.url("/article")

    status, out, err = _add(capsys, url, "--corpus", str(collection))

    assert (status, out) == (2, "")
    assert err == f"error: {url}: {message}\n"
    assert _files(collection) == []


def test_a_server_that_never_answers_is_given_up_after_the_timeout(site, collection, capsys):
    site.pages["/slow"] = HANG
    url = site.url("/slow")

    status, out, err = _add(capsys, url, "--corpus", str(collection), "--timeout", "0.2")

    assert (status, out) == (2, "")
    assert err == f"error: {url}: timed out: no whole answer within 0.2 s\n"
    assert _files(collection) == []


def test_a_refused_connection_is_said_so(collection, capsys):
    with socket.socket() as free:  # a port nobody listens on once closed
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    url = f"http://127.0.0.1:{port}/article"

    status, _, err = _add(capsys, url, "--corpus", str(collection))

    assert status == 2
    assert err == f"error: {url}: connection refused\n"


def test_a_page_larger_than_the_cap_is_refused(site, collection):
    site.pages["/big"] = Page(200, HTML, TIDE_POOLS_PAGE.encode())

    with pytest.raises(AddError, match=r"^too large: more than 1 KB$"):
        add_article(site.url("/big"), collection, max_bytes=1024)
    assert _files(collection) == []


def test_one_refused_source_does_not_stop_the_others(site, collection, capsys):
    site.pages["/tide"] = Page(200, HTML, TIDE_POOLS_PAGE.encode())

    status, out, err = _add(capsys, site.url("/missing"), site.url("/tide"), "--corpus", str(collection))

    assert status == 2
    assert err.count("\n") == 1 and "404" in err
    assert out.startswith("added ")
    assert _files(collection) == ["how-tide-pools-survive-winter.md"]


def test_the_same_address_is_not_added_twice_but_another_page_of_the_same_title_is(site, collection, capsys):
    site.pages["/tide"] = Page(200, HTML, TIDE_POOLS_PAGE.encode())
    site.pages["/tide-copy"] = Page(200, HTML, TIDE_POOLS_PAGE.replace(CANONICAL, CANONICAL + "-2").encode())

    assert _add(capsys, site.url("/tide"), "--corpus", str(collection))[0] == 0
    status, _, err = _add(capsys, site.url("/tide"), "--corpus", str(collection))
    assert status == 2
    assert err.endswith("already in the collection as how-tide-pools-survive-winter.md\n")

    assert _add(capsys, site.url("/tide-copy"), "--corpus", str(collection))[0] == 0
    assert _files(collection) == ["how-tide-pools-survive-winter-2.md", "how-tide-pools-survive-winter.md"]
    assert len(load_corpus(collection).articles) == 2


def test_a_pdf_at_an_address_is_kept_as_a_pdf_whose_quotes_link_to_their_page(site, collection, capsys):
    site.pages["/reports/water-2023.pdf"] = Page(200, "application/pdf", pdf_with_pages(REPORT_PAGES))
    url = site.url("/reports/water-2023.pdf")

    status, out, _ = _add(capsys, url, "--corpus", str(collection))

    assert status == 0
    assert _files(collection) == ["water-2023.pdf"]
    hit = Engine.from_directory(collection, collection.parent / "cache").answer("Why did nitrate levels rise?").hits[0]
    assert hit.article.url == url
    assert hit.quote_url == url + "#page=2"
    assert hit.location == "water-2023.pdf, page 2"


def test_a_saved_page_becomes_markdown_and_a_pdf_file_is_copied(tmp_path, collection, capsys):
    saved = tmp_path / "Saved Page.html"
    saved.write_text(TIDE_POOLS_PAGE, encoding="utf-8")
    report = tmp_path / "Water Report 2023.pdf"
    report.write_bytes(pdf_with_pages(REPORT_PAGES))

    status, out, err = _add(capsys, str(saved), str(report), "--corpus", str(collection))

    assert (status, err) == (0, "")
    assert _files(collection) == ["how-tide-pools-survive-winter.md", "water-report-2023.pdf"]
    assert (collection / "water-report-2023.pdf").read_bytes() == report.read_bytes()
    articles = {article.info.path: article.info for article in load_corpus(collection).articles}
    assert articles["water-report-2023.pdf"].title == "Harbour Water Quality 2023"
    assert load_corpus(collection).articles[0].info.url == CANONICAL


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("notes.txt", "is already a text article: copy it into the collection as it is"),
        ("picture.png", "not a web page or PDF file (.html, .htm or .pdf)"),
        ("missing.html", "no such file, and not an http(s) address"),
        ("", "is a directory: name its files (DIR/*.html DIR/*.pdf)"),
        ("ftp://example.org/a.html", "no such file, and not an http(s) address"),
    ],
)
def test_files_that_are_no_web_page_or_pdf_are_refused(tmp_path, collection, capsys, source, message):
    for name in ("notes.txt", "picture.png"):
        (tmp_path / name).write_bytes(b"something")
    path = source if "://" in source else str(tmp_path / source) if source else str(tmp_path)

    status, out, err = _add(capsys, path, "--corpus", str(collection))

    assert (status, out, err) == (2, "", f"error: {path}: {message}\n")


def test_add_needs_an_existing_collection(tmp_path, capsys):
    status, _, err = _add(capsys, "https://example.org/")
    assert status == 2 and "--corpus DIR (or CORPUS_DIR)" in err

    status, _, err = _add(capsys, "https://example.org/", "--corpus", str(tmp_path / "nowhere"))
    assert status == 2 and "no such directory" in err


def test_the_timeout_help_says_the_default_the_code_uses(capsys):
    with pytest.raises(SystemExit):
        main(["add", "--help"])
    assert f"(default {FETCH_TIMEOUT_SECONDS:g})" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("How Tide Pools Survive Winter", "How Tide Pools Survive Winter"),
        ("Hello, Cargo!", "Hello, Cargo!"),
        ("2024-01-15", "2024-01-15"),
        ("Rust: the book", '"Rust: the book"'),
        ("1984", '"1984"'),
        ("yes", '"yes"'),
        ("#1 in tide pools", '"#1 in tide pools"'),
        ('"Quoted" title', '"\\"Quoted\\" title"'),
        ("C# notes", "C# notes"),
        ("Notes #2", '"Notes #2"'),
    ],
)
def test_header_values_are_plain_unless_yaml_would_read_them_otherwise(value, written):
    assert header_value(value) == written
    yaml = pytest.importorskip("yaml")
    assert str(yaml.safe_load(f"title: {written}")["title"]) == value


@pytest.mark.parametrize(
    ("content_type", "meta"),
    [("text/html; charset=iso-8859-1", ""), ("text/html", '<meta charset="iso-8859-1">')],
)
def test_a_page_in_another_encoding_is_read_in_it(site, collection, capsys, content_type, meta):
    page = TIDE_POOLS_PAGE.replace('<meta charset="utf-8">', meta).replace("Some bury", "Some café owners bury")
    site.pages["/tide"] = Page(200, content_type, page.encode("iso-8859-1"))

    assert _add(capsys, site.url("/tide"), "--corpus", str(collection))[0] == 0
    assert "Some café owners bury" in (collection / "how-tide-pools-survive-winter.md").read_text(encoding="utf-8")
