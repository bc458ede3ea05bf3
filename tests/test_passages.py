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
