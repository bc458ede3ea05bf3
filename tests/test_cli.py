"""`python -m bot ask|eval`, run the way a user runs it: in a subprocess, reading what it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO / "corpus"
SHARED = REPO.parent / "shared"

HIT_KEYS = {"article_id", "title", "publisher", "url", "quote_url", "lang", "excerpt", "highlights", "score",
            "section", "location", "code", "about_article"}
ANSWER_KEYS = {"id", "question", "answered", "uncertain", "truncated", "small_talk", "hits"}
SORRY = "the articles I know don't answer that"


def run_bot(
    *args: str, cache: Path, stdin: str | None = None, hash_seed: int | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    extra = env or {}
    env = {key: value for key, value in os.environ.items()
           if key not in ("CORPUS_DIR", "INDEX_CACHE_DIR", "NO_COLOR", "SEMANTIC", "EMBED_BUDGET_SECONDS")}
    env.update(extra)
    env["XDG_CACHE_HOME"] = str(cache)
    if hash_seed is not None:
        env["PYTHONHASHSEED"] = str(hash_seed)
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin, capture_output=True, text=True, encoding="utf-8", env=env, timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A cache directory warmed by a first run, shared by the tests of this module."""
    directory = tmp_path_factory.mktemp("cli-cache")
    run_bot("ask", "Sora 2 发布了吗", "--corpus", str(BUNDLED_CORPUS), cache=directory)
    return directory


def ask(*args: str, cache: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return run_bot("ask", *args, "--corpus", str(BUNDLED_CORPUS), cache=cache, stdin=stdin)


def test_the_first_run_builds_the_cache_quietly(tmp_path):
    result = ask("版权问题", cache=tmp_path / "fresh")
    assert result.returncode == 0
    assert result.stderr == ""
    assert "版權" in result.stdout
    assert list((tmp_path / "fresh" / "sora-quotes").glob("*.index"))


def test_the_bundled_corpus_is_the_default(tmp_path, cache):
    result = run_bot("ask", "How quickly did the app pass a million installs?", cache=cache)
    assert result.returncode == 0 and "five days" in result.stdout


def test_a_question_prints_excerpts_and_links(cache):
    result = ask("How quickly did the app pass a million installs?", cache=cache)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1. “") and "five days" in lines[0]
    assert lines[1].lstrip().startswith("— ")
    assert lines[2].strip().startswith("https://") and "#:~:text=" in lines[2]
    assert "\033[" not in result.stdout  # no colour codes when not writing to a terminal


def test_json_output_follows_the_contract(cache):
    result = ask("How quickly did the app pass a million installs?", "--json", "--top-k", "5", cache=cache)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    answer = json.loads(line)
    assert set(answer) == ANSWER_KEYS
    assert answer["id"] is None
    assert answer["question"] == "How quickly did the app pass a million installs?"
    assert answer["answered"] is True
    assert 1 <= len(answer["hits"]) <= 5
    for hit in answer["hits"]:
        assert set(hit) == HIT_KEYS
        for key in ("article_id", "title", "publisher", "url", "quote_url", "lang", "excerpt"):
            assert isinstance(hit[key], str), key
        assert isinstance(hit["score"], float)
        assert hit["lang"] in ("en", "zh-Hant", "zh-Hans")
        assert hit["quote_url"].startswith(hit["url"])
        assert all(
            isinstance(span, list) and len(span) == 2 and 0 <= span[0] < span[1] <= len(hit["excerpt"])
            for span in hit["highlights"]
        )


def test_json_keeps_chinese_readable(cache):
    result = ask("版权问题", "--json", cache=cache)
    answer = json.loads(result.stdout)
    assert "版權" in result.stdout  # not \\u escapes
    assert answer["hits"][0]["lang"] == "zh-Hant"


def test_batch_mode_answers_one_line_per_line_in_order(cache):
    lines = [
        json.dumps({"id": "q1", "question": "How quickly did the app pass a million installs?"}),
        "What is Sora 2?",
        '{"id": "q3", "question": ',
        json.dumps({"id": 4, "question": ""}),
        json.dumps({"id": "q5", "question": "版权问题"}, ensure_ascii=False),
        json.dumps({"id": "q6", "question": 42}),
        json.dumps({"id": "q7"}),
        json.dumps({"id": "q8", "question": "怎么用git撤销上一次的commit?"}, ensure_ascii=False),
    ]
    result = ask("--json", cache=cache, stdin="\n".join(lines) + "\n")
    assert result.returncode == 1  # some lines were errors
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    assert [item["id"] for item in out] == ["q1", None, None, 4, "q5", "q6", "q7", "q8"]

    for number in (1, 2, 5):
        item = out[number - 1]
        assert set(item) == ANSWER_KEYS and item["answered"]
    assert "five days" in out[0]["hits"][0]["excerpt"]
    assert out[7]["answered"] is False and out[7]["hits"] == []
    for number in (3, 4, 6, 7):
        item = out[number - 1]
        assert item["line"] == number
        assert item["error"].startswith(f"line {number}")
    assert "not valid JSON" in out[2]["error"]
    assert "Please ask a question" in out[3]["error"]
    assert '"question" must be a string' in out[5]["error"]
    assert '"question" must be a string' in out[6]["error"]


def test_batch_mode_with_only_good_lines_succeeds(cache):
    result = ask("--json", cache=cache, stdin="What is Sora 2?\n版权\n")
    assert result.returncode == 0
    assert [json.loads(line)["question"] for line in result.stdout.splitlines()] == ["What is Sora 2?", "版权"]


def test_batch_mode_answers_every_line_even_blank_ones_and_json_that_is_not_an_object(cache):
    lines = ["What is Sora 2?", "", "[1,2]", "null", '"What is Cameo?"', "42", "   ", "版权"]
    result = ask("--json", cache=cache, stdin="\n".join(lines) + "\n")
    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)  # output line N answers input line N
    assert out[0]["answered"] and out[7]["answered"]
    for number in (2, 3, 4, 5, 6, 7):
        assert out[number - 1]["line"] == number and out[number - 1]["id"] is None
    assert out[1]["error"].startswith("line 2 is blank") and out[6]["error"].startswith("line 7 is blank")
    for number, kind in ((3, "a list"), (4, "null"), (5, "a string"), (6, "a number")):
        assert "expected a JSON object" in out[number - 1]["error"] and out[number - 1]["error"].endswith(kind)


