"""The extractive answerer: cited sentences from the retrieved passages, or a refusal.

Two readers decide which sentences answer (``reader`` setting):

- ``model`` (default): the candidate sentences with the best evidence
  scores (:mod:`rag._evidence`) are read together with the question by the
  trained cross-encoder (:mod:`rag._reader`). Its probability, its span
  margin and the evidence score are combined by a logistic model
  (:func:`answer_probability`, fitted on SQuAD dev articles with half the
  gold paragraphs withheld and on RGB's news questions); that
  probability picks the statements, and the answer is refused when no
  candidate reaches ``min_probability`` (calibrated the same way, for at
  most 10% false refusals; see docs/evaluation.md). Its span head gives :attr:`Answer.short_answer`
  (a figure with the qualifier before it: "More than 10,000", never a bare
  "10,000" that claims more; a whole name, "LeBron James" and never
  "James", and a whole list of names, "Chocolate and Chip", found by
  spaCy's entity recognizer, :mod:`rag._entities`); when that span lies in
  the sentence before the quote (the quote names its answer only through
  it), the citation grows to cover both sentences. A "who"/"which" answer
  that is a description ("the tech giant") is named from the sentence
  before (then cited too) or the title.
- ``fast``: the evidence score alone (question-sentence cosine plus
  IDF-weighted term overlap, plus a small share of its passage's
  similarity), refused below ``min_score``. No model runs; no short answer.

When the best statement and another answering one from a different
article give different numbers, dates or names for the same thing (similar
sentences, disjoint values), they are not merged: the answer says the
sources differ and cites each with its outlet and date, newest first
(oldest first when the question asks for the first report), and
:attr:`Answer.disagreements` lists them. With ``prefer`` (a question that
asks for the latest or the first account), the statements are ordered by
their articles' dates and the answer says which date it speaks for.

In both, sentences that are not statements (headlines, teasers, captions,
bylines, questions: :mod:`rag._quotable`) are never quoted. A question that
asks for a figure or a time ("how many", "when") marks down sentences that
state none. Sentences of other articles that say the same thing (high
cosine, or the same figure) are merged into that statement with all their
citations.

Trade-offs: it can only quote, never paraphrase or combine facts across
sentences. The model reader costs one batched forward pass over at most
``reader_candidates`` sentences (docs/benchmarks.md); a sentence outside
that set is never read, so a fact the evidence score ranks low is missed.

Example:
    >>> answerer = ExtractiveAnswerer(min_score=0.4)
    >>> answer = answerer.answer(question, passages, index, query_vector)  # doctest: +SKIP
    >>> answer.citations[0].quote  # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ._calibration import shipped_calibration
from ._citations import cite
from ._dates import dates_in
from ._entities import (
    NAMED,
    SHARED_RECOGNIZER,
    Entity,
    EntityRecognizer,
    asked_labels,
    complete,
    completion_labels,
    first_name,
    is_description,
    name_labels,
    names_other_entity,
    next_to_a_name,
)
from ._evidence import QuestionTerms, sentence_evidence
from ._index import IndexData
from ._quotable import quotable
from ._reader import Reader, ReaderInput, Span
from ._text import content_terms, neutral_markers, numbers_in
from ._types import Answer, Citation, Disagreement, Passage

__all__ = ["COMBINE", "REFUSAL_TEXT", "ExtractiveAnswerer", "ScoredSentence", "answer_probability", "question_type"]

REFUSAL_TEXT = "The articles don't contain the answer to this question."
CONTEXT_WEIGHT = 0.10  # the passage's own similarity: a sentence in a relevant passage is likelier evidence

_TIME_WORDS = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|"
    r"tomorrow|week|month|year|century|decade|spring|summer|autumn|fall|winter|morning|evening|"
    r"night|ago|since|until|day)s?\b",
    re.IGNORECASE,
)


_DURATION = re.compile(
    r"\b(?:second|minute|hour|day|night|week|month|year|decade|century|mile|kilomet(?:er|re)|km|meter|metre|foot|feet)s?\b",
    re.IGNORECASE,
)


def question_type(question: str) -> str:
    """Coarse expected-answer type: ``duration``, ``number``, ``time``, ``reason`` or ``other``."""
    q = question.lower()
    if re.search(r"\bhow long\b|\bfor how many (?:days|weeks|months|years|hours)\b", q):
        return "duration"
    if re.search(r"\bhow (?:many|much|far|big|large|old|often)\b|\bwhat (?:number|percentage|share)\b", q):
        return "number"
    if re.search(r"^\s*when\b|\bwhat (?:year|date|day|month|time)\b|\bin which year\b", q):
        return "time"
    if re.search(r"^\s*why\b|\bwhat (?:for|reason)\b", q):
        return "reason"
    return "other"


def _figures(text: str) -> frozenset[float]:
    """Numbers that can identify a claim: years are left out, most articles name one."""
    return frozenset(n for n in numbers_in(text) if not (n.is_integer() and 1800 <= n <= 2100))


@dataclass(frozen=True)
class ScoredSentence:
    """One candidate sentence: its index row and offsets, and its score.

    Without the reader, ``score`` is the evidence score. After the reader has
    read it, ``score`` is :func:`answer_probability` of the reader's
    ``probability``, its span ``margin``, the ``evidence`` score and
    ``no_entity`` (1.0 when the question asks for a kind of entity and the
    sentence names none but the question's own), and ``span`` is where the
    reader found the answer's words.
    """

    row: int
    doc_i: int
    start: int
    end: int
    score: float
    dense: float
    passage_rank: int
    span: Span | None = None
    probability: float | None = None
    evidence: float | None = None
    margin: float | None = None
    no_entity: float = 0.0


# The reader's probability, its span margin and the evidence score, combined by a logistic model
# over candidate sentences, fitted by `python -m training.calibrate` on the calibration halves of
# SQuAD 1.1 dev articles with half the gold paragraphs withheld and of RGB's news questions
# (docs/evaluation.md). No one signal alone was as good: the reader knows paraphrases, the
# margin knows whether any words look like an answer, the evidence score knows which words
# the question insists on. The fourth weight is the entity flag's (ScoredSentence.no_entity):
# fitted with `--entity-flag` it took -1.02 and refused RGB worse (0.38 -> 0.32 within 10% false
# refusals, paired -0.12 to +0.06), so it is 0 and the flag is not computed. The weights are read
# from rag/data/reader/calibration.json, which that command writes beside the reader's weights.
COMBINE = shipped_calibration().combine  # (reader logit, span margin, evidence, no entity, bias)


def answer_probability(
    probability: float,
    evidence: float,
    margin: float = 0.0,
    combine: tuple[float, ...] = COMBINE,
    no_entity: float = 0.0,
) -> float:
    """The calibrated probability that a read sentence answers the question.

    ``combine`` is five weights (reader logit, span margin, evidence, no
    entity, bias), or four without the entity flag.
    """
    p = min(max(probability, 1e-6), 1 - 1e-6)
    flag = combine[3] * no_entity if len(combine) == 5 else 0.0
    z = combine[0] * math.log(p / (1 - p)) + combine[1] * margin + combine[2] * evidence + flag + combine[-1]
    return 1.0 / (1.0 + math.exp(-z))


class ExtractiveAnswerer:
    """Answers by quoting the retrieved sentences that answer the question.

    Args:
        min_score: Without a reader, refuse when the best sentence scores below this.
        max_statements: Most statements in one answer.
        runner_up: A further statement needs this share of the best score.
        merge_similarity: Cosine at which two sentences say the same thing.
        reader: The trained reader; ``None`` answers by the evidence score alone.
        min_probability: With a reader, refuse when no candidate's probability reaches this.
        reader_candidates: Sentences (best evidence first) the reader reads per question.
        combine: Weights of :func:`answer_probability` (default: the calibrated :data:`COMBINE`).
        entities: With a reader, the entity recognizer for whole names in short
            answers and the entity flag of the combination (default: the
            process's shared one; ``None``: neither).
        entity_flag: Compute each read sentence's entity flag (``no_entity``);
            default: only when ``combine`` gives it a weight, since it costs
            the recognizer on every candidate.
    """

    def __init__(
        self,
        *,
        min_score: float = 0.42,
        max_statements: int = 3,
        runner_up: float = 0.9,
        merge_similarity: float = 0.8,
        reader: Reader | None = None,
        min_probability: float = shipped_calibration().min_probability,
        reader_candidates: int = 6,
        combine: tuple[float, ...] = COMBINE,
        entities: EntityRecognizer | None = SHARED_RECOGNIZER,
        entity_flag: bool | None = None,
    ):
        self.min_score = min_score
        self.max_statements = max_statements
        self.runner_up = runner_up
        self.merge_similarity = merge_similarity
        self.reader = reader
        self.min_probability = min_probability
        self.reader_candidates = reader_candidates
        self.combine = combine
        self.entities = entities
        self.entity_flag = len(combine) == 5 and combine[3] != 0 if entity_flag is None else entity_flag

    def warm_up(self) -> ExtractiveAnswerer:
        """Load the reader's model, if there is a reader (idempotent).

        The entity recognizer is not loaded here but by the first answer that
        needs it (about 1 s, once): most answers never touch a name (a
        figure, a date), and a `rag ask` process for one of them starts as
        fast as before (docs/benchmarks.md).
        """
        if self.reader is not None:
            self.reader.warm_up()
        return self

    def answer(
        self,
        question: str,
        passages: list[Passage],
        index: IndexData,
        query_vector: np.ndarray,
        *,
        prefer: str = "",
    ) -> Answer:
        """Build the cited answer (or refusal) for ``question`` from ``passages``.

        ``prefer`` is ``"newest"``, ``"oldest"`` or ``""`` (see :meth:`compose`).
        """
        return self.compose(question, self.rank(question, passages, index, query_vector), passages, index, prefer=prefer)

    @property
    def threshold(self) -> float:
        """The score the best sentence must reach: a probability with the reader, else an evidence score."""
        return self.min_probability if self.reader is not None else self.min_score

    def rank(self, question: str, passages: list[Passage], index: IndexData, query_vector: np.ndarray) -> list[ScoredSentence]:
        """The quotable sentences of the passages, best first, scored as :meth:`compose` judges them."""
        scored = [s for s in self.score_sentences(question, passages, index, query_vector) if self._quotable(s, index)]
        return self.read(question, scored, index) if self.reader is not None else scored

    def compose(
        self,
        question: str,
        scored: list[ScoredSentence],
        passages: list[Passage],
        index: IndexData,
        *,
        threshold: float | None = None,
        prefer: str = "",
    ) -> Answer:
        """The answer from ranked sentences (:meth:`rank`), or a refusal below ``threshold`` (default :attr:`threshold`).

        ``prefer="newest"`` (or ``"oldest"``) orders the statements by their
        articles' publication dates and says which date the answer speaks
        for; disagreeing sources are ordered newest first unless ``"oldest"``.
        """
        threshold = self.threshold if threshold is None else threshold
        best = scored[0] if scored else None
        if best is None or best.score < threshold:
            return Answer(question=question, text=REFUSAL_TEXT, refused=True, passages=tuple(passages))
        answering = [s for s in scored if s.score >= threshold]
        if prefer:  # "latest" / "first reported": the newest (or oldest) answering sentence leads
            lead = _by_date(answering, index, prefer)[0]
            scored = [lead] + [s for s in scored if s is not lead]
        statements = self._statements(question, scored, index, threshold)
        rivals = _rivals(question, statements[0][0], answering, index)
        kind = rivals[0][1] if rivals else ""
        if rivals:  # never merged as one claim, even when worded alike: newest first unless asked otherwise
            # Only statements that name the question's subject as fully as the best one does can differ
            # from each other: "Norvik Motors is recalling 120,000" says nothing about Castell Auto.
            names = _names(question)
            pool = [statements[0][0]] + [r for r, _ in rivals]
            cover = [len(names & _terms_with_title(s, index)) for s in pool]
            pool = _by_date([s for s, c in zip(pool, cover) if c == max(cover)], index, prefer or "newest")
            first = pool[0]
            # The second statement must differ from the first (two rivals of the best one may agree).
            other = next((s for s in pool[1:] if not _same_claim(_claims(first, index, kind), _claims(s, index, kind))), None)
            statements = [[first], [other]] if other is not None else [[first]]
            if other is None:
                rivals = []
        citations: list[Citation] = []
        parts: list[str] = []
        short_answer = None
        spoken: list[str | None] = []  # each statement's short answer
        leads: list[int] = []  # each statement's first citation number
        for group in statements:
            markers = []
            for k, item in enumerate(group):
                if k == 0:
                    item, words = _expand(item, index, citations, question, self.entities if self.reader else None)
                    short_answer = short_answer if citations else words
                    spoken.append(words)
                    group[0] = item
                citation = cite(index, len(citations) + 1, item.doc_i, item.start, item.end, round(item.score, 4))
                citations.append(citation)
                markers.append(f"[{citation.n}]")
                if k == 0:
                    leads.append(citation.n)
            lead = group[0]
            quote = neutral_markers(index.documents[lead.doc_i].text[lead.start:lead.end])
            label = f"{_source_label(citations[leads[-1] - 1])}: " if rivals else ""
            parts.append(f"{label}{quote} {''.join(markers)}")
        disagreements: tuple[Disagreement, ...] = ()
        if rivals:
            values = tuple(v or ", ".join(sorted(_claims(g[0], index, kind))) for v, g in zip(spoken, statements))
            disagreements = (Disagreement(kind, values, tuple(leads[:2])),)
            parts.insert(0, "The sources differ.")
        elif prefer and citations[0].published:
            which = "latest" if prefer == "newest" else "earliest"
            parts.insert(0, f"The {which} report ({_source_label(citations[0])}):")
        return Answer(
            question=question,
            text=" ".join(parts),
            refused=False,
            citations=tuple(citations),
            passages=tuple(passages),
            short_answer=short_answer,
            disagreements=disagreements,
        )

    @staticmethod
    def _quotable(item: ScoredSentence, index: IndexData) -> bool:
        doc = index.documents[item.doc_i]
        return quotable(doc.text, item.start, item.end, doc.title)

    def read(self, question: str, scored: list[ScoredSentence], index: IndexData) -> list[ScoredSentence]:
        """Re-rank the best ``reader_candidates`` sentences by :func:`answer_probability` (the score becomes it).

        The rest keep their place after them with score 0, so they can join a
        statement as the same claim from another article but never lead one.
        """
        if self.reader is None or not scored:
            return scored
        head, tail = scored[: self.reader_candidates], scored[self.reader_candidates :]
        items = [self._reader_input(question, s, index) for s in head]
        outputs = self.reader.read(items)
        flags = self._no_entity(question, [item.sentence for item in items])
        read = [
            replace(s, score=answer_probability(o.probability, s.score, o.margin, self.combine, flag), span=o.span,
                    probability=o.probability, evidence=s.score, margin=o.margin, no_entity=flag)
            for s, o, flag in zip(head, outputs, flags)
        ]
        read.sort(key=lambda s: (-s.score, s.passage_rank, s.start))
        return read + [replace(s, score=0.0) for s in tail]

    def _no_entity(self, question: str, sentences: list[str]) -> list[float]:
        """1.0 for each sentence that names no entity of the kind the question asks for but the question's own.

        0.0 for all when the question asks for no kind (what, why), there is no
        recognizer, or :attr:`entity_flag` is off.
        """
        labels = asked_labels(question)
        if self.entities is None or not labels or not self.entity_flag:
            return [0.0] * len(sentences)
        found = self.entities.find(sentences)
        return [0.0 if names_other_entity(question, s, e, labels) else 1.0 for s, e in zip(sentences, found)]

    @staticmethod
    def _reader_input(question: str, item: ScoredSentence, index: IndexData) -> ReaderInput:
        doc = index.documents[item.doc_i]
        row = index.neighbour(item.row, -1)
        before = index.sentence_text(row) if row is not None else ""
        sentence = doc.text[item.start : item.end]
        # A title made from the text's first sentence repeats what the reader sees anyway, and
        # the same words twice read to it as a match: show only a title that adds something. A
        # title cut from a long first line ("…") is the opening of a paragraph, not a headline.
        title = doc.title.rstrip("…").strip()
        cut = doc.title.endswith("…") and " ".join(doc.text[: 2 * len(title) + 16].split()).startswith(title)
        if title and (cut or title in sentence or title in before or sentence in title):
            title = ""
        return ReaderInput(question, sentence, before, title)

    def score_sentences(
        self, question: str, passages: list[Passage], index: IndexData, query_vector: np.ndarray
    ) -> list[ScoredSentence]:
        """Score every sentence of the passages, best first."""
        qtype = question_type(question)
        rows: list[int] = []
        origin: dict[int, Passage] = {}
        for passage in passages:
            doc_i = index.doc_index[passage.doc_id]
            for row in index.sentences_in(doc_i, passage.start, passage.end):
                if row not in origin:
                    origin[row] = passage
                    rows.append(row)
        scored: list[ScoredSentence] = []
        for evidence in sentence_evidence(rows, QuestionTerms.of(question, index), query_vector, index):
            doc_i, start, end = (int(v) for v in index.sentence_rows[evidence.row])
            passage = origin[evidence.row]
            context = passage.dense_score if passage.dense_score is not None else evidence.dense
            score = evidence.score + CONTEXT_WEIGHT * context
            text = index.documents[doc_i].text[start:end]
            if qtype == "number" and not numbers_in(text):
                score *= 0.8
            elif qtype == "time" and not _TIME_WORDS.search(text):
                score *= 0.8
            elif qtype == "duration" and not (_DURATION.search(text) and numbers_in(text)):
                score *= 0.8
            scored.append(ScoredSentence(evidence.row, doc_i, start, end, score, evidence.dense, passage.rank))
        scored.sort(key=lambda s: (-s.score, s.passage_rank, s.start))
        return scored

    def _statements(self, question: str, scored: list[ScoredSentence], index: IndexData, threshold: float) -> list[list[ScoredSentence]]:
        wants_number = question_type(question) == "number"
        floor = max(threshold, scored[0].score * self.runner_up)
        vectors = index.sentence_vectors_of([s.row for s in scored])
        similarity = vectors @ vectors.T  # every pair once, for merging and for near-copies
        figures = [_figures(index.sentence_text(s.row)) if wants_number else frozenset() for s in scored]
        used: set[int] = set()
        groups: list[list[ScoredSentence]] = []
        for i, lead in enumerate(scored):
            if lead.score < floor or len(groups) >= self.max_statements:
                break
            if lead.row in used:
                continue
            group = [lead]
            used.add(lead.row)
            for j, other in enumerate(scored):
                if other.row in used or any(other.doc_i == g.doc_i for g in group):
                    continue
                same_figure = bool(figures[i] & figures[j])
                if similarity[i, j] >= self.merge_similarity or (wants_number and same_figure and similarity[i, j] >= 0.5):
                    group.append(other)
                    used.add(other.row)
            # Near-copies within one article add nothing: mark them used.
            for j, other in enumerate(scored):
                if other.row not in used and similarity[i, j] >= 0.95:
                    used.add(other.row)
            groups.append(group)
        return groups


def _day(index: IndexData, item: ScoredSentence) -> str:
    """The statement's publication date for ordering (unknown dates sort as the oldest)."""
    return index.documents[item.doc_i].published or ""


def _source_label(citation: Citation) -> str:
    """``"Reuters, 2021-08-09"``: who said it and when (the title when the outlet is unknown)."""
    return f"{citation.outlet or citation.title}, {citation.published or 'date unknown'}"


_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty"
_FIGURE = re.compile(
    rf"\b(?:\d[\d,.]*\d|\d|{_NUMBER_WORDS}|"
    r"hundred|thousand|million|billion)(?:[\s-]+(?:hundred|thousand|million|billion))*\b",
    re.IGNORECASE,
)
_NOUN_WINDOW = 3  # words around a figure that say what it counts ("31 people killed", "a budget of $498 million")


def _counted(text: str, start: int, end: int) -> frozenset[str]:
    """Content words just before ``start`` and after ``end``: what the figure between counts."""
    before = re.findall(r"[A-Za-z]+", text[max(0, start - 60) : start])[-_NOUN_WINDOW:]
    after = re.findall(r"[A-Za-z]+", text[end : end + 60])[:_NOUN_WINDOW]
    return frozenset(content_terms(" ".join(before + after)))


def _claims(item: ScoredSentence, index: IndexData, kind: str) -> dict[str, frozenset[str]]:
    """The values a statement gives for the question's thing, each with the words that say what it is.

    From the reader's span when it has one in the sentence, else from the
    whole sentence. Numbers carry the words around them ("31 people
    killed", "a budget of $498 million"), so "12 people killed" and
    "hundreds of buildings" are not one thing; dates and names carry nothing (the question says what they are).
    """
    doc = index.documents[item.doc_i]
    sentence = doc.text[item.start : item.end]
    span = item.span
    lo, hi = (span.start, span.end) if span is not None and span.piece == "sentence" else (0, len(sentence))
    text = sentence[lo:hi]
    if kind == "number":
        claims: dict[str, frozenset[str]] = {}
        for m in _FIGURE.finditer(text):
            for value in _figures(m.group(0)):
                key = str(int(value)) if value.is_integer() else repr(value)  # "1234567", never "1.23457e+06"
                claims[key] = _counted(sentence, lo + m.start(), lo + m.end())
        return claims
    if kind == "date":
        return {d.iso: frozenset() for d in dates_in(text, doc.published)}
    if span is None or span.piece != "sentence" or not text[:1].isupper():
        return {}
    return {term: frozenset() for term in content_terms(text)}


def _names(question: str) -> frozenset[str]:
    """Content terms of the question's capitalised words after its first (its named subject)."""
    words = re.findall(r"[A-Za-z][\w'’-]*", question)[1:]
    return frozenset(content_terms(" ".join(w for w in words if w[0].isupper())))


def _terms_with_title(item: ScoredSentence, index: IndexData) -> frozenset[str]:
    doc = index.documents[item.doc_i]
    return index.sentence_terms(item.row) | frozenset(content_terms(doc.title))


def _by_date(items: list[ScoredSentence], index: IndexData, prefer: str) -> list[ScoredSentence]:
    """``items`` newest first (``prefer="oldest"``: oldest first), undated ones last either way; ties keep their order."""
    dated = [s for s in items if _day(index, s)]
    undated = [s for s in items if not _day(index, s)]
    return sorted(dated, key=lambda s: _day(index, s), reverse=prefer != "oldest") + undated


def _same_claim(mine: dict[str, frozenset[str]], theirs: dict[str, frozenset[str]]) -> bool:
    """Whether two statements share a value; dates match at the coarser precision ("2021-08" and "2021-08-09")."""
    return any(a == b or a.startswith(b + "-") or b.startswith(a + "-") for a in mine for b in theirs)


def _rivals(
    question: str, lead: ScoredSentence, answering: list[ScoredSentence], index: IndexData
) -> list[tuple[ScoredSentence, str]]:
    """Answering sentences of other articles that give a different value than ``lead``, with the kind of value.

    Both must answer (``answering``: at the threshold) and talk about the
    same thing (sentence cosine at least 0.5), and their values must be disjoint: "more than 10,000" against
    "13,000" troops; numbers must also count the same thing, the one the
    question asks about (a question word among the words around each
    figure). Copies of one story never disagree. One per article, best first.
    """
    qtype = question_type(question)
    kind = {"number": "number", "time": "date"}.get(qtype)
    if kind is None:
        if not re.match(r"\s*(?:who|which)\b", question, re.IGNORECASE):
            return []
        kind = "name"
    mine = _claims(lead, index, kind)
    if not mine:
        return []
    # Numbers must count what the question asks about: "how many people…" against "31 people killed".
    mine_counted = frozenset().union(*mine.values()) & frozenset(content_terms(question))
    floor = 0.5
    lead_vector = index.sentence_vectors_of([lead.row])[0]
    found: list[tuple[ScoredSentence, str]] = []
    seen = {index.canonical(lead.doc_i)}
    for other in answering:
        if index.canonical(other.doc_i) in seen:
            continue
        theirs = _claims(other, index, kind)
        if not theirs or _same_claim(mine, theirs):
            continue
        if kind == "number" and not (frozenset().union(*theirs.values()) & mine_counted):
            continue  # different figures of different things: "31 people killed", "hundreds of buildings"
        if float(index.sentence_vectors_of([other.row])[0] @ lead_vector) >= floor:
            seen.add(index.canonical(other.doc_i))
            found.append((other, kind))
    return found


_PRONOUNS = frozenset("he she they it him her them we".split())
_REFERRING = frozenset("the his her its their this that these those".split())


def _expand(
    item: ScoredSentence,
    index: IndexData,
    cited: list[Citation],
    question: str = "",
    entities: EntityRecognizer | None = None,
) -> tuple[ScoredSentence, str | None]:
    """The quote of a statement's lead and its short answer (whole words and whole names of the quote).

    When the reader's span lies in the sentence before, or is a pronoun or a
    definite description opening the quote ("The president's son will plead
    guilty…"), the quote names its answer only through the sentence before,
    so the citation starts there (unless that sentence is already cited);
    offsets stay exact because both sentences are contiguous in the stored
    text.

    With ``entities``, the short answer never starts or ends inside a name
    and keeps a list of names whole (:func:`rag._entities.complete`). When
    it is a pronoun or a description ("the tech giant", anywhere in the
    quote) and the question asks who or which, it becomes the first name of
    the asked kind in the sentence before (which the citation then covers)
    or, failing that, in the title (the citation stays the quote).
    """
    span = item.span
    if span is None or span.piece == "title":
        return item, None
    doc = index.documents[item.doc_i]
    text = doc.text
    row = index.neighbour(item.row, -1)
    if row is not None and not quotable(text, int(index.sentence_rows[row, 1]), int(index.sentence_rows[row, 2]), doc.title):
        # A headline or a caption before the quote: nothing a citation may rest on. Its words count
        # only where the quote says them too ("Carmaker recalls 1.2 million vehicles" above "... is
        # recalling 1.2 million vehicles ...").
        if span.piece == "before":
            span = _in_quote(text, int(index.sentence_rows[row, 1]), span, item)
            if span is None:
                return item, None
        row = None
    before_start = int(index.sentence_rows[row, 1]) if row is not None else -1
    named = None  # a name the description refers to, from the sentence before
    if span.piece == "sentence":
        start, end = _bounds(text, item.start + span.start, item.start + span.end, item.start)
        words = text[start:end].strip(" ,;:") or None
        lead = text[item.start : item.start + span.start].strip().lower()
        plain = lead in _REFERRING or (words or "").lower() in _PRONOUNS
        labels = name_labels(question) if entities is not None else frozenset()
        widen = completion_labels(question) if entities is not None else frozenset()
        opening = (words or "").split()[:1]
        # A description that is the quote's subject ("The tech giant said…"), or a pronoun.
        maybe = bool(words and labels) and (plain or (not lead and opening[0].lower() in _REFERRING))
        found: list[Entity] = []
        if maybe or (widen and next_to_a_name(text, start, end, item.start, item.end)):  # the recognizer only where it can matter
            found = _entities_at(entities, text, item.start, item.end)
            start, end = _bounds(text, item.start + span.start, item.start + span.end, item.start, found, widen)
            words = text[start:end].strip(" ,;:") or None
        described = maybe and is_description(words or "", text, start, found, lead)
        if not (plain or described):
            return item, words
        # The answer is a pronoun or a description ("The president's son"): the name it refers to
        # is in the sentence before, so the citation includes it; or in the title, and the quote's
        # article is what the citation cites.
        if described and entities is not None:
            if row is not None:
                before = text[before_start : int(index.sentence_rows[row, 2])]
                named = first_name(question, before, entities.find([before])[0], labels)
            if named is None and doc.title:
                in_title = first_name(question, doc.title, entities.find([doc.title])[0], labels)
                if in_title is not None or not plain:
                    return item, in_title or words
            words = named or words
    elif row is None:
        return item, None
    else:
        before_end = int(index.sentence_rows[row, 2])
        start, end = _bounds(text, before_start + span.start, before_start + span.end, before_start)
        widen = completion_labels(question) if entities is not None else frozenset()
        if widen and next_to_a_name(text, start, end, before_start, before_end):
            found = _entities_at(entities, text, before_start, before_end)
            start, end = _bounds(text, before_start + span.start, before_start + span.end, before_start, found, widen)
        words = text[start:end].strip(" ,;:") or None
    if row is None:
        return item, None
    if any(c.doc_id == doc.id and c.start < item.start and c.end > before_start for c in cited):
        return item, named  # the sentence before is cited already: its name is in the answer
    return replace(item, start=before_start), words


def _in_quote(text: str, before_start: int, span: Span, item: ScoredSentence) -> Span | None:
    """The reader's span in the sentence before, found again in the quote itself (same words, any case), or ``None``."""
    words = text[before_start + span.start : before_start + span.end].strip()
    at = text.lower().find(words.lower(), item.start, item.end) if words else -1
    return Span("sentence", at - item.start, at - item.start + len(words), span.score) if at >= 0 else None


def _entities_at(entities: EntityRecognizer | None, text: str, start: int, end: int) -> list[Entity]:
    """The entities of ``text[start:end]`` with offsets into ``text`` (none without a recognizer)."""
    if entities is None:
        return []
    return [Entity(e.label, start + e.start, start + e.end) for e in entities.find([text[start:end]])[0]]


# Words that change what a figure claims: "more than 10,000" is not "10,000".
_QUALIFIER = re.compile(
    r"\b(?:more|less|fewer|greater|higher|lower) than\s+$|\b(?:at least|at most|up to|as (?:many|much|few|little) as|"
    r"(?:just |well )?(?:over|under)|nearly|almost|about|around|approximately|roughly|some|close to|upwards of|"
    r"an estimated|estimated)\s+$",
    re.IGNORECASE,
)
_FIGURE_START = re.compile(
    rf"[$€£¥]?\d|(?:{_NUMBER_WORDS}|a dozen|dozens|hundreds?|thousands?|millions?|billions?)\b",
    re.IGNORECASE,
)


def _words(text: str, start: int, end: int, floor: int = 0) -> str | None:
    """``text[start:end]`` widened to whole words (the reader's span ends on word pieces).

    A figure keeps the qualifier just before it, within ``text[floor:]``
    (the quoted sentence): a short answer "10,000" for "More than 10,000
    troops" would claim what the article does not.

    Example:
        >>> _words("More than 10,000 troops took part.", 10, 16)
        'More than 10,000'
        >>> _words("At least 12 people were killed.", 9, 11)
        'At least 12'
        >>> _words("The toll rose to 31 people.", 17, 19)  # "to" claims nothing more
        '31'
        >>> _words("More than half of them stayed, said Wei Fenghe.", 36, 46)  # not a figure
        'Wei Fenghe'
    """
    start, end = _bounds(text, start, end, floor)
    return text[start:end].strip(" ,;:") or None


def _bounds(
    text: str, start: int, end: int, floor: int = 0, entities: Sequence[Entity] = (), labels: frozenset[str] = NAMED
) -> tuple[int, int]:
    """The offsets :func:`_words` takes, then widened to whole names of ``entities`` (offsets into ``text``) with ``labels``.

    Example:
        >>> text = "Fans cheered as LeBron James scored."
        >>> text[slice(*_bounds(text, 23, 26, 0, [Entity("PERSON", 16, 28)]))]
        'LeBron James'
    """
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    if _FIGURE_START.match(text, start):
        qualifier = _QUALIFIER.search(text[floor:start])
        if qualifier is not None:
            start = floor + qualifier.start()
    return complete(text, start, end, entities, labels) if entities else (start, end)
