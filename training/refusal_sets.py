"""The unanswerable sets the refusal calibration is fitted on, built from real data for both readers.

Two sets, each built in a general way (no question is written by hand):

- **SQuAD withheld**: SQuAD 1.1 dev paragraphs, of which a seeded half is
  withheld from the indexed corpus. A question whose gold paragraph is
  withheld is unanswerable (same article, same topic, fact absent); the
  others are answerable. Questions are split by article: even-numbered
  articles calibrate the threshold, odd-numbered ones measure it.
- **RGB**: each of RGB's news questions asked over its own passages, once
  with its positive and negative passages (answerable) and once with the
  negatives alone (unanswerable: on-topic, answer absent). Even-numbered
  questions calibrate, odd-numbered ones measure. Some of RGB's negatives
  name the answer after all ("released in Japan on April 29" for "April 29,
  2015", "director Justin Kurze" for "Justin Kurzel"); **RGB clean** is the same set without those (:func:`leaks_answer`),
  reported beside it, never used to calibrate.

For each question the answerer ranks the retrieved sentences once; a
:class:`Case` keeps what calibration (:mod:`training.calibrate`) and the
benchmark (``python -m bench.refusal``) need of it. The indexes are built
under ``index/eval-squad-withheld`` and ``index/eval-rgb`` and reused.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rag import Assistant, IndexMismatchError, Settings
from rag._answering import ExtractiveAnswerer
from rag._goldsets import load_eval_set, without_articles
from rag._loading import LoadResult, cut_title
from rag._metrics import answer_contained, normalize_answer
from rag._pipeline import make_answerer
from rag._reader import trained_articles
from rag._types import SourceDocument

__all__ = ["ROOT", "SHARED", "Case", "Judge", "judge_case", "leaks_answer", "rgb", "squad_withheld"]

ROOT = Path(__file__).resolve().parents[1]
_YEAR = re.compile(r"1[5-9]\d\d|20\d\d")
SHARED = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Case:
    """One question's outcome under one reader: its best score and whether forcing an answer gets it right.

    ``candidates`` are the sentences the reader read: (reader probability,
    evidence score, span margin, whether the sentence holds a gold answer);
    ``no_entity`` is each one's entity flag, in the same order (empty: all 0).

    Example:
        >>> case = Case(True, 0.8, True, calibration=True, candidates=((0.9, 0.6, 3.0, True),))
        >>> case.flags()
        (0.0,)
    """

    answerable: bool
    best: float
    correct: bool
    calibration: bool
    candidates: tuple[tuple[float, float, float, bool], ...] = ()
    question: str = ""
    quote: str = ""  # the best-scored sentence: what an answer would quote first
    no_entity: tuple[float, ...] = ()
    id: str = ""  # the set's own id of the question ("squad:<qa id>", "rgb:<row id>"): a question asked twice stays two

    def flags(self) -> tuple[float, ...]:
        """The entity flags, one per candidate (0 where the run computed none)."""
        return self.no_entity if len(self.no_entity) == len(self.candidates) else (0.0,) * len(self.candidates)


def _index(index_dir: Path, docs: list[SourceDocument]) -> Assistant:
    assistant = Assistant(index_dir, settings=Settings(reader="fast"))
    try:
        assistant.index_loaded(LoadResult(documents=docs), progress=True)
    except IndexMismatchError:  # its own cache, built with other settings
        assistant.index_loaded(LoadResult(documents=docs), rebuild=True, progress=True)
    return assistant


def _answerers(
    assistant: Assistant, readers: tuple[str, ...] = ("model", "fast"), combination: tuple[float, ...] | None = None,
    entity_flag: bool = False,
) -> dict[str, ExtractiveAnswerer]:
    answerers = {name: make_answerer(assistant.settings.updated(reader=name), assistant.embeddings).warm_up() for name in readers}
    for answerer in answerers.values():
        if answerer.reader is None:
            continue  # the fast reader has no combination
        if combination is not None:
            answerer.combine = combination
        answerer.entity_flag = entity_flag  # computed for every read sentence, to fit its weight
    return answerers


def judge_case(answerer: ExtractiveAnswerer, question: str, passages: list, index, vector, answers: list[str],  # type: ignore[no-untyped-def]
           answerable: bool, calibration: bool) -> Case:
    """One question's :class:`Case` under ``answerer``: its ranking, and the answer it gives when forced to answer."""
    ranked = answerer.rank(question, passages, index, vector)
    forced = answerer.compose(question, ranked, passages, index, threshold=-1.0)
    read = [s for s in ranked if s.probability is not None and s.evidence is not None]
    # A read sentence the answerer dropped (score 0: a figure of another thing than "how many" asks, another member
    # of the asked family) can never lead, whatever the combination: it counts as read with probability 0.
    candidates = tuple(
        (0.0 if s.score == 0.0 else s.probability, s.evidence, s.margin or 0.0,
         bool(answers) and bool(answer_contained(index.documents[s.doc_i].text[s.start:s.end], answers)))
        for s in read
    )
    correct = bool(answers) and bool(answer_contained(forced.text, answers))
    quote = index.documents[ranked[0].doc_i].text[ranked[0].start : ranked[0].end] if ranked else ""
    return Case(answerable, ranked[0].score if ranked else 0.0, correct, calibration, candidates, question, quote,
                tuple(s.no_entity for s in read))


