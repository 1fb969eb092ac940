"""Refusal on unanswerable sets built from real data, for both readers: the curve and the calibrated threshold.

    python -m bench.refusal                   # 800 SQuAD questions + RGB's 300, both readers (a few minutes)
    python -m bench.refusal --questions 200   # quicker
    python -m bench.refusal --dump build/refusal-cases.jsonl   # also each question's out-of-fold score and best quote
    python -m bench.refusal --compare build/old-cases.jsonl    # this model reader against an earlier --dump, paired
    python -m bench.refusal --entity-flag --compare build/old-cases.jsonl   # with the entity flag in the combination

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

For each question the answerer ranks the retrieved sentences once. The
model reader's score is fitted here: a logistic model over every read
sentence of both calibration halves (news and Wikipedia alike),
``σ(a·logit(reader probability) + m·span margin + b·evidence score + x·no entity + c)``
≈ P(the sentence holds the gold answer), where "no entity" (``--entity-flag``;
else its weight is 0) is 1 when the question asks for a kind of entity and
the sentence names none but the question's own (:mod:`rag._entities`); its
coefficients are printed for ``rag/_answering.py`` (``COMBINE``), and both
sets are then measured with them. A threshold then decides. The curve is refusal recall (unanswerable refused)
against the false-refusal rate (answerable refused); "answered correctly"
counts answerable questions answered with the gold answer in the text. The
calibrated threshold is the highest whose false-refusal rate on both
calibration halves together stays at or below ``--max-false-refusal`` (10%).
Writes ``bench/results/refusal.json`` and ``refusal.png``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rag import Assistant, IndexMismatchError, Settings
from rag._answering import ExtractiveAnswerer, answer_probability
from rag._atomic import write_atomic
from rag._goldsets import load_eval_set, without_articles
from rag._loading import LoadResult, cut_title
from rag._metrics import answer_contained, normalize_answer
from rag._pipeline import make_answerer
from rag._reader import trained_articles
from rag._types import SourceDocument

ROOT = Path(__file__).resolve().parents[1]
_YEAR = re.compile(r"1[5-9]\d\d|20\d\d")
SHARED = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Case:
    """One question's outcome under one reader: its best score and whether forcing an answer gets it right.

    ``candidates`` are the sentences the reader read: (reader probability,
    evidence score, span margin, whether the sentence holds a gold answer);
    ``no_entity`` is each one's entity flag, in the same order (empty: all 0).
    """

    answerable: bool
    best: float
    correct: bool
    calibration: bool
    candidates: tuple[tuple[float, float, float, bool], ...] = ()
    question: str = ""
    quote: str = ""  # the best-scored sentence: what an answer would quote first
    no_entity: tuple[float, ...] = ()


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
    answerers = {name: make_answerer(assistant.settings.updated(reader=name)).warm_up() for name in readers}
    if "model" in answerers:
        if combination is not None:
            answerers["model"].combine = combination
        answerers["model"].entity_flag = entity_flag  # computed for every read sentence, to fit its weight
    return answerers


def _judge(answerer: ExtractiveAnswerer, question: str, passages: list, index, vector, answers: list[str],  # type: ignore[no-untyped-def]
           answerable: bool, calibration: bool) -> Case:
    ranked = answerer.rank(question, passages, index, vector)
    forced = answerer.compose(question, ranked, passages, index, threshold=-1.0)
    read = [s for s in ranked if s.probability is not None and s.evidence is not None]
    candidates = tuple(
        (s.probability, s.evidence, s.margin or 0.0,
         bool(answers) and bool(answer_contained(index.documents[s.doc_i].text[s.start:s.end], answers)))
        for s in read
    )
    correct = bool(answers) and bool(answer_contained(forced.text, answers))
    quote = index.documents[ranked[0].doc_i].text[ranked[0].start : ranked[0].end] if ranked else ""
    return Case(answerable, ranked[0].score if ranked else 0.0, correct, calibration, candidates, question, quote,
                tuple(s.no_entity for s in read))


def squad_withheld(
    squad: Path, questions: int, seed: int, readers: tuple[str, ...], combination: tuple[float, ...] | None = None,
    entity_flag: bool = False,
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
            cases[name].append(_judge(answerer, example.question, passages, index, vector, answers, is_answerable, calibration))
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
        entity_flag: bool = False) -> dict[str, dict[str, list[Case]]]:
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
                case = _judge(answerer, row["query"], passages, index, vector, answers if answerable else [], answerable, calibration)
                sets[name][reader].append(case)
                if answerable:  # the answerable variant is the same for both sets
                    sets["rgb_clean"][reader].append(case)
    return sets


def _progress(items: list, desc: str):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="q", file=sys.stderr)


def fit_combination(cases: list[Case], steps: int = 4000, l2: float = 1e-3) -> tuple[float, float, float, float, float]:
    """Logistic regression over read sentences: ``σ(a·logit(p) + m·margin + b·evidence + x·no entity + c)`` ≈ P(sentence holds the answer).

    Cases without entity flags (all 0) fit ``x = 0``: the combination without the flag.
    """
    rows = [(math.log(max(p, 1e-6) / max(1 - p, 1e-6)), m, e, flag, float(y))
            for c in cases for (p, e, m, y), flag in zip(c.candidates, _flags(c))]
    if not rows:
        return 1.0, 0.0, 0.0, 0.0, 0.0
    data = np.asarray(rows)
    x, y = data[:, :4], data[:, 4]
    mean, scale = x.mean(0), x.std(0) + 1e-9
    scale[x.std(0) == 0] = np.inf  # a constant feature (no flags) gets weight 0
    z = (x - mean) / scale
    w, b = np.zeros(4), 0.0
    for _ in range(steps):  # plain gradient descent: four features, a few thousand rows
        g = 1 / (1 + np.exp(-(z @ w + b))) - y
        w -= 0.5 * (z.T @ g / len(y) + l2 * w)
        b -= 0.5 * g.mean()
    a_, m_, b_, x_ = w / scale
    return float(a_), float(m_), float(b_), float(x_), float(b - (w / scale) @ mean)


def _flags(case: Case) -> tuple[float, ...]:
    """The case's entity flags, one per candidate (0 where the run computed none)."""
    return case.no_entity if len(case.no_entity) == len(case.candidates) else (0.0,) * len(case.candidates)


