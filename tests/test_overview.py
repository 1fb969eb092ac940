"""Overview questions ("What's the latest on X?", "What happened this week?"): the newest articles' news, cited."""

from __future__ import annotations

import pytest

from rag import Assistant, MiniLMEmbeddings
from rag._overview import about_topic, change, change_topic, overview, overview_topic
from tests.helpers import write_records


@pytest.mark.parametrize(("question", "topic"), [
    ("What's the latest on the A380?", "the A380"),
    ("What are the latest developments in the Ukraine war?", "the Ukraine war"),
    ("Any updates on the strike?", "the strike"),
    ("Is there any news about Tesla today?", "Tesla"),
    ("Tell me about the earthquake", "the earthquake"),
    ("Can you tell me more about the election?", "the election"),
    ("Give me an update on the recall", "the recall"),
    ("Summarize the news about Ford", "Ford"),
    ("What's going on in Gaza?", "Gaza"),
    ("What do the articles say about inflation?", "inflation"),
    ("Catch me up on the trial", "the trial"),
    ("What’s the latest on the A380 this week?", "the A380"),  # a curly apostrophe; the time words filter
    # the news in general
    ("What happened this week?", ""),
    ("What's the news today?", ""),
    ("Recap this week's news", ""),
    ("What are today's top stories?", ""),
    ("whats new", ""),
    ("Summarise", ""),
    ("What's the latest news from the world?", ""),  # "the world": the news in general
    # spaces, curly quotes and trailing punctuation as people type them
    ("What‘s  the latest on   the A380?!", "the A380"),
    ("Tell me about the strike;", "the strike"),
    # typed as a search
    ("latest on the drill", "the drill"),
    ("news about Tesla", "Tesla"),
    ("Latest news on the election", "the election"),
])
def test_overview_questions_and_their_topics(question: str, topic: str) -> None:
    assert overview_topic(question) == topic


@pytest.mark.parametrize("question", [
    "How many troops?",
    "What is the latest death toll?",  # one fact, the newest figure
    "What happened to the submarine?",  # one event's outcome
    "What is happening to the average age of teachers in Wales?",  # one change (SQuAD)
    "What was happening in April 1848 in Paris?",  # one past time (SQuAD)
    "What do you have to cross to reach the chloroplast?",  # (SQuAD)
    "What is the news agency that reported it?",
    "What is the latest on where the plant will open in 2024?",  # one fact, the newest report's
    "Developments in nanotechnology are being undermined by what type of IP?",  # a question word inside (SQuAD)
    "Tell me more about it",  # a follow-up: the pronoun is resolved and the question answered as any other
])
def test_other_questions_are_no_overview(question: str) -> None:
    assert overview_topic(question) is None


def test_an_article_is_about_a_topic_when_it_holds_its_terms() -> None:
    assert about_topic(["norvik", "recal"], {"norvik", "recal", "brake"})
    assert not about_topic(["norvik", "recal"], {"recal", "brake"})  # another carmaker's recall
    assert not about_topic(["a", "b", "c"], {"a", "b"})  # up to three terms: all of them
    assert about_topic(["a", "b", "c", "d"], {"a", "b", "c"}) and not about_topic(["a", "b", "c", "d"], {"a", "b"})
    assert about_topic(list("abcdef"), set("abcd")) and not about_topic(list("abcdef"), set("abc"))  # two in three
    assert about_topic([], set())  # the news in general


def _article(doc_id: str, published: str, title: str, text: str, outlet: str = "Wire") -> dict:
    return {"id": doc_id, "title": title, "published": published, "outlet": outlet, "text": text}


