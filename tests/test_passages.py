"""How an article is cut into passages: what a quote can come from."""

from retrieval.documents.corpus import read_article
from retrieval.documents.passages import MAX_PASSAGE_CHARS, MIN_PASSAGE_CHARS, split_passages


def passages_of(source: str, name: str = "article.md"):
    article = read_article(name, source.encode())
    return article, split_passages(article, 0)


def texts_of(source: str, name: str = "article.md") -> list[str]:
    article, passages = passages_of(source, name)
    return [article.text[p.start : p.end] for p in passages]


BODY = (
    "Users can now guide the style, the composition and the camera motion with greater precision "
    "than before, in every shot they ask for."
)


def test_a_heading_is_the_section_of_the_passages_under_it_not_their_text():
    article, passages = passages_of(f"# Sora\n\n## Prompt Control\n\n{BODY}\n\n## Pricing\n\n{BODY}\n")
    assert [article.text[p.start : p.end] for p in passages] == [BODY, BODY]
    assert [p.section for p in passages] == ["Sora › Prompt Control", "Sora › Pricing"]


def test_a_plain_text_heading_line_labels_the_paragraphs_under_it():
    article, passages = passages_of(f"Prompt Control\n{BODY}\n{BODY}\n", "notes.txt")
    assert [article.text[p.start : p.end] for p in passages] == [BODY, BODY]
    assert passages[0].section == "Prompt Control"


def test_a_list_item_glued_to_the_line_before_starts_a_new_passage():
    assert texts_of(f"{BODY} - Prompt Control\n{BODY}\n", "notes.txt") == [BODY, f"- Prompt Control\n\n{BODY}"]


def test_a_dash_inside_a_sentence_is_not_a_list_item():
    line = "Tool - type products like Sora2 will turn some previously unfeasible business models into reality."
    assert texts_of(line) == [line]


def test_a_short_last_paragraph_joins_the_passage_before_it():
    assert len("The end.") < MIN_PASSAGE_CHARS
    assert texts_of(f"{BODY}\n\nThe end.\n") == [f"{BODY}\n\nThe end."]


def test_short_list_items_join_into_one_passage_of_their_kind():
    article, passages = passages_of("Intro line that says what comes:\n\n- one camera\n- two styles\n- three shots\n")
    assert len(passages) == 1 and article.text[passages[0].start : passages[0].end].endswith("three shots")


def test_a_long_paragraph_is_cut_into_overlapping_windows_of_whole_sentences():
    sentences = [f"Sentence number {i} says something about the model." for i in range(60)]
    text = " ".join(sentences)
    passages = texts_of(text)
    assert len(text) > MAX_PASSAGE_CHARS and len(passages) > 1
    assert all(len(p) <= MAX_PASSAGE_CHARS for p in passages)
    for before, after in zip(passages, passages[1:]):
        assert before.split(". ")[-1] in after
    assert passages[0].startswith(sentences[0]) and passages[-1].endswith(sentences[-1])


def test_short_chinese_paragraphs_stay_passages_of_their_own():
    # 40 to 45 Chinese characters read like a 120 to 135-letter English paragraph, not like a heading.
    paragraphs = [
        "小米今天在北京发布了新款电动汽车，这款车的续航里程达到八百公里，比上一代提高了三成。",
        "新车的起售价定为二十一万元人民币，高配版本售价为二十九万元，首批用户还可以获得免费充电卡。",
        "工厂位于北京亦庄，年产能为十五万辆，公司表示明年将扩建第二期工厂以满足订单需求。",
    ]
    assert all(len(p) < MIN_PASSAGE_CHARS for p in paragraphs)
    assert texts_of("\n\n".join(paragraphs)) == paragraphs


def test_a_paragraph_introducing_code_keeps_the_code_with_it():
    source = f"{BODY}\n\nTo start the tool, run this:\n\n```sh\nsora start --camera steady\n```\n\n{BODY}\n"
    article, passages = passages_of(source)
    texts = [article.text[p.start : p.end] for p in passages]
    assert "To start the tool, run this:\n\nsora start --camera steady" in texts[1]
    assert passages[1].kind == "paragraph" and article.code_spans(passages[1].start, passages[1].end)


def test_a_hard_wrapped_paragraph_is_one_line_of_text():
    wrapped = ("Message passing is a fine way to handle concurrency, but it is not the only\n"
               "way. Another method would be for multiple threads to access the same shared\n"
               "data, as the next section shows.\n")
    assert texts_of(wrapped) == [" ".join(wrapped.split())]
    assert texts_of(wrapped, "notes.txt") == [" ".join(wrapped.split())]


def test_a_caption_in_a_text_with_headings_is_neither_quoted_nor_a_heading():
    article, passages = passages_of(
        f"# Slices\n\n{BODY}\n\n<span class=\"caption\">Figure 4-7: A string slice referring to part of a String</span>\n\n{BODY}\n")
    assert [article.text[p.start : p.end] for p in passages] == [BODY, BODY]
    assert [p.section for p in passages] == ["Slices", "Slices"]
    assert [b.kind for b in article.blocks] == ["heading", "paragraph", "label", "paragraph"]