def at_threshold(cases: list[Case], threshold: float) -> dict[str, float]:
    """Refusal recall, false-refusal rate and answered-correctly share at one threshold."""
    yes = [c for c in cases if c.answerable]
    no = [c for c in cases if not c.answerable]
    return {
        "threshold": round(threshold, 4),
        "refusal_recall": round(float(np.mean([c.best < threshold for c in no])), 4) if no else float("nan"),
        "false_refusal_rate": round(float(np.mean([c.best < threshold for c in yes])), 4) if yes else float("nan"),
        "answered_correctly": round(float(np.mean([c.best >= threshold and c.correct for c in yes])), 4) if yes else float("nan"),
    }


def curve(cases: list[Case], points: int = 41) -> list[dict[str, float]]:
    scores = sorted({c.best for c in cases})
    grid = np.quantile(scores, np.linspace(0, 1, points)) if scores else []
    return [at_threshold(cases, float(t)) for t in grid]


def calibrate(cases: list[Case], max_false_refusal: float) -> float:
    """The highest threshold whose false-refusal rate on ``cases`` stays within ``max_false_refusal``."""
    return _threshold([c.best for c in cases if c.answerable], max_false_refusal)


def _threshold(answerable_scores: list[float] | np.ndarray, max_false_refusal: float) -> float:
    answerable = sorted(float(s) for s in answerable_scores)
    if not answerable:
        return 0.0
    allowed = int(np.floor(max_false_refusal * len(answerable)))
    return answerable[allowed] if allowed < len(answerable) else answerable[-1]