def test_batch_mode_names_a_line_that_is_not_utf8_and_answers_the_others(cache):
    stdin = "What is Sora 2?\n".encode() + b"What is \xff\xfe Cameo?\n" + "版权\n".encode()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--corpus", str(BUNDLED_CORPUS)],
        input=stdin, capture_output=True, timeout=120,
        env={**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO)},
    )
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 1 and len(out) == 3
    assert out[1] == {"id": None, "line": 2, "error": "line 2 is not valid UTF-8 (byte 0xff at byte 9)"}
    assert out[0]["answered"] and out[2]["answered"]


@pytest.mark.parametrize("batch", [False, True])
def test_a_reader_that_stops_reading_ends_the_program_quietly(cache, batch):
    # `python -m bot ask ... | head -1`: head has gone by the time the answer is written.
    reader, writer = os.pipe()
    os.close(reader)
    try:
        args = ["--json"] if batch else ["What is Cameo?"]
        process = subprocess.run(
            [sys.executable, "-m", "bot", "ask", *args, "--corpus", str(BUNDLED_CORPUS)],
            input="What is Cameo?\n" * 20 if batch else None, stdout=writer, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO)}, timeout=120,
        )
    finally:
        os.close(writer)
    assert process.stderr == ""  # no traceback, no "Exception ignored"
    assert process.returncode == 141  # as a program stopped by SIGPIPE


