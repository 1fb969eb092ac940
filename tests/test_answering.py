"""The extractive answerer on the bundled articles: answers, merged citations, refusals."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from rag import REFUSAL_TEXT, Assistant, EmptyQuestionError, InputError, MiniLMEmbeddings
from rag._answering import COMBINE, ExtractiveAnswerer, asked_event
from rag._reader import Reader, ReaderInput, ReaderOutput
from rag._scoring import question_type
from rag._types import Disagreement
from tests.helpers import news_pages

TROOPS_1 = "More than ten thousand troops will be dispatched"
TROOPS_2 = "More than 10,000 troops are taking part"


def check_citations(assistant: Assistant, answer) -> None:  # type: ignore[no-untyped-def]
    for citation in answer.citations:
        document = assistant.document(citation.doc_id)
        assert document.text[citation.start : citation.end] == citation.quote
        assert citation.title == document.title and citation.source == document.source
        assert f"[{citation.n}]" in answer.text
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


@pytest.mark.parametrize("question", ["how many troops?", "How many troops?", "How many soldiers took part?"])
def test_troops_cites_both_articles_in_one_statement(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.refused
    assert "ten thousand" in answer.text or "10,000" in answer.text
    assert {c.doc_id for c in answer.citations} >= {"russia-china-drill-report", "zapad-interaction-2021-begins"}
    quotes = " ".join(c.quote for c in answer.citations)
    assert TROOPS_1 in quotes and TROOPS_2 in quotes
    # Merged: the two sources are cited side by side on one statement.
    assert "[1][2]" in answer.text
    check_citations(assistant, answer)


def test_why_tajikistan_cites_the_border_request(assistant: Assistant) -> None:
    answer = assistant.ask("why Tajikistan?")
    assert not answer.refused
    first = answer.citations[0]
    assert "Tajikistan asked the Russian-led Collective Security Treaty Organization" in first.quote
    assert "border with Afghanistan" in first.quote
    check_citations(assistant, answer)


@pytest.mark.parametrize(
    "question",
    [
        "how many ships took part?",
        "how many tanks were deployed?",
        "who won the world cup?",
        "what is the capital of France?",
        "what is the recipe for banana bread?",
    ],
)
def test_unanswerable_questions_are_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.refused
    assert answer.text == REFUSAL_TEXT
    assert answer.citations == ()
    assert answer.passages, "the closest passages are still shown"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what weapons will Russian troops use?", "Chinese-made weapons"),
        ("what percentage of the country do the Taliban control?", "85 percent"),
        ("who is Wei Fenghe?", "Chinese Defense Minister Wei Fenghe"),
        ("how long is Tajikistan's border with Afghanistan?", "843-mile"),
        ("what did the Russian military dispatch to the drill ground?", "Su-30SM fighters"),
    ],
)
def test_single_article_answers(assistant: Assistant, question: str, expected: str) -> None:
    answer = assistant.ask(question)
    assert not answer.refused
    assert expected in answer.text
    check_citations(assistant, answer)


def test_where_exactly_is_answered_with_the_base_the_large_reader_chooses(assistant: Assistant) -> None:
    """The 6-layer reader ranks "in northern China this month" first; the 12-layer one, re-reading its best two, the base."""
    answer = assistant.ask("Where exactly will the drill be held?")
    assert not answer.refused and "Qingtongxia" in answer.citations[0].quote
    assert answer.short_answer and "training base" in answer.short_answer and answer.short_answer in answer.citations[0].quote
    check_citations(assistant, answer)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the exercise called?", "Zapad/Interaction 2021"),
        ("When is the drill scheduled?", "August"),
    ],
)
@pytest.mark.xfail(
    reason="issue #24, open: with little word overlap the 6-layer reader scores the sentence naming the name and "
    "the month under the calibrated threshold (combined 0.03-0.06 against 0.072), so the question is refused",
    strict=True,
)
def test_paraphrases_a_person_would_expect_to_work(assistant: Assistant, question: str, expected: str) -> None:
    """Questions worded unlike the articles: the reader, not word overlap, finds the answer."""
    answer = assistant.ask(question)
    assert not answer.refused, question
    assert expected in answer.text, (question, answer.text)
    check_citations(assistant, answer)


def test_the_drill_is_named_from_the_sentence_that_names_it(assistant: Assistant) -> None:
    """The reader's best is "this joint military drill, ostensibly to “combat terrorist forces”" (rag._naming)."""
    answer = assistant.ask("What is the name of the drill?")
    assert not answer.refused and answer.short_answer == "Zapad/Interaction 2021"
    assert "“Zapad/Interaction 2021” drill" in answer.citations[0].quote
    check_citations(assistant, answer)


def test_defence_minister_paraphrase_cites_the_sentence_naming_him(assistant: Assistant) -> None:
    answer = assistant.ask("Who is Russia's defence minister?")
    assert not answer.refused and "Sergei Shoigu" in answer.citations[0].quote
    check_citations(assistant, answer)


def test_a_different_quantity_is_refused_not_answered_with_the_troops(assistant: Assistant) -> None:
    answer = assistant.ask("How many warships took part?")
    assert answer.refused, answer.text


def test_every_citation_matches_its_offsets_over_many_questions(assistant: Assistant) -> None:
    questions = [
        "Where is the drill held?", "What is the SCO?", "What did Putin hint at?", "When did the exercises begin?",
        "Who announced the drill?", "What does the Global Times say?", "Since when have they held exercises?",
        "What happened in 2014?", "What are the objectives of the exercise?", "Where do refugees go?",
    ]
    for question in questions:
        answer = assistant.ask(question)
        check_citations(assistant, answer)
        assert answer.refused == (not answer.citations)


def test_answer_to_dict_shape(assistant: Assistant) -> None:
    data = assistant.ask("how many troops?").to_dict()
    assert set(data) >= {"question", "short_answer", "answer", "refused", "citations", "passages", "timings_ms",
                         "time_scope", "disagreements"}
    assert set(data["citations"][0]) == {"n", "doc_id", "title", "source", "start", "end", "quote", "score",
                                         "published", "outlet", "url", "also_published", "dates"}
    assert data["timings_ms"]["total"] > 0
    assert data["passages"][0]["rank"] == 1


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_rejected(assistant: Assistant, question: str) -> None:
    with pytest.raises(EmptyQuestionError, match="empty"):
        assistant.ask(question)


def test_overlong_question_and_bad_top_k(assistant: Assistant) -> None:
    with pytest.raises(InputError, match="characters long"):
        assistant.ask("troops " * 1000)
    with pytest.raises(InputError, match="top_k"):
        assistant.ask("troops?", top_k=0)


def test_unknown_document_id(assistant: Assistant) -> None:
    with pytest.raises(InputError, match="no document with id"):
        assistant.document("nope")


@pytest.mark.parametrize(
    ("question", "kind"),
    [("How many troops?", "number"), ("how much did it cost", "number"), ("How long will it last?", "duration"),
     ("When did it start?", "time"),
     ("What year was it?", "time"), ("Why Tajikistan?", "reason"), ("Who is Wei?", "other")],
)
def test_question_type(question: str, kind: str) -> None:
    assert question_type(question) == kind