def cross_fitted(sets: dict[str, list[Case]], fit_on: tuple[str, ...] = ("squad_withheld", "rgb")) -> dict[str, list[Case]]:
    """Every question rescored by a combination fitted on the other half only (two-fold cross-fitting).

    The held-out figures above use half the questions; here the calibration
    half is scored by a combination fitted on the held-out half and the
    held-out half by one fitted on the calibration half, so every question is
    out of fold once and a figure rests on twice the questions. Each fit
    pools ``fit_on``'s questions of its half, as the shipped one does.
    """
    pooled = [c for name in fit_on for c in sets[name]]
    fits = {half: fit_combination([c for c in pooled if c.calibration is half]) for half in (True, False)}
    return {name: [replace(c, best=_best(c, fits[not c.calibration])) for c in cases] for name, cases in sets.items()}


def _best(case: Case, combine: tuple[float, ...]) -> float:
    """The question's best score under ``combine``: its top read sentence, as the answerer would rank them."""
    return max((answer_probability(p, e, m, combine, flag) for (p, e, m, _), flag in zip(case.candidates, _flags(case))),
               default=0.0)


def recall_within_budget(cases: list[Case], max_false_refusal: float, *, rounds: int = 2000, seed: int = 13) -> dict[str, float]:
    """Refusal recall at the highest threshold within the false-refusal budget, with a 95% bootstrap interval.

    Answerable and unanswerable questions are resampled separately and the
    threshold is chosen again on each resample, so the interval includes the
    threshold's own noise. With 50 unanswerable questions it spans about
    ±0.13; two figures whose intervals overlap that much are not different.

    Example:
        >>> cases = [Case(True, s, True, False) for s in (0.5, 0.6, 0.7, 0.8)] + [Case(False, s, False, False) for s in (0.1, 0.9)]
        >>> r = recall_within_budget(cases, 0.0)
        >>> r["refusal_recall"], r["threshold"]
        (0.5, 0.5)
    """
    point = at_threshold(cases, calibrate(cases, max_false_refusal))
    yes = np.array([c.best for c in cases if c.answerable])
    no = np.array([c.best for c in cases if not c.answerable])
    rng = np.random.default_rng(seed)
    draws = [_resampled_recall(rng, yes, no, max_false_refusal) for _ in range(rounds)] if len(yes) and len(no) else [float("nan")]
    return {**point, "interval": _interval(draws), "answerable": int(len(yes)), "unanswerable": int(len(no))}


def _resampled_recall(rng: np.random.Generator, yes: np.ndarray, no: np.ndarray, max_false_refusal: float) -> float:
    no_draw = rng.choice(no, len(no))  # drawn first: the recorded intervals were made in this order
    return _recall_within(rng.choice(yes, len(yes)), no_draw, max_false_refusal)


def _recall_within(answerable: np.ndarray, unanswerable: np.ndarray, max_false_refusal: float) -> float:
    """Share of unanswerable scores under the highest threshold within the budget on the answerable ones."""
    return float(np.mean(unanswerable < _threshold(answerable, max_false_refusal)))