def test_escape_sequences_in_a_question_leave_nothing_behind(cache):
    result = ask("\x1b[31mWhat is \x1b[1mCameo?\x1b[0m", "--json", cache=cache)
    answer = json.loads(result.stdout)
    assert answer["question"] == "What is Cameo?"
    assert answer["answered"] and "[31m" not in result.stdout and "[1m" not in result.stdout
    batch = ask("--json", cache=cache, stdin=json.dumps({"id": 1, "question": "\x1b[31mWhat is Cameo?"}) + "\n")
    assert json.loads(batch.stdout)["question"] == "What is Cameo?"


def test_unknown_metadata_is_null_in_the_json(tmp_path, cache):
    (tmp_path / "notes.md").write_text("---\nid: notes\ntitle: Notes\n---\nCameo lets people appear in videos.\n",
                                       encoding="utf-8")
    result = run_bot("ask", "--json", "What does Cameo let people do?", "--corpus", str(tmp_path), cache=cache,
                     env={"SEMANTIC": "off"})
    (hit,) = json.loads(result.stdout)["hits"]
    assert hit["publisher"] is None and hit["url"] is None and hit["quote_url"] is None
    assert hit["title"] == "Notes"


@pytest.mark.parametrize("question", [None, "", "   ", "\t\n"])
def test_no_question_and_an_empty_one_are_refused_with_the_same_message(cache, question):
    result = ask(cache=cache) if question is None else ask(question, cache=cache)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == ask(cache=cache).stderr
    assert result.stderr.startswith("error: give a question, e.g. python -m bot ask")
    assert result.stderr.count("\n") == 1


def test_a_very_long_question_is_answered_from_the_sentence_that_asks(cache):
    question = "How quickly did the app pass a million installs? " + "x" * 9_951
    assert len(question) == 10_000
    result = ask(question, cache=cache)
    assert result.returncode == 0
    assert "I read 1000 characters of it" in result.stdout
    assert "five days" in result.stdout


@pytest.mark.parametrize("question", ["🎉🎉🎉", "?!…,.;:()", "\x01\x02\x03\x1b[31m\x7f"])
def test_questions_without_words_get_a_polite_no(cache, question):
    result = ask(question, cache=cache)
    assert result.returncode == 0
    assert SORRY in result.stdout


def test_control_characters_in_a_question_are_ignored(cache):
    result = ask("\x01How quickly\x07 did the\x1b app pass a million installs?\x7f", cache=cache)
    assert result.returncode == 0
    assert "five days" in result.stdout


@pytest.mark.parametrize("top_k", ["0", "-1", "21", "three", "abc", "2.5"])
def test_a_bad_top_k_is_refused_clearly(cache, top_k):
    result = ask("What is Sora 2?", "--top-k", top_k, cache=cache)
    assert result.returncode == 2
    assert f"argument --top-k: expected a whole number from 1 to 20, got '{top_k}'" in result.stderr
    assert "_positive" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["ask", "eval"])
def test_help_gives_the_range_of_top_k(cache, command):
    result = run_bot(command, "--help", cache=cache)
    assert "--top-k N" in result.stdout and "1 to 20" in result.stdout


def test_a_bad_corpus_is_reported_with_its_problems(tmp_path, cache):
    (tmp_path / "bad.md").write_text("---\nid: bad\ncolour: blue\nText.\n", encoding="utf-8")
    result = run_bot("ask", "What is Sora 2?", "--corpus", str(tmp_path), cache=cache)
    assert result.returncode == 2
    assert "bad.md" in result.stderr and "never closed" in result.stderr


def test_a_missing_corpus_directory_is_reported_as_missing(tmp_path, cache):
    result = run_bot("ask", "What is Sora 2?", "--corpus", str(tmp_path / "nowhere"), cache=cache)
    assert result.returncode == 2
    assert f"{tmp_path / 'nowhere'}: no such directory" in result.stderr
    (tmp_path / "a-file").write_text("not a directory\n", encoding="utf-8")
    result = run_bot("ask", "What is Sora 2?", "--corpus", str(tmp_path / "a-file"), cache=cache)
    assert f"{tmp_path / 'a-file'}: not a directory" in result.stderr


