"""Rebuild articles/ from the SemEval-2015 Task 4 TimeLine data (English Wikinews articles).

    python bench/data/news-dated/convert.py PATH/TO/SemEval2015-Task4-TimeLine

PATH holds ``SemEval_Task4_data/corpus_{1,2,3}/corpus_trackA_TimeML/*.tml`` and
``Corpus-trial-data_task4_TimeML/*.tml`` (a copy is in the GitHub repository
qiangning/StructTempRel-EMNLP17 under data/SemEval2015-Task4-TimeLine). Each
TimeML file is one Wikinews article, tokenized: its sentences are joined and
the tokenizer's spaces around punctuation are taken out again by rule. The
publication date is the article's own date line (its second sentence) where
it has one, else the file's document creation time. Not run by the benchmark.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"), start=1)}
_DATE_LINE = re.compile(r"^([A-Z][a-z]+) (\d{1,2}) , (\d{4})$")


def detokenize(text: str) -> str:
    """Undo the corpus's tokenization of one sentence, double quotes aside.

    "Boeing 's US$ 40 billion ( GB # 20.1 billion ) ." -> "Boeing's US$40 billion (GB£20.1 billion)."
    """
    text = text.replace("``", '"').replace("''", '"')
    text = re.sub(r"` ([^`']*?) '", r"'\1'", text)  # `Black Monday ' -> 'Black Monday'
    text = re.sub(r"(?<=[\w.]) (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)
    text = re.sub(r"(?<=\w)' (ll|s|re|ve|d|m)\b", r"'\1", text)
    text = re.sub(r"(?<=\w) ' (ll|s|re|ve|d|m|t)\b", r"'\1", text)  # Apple ' s -> Apple's
    text = re.sub(r"(?<=\ws) ' (?=\w)", "' ", text)  # Airbus ' massive -> Airbus' massive
    text = re.sub(r"((?:US|A|C|NZ|HK|S)?)\$ (?=\d)", r"\1$", text)
    text = re.sub(r"(GB ?)?# (?=\d)", lambda m: ("GB" if m.group(1) else "") + "£", text)
    text = re.sub(r"(£|€|¥) (?=\d)", r"\1", text)
    text = re.sub(r" ([,.;:!?%)\]])", r"\1", text)
    text = re.sub(r"([(\[]) ", r"\1", text)
    return " ".join(text.split())


def join_quoted(sentences: list[str]) -> str:
    """Sentences as paragraphs, each double quote glued to the words it encloses.

    A quotation that runs over several sentences keeps them in one paragraph.
    """
    out, open_quote = "", False
    for n, sentence in enumerate(sentences):
        if n:
            out += " " if open_quote else "\n\n"
        parts = sentence.split('"')
        piece = parts[0]
        for part in parts[1:]:
            open_quote = not open_quote
            piece = (piece + '"' + part.lstrip()) if open_quote else (piece.rstrip() + '"' + part)
        out += piece.strip() if not open_quote else piece.lstrip()
    return re.sub(r"[ \t]+", " ", out).strip()


def _sentences(markup: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", s)) for s in re.findall(r'<s id="\d+">(.*?)</s>', markup, re.S)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70].rstrip("-")


def convert(root: Path, out: Path) -> int:
    files = sorted(root.glob("SemEval_Task4_data/corpus_*/corpus_trackA_TimeML/*.tml"))
    files += sorted(root.glob("Corpus-trial-data_task4_TimeML/*.tml"))
    out.mkdir(parents=True, exist_ok=True)
    for path in files:
        markup = path.read_text(encoding="utf-8")
        page = re.search(r"<DOCID>(.*?)</DOCID>", markup).group(1).strip()
        dct = re.search(r'functionInDocument="CREATION_TIME"[^>]*value="([^"]+)"', markup).group(1)
        sentences = _sentences(markup)
        extra = re.search(r"<EXTRAINFO>(.*?)</EXTRAINFO>", markup, re.S)
        title = detokenize(html.unescape(extra.group(1)) if extra else sentences[0])
        body = sentences[1:] if detokenize(sentences[0]) == title else sentences
        published = dct if re.fullmatch(r"\d{4}-\d{2}-\d{2}", dct) else None
        line = _DATE_LINE.match(body[0].strip()) if body else None
        if line and line.group(1).lower() in MONTHS:
            published = f"{line.group(3)}-{MONTHS[line.group(1).lower()]:02d}-{int(line.group(2)):02d}"
            body = body[1:]
        if published is None:
            raise SystemExit(f"{path}: no publication date")
        trial = "Corpus-trial" in str(path)
        # The three test corpora's DOCID is the Wikinews page id; the trial corpus's is not, so its URL is by title.
        url = ("https://en.wikinews.org/wiki/" + title.replace(" ", "_")) if trial else f"https://en.wikinews.org/wiki/?curid={page}"
        paragraphs = join_quoted([detokenize(s) for s in body])
        text = (f"---\ntitle: {title}\npublished: {published}\noutlet: Wikinews\nurl: {url}\n"
                f"licence: CC BY 2.5, Wikinews contributors\n---\n# {title}\n\n{paragraphs}\n")
        (out / f"{_slug(title)}.md").write_text(text, encoding="utf-8")
    return len(files)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(convert(Path(sys.argv[1]), HERE / "articles"), "articles")
