"""Dates in news: publication-date extraction accuracy, and a temporal question set.

    python -m bench.dates                 # both parts (about a minute)
    python -m bench.dates --articles 300  # the extraction set's size

**Extraction.** Real news text (RGB's passages, one per file, without the search engine's
"Feb 7, 2021 ..." snippet date) is written
into files of every encoding the loader reads, each with a known, seeded
publication date written the way that encoding writes it: HTML meta tags,
JSON-LD, a ``<time>`` element or only the URL; JSON ``published``/``date``/
``publishedAt`` in ISO or prose; front matter; a "Published …" line; a
"By … | date" line; a wire dateline. A further share is written with no
date at all (its text may still mention dates in prose, which are not
publication dates). Every file's modification time is set to an unrelated
day, which must never be taken. Reported: accuracy per encoding, and how
often an undated file got a date anyway.

**Temporal questions.** Dated articles report the same kind of event for
the same subject in different years (a festival's visitors, a carmaker's
recall, a marathon's winner …), each year with its own figure or name.
Questions ask for one year ("… in 2023?"), for the latest, as of a date
between two reports (``as_of``), or with no time cue. An answer is right
when its first citation is the article the question means and the answer
holds its value. Each is asked twice with ``ask()``: over the articles as
written, and over the same articles with their dates removed (the
baseline: what the product did before it knew publication dates).

Writes ``bench/results/dates.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from rag import Assistant, load_paths
from rag.evaluation import write_atomic

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


_SNIPPET_DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4} \.\.\. ")  # a search engine's page date, not article text


def _rgb_texts(path: Path) -> list[str]:
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for passage in row.get("positive", []) + row.get("negative", []):
            if isinstance(passage, str) and len(passage) > 80:
                texts.append(_SNIPPET_DATE.sub("", " ".join(passage.split())))
    return list(dict.fromkeys(texts))


def _prose(day: date, rng: random.Random) -> str:
    month = MONTHS[day.month - 1]
    return rng.choice((
        f"{month} {day.day}, {day.year}", f"{day.day} {month} {day.year}", f"{month[:3]}. {day.day}, {day.year}",
        f"{day.day} {month[:3]} {day.year}",
    ))


def _title(text: str) -> str:
    return " ".join(text.split()[:8]).rstrip(".,;:") or "Untitled"


ENCODINGS = (
    "html-meta", "html-jsonld", "html-time", "html-url", "json-iso", "json-prose", "jsonl-published-at",
    "md-front-matter", "txt-published-line", "txt-byline", "txt-dateline", "undated-txt", "undated-html",
)


def _write(folder: Path, n: int, text: str, encoding: str, day: date, rng: random.Random) -> None:
    """One file of ``encoding`` whose publication date is ``day`` (ignored for the undated ones)."""
    title = _title(text)
    iso, prose = day.isoformat(), _prose(day, rng)
    host = rng.choice(("news.example.com", "www.daily.example.org", "wire.example.net"))
    body = f"<article><h1>{title}</h1><p>{text}</p></article>"
    if encoding == "html-meta":
        head = f'<meta property="article:published_time" content="{iso}T{rng.randint(0, 23):02d}:15:00Z">'
        content = f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"
    elif encoding == "html-jsonld":
        ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": iso})
        content = f'<html><head><title>{title}</title><script type="application/ld+json">{ld}</script></head><body>{body}</body></html>'
    elif encoding == "html-time":
        content = (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                   f'<time datetime="{iso}" class="published">{prose}</time><p>{text}</p></article></body></html>')
    elif encoding == "html-url":
        url = f"https://{host}/world/{day.year}/{day.month:02d}/{day.day:02d}/story-{n}.html"
        content = f'<html><head><title>{title}</title><link rel="canonical" href="{url}"></head><body>{body}</body></html>'
    elif encoding == "undated-html":
        content = f"<html><head><title>{title}</title></head><body>{body}</body></html>"
    elif encoding == "json-iso":
        content = json.dumps({"title": title, "text": text, "published": f"{iso}T08:00:00+02:00"})
    elif encoding == "json-prose":
        content = json.dumps({"title": title, "text": text, "date": prose})
    elif encoding == "jsonl-published-at":
        content = json.dumps({"title": title, "text": text, "publishedAt": f"{iso}T08:00:00Z", "source": {"name": "Wire"}}) + "\n"
    elif encoding == "md-front-matter":
        content = f"---\ntitle: {title}\ndate: {iso}\n---\n# {title}\n\n{text}\n"
    elif encoding == "txt-published-line":
        content = f"{title}\n{rng.choice(('Published', 'Published:', 'Updated'))} {prose}\n\n{text}\n"
    elif encoding == "txt-byline":
        content = f"{title}\nBy {rng.choice(('Ana Silva', 'Lee Park', 'Dana Reyes'))} | {prose}\n\n{text}\n"
    elif encoding == "txt-dateline":
        city = rng.choice(("LONDON", "NEW DELHI", "SAO PAULO", "NAIROBI"))
        content = f"{title}\n\n{city}, {prose} ({rng.choice(('Reuters', 'AP', 'AFP'))}) - {text}\n"
    else:  # undated-txt
        content = f"{title}\n\n{text}\n"
    suffixes = {"html": ".html", "json": ".json", "jsonl": ".jsonl", "md": ".md", "txt": ".txt"}
    suffix = suffixes[encoding.split("-")[-1] if encoding.startswith("undated") else encoding.split("-")[0]]
    path = folder / f"doc-{n:04d}-{encoding}{suffix}"
    path.write_text(content, encoding="utf-8")
    os.utime(path, (1_000_000_000, 1_000_000_000))  # 2001-09-09: a file time that must never be the date


def extraction(rgb: Path, articles: int, seed: int) -> dict:
    rng = random.Random(seed)
    texts = _rgb_texts(rgb)
    rng.shuffle(texts)
    expected: dict[str, tuple[str, str | None]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in range(articles):
            encoding = ENCODINGS[n % len(ENCODINGS)]
            day = date(2015, 1, 1) + timedelta(days=rng.randrange(365 * 10))
            _write(folder, n, texts[n % len(texts)], encoding, day, rng)
            expected[f"doc-{n:04d}-{encoding}"] = (encoding, None if encoding.startswith("undated") else day.isoformat())
        found = {d.id: d.published for d in load_paths([folder]).documents}
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for doc_id, (encoding, day) in expected.items():
        total[encoding] += 1
        got = found.get(doc_id, "not loaded")
        if got == day:
            right[encoding] += 1
        elif len(misses) < 10:
            misses.append({"id": doc_id, "expected": day, "found": got})
    dated = [e for e in ENCODINGS if not e.startswith("undated")]
    return {
        "files": articles,
        "per_encoding": {e: {"files": total[e], "correct": right[e], "accuracy": round(right[e] / max(1, total[e]), 4)} for e in ENCODINGS},
        "dated_accuracy": round(sum(right[e] for e in dated) / max(1, sum(total[e] for e in dated)), 4),
        "undated_given_a_date": round(sum(total[e] - right[e] for e in ENCODINGS if e.startswith("undated"))
                                      / max(1, sum(total[e] for e in ENCODINGS if e.startswith("undated"))), 4),
        "file_time_used": sum(1 for v in found.values() if v == "2001-09-09"),
        "misses": misses,
    }


@dataclass(frozen=True)
class _Story:
    """One kind of recurring event: how an article reports it and how a question asks for it."""

    kind: str
    subjects: tuple[str, ...]
    values: tuple[str, ...]
    article: tuple[str, ...]  # sentence templates: {subject}, {value}, {other}
    question: str


STORIES = (
    _Story("festival", ("Harbour Music", "Riverside Jazz", "Old Town Film"),
           ("38,000", "41,500", "47,200", "52,900", "29,300", "33,800", "36,100", "44,600", "12,400", "15,900", "18,250", "21,700"),
           ("The {subject} festival drew {value} visitors over three days, organisers said on Sunday.",
            "Tickets sold out two weeks before the opening night, and {other} stalls lined the waterfront."),
           "How many visitors did the {subject} festival draw?"),
    _Story("recall", ("Norvik Motors", "Castell Auto", "Pemberton Cars"),
           ("120,000", "310,000", "45,000", "870,000", "62,000", "154,000", "230,000", "18,500", "96,000", "410,000", "75,500", "1.1 million"),
           ("{subject} is recalling {value} vehicles because a fault can cause the brakes to fail, the company said.",
            "Dealers will repair the cars free of charge, and owners will be contacted by mail over {other} weeks."),
           "How many vehicles is {subject} recalling?"),
    _Story("marathon", ("Lakeside", "Capital City", "Northern Coast"),
           ("Amara Okafor", "Lena Brandt", "Sofia Marquez", "Hana Sato", "Grace Mwangi", "Elif Demir", "Maya Cohen", "Ines Duarte",
            "Priya Nair", "Olga Petrova", "Chloe Martin", "Zara Ahmed"),
           ("{value} won the {subject} marathon, crossing the line in two hours and {other} minutes.",
            "Thousands of spectators lined the route despite the rain, organisers said."),
           "Who won the {subject} marathon?"),
    _Story("budget", ("Westbridge", "Halden", "Marlow Bay"),
           ("$412 million", "$455 million", "$498 million", "$530 million", "$120 million", "$133 million", "$141 million", "$156 million",
            "$1.2 billion", "$1.35 billion", "$1.41 billion", "$1.5 billion"),
           ("The {subject} city council approved a budget of {value} for the coming year on Tuesday.",
            "Council members debated for {other} hours before the vote, focusing on roads and schools."),
           "How large is the budget the {subject} city council approved?"),
    _Story("strike", ("port workers", "rail drivers", "hospital nurses"),
           ("4,200", "6,800", "9,100", "3,300", "12,000", "15,500", "8,700", "11,200", "2,900", "5,400", "7,600", "10,300"),
           ("About {value} {subject} walked off the job on Monday in a dispute over pay, the union said.",
            "The strike is expected to last {other} days unless talks resume."),
           "How many {subject} went on strike?"),
    _Story("mayor", ("Westbridge", "Halden", "Marlow Bay"),
           ("Daniel Reyes", "Miriam Holt", "Oscar Lindqvist", "Teresa Vidal", "Samuel Okoro", "Julia Brennan", "Viktor Hale",
            "Nadia Farouk", "Peter Ansel", "Rosa Kim", "Tomas Varga", "Helen Achebe"),
           ("{value} won the {subject} mayoral election with {other} percent of the vote, officials said.",
            "Turnout was higher than at the previous election, the election office said."),
           "Who won the {subject} mayoral election?"),
)
YEARS = (2022, 2023, 2024, 2025)


@dataclass(frozen=True)
class _Question:
    question: str
    gold_doc: str
    value: str
    cue: str
    as_of: str | None = None


def _temporal_corpus(folder: Path, undated: Path, seed: int) -> list[_Question]:
    """Write the dated articles to ``folder`` (and the same without dates to ``undated``); return the questions."""
    rng = random.Random(seed)
    questions: list[_Question] = []
    for story in STORIES:
        for s, subject in enumerate(story.subjects):
            docs = []
            for y, year in enumerate(YEARS):
                day = date(year, rng.randint(2, 11), rng.randint(1, 28))
                value = story.values[s * len(YEARS) + y]
                doc_id = f"{story.kind}-{s}-{year}"
                text = " ".join(t.format(subject=subject, value=value, other=rng.randint(3, 40)) for t in story.article)
                record = {"id": doc_id, "title": f"{subject}: {story.kind} {year}".title(), "published": day.isoformat(),
                          "outlet": rng.choice(("City Herald", "Wire Service", "Regional Times")), "text": text}
                write_atomic(folder / f"{doc_id}.json", json.dumps(record))
                write_atomic(undated / f"{doc_id}.json", json.dumps({k: v for k, v in record.items() if k != "published"}))
                docs.append((doc_id, day, value))
            asked = story.question.format(subject=subject)
            for doc_id, day, value in docs:
                questions.append(_Question(asked.rstrip("?") + f" in {day.year}?", doc_id, value, "in YEAR"))
            newest = docs[-1]
            latest = "In the latest report, " + asked[0].lower() + asked[1:]
            questions.append(_Question(latest, newest[0], newest[2], "latest"))
            for (doc_id, day, value), (_, following, _) in list(zip(docs, docs[1:]))[:2]:
                between = day + (following - day) // 2
                questions.append(_Question(asked, doc_id, value, "as_of", between.isoformat()))
            questions.append(_Question(asked, newest[0], newest[2], "no cue"))
    return questions


def temporal(seed: int, *, failures: int = 0) -> dict:
    from rag.evaluation import answer_contained

    with tempfile.TemporaryDirectory() as tmp:
        dated, undated = Path(tmp) / "dated", Path(tmp) / "undated"
        dated.mkdir()
        undated.mkdir()
        questions = _temporal_corpus(dated, undated, seed)
        assistants = {}
        for name, folder in (("with_dates", dated), ("dates_ignored", undated)):
            Assistant(Path(tmp) / name).index([folder])
            assistants[name] = Assistant.load(Path(tmp) / name)
        right: dict[str, Counter[str]] = {name: Counter() for name in assistants}
        asked: Counter[str] = Counter()
        missed = []
        for q in questions:
            asked[q.cue] += 1
            for name, assistant in assistants.items():
                answer = assistant.ask(q.question, as_of=q.as_of, include_undated=True)
                ok = _right(answer, q, answer_contained)
                right[name][q.cue] += ok
                if not ok and name == "with_dates" and len(missed) < failures:
                    missed.append({"question": q.question, "as_of": q.as_of, "gold": q.gold_doc, "answer": answer.text[:160],
                                   "cited": [c.doc_id for c in answer.citations]})
    cues = ("in YEAR", "latest", "as_of", "no cue")
    table = {cue: {"questions": asked[cue], **{name: round(right[name][cue] / asked[cue], 4) for name in assistants}} for cue in cues}
    total = sum(asked.values())
    table["all"] = {"questions": total, **{name: round(sum(right[name].values()) / total, 4) for name in assistants}}
    return {"articles": len(STORIES) * 3 * len(YEARS), "per_cue": table, "missed": missed}


def _right(answer, question: _Question, contained) -> bool:  # type: ignore[no-untyped-def]
    if answer.refused or not answer.citations:
        return False
    return answer.citations[0].doc_id == question.gold_doc and bool(contained(answer.text, [question.value]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dates", description=__doc__.splitlines()[0])
    parser.add_argument("--rgb", type=Path, default=SHARED / "rgb-en-fact.jsonl")
    parser.add_argument("--articles", type=int, default=390, help="files in the extraction set")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if not args.rgb.is_file():
        print(f"error: {args.rgb} not found: pass RGB's JSONL with --rgb", file=sys.stderr)
        return 2
    result = {
        "command": "python -m bench.dates " + " ".join(argv if argv is not None else sys.argv[1:]),
        "extraction": extraction(args.rgb, args.articles, args.seed),
        "temporal": temporal(args.seed, failures=10),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out / "dates.json", json.dumps(result, indent=2) + "\n")
    ex = result["extraction"]
    print(f"date extraction: {ex['files']} files, dated accuracy {ex['dated_accuracy']:.3f}, "
          f"undated given a date {ex['undated_given_a_date']:.3f}, file time used {ex['file_time_used']}")
    for encoding, row in ex["per_encoding"].items():
        print(f"  {encoding:20s} {row['correct']:4d}/{row['files']:<4d} {row['accuracy']:.3f}")
    print("temporal questions (first citation is the right article and holds its value):")
    for cue, row in result["temporal"]["per_cue"].items():
        print(f"  {cue:8s} {row['questions']:4d}  with dates {row['with_dates']:.3f}  dates ignored {row['dates_ignored']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