@pytest.mark.parametrize("name, value, accepted", [
    ("EMBED_BUDGET_SECONDS", "soon", "from 0 to 86400"),
    ("DECLINE_MIN_COVERAGE", "1.5", "from 0 to 1"),
])
def test_a_bad_setting_in_the_environment_is_named(cache, name, value, accepted):
    result = run_bot("ask", "What is Sora 2?", "--corpus", str(BUNDLED_CORPUS), cache=cache, env={name: value})
    assert result.returncode == 2 and result.stdout == ""
    assert f"error: {name}='{value}': expected a number {accepted}" in result.stderr


def test_decline_min_coverage_is_read_by_ask(cache):
    # "installs" is not in the articles: answered by default (no floor), declined when every word
    # must be.
    question = ("ask", "How quickly did the app pass a million installs?", "--corpus", str(BUNDLED_CORPUS))
    assert "five days" in run_bot(*question, cache=cache, env={"SEMANTIC": "off"}).stdout
    strict = run_bot(*question, cache=cache, env={"SEMANTIC": "off", "DECLINE_MIN_COVERAGE": "1"})
    assert SORRY in strict.stdout


def test_eval_prints_the_score_table(tmp_path, cache):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps(item, ensure_ascii=False)
            for item in [
                {"id": "a", "question": "How quickly did the app pass a million installs?", "lang": "en",
                 "kind": "paraphrase", "answers": ["five days"]},
                {"id": "b", "question": "Sora 2最初的版权政策把保护权益的责任推给了谁?", "lang": "zh-Hans",
                 "kind": "cross-script", "answers": ["推給了創作者"]},
                {"id": "c", "question": "What's a good recipe for banana bread?", "lang": "en",
                 "kind": "out-of-scope", "answerable": False},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = run_bot("eval", str(questions), "--corpus", str(BUNDLED_CORPUS), cache=cache)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"# {questions}"
    assert lines[1].startswith("# answers: ")  # with the model, or lexically and why
    assert lines[2].startswith("| group | answerable | answer@1 |")
    rows = {line.split("|")[1].strip(): line for line in lines[4:]}
    assert set(rows) == {"en/paraphrase", "zh-Hans/cross-script", "en/out-of-scope", "all"}
    assert rows["all"].split("|")[2].strip() == "2"
    assert "warning" not in result.stdout


@pytest.mark.parametrize("bad_line, message", [
    ('{"question": "What is Cameo?", "answers" ["Cameo"]}', "line 3 is not valid JSON: Expecting ':' delimiter (column 42)"),
    ('["What is Cameo?"]', "line 3 is not a JSON object"),
    ('{"answers": ["Cameo"]}', 'line 3 has no "question" string'),
    ('{"question": "What is Cameo?", "answers": "Cameo"}', 'line 3: "answers" must be a list of strings'),
])
def test_eval_on_a_broken_file_names_the_line(tmp_path, cache, bad_line, message):
    questions = tmp_path / "questions.jsonl"
    good = json.dumps({"question": "What is Cameo?", "answers": ["Cameo"]})
    questions.write_text(f"{good}\n\n{bad_line}\n{good}\n", encoding="utf-8")
    result = run_bot("eval", str(questions), "--corpus", str(BUNDLED_CORPUS), cache=cache)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"error: {questions}: {message}\n"


def test_eval_on_a_missing_file_is_refused_clearly(tmp_path, cache):
    result = run_bot("eval", str(tmp_path / "missing.jsonl"), cache=cache)
    assert result.returncode == 2
    assert "cannot read" in result.stderr


@pytest.mark.skipif(not (SHARED / "eval" / "dev_qa.jsonl").is_file(), reason="no shared dev set")
def test_eval_on_the_dev_set_has_only_verbatim_excerpts(cache):
    result = run_bot("eval", str(SHARED / "eval" / "dev_qa.jsonl"), cache=cache)
    assert result.returncode == 0
    assert "| all |" in result.stdout
    assert "not verbatim" not in result.stdout


DRCD = SHARED / "eval" / "external" / "drcd-dev"


@pytest.mark.skipif(not (DRCD / "corpus").is_dir(), reason="no shared DRCD set")
def test_a_question_gets_the_same_answer_in_every_process(tmp_path):
    # Python seeds string hashing per process; these questions once got different quotes
    # depending on the seed, because excerpt weights were summed in set order. (DRCD's 1,000
    # paragraphs are more than the terminal embeds before answering: this is the lexical engine.)
    wanted = {"3213-16-5", "3229-5-4", "3562-1-2"}
    lines = (DRCD / "queries-simplified.jsonl").read_text(encoding="utf-8").splitlines()
    questions = "\n".join(line for line in lines if json.loads(line)["id"] in wanted) + "\n"
    ask_drcd = ("ask", "--json", "--corpus", str(DRCD / "corpus"))
    answers = {run_bot(*ask_drcd, cache=tmp_path, stdin=questions, hash_seed=seed).stdout for seed in (3, 7, 8)}
    assert len(answers) == 1 and answers.pop().count("\n") == len(wanted)


def test_sources_lists_every_article_with_its_link(cache):
    result = run_bot("sources", "--corpus", str(BUNDLED_CORPUS), cache=cache)
    assert result.returncode == 0
    assert "1. 「Sora 2」Release: Tool, Toy, or Industry Disruptor? · Node Finance" in result.stdout
    assert "https://ceacer.cn/42386.html" in result.stdout
    assert result.stdout.count("http") == 5


def test_a_declined_question_points_to_the_sources(cache):
    result = ask("What is the capital of France?", cache=cache)
    assert result.returncode == 0
    assert SORRY in result.stdout and "python -m bot sources" in result.stdout and "python -m bot sources" in result.stdout


def test_with_the_model_a_question_gets_the_same_answer_in_every_process(cache):
    questions = "\n".join(["so altman says sora 2 is basically just made for fun??", "Sora应用几天内下载量超过一百万?",
                           "專業用戶在網頁版可以生成多長的視頻?", "What is Cameo?"]) + "\n"
    answers = {
        run_bot("ask", "--json", "--corpus", str(BUNDLED_CORPUS), cache=cache, stdin=questions, hash_seed=seed).stdout
        for seed in (1, 5)
    }
    assert len(answers) == 1 and answers.pop().count("\n") == 4


def test_semantic_off_answers_lexically_and_eval_says_so(tmp_path, cache):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"question": "What is Cameo?", "answers": ["Cameo"]}) + "\n", encoding="utf-8")
    result = run_bot("eval", str(questions), "--corpus", str(BUNDLED_CORPUS), cache=cache, env={"SEMANTIC": "off"})
    assert result.returncode == 0
    assert "# answers: lexical only: semantic re-ranking is turned off (SEMANTIC=off)" in result.stdout


def test_a_collection_too_large_to_embed_now_is_answered_lexically_with_one_note(tmp_path):
    result = run_bot("ask", "What is Cameo?", "--corpus", str(BUNDLED_CORPUS), cache=tmp_path / "cold",
                     env={"EMBED_BUDGET_SECONDS": "0"})
    assert result.returncode == 0 and "Cameo" in result.stdout
    # The bundled articles ship their vectors, so nothing is left to embed: no note.
    assert result.stderr == ""
    article = tmp_path / "articles" / "notes.md"
    article.parent.mkdir()
    article.write_text("# Notes\n\nCameo lets people put themselves into generated videos.\n", encoding="utf-8")
    result = run_bot("ask", "What is Cameo?", "--corpus", str(article.parent), cache=tmp_path / "cold",
                     env={"EMBED_BUDGET_SECONDS": "0"})
    assert result.returncode == 0 and "Cameo lets people" in result.stdout
    assert result.stderr.count("\n") == 1 and "lexical only for these articles" in result.stderr
    assert "python -m bot embed" in result.stderr