# How a set turns one question under one answerer into a Case: (answerer, question, passages, index, query vector,
# gold answers (none when unanswerable), answerable, calibration half) -> Case. bench.cascade passes its own.
Judge = Callable[[ExtractiveAnswerer, str, list, Any, Any, list[str], bool, bool], Case]


def squad_withheld(
    squad: Path, questions: int, seed: int, readers: tuple[str, ...], combination: tuple[float, ...] | None = None,
    entity_flag: bool = False, judge: Judge = judge_case,
) -> dict[str, list[Case]]:
    eval_set = load_eval_set(squad)
    rng = random.Random(seed)
    corpus = eval_set.corpus or []
    withheld = {d.id for d in corpus if rng.random() < 0.5}
    kept = [d for d in corpus if d.id not in withheld]
    assistant = _index(ROOT / "index" / "eval-squad-withheld", kept)
    index, searcher = assistant.snapshot()
    answerers = _answerers(assistant, readers, combination, entity_flag)
    article = {d.id: d.id.rsplit("-", 1)[0] for d in corpus}
    articles = sorted(set(article.values()))
    calibration_articles = set(articles[0::2])
    asked, _ = without_articles(eval_set, trained_articles())  # never the articles the reader trained on
    pool = list(asked.examples)
    rng.shuffle(pool)
    answerable = [e for e in pool if not (set(e.relevant) & withheld)][: questions // 2]
    unanswerable = [e for e in pool if set(e.relevant) <= withheld][: questions // 2]
    cases: dict[str, list[Case]] = {name: [] for name in answerers}
    for example in _progress(answerable + unanswerable, "SQuAD withheld"):
        is_answerable = not (set(example.relevant) & withheld)
        vector = searcher.embed_query(example.question)
        passages = searcher.search(example.question, assistant.settings.top_k, query_vector=vector)
        calibration = article[next(iter(example.relevant))] in calibration_articles
        for name, answerer in answerers.items():
            answers = list(example.answers) if is_answerable else []
            case = judge(answerer, example.question, passages, index, vector, answers, is_answerable, calibration)
            cases[name].append(replace(case, id=f"squad:{example.id}"))
    return cases


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH_OF = {**{m[:3]: m for m in _MONTHS}, "sept": "september"}
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")
# A search-result snippet opens with its page's date ("Nov 19, 2020 ... "): the page's, not the answer's.
_SNIPPET_DATE = re.compile(r"\A\s*[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4} \.\.\. ")


def _answer_words(text: str) -> list[str]:
    """Normalized words, with ordinals as numbers ("20th" → "20") and months in full ("Nov" → "november")."""
    out = []
    for word in normalize_answer(text).split():
        m = _ORDINAL.fullmatch(word)
        word = m.group(1) if m else word
        out.append(_MONTH_OF.get(word, word))
    return out


def _spelled_alike(a: str, b: str) -> bool:
    """Equal, or (both words of 5+ letters) one letter added, dropped or changed: "Kurze" for "Kurzel"."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or a.isdigit() or b.isdigit() or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) <= 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def leaks_answer(text: str, answers: list[str]) -> bool:
    """Whether a passage RGB files as negative names a gold answer after all.

    RGB calls a passage negative when it lacks the answer's exact string, so
    many of its negatives answer in other words. True when, for some answer
    variant:

    - every word but its years is in the passage, spelled alike (one letter
      off in a word of 5+ letters), with ordinals and month abbreviations
      read as numbers and months: "Xenoblade Chronicles X was released in
      Japan on April 29." names "April 29 2015" but for its year; "director
      Justin Kurze" names "Justin Kurzel"; "on November 15th" names "Nov 15, 2020";
    - or, for a date, the passage names its month and year together ("was
      released May 2012" for "May 15 2012"): the answer at month precision,
      the precision at which the answerer compares dates.

    A snippet's opening page date ("Nov 19, 2020 ... ") is not read. 63 of
    RGB's 594 negatives leak (41 by exact words alone).

    Example:
        >>> leaks_answer("Season 4 is expected on November 15th.", ["Nov 15, 2020"])
        True
        >>> leaks_answer("Nov 15, 2020 ... Season 4 will air in the autumn.", ["Nov 15, 2020"])
        False
    """
    words = _answer_words(_SNIPPET_DATE.sub("", text, count=1))
    present = set(words)
    for answer in answers:
        tokens = _answer_words(answer)
        core = [t for t in tokens if not _YEAR.fullmatch(t)]
        if core and all(any(_spelled_alike(t, w) for w in present) for t in core):
            return True
        years = {t for t in tokens if _YEAR.fullmatch(t)}
        months = {t for t in tokens if t in _MONTHS}
        if years and months and any(w in months and nxt in years for w, nxt in zip(words, words[1:])):
            return True
    return False


def _snippet_title(text: str) -> str:
    """The title ``rag index`` gives an untitled text file: its first line, cut as the loader cuts titles.

    Not the passage id: the reader reads the title with every candidate, and an id is no title.
    """
    return cut_title(" ".join(text.strip().split("\n", 1)[0].split()))


def _rgb_answers(row: dict) -> list[str]:
    flat: list[str] = []
    for item in row["answer"] if isinstance(row["answer"], list) else [row["answer"]]:
        flat.extend(item if isinstance(item, list) else [item])
    return [str(a) for a in flat]


def rgb(path: Path, readers: tuple[str, ...], combination: tuple[float, ...] | None = None,
        entity_flag: bool = False, judge: Judge = judge_case) -> dict[str, dict[str, list[Case]]]:
    """RGB's questions over their own passages: ``{"rgb": …, "rgb_clean": …}``, each by reader.

    ``rgb`` asks the unanswerable variant over all its negatives;
    ``rgb_clean`` over the negatives that do not name the answer
    (:func:`leaks_answer`), skipping a question with none left.
    """
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    docs = []
    leaky: set[str] = set()
    for row in rows:
        answers = _rgb_answers(row)
        for kind in ("positive", "negative"):
            for i, text in enumerate(row[kind]):
                doc_id = f"q{row['id']}-{kind[:3]}{i}"
                docs.append(SourceDocument(doc_id, _snippet_title(text), f"rgb#{doc_id}", text, hashlib.sha256(text.encode()).hexdigest()))
                if kind == "negative" and leaks_answer(text, answers):
                    leaky.add(doc_id)
    assistant = _index(ROOT / "index" / "eval-rgb", docs)
    index, searcher = assistant.snapshot()
    searcher.candidates = index.n_chunks
    answerers = _answerers(assistant, readers, combination, entity_flag)
    sets: dict[str, dict[str, list[Case]]] = {"rgb": {n: [] for n in answerers}, "rgb_clean": {n: [] for n in answerers}}
    for row in _progress(rows, "RGB"):
        calibration = int(row["id"]) % 2 == 0
        answers = _rgb_answers(row)
        vector = searcher.embed_query(row["query"])
        ranked = [p for p in searcher.search(row["query"], top_k=index.n_chunks, query_vector=vector)
                  if p.doc_id.startswith(f"q{row['id']}-")]
        variants = (("rgb", True, lambda p: True), ("rgb", False, lambda p: "-neg" in p.doc_id),
                    ("rgb_clean", False, lambda p: "-neg" in p.doc_id and p.doc_id not in leaky))
        for name, answerable, keep in variants:
            passages = [p for p in ranked if keep(p)][: assistant.settings.top_k]
            if not passages:
                continue
            for reader, answerer in answerers.items():
                case = judge(answerer, row["query"], passages, index, vector, answers if answerable else [], answerable, calibration)
                case = replace(case, id=f"rgb:{row['id']}")
                sets[name][reader].append(case)
                if answerable:  # the answerable variant is the same for both sets
                    sets["rgb_clean"][reader].append(case)
    return sets


def _progress(items: list, desc: str):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr)
