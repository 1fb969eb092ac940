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
  most 10% false refusals; see docs/evaluation.md). Behind the default a
  second, larger reader (``span_reader``) re-reads the best ``rereads`` of
  an answered question and chooses which leads; the refusal and the scores
  stay the first reader's. The span head gives :attr:`Answer.short_answer`
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

A sentence about another member of a numbered family the question names
("The first flight of the 777 was in 1994" for "When did the Boeing 787
first fly?", the 2020 US Open for the 2021 one: :mod:`rag._numbered`) is
marked down as evidence and, once read, cannot lead.

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

Each job is a module of its own, and this one composes them: sentence
scoring (:mod:`rag._scoring`), reading (here: :meth:`ExtractiveAnswerer.read`,
:func:`answer_probability`), grouping into statements
(:mod:`rag._statements`), disagreeing sources (:mod:`rag._disagreement`),
and quote widening with short answers (:mod:`rag._quotes`).

Example:
    >>> answerer = ExtractiveAnswerer(min_score=0.4)
    >>> answer = answerer.answer(question, passages, index, query_vector)  # doctest: +SKIP
    >>> answer.citations[0].quote  # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import numpy as np

from ._acronyms import Aliases
from ._attribution import asks_about_a_source, quotes_the_source
from ._calibration import shipped_calibration
from ._citations import cite
from ._counting import SHARED_CHECKER, CountChecker, asks_how_many
from ._dates import fuller_date
from ._disagreement import (
    by_date,
    claims,
    day,
    find_rivals,
    question_names,
    same_claim,
    source_label,
    terms_with_title,
)
from ._entities import (
    SHARED_RECOGNIZER,
    EntityRecognizer,
    asked_labels,
    fuller_name,
    name_labels,
    names_other_entity,
    other_entities,
)
from ._holders import asked_holder, asked_post, holds_another, implied_holder
from ._index import IndexData
from ._kinds import a_pronoun_unnamed, asks_a_name, asks_a_score, only_a_description, only_a_figure, score_spans
from ._levels import asks_level, level_spans
from ._money import asks_money, money_spans
from ._moves import asked_direction, move_of, moves
from ._naming import asked_name, is_a_name, names_of
from ._numbered import names_asked
from ._pending import asks_a_result, pending
from ._quotable import after_headline, quotable
from ._quotes import answers_nothing, asks_about_time, expand, unquotable_span
from ._reader import Reader, ReaderInput, Span
from ._scoring import (
    Names,
    ScoredSentence,
    about_another,
    asked_families,
    best_first,
    score_sentences,
    sentence_before,
)
from ._statements import group_statements
from ._text import neutral_markers, strip_markers
from ._types import Answer, Citation, Disagreement, Passage

__all__ = ["COMBINE", "REFUSAL_TEXT", "ExtractiveAnswerer", "answer_probability"]

REFUSAL_TEXT = "The articles don't contain the answer to this question."
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


# A candidate re-read to choose the lead (ExtractiveAnswerer.rereads) is within this of the best, in logits
# of the combined probability (0.072 against 0.028). Measured over the refusal sets' answered questions
# (docs/evaluation.md): it re-reads for 36% of SQuAD's and 79% of RGB's, with the same gain as re-reading all.
REREAD_WITHIN = 1.0


def newest_unread(scored: list[ScoredSentence], read: int, index: IndexData, n: int) -> list[ScoredSentence]:
    """The newest dated article's best ``n`` sentences of ``scored`` (evidence order) not among its first ``read``.

    Example:
        An archive's 2005 reports word "How many orders does Boeing have for
        the 787?" most alike, and a 2011 report of 800 orders ranks 13th by
        evidence: asked as of 2011, its best two are read too, so it can lead.
    """
    if n <= 0:
        return []
    dates = [day(index, s) for s in scored]
    newest = max(dates, default="")
    if not newest:
        return []
    best = [s for s, d in zip(scored, dates) if d == newest][:n]
    head = {id(s) for s in scored[:read]}
    return [s for s in best if id(s) not in head]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


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
    flag = combine[3] * no_entity if len(combine) == 5 else 0.0
    z = combine[0] * _logit(probability) + combine[1] * margin + combine[2] * evidence + flag + combine[-1]
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
        similarity: Cosine of two words' vectors (:func:`rag._counting.word_similarity`);
            with it and a reader, a "how many X" answer whose figure counts
            another thing the sentence names beside X cannot lead
            (:mod:`rag._counting`); ``None``: no such check.
        counter: The parser that tells what a figure counts (default: the process's shared one).
        span_reader: A second reader that re-reads each statement's lead
            quote only to find the short answer's words in it (the 12-layer
            reader behind the 6-layer one: every refusal stays the first
            reader's); ``None``: ``reader``'s own span.
        rereads: With ``span_reader``, how many of the first reader's best
            candidates it re-reads when the first reader answers: the one
            it scores best by ``span_combine`` leads, with the first
            reader's best score (1: it reads only the lead, for its words).
        span_combine: Weights of :func:`answer_probability` for ``span_reader``'s outputs.
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
        similarity: Callable[[str, str], float] | None = None,
        counter: CountChecker = SHARED_CHECKER,
        span_reader: Reader | None = None,
        rereads: int = 1,
        span_combine: tuple[float, ...] = COMBINE,
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
        self.similarity = similarity
        self.counter = counter
        self.span_reader = span_reader
        self.rereads = rereads
        self.span_combine = span_combine

    def warm_up(self) -> ExtractiveAnswerer:
        """Load the reader's model, if there is a reader (idempotent).

        The entity recognizer is not loaded here but by the first answer that
        needs it (about 1 s, once): most answers never touch a name (a
        figure, a date), and a `rag ask` process for one of them starts as
        fast as before (docs/benchmarks.md).
        """
        if self.reader is not None:
            self.reader.warm_up()
        if self.span_reader is not None:
            self.span_reader.warm_up()
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

    def rank(self, question: str, passages: list[Passage], index: IndexData, query_vector: np.ndarray,
             *, newest: int = 0) -> list[ScoredSentence]:
        """The quotable sentences of the passages, best first, scored as :meth:`compose` judges them.

        ``newest``: how many of the newest article's best sentences (by
        evidence) the reader reads besides its :attr:`reader_candidates`, for
        an answer that the newest report is to lead (:meth:`compose`'s
        ``prefer="newest"``): a report can only lead if it is read.
        """
        scored = [self._past_headline(s, index) for s in self.score_sentences(question, passages, index, query_vector)]
        scored = [s for s in scored if self._quotable(s, index)]
        if self.reader is None:
            return scored
        extra = newest_unread(scored, self.reader_candidates, index, newest)
        if extra:
            rest = [s for s in scored[self.reader_candidates :] if not any(s is e for e in extra)]
            scored = scored[: self.reader_candidates] + extra + rest
        return self.read(question, scored, index, extra=len(extra))

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
        for; with ``"newest"``, statements led from articles older than the
        newest lead's are left out. Disagreeing sources are ordered newest
        first unless ``"oldest"``.
        """
        threshold = self.threshold if threshold is None else threshold
        best = scored[0] if scored else None
        if best is None or best.score < threshold:
            return Answer(question=question, text=REFUSAL_TEXT, refused=True, passages=tuple(passages))
        answering = [s for s in scored if s.score >= threshold]
        if prefer:  # "latest" / "first reported": the newest (or oldest) answering sentence leads
            lead = by_date(answering, index, prefer)[0]
            scored = [lead] + [s for s in scored if s is not lead]
        statements = group_statements(question, scored, index, threshold, max_statements=self.max_statements,
                                      runner_up=self.runner_up, merge_similarity=self.merge_similarity)
        if prefer == "newest":
            # The newest report leads; whatever an older article says is how things stood before it: a
            # statement it leads, a sentence joined to the lead's, another figure (not a source that
            # disagrees; one of the lead's date still does). Quoted, each cost citation precision on dated
            # news (docs/evaluation.md).
            newest = index.documents[statements[0][0].doc_i].published or ""

            def current(item: ScoredSentence) -> bool:
                return (index.documents[item.doc_i].published or "") >= newest

            statements = [[s for s in g if current(s)] for g in statements if current(g[0])]
            answering = [s for s in answering if current(s)]  # only these may be rivals
        rivals = find_rivals(question, statements[0][0], answering, index)
        kind = rivals[0][1] if rivals else ""
        if rivals:  # never merged as one claim, even when worded alike: newest first unless asked otherwise
            # Only statements that name the question's subject as fully as the best one does can differ
            # from each other: "Norvik Motors is recalling 120,000" says nothing about Castell Auto.
            names, aliases = question_names(question), Aliases.of(question)  # "GM" names General Motors
            pool = [statements[0][0]] + [r for r, _ in rivals]
            cover = [len(names & terms_with_title(s, index, aliases)) for s in pool]
            pool = by_date([s for s, c in zip(pool, cover) if c == max(cover)], index, prefer or "newest")
            first = pool[0]
            # The second statement must differ from the first (two rivals of the best one may agree).
            other = next((s for s in pool[1:] if not same_claim(claims(first, index, kind), claims(s, index, kind))), None)
            statements = [[first], [other]] if other is not None else [[first]]
            if other is None:
                rivals = []
        statements = self._respanned(question, statements, index, 2 if rivals else 1)
        lead = statements[0][0]
        if self.reader is not None and lead.score > 0.0 and lead.span is not None and lead.span.piece != "title" \
                and _wrong_words(question, _spanned_text(lead, index), lead.span):
            # The span reader found the lead's answer in its source ("according to the department") or took a
            # figure where a name is asked: the sentence answers no more than one the read checks drop. Each
            # round drops one more sentence to 0, and a lead at 0 stays (forced answers), so it ends.
            return self.compose(question, _given_way(scored, lead.row), passages, index, threshold=threshold,
                                prefer=prefer)
        statements = self._spanned_in_quote(question, statements, index, 2 if rivals else 1)
        citations: list[Citation] = []
        parts: list[str] = []
        short_answer = None
        spoken: list[str | None] = []  # each statement's short answer
        leads: list[int] = []  # each statement's first citation number
        for group in statements:
            markers = []
            for k, item in enumerate(group):
                if k == 0:
                    row = item.row
                    item, words = expand(item, index, citations, question, self.entities if self.reader else None)
                    if not citations and self.reader is not None and item.score > 0.0 and words is not None \
                            and asks_a_name(question) and a_pronoun_unnamed(words):
                        # "In 1997, he wrote and directed Titanic" with no name before it or in the title: the
                        # sentence does not say who. The lead gives way, as a source or a figure does above.
                        return self.compose(question, _given_way(scored, row), passages, index, threshold=threshold,
                                            prefer=prefer)
                    if words is not None and answers_nothing(question, words, index.documents[item.doc_i].published):
                        words = None
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
            label = f"{source_label(citations[leads[-1] - 1])}: " if rivals else ""
            parts.append(f"{label}{quote} {''.join(markers)}")
        disagreements: tuple[Disagreement, ...] = ()
        if rivals:
            values = tuple(v or ", ".join(sorted(claims(g[0], index, kind))) for v, g in zip(spoken, statements))
            disagreements = (Disagreement(kind, values, tuple(leads[:2])),)
            parts.insert(0, "The sources differ.")
        elif prefer and citations[0].published:
            which = "latest" if prefer == "newest" else "earliest"
            parts.insert(0, f"The {which} report ({source_label(citations[0])}):")
        return Answer(
            question=question,
            text=" ".join(parts),
            refused=False,
            citations=tuple(citations),
            passages=tuple(passages),
            short_answer=strip_markers(short_answer),  # an article's own [1] would read as a citation
            disagreements=disagreements,
        )

    def _respanned(
        self, question: str, statements: list[list[ScoredSentence]], index: IndexData, leads: int
    ) -> list[list[ScoredSentence]]:
        """The first ``leads`` statements with their lead's span found again by :attr:`span_reader`.

        Only those leads' short answers are shown (the answer's, and a
        disagreement's two values), so only they are read again, in one
        batch: about 21 ms a sentence for the 12-layer reader on two cores.
        A lead the span reader finds no words in keeps the first reader's span.
        """
        if self.span_reader is None or self.reader is None:
            return statements
        chosen = [g for g in statements[:leads] if g and g[0].span is not None and not g[0].reread]
        if not chosen:
            return statements
        outputs = self.span_reader.read([self.reader_input(question, g[0], index) for g in chosen])
        for group, out in zip(chosen, outputs):
            # its words for "how many" may count another thing, in the sentence before: "Two people died when a
            # tree fell …" read for "How many people died?" took "about 80,000" (homes without power) from there
            if out.span is not None and not self._counts_another(question, group[0], out.span, index):
                group[0] = replace(group[0], span=out.span)
        return statements

    def _counts_another(self, question: str, item: ScoredSentence, span: Span, index: IndexData) -> bool:
        """Whether the words at ``span`` for ``item`` give a figure of another thing than "how many" asks."""
        if self.similarity is None or span.piece == "title" or not asks_how_many(question):
            return False
        return self._counting_span(question, _spanned_text(replace(item, span=span), index), span, self.similarity) \
            is not span

    def _spanned_in_quote(
        self, question: str, statements: list[list[ScoredSentence]], index: IndexData, leads: int
    ) -> list[list[ScoredSentence]]:
        """The first ``leads`` statements' leads whose words the reader found where no quote can show them, read again alone.

        The reader reads a sentence with the one before and the title, and may
        take its words from those ("340" from the headline "Dow falls 340
        points" above "… fell 344.65 at the close"). A headline or a title is
        never quoted, so such a lead had no short answer; read again with only
        the sentence, it gets words of the quote (one read, of these leads
        only) when the reader prefers them to no answer (a positive margin).
        """
        reader = self.span_reader or self.reader
        if reader is None:
            return statements
        chosen = [g for g in statements[:leads] if g and unquotable_span(g[0], index)]
        if not chosen:
            return statements
        alone = [ReaderInput(question, index.documents[g[0].doc_i].text[g[0].start : g[0].end], "", "") for g in chosen]
        similarity = self.similarity
        for group, item, out in zip(chosen, alone, reader.read(alone)):
            span: Span | None = out.span
            if span is None or span.piece != "sentence" or out.margin <= 0.0:
                continue  # no words of the quote that the reader prefers to no answer: still no short answer
            if similarity is not None and asks_how_many(question):
                span = self._counting_span(question, item.sentence, span, similarity)  # the asked figure, or none
            if span is not None:
                group[0] = replace(group[0], span=span)
        return statements

    def score_sentences(
        self, question: str, passages: list[Passage], index: IndexData, query_vector: np.ndarray
    ) -> list[ScoredSentence]:
        """Every sentence of the passages, scored as evidence, best first (:func:`rag._scoring.score_sentences`)."""
        return score_sentences(question, passages, index, query_vector)

    @staticmethod
    def _past_headline(item: ScoredSentence, index: IndexData) -> ScoredSentence:
        """The sentence without a headline glued to its front: a quote never opens with the headline."""
        doc = index.documents[item.doc_i]
        start = after_headline(doc.text, item.start, item.end, doc.title)
        return item if start == item.start else replace(item, start=start)

    @staticmethod
    def _quotable(item: ScoredSentence, index: IndexData) -> bool:
        doc = index.documents[item.doc_i]
        return quotable(doc.text, item.start, item.end, doc.title)

    def read(self, question: str, scored: list[ScoredSentence], index: IndexData, *, extra: int = 0) -> list[ScoredSentence]:
        """Re-rank the best :attr:`reader_candidates` sentences by :func:`answer_probability` (the score becomes it).

        The rest keep their place after them with score 0, so they can join a
        statement as the same claim from another article but never lead one.
        ``extra`` sentences after the usual candidates are read too, but they
        answer only where a usual candidate does: the refusal stays the usual
        candidates', on which the combination was calibrated.
        """
        if self.reader is None or not scored:
            return scored
        usual = self.reader_candidates
        head, tail = scored[: usual + extra], scored[usual + extra :]
        items = [self.reader_input(question, s, index) for s in head]
        # The extra ones in a batch of their own: an int8 model quantizes a batch's activations together,
        # and read beside them the usual candidates would score otherwise than they do alone.
        outputs = self.reader.read(items[:usual]) + (self.reader.read(items[usual:]) if len(items) > usual else [])
        flags = self._no_entity(question, [item.sentence for item in items])
        read = [
            replace(s, score=answer_probability(o.probability, s.score, o.margin, self.combine, flag), span=o.span,
                    probability=o.probability, evidence=s.score, margin=o.margin, no_entity=flag)
            for s, o, flag in zip(head, outputs, flags)
        ]
        if len(read) > usual and max(s.score for s in read[:usual]) < self.threshold:
            read[usual:] = [replace(s, score=0.0) for s in read[usual:]]
        read.sort(key=best_first)
        if self.similarity is not None and asks_how_many(question):
            read = self._counting_the_asked(question, read, index)
        # What a read sentence may answer is judged before the re-read (a dropped one is not re-read) and after it
        # (its span may then lie in the sentence before).
        # The same checks run again after it: a re-read span may have left the sentence's figure.
        checks = self._checks(question, index)
        for check in checks:
            read = check(read)
        read = self._reread(question, read, index)
        for check in checks:
            read = check(read)
        read = self._the_whole_answer(question, read, index)
        kind = asked_name(question)
        if kind is not None:
            read = self._the_name(question, kind, read, index)
        return read + [replace(s, score=0.0) for s in tail]

    def _checks(self, question: str, index: IndexData) -> list[Callable[[list[ScoredSentence]], list[ScoredSentence]]]:
        """The checks of what a read sentence may answer that apply to ``question``, in the order they run.

        Another member of an asked family (:meth:`_another_member`), a figure
        of another kind than an amount of money, a market's level or a game's
        score (:meth:`_figure_of_the_kind`), the holder of the asked post at another
        body (:meth:`_another_holder`), a move the other way
        (:meth:`_the_asked_move`), a result still to come
        (:meth:`_no_result_yet`), the source of a report
        (:meth:`_not_the_source`) and a figure where a name is asked
        (:meth:`_a_name_not_a_figure`).
        """
        checks: list[Callable[[list[ScoredSentence]], list[ScoredSentence]]] = []
        families = asked_families(question)
        if families:
            checks.append(lambda read: self._another_member(question, read, index, families))
        figures = (money_spans if asks_money(question) else level_spans if asks_level(question)
                   else score_spans if asks_a_score(question) else None)
        if figures is not None:
            checks.append(lambda read: self._figure_of_the_kind(read, index, figures))
        if asked_post(question) is not None:
            checks.append(lambda read: self._another_holder(question, read, index))
        direction = asked_direction(question)
        if direction is not None:
            checks.append(lambda read: self._the_asked_move(read, index, direction))
        kinds = asks_a_name(question)
        if asks_a_result(question):
            checks.append(lambda read: self._no_result_yet(read, index))
            if kinds and self.entities is not None:
                checks.append(lambda read: self._a_named_result(question, read, index, kinds))
        if not asks_about_a_source(question):
            checks.append(lambda read: self._not_the_source(question, read, index))
        if kinds and self.entities is not None:
            checks.append(lambda read: self._a_name_not_a_figure(question, read, index, kinds))
        event = asked_event(question)
        if event:
            checks.append(lambda read: self._of_the_asked_event(event, read, index))
        return checks

    def _reread(self, question: str, read: list[ScoredSentence], index: IndexData) -> list[ScoredSentence]:
        """The best :attr:`rereads` read again by :attr:`span_reader`, its choice first; the rest as they were.

        Only when the first reader answers (its best reaches the threshold),
        and only candidates within :data:`REREAD_WITHIN` of its best: the
        refusal stays the first reader's, and the second reader (about 21 ms
        a sentence for the 12-layer one on two cores with VNNI, 72 ms with
        AVX2 alone) never runs on a refusal. Its choice leads with the first
        reader's best score (the scores keep their places, best first), so
        the answer's confidence does not change, and every re-read sentence
        keeps the second reader's span (its short answer is not looked for
        again).
        """
        if self.span_reader is None or self.rereads < 2 or not read or read[0].score < self.threshold:
            return read
        # A dropped "how many" (score 0) never leads, and one far below the best is not worth its time: the
        # 6-layer reader is sure there (offline, leaving those out kept all of the choice's gain, bench.cascade).
        floor = _logit(read[0].score) - REREAD_WITHIN
        head = [s for s in read[: self.rereads] if s.score > 0.0 and _logit(s.score) >= floor]
        if len(head) < 2:
            return read
        # One at a time: an int8 model quantizes a batch's activations together, so a sentence read beside
        # another scores differently from the same sentence read alone (0.38 against 0.23 for one lead);
        # alone, each re-read sentence gets the span it gets when it is the only lead (and no slower here).
        outputs = [self.span_reader.read([self.reader_input(question, s, index)])[0] for s in head]
        second = [answer_probability(o.probability, s.evidence or 0.0, o.margin, self.span_combine) for s, o in zip(head, outputs)]
        order = sorted(range(len(head)), key=lambda i: (-second[i], i))
        # The first reader's scores stay where they were, best first: only which sentence holds each changes.
        again = [replace(head[i], score=head[rank].score, span=outputs[i].span or head[i].span, reread=True)
                 for rank, i in enumerate(order)]
        return again + read[len(head):]

    def _counting_the_asked(self, question: str, read: list[ScoredSentence], index: IndexData,
                            checked: int = 3) -> list[ScoredSentence]:
        """Drop to score 0 each of the best ``checked`` whose figure counts another thing than the question's.

        A sentence that also gives a figure of the asked thing keeps its score
        and quotes that figure instead. Only the few that could lead are parsed (about 4 ms a sentence); a
        demoted sentence can still join a statement as the same claim.
        """
        similarity = self.similarity
        if similarity is None:
            return read
        out = list(read)
        for i, s in enumerate(read[:checked]):
            if s.span is None or s.score < self.threshold:
                continue
            if s.span.piece == "title":
                out[i] = self._counting_under_a_title(question, s, index, similarity)
                continue
            # a span in the sentence before is judged there: "…, forcing about 12,000 people to leave their homes."
            # then "The Ridge Fire has burned …" read for "How many people died?"
            found = self._counting_span(question, _spanned_text(s, index), s.span, similarity)
            if found is not s.span:  # another thing counted: quoted for the asked figure, else dropped
                out[i] = replace(s, score=0.0) if found is None else replace(
                    s, span=Span(s.span.piece, found.start, found.end, found.score))
        out.sort(key=best_first)
        return out

    def _counting_under_a_title(self, question: str, item: ScoredSentence, index: IndexData,
                                similarity: Callable[[str, str], float]) -> ScoredSentence:
        """A read sentence whose reader's figure lies in its article's title: the sentence's own figure of the asked
        thing becomes the span, and a sentence whose every figure counts another thing drops to score 0.

        A title is never quoted, so such a lead answers with its sentence
        alone: "Rival Eastline Motors said last month it would hire 2,000
        workers", read under the title "Northwind Motors to cut 4,500 jobs",
        had answered "How many jobs is Eastline cutting?" (the title's
        figure is Northwind's, the sentence's counts workers hired).
        """
        sentence = index.documents[item.doc_i].text[item.start : item.end]
        figure = self.counter.asked_figure(question, sentence, 0)
        if figure is not None:
            return replace(item, span=Span("sentence", *figure, item.span.score if item.span else 0.0))
        figures = [m.span() for m in _DIGITS.finditer(sentence)]
        if figures and all(self.counter.counts_other(question, sentence, a, b, similarity) for a, b in figures):
            return replace(item, score=0.0)
        return item

    @staticmethod
    def _another_member(question: str, read: list[ScoredSentence], index: IndexData,
                        families: list[Names]) -> list[ScoredSentence]:
        """Drop to score 0 each read sentence about another member of a family the question names.

        The families are numbered names (:mod:`rag._numbered`) and named
        events (:mod:`rag._events`): "The 2020 US Open" never answers "Who
        won the 2021 US Open?", nor the A380's first flight "When did the
        A400M first fly?", nor the French Open's champion "Who won the US
        Open?", however alike their words read to the reader. A dropped
        sentence can still join a statement as the same claim, as a "how
        many" drop can.
        """
        def another(item: ScoredSentence, names: Names) -> bool:
            sentence = index.documents[item.doc_i].text[item.start : item.end]
            before = sentence_before(index, item.row)
            if about_another(question, sentence, before, [names]):
                return True
            # The reader's words in the sentence before, about another member, and a quote of its own that names no
            # asked one: the answer would quote and cite that sentence ("the 777-200LR" for "the last Boeing 717").
            if item.span is None or item.span.piece != "before" or names_asked(question, sentence, names):
                return False
            row = index.neighbour(item.row, -1)
            return row is not None and about_another(question, before, sentence_before(index, row), [names])

        return _each_checked(read, lambda s: replace(s, score=0.0) if any(another(s, names) for names in families) else s)

    def _another_holder(self, question: str, read: list[ScoredSentence], index: IndexData) -> list[ScoredSentence]:
        """Each read sentence that names the holder of the asked post quotes that name; one whose span names the
        holder of the asked post at another body drops to score 0 (:mod:`rag._holders`).

        "Facebook CEO Mark Zuckerberg" never answers "Who is Nintendo's CEO?",
        nor "Eric Schmidt, former CEO of Google" "Who is Google's CEO?". But
        "Skyforge CEO Daniel Okoro will join Veltrix's board", read with the
        sentence before ("Veltrix Chief Executive Priya Natarajan said …"),
        answers "Who is the CEO of Skyforge?" with its own words, wherever the
        reader took them from. A sentence naming the post with no body
        ("Chief Executive Laura Mendes told analysts …") in an article whose
        title or lead names the asked body answers too, at the threshold at
        least: its words are the question's answer, though they share little
        with the question (:func:`rag._holders.implied_holder`). A dropped
        sentence can still join a statement as the same claim.
        """
        def checked(item: ScoredSentence) -> ScoredSentence:
            span = item.span
            if span is None or span.piece == "title" or item.score == 0.0:
                return item
            doc = index.documents[item.doc_i]
            sentence = doc.text[item.start : item.end]
            holder = asked_holder(question, sentence)
            implied = holder is None and item.score < self.threshold
            if implied:
                holder = implied_holder(question, sentence, f"{doc.title}\n{doc.text[:LEAD_CHARS]}")
            if holder is not None:
                score = max(item.score, self.threshold) if implied else item.score
                if span.piece == "sentence" and span.start < holder[1] and holder[0] < span.end:
                    return replace(item, score=score)  # the reader found that name: its bounds are the better
                return replace(item, score=score, span=Span("sentence", *holder, span.score), reread=True)
            return replace(item, score=0.0) if holds_another(question, _spanned_text(item, index), span.start, span.end) else item

        return _each_checked(read, checked)

    @staticmethod
    def _the_asked_move(read: list[ScoredSentence], index: IndexData, direction: str) -> list[ScoredSentence]:
        """For "how much did X fall / rise": a read span whose figure moved the other way (:mod:`rag._moves`) quotes
        the sentence's nearest figure that moved the asked way, or the sentence drops to score 0.

        "How much did Citigroup shares fall?" is never answered "9.7%" from
        "Citigroup gained 9.7%". A figure whose direction the words next to it
        do not give is left to the reader.
        """
        other = "up" if direction == "down" else "down"

        def checked(item: ScoredSentence) -> ScoredSentence:
            span = item.span
            if span is None or span.piece == "title" or item.score == 0.0:
                return item
            words = _spanned_text(item, index)
            if move_of(words, span.start, span.end) != other:
                return item
            asked = moves(words, direction)
            if not asked:
                return replace(item, score=0.0)
            a, b = min(asked, key=lambda found: (abs(found[0] - span.start), found[0]))
            return replace(item, span=Span(span.piece, a, b, span.score))

        return _each_checked(read, checked)

    def _the_whole_answer(self, question: str, read: list[ScoredSentence], index: IndexData) -> list[ScoredSentence]:
        """When the best answer gives in part what another answering sentence gives whole, that sentence leads instead.

        Two kinds of part. A date without its day or year ("July", "December
        10", "Thursday, Nov. 12", "August 2021") for a question asking or
        naming a time, completed by a date with day, month and year agreeing
        with every part (:func:`rag._dates.fuller_date`): "When was Splatoon 2
        released?" is answered "July 21, 2017" from "It was released on July
        21, 2017", not "July" from "Splatoon 2 release date slated for July".
        And a surname alone ("Musk") for a question asking who, when its own
        article never names the person in full (where it does,
        :func:`rag._entities.full_name` completes the words from there),
        completed by a sentence naming that person in full
        (:func:`rag._entities.fuller_name`: "Tesla CEO Elon Musk …").
        The best such sentence above the threshold leads, its whole date or
        name the span; the scores keep their places, best first (as the
        re-read's choice does), so whether the question is answered does not
        change.
        """
        lead = read[0] if read else None
        if lead is None or lead.span is None or lead.span.piece == "title" or lead.score < self.threshold:
            return read
        words = _spanned_text(lead, index)[lead.span.start : lead.span.end].strip(" ,;:")
        whole: Callable[[str], tuple[int, int] | None] | None = None
        if asks_about_time(question):
            whole = partial(fuller_date, words)
        elif (self.entities is not None and "PERSON" in name_labels(question) and lead.span.piece == "sentence"
              and fuller_name(words, index.documents[lead.doc_i].text, self.entities) is None):
            whole = partial(fuller_name, words, recognizer=self.entities)
        if whole is None:
            return read
        for k, item in enumerate(read[1:], start=1):
            if item.score < self.threshold:
                break
            found = whole(index.documents[item.doc_i].text[item.start : item.end])
            if found is not None:
                return _leads_instead(read, k, found)
        return read

    def _the_name(self, question: str, kind: str, read: list[ScoredSentence], index: IndexData) -> list[ScoredSentence]:
        """For a question asking the name of a kind of thing: the best read sentence that names one leads, the name its span.

        "What is the name of the drill?" is answered "Zapad/Interaction 2021"
        from "The “Zapad/Interaction 2021” drill is expected to take place …",
        not "combat terrorist forces" from a sentence about "this joint
        military drill" (:func:`rag._naming.names_of`). Only when the reader
        answers (its best reaches the threshold) and its own answer is not a
        name already (capitalised, or with the kind's word: "the 50 fund").
        The lead's sentence is looked in first, then each read sentence in
        turn, below the threshold too: the sentence that names a thing is
        often worded least like the question, which speaks of it by its kind.
        The scores keep their places, best first, so whether the question is
        answered does not change.
        """
        lead = read[0] if read else None
        if lead is None or lead.span is None or lead.span.piece == "title" or lead.score < self.threshold:
            return read
        if is_a_name(_spanned_text(lead, index)[lead.span.start : lead.span.end], kind):
            return read
        for k, item in enumerate(read):
            if item.score <= 0.0:  # not read, or dropped by a check
                break
            names = names_of(index.documents[item.doc_i].text[item.start : item.end], kind, known=question)
            if names:
                return _leads_instead(read, k, names[0])
        return read

    @staticmethod
    def _no_result_yet(read: list[ScoredSentence], index: IndexData) -> list[ScoredSentence]:
        """For a question asking who won or was chosen: each read sentence saying the result is still to come drops to 0.

        "The winner of the 2019 Maxwell Award will be announced as part of the
        Home Depot College Football Awards Show" names no winner
        (:func:`rag._pending.pending`); read for "Who is the Maxwell Award
        winner in 2019?" it had answered "Home Depot College Football".
        """
        return _each_checked(read, lambda s: replace(s, score=0.0)
                             if s.score > 0.0 and pending(index.documents[s.doc_i].text[s.start : s.end]) else s)

    def _a_named_result(self, question: str, read: list[ScoredSentence], index: IndexData,
                        kinds: frozenset[str]) -> list[ScoredSentence]:
        """For a question asking who or which won or was named: a read sentence whose words are only a description
        drops to score 0 when it names no one of an asked kind but the question's own.

        "Who won the French Presidential Election 2017?" read against "The
        2017 French presidential election remains the clearest failed attempt
        by …" had answered "the clearest failed attempt", and "Which movie won
        Best Picture at the 90th Academy Awards?" "love" from "Against all
        odds, love won out at the 90th Academy Awards"
        (:func:`rag._kinds.only_a_description`). A winner is named; a
        sentence that names none does not say who won. The span reader's words
        come first where they are no description, and a sentence that names
        someone of the asked kind keeps its words. Of SQuAD 1.1 dev's name
        questions asking a result, two gold answers are descriptions
        ("teachers", "inconclusively, with both sides withdrawing").
        """
        entities = self.entities
        if entities is None:
            return read

        def unnamed(item: ScoredSentence, text: str) -> ScoredSentence:
            return item if other_entities(question, text, entities.find([text])[0], kinds) else replace(item, score=0.0)

        return self._unless_the_span_reader_passes(question, read, index, _a_description, unnamed)

    @staticmethod
    def _of_the_asked_event(event: str, read: list[ScoredSentence], index: IndexData) -> list[ScoredSentence]:
        """Each read sentence whose article never says the event the question places its fact in ("in the storm",
        "after the earthquake": :func:`asked_event`) drops to score 0.

        In a folder of news, "… killing at least 42 people and injuring more
        than 300" (an earthquake) had answered "How many people were injured
        in the storm?", and "Governor Lisa Tran declared a state of emergency
        for Marlow County" (a wildfire) "Who declared a state of emergency
        after the earthquake?". The word may lie inside another ("quake" in
        "earthquake", "fire" in "wildfire"); the title counts. Only when some
        read sentence's article says it: news calls one event by several
        words ("the exercise", "the drills"), and the question may use
        another article's.
        """
        says: dict[int, bool] = {}
        for item in read:
            if item.score > 0.0 and item.doc_i not in says:
                doc = index.documents[item.doc_i]
                says[item.doc_i] = event in f"{doc.title}\n{doc.text}".casefold()
        if not any(says.values()):  # no article read says it: the question's word may be the articles' synonym
            return read
        return _each_checked(read, lambda s: replace(s, score=0.0) if s.score > 0.0 and not says[s.doc_i] else s)

    def _not_the_source(self, question: str, read: list[ScoredSentence], index: IndexData) -> list[ScoredSentence]:
        """Each read sentence whose answer is the source of its report ("according to X", "…, the department said")
        takes the span reader's words instead where those are not the source, and otherwise drops to score 0.

        "The fire started Monday near a hiking trail, according to the Los
        Angeles County Fire Department." read for "Who started the fire?" had
        answered the department, which only reported it
        (:func:`rag._attribution.quotes_the_source`). The 6-layer reader's
        words are a weak guess where the sentence answers: for "Who suffered
        minor injuries?" it took "the department" from "Two firefighters
        suffered minor injuries, …, the department said", where the 12-layer
        reader takes "Two firefighters". A dropped sentence can still join a
        statement as the same claim, as a "how many" drop can.
        """
        return self._unless_the_span_reader_passes(question, read, index, partial(_the_source, question),
                                                   lambda item, text: replace(item, score=0.0))

    def _unless_the_span_reader_passes(
        self, question: str, read: list[ScoredSentence], index: IndexData, wrong: Callable[[str, Span], bool],
        otherwise: Callable[[ScoredSentence, str], ScoredSentence],
    ) -> list[ScoredSentence]:
        """Each read sentence whose words are ``wrong`` (given the text they are in and their span) takes the span
        reader's words where those are not, and else becomes ``otherwise(item, text)``.

        The 6-layer reader's words are a weak guess where a sentence
        answers, so before a check drops a sentence over them the span
        reader reads that sentence alone: one 12-layer read, for such
        sentences only. Its words, where they pass, are final.
        """
        def checked(item: ScoredSentence) -> ScoredSentence:
            span = item.span
            if span is None or span.piece == "title" or item.score == 0.0:
                return item
            text = _spanned_text(item, index)
            if not wrong(text, span):
                return item
            if self.span_reader is not None and not item.reread:
                again = self.span_reader.read([self.reader_input(question, item, index)])[0].span
                if again is not None and again.piece != "title":
                    reread = replace(item, span=again, reread=True)
                    if not wrong(_spanned_text(reread, index), again):
                        return reread
            return otherwise(item, text)

        return _each_checked(read, checked)

    def _a_name_not_a_figure(self, question: str, read: list[ScoredSentence], index: IndexData,
                             kinds: frozenset[str]) -> list[ScoredSentence]:
        """For a question asking a name ("who", "which city"): a read span that is only a figure or a date quotes the
        nearest name of an asked kind in its sentence instead, and a sentence with none drops to score 0.

        "Who is the lead actress in La La Land?" read against "La La Land
        (2016) cast and crew credits, including actors, actresses …" had
        answered "2016" (:func:`rag._kinds.only_a_figure`). The span
        reader's words come first where they are no figure; the question's
        own names do not count. Only such a span's sentence is read by the
        recognizer, so other questions cost nothing. The new span is final
        (the span reader does not read it again).
        """
        entities = self.entities
        if entities is None:
            return read

        def named(item: ScoredSentence, text: str) -> ScoredSentence:
            span = item.span
            names = other_entities(question, text, entities.find([text])[0], kinds)
            if span is None or not names:
                return replace(item, score=0.0)
            near = min(names, key=lambda e: (abs(e.start - span.start), e.start))
            return replace(item, span=Span(span.piece, near.start, near.end, span.score), reread=True)

        return self._unless_the_span_reader_passes(question, read, index, _a_figure, named)

    @staticmethod
    def _figure_of_the_kind(read: list[ScoredSentence], index: IndexData,
                            figures: Callable[[str], list[tuple[int, int]]]) -> list[ScoredSentence]:
        """For a question asking a kind of figure: each read span that is none of ``figures`` quotes the nearest of its
        sentence instead, and a sentence with none drops to score 0.

        The kinds are an amount of money (:func:`rag._money.money_spans` for
        :func:`rag._money.asks_money`), a market's level
        (:func:`rag._levels.level_spans` for :func:`rag._levels.asks_level`)
        and a game's score (:func:`rag._kinds.score_spans` for
        :func:`rag._kinds.asks_a_score`): "How much did Edison offer Tesla?" is
        never answered "1885" or "Tesla", "What was Tesla's revenue?" "184,877
        vehicles", "Where did the Nikkei close?" "1.4%", nor "What was the score
        of the final?" "18,250" (the crowd). A span in the sentence before looks for the
        figure there first. A sentence with none whose next sentence gives one
        hands its score to that sentence, its first figure the span: news
        often says what happened, then the figure ("The FTSE 100 closed at its
        highest in over a year." then "… to finish the day at a level of
        5,210.17"). A dropped sentence can still join a statement as the same
        claim, as a "how many" drop can.
        """
        def checked(item: ScoredSentence) -> ScoredSentence:
            span = item.span
            if span is None or span.piece == "title" or item.score == 0.0:
                return item
            pieces = [("sentence", index.documents[item.doc_i].text[item.start : item.end])]
            if span.piece == "before":
                pieces.insert(0, ("before", _spanned_text(item, index)))
            if any(a < span.end and span.start < b for a, b in figures(pieces[0][1])):
                return item
            for piece, words in pieces:
                amounts = figures(words)
                if amounts:
                    near = span.start if piece == span.piece else 0
                    a, b = min(amounts, key=lambda amount: (abs(amount[0] - near), amount[0]))
                    return replace(item, span=Span(piece, a, b, span.score))
            after = index.neighbour(item.row, 1)
            amounts = figures(index.sentence_text(after)) if after is not None else []
            if amounts:  # "The FTSE closed at its highest in a year. … to finish at 5,210.17": the next one answers
                _, start, end = (int(v) for v in index.sentence_rows[after])
                return replace(item, row=after, start=start, end=end, span=Span("sentence", *amounts[0], span.score))
            return replace(item, score=0.0)

        out = _each_checked(read, checked)
        rows: set[int] = set()
        kept = []
        for item in out:  # a sentence handed a score may have been read itself: it counts once, at its best
            if item.row not in rows:
                rows.add(item.row)
                kept.append(item)
        return kept

    def _counting_span(self, question: str, sentence: str, span: Span, similarity: Callable[[str, str], float]) -> Span | None:
        """``span`` unless its figure counts another thing than "how many" asks; then the sentence's asked figure, or ``None``.

        The sentence may still give the asked figure ("677 orders from 47
        customers", read as "47"): its words become the span.
        """
        if not self.counter.counts_other(question, sentence, span.start, span.end, similarity):
            return span
        figure = self.counter.asked_figure(question, sentence, span.start)
        return None if figure is None else Span("sentence", *figure, span.score)

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
    def reader_input(question: str, item: ScoredSentence, index: IndexData) -> ReaderInput:
        """What the reader is shown of ``item``: the question, the sentence, the sentence before and a title that adds something."""
        doc = index.documents[item.doc_i]
        before = sentence_before(index, item.row)
        sentence = doc.text[item.start : item.end]
        # A title made from the text's first sentence repeats what the reader sees anyway, and
        # the same words twice read to it as a match: show only a title that adds something. A
        # title cut from a long first line ("…") is the opening of a paragraph, not a headline.
        title = doc.title.rstrip("…").strip()
        cut = doc.title.endswith("…") and " ".join(doc.text[: 2 * len(title) + 16].split()).startswith(title)
        if title and (cut or title in sentence or title in before or sentence in title):
            title = ""
        return ReaderInput(question, sentence, before, title)


# A figure written in digits ("2,000", "4.5"): what a sentence may count.
_DIGITS = re.compile(r"\d[\d,.]*\d|\d")
# How much of an article's opening is its lead: where a report names the body its people's posts belong to.
LEAD_CHARS = 400


# The event a question places its fact in: "injured in the storm", "after the earthquake", "at the final".
_ASKED_EVENT = re.compile(r"\b(?:in|during|after|since|from|at|by|because\s+of)\s+(?:the|this|that|a|an)\s+([a-z]+)\s*\??$",
                          re.IGNORECASE)
_NOT_AN_EVENT = frozenset("season year week month day quarter time period past future end start beginning world country "
                          "city region area company game moment".split())


def asked_event(question: str) -> str | None:
    """The common noun of the event a question's last words place it in, lower case ("… in the storm?": "storm")."""
    found = _ASKED_EVENT.search(question.strip())
    if found is None or found.group(1)[0].isupper():
        return None
    word = found.group(1).casefold()
    return None if word in _NOT_AN_EVENT or len(word) < 4 else word


def _leads_instead(read: list[ScoredSentence], k: int, span: tuple[int, int]) -> list[ScoredSentence]:
    """``read`` with its ``k``-th sentence leading, ``span`` (offsets in that sentence) its short answer.

    The scores keep their places, best first: the new lead takes the old
    lead's score and the old lead the new one's, so whether the question is
    answered does not change. ``k`` may be 0 (the lead quotes other words).
    """
    lead, item = read[0], read[k]
    # Marked as re-read: the span reader never replaces the span a rule chose (ExtractiveAnswerer._respanned).
    spanned = replace(item, score=lead.score, span=Span("sentence", *span, item.span.score if item.span else 0.0),
                      reread=True)
    if k == 0:
        return [spanned] + read[1:]
    return [spanned] + read[1:k] + [replace(lead, score=item.score)] + read[k + 1 :]


def _the_source(question: str, text: str, span: Span) -> bool:
    """Whether the words at ``span`` in ``text`` are the source of its report (:func:`rag._attribution.quotes_the_source`)."""
    return quotes_the_source(question, text, span.start, span.end)


def _a_figure(text: str, span: Span) -> bool:
    """Whether the words at ``span`` in ``text`` are only a figure or a date (:func:`rag._kinds.only_a_figure`)."""
    return only_a_figure(text[span.start : span.end])


def _a_description(text: str, span: Span) -> bool:
    """Whether the words at ``span`` in ``text`` name nothing (:func:`rag._kinds.only_a_description`)."""
    return only_a_description(text[span.start : span.end])


def _wrong_words(question: str, text: str, span: Span) -> bool:
    """Whether a lead's words (at ``span`` in ``text``) fail a read check that the span reader's words may fail too.

    Its source (:func:`_the_source`), or a figure where a name is asked (:func:`_a_figure`).
    """
    return _the_source(question, text, span) or (bool(asks_a_name(question)) and _a_figure(text, span))


def _each_checked(read: list[ScoredSentence], checked: Callable[[ScoredSentence], ScoredSentence]) -> list[ScoredSentence]:
    """``checked`` applied to each read sentence, best first again (a check may drop one to score 0 or move its span)."""
    return sorted((checked(s) for s in read), key=best_first)


def _given_way(scored: list[ScoredSentence], row: int) -> list[ScoredSentence]:
    """``scored`` with the sentence at ``row`` dropped to score 0, best first: a lead whose words answer nothing gives way."""
    return sorted((replace(s, score=0.0) if s.row == row else s for s in scored), key=best_first)


def _spanned_text(item: ScoredSentence, index: IndexData) -> str:
    """The text ``item``'s span offsets point into: the sentence before for a span there, else the sentence."""
    if item.span is not None and item.span.piece == "before":
        return sentence_before(index, item.row)
    return index.documents[item.doc_i].text[item.start : item.end]
