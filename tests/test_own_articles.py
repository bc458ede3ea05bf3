"""Your own articles, as people write them: hard-wrapped Markdown with code, tables and comments,
plain text with headings and bylines, and quotes that say where they come from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import Engine
from retrieval.evaluation import fold
from retrieval.answering.excerpts import ELLIPSIS

REPO = Path(__file__).resolve().parent.parent
DEV_QA = REPO.parent / "shared" / "eval" / "dev_qa.jsonl"

CHAPTER = """\
<!-- ignore -->

## Shared-State Concurrency

Message passing is a fine way to handle concurrency, but it’s not the only way.
Another method would be for multiple threads to access the same shared data.
Consider this part of the slogan from the Go language documentation again: “Do
not communicate by sharing memory.”

<a id="using-mutexes"></a>

### Controlling Access with Mutexes

A _mutex_ allows only one thread to access some data at any given time. To
access the data in a mutex, a thread must first signal that it wants access by
asking to acquire the mutex’s [lock][locks]. The `lock` call returns a guard.

To create a counter behind a mutex, wrap the number in `Mutex::new`:

```rust
let counter = Mutex::new(0);
let mut number = counter.lock().unwrap();
*number += 1;
```

{{#rustdoc_include ../listings/ch16/listing-16-12/src/main.rs}}

| Type | Use |
|------|-----|
| `Rc<T>` | single-threaded reference counting |
| `Arc<T>` | atomic reference counting across threads |

[locks]: https://example.org/locks
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def book(tmp_path) -> Path:
    directory = tmp_path / "book"
    write(directory, "src/ch16-03-shared-state.md", CHAPTER)
    return directory


def ask(directory: Path, question: str, tmp_path: Path, **settings):
    engine = Engine.from_directory(directory, tmp_path / "cache", **settings)
    return engine, engine.answer(question)


def test_a_hard_wrapped_paragraph_is_quoted_whole_with_its_section(book, tmp_path):
    engine, answer = ask(book, "What is another method than message passing?", tmp_path)
    hit = answer.hits[0]
    assert hit.excerpt == (
        "Message passing is a fine way to handle concurrency, but it’s not the only way. Another method "
        "would be for multiple threads to access the same shared data. Consider this part of the slogan "
        "from the Go language documentation again: “Do not communicate by sharing memory.”"
    )
    assert hit.section == "Shared-State Concurrency"
    assert hit.article.title == "Shared-State Concurrency"


def test_inline_markup_is_rendered_and_html_comments_anchors_and_directives_are_not_text(book, tmp_path):
    engine = Engine.from_directory(book, tmp_path / "cache")
    (article,) = engine.corpus.articles
    for raw in ("<!--", "ignore", "<a id", "rustdoc_include", "_mutex_", "`lock`", "[lock][locks]", "|"):
        assert raw not in article.text
    hit = engine.answer("Which thread may access data in a mutex?").hits[0]
    assert "A mutex allows only one thread to access some data at any given time." in hit.excerpt
    assert hit.section == "Shared-State Concurrency › Controlling Access with Mutexes"


def test_a_quote_that_introduces_code_includes_it_whole_lines_shown_as_code(book, tmp_path):
    _, answer = ask(book, "How do I create a counter behind a mutex?", tmp_path)
    hit = answer.hits[0]
    assert hit.code
    assert hit.excerpt.startswith("To create a counter behind a mutex, wrap the number in Mutex::new:")
    assert "let counter = Mutex::new(0);\nlet mut number = counter.lock().unwrap();" in hit.excerpt
    for line in hit.excerpt.split("\n")[2:]:
        assert line.strip(ELLIPSIS) in CHAPTER  # never cut inside a line of code


def test_a_quote_introducing_code_it_cannot_hold_stops_at_a_sentence_end(tmp_path):
    code = "\n".join(f"step_{i}(camera, motion, style, precision)" for i in range(12))
    write(tmp_path / "docs", "guide.md", f"# Guide\n\nTo steer the camera precisely, call every step in order:\n\n```\n{code}\n```\n")
    _, answer = ask(tmp_path / "docs", "How do I steer the camera precisely?", tmp_path)
    excerpt = answer.hits[0].excerpt
    assert excerpt.startswith("To steer the camera precisely, call every step in order:")
    assert excerpt.endswith(("order:", ")")) and not excerpt.endswith(ELLIPSIS)


def test_a_table_row_is_quoted_with_its_header(book, tmp_path):
    _, answer = ask(book, "Which type does atomic reference counting across threads?", tmp_path)
    assert "Type: Arc<T>; Use: atomic reference counting across threads" in answer.hits[0].excerpt


def test_an_html_comment_is_never_quoted(tmp_path):
    write(tmp_path / "notes", "comments.md", "# Notes\n\n<!-- secret draft about the camera motion -->\n\n"
          "The camera motion stays smooth in every shot the model makes for its users.\n\n"
          "Text <!-- inline secret about the camera --> goes on about the camera.\n")
    engine, answer = ask(tmp_path / "notes", "How smooth is the camera motion?", tmp_path)
    assert answer.hits and all("secret" not in hit.excerpt and "<!--" not in hit.excerpt for hit in answer.hits)


def test_a_local_file_says_its_path_and_line_without_a_url(book, tmp_path):
    _, answer = ask(book, "What does the lock call return?", tmp_path)
    hit = answer.hits[0]
    assert hit.quote_url is None
    line = CHAPTER.split("\n").index("A _mutex_ allows only one thread to access some data at any given time. To") + 1
    assert hit.location == f"src/ch16-03-shared-state.md:{line}"
    assert hit.article.path == "src/ch16-03-shared-state.md" and hit.article.id == "src/ch16-03-shared-state"


def test_a_url_template_links_a_local_file_to_its_page(book, tmp_path):
    _, answer = ask(book, "What does the lock call return?", tmp_path,
                    url_template="https://example.org/book/{stem}.html")
    hit = answer.hits[0]
    assert hit.article.url == "https://example.org/book/ch16-03-shared-state.html"
    assert hit.quote_url.startswith("https://example.org/book/ch16-03-shared-state.html#:~:text=")
    assert "%60" not in hit.quote_url and "_" not in hit.quote_url.split("#")[1]  # rendered words, no markup
    assert hit.location is None


def test_a_collection_may_name_its_url_template_itself(book, tmp_path):
    write(book, "sources.toml", 'url_template = "https://example.org/{path}.html"\n')
    _, answer = ask(book, "What does the lock call return?", tmp_path)
    assert answer.hits[0].article.url == "https://example.org/src/ch16-03-shared-state.html"


def test_a_long_file_name_and_subdirectories_load(tmp_path):
    name = "ch07-00-managing-growing-projects-with-packages-crates-and-modules2.md"
    assert len(name) == 70
    directory = tmp_path / "book"
    write(directory, name, "# Packages and Crates\n\nA crate is the smallest amount of code the compiler considers.\n")
    write(directory, "appendix/deep/er/keywords.md", "# Keywords\n\nKeywords are reserved for use by the language.\n")
    engine, answer = ask(directory, "What is a crate?", tmp_path)
    ids = [info.id for info in engine.articles]
    assert len(ids) == 2 and all(len(i) <= 64 for i in ids)
    assert "appendix/deep/er/keywords" in ids
    hit = answer.hits[0]
    assert hit.article.path == name and hit.location == f"{name}:3"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Engine:
    return Engine.from_directory(REPO / "corpus", tmp_path_factory.mktemp("bundled-cache"))


def test_the_bundled_title_dateline_and_byline_are_details_not_body(bundled):
    article = bundled.corpus.articles[0]
    assert article.info.details == "10/09 2025 427 · By Er Feng · Source: Node Finance"
    assert [article.text[s:e] for s, e in article.details] == ["10/09 2025 427", "By Er Feng", "Source: Node Finance"]
    questions = ["What date was the Node Finance piece on Sora 2 published?", "Sora 2 release tool toy disruptor",
                 "Who is Er Feng?", "Node Finance source"]
    if DEV_QA.is_file():
        questions += [json.loads(line)["question"] for line in DEV_QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    furniture = [fold(article.text[s:e]) for a in bundled.corpus.articles for s, e in a.details]
    titles = [fold(a.info.title) for a in bundled.corpus.articles if a.info.title]
    for question in questions:
        for hit in bundled.answer(question, top_k=10).hits:
            if hit.about_article:
                continue  # a hit about the article itself shows its details line, by contract
            quoted = fold(hit.excerpt.strip(ELLIPSIS))
            assert not any(line in quoted for line in furniture), (question, hit.excerpt)
            assert not any(quoted.startswith(title) for title in titles), (question, hit.excerpt)


def test_a_wrapped_sentence_opening_with_by_is_text_not_a_byline(tmp_path):
    write(tmp_path / "book", "ch02.md", "## Guessing Game\n\n"
          "By default, Rust has a set of items defined in the standard library that it\n"
          "brings into the scope of every program. This set is called the _prelude_.\n\n"
          "## Other Chapter\n\nThe standard library holds many more items than the prelude brings.\n")
    engine, answer = ask(tmp_path / "book", "What items does Rust bring into the scope of every program?", tmp_path)
    assert engine.corpus.articles[0].details == ()
    assert answer.hits[0].excerpt == ("By default, Rust has a set of items defined in the standard library that it "
                                      "brings into the scope of every program. This set is called the prelude.")


def test_a_short_setting_line_under_a_heading_is_quoted_and_a_caption_is_not(tmp_path):
    write(tmp_path / "docs", "configuration.md", "# Configuration\n\n### docs_dir\n\n"
          "The directory containing the documentation source markdown files, relative to the\n"
          "directory containing your configuration file.\n\n**default**: `'docs'`\n\n### site_dir\n\n"
          "The directory where the output HTML and other files are created.\n\n"
          "Figure 2-1: The site directory after a build\n\n[edit]\n\n**default**: `'site'`\n")
    engine, answer = ask(tmp_path / "docs", "What is the default docs_dir?", tmp_path)
    assert answer.hits[0].excerpt.endswith("configuration file. default: 'docs'")
    kinds = {engine.corpus.articles[0].text[b.start : b.end]: b.kind for b in engine.corpus.articles[0].blocks}
    assert kinds["Figure 2-1: The site directory after a build"] == kinds["[edit]"] == "label"
    assert kinds["default: 'site'"] == "paragraph"


def test_a_quote_introducing_a_list_holds_its_items(tmp_path):
    write(tmp_path / "book", "ch04.md", "## What Is Ownership?\n\n### Ownership Rules\n\n"
          "First, let’s take a look at the ownership rules. Keep these rules in mind as we\n"
          "work through the examples that illustrate them:\n\n- Each value in Rust has an _owner_.\n"
          "- There can only be one owner at a time.\n- When the owner goes out of scope, the value will be dropped.\n\n"
          "### Variable Scope\n\nNow that we’re past basic Rust syntax, we won’t include all the code in the examples.\n")
    _, answer = ask(tmp_path / "book", "What are the ownership rules?", tmp_path)
    assert answer.hits[0].excerpt.startswith("First, let’s take a look at the ownership rules.")
    assert "Each value in Rust has an owner." in answer.hits[0].excerpt


def test_a_how_to_question_is_answered_by_the_quote_showing_the_command_not_the_section_opening(tmp_path):
    write(tmp_path / "book", "ch11.md", "## Controlling How Tests Are Run\n\n### Running Tests One at a Time\n\n"
          "When you run multiple tests, by default they run in parallel using threads, so the tests\n"
          "finish sooner; tests that share state must then not depend on each other at any time.\n\n"
          "If you don’t want to run the tests in parallel, send the test binary a flag with the number\n"
          "of threads to use, one at a time:\n\n```console\n$ cargo test -- --test-threads=1\n```\n\n"
          "### Showing Output\n\nBy default, the output of passing tests is captured and not shown.\n")
    _, answer = ask(tmp_path / "book", "How do I run the tests one at a time?", tmp_path)
    assert answer.hits[0].code and "$ cargo test -- --test-threads=1" in answer.hits[0].excerpt


def test_a_how_to_question_prefers_the_command_to_a_program_output_holding_its_words(tmp_path):
    output = "\n".join(f"running {n} tests, only ignored tests: test result: ok. {n} passed; 1 ignored" for n in range(1, 4))
    write(tmp_path / "book", "ch11.md", "## Running Tests\n\n### Output\n\n"
          "A test run prints one line for each test binary it runs, and a summary of what passed, what failed\n"
          "and what was left out of this run, as in this session.\n\n"
          f"```text\n{output}\n```\n\n### Skipping Slow Work\n\nTo run only the ignored tests, use:\n\n"
          "```console\n$ cargo test -- --ignored\n```\n")
    _, answer = ask(tmp_path / "book", "How can I run only the ignored tests?", tmp_path)
    assert "$ cargo test -- --ignored" in answer.hits[0].excerpt


def test_only_questions_asking_how_to_do_something_prefer_code():
    from retrieval.answering.how_to import asks_how_to

    assert all(asks_how_to(q) for q in ("How do I format my code?", "how can you publish a crate?",
                                        "How to install MkDocs?", "What command creates a new project?"))
    assert not any(asks_how_to(q) for q in ("How many modules did he delete?", "How did the Normans rule?",
                                            "How does a mutex work?", "What is a command line?"))
