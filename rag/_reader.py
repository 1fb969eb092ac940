"""The reader: a small cross-encoder that reads a question with one candidate sentence.

It answers two things for each candidate: the probability that the sentence
answers the question (``probability``), and where the answer's words are (a
span head over the sentence, the sentence before it and the title). A
sentence that matches the question but names its answer only in the
sentence before ("The president's son will plead guilty…" after "Hunter
Biden reached a deal…") counts as answering, with its span in ``before``. The
model is trained by ``python -m training.train_reader`` from the packaged
all-MiniLM-L6-v2 weights on SQuAD 1.1 train, and shipped in the repository
as an int8 ONNX file (``rag/data/reader/``) with its tokenizer and model
card. Loading needs ONNX Runtime and ``tokenizers`` only: no torch, no
download.

One input is laid out as::

    [CLS] question [SEP] title [SEP] before SENTENCE [SEP]

with token type 1 on the candidate sentence only, so the model knows which
sentence it is judging while it still sees the sentence before, which often
names its subject. :func:`encode` is the one place that layout is built, for
training and for inference alike.

Trade-offs: the model keeps 4 of MiniLM's 6 layers and reads at most 80
word pieces (the candidate sentence at most 64), which keeps a question's 6 candidates to a few tens of
milliseconds on two cores (docs/benchmarks.md); a longer sentence is cut
and its tail is not read. The sentence after is not shown: a first version
that saw it learned to say yes to a sentence whose *neighbour* held the
answer. Candidates are read independently, so a fact split across two
sentences is found only through the sentence before.

Example:
    >>> reader = Reader().warm_up()  # doctest: +SKIP
    >>> out = reader.read([ReaderInput("How many troops?", "More than 10,000 troops take part.")])  # doctest: +SKIP
    >>> round(out[0].probability, 2), out[0].span  # doctest: +SKIP
    (0.97, Span(piece='sentence', start=0, end=21, score=14.2))
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._calibration import reader_folder
from ._exceptions import ReaderError

__all__ = [
    "trained_articles",
    "MAX_LENGTH",
    "PIECES",
    "LARGE_READER_DIR",
    "READER_DIR",
    "READ_MAX_SENTENCE",
    "TRAIN_MAX_SENTENCE",
    "Encoded",
    "Reader",
    "ReaderInput",
    "ReaderOutput",
    "Span",
    "encode",
    "load_tokenizer",
    "special_ids",
]

READER_DIR = reader_folder("model")  # the 6-layer reader, the default
LARGE_READER_DIR = reader_folder("large")  # the 12-layer MPNet reader (reader = "large"), kept as hashed parts
MODEL_FILE = "reader-int8.onnx"
MAX_LENGTH = 80
PIECES = ("question", "title", "before", "sentence")
_Q, _TITLE, _BEFORE, _SENTENCE = range(4)
_MAX_QUESTION, _MAX_TITLE = 24, 10
# Word pieces of the candidate sentence: training cuts at 40 (SQuAD sentences are short, and it
# keeps training fast); reading allows 64, because news sentences often put the answer after the
# 40th piece ("... from early to mid-August"). Reading longer than trained measured slightly better
# on held-out SQuAD 2.0 (answer-sentence accuracy 0.866 -> 0.877, 1,200 questions).
TRAIN_MAX_SENTENCE, READ_MAX_SENTENCE = 40, 64
_MAX_SPAN_TOKENS = 16
_MARGIN_CLIP = 20.0
_RETRAIN = "retrain it with `python -m training.train_reader` or restore rag/data/reader/ from git"


@dataclass(frozen=True)
class ReaderInput:
    """One candidate: the question, the sentence, and its context (the sentence before, the title)."""

    question: str
    sentence: str
    before: str = ""
    title: str = ""


@dataclass(frozen=True)
class Span:
    """The answer's words: ``piece`` is ``sentence``, ``before`` or ``title``; offsets are into that text."""

    piece: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class ReaderOutput:
    """The reader's verdict on one candidate.

    ``margin`` is the span head's own vote: the best span's score minus the
    no-answer score (the span that points at ``[CLS]``, which training uses
    for candidates that do not answer). It is low when no words of the
    candidate look like an answer, even where ``probability`` is high
    ("The Nobel Prize in Literature for 2019 is awarded to …" cut off before
    the name).
    """

    probability: float
    span: Span | None
    margin: float = 0.0


