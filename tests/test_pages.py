"""News pages as people copy them from the web (bench/data/news-pages): each question answered or refused as a
careful reader would, all the pages indexed together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench._answering_options import built
from bench.pages import DATA, PageQuestion, ask_all, load_questions, main, right, summary
from rag import Answer, Assistant, MiniLMEmbeddings, Settings

QUESTIONS = load_questions()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Assistant:
    work = tmp_path_factory.mktemp("pages") / "index"
    Assistant(work, embeddings=embedder).index([DATA / "pages"])
    return Assistant.load(work, embeddings=embedder)


def test_the_set_names_real_pages_and_says_why_each_miss_is_wrong() -> None:
    names = {p.stem for p in (DATA / "pages").glob("*.txt")}
    assert len(names) == 11 and {q.page for q in QUESTIONS} == names
    assert len({q.question for q in QUESTIONS}) == len(QUESTIONS)  # one index: a question asked twice is ambiguous
    assert sum(q.answers is None for q in QUESTIONS) >= 10
    for q in QUESTIONS:
        page = (DATA / "pages" / f"{q.page}.txt").read_text(encoding="utf-8").casefold()
        # the words of an answer are the page's own (a careful reader's answer is quoted)
        assert q.answers is None or any(a.casefold() in page for a in q.answers), q.question


@pytest.mark.parametrize("q", [q for q in QUESTIONS if not q.miss], ids=lambda q: q.question)
def test_each_question_is_answered_as_a_careful_reader_would(pages: Assistant, q: PageQuestion) -> None:
    answer = pages.ask(q.question)
    assert right(answer, q.answers), (answer.refused, answer.short_answer, answer.text[:200])


def test_right_reads_the_short_answer_first() -> None:
    quoted = Answer("Who lost?", "Her rival, Prime Minister Victor Adeyemi, took 45.7%. [1]", refused=False)
    assert right(quoted, ("Victor Adeyemi",))  # no short answer: the text is read
    assert not right(Answer("Who lost?", "… Victor Adeyemi …", refused=False, short_answer="Amara Diallo"), ("Victor Adeyemi",))
    assert not right(Answer("Who lost?", "No answer.", refused=True), ("Victor Adeyemi",))
    assert not right(Answer("Who won the Ohio race?", "Amara Diallo won. [1]", refused=False, short_answer="Amara Diallo"), None)


def test_bench_pages_writes_its_counts(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """``python -m bench.pages`` on a two-page subset: the summary counts what the records say."""
    data = tmp_path / "data"
    (data / "pages").mkdir(parents=True)
    for name in ("wildfire", "election"):
        (data / "pages" / f"{name}.txt").write_text((DATA / "pages" / f"{name}.txt").read_text("utf-8"), "utf-8")
    chosen = [q for q in QUESTIONS if q.page in ("wildfire", "election")][:6]
    (data / "questions.jsonl").write_text("".join(
        json.dumps({"page": q.page, "question": q.question, "answers": None if q.answers is None else list(q.answers)})
        + "\n" for q in chosen), "utf-8")
    assert main(["--data", str(data), "--out", str(tmp_path / "out")]) == 0
    result = json.loads((tmp_path / "out" / "pages.json").read_text("utf-8"))
    assert [r["question"] for r in result["questions"]] == [q.question for q in chosen]
    assert result["summary"] == summary(result["questions"]) and result["summary"]["all"]["questions"] == 6
    again = ask_all(built(tmp_path / "again", data / "pages", Settings()), chosen)
    assert [r["right"] for r in again] == [r["right"] for r in result["questions"]]


def test_a_line_without_a_question_is_one_readable_error(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text('{"page": "wildfire", "question": "Who?", "answers": null}\n{"page": "wildfire"}\n', "utf-8")
    with pytest.raises(ValueError, match=r"questions.jsonl:2: each line needs a page and a question"):
        load_questions(path)
