"""How long the web page and PDF readers take per file, which a collection of them pays at every
start (their text is extracted again each time; only the index is cached). Prints a markdown table.

    python benchmarks/reader_speed.py [--rounds 5] [--html FILE ...] [--pdf FILE ...]

Without files it reads generated web pages of about 10 KB, 100 KB and 1 MB (paragraphs, headings,
lists and a sidebar, like a blog post) and two PDFs written here (2 and 40 pages of text), plus any
PDF under /usr/share/doc. Times are the medians of `--rounds` runs of `read_html` / `read_pdf` on
the file's bytes, in this process, after one warm-up run (imports excluded).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.documents.html_articles import read_html  # noqa: E402
from retrieval.documents.pdf_articles import read_pdf  # noqa: E402
from tests.pdf_files import pdf_with_pages  # noqa: E402

SENTENCE = "Shore crabs move down into the subtidal zone, where the water changes more slowly than the air. "


def generated_page(target_bytes: int) -> bytes:
    """A blog-like page of about `target_bytes`: a menu, a sidebar, sections of paragraphs and lists."""
    sections = []
    number = 0
    while sum(map(len, sections)) < target_bytes:
        number += 1
        sections.append(
            f"<h2>Section {number}</h2><p>{SENTENCE * 6}</p><p>{SENTENCE * 4}</p>"
            f"<ul><li>Item one of section {number}.</li><li>Item two of section {number}.</li></ul>"
        )
    return (
        "<html><head><title>Tide pools</title><meta name='author' content='M. L.'></head><body>"
        "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav><article><h1>Tide pools</h1>"
        + "".join(sections)
        + "</article><aside><h3>Related</h3><ul><li><a href='/x'>Another post</a></li></ul></aside>"
        "<footer>Copyright 2024</footer></body></html>"
    ).encode()


def generated_pdf(pages: int) -> bytes:
    lines = [SENTENCE[:70], SENTENCE[:60] + " more text.", "A short line."]
    return pdf_with_pages([lines * 12 + [str(page)] for page in range(1, pages + 1)])


def median_ms(read, content: bytes, rounds: int) -> tuple[float, object]:
    result = read(content)  # warm-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        read(content)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--html", nargs="*", type=Path, default=[])
    parser.add_argument("--pdf", nargs="*", type=Path, default=[])
    args = parser.parse_args()

    inputs: list[tuple[str, str, bytes]] = []
    if not args.html and not args.pdf:
        inputs += [(f"generated page, {size // 1000} KB", "html", generated_page(size)) for size in (10_000, 100_000, 1_000_000)]
        inputs += [(f"generated PDF, {pages} pages", "pdf", generated_pdf(pages)) for pages in (2, 40)]
        inputs += [(path.name, "pdf", path.read_bytes()) for path in sorted(Path("/usr/share/doc").rglob("*.pdf"))]
    inputs += [(path.name, "html", path.read_bytes()) for path in args.html]
    inputs += [(path.name, "pdf", path.read_bytes()) for path in args.pdf]

    print("| file | bytes | pages | text chars | median ms | ms per 100 KB of file |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, kind, content in inputs:
        try:
            ms, article = median_ms(read_html if kind == "html" else read_pdf, content, args.rounds)
        except ValueError as error:
            print(f"| {name} | {len(content)} | | refused: {error} | | |")
            continue
        pages = len(article.page_starts) or ""
        print(f"| {name} | {len(content):,} | {pages} | {len(article.text):,} | {ms:.1f} | {ms / (len(content) / 100_000):.1f} |")


if __name__ == "__main__":
    main()