RECORDS = [
    _article("recall-1", "2021-08-01", "Norvik recall", "Norvik Motors is recalling 120,000 cars because the brakes can fail, "
             "the company said. Dealers will replace the part for free.", outlet="One"),
    _article("recall-2", "2021-08-05", "Norvik recall grows", "Shares fell on Thursday. Norvik Motors is now recalling 150,000 "
             "cars, the company said. The recall covers three models.", outlet="Two"),
    _article("recall-3", "2021-08-09", "Regulator opens Norvik inquiry", "A regulator opened an inquiry into the Norvik Motors "
             "brake recall on Monday. The company said it would cooperate.", outlet="Three"),
    _article("castell", "2021-08-10", "Castell Auto recall", "Castell Auto is recalling 5,000 vans over a fuel leak, the "
             "company said.", outlet="Four"),
    _article("harbour", "2021-08-11", "Harbour reopens", "The harbour at Port Velna reopened on Wednesday after a week of "
             "storms. Ferries resumed their timetable.", outlet="Five"),
]
# another outlet's reprint of recall-2: one story, grouped at index time
RECORDS.append({**RECORDS[1], "id": "recall-2-reprint", "published": "2021-08-06", "outlet": "Six"})
# about the Norvik recall only past its first eight sentences: no sentence of its opening to quote
RECORDS.append(_article("late-mention", "2021-08-03", "Carmakers in July",
                        " ".join(f"Dealers reported item {n} of the month." for n in range(1, 10))
                        + " Norvik Motors announced a recall.", outlet="Seven"))