@dataclass(frozen=True)
class Encoded:
    """One encoded input: token ids, type ids, which piece each token is from, and its offsets there."""

    ids: tuple[int, ...]
    types: tuple[int, ...]
    pieces: tuple[int, ...]  # -1 for [CLS]/[SEP], else an index into PIECES
    offsets: tuple[tuple[int, int], ...]


def load_tokenizer(path: Path) -> Any:
    """A ``tokenizers.Tokenizer`` that encodes pieces with no special tokens and no truncation."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def special_ids(tokenizer: Any) -> tuple[int, int]:
    """The ids that open and separate an input: BERT's ``[CLS]``/``[SEP]``, or MPNet's ``<s>``/``</s>``."""
    # MPNet's vocabulary also holds BERT's [CLS]/[SEP], which it never saw in pretraining: <s>/</s> first.
    for opening, separator in (("<s>", "</s>"), ("[CLS]", "[SEP]")):
        cls_id, sep_id = tokenizer.token_to_id(opening), tokenizer.token_to_id(separator)
        if cls_id is not None and sep_id is not None:
            return int(cls_id), int(sep_id)
    raise ReaderError(f"the reader's tokenizer has neither [CLS]/[SEP] nor <s>/</s>: {_RETRAIN}")


def encode(tokenizer: Any, item: ReaderInput, max_length: int = MAX_LENGTH, max_sentence: int = READ_MAX_SENTENCE) -> Encoded:
    """Lay out one candidate within ``max_length`` word pieces, the sentence cut at ``max_sentence``.

    The question and the sentence come first in the budget, then the title
    (at most a quarter of what is left); the sentence before keeps its end,
    nearest the candidate.
    """
    texts = (item.question, item.title, item.before, item.sentence)
    encodings = tokenizer.encode_batch([t or "" for t in texts], add_special_tokens=False)
    toks = [list(zip(e.ids, e.offsets)) for e in encodings]
    toks[_Q] = toks[_Q][:_MAX_QUESTION]
    toks[_SENTENCE] = toks[_SENTENCE][:max_sentence]
    room = max_length - 4 - len(toks[_Q]) - len(toks[_SENTENCE])
    toks[_TITLE] = toks[_TITLE][: max(0, min(_MAX_TITLE, room // 4))]
    room = max(0, room - len(toks[_TITLE]))
    toks[_BEFORE] = toks[_BEFORE][max(0, len(toks[_BEFORE]) - room) :]
    cls_id, sep_id = special_ids(tokenizer)
    ids: list[int] = [cls_id]
    pieces: list[int] = [-1]
    offsets: list[tuple[int, int]] = [(0, 0)]
    for group in ((_Q,), (_TITLE,), (_BEFORE, _SENTENCE)):
        for piece in group:
            ids.extend(i for i, _ in toks[piece])
            offsets.extend(o for _, o in toks[piece])
            pieces.extend([piece] * len(toks[piece]))
        ids.append(sep_id)
        offsets.append((0, 0))
        pieces.append(-1)
    types = tuple(1 if p == _SENTENCE else 0 for p in pieces)
    return Encoded(tuple(ids), types, tuple(pieces), tuple(offsets))


def batch_arrays(encoded: list[Encoded]) -> dict[str, np.ndarray]:
    """Pad a batch to its longest input: the model's three int64 inputs."""
    width = max(len(e.ids) for e in encoded)
    ids = np.zeros((len(encoded), width), dtype=np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for i, e in enumerate(encoded):
        ids[i, : len(e.ids)] = e.ids
        types[i, : len(e.ids)] = e.types
        mask[i, : len(e.ids)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def best_span(encoded: Encoded, start_logits: np.ndarray, end_logits: np.ndarray) -> Span | None:
    """The highest-scoring span inside one of the title, the sentence before, or the sentence."""
    best: tuple[float, int, int] | None = None
    pieces = encoded.pieces
    allowed = [i for i, p in enumerate(pieces) if p in (_TITLE, _BEFORE, _SENTENCE)]
    if not allowed:
        return None
    starts = sorted(allowed, key=lambda i: -start_logits[i])[:8]
    for s in starts:
        for e in range(s, min(s + _MAX_SPAN_TOKENS, len(pieces))):
            if pieces[e] != pieces[s]:
                break
            score = float(start_logits[s] + end_logits[e])
            if best is None or score > best[0]:
                best = (score, s, e)
    if best is None:
        return None
    score, s, e = best
    return Span(PIECES[pieces[s]], encoded.offsets[s][0], encoded.offsets[e][1], score)


class Reader:
    """Scores candidate sentences for a question with the trained int8 ONNX reader.

    Args:
        model_dir: Folder with ``reader-int8.onnx``, ``tokenizer.json`` and
            ``reader.json`` (defaults to the one shipped in the package).

    Example:
        >>> reader = Reader().warm_up()  # doctest: +SKIP
        >>> reader.read([ReaderInput("Who leads?", "Sergei Shoigu leads the ministry.")])[0].probability  # doctest: +SKIP
        0.93
    """

    def __init__(self, model_dir: Path | None = None):
        self.model_dir = Path(model_dir) if model_dir is not None else READER_DIR
        self.info: dict[str, Any] = {}
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> Reader:
        """Open the ONNX session (once); a missing or damaged file is a :class:`ReaderError`."""
        with self._lock:
            if self._session is None:
                self._load()
        return self

    def _load(self) -> None:
        from ._int8 import exact_model
        from ._onnx import cache_dir, open_session
        from ._parts import joined

        for needed in (self.model_dir / "tokenizer.json", self.model_dir / "reader.json"):
            if not needed.is_file():
                raise ReaderError(f"the reader model file {needed} is missing: {_RETRAIN}")
        model = joined(self.model_dir / MODEL_FILE, cache=cache_dir() / "readers")  # a large reader ships in parts
        try:
            self.info = json.loads((self.model_dir / "reader.json").read_text(encoding="utf-8"))
            self._tokenizer = load_tokenizer(self.model_dir / "tokenizer.json")
            # Int8 weights this CPU multiplies exactly (an unsigned copy on x86 without VNNI: rag/_int8.py).
            self._session = open_session(exact_model(model, cache=cache_dir() / "int8"), threads=0)
        except Exception as error:  # onnxruntime and tokenizers raise their own untyped errors
            raise ReaderError(f"the reader model in {self.model_dir} does not load ({error}): {_RETRAIN}") from error

    @property
    def max_length(self) -> int:
        return int(self.info.get("max_length", MAX_LENGTH))

    @property
    def max_sentence(self) -> int:
        return int(self.info.get("max_sentence", READ_MAX_SENTENCE))

    def read(self, items: list[ReaderInput]) -> list[ReaderOutput]:
        """Score every candidate in one batch, in the given order."""
        if not items:
            return []
        self.warm_up()
        encoded = [encode(self._tokenizer, item, self.max_length, self.max_sentence) for item in items]
        logits, starts, ends = self._session.run(None, batch_arrays(encoded))
        probabilities = 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64).reshape(-1)))
        out = []
        for i, (p, e) in enumerate(zip(probabilities, encoded)):
            span = best_span(e, starts[i], ends[i])
            null = float(starts[i][0] + ends[i][0])
            margin = -_MARGIN_CLIP if span is None else float(np.clip(span.score - null, -_MARGIN_CLIP, _MARGIN_CLIP))
            out.append(ReaderOutput(float(p), span, margin))
        return out


def trained_articles(model_dir: Path | None = None) -> list[str]:
    """Titles of the SQuAD 2.0 dev articles the reader trained on (``reader.json``), read without loading the model.

    Figures on SQuAD dev articles leave these out (they overlap SQuAD 1.1 dev).
    """
    path = (model_dir or READER_DIR) / "reader.json"
    try:
        return [str(t) for t in json.loads(path.read_text(encoding="utf-8")).get("squad2_train_articles", [])]
    except (OSError, ValueError):
        return []