@pytest.mark.parametrize(
    ("question", "dropped", "kept"),
    [
        ("How large is the troop deployment?", {"larg"}, {"troop", "deploy"}),
        ("how LONG will the drills last?", {"long", "last"}, {"drill"}),
        ("How long did the war last for?", {"long", "last"}, {"war"}),
        ("Who spoke last Thursday?", set(), {"last", "thursday", "spoke"}),
        ("How long did the Large Hadron Collider run?", {"long"}, {"larg", "hadron", "collid"}),
        ("How big?", {"big"}, set()),
        ("Why did Tajikistan ask for help?", set(), {"tajikistan", "help"}),
    ],
)
def test_the_word_after_how_is_not_a_question_term(assistant: Assistant, question: str, dropped: set, kept: set) -> None:
    from rag._evidence import QuestionTerms

    terms = set(QuestionTerms.of(question, assistant.pipeline().index).weights)
    assert not terms & dropped and kept <= terms


def test_how_large_is_answered_with_the_figure(assistant: Assistant) -> None:
    # The evidence rule under test; the default model reader still refuses this wording (docs/evaluation.md).
    answer = assistant.ask("How large is the troop deployment in the exercise?", reader="fast")
    assert not answer.refused and ("10,000" in answer.text or "ten thousand" in answer.text)
    check_citations(assistant, answer)


def _indexed(make_assistant, tmp_path: Path, files: dict[str, str]) -> Assistant:  # type: ignore[no-untyped-def]
    """An assistant over a folder holding ``files`` (name to text)."""
    folder = tmp_path / "news"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    assistant = make_assistant()
    assistant.index([folder])
    return assistant


