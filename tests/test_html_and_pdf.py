"""Web pages and PDFs in a collection: their text is what trafilatura and pypdf extract, their
details come from the page, and a quote says where it stands (a PDF's page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import CorpusError, Engine, load_corpus
from retrieval.evaluation import fold
from retrieval.documents.html_articles import read_html
from retrieval.documents.pdf_articles import read_pdf
from tests.pdf_files import pdf_with_pages
from tests.sample_articles import REPORT_PAGES, TIDE_POOLS_PAGE

def _engine(directory: Path, tmp_path: Path) -> Engine:
    return Engine.from_directory(directory, tmp_path / "cache")


def test_a_saved_web_page_is_an_article_with_the_pages_details(tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "tide-pools.html").write_text(TIDE_POOLS_PAGE, encoding="utf-8")

    engine = _engine(corpus, tmp_path)
    answer = engine.answer("Where do shore crabs go in winter?")

    assert answer.answered
    hit = answer.hits[0]
    assert hit.article.title == "How Tide Pools Survive Winter"
    assert hit.article.author == "Maria Lindqvist"
    assert hit.article.published == "2024-01-15"
    assert hit.article.publisher == "Coastal Notes"
    assert hit.article.url == "https://coastal.example.org/2024/tide-pools-winter"
    assert hit.article.path == "tide-pools.html"
    assert "subtidal zone" in hit.excerpt
    assert hit.quote_url.startswith("https://coastal.example.org/2024/tide-pools-winter#:~:text=")
    # The quote is verbatim from the text the reader extracted (the article's text); the heading
    # above it is no part of it.
    assert not hit.excerpt.startswith("Where the crabs go")
    assert fold(hit.excerpt.strip("…")) in fold(engine.corpus.articles[0].text)


def test_a_web_pages_text_is_its_main_text_without_menus_footer_or_title(tmp_path):
    article = read_html(TIDE_POOLS_PAGE.encode())

    assert article.text.startswith("Tide pools look empty in January")
    assert "Subscribe to the newsletter" not in article.text
    assert "All rights reserved" not in article.text
    assert "How Tide Pools Survive Winter" not in article.text  # the title is the title
    # Wrapped lines are one paragraph, blocks are apart, entities are characters.
    assert "Anemones pull in their tentacles" in article.text
    assert "\n\nWhere the crabs go\n\n" in article.text
    assert "plates & seal" in article.text


def test_a_web_page_written_as_markdown_keeps_headings_and_lists_and_escapes_markup():
    page = TIDE_POOLS_PAGE.replace("Some bury", "Some *really* bury (see [1](notes) on Vec&lt;T&gt;)")
    article = read_html(page.encode())

    assert "## Where the crabs go" in article.markdown
    assert "- Anemones stay put and close up." in article.markdown
    assert r"Some \*really\* bury (see \[1](notes) on Vec\<T>)" in article.markdown
    assert "Some *really* bury (see [1](notes) on Vec<T>)" in article.text
    assert "plates & seal" in article.markdown  # a lone '&' or '*' needs no escape


def test_a_page_without_article_text_is_refused_naming_the_file(tmp_path):
    (tmp_path / "empty.html").write_text("<html><head><title>Nothing</title></head><body></body></html>")

    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert "empty.html: no article text found in the page" in str(caught.value)


def test_a_two_page_pdf_quote_names_its_page_and_links_to_it(tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    details = {"Title": "Harbour Water Quality 2023", "Author": "Port Authority Lab",
               "CreationDate": "D:20240115083000Z", "URL": "https://port.example.org/reports/water-2023.pdf"}
    (corpus / "water-2023.pdf").write_bytes(pdf_with_pages(REPORT_PAGES, details))

    engine = _engine(corpus, tmp_path)
    answer = engine.answer("Why did nitrate levels rise in August?")

    assert answer.answered
    hit = answer.hits[0]
    assert "storm drains carried runoff" in hit.excerpt  # the wrapped line is joined
    assert hit.location == "water-2023.pdf, page 2"
    assert hit.quote_url == "https://port.example.org/reports/water-2023.pdf#page=2"
    assert hit.article.title == "Harbour Water Quality 2023"
    assert hit.article.author == "Port Authority Lab"
    assert hit.article.published == "2024-01-15"
    assert hit.to_dict()["location"] == "water-2023.pdf, page 2"
    assert fold(hit.excerpt.strip("…")) in fold(engine.corpus.articles[0].text)

    first_page = engine.answer("When and where was the harbour sampled?").hits[0]
    assert first_page.location == "water-2023.pdf, page 1"


def test_a_local_pdf_without_an_address_links_by_the_collections_url_template(tmp_path):
    corpus = tmp_path / "articles"
    (corpus / "reports").mkdir(parents=True)
    (corpus / "reports" / "water-2023.pdf").write_bytes(pdf_with_pages(REPORT_PAGES))
    (corpus / "sources.toml").write_text('url_template = "https://port.example.org/{path}.pdf"\n')

    hit = _engine(corpus, tmp_path).answer("Why did nitrate levels rise in August?").hits[0]

    assert hit.article.url == "https://port.example.org/reports/water-2023.pdf"
    assert hit.quote_url == "https://port.example.org/reports/water-2023.pdf#page=2"
    assert hit.location == "reports/water-2023.pdf, page 2"


def test_a_pdf_leaves_out_page_numbers_and_its_running_header():
    header = "Harbour Report · City of Example"
    pages = [[header, f"Page {n} holds a sentence of its own about the harbour water."] for n in range(1, 5)]
    article = read_pdf(pdf_with_pages([lines + [str(n)] for n, lines in enumerate(pages, start=1)]))

    assert header not in article.text
    assert article.text.split("\n\n") == [f"Page {n} holds a sentence of its own about the harbour water." for n in range(1, 5)]
    assert len(article.page_starts) == 4
    assert article.text[article.page_starts[2]:].startswith("Page 3 holds")


def test_a_pdf_leaves_out_a_books_headers_that_carry_the_printed_page_number():
    # Even pages: "12 HARBOUR WATER"; odd pages: "CHAPTER 2. SAMPLING 13"; printed number = place + 10.
    bodies = ["Samples were taken at high tide.", "Nitrate rose in August.", "The inner harbour was worst.",
              "Storm drains carried the runoff.", "Oxygen stayed normal.", "The eastern shore recovered first."]
    pages = []
    for place, body in enumerate(bodies, start=1):
        header = f"{place + 10} HARBOUR WATER" if place % 2 == 0 else f"CHAPTER 2. SAMPLING {place + 10}"
        pages.append([header, body])
    article = read_pdf(pdf_with_pages(pages, {"Title": "Harbour Water"}))

    assert article.text.split("\n\n") == bodies


def test_a_pdf_leaves_out_its_table_of_contents_lines():
    contents = ["Contents", "1 Sampling . . . . . . . . . . . . 2", "2 Results . . . . . . . . . . . . . 3"]
    article = read_pdf(pdf_with_pages([contents, REPORT_PAGES[1]]))

    assert "Sampling" not in article.text and ". . ." not in article.text
    assert "Nitrate levels rose" in article.text


def test_a_running_header_is_left_out_but_still_names_a_pdf_without_a_title():
    bodies = ["Samples were taken at high tide.", "Nitrate rose in August.", "The inner harbour was worst.",
              "Oxygen stayed normal."]
    pages = [["Harbour Water Quality", body] for body in bodies]
    article = read_pdf(pdf_with_pages(pages))

    assert article.title == "Harbour Water Quality"
    assert "Harbour Water Quality" not in article.text


def test_a_pdf_without_details_takes_its_title_from_its_first_line():
    article = read_pdf(pdf_with_pages(REPORT_PAGES))

    assert article.title == "Harbour Water Quality 2023"
    assert not article.text.startswith("Harbour Water Quality 2023")
    assert article.author == "" and article.published == "" and article.url is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4\nthis is not really a PDF", "cannot be read as a PDF"),
        (pdf_with_pages([[], []]), "holds no text"),
    ],
)
def test_a_pdf_that_cannot_be_read_is_refused_naming_the_file(tmp_path, content, message):
    (tmp_path / "broken.pdf").write_bytes(content)

    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    assert "broken.pdf: " + message in str(caught.value)