@pytest.fixture(scope="module")
def recalls(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Assistant:
    root = tmp_path_factory.mktemp("overview")
    folder = write_records(root / "articles", RECORDS)
    Assistant(root / "ix", embeddings=embedder).index([folder])
    return Assistant.load(root / "ix", embeddings=embedder)


def test_the_latest_on_a_topic_quotes_its_newest_articles_newest_first(recalls: Assistant) -> None:
    answer = recalls.ask("What's the latest on the Norvik recall?")
    assert not answer.refused
    # the three Norvik articles, newest first; not Castell's recall, not the harbour
    assert [c.doc_id for c in answer.citations] == ["recall-3", "recall-2", "recall-1"]
    assert [c.published for c in answer.citations] == ["2021-08-09", "2021-08-05", "2021-08-01"]
    # each article's first sentence about the topic: "Shares fell on Thursday." names no Norvik
    assert answer.citations[1].quote == "Norvik Motors is now recalling 150,000 cars, the company said."
    assert answer.text.startswith("The newest reports about the Norvik recall: Three, 2021-08-09: A regulator opened")
    assert "Two, 2021-08-05: Norvik Motors is now recalling 150,000 cars, the company said. [2]" in answer.text
    assert answer.time_scope is not None and answer.time_scope.prefer == "newest"


def test_an_overview_as_of_a_date_reads_only_what_was_published_by_then(recalls: Assistant) -> None:
    answer = recalls.ask("Any news about Norvik Motors?", as_of="2021-08-06")
    assert [c.doc_id for c in answer.citations] == ["recall-2", "recall-1"]
    assert answer.text.startswith("The newest reports about Norvik Motors: Two, 2021-08-05:")


def test_what_happened_this_week_sums_up_the_weeks_newest_articles(recalls: Assistant) -> None:
    answer = recalls.ask("What happened this week?", as_of="2021-08-11")
    assert [c.doc_id for c in answer.citations] == ["harbour", "castell", "recall-3"]  # 2021-08-05 to 08-11, newest first
    assert answer.citations[0].quote == "The harbour at Port Velna reopened on Wednesday after a week of storms."
    assert answer.time_scope is not None and answer.time_scope.since == "2021-08-05"


def test_with_nothing_in_the_week_the_overview_comes_from_the_nearest_and_says_so(recalls: Assistant) -> None:
    answer = recalls.ask("What happened this week?", as_of="2021-08-30")
    assert not answer.refused and answer.citations[0].doc_id == "harbour"
    assert answer.text.startswith("No article from this week (2021-08-24 to 2021-08-30); from 2021-08-11")
    assert answer.time_scope is not None and answer.time_scope.widened


def test_an_overview_of_what_no_article_is_about_is_refused(recalls: Assistant) -> None:
    answer = recalls.ask("Any news on the Mars mission?")
    assert answer.refused and not answer.citations


def test_overviews_stream_and_answer_alike(recalls: Assistant) -> None:
    events = list(recalls.stream("Tell me about the Norvik recall"))
    assert [e.kind for e in events] == ["sources", "final"]
    assert events[0].passages and all(p.doc_id for p in events[0].passages)  # what was retrieved, shown first
    final = events[-1].answer
    assert final is not None and final.text == recalls.ask("Tell me about the Norvik recall").text


def test_the_demo_articles_sum_up_without_dates_or_outlets(assistant: Assistant) -> None:
    answer = assistant.ask("Tell me about the drill")
    assert not answer.refused and sorted(c.doc_id for c in answer.citations) == [
        "russia-china-drill-report", "zapad-interaction-2021-begins"]
    # no outlet and no date known: no "date unknown" label, the citation names the article
    assert "date unknown" not in answer.text
    first, second = (c.quote.strip() for c in answer.citations)
    assert answer.text == f"The newest reports about the drill: {first} [1] {second} [2]"


def test_the_overview_of_given_articles(recalls: Assistant) -> None:
    index, _ = recalls.snapshot()
    at = index.doc_index
    # Off-topic articles among the candidates are passed over, not the end of the list; one article per copy
    # group; the newest first whatever the order given.
    answer = overview("q?", "Norvik Motors", [at["recall-1"], at["harbour"], at["castell"], at["recall-3"], at["recall-1"]],
                      index, max_articles=5)
    assert answer is not None and answer.question == "q?" and answer.refused is False and answer.passages == ()
    assert [c.doc_id for c in answer.citations] == ["recall-3", "recall-1"] and [c.n for c in answer.citations] == [1, 2]
    one = overview("q?", "Norvik Motors", [at["recall-2"]], index)
    assert one is not None and one.text.startswith("The newest report about Norvik Motors: Two, 2021-08-05: Norvik")
    # A reprint is the story it reprints: quoted once.
    assert index.canonical(at["recall-2-reprint"]) == index.canonical(at["recall-2"])
    both = overview("q?", "Norvik Motors", [at["recall-2"], at["recall-2-reprint"]], index)
    assert both is not None and len(both.citations) == 1
    # An article is judged by its own sentences only, not by the articles indexed before it: the last one
    # holds one word of the topic, an earlier one the other.
    last = max(at.values())
    text = index.documents[last].text.lower()
    mine = next(w for w in ("norvik", "harbour", "castell") if w in text)
    theirs = next(w for w in ("norvik", "harbour", "castell") if w not in text)
    assert overview("q?", f"{mine} {theirs}", [last], index) is None
    assert overview("q?", mine, [last], index) is not None


def test_the_news_in_general_names_no_topic(recalls: Assistant) -> None:
    answer = recalls.ask("What happened this week?", as_of="2021-08-11")
    assert answer.text.startswith("The newest reports: Five, 2021-08-11: The harbour at Port Velna reopened")


def test_a_follow_up_to_an_overview_is_an_overview_of_its_topic(recalls: Assistant) -> None:
    answer = recalls.ask("and the harbour?", history=["What's the latest on the Norvik recall?"])
    assert [c.doc_id for c in answer.citations] == ["harbour"]
    assert answer.text.startswith("The newest report about the harbour: Five, 2021-08-11:")
    # after a question of one fact, "and the harbour?" is that question's follow-up, not an overview
    other = recalls.ask("and the harbour?", history=["How many cars is Norvik Motors recalling?"])
    assert not other.text.startswith("The newest report")


def test_tell_me_more_searches_the_words_carried_over_and_names_no_pronoun(recalls: Assistant) -> None:
    answer = recalls.ask("Tell me more about it", history=["Why did the regulator open an inquiry into Norvik Motors?"])
    assert answer.standalone_question is not None and "(" in answer.standalone_question  # the carried words
    assert answer.citations and all(c.doc_id.startswith("recall-") for c in answer.citations)
    assert answer.text.startswith("The newest report: Three, 2021-08-09:")  # not "about it (…)"


@pytest.mark.parametrize(("question", "topic"), [
    ("How has the Norvik recall changed?", "the Norvik recall"),
    ("How have Boeing's 787 plans changed over the years?", "Boeing's 787 plans"),
    ("How has the A380 evolved over time?", "the A380"),
    ("How did the strike develop over time?", "the strike"),
    ("What's changed at GM?", "GM"),
    ("What has changed with the Ukraine war this week?", "the Ukraine war"),  # the time words filter
])
def test_change_questions_and_their_topics(question: str, topic: str) -> None:
    assert change_topic(question) == topic
    assert overview_topic(question) is None  # no overview of the newest alone


@pytest.mark.parametrize("question", [
    "How has it changed?",  # a pronoun: a follow-up like any other
    "How did Luther want people to bring about change?",  # (SQuAD)
    "How did Darwin expect species to change and evolve?",  # (SQuAD)
    "How did the military relationship between Egypt and Israel change?",  # one change, without "over time" (SQuAD)
    "How has the plant changed where it will open?",  # a question word inside: one fact
    "How many cars changed hands?",
    "What's the latest on the recall?",
])
def test_other_questions_are_no_change_question(question: str) -> None:
    assert change_topic(question) is None


def test_how_a_topic_changed_quotes_its_oldest_to_newest_articles(recalls: Assistant) -> None:
    answer = recalls.ask("How has the Norvik recall changed?")
    assert not answer.refused
    # oldest, middle and newest of the Norvik recall's articles, in that order; not Castell's recall
    assert [c.doc_id for c in answer.citations] == ["recall-1", "recall-2", "recall-3"]
    assert answer.text.startswith("How the reports about the Norvik recall changed, oldest first: One, 2021-08-01: Norvik")
    # as of a date, only what was published by then: two reports still show a change
    earlier = recalls.ask("How has the Norvik recall changed?", as_of="2021-08-06")
    assert [c.published for c in earlier.citations] == ["2021-08-01", "2021-08-05"]


def test_one_report_or_undated_ones_show_no_change(recalls: Assistant, assistant: Assistant) -> None:
    index, _ = recalls.snapshot()
    at = index.doc_index
    assert change("q?", "Norvik Motors", [at["recall-2"]], index) is None  # one report
    assert change("q?", "Norvik Motors", [at["recall-2"], at["recall-2-reprint"]], index) is None  # one story
    spread = change("q?", "Norvik Motors", [at[f"recall-{n}"] for n in (3, 1, 2)], index, max_articles=2)
    assert spread is not None and [c.doc_id for c in spread.citations] == ["recall-1", "recall-3"]  # the two ends
    assert spread.question == "q?" and not spread.refused
    # an article about the topic with no sentence about it in its opening is passed over, not the end of the list
    dates = {d: index.documents[at[d]].published or "" for d in ("recall-1", "late-mention", "recall-2")}
    assert dates["recall-1"] < dates["late-mention"] < dates["recall-2"]  # met between the two, newest first
    passed = change("q?", "Norvik Motors", [at["late-mention"], at["recall-1"], at["recall-2"]], index)
    assert passed is not None and [c.doc_id for c in passed.citations] == ["recall-1", "recall-2"]
    # The demo articles have no dates: the question is answered as any other, not as a change
    answer = assistant.ask("How has the drill changed?")
    assert not answer.text.startswith("How the reports")


def test_a_follow_up_to_a_change_question_asks_how_its_topic_changed(recalls: Assistant) -> None:
    answer = recalls.ask("what about Norvik Motors?", history=["How has the harbour changed?"])
    assert [c.doc_id for c in answer.citations] == ["recall-1", "recall-2", "recall-3"]  # oldest first
    assert answer.text.startswith("How the reports about Norvik Motors changed, oldest first:")
    # after an overview, the same words ask for the newest reports
    newest = recalls.ask("what about Norvik Motors?", history=["What's the latest on the harbour?"])
    assert newest.text.startswith("The newest reports about Norvik Motors:")