def test_a_bracketed_number_in_article_text_never_looks_like_a_citation(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An article's own '[2]' footnote mark is shown as '(2)' in the answer; the citation quote stays exact."""
    assistant = _indexed(make_assistant, tmp_path, {
        "floods.txt": "Floods in the valley\n\nThe floods displaced more than 4,000 families in the valley [2]. "
                      "Relief agencies opened twelve shelters on Tuesday.\n",
    })
    answer = assistant.ask("How many families were displaced by the floods?")
    assert not answer.refused and len(answer.citations) == 1
    assert "[2]" not in answer.text and "(2)" in answer.text and answer.text.endswith("[1]")
    assert answer.citations[0].quote.endswith("valley [2].")


def test_an_articles_footnote_marks_never_reach_the_short_answer(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The bold short answer sits beside the real [n] citations: '[4]' from the article must not survive in it."""
    assistant = _indexed(make_assistant, tmp_path, {
        "floods.txt": "Floods\n\nThe floods displaced [3] more than [4] 4,000 families in the valley. "
                      "Relief agencies opened twelve shelters.\n",
    })
    answer = assistant.ask("How many families were displaced by the floods?")
    assert answer.short_answer == "more than 4,000"
    assert answer.citations[0].quote.startswith("The floods displaced [3] more than [4]")  # the quote stays exact


class _RecordingReader(Reader):
    """The real reader (the 6-layer one unless a folder is named), keeping what it was asked to read."""

    def __init__(self, model_dir: Path | None = None) -> None:
        super().__init__(model_dir)
        self.inputs: list[ReaderInput] = []

    def read(self, items: list[ReaderInput]) -> list[ReaderOutput]:
        self.inputs.extend(items)
        return super().read(items)


def test_the_reader_sees_a_headline_but_not_a_title_cut_from_a_paragraph(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An untitled file's title is its first line; cut from a long line it only repeats the paragraph's opening."""
    assistant = _indexed(make_assistant, tmp_path, {
        "headline.txt": "Valley floods displace thousands\n\nRain fell for a week. The floods displaced more than 4,000 families.\n",
        "snippet.txt": "Relief agencies opened twelve shelters in schools. The floods in the lower valley displaced more than "
                       "4,000 families, officials said on Tuesday. The river crested on Monday, a day before the rain stopped.\n",
    })
    assert assistant.document("snippet").title.endswith("…")
    index, searcher = assistant.snapshot()
    reader = _RecordingReader().warm_up()
    answerer = ExtractiveAnswerer(reader=reader)
    question = "How many families did the floods displace?"
    vector = searcher.embed_query(question)
    answerer.rank(question, searcher.search(question, 5, query_vector=vector), index, vector)
    titles = {item.sentence: item.title for item in reader.inputs}
    assert titles["The floods displaced more than 4,000 families."] == "Valley floods displace thousands"
    # The snippet's title runs into its second sentence: shown, it would repeat the paragraph's opening words.
    assert [t for sentence, t in titles.items() if sentence.startswith(("The floods in", "The river"))] == ["", ""]


def test_a_short_answer_keeps_the_qualifier_of_its_figure(assistant: Assistant) -> None:
    """"More than 10,000 troops": the short answer "10,000" would claim what the articles do not."""
    answer = assistant.ask("how many troops?")
    assert answer.short_answer == "More than 10,000"
    assert answer.short_answer in answer.citations[0].quote


def test_the_large_reader_answers_from_its_parts(assistant: Assistant) -> None:
    """reader = "large": the 12-layer reader, joined from its hashed parts, reads the candidates and gives the short answer."""
    import json

    from rag._calibration import reader_folder

    parts = json.loads((reader_folder("large") / "parts.json").read_text(encoding="utf-8"))
    assert len(parts["parts"]) == 3
    answer = assistant.ask("How many troops are taking part?", reader="large")
    assert not answer.refused and "10,000" in (answer.short_answer or "")
    assert assistant.ask("How many warships took part?", reader="large").refused


@pytest.fixture(scope="module")
def same_reader_spans(demo_index_dir: Path, embedder) -> Assistant:  # type: ignore[no-untyped-def]
    from rag import Settings

    return Assistant.load(demo_index_dir, embeddings=embedder, settings=Settings(short_answer_reader="same"))


@pytest.mark.parametrize(
    ("question", "before", "after"),
    [
        ("Who is Russia's defense minister?", "Wei Fenghe met with his Russian counterpart, Sergei Shoigu", "Sergei Shoigu"),
        ("Which organization did Tajikistan ask for assistance?", "Russian-led Collective Security Treaty",
         "Collective Security Treaty Organization"),
        ("When is the drill expected to take place?", "The “Zapad/Interaction 2021", "early to mid-August"),
    ],
)
def test_the_large_reader_finds_the_short_answer_in_the_quote_the_small_one_chose(
    assistant: Assistant, same_reader_spans: Assistant, question: str, before: str, after: str
) -> None:
    """short_answer_reader = "large" (the default) changes the short answer only: same quotes, scores, refusals."""
    assert assistant.answerer.span_reader is not None and same_reader_spans.answerer.span_reader is None
    large, same = assistant.ask(question), same_reader_spans.ask(question)
    assert (same.short_answer, large.short_answer) == (before, after)
    assert large.refused == same.refused is False
    assert [(c.doc_id, c.start, c.end, c.score) for c in large.citations] == [(c.doc_id, c.start, c.end, c.score) for c in same.citations]
    check_citations(assistant, large)


def test_the_large_reader_reorders_the_small_ones_best_but_never_refuses_or_rescores(
    assistant: Assistant, corpus: Assistant
) -> None:
    """large_rereads: the 12-layer reader re-reads the 6-layer reader's best few only when it answers, and picks the lead."""
    from rag.components import reader_folder

    index, searcher = assistant.snapshot()
    small = assistant.answerer.reader
    large = _RecordingReader(reader_folder("large")).warm_up()

    def ranked(question: str, rereads: int) -> list:  # type: ignore[type-arg]
        answerer = ExtractiveAnswerer(reader=small, span_reader=large, rereads=rereads,
                                      span_combine=assistant.answerer.span_combine)
        vector = searcher.embed_query(question)
        return answerer.rank(question, searcher.search(question, 5, query_vector=vector), index, vector)

    question = "Where exactly will the drill be held?"
    once = ranked(question, 1)
    assert large.inputs == []  # one re-read is the lead's, for its words: compose() does it
    twice = ranked(question, 2)
    assert [s.score for s in twice] == [s.score for s in once]  # the scores keep their places
    assert (twice[0].row, twice[1].row) == (once[1].row, once[0].row) and twice[2:] == once[2:]
    assert once[0].score >= assistant.answerer.threshold > once[1].score
    assert [i.sentence for i in large.inputs] == [index.sentence_text(s.row) for s in once[:2]]  # one batch, best first
    assert "Qingtongxia" in index.sentence_text(twice[0].row) and twice[0].reread and twice[1].reread
    assert twice[0].span is not None and "training base" in index.sentence_text(twice[0].row)[twice[0].span.start:twice[0].span.end]
    # A refusal is the 6-layer reader's alone: nothing is read again.
    large.inputs.clear()
    refused = ranked("How many warships took part?", 3)
    assert refused[0].score < assistant.answerer.threshold and large.inputs == []
    # A "how many" figure that counts another thing (score 0) is never read again, so it cannot lead. (The
    # combination here is the evidence alone, so every candidate is near the best and all the others are read.)
    evidence_only = (0.0, 0.0, 1.0, 0.0, 0.0)
    checking = ExtractiveAnswerer(reader=small, span_reader=large, rereads=6, similarity=assistant.answerer.similarity,
                                  combine=evidence_only, span_combine=assistant.answerer.span_combine, min_probability=0.0)
    question = "How many aircraft took part in the drill?"
    vector = searcher.embed_query(question)
    read = checking.rank(question, searcher.search(question, 5, query_vector=vector), index, vector)
    dropped = [index.sentence_text(s.row) for s in read[:6] if s.score == 0.0]
    assert any(t.startswith(TROOPS_1) for t in dropped)
    assert large.inputs and not any(i.sentence in dropped for i in large.inputs)
    assert read[0].score > 0.0
    # Only candidates within REREAD_WITHIN (1 logit) of the best are read again: the 6-layer reader is sure of the rest.
    index, _ = corpus.snapshot()
    scored = [_item(index, ONE, 0.5), _item(index, RAIN, 0.4), _item(index, TWO, -0.6)]  # logits 0.5, 0.4, -0.6
    large.inputs.clear()
    read = ExtractiveAnswerer(reader=small, span_reader=large, rereads=3, combine=evidence_only,
                              span_combine=assistant.answerer.span_combine, min_probability=0.0).read(RECALL_Q, scored, index)
    assert [i.sentence for i in large.inputs] == [index.sentence_text(s.row) for s in scored[:2]]
    assert [s.reread for s in read] == [True, True, False] and read[2].row == scored[2].row


class _ChangedReader(_RecordingReader):
    """The real reader, each of its outputs passed through ``change(item, output)`` (a set probability, a span)."""

    def __init__(self, change: Callable[[ReaderInput, ReaderOutput], ReaderOutput]) -> None:
        super().__init__()
        self.change = change

    def read(self, items: list[ReaderInput]) -> list[ReaderOutput]:
        return [self.change(item, out) for item, out in zip(items, super().read(items))]


def _set_probabilities(probabilities: dict[str, float]) -> _ChangedReader:
    """The real reader's spans with set probabilities (by the sentence's opening) and no margin."""
    from dataclasses import replace

    def change(item: ReaderInput, out: ReaderOutput) -> ReaderOutput:
        probability = next(p for opening, p in probabilities.items() if item.sentence.startswith(opening))
        return replace(out, probability=probability, margin=0.0)

    return _ChangedReader(change)


def test_the_second_reader_weighs_each_sentences_evidence_and_rereads_a_lead_at_the_threshold(corpus: Assistant) -> None:
    """The re-read choice is the second reader's combination of its own reading and each sentence's evidence."""
    index, _ = corpus.snapshot()
    first, second = _set_probabilities({ONE: 0.6, RAIN: 0.5}).warm_up(), _set_probabilities({ONE: 0.5, RAIN: 0.5}).warm_up()
    scored = [_item(index, ONE, 0.2), _item(index, RAIN, 0.8)]  # the first reader prefers ONE; the evidence, RAIN
    reader_only, with_evidence = (1.0, 0.0, 0.0, 0.0, 0.0), (1.0, 0.0, 1.0, 0.0, 0.0)
    alone = ExtractiveAnswerer(reader=first, combine=reader_only, min_probability=0.0).read(RECALL_Q, scored, index)
    assert [s.row for s in alone] == [scored[0].row, scored[1].row]
    lead = alone[0].score

    def read(threshold: float) -> list:  # type: ignore[type-arg]
        return ExtractiveAnswerer(reader=first, span_reader=second, rereads=2, combine=reader_only,
                                  span_combine=with_evidence, min_probability=threshold).read(RECALL_Q, scored, index)

    # The second reader reads both alike, so the evidence decides: RAIN leads, with the first reader's best score.
    assert [(s.row, s.score) for s in read(lead)] == [(scored[1].row, lead), (scored[0].row, alone[1].score)]
    # Just over the lead's score the first reader refuses, and a refusal is never read again.
    assert [s.row for s in read(math.nextafter(lead, 1.0))] == [scored[0].row, scored[1].row]


def test_refusals_and_quotes_do_not_depend_on_the_short_answer_reader(assistant: Assistant, same_reader_spans: Assistant) -> None:
    for question in ("How many warships took part?", "How many troops?", "What is the SCO?", "Who announced the drill?"):
        large, same = assistant.ask(question), same_reader_spans.ask(question)
        assert large.refused == same.refused
        assert [c.score for c in large.citations] == [c.score for c in same.citations]
        assert [c.quote for c in large.citations][1:] == [c.quote for c in same.citations][1:]  # the lead may take in the sentence before


# --- The answerer's own rules on a small hand-built corpus: sentences scored by hand, exact expectations. ---

RECORDS = [
    {"id": "one", "title": "Norvik recall begins", "published": "2021-08-01", "outlet": "One",
     "text": "Norvik Motors is recalling 120,000 cars because the brakes can fail. Dealers will repair the cars for free."},
    {"id": "two", "title": "Norvik recall grows", "published": "2021-08-05", "outlet": "Two",
     "text": "Norvik Motors is now recalling 150,000 cars because the brakes can fail. The company apologised to its customers."},
    {"id": "three", "title": "Norvik recall widens", "published": "2021-08-09", "outlet": "Three",
     "text": "Norvik Motors is recalling 150,000 cars after finding that the brakes can fail."},
    {"id": "castell", "title": "Another carmaker", "published": "2021-08-07", "outlet": "Four",
     "text": "Castell Auto is recalling 90,000 cars because the brakes can fail."},
    {"id": "layoffs", "title": "Microsoft to cut 10,000 jobs",
     "text": "Demand for software has slowed this year. The tech giant said on Wednesday it would cut 10,000 jobs."},
    {"id": "thaw", "title": "Crews in the north clear the road to the pass as the snow and ice of a long cold week melt away in the sun at last",
     "published": "2021-03-02", "text": "The pass reopened on Thursday after the thaw. Six ploughs worked through the night."},
    {"id": "drill-a", "title": "Drill dates", "published": "2021-07-20", "outlet": "Seven",
     "text": "The joint drill will run from August 9 to August 13, the ministry said."},
    {"id": "drill-b", "title": "Drill moved", "published": "2021-08-01", "outlet": "Eight",
     "text": "The joint drill will run from September 2, the ministry said."},
    {"id": "plain", "title": "Weather notes",
     "text": "Rain fell on the coast for a week. Farmers welcomed the rain after the long drought."},
    {"id": "storm", "title": "Storm Batters Coast", "published": "2021-09-01", "outlet": "Five",
     "text": "Storm Batters Coast The storm hit the coast at noon on Monday. Will the storm return next week? "
             "Roads were closed for two days."},
    {"id": "titled", "title": "the brakes can fail", "published": "2021-08-02", "outlet": "Six",
     "text": "Engineers warned that the brakes can fail in the cold. Owners should park their cars indoors."},
    {"id": "teaser", "title": "A long winter for the valley…", "published": "2021-08-04",
     "text": "Snow closed the valley road for three weeks. The council cleared it in March."},
]
RECALL_Q = "How many cars is Norvik Motors recalling?"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # type: ignore[no-untyped-def]
    import json

    folder = tmp_path_factory.mktemp("answering") / "articles"
    folder.mkdir()
    for record in RECORDS:
        (folder / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")
    index_dir = folder.parent / "index"
    Assistant(index_dir, embeddings=embedder).index([folder])
    return Assistant.load(index_dir, embeddings=embedder)


def _item(index, opening: str, score: float, rank: int = 1, span=None):  # type: ignore[no-untyped-def]
    """The stored sentence that opens with ``opening`` (a ScoredSentence scored ``score``)."""
    from rag._scoring import ScoredSentence

    rows = [r for r in range(len(index.sentence_rows)) if index.sentence_text(r).startswith(opening)]
    assert len(rows) == 1, (opening, rows)
    doc_i, start, end = (int(v) for v in index.sentence_rows[rows[0]])
    return ScoredSentence(rows[0], doc_i, start, end, score, dense=0.0, passage_rank=rank, span=span)


ONE, TWO, THREE = "Norvik Motors is recalling 120,000", "Norvik Motors is now recalling", "Norvik Motors is recalling 150,000"
CASTELL, RAIN = "Castell Auto", "Rain fell"


def test_answer_probability_is_the_logistic_combination_of_its_signals() -> None:
    from rag._answering import answer_probability

    def sigmoid(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    logit = math.log(0.7 / 0.3)
    assert answer_probability(0.7, 0.3, 0.2, (1.0, 2.0, 3.0, -1.0)) == pytest.approx(sigmoid(logit + 0.4 + 0.9 - 1.0))
    # Four weights: the entity flag has none, whatever it is.
    assert answer_probability(0.7, 0.3, 0.2, (1.0, 2.0, 3.0, -1.0), no_entity=1.0) == pytest.approx(sigmoid(logit + 0.4 + 0.9 - 1.0))
    five = (1.0, 2.0, 3.0, -4.0, -1.0)
    assert answer_probability(0.7, 0.3, 0.2, five, no_entity=1.0) == pytest.approx(sigmoid(logit + 0.4 + 0.9 - 4.0 - 1.0))
    assert answer_probability(0.7, 0.3, 0.2, five, no_entity=0.5) == pytest.approx(sigmoid(logit + 0.4 + 0.9 - 2.0 - 1.0))
    assert answer_probability(0.7, 0.3, 0.2, five) == pytest.approx(sigmoid(logit + 0.4 + 0.9 - 1.0))
    # Defaults: no margin, the shipped weights, no flag.
    c = COMBINE
    assert answer_probability(0.7, 0.3) == pytest.approx(sigmoid(c[0] * logit + c[2] * 0.3 + c[-1]))
    # A certain reader is clamped, never infinite.
    assert answer_probability(0.0, 0.0, 0.0, (1.0, 0.0, 0.0, 0.0)) == pytest.approx(1e-6, rel=1e-3)
    assert answer_probability(1.0, 0.0, 0.0, (1.0, 0.0, 0.0, 0.0)) == pytest.approx(1 - 1e-6, abs=1e-9)
    assert 1 - answer_probability(1.0, 0.0, 0.0, (1.0, 0.0, 0.0, 0.0)) == pytest.approx(1e-6, rel=1e-3)
    assert answer_probability(-3.0, 0.0, 0.0, (1.0, 0.0, 0.0, 0.0)) == answer_probability(0.0, 0.0, 0.0, (1.0, 0.0, 0.0, 0.0))


def test_the_documented_defaults_and_thresholds() -> None:
    from rag._answering import COMBINE
    from rag._calibration import shipped_calibration

    answerer = ExtractiveAnswerer()
    assert (answerer.min_score, answerer.max_statements, answerer.runner_up, answerer.merge_similarity) == (0.42, 3, 0.9, 0.8)
    assert (answerer.reader, answerer.reader_candidates, answerer.combine, answerer.span_reader) == (None, 6, COMBINE, None)
    assert answerer.min_probability == shipped_calibration().min_probability and answerer.similarity is None
    assert answerer.threshold == 0.42  # no reader: the evidence score's threshold
    assert ExtractiveAnswerer(min_score=0.3, min_probability=0.2).threshold == 0.3
    assert ExtractiveAnswerer(reader=Reader(), min_score=0.3, min_probability=0.2).threshold == 0.2
    # The entity flag is computed only when the combination weighs it.
    assert ExtractiveAnswerer().entity_flag is False  # the shipped weight is 0
    assert ExtractiveAnswerer(combine=(1.0, 1.0, 1.0, -1.0, 0.0)).entity_flag is True
    assert ExtractiveAnswerer(combine=(1.0, 1.0, 1.0, 0.0, -1.0)).entity_flag is False
    assert ExtractiveAnswerer(combine=(1.0, 1.0, 1.0, -1.0)).entity_flag is False  # four weights: the last is the bias
    assert ExtractiveAnswerer(entity_flag=True).entity_flag is True
    assert ExtractiveAnswerer(combine=(1.0, 1.0, 1.0, -1.0, 0.0), entity_flag=False).entity_flag is False


def test_warm_up_loads_both_readers_and_returns_the_answerer() -> None:
    reader, span_reader = Reader(), Reader()
    answerer = ExtractiveAnswerer(reader=reader, span_reader=span_reader)
    assert reader._session is None and span_reader._session is None
    assert answerer.warm_up() is answerer
    assert reader._session is not None and span_reader._session is not None
    assert ExtractiveAnswerer().warm_up().reader is None  # nothing to load


def test_a_refusal_below_the_threshold_and_an_answer_at_it(corpus: Assistant) -> None:
    index, _ = corpus.snapshot()
    answerer = ExtractiveAnswerer()  # no reader: the threshold is min_score, 0.42
    for scored in ([], [_item(index, RAIN, 0.4199)]):
        refused = answerer.compose("What fell?", scored, [], index)
        assert (refused.question, refused.refused, refused.text, refused.citations, refused.short_answer) == (
            "What fell?", True, REFUSAL_TEXT, (), None)
    answer = answerer.compose("What fell?", [_item(index, RAIN, 0.42)], [], index)
    assert answer.question == "What fell?" and not answer.refused and answer.text == "Rain fell on the coast for a week. [1]"
    (citation,) = answer.citations
    assert (citation.doc_id, citation.quote, citation.score) == ("plain", "Rain fell on the coast for a week.", 0.42)
    # A threshold given to compose replaces the answerer's.
    assert answerer.compose("What fell?", [_item(index, RAIN, 0.42)], [], index, threshold=0.5).refused
    assert not answerer.compose("What fell?", [_item(index, RAIN, 0.2)], [], index, threshold=0.2).refused
    assert answerer.compose("What fell?", [_item(index, RAIN, 0.123456)], [], index, threshold=0.1).citations[0].score == 0.1235
    assert ExtractiveAnswerer(min_score=0.43).compose("What fell?", [_item(index, RAIN, 0.42)], [], index).refused


def test_statements_are_quoted_in_order_with_their_citations(corpus: Assistant) -> None:
    index, _ = corpus.snapshot()
    scored = [_item(index, RAIN, 0.9), _item(index, "Roads were", 0.85), _item(index, "Snow closed", 0.84),
              _item(index, "Dealers will", 0.83)]
    answer = ExtractiveAnswerer().compose("What happened?", scored, [], index)
    assert answer.text == ("Rain fell on the coast for a week. [1] Roads were closed for two days. [2] "
                           "Snow closed the valley road for three weeks. [3]")  # at most three statements
    assert [c.doc_id for c in answer.citations] == ["plain", "storm", "teaser"] and answer.disagreements == ()
    two = ExtractiveAnswerer(max_statements=2).compose("What happened?", scored, [], index)
    assert [c.doc_id for c in two.citations] == ["plain", "storm"]
    # runner_up: a further statement needs that share of the best score.
    assert [c.doc_id for c in ExtractiveAnswerer(runner_up=0.95).compose("What happened?", scored, [], index).citations] == ["plain"]
    # Two articles that say the same thing are one statement with both citations.
    merged = ExtractiveAnswerer().compose("Why are cars recalled?", [_item(index, TWO, 0.9), _item(index, THREE, 0.8)], [], index)
    assert merged.text.endswith("[1][2]") and [c.doc_id for c in merged.citations] == ["two", "three"]
    apart = ExtractiveAnswerer(merge_similarity=0.999).compose(
        "Why are cars recalled?", [_item(index, "Dealers will", 0.9), _item(index, "The company apologised", 0.8)], [], index)
    assert "[1][2]" not in apart.text


def test_prefer_leads_with_the_newest_or_oldest_answering_statement_and_says_so(corpus: Assistant) -> None:
    index, _ = corpus.snapshot()
    answerer = ExtractiveAnswerer()
    question = "Why are the cars recalled?"
    scored = [_item(index, TWO, 0.9), _item(index, "Engineers warned", 0.5), _item(index, "Dealers will", 0.42),
              _item(index, "The company apologised", 0.41)]
    newest = answerer.compose(question, scored, [], index, prefer="newest")
    assert newest.citations[0].doc_id == "two"  # "titled" (08-02) and "one" (08-01) are older
    assert newest.text.startswith("The latest report (Two, 2021-08-05): Norvik Motors is now recalling 150,000 cars")
    oldest = answerer.compose(question, scored, [], index, prefer="oldest")
    assert oldest.citations[0].doc_id == "one"  # at the threshold it answers; "The company…" below it does not lead
    assert oldest.text.startswith("The earliest report (One, 2021-08-01): Dealers will repair the cars for free. [1]")
    plain = answerer.compose(question, scored, [], index)
    assert plain.citations[0].doc_id == "two" and not plain.text.startswith("The")
    # Only the lead moves: the other sentences still join it or follow as statements in score order.
    every = ExtractiveAnswerer(runner_up=0.0)
    assert every.compose(question, scored, [], index, prefer="oldest").text == (
        "The earliest report (One, 2021-08-01): Dealers will repair the cars for free. [1][2] "
        "Engineers warned that the brakes can fail in the cold. [3]")
    assert [c.doc_id for c in every.compose(question, scored, [], index, prefer="oldest").citations] == ["one", "two", "titled"]
    # An undated lead: no date to speak for.
    undated = answerer.compose("What fell?", [_item(index, RAIN, 0.9)], [], index, prefer="newest")
    assert undated.text == "Rain fell on the coast for a week. [1]"
    below = [_item(index, TWO, 0.9), _item(index, THREE, 0.4199)]
    assert answerer.compose(question, below, [], index, prefer="newest").citations[0].doc_id == "two"
    at = [_item(index, "Dealers will", 0.9), _item(index, THREE, 0.42)]
    assert answerer.compose(question, at, [], index, prefer="newest").citations[0].doc_id == "three"


def test_disagreeing_sources_are_labelled_and_ordered_by_date(corpus: Assistant) -> None:
    index, _ = corpus.snapshot()
    answerer = ExtractiveAnswerer()
    scored = [_item(index, ONE, 0.9), _item(index, TWO, 0.8)]
    answer = answerer.compose(RECALL_Q, scored, [], index)
    assert answer.text == ("The sources differ. Two, 2021-08-05: Norvik Motors is now recalling 150,000 cars because the brakes "
                           "can fail. [1] One, 2021-08-01: Norvik Motors is recalling 120,000 cars because the brakes can fail. [2]")
    # No reader, no short answer: each side's value is its claim, a figure without its commas.
    assert answer.disagreements == (Disagreement("number", ("150000", "120000"), (1, 2)),)
    oldest = answerer.compose(RECALL_Q, scored, [], index, prefer="oldest")
    assert [c.doc_id for c in oldest.citations] == ["one", "two"] and oldest.text.startswith("The sources differ. One, 2021-08-01:")
    assert oldest.disagreements == (Disagreement("number", ("120000", "150000"), (1, 2)),)
    newest = answerer.compose(RECALL_Q, scored, [], index, prefer="newest")
    # Asked for the newest report (or as of a date), the older figure is how things stood before it: not a
    # source that disagrees, and not quoted (a rival of the same date still is: the test below).
    assert newest.text == "The latest report (Two, 2021-08-05): Norvik Motors is now recalling 150,000 cars because the brakes can fail. [1]"
    assert newest.disagreements == () and [c.doc_id for c in newest.citations] == ["two"]
    # A rival below the threshold does not answer, so it cannot differ.
    quiet = answerer.compose(RECALL_Q, [_item(index, ONE, 0.9), _item(index, TWO, 0.41)], [], index)
    assert quiet.disagreements == () and quiet.text.startswith("Norvik Motors is recalling 120,000 cars because the brakes can fail. [1]")
    # Nor does it join the answer's statement as if it said the same: its figure is another.
    assert quiet.text == "Norvik Motors is recalling 120,000 cars because the brakes can fail. [1]"
    assert [c.doc_id for c in quiet.citations] == ["one"]


def test_asked_for_the_newest_a_rival_of_the_same_date_still_disagrees(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    import json

    folder = tmp_path / "articles"
    folder.mkdir()
    for record in (RECORDS[0], RECORDS[1], {"id": "nine", "title": "Norvik recall", "published": "2021-08-05", "outlet": "Nine",
                                            "text": "Norvik Motors is recalling 140,000 cars because the brakes can fail."}):
        (folder / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")
    assistant = Assistant(tmp_path / "index", embeddings=embedder)
    assistant.index([folder])
    index, _ = assistant.snapshot()
    scored = [_item(index, ONE, 0.9), _item(index, TWO, 0.8), _item(index, "Norvik Motors is recalling 140,000", 0.7)]
    newest = ExtractiveAnswerer().compose(RECALL_Q, scored, [], index, prefer="newest")
    assert newest.text.startswith("The sources differ.") and [c.doc_id for c in newest.citations] == ["two", "nine"]
    assert newest.disagreements == (Disagreement("number", ("150000", "140000"), (1, 2)),)


def test_a_sentence_giving_another_figure_never_joins_a_statement_whatever_the_question(corpus: Assistant,
                                                                                       news: Assistant) -> None:
    index, _ = corpus.snapshot()
    # Asked why, not how many: the 150,000 sentence is worded like the 120,000 one, but it cannot vouch for it.
    answer = ExtractiveAnswerer().compose("Why is Norvik Motors recalling cars?", [_item(index, ONE, 0.9), _item(index, TWO, 0.85)],
                                          [], index)
    assert answer.text == "Norvik Motors is recalling 120,000 cars because the brakes can fail. [1]"
    assert [c.doc_id for c in answer.citations] == ["one"]
    # Sharing a figure is not enough when each gives one the other lacks: both festival reports say "over three
    # days", but one says 40,000 visitors and the other 52,000, so neither cites the other.
    festival = news.ask("Who organised the harbour festival?")
    assert not festival.refused and "[1][2]" not in festival.text
    assert {c.doc_id for c in festival.citations} <= {"festival-2024", "festival-2025"}


def test_only_statements_naming_the_subject_can_differ_and_the_two_shown_differ(corpus: Assistant) -> None:
    index, _ = corpus.snapshot()
    answerer = ExtractiveAnswerer()
    # Castell Auto's 90,000 says nothing about Norvik Motors: never a side of the disagreement.
    answer = answerer.compose(RECALL_Q, [_item(index, ONE, 0.9), _item(index, CASTELL, 0.85), _item(index, TWO, 0.8)], [], index)
    assert [c.doc_id for c in answer.citations] == ["two", "one"] and answer.disagreements[0].values == ("150000", "120000")
    alone = answerer.compose(RECALL_Q, [_item(index, ONE, 0.9), _item(index, CASTELL, 0.85)], [], index)
    assert alone.disagreements == () and not alone.text.startswith("The sources differ.")
    assert [c.doc_id for c in alone.citations] == ["one"]
    # Two rivals of the best one that agree with each other: the newest and the one that differs from it.
    three = answerer.compose(RECALL_Q, [_item(index, ONE, 0.9), _item(index, TWO, 0.85), _item(index, THREE, 0.8)], [], index)
    assert [c.doc_id for c in three.citations] == ["three", "one"]
    assert three.disagreements == (Disagreement("number", ("150000", "120000"), (1, 2)),)
    assert three.text.startswith("The sources differ. Three, 2021-08-09: Norvik Motors is recalling 150,000 cars after")
    assert "One, 2021-08-01: Norvik Motors is recalling 120,000" in three.text


def test_rank_skips_headlines_and_never_offers_a_sentence_that_is_not_a_statement(corpus: Assistant) -> None:
    index, searcher = corpus.snapshot()
    question = "When did the storm hit the coast?"
    vector = searcher.embed_query(question)
    passages = searcher.search(question, 5, query_vector=vector)
    ranked = ExtractiveAnswerer().rank(question, passages, index, vector)
    texts = [index.documents[s.doc_i].text[s.start : s.end] for s in ranked]
    assert "The storm hit the coast at noon on Monday." in texts  # the glued headline is not quoted
    assert not any("Storm Batters" in t or t.endswith("?") for t in texts)
    assert all(s.probability is None for s in ranked)  # no reader: evidence scores, best first
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    storm = next(s for s in ranked if index.documents[s.doc_i].id == "storm" and s.start < 30)
    assert storm.start == len("Storm Batters Coast ") and storm.end == index.sentence_rows[storm.row, 2]
    answer = ExtractiveAnswerer(min_score=0.0).answer(question, passages, index, vector)
    assert answer.passages == tuple(passages) and "Storm Batters" not in answer.text and " report (" not in answer.text
    oldest = ExtractiveAnswerer(min_score=0.0).answer(question, passages, index, vector, prefer="oldest")
    assert oldest.text.startswith("The earliest report (") or oldest.text.startswith("The sources differ."), oldest.text
    assert oldest.citations[0].published == min(index.documents[s.doc_i].published or "9" for s in ranked)


def _one_article(title: str, text: str, sentences: list[str]):  # type: ignore[no-untyped-def]
    """An index of one article (no vectors): ``sentences`` are its stored sentences, found in ``text`` in order."""
    import numpy as np

    from rag._index import IndexData
    from rag._types import SourceDocument

    rows, at = [], 0
    for sentence in sentences:
        at = text.index(sentence, at)
        rows.append([0, at, at + len(sentence)])
        at += len(sentence)
    doc = SourceDocument(id="a", title=title, source="a.txt", text=text, sha256="x")
    return IndexData(Path("x"), {}, [doc], np.array([[0, 0, len(text), 0, len(rows), 9]], np.int32),
                     np.array(rows, np.int32), np.zeros((1, 2)), np.zeros((len(rows), 2)), None, None, {})


def _shown(title: str, text: str, sentences: list[str], row: int) -> ReaderInput:
    from rag._scoring import ScoredSentence

    index = _one_article(title, text, sentences)
    _, start, end = (int(v) for v in index.sentence_rows[row])
    return ExtractiveAnswerer.reader_input("Why?", ScoredSentence(row, 0, start, end, 0.5, 0.0, 1), index)


RAIN_ROADS = ["Rain fell.", "Roads closed today.", "Schools shut."]


@pytest.mark.parametrize(
    ("title", "row", "before", "shown"),
    [
        ("Valley floods", 0, "", "Valley floods"),  # a headline that adds something, before the first sentence nothing
        ("Valley floods", 1, "Rain fell.", "Valley floods"),
        ("Valley floods", 2, "Roads closed today.", "Valley floods"),
        ("Roads closed", 1, "Rain fell.", ""),  # the title is in the sentence
        ("Roads closed", 2, "Roads closed today.", ""),  # in the sentence before
        ("Roads closed", 0, "", "Roads closed"),
        ("Rain fell. More to come", 0, "", ""),  # the sentence is in the title
        ("Rain fell. More to come", 2, "Roads closed today.", "Rain fell. More to come"),
        ("A wet week …", 2, "Roads closed today.", "A wet week"),  # "…" that is not the text's opening: a headline
        ("Rain fell…", 2, "Roads closed today.", ""),  # cut from the text's first line
        ("Rain fell", 2, "Roads closed today.", "Rain fell"),  # the same words, not cut: a headline
        ("Launch by SpaceX", 1, "Rain fell.", "Launch by SpaceX"),  # only an ellipsis is stripped
    ],
)
def test_the_reader_is_shown_the_sentence_before_and_a_title_that_adds_something(
    title: str, row: int, before: str, shown: str
) -> None:
    text = " ".join(RAIN_ROADS)
    assert _shown(title, text, RAIN_ROADS, row) == ReaderInput("Why?", RAIN_ROADS[row], before, shown)


@pytest.mark.parametrize(("spaces", "cut"), [(1, True), (32, True), (33, False)])
def test_a_cut_title_is_the_texts_opening_within_twice_its_length_and_16_characters(spaces: int, cut: bool) -> None:
    """Line breaks and runs of spaces inside the opening do not count; only its first 2 * len + 16 characters are looked at."""
    text = "Snow" + " " * spaces + "closed the\nroad. Crews worked. Schools shut."
    sentences = ["Snow" + " " * spaces + "closed the\nroad.", "Crews worked.", "Schools shut."]
    assert _shown("Snow closed the…", text, sentences, 2).title == ("" if cut else "Snow closed the")


@pytest.fixture(scope="module")
def recording(assistant: Assistant) -> _RecordingReader:
    return _RecordingReader().warm_up()


def test_the_reader_reads_only_the_best_candidates_and_the_rest_score_zero(corpus: Assistant, recording: _RecordingReader) -> None:
    from rag._answering import answer_probability

    index, _ = corpus.snapshot()
    scored = [_item(index, ONE, 0.6, rank=1), _item(index, RAIN, 0.5, rank=2), _item(index, TWO, 0.4, rank=3),
              _item(index, "Dealers will", 0.3, rank=4), _item(index, "Roads were", 0.2, rank=5)]
    answerer = ExtractiveAnswerer(reader=recording, reader_candidates=3)
    recording.inputs.clear()
    read = answerer.read(RECALL_Q, scored, index)
    assert [i.sentence[:20] for i in recording.inputs] == [index.sentence_text(s.row)[:20] for s in scored[:3]]
    head, tail = read[:3], read[3:]
    assert [s.score for s in head] == sorted((s.score for s in head), reverse=True)
    assert {s.row for s in head} == {s.row for s in scored[:3]}
    assert [(s.row, s.score, s.probability, s.evidence) for s in tail] == [(s.row, 0.0, None, None) for s in scored[3:]]
    original = {s.row: s.score for s in scored}
    for s in head:
        assert s.probability is not None and s.margin is not None and s.evidence == original[s.row] and s.no_entity == 0.0
        assert s.score == answer_probability(s.probability, original[s.row], s.margin, answerer.combine, 0.0)
    rain = next(s for s in head if s.row == scored[1].row)
    assert rain.score < answerer.threshold < head[0].score  # the reader, not the evidence, orders them
    assert head[0].row in (scored[0].row, scored[2].row) and head[0].span is not None
    assert answerer.read(RECALL_Q, [], index) == []
    assert ExtractiveAnswerer().read(RECALL_Q, scored, index) is scored  # no reader: unchanged
    # Equal scores: the better passage first.
    same = [_item(index, TWO, 0.5, rank=3), _item(index, TWO, 0.5, rank=2)]
    assert [s.passage_rank for s in answerer.read(RECALL_Q, same, index)] == [2, 3]


def test_the_entity_flag_marks_sentences_naming_no_asked_entity(corpus: Assistant, recording: _RecordingReader) -> None:
    from rag._answering import answer_probability

    index, _ = corpus.snapshot()
    scored = [_item(index, ONE, 0.6), _item(index, "Dealers will", 0.5)]
    weighted = (*COMBINE[:3], -1.0, COMBINE[-1])
    question = "Which company is recalling cars?"
    flags = {s.row: s.no_entity for s in ExtractiveAnswerer(reader=recording, combine=weighted).read(question, scored, index)}
    assert flags == {scored[0].row: 0.0, scored[1].row: 1.0}  # "Norvik Motors" is a company; the dealers are none
    read = ExtractiveAnswerer(reader=recording, combine=weighted).read(question, scored, index)
    for s in read:
        assert s.score == answer_probability(s.probability, s.evidence, s.margin, weighted, s.no_entity)
    for answerer, q in [(ExtractiveAnswerer(reader=recording, combine=weighted, entity_flag=False), question),
                        (ExtractiveAnswerer(reader=recording, combine=weighted, entities=None), question),
                        (ExtractiveAnswerer(reader=recording, combine=weighted), "Why are cars recalled?"),
                        (ExtractiveAnswerer(reader=recording, entity_flag=True), question.replace("Which company", "Who"))]:
        flags = {s.row: s.no_entity for s in answerer.read(q, scored, index)}
        assert flags == {scored[0].row: 0.0, scored[1].row: 1.0 if q.startswith("Who") else 0.0}, q


def _ask(answerer: ExtractiveAnswerer, assistant: Assistant, question: str, **options):  # type: ignore[no-untyped-def]
    index, searcher = assistant.snapshot()
    vector = searcher.embed_query(question)
    return answerer.answer(question, searcher.search(question, 5, query_vector=vector), index, vector, **options)


def test_the_span_reader_reads_only_the_leads_whose_short_answers_are_shown(
    assistant: Assistant, corpus: Assistant, recording: _RecordingReader
) -> None:
    """Only the answer's short answer (a disagreement's two values) is shown: only those leads are read again."""
    from dataclasses import replace

    reader = assistant.answerer.reader
    index, _ = corpus.snapshot()
    answerer = ExtractiveAnswerer(reader=reader, span_reader=recording, runner_up=0.0, min_probability=0.0)
    question = "What happened on the coast?"
    read = answerer.read(question, [_item(index, o, 0.5) for o in (RAIN, "Roads were", "Snow closed")], index)
    assert all(s.span is not None for s in read)
    recording.inputs.clear()
    answer = answerer.compose(question, read, [], index)
    assert len(answer.citations) == 3 and not answer.disagreements
    assert [i.sentence for i in recording.inputs] == [index.sentence_text(read[0].row)]  # only the first lead
    first = answer.citations[0].quote
    assert answer.short_answer and answer.short_answer in first
    assert not any(answer.short_answer in c.quote for c in answer.citations[1:])  # the first statement's, not the last's
    # A lead the first reader found no words in is not read again: it has no short answer to show.
    recording.inputs.clear()
    spanless = answerer.compose(question, [replace(read[0], span=None)], [], index)
    assert recording.inputs == [] and spanless.short_answer is None and not spanless.refused
    # Two sources that differ: both leads are read again, in one batch, newest first.
    recording.inputs.clear()
    differ = _ask(answerer, corpus, RECALL_Q)
    assert differ.disagreements and [i.sentence[:30] for i in recording.inputs] == [
        c.quote[:30] for c in differ.citations[:2]]
    assert differ.disagreements[0].values == ("150,000", "120,000")  # each side's short answer, as its article writes it
    # No first reader: nothing is read again, even a lead with a span.
    from rag._reader import Span

    recording.inputs.clear()
    index, _ = corpus.snapshot()
    lead = _item(index, RAIN, 0.9, span=Span("sentence", 0, 4, 1.0))
    ExtractiveAnswerer(span_reader=recording).compose("What fell?", [lead], [], index)
    assert recording.inputs == []


def test_a_lead_the_span_reader_finds_no_words_in_keeps_the_first_readers_short_answer(assistant: Assistant) -> None:
    reader = assistant.answerer.reader
    from dataclasses import replace

    # The real reader, whose span head finds no words in what it reads (its probabilities stay the model's).
    spanless = _ChangedReader(lambda item, out: replace(out, span=None)).warm_up()
    for question in ("How many troops?", "Who is Russia's defense minister?"):
        alone = _ask(ExtractiveAnswerer(reader=reader), assistant, question)
        again = _ask(ExtractiveAnswerer(reader=reader, span_reader=spanless), assistant, question)
        assert alone.short_answer and again.short_answer == alone.short_answer
        assert [(c.start, c.end) for c in again.citations] == [(c.start, c.end) for c in alone.citations]
        assert len(spanless.inputs) >= 1
        spanless.inputs.clear()


def test_a_how_many_answer_whose_figure_counts_another_thing_cannot_lead(assistant: Assistant) -> None:
    """"How many aircraft…": "More than ten thousand troops will be dispatched, along with … aircraft" counts troops."""
    index, searcher = assistant.snapshot()
    checking = assistant.answerer
    assert checking.similarity is not None
    question = "How many aircraft took part in the drill?"
    vector = searcher.embed_query(question)
    passages = searcher.search(question, 5, query_vector=vector)

    def scores(answerer: ExtractiveAnswerer) -> list[tuple[str, float]]:
        return [(index.sentence_text(s.row)[:30], s.score) for s in answerer.rank(question, passages, index, vector)]

    unchecked = scores(ExtractiveAnswerer(reader=checking.reader))
    assert unchecked[0][0] == TROOPS_1[:30] and unchecked[0][1] >= checking.threshold
    checked = scores(checking)
    drill = next(i for i, (text, _) in enumerate(checked) if text == TROOPS_1[:30])
    assert checked[drill][1] == 0.0 and all(score > 0 for _, score in checked[:drill])  # demoted, after every read one
    assert checked[0][0] == TROOPS_2[:30] and checked[0][1] == unchecked[1][1]  # the others keep their scores
    # Only a sentence that could lead is parsed: under a threshold nothing reaches, none is demoted.
    strict = ExtractiveAnswerer(reader=checking.reader, similarity=checking.similarity, min_probability=0.9)
    assert scores(strict) == unchecked


def test_only_the_best_three_read_sentences_are_checked_for_what_their_figure_counts(assistant: Assistant) -> None:
    index, _ = assistant.snapshot()
    checking = assistant.answerer
    question = "How many aircraft took part in the drill?"
    drill = _item(index, TROOPS_1, 0.5)

    def read(openings: list[str]) -> dict[str, float]:
        items = [_item(index, o, 1.5) for o in openings] + [drill]  # evidence enough to be read before it
        return {index.sentence_text(s.row)[:20]: s.score for s in checking.read(question, items, index)}

    # Read fourth, the sentence is never parsed: it keeps its score.
    assert read([TROOPS_2, "The Russian military said", "The drills also aim"])[TROOPS_1[:20]] > checking.threshold
    # Third, it is, and demoted; a sentence before it whose answer lies in the sentence before it is only skipped.
    after_one = read(["As part of the drill"])
    assert list(after_one) == ["As part of the drill", TROOPS_1[:20]]  # read first, its span in the sentence before
    assert after_one[TROOPS_1[:20]] == 0.0 and after_one["As part of the drill"] > 0
    assert read([TROOPS_2, "The Russian military said"])[TROOPS_1[:20]] == 0.0
    # Exactly at the threshold it could lead: checked. Just under it: not.
    score = ExtractiveAnswerer(reader=checking.reader).read(question, [drill], index)[0].score
    for threshold, demoted in ((score, True), (math.nextafter(score, 1.0), False)):
        edge = ExtractiveAnswerer(reader=checking.reader, similarity=checking.similarity, min_probability=threshold)
        assert (edge.read(question, [drill], index)[0].score == 0.0) is demoted


def test_a_how_many_answer_found_in_the_sentence_before_is_not_judged_by_the_quotes_own_figure(
    assistant: Assistant,
) -> None:
    """The span's offsets are the sentence before's: read on the quote they would land on its "ten thousand troops"."""
    index, _ = assistant.snapshot()
    checking = assistant.answerer
    question = "How many aircraft took part in the drill?"
    drill = _item(index, TROOPS_1, 0.5)
    from dataclasses import replace

    from rag._reader import Span

    # The real reader's probabilities, its span the sentence before's first words, at the quote's figure's offsets.
    before = Span("before", 0, len("More than ten thousand"), 5.0)
    at_figure = _ChangedReader(lambda item, out: replace(out, span=before)).warm_up()
    plain = ExtractiveAnswerer(reader=at_figure).read(question, [drill], index)[0]
    assert plain.score >= checking.threshold and plain.span is not None and plain.span.piece == "before"
    checked = ExtractiveAnswerer(reader=at_figure, similarity=checking.similarity).read(question, [drill], index)[0]
    assert checked.score == plain.score  # kept: the figure the span names is in the sentence before, not this one


def test_short_answers_name_whole_names_with_a_reader_only(corpus: Assistant, assistant: Assistant) -> None:
    """With a reader, the recognizer widens a span cut inside a name and names a description from the title."""
    from rag._reader import Span

    reader = assistant.answerer.reader
    index, _ = assistant.snapshot()
    sentence = next(index.sentence_text(r) for r in range(len(index.sentence_rows))
                    if index.sentence_text(r).startswith("Last week, Chinese Defense Minister Wei Fenghe met"))
    at = sentence.index("Shoigu")
    cut = _item(index, sentence[:40], 0.9, span=Span("sentence", at, at + len("Shoigu"), 5.0))
    question = "Who is Russia's defense minister?"
    assert ExtractiveAnswerer(reader=reader).compose(question, [cut], [], index).short_answer == "Sergei Shoigu"
    assert ExtractiveAnswerer(reader=reader, entities=None).compose(question, [cut], [], index).short_answer == "Shoigu"
    assert ExtractiveAnswerer().compose(question, [cut], [], index).short_answer == "Shoigu"  # no reader: no recognizer
    index, _ = corpus.snapshot()
    giant = _item(index, "The tech giant", 0.9, span=Span("sentence", 0, len("The tech giant"), 5.0))
    named = ExtractiveAnswerer(reader=reader).compose("Which company will cut 10,000 jobs?", [giant], [], index)
    assert named.short_answer == "Microsoft" and named.citations[0].quote.startswith("The tech giant")
    asks_no_name = ExtractiveAnswerer(reader=reader).compose("What did the tech giant say?", [giant], [], index)
    assert asks_no_name.short_answer == "The tech giant"


def test_a_long_headline_line_is_never_offered_as_a_statement(corpus: Assistant) -> None:
    """A title of 27 words without a period reads as prose by its length alone; it is the headline all the same."""
    index, searcher = corpus.snapshot()
    question = "When did the snow and ice on the pass melt away?"
    vector = searcher.embed_query(question)
    ranked = ExtractiveAnswerer().rank(question, searcher.search(question, 5, query_vector=vector), index, vector)
    thaw = [index.sentence_text(s.row) for s in ranked if index.documents[s.doc_i].id == "thaw"]
    assert sorted(thaw) == ["Six ploughs worked through the night.", "The pass reopened on Thursday after the thaw."]


def test_without_a_reader_each_side_of_a_disagreement_gives_all_its_values(corpus: Assistant) -> None:
    index, _ = corpus.snapshot()
    scored = [_item(index, "The joint drill will run from August", 0.9), _item(index, "The joint drill will run from September", 0.8)]
    answer = ExtractiveAnswerer().compose("When will the joint drill run?", scored, [], index)
    assert answer.disagreements == (Disagreement("date", ("2021-09-02", "2021-08-09, 2021-08-13"), (1, 2)),)


@pytest.mark.parametrize(
    ("question", "event"),
    [
        ("How many people were injured in the storm?", "storm"),
        ("Who declared a state of emergency after the earthquake?", "earthquake"),
        ("How many people died in the fire?", "fire"),
        ("How large is the troop deployment in the exercise?", "exercise"),
        ("How many goals did Okafor score this season?", None),  # a time, not an event
        ("What did Northwind lose in the third quarter?", None),
        ("Who won the battle of Lake George?", None),  # no event in the last words
        ("What happened at the Oscars?", None),  # a name: left to the checks of names
        ("Where was it in the war?", None),  # too short a word to tell
    ],
)
def test_asked_event(question: str, event: str | None) -> None:
    assert asked_event(question) == event


def test_a_report_of_another_event_never_answers(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """"How many people were injured in the storm?" was answered "more than 300" from an earthquake report (which
    never says "storm") beside a storm report that names no injured; a question worded with a word no article
    uses ("exercise" for "drills") still answers."""
    pages = news_pages(tmp_path, embedder, "storm", "ap-quake", "wildfire")
    assert pages.ask("How many people were injured in the storm?").refused
    quake = pages.ask("How many people were injured in the earthquake?")
    assert not quake.refused and "300" in (quake.short_answer or "")
    drills = Assistant(tmp_path / "drills", embeddings=embedder)
    (tmp_path / "drills-in").mkdir()
    (tmp_path / "drills-in" / "drill.txt").write_text(
        "Joint drills begin in Ningxia\n\nMore than 10,000 troops are taking part in the five-day drills in "
        "northwestern China, the defence ministry said on Monday.\n", encoding="utf-8")
    drills.index([tmp_path / "drills-in"])
    troops = drills.ask("How many troops are taking part in the exercise?")
    assert not troops.refused and "10,000" in (troops.short_answer or "")