def _interval(draws: list[float]) -> list[float]:
    """The central 95% of bootstrap draws."""
    low, high = np.percentile(draws, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.refusal", description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SHARED / "squad-dev-v1.1.json")
    parser.add_argument("--rgb", type=Path, default=SHARED / "rgb-en-fact.jsonl")
    parser.add_argument("--questions", type=int, default=800, help="SQuAD questions, half answerable, half withheld")
    parser.add_argument("--max-false-refusal", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--dump", type=Path, help="also write every question's outcome here (JSON lines), for error analysis")
    parser.add_argument("--compare", type=Path, help="an earlier --dump: the model reader's change against it, with a paired 95%% interval")
    parser.add_argument("--entity-flag", action="store_true",
                        help="fit the combination with the entity flag too (rag/_entities.py; off: its weight is 0)")
    args = parser.parse_args(argv)
    flag = args.entity_flag
    first = [*squad_withheld(args.squad, args.questions, args.seed, ("model",), entity_flag=flag)["model"],
             *rgb(args.rgb, ("model",), entity_flag=flag)["rgb"]["model"]]
    combination = fit_combination([c for c in first if c.calibration])
    sets = {"squad_withheld": squad_withheld(args.squad, args.questions, args.seed, ("model", "fast"), combination, flag),
            **rgb(args.rgb, ("model", "fast"), combination, flag)}
    settings = Settings()
    result: dict = {"command": "python -m bench.refusal " + " ".join(argv if argv is not None else sys.argv[1:]),
                    "max_false_refusal": args.max_false_refusal, "readers": {}}
    result["fitted_combination"] = [round(v, 4) for v in combination]
    # Every question out of fold once: the model reader's scores cross-fitted, the fast reader's as they are.
    everyone = {"model": cross_fitted({name: by_reader["model"] for name, by_reader in sets.items()}),
                "fast": {name: by_reader["fast"] for name, by_reader in sets.items()}}
    for reader in ("model", "fast"):
        calibration = [c for name in ("squad_withheld", "rgb") for c in sets[name][reader] if c.calibration]
        threshold = calibrate(calibration, args.max_false_refusal)
        current = settings.min_probability if reader == "model" else settings.min_score
        entry: dict = {"calibrated_threshold": round(threshold, 4), "current_threshold": current, "sets": {}}
        for name, cases_by_reader in sets.items():
            cases = cases_by_reader[reader]
            held = [c for c in cases if not c.calibration]
            entry["sets"][name] = {
                "answerable": sum(c.answerable for c in held),
                "unanswerable": sum(not c.answerable for c in held),
                "at_calibrated": at_threshold(held, threshold),
                "at_current": at_threshold(held, current),
                "best_recall_within_budget": at_threshold(held, calibrate(held, args.max_false_refusal)),
                "all_questions_within_budget": recall_within_budget(everyone[reader][name], args.max_false_refusal),
                "curve": curve(held),
            }
        result["readers"][reader] = entry
    args.out.mkdir(parents=True, exist_ok=True)
    if args.compare is not None:
        earlier = [json.loads(line) for line in args.compare.read_text("utf-8").splitlines() if line.strip()]
        result["compared_with"] = {"dump": str(args.compare),
                                   "sets": compare(everyone["model"], [r for r in earlier if r["reader"] == "model"], args.max_false_refusal)}
    write_atomic(args.out / "refusal.json", json.dumps(result, indent=2))
    if args.dump is not None:
        _dump(everyone, args.dump)
    _plot(result, args.out / "refusal.png")
    print(f"fitted combination (paste into rag/_answering.py COMBINE): {tuple(result['fitted_combination'])}")
    for reader, entry in result["readers"].items():
        print(f"reader={reader}: calibrated threshold {entry['calibrated_threshold']} (current {entry['current_threshold']})")
        for name, s in entry["sets"].items():
            for label in ("at_calibrated", "at_current", "best_recall_within_budget"):
                r = s[label]
                print(f"  {name:15s} {label:26s} t={r['threshold']:.3f}  refusal recall {r['refusal_recall']:.3f}  "
                      f"false refusals {r['false_refusal_rate']:.3f}  answered correctly {r['answered_correctly']:.3f}")
            r = s["all_questions_within_budget"]
            print(f"  {name:15s} {'all questions, within 10%':26s} t={r['threshold']:.3f}  refusal recall {r['refusal_recall']:.3f} "
                  f"(95% {r['interval'][0]:.2f}-{r['interval'][1]:.2f}, {r['unanswerable']} unanswerable)  "
                  f"false refusals {r['false_refusal_rate']:.3f}")
    for name, r in result.get("compared_with", {}).get("sets", {}).items():
        print(f"  against {args.compare}: {name:15s} refusal recall within 10% {r['earlier']:.3f} -> {r['now']:.3f} "
              f"(change {r['change']:+.3f}, paired 95% {r['interval'][0]:+.2f} to {r['interval'][1]:+.2f}, {r['questions']} questions)")
    return 0


def compare(now: dict[str, list[Case]], earlier: list[dict], max_false_refusal: float, *, rounds: int = 2000,
            seed: int = 13) -> dict[str, dict]:
    """Refusal recall within the budget, now against an earlier dump's model reader, on the questions both asked.

    Paired bootstrap: the same questions are resampled for both (answerable
    and unanswerable separately) and each threshold is chosen again, so the
    interval is that of the change itself, much narrower than two separate
    intervals would suggest.

    Example:
        >>> now = {"s": [Case(True, 0.9, True, False, question="a"), Case(False, 0.1, False, False, question="b")]}
        >>> earlier = [{"set": "s", "question": "a", "answerable": True, "best": 0.9},
        ...            {"set": "s", "question": "b", "answerable": False, "best": 0.95}]
        >>> compare(now, earlier, 0.0, rounds=10)["s"]["change"]
        1.0
    """
    out: dict[str, dict] = {}
    for name, cases in now.items():
        before = {(r["question"], r["answerable"]): r["best"] for r in earlier if r["set"] == name}
        pairs = [(c.answerable, c.best, before[(c.question, c.answerable)]) for c in cases if (c.question, c.answerable) in before]
        yes = np.array([(b, a) for ans, b, a in pairs if ans]).reshape(-1, 2)
        no = np.array([(b, a) for ans, b, a in pairs if not ans]).reshape(-1, 2)
        if not len(yes) or not len(no):
            continue

        def change(y: np.ndarray, n: np.ndarray) -> float:  # column 0 is now, column 1 earlier
            return _recall_within(y[:, 0], n[:, 0], max_false_refusal) - _recall_within(y[:, 1], n[:, 1], max_false_refusal)

        rng = np.random.default_rng(seed)
        changes = [change(yes[rng.integers(0, len(yes), len(yes))], no[rng.integers(0, len(no), len(no))]) for _ in range(rounds)]
        now_r, earlier_r = _recall_within(yes[:, 0], no[:, 0], max_false_refusal), _recall_within(yes[:, 1], no[:, 1], max_false_refusal)
        out[name] = {"now": round(now_r, 4), "earlier": round(earlier_r, 4), "change": round(now_r - earlier_r, 4),
                     "interval": _interval(changes), "questions": len(pairs)}
    return out


def _dump(sets: dict[str, dict[str, list[Case]]], path: Path) -> None:
    """One line per question, set and reader: its out-of-fold best score, its half, whether forcing an answer is right, the quote.

    ``sets`` is by reader, then by set (the cross-fitted scores).
    """
    lines = [
        json.dumps({"set": name, "reader": reader, "question": c.question, "answerable": c.answerable,
                    "calibration": c.calibration, "best": round(c.best, 4), "correct": c.correct, "quote": c.quote})
        for reader, by_set in sets.items() for name, cases in by_set.items() for c in cases
    ]
    write_atomic(path, "\n".join(lines) + "\n")


def _plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for reader, entry in result["readers"].items():
        for name, s in entry["sets"].items():
            points = sorted((p["false_refusal_rate"], p["refusal_recall"]) for p in s["curve"])
            ax.plot([p[0] for p in points], [p[1] for p in points], marker=".", label=f"{reader} reader, {name}")
    ax.axvline(result["max_false_refusal"], color="grey", linestyle="--", linewidth=1)
    ax.set(xlabel="false-refusal rate (answerable refused) — lower is better",
           ylabel="refusal recall (unanswerable refused) — higher is better", xlim=(0, 1), ylim=(0, 1.02),
           title="Refusal curves")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
