"""How an article is cut into passages: what a quote can come from."""

from retrieval.passages import MAX_PASSAGE_CHARS, MIN_PASSAGE_CHARS, split_passages


def texts_of(text: str) -> list[str]:
    return [text[p.start : p.end] for p in split_passages(text, article=0)]


BODY = (
    "Users can now guide the style, the composition and the camera motion with greater precision "
    "than before, in every shot they ask for."
)


def test_a_heading_joins_the_paragraph_under_it():
    text = f"Prompt Control\n{BODY}\n{BODY}"
    assert texts_of(text) == [f"Prompt Control\n{BODY}", BODY]


def test_a_list_item_glued_to_the_line_before_starts_a_new_passage():
    text = f"{BODY} - Prompt Control\n{BODY}"
    assert texts_of(text) == [BODY, f"- Prompt Control\n{BODY}"]


def test_a_dash_inside_a_sentence_is_not_a_list_item():
    line = "Tool - type products like Sora2 will turn some previously unfeasible business models into reality."
    assert texts_of(line) == [line]


def test_a_short_last_line_joins_the_passage_before_it():
    text = f"{BODY}\nThe end."
    assert len("The end.") < MIN_PASSAGE_CHARS
    assert texts_of(text) == [text]


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


def test_a_heading_of_any_length_joins_the_paragraph_under_it():
    heading = "## " + ("A very long heading that goes on about the camera, the style and the motion " * 2).strip()
    assert len(heading) >= MIN_PASSAGE_CHARS
    text = f"{BODY}\n{heading}\n{BODY}"
    assert texts_of(text) == [BODY, f"{heading}\n{BODY}"]


def test_a_heading_with_nothing_under_it_joins_the_passage_before_it():
    heading = "# " + ("Closing words about the camera, the style and the motion of every shot " * 2).strip()
    text = f"{BODY}\n{heading}"
    assert texts_of(text) == [text]


def test_a_heading_over_a_long_first_sentence_stays_with_it_in_one_window():
    long_sentence = "The model " + "keeps the camera steady and the motion smooth, " * 25 + "in every shot."
    sentences = [f"Sentence number {i} says something about the model." for i in range(20)]
    text = "## Camera control\n" + long_sentence + " " + " ".join(sentences)
    passages = texts_of(text)
    assert len(long_sentence) > 1000 and len(passages) > 1
    assert passages[0].startswith("## Camera control\n" + long_sentence)
