"""The trained reader: loads offline from the repo, tells answers from near misses, drives quotes and refusals."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag import Assistant, MiniLMEmbeddings, ReaderError, Settings, bundled_articles_dir
from rag._answering import ExtractiveAnswerer
from rag._quotable import after_headline, quotable
from rag._quotes import expand
from rag._reader import READER_DIR, Reader, ReaderInput, Span, encode, load_tokenizer
from rag._scoring import ScoredSentence
from training.train_reader import main as train_main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader().warm_up()


def test_reader_ships_in_the_repo_as_small_int8_onnx() -> None:
    model = READER_DIR / "reader-int8.onnx"
    assert model.is_file() and model.stat().st_size <= 30 * 1024 * 1024
    card = (READER_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    for needed in ("all-MiniLM-L6-v2", "Apache-2.0", "SQuAD", "CC BY-SA 4.0", "python -m training.train_reader"):
        assert needed in card
    info = json.loads((READER_DIR / "reader.json").read_text(encoding="utf-8"))
    assert 0.0 < info["threshold"] < 1.0 and info["metrics"]["answer_sentence_accuracy"] > 0.7 and info["metrics"]["auc"] > 0.5


def test_reader_loads_without_torch_or_network() -> None:
    code = (
        "import sys; from rag._reader import Reader, ReaderInput; r = Reader().warm_up(); "
        "print(r.read([ReaderInput('How many troops?', 'More than 10,000 troops took part.')])[0].probability); "
        "assert 'torch' not in sys.modules"
    )
    env = {"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip()) > 0.5


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_missing_or_damaged_reader_is_one_line_with_the_fix(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "reader"
    shutil.copytree(READER_DIR, folder)
    if damage == "missing":
        (folder / "reader-int8.onnx").unlink()
    else:
        (folder / "reader-int8.onnx").write_bytes(b"not an onnx file")
    with pytest.raises(ReaderError) as caught:
        Reader(folder).warm_up()
    message = str(caught.value)
    assert "\n" not in message and "python -m training.train_reader" in message


# Each: a question, the sentence that answers it, and an on-topic sentence that does not.
PAIRS = {
    "number": (
        "How many people were killed in the earthquake?",
        "The earthquake killed at least 2,300 people across the two provinces, officials said.",
        "The earthquake struck the two provinces shortly after dawn, officials said.",
    ),
    "person": (
        "Who was appointed as the new finance minister?",
        "The prime minister appointed Maria Keller, a former central banker, as finance minister on Monday.",
        "The finance ministry will present its new budget to parliament next month.",
    ),
    "place": (
        "Where will the summit be held?",
        "The summit will be held in Nairobi, the Kenyan capital, at the end of the month.",
        "The summit is expected to focus on debt relief and climate finance.",
    ),
    "date": (
        "When did the factory close?",
        "The factory closed in March 2019 after two decades of losses.",
        "The factory employed about 900 workers from the surrounding towns.",
    ),
    "reason": (
        "Why did the airline cancel the flights?",
        "The airline cancelled the flights because a strike by air traffic controllers closed the airspace.",
        "The airline operates more than 300 flights a day from its hub.",
    ),
}


@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_answering_sentence_scores_above_an_on_topic_non_answer(reader: Reader, kind: str) -> None:
    question, answer, near_miss = PAIRS[kind]
    good, bad = reader.read([ReaderInput(question, answer), ReaderInput(question, near_miss)])
    assert good.probability > bad.probability + 0.2, (good, bad)
    assert good.span is not None and good.span.piece == "sentence"


def test_encode_marks_the_candidate_and_keeps_the_budget(reader: Reader) -> None:
    tokenizer = load_tokenizer(READER_DIR / "tokenizer.json")
    long = " ".join(["word"] * 200)
    item = ReaderInput("How many troops?", "More than 10,000 troops took part.", before=long, title=long)
    encoded = encode(tokenizer, item, 80)
    assert len(encoded.ids) <= 80 and 2 in encoded.pieces  # the sentence before still gets room
    sentence_tokens = [t for t, p in zip(encoded.types, encoded.pieces) if p == 3]
    assert sentence_tokens and all(t == 1 for t in sentence_tokens)
    assert sum(encoded.types) == len(sentence_tokens)  # only the candidate has type 1


def test_short_answer_lies_inside_its_cited_quote(assistant: Assistant) -> None:
    answer = assistant.ask("How many troops are taking part?")
    assert not answer.refused and answer.short_answer
    assert answer.short_answer in answer.citations[0].quote
    assert answer.to_dict()["short_answer"] == answer.short_answer


def test_fast_reader_gives_no_short_answer(demo_index_dir: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    fast = Assistant.load(demo_index_dir, embeddings=embedder, settings=Settings(reader="fast"))
    answer = fast.ask("How many troops?")
    assert not answer.refused and answer.short_answer is None


@pytest.mark.parametrize(
    "text, title, expected",
    [
        ("Big Storm Hits Coast\nThe storm hit at noon.", "Big Storm Hits Coast", [False, True]),
        ("Where is the 2026 World Cup? 2026 World Cup host cities and stadiums\nThe final is in New Jersey.", "", [False, False, True]),
        ("3 of 12 Photos\nThe mayor spoke at the opening.", "", [False, True]),
        ("By Jane Doe\nThe council voted on Tuesday.", "", [False, True]),
        ("Firefighters at the scene. (AP Photo/John Smith)\nThe fire was contained by noon.", "", [False, False, True]),
        ("Photo: Reuters\nPrices rose 3% in May.", "", [False, True]),
        ("Prices rose. Did they rise enough? Analysts think so.", "", [True, False, True]),
        # Headlines and page labels split off as sentences, even with a period; a lower-case verb makes prose.
        ("2018 FIFA World Cup Russia™. France beat Croatia in the final.", "", [False, True]),
        ("Jun 6, 2023 ... The team won the title.", "", [False, True]),
        ("Ashleigh Barty Wins Wimbledon Women's Singles Title ... She beat Karolina Pliskova.", "", [False, True]),
        ("It was 2015. Musk resigned. Barack Obama Won.", "", [True, True, False]),
        # A headline keeps its small words in lower case: they do not make it prose; a verb does.
        ("State of the Union in Washington 2024. The president spoke for an hour.", "", [False, True]),
        ("Talks on the Border Resume at Noon. Talks on the border resume at noon.", "", [False, True]),
        ("军队参加了演习.", "", [True]),  # a script without case is never taken for title case
        # Each rule reads the sentence's own line, in the middle of a text as at its ends.
        ("The council met on Monday.\nBy Jane Doe | updated 3 May 2024.\nThe vote passed easily.\nIt was close.", "",
         [True, False, True, True]),
        ("By Jane Doe | updated on 3 May 2024.", "", [True]),  # nine words: more than a byline
        ("Storm damage\nThe storm hit at noon.\nFlooded streets in the north\nRepairs start soon.", "", [False, True, False, True]),
        # A caption's own line is short, however long the lines before it.
        ("Storm damage\nThe storm that hit the northern coast at noon on Monday flooded streets, closed the harbour and "
         "cut power to thousands of homes for two whole days.\nFlooded streets in the north\nRepairs start soon.", "",
         [False, True, False, True]),
        ('The council said the new harbour bridge would open to traffic next spring after repairs to the northern pier and two years of delays caused', "", [True]),  # 25 words without a final period: prose
        ('The council said the new harbour bridge would open to traffic next spring after repairs to the northern pier and two years of delays', "", [False]),
        # Twelve capitalized words are a headline; thirteen are too long for one.
        ("Ten Things To Know About The New Harbour Bridge Opening In May.", "", [False]),
        ("Ten Things To Know About The New Harbour Bridge Opening In Early May.", "", [True]),
        ('He asked the mayor: "Is the bridge safe?"', "", [False]),  # a question inside closing quotes
        ("Scroll through 3 of 12 photos of the flooded harbour.", "", [False]),
        ("The mayor visits the flooded harbour (Photo: Jane Doe).", "", [False]),
        # The headline repeated as a line, with or without its final period; a title that is a sentence is text.
        ("Storm hits coast, officials say.\nThe storm hit at noon.", "Storm hits coast, officials say", [False, True]),
        ("Storm hits coast, officials say.\nThe storm hit at noon.", "Storm hits coast, officials say.", [True, True]),
    ],
)
def test_headlines_teasers_captions_and_credits_are_not_quotable(text: str, title: str, expected: list[bool]) -> None:
    from rag._text import split_sentences

    assert [quotable(text, s, e, title) for s, e in split_sentences(text)] == expected


_HEADLINE = "Russia Now Training Troops Alongside Communist China, New Report Details"


@pytest.mark.parametrize(
    "question",
    ["Is Russia now training troops alongside communist China?", "What did China's defense ministry announce?",
     "What report details Russia training troops?"],
)
def test_headline_is_never_quoted_or_answered_from_even_when_it_matches(assistant: Assistant, question: str) -> None:
    """Not alone, and not as the sentence before a quote that the reader's span points into (issue #30's live bug:
    the quote opened with the headline and the short answer was "New Report Details")."""
    answer = assistant.ask(question)
    assert all(_HEADLINE not in citation.quote for citation in answer.citations), answer.citations
    assert answer.short_answer is None or answer.short_answer not in _HEADLINE, answer.short_answer


@pytest.mark.parametrize(
    ("text", "title", "skipped"),
    [
        ("Storm Batters Coast The storm hit at noon.", "Storm Batters Coast", "Storm Batters Coast "),
        ("Storm  Batters\nCoast: The storm hit at noon.", "Storm Batters Coast", "Storm  Batters\nCoast: "),
        ("Storm Batters Coast.", "Storm Batters Coast", ""),  # the headline alone: nothing after it
        ("Storm hit at noon. More followed.", "Storm hit at noon.", ""),  # a title that is a sentence is text
        ("Storm Batters Coastal towns again.", "Storm Batters Coast", ""),  # a word that merely begins like it
        ("The storm hit at noon.", "", ""),
        # What follows must open a sentence: a capital, a digit or a quote; a lower-case word continues the title.
        ("Super Bowl 50 was an American football game.", "Super Bowl 50", ""),
        ("Storm Batters Coast 12 towns lost power.", "Storm Batters Coast", "Storm Batters Coast "),
        ('Storm Batters Coast "It was loud," a resident said.', "Storm Batters Coast", "Storm Batters Coast "),
        ("Storm Batters Coast (Reuters) The storm hit at noon.", "Storm Batters Coast", "Storm Batters Coast "),
    ],
)
def test_after_headline_skips_only_a_glued_headline(text: str, title: str, skipped: str) -> None:
    assert text[: after_headline(text, 0, len(text), title)] == skipped


def test_a_headline_glued_to_the_first_sentence_is_never_quoted(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """The bundled article with its headline and first paragraph on one line, as a page extractor that drops the
    line break gives it: the stored first sentence opens with the headline, and no quote or short answer may."""
    lines = (bundled_articles_dir() / "russia-china-drill-report.txt").read_text(encoding="utf-8").split("\n")
    body = [line for line in lines[1:] if line.strip()]
    record = {"id": "glued", "title": _HEADLINE, "text": f"{_HEADLINE} {body[0]}\n\n" + "\n\n".join(body[1:])}
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "glued.json").write_text(json.dumps(record), encoding="utf-8")
    Assistant(tmp_path / "ix", embeddings=embedder).index([tmp_path / "articles"])
    assistant = Assistant.load(tmp_path / "ix", embeddings=embedder)
    questions = ["Is Russia now training troops alongside communist China?", "What did China's defense ministry announce?",
                 "What report details Russia training troops?", "When did China's defense ministry announce the drill?"]
    quoted_first = 0
    for question in questions:
        answer = assistant.ask(question)
        assert all(not c.quote.startswith(_HEADLINE[:20]) for c in answer.citations), (question, answer.citations)
        assert answer.short_answer is None or answer.short_answer not in _HEADLINE, (question, answer.short_answer)
        quoted_first += any(c.quote.startswith("( China’s national defense ministry") for c in answer.citations)
    assert quoted_first >= 2, "the first sentence, without its headline, is still quoted"


def test_context_expansion_cites_the_sentence_that_names_the_answer(assistant: Assistant) -> None:
    index, _ = assistant.snapshot()
    doc_i = index.doc_index["zapad-interaction-2021-begins"]
    rows = list(index.sentences_in(doc_i, 0, len(index.documents[doc_i].text)))
    row = rows[2]
    _, start, end = (int(v) for v in index.sentence_rows[row])
    before_start = int(index.sentence_rows[row - 1, 1])
    item = ScoredSentence(row, doc_i, start, end, 0.9, 0.5, 1, Span("before", 0, 9, 5.0))
    expanded, words = expand(item, index, [])
    text = index.documents[doc_i].text
    assert expanded.start == before_start and expanded.end == end
    assert words is not None and words in text[expanded.start : expanded.end]
    assert text[expanded.start : expanded.end].startswith(text[before_start:int(index.sentence_rows[row - 1, 2])])


def test_reader_refuses_when_no_candidate_answers(assistant: Assistant) -> None:
    index, searcher = assistant.snapshot()
    question = "How many warships took part?"
    vector = searcher.embed_query(question)
    passages = searcher.search(question, 5, query_vector=vector)
    answerer = assistant.answerer
    ranked = answerer.rank(question, passages, index, vector)
    assert ranked and ranked[0].score < answerer.min_probability
    assert answerer.compose(question, ranked, passages, index).refused
    assert not answerer.compose(question, ranked, passages, index, threshold=0.0).refused


def _bridge_files(folder: Path) -> tuple[Path, Path]:
    """A SQuAD-shaped train file and a SQuAD 2.0-shaped dev file, small enough to train on in seconds."""
    context = (
        "The bridge was opened in 1932 by the mayor. It carries six lanes of traffic. "
        "Its main span is 503 metres long. The bridge was designed by John Bradfield."
    )
    qas = [
        {"id": "a", "question": "When was the bridge opened?", "answers": [{"text": "1932", "answer_start": context.index("1932")}]},
        {"id": "b", "question": "How long is the main span?", "answers": [{"text": "503 metres", "answer_start": context.index("503")}]},
        {"id": "c", "question": "Who designed the bridge?", "answers": [{"text": "John Bradfield", "answer_start": context.index("John")}]},
    ]
    squad = {"data": [{"title": f"Bridge_{i}", "paragraphs": [{"context": context, "qas": qas}] * 2} for i in range(3)]}
    dev = {"data": [{"title": f"Dev_{i}", "paragraphs": [{"context": context, "qas": [
        {**qas[0], "is_impossible": False}, {"id": "x", "question": "How much did it cost?", "answers": [], "is_impossible": True},
        # reworded: its answer sentence repeats none of its terms
        {"id": "y", "question": "In which year did traffic first cross?", "is_impossible": False,
         "answers": [{"text": "1932", "answer_start": context.index("1932")}]}]}]}
        for i in range(2)]}
    (folder / "train.json").write_text(json.dumps(squad))
    (folder / "dev.json").write_text(json.dumps(dev))
    return folder / "train.json", folder / "dev.json"


def test_training_smoke_run_writes_a_loadable_model(tmp_path: Path) -> None:
    """The training command end to end on a tiny SQuAD-shaped sample."""
    train_file, dev_file = _bridge_files(tmp_path)
    out = tmp_path / "reader"
    code = train_main(["--train", str(train_file), "--dev", str(dev_file), "--out", str(out),
                       "--questions", "12", "--eval-questions", "6", "--layers", "1", "--batch-size", "8", "--max-length", "48"])
    assert code == 0
    info = json.loads((out / "reader.json").read_text())
    assert info["layers"] == 1 and info["examples"] >= 12 and "threshold" in info
    assert info["metrics"]["paraphrased_questions"] == 1 and 0.0 <= info["metrics"]["answer_sentence_accuracy_paraphrased"] <= 1.0
    card = (out / "MODEL_CARD.md").read_text()
    assert "Reproduce" in card and "teacher" not in card
    # the card's command reproduces this run: every option given that is not the default
    assert "python -m training.train_reader --questions 12 --layers 1 --seed 13 --max-length 48 --batch-size 8\n" in card
    outputs = Reader(out).read([ReaderInput("Who designed the bridge?", "The bridge was designed by John Bradfield.")])
    assert 0.0 <= outputs[0].probability <= 1.0 and np.isfinite(outputs[0].probability)
    import torch

    # --device auto trains where torch sees a GPU; the card names the GPU, and a CPU run reads as all runs before it
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    assert info["device"] == (gpu or "cpu") and info["config"]["device"] == "auto"
    assert (f", on {gpu} |" in card) if gpu else ("min in all |" in card)


def test_training_on_a_gpu_that_is_not_there_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is visible here")
    train_file, dev_file = _bridge_files(tmp_path)
    assert train_main(["--train", str(train_file), "--dev", str(dev_file), "--out", str(tmp_path / "r"), "--questions", "12",
                       "--layers", "1", "--device", "cuda"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: --device cuda: no CUDA GPU is visible to torch; train with --device cpu (or auto)")


def test_distilled_training_smoke_run_learns_from_a_teacher(tmp_path: Path) -> None:
    """``--teacher``: the shipped reader teaches a one-layer reader; the card says so and how to reproduce it."""
    train_file, dev_file = _bridge_files(tmp_path)
    out = tmp_path / "reader"
    code = train_main(["--train", str(train_file), "--dev", str(dev_file), "--out", str(out), "--questions", "12",
                       "--eval-questions", "6", "--layers", "1", "--batch-size", "8", "--max-length", "48",
                       "--teacher", str(READER_DIR), "--distill", "0.7"])
    assert code == 0
    here = Path.cwd().resolve()  # the card names a folder inside the working folder relative to it, as the command takes it
    shown = str(READER_DIR.resolve().relative_to(here)) if READER_DIR.resolve().is_relative_to(here) else str(READER_DIR)
    info = json.loads((out / "reader.json").read_text())
    assert info["config"]["teacher"] == shown and info["config"]["distill"] == 0.7
    card = (out / "MODEL_CARD.md").read_text()
    assert f"target for the after, near, perturbed pairs 0.3 × label + 0.7 × the probability of the teacher reader `{shown}`" in card
    assert f"--teacher {shown} --distill 0.7 --max-length 48 --batch-size 8\n" in card
    assert not (out / "teacher.npz").exists()  # the teacher's reads are only kept while training may resume
    assert Reader(out).read([ReaderInput("Who designed the bridge?", "The bridge was designed by John Bradfield.")])


def test_distillation_share_outside_zero_to_one_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train_file, dev_file = _bridge_files(tmp_path)
    assert train_main(["--train", str(train_file), "--dev", str(dev_file), "--out", str(tmp_path / "r"), "--questions", "12",
                       "--teacher", str(READER_DIR), "--distill", "1.5"]) == 2
    assert capsys.readouterr().err.strip() == "error: --distill is 1.5: give the teacher's share of the target, from 0 to 1"


def test_teacher_reads_every_pair_and_resumes_from_what_it_saved(tmp_path: Path) -> None:
    from training.train_reader import Example, teacher_probabilities

    items = [ReaderInput("Who designed the bridge?", "The bridge was designed by John Bradfield.", "", "Bridge"),
             ReaderInput("Who designed the bridge?", "It carries six lanes of traffic.", "", "Bridge"),
             ReaderInput("How long is the main span?", "Its main span is 503 metres long.", "", "Bridge")]
    examples = [Example(item, 1, None) for item in items]
    saved = tmp_path / "teacher.npz"
    read = teacher_probabilities(examples, READER_DIR, saved, batch_size=2, progress=False)
    direct = [Reader().read([item])[0].probability for item in items]
    assert read.shape == (3,) and np.allclose(read, direct, atol=0.05)  # int8 scales per batch: nearly, not exactly
    assert read[0] > 0.5 > read[1]
    # a saved file for the same pairs is used as it is; one for other pairs is read again
    with np.load(saved) as stored:
        digest = str(stored["digest"])
    np.savez(saved, digest=np.array(digest), probabilities=np.array([0.25, np.nan, 0.75], dtype=np.float32))
    resumed = teacher_probabilities(examples, READER_DIR, saved, progress=False)
    assert resumed[0] == 0.25 and resumed[2] == 0.75 and abs(resumed[1] - read[1]) < 0.05
    np.savez(saved, digest=np.array("other pairs"), probabilities=np.zeros(3, dtype=np.float32))
    assert np.allclose(teacher_probabilities(examples, READER_DIR, saved, progress=False), read, atol=0.05)


def test_training_reports_a_missing_data_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train_main(["--train", str(tmp_path / "nope.json"), "--out", str(tmp_path / "r")]) == 2
    assert "not found" in capsys.readouterr().err


def test_answerer_without_reader_keeps_evidence_scores(assistant: Assistant) -> None:
    index, searcher = assistant.snapshot()
    vector = searcher.embed_query("How many troops?")
    passages = searcher.search("How many troops?", 5, query_vector=vector)
    ranked = ExtractiveAnswerer().rank("How many troops?", passages, index, vector)
    assert ranked and all(r.span is None for r in ranked)


def test_quote_that_names_its_answer_only_through_the_sentence_before(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """'Which public figure…?' must cite the sentence with the name, not only the one that echoes the question."""
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "plea.txt").write_text(
        "Plea deal reached in tax case\n\n"
        "Hunter Biden has reached an agreement with federal prosecutors in Delaware. "
        "The president's son will plead guilty to two misdemeanor charges of failing to pay federal income tax. "
        "The agreement is expected to keep him out of prison.\n",
        encoding="utf-8",
    )
    assistant = make_assistant()
    assistant.index([folder])
    answer = assistant.ask("Which public figure will plead guilty to tax charges?")
    assert not answer.refused
    assert "Hunter Biden" in answer.citations[0].quote
    document = assistant.document(answer.citations[0].doc_id)
    assert document.text[answer.citations[0].start : answer.citations[0].end] == answer.citations[0].quote


def test_squad2_examples_put_real_unanswerables_on_their_plausible_sentence() -> None:
    from training.train_reader import build_squad2_examples

    context = "The Normans settled in Normandy. Their duke was Rollo. They spoke French."
    article = {"title": "Normans", "paragraphs": [{"context": context, "qas": [
        {"question": "Who was the king of the Normans?", "is_impossible": True, "answers": [],
         "plausible_answers": [{"text": "Rollo", "answer_start": context.index("Rollo")}]},
        {"question": "Who was their duke?", "is_impossible": False,
         "answers": [{"text": "Rollo", "answer_start": context.index("Rollo")}]},
    ]}]}
    examples = build_squad2_examples([article], seed=1, limit=10, repeat=3)
    negatives = [e for e in examples if e.kind == "impossible"]
    assert len(negatives) == 3 and all(e.label == 0 and e.answer is None and "Rollo" in e.item.sentence for e in negatives)
    (positive,) = [e for e in examples if e.kind == "squad2-answer"]
    assert positive.label == 1 and positive.answer is not None and positive.item.sentence == "Their duke was Rollo."
    assert [e.kind for e in examples].count("squad2-near") == 1


def _tiny_squad() -> dict:
    context = "More than 10,000 troops took part in the drill. The exercise lasted five days."
    return {"data": [{"title": "Drill", "paragraphs": [{"context": context, "qas": [
        {"question": "How many troops took part in the drill?", "id": "1",
         "answers": [{"text": "More than 10,000", "answer_start": 0}]},
        {"question": "How long did the exercise last?", "id": "2",
         "answers": [{"text": "five days", "answer_start": context.index("five days")}]},
    ]}]}]}


def test_paraphrased_positive_rewords_one_shared_word_and_keeps_its_label_and_span() -> None:
    from training.train_reader import Paraphrases, build_examples

    # "drill" is in the sentence before the second answer: never a rewording of it there
    table = Paraphrases({"troops": ("soldiers",), "exercise": ("drill", "manoeuvre")}, {})
    examples = build_examples(_tiny_squad(), questions=2, seed=3, perturbed=0.0, paraphrased=1.0, table=table)
    answers = {e.item.question: e for e in examples if e.kind == "answer"}
    reworded = sorted(e.item.question for e in examples if e.kind == "paraphrased")
    assert reworded == ["How long did the manoeuvre last?", "How many soldiers took part in the drill?"]
    for e in (e for e in examples if e.kind == "paraphrased"):
        original = answers["How many troops took part in the drill?" if "soldiers" in e.item.question else "How long did the exercise last?"]
        assert e.label == 1 and e.answer == original.answer and e.item.sentence == original.item.sentence


def test_without_a_table_the_examples_are_the_shipped_recipe_s() -> None:
    from training.train_reader import Paraphrases, build_examples

    plain = build_examples(_tiny_squad(), questions=2, seed=3)
    assert build_examples(_tiny_squad(), questions=2, seed=3, paraphrased=1.0) == plain  # no table: nothing drawn
    assert not [e for e in plain if e.kind == "paraphrased"]
    assert Paraphrases({}, {}).similarity("troops", "soldiers") is None


def test_paraphrase_table_pairs_related_words_and_never_forms_of_one_word() -> None:
    import numpy as np

    from training.train_reader import Paraphrases

    vectors = {"troops": [1.0, 0.0], "soldiers": [0.96, 0.28], "troop": [1.0, 0.01], "bananas": [0.0, 1.0]}

    def embed(words: list[str]) -> np.ndarray:
        v = np.asarray([vectors[w] for w in words], dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    table = Paraphrases.of(["troops soldiers troop bananas"] * 3, embed, min_count=3, min_cosine=0.9)
    assert table.neighbours["troops"] == ("soldiers",)  # "troop" is a form of it, "bananas" unrelated
    assert "bananas" not in table.neighbours
    assert table.similarity("troops", "bananas") == pytest.approx(0.0, abs=1e-6)


def test_perturbed_question_never_swaps_in_a_near_synonym() -> None:
    import random

    import numpy as np

    from rag._reader import ReaderInput
    from training.train_reader import Paraphrases, Swaps, perturb_question

    item = ReaderInput("", "10,000 troops took part.")
    swaps = Swaps(names=(), words=("soldiers",))
    table = Paraphrases({}, {"troops": np.array([1.0, 0.0]), "soldiers": np.array([0.96, 0.28])})
    assert perturb_question("How many troops took part?", item, swaps, random.Random(1), word_swaps=True) == "How many soldiers took part?"
    assert perturb_question("How many troops took part?", item, swaps, random.Random(1), table=table, word_swaps=True) is None


def test_truncated_negative_stops_the_answer_sentence_short_of_its_answer() -> None:
    from training.train_reader import build_examples

    squad = _tiny_squad()
    paragraph = squad["data"][0]["paragraphs"][0]
    paragraph["context"] = paragraph["context"].replace("The exercise lasted", "The joint exercise lasted")
    paragraph["qas"][1]["answers"][0]["answer_start"] = paragraph["context"].index("five days")
    examples = build_examples(squad, questions=2, seed=3, perturbed=0.0, truncated=1.0)
    (cut,) = [e for e in examples if e.kind == "truncated"]  # the troops answer opens its sentence: nothing to cut
    assert (cut.label, cut.answer, cut.item.sentence) == (0, None, "The joint exercise lasted ...")
    assert cut.item.question == "How long did the exercise last?"
    assert build_examples(_tiny_squad(), questions=2, seed=3, truncated=0.0) == build_examples(_tiny_squad(), questions=2, seed=3)


def test_near_context_positive_shows_the_answer_sentence_after_its_near_miss() -> None:
    from training.train_reader import build_examples

    context = ("Troops of two countries trained together in the drill. The weather was fine. "
               "More than 10,000 troops took part in it. It lasted five days.")
    squad = {"data": [{"title": "Drill", "paragraphs": [{"context": context, "qas": [
        {"question": "How many troops took part in the drill?", "id": "1",
         "answers": [{"text": "More than 10,000", "answer_start": context.index("More than")}]},
    ]}]}]}
    examples = build_examples(squad, questions=1, seed=3, perturbed=0.0, near_context=1.0)
    (answer,) = [e for e in examples if e.kind == "answer"]
    (near,) = [e for e in examples if e.kind == "near"]
    (shown,) = [e for e in examples if e.kind == "near_context"]
    assert answer.item.before == "The weather was fine."
    assert near.item.sentence == "Troops of two countries trained together in the drill."
    assert (shown.label, shown.answer, shown.item.sentence) == (1, answer.answer, answer.item.sentence)
    assert shown.item.before == near.item.sentence  # an on-topic sentence before, and still the answer
    assert build_examples(squad, questions=1, seed=3, near_context=0.0) == build_examples(squad, questions=1, seed=3)


def test_without_word_swaps_a_perturbed_question_changes_only_a_year_number_or_name() -> None:
    import random

    from rag._reader import ReaderInput
    from training.train_reader import Swaps, perturb_question

    swaps = Swaps(names=("Vikings",), words=("warships",))
    troops = ReaderInput("", "10,000 troops took part.")
    assert perturb_question("How many troops took part?", troops, swaps, random.Random(1), word_swaps=True) == "How many warships took part?"
    assert perturb_question("How many troops took part?", troops, swaps, random.Random(1)) is None
    normans = ReaderInput("", "In 911 Rollo led the Normans.")
    for seed in range(20):
        swapped = perturb_question("Who led the Normans in 911?", normans, swaps, random.Random(seed))
        assert swapped is not None and ("led the Vikings in 911" in swapped or swapped.startswith("Who led the Normans in "))
        assert swapped != "Who led the Normans in 911?"


def test_partial_name_swap_keeps_the_names_words_and_names_another_thing() -> None:
    import random

    from rag._reader import ReaderInput
    from training.train_reader import Swaps, build_examples, partial_name, perturb_question

    assert partial_name("Lego", "The LEGO Foundation", random.Random(1)) == "Lego Foundation"
    longer = {partial_name("Xenoblade Chronicles X", "Notre Dame", random.Random(seed)) for seed in range(20)}
    assert longer == {"Xenoblade Chronicles Dame", "Xenoblade Chronicles X Dame"}  # last word replaced, or a word added
    lego = ReaderInput("", "Niels Christiansen has been the chief executive of Lego since 2017.")
    swaps = Swaps(names=("The LEGO Foundation",), words=())
    for seed in range(10):
        swapped = perturb_question("Who runs Lego?", lego, swaps, random.Random(seed), partial_names=1.0)
        assert swapped == "Who runs Lego Foundation?"  # the sentence names Lego, never a Lego Foundation: a negative
    # Off by default: the shipped recipe's examples are unchanged.
    assert build_examples(_tiny_squad(), questions=2, seed=3, partial_names=0.0) == build_examples(_tiny_squad(), questions=2, seed=3)


def test_mined_negative_is_the_embedders_closest_sentence_elsewhere_that_does_not_answer(embedder) -> None:  # type: ignore[no-untyped-def]
    from training.train_reader import build_examples

    asked = "More than 10,000 troops took part in the drill. It lasted five days."
    elsewhere = ("Ten thousand troops joined the drill in Ningxia this year. "
                 "Soldiers from both armies will take part in next year's drill. "
                 "The city is known for its wine.")
    squad = {"data": [{"title": "Drill", "paragraphs": [
        {"context": asked, "qas": [{"question": "How many troops took part in the drill?", "id": "1",
                                    "answers": [{"text": "10,000", "answer_start": asked.index("10,000")}]}]},
        {"context": elsewhere, "qas": []},
    ]}]}
    examples = build_examples(squad, questions=1, seed=3, perturbed=0.0, mined=1.0, embed=embedder.encode)
    (mined,) = [e for e in examples if e.kind == "mined"]
    # The closest is the other paragraph's own report of the figure (in other words: a false negative the text
    # check cannot see), then the on-topic near miss; its own paragraph's sentences are never taken.
    assert (mined.label, mined.answer, mined.item.title) == (0, None, "Drill")
    assert mined.item.sentence in elsewhere and mined.item.sentence != "The city is known for its wine."
    plain = build_examples(squad, questions=1, seed=3, perturbed=0.0)
    assert sorted(map(repr, (e for e in examples if e.kind != "mined"))) == sorted(map(repr, plain))  # the rest is unchanged
    with_answer = {"data": [{"title": "Drill", "paragraphs": [squad["data"][0]["paragraphs"][0],
                                                              {"context": "In all 10,000 troops took part in the drill.", "qas": []}]}]}
    assert not [e for e in build_examples(with_answer, questions=1, seed=3, perturbed=0.0, mined=1.0, embed=embedder.encode)
                if e.kind == "mined"]  # a sentence that names the answer is no negative
