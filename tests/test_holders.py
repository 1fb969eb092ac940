"""Who holds a post, and of what: the holder of the asked post at another body never answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import MiniLMEmbeddings
from rag._holders import Asked, Held, asked_holder, asked_post, holds_another, implied_holder, post_held
from tests.helpers import indexed, news_pages


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Who is Nintendo's CEO?", Asked("CEO", "Nintendo", True)),
        ("Who is the CEO of Lego in 2021?", Asked("CEO", "Lego", True)),
        ("Who is the chief executive of General Motors?", Asked("chief executive", "General Motors", True)),
        ("Who was the founder of the Oracle Corporation?", Asked("founder", "Oracle Corporation", False)),
        ("Who is the new head coach of the Denver Broncos?", Asked("head coach", "Denver Broncos", True)),
        ("Who is the Tesla CEO?", Asked("CEO", "Tesla", True)),
        ("Who was RCA president in 1942?", Asked("president", "RCA", False)),
        ("Who is the president of the university?", None),  # no proper name to compare
        ("WHO IS THE CEO OF APPLE?", Asked("CEO", "APPLE", True)),
        ("Who’s the chief   executive of Apple?", Asked("chief executive", "Apple", True)),
        ("Who was Apple's CEO in 2010?", Asked("CEO", "Apple", False)),
        ("Who was the former CEO of Google?", None),  # a former holder is what is asked
        ("Who won the 2018 World Cup?", None),
        ("Who replaced Steve Jobs as Apple's CEO?", None),
        # a post asked by its verb: who holds it now
        ("Who coaches the Lakeside Owls?", Asked("coaches", "Lakeside Owls", True)),
        ("Who runs Tesla?", Asked("runs", "Tesla", True)),
        ("Who currently heads the World Bank?", Asked("heads", "World Bank", True)),
        ("Who runs the company?", None),  # no proper name
        ("Who scored the winner for the Hawks?", None),
    ],
)
def test_asked_post(question: str, asked: Asked | None) -> None:
    assert asked_post(question) == asked


@pytest.mark.parametrize(
    ("sentence", "name", "held"),
    [
        ("Facebook CEO Mark Zuckerberg should step down.", "Mark Zuckerberg", Held("Facebook", False)),
        ("Nintendo's CEO Doug Bowser travelled to Venezuela.", "Doug Bowser", Held("Nintendo", False)),
        ("Eric Schmidt, former CEO of Google, spoke.", "Eric Schmidt", Held("Google", True)),
        ("Musk, the founder and CEO of SpaceX and Tesla, sold shares.", "Musk", Held("SpaceX and Tesla", False)),
        ("Abigail Johnson is the new CEO of Fidelity Investments.", "Abigail Johnson", Held("Fidelity Investments", False)),
        ("Players re-elected JC Tretter as president of the NFL Players Association.", "JC Tretter",
         Held("NFL Players Association", False)),
        ("New Vanguard CEO Tim Buckley warned investors.", "Tim Buckley", Held("Vanguard", False)),
        ("Mark Zuckerberg spoke on Monday.", "Mark Zuckerberg", None),
        ("Former Google chief executive Eric Schmidt spoke.", "Eric Schmidt", Held("Google", True)),
        ("Bank of America's CEO Brian Moynihan spoke.", "Brian Moynihan", Held("Bank of America", False)),
        ("Google’s former chief executive Eric Schmidt spoke.", "Eric Schmidt", Held("Google", True)),
        ("Tim Cook, the chief executive of Apple Inc., spoke.", "Tim Cook", Held("Apple Inc", False)),
        ("The chief executive, Mary Barra, spoke.", "Mary Barra", None),
    ],
)
def test_post_held(sentence: str, name: str, held: Held | None) -> None:
    start = sentence.index(name)
    assert post_held(sentence, start, start + len(name)) == held


@pytest.mark.parametrize(
    ("question", "sentence", "name", "another"),
    [
        # another body, or a body of its own beside the asked one
        ("Who is Nintendo's CEO?", "Facebook CEO Mark Zuckerberg should step down.", "Mark Zuckerberg", True),
        ("Who is the CEO of Lego in 2021?", "Anne-Birgitte Albrectsen is the CEO of The LEGO Foundation.",
         "Anne-Birgitte Albrectsen", True),
        ("Who is the president of the NFL?", "Players re-elected JC Tretter as president of the NFL Players Association.",
         "JC Tretter", True),
        # a former holder does not say who holds it now, but answers what was
        ("Who is Google's CEO?", "Eric Schmidt, former CEO of Google, spoke.", "Eric Schmidt", True),
        ("Who was Google's CEO in 2005?", "Eric Schmidt, former CEO of Google, spoke.", "Eric Schmidt", False),
        # the same body: its suffix, its initials, its people, one of a list
        ("Who is the CEO of Lego in 2021?", "Niels B. Christiansen, CEO of the LEGO Group, spoke.", "Niels B. Christiansen",
         False),
        ("Who is GM's chief executive?", "General Motors CEO Mary Barra spoke.", "Mary Barra", False),
        ("Who is the chief executive of General Motors?", "GM chief executive Rick Wagoner resigned.", "Rick Wagoner",
         False),
        ("Who is the President of Egypt?", "Egyptian President Anwar Sadat spoke.", "Anwar Sadat", False),
        ("Who is the CEO of Tesla?", "Musk, the founder and CEO of SpaceX and Tesla, sold shares.", "Musk", False),
        ("Who is the CEO of Fidelity?", "Abigail Johnson is the new CEO of Fidelity Investments.", "Abigail Johnson", False),
        ("Who is the president of Egypt?", "Egyptian Football Association president Hany Abo Rida spoke.",
         "Hany Abo Rida", True),  # the country's word, then a body of its own
        ("Who is the CEO of IBM?", "International Business Machines CEO Arvind Krishna spoke.", "Arvind Krishna", False),
        ("Who is the chief executive of International Business Machines?", "IBM chief executive Arvind Krishna spoke.",
         "Arvind Krishna", False),
        ("Who is the CEO of the New York Times?", "New York Times chief executive Meredith Kopit Levien spoke.",
         "Meredith Kopit Levien", False),
        ("Who is the CEO of the Bank of America?", "Wells Fargo CEO Charlie Scharf spoke.", "Charlie Scharf", True),
        ("Who is the chairman of Toyota?", "Akio Toyoda, chairman of Toyota Motor Corp., spoke.", "Akio Toyoda", False),
        ("Who is the head of China's central bank?", "Chinese central bank head Yi Gang spoke.", "Yi Gang", False),
        ("Who is the president of the China Football Association?",
         "Chinese Football Association president Chen Xuyuan spoke.", "Chen Xuyuan", False),  # a people's word
        ("Who is the CEO of IBM?", "Hewlett Packard Enterprise CEO Antonio Neri spoke.", "Antonio Neri", True),
        ("Who is the CEO of Hewlett Packard Enterprise?", "IBM CEO Arvind Krishna spoke.", "Arvind Krishna", True),
        ("Who is the CEO of GM?", "General Motors Co. CEO Mary Barra spoke.", "Mary Barra", False),  # suffix left out
        # a nationality is no body
        ("Who is the director of the Assassin's Creed movie?",
         "It is the boldest film yet from the Australian director Justin Kurzel.", "Justin Kurzel", False),
        # the asked body's post named elsewhere in the sentence: another name there may hold it
        ("Who was the founder of the Oracle Corporation?",
         "Alumni include Microsoft CEO Satya Nadella, Oracle Corporation founder Larry Ellison and others.",
         "Satya Nadella", False),
        # a post asked by its verb
        ("Who coaches the Southern League champions?", '"I am proud of them," Hawks coach Martin Reyes said.',
         "Martin Reyes", True),
        ("Who coaches the Hawks?", '"I am proud of them," Hawks coach Martin Reyes said.', "Martin Reyes", False),
        ("Who runs Tesla?", "Musk, the founder and CEO of SpaceX and Tesla, sold shares.", "Musk", False),
        # no post next to the name, or no post asked
        ("Who is Nintendo's CEO?", "Mark Zuckerberg spoke on Monday.", "Mark Zuckerberg", False),
        ("Who spoke on Monday?", "Facebook CEO Mark Zuckerberg spoke on Monday.", "Mark Zuckerberg", False),
    ],
)
def test_holds_another(question: str, sentence: str, name: str, another: bool) -> None:
    start = sentence.index(name)
    assert holds_another(question, sentence, start, start + len(name)) is another


def test_another_bodys_chief_never_answers(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Without the check, Niantic's chief answered for Nintendo's, and the LEGO Foundation's for the LEGO Group's."""
    records = [
        {"id": "niantic-game", "title": "Niantic and Nintendo team up on a mobile game", "published": "2021-03-23",
         "outlet": "Wire",
         "text": "Niantic and Nintendo announced a new mobile game on Tuesday. Niantic chief executive John Hanke said the "
                 "game would launch in the spring. The companies did not say what the game would cost to play."},
        {"id": "lego-foundation", "title": "The LEGO Foundation names a new chief", "published": "2021-07-14",
         "outlet": "Wire",
         "text": "Anne-Birgitte Albrectsen is the new chief executive of the LEGO Foundation, the charity that owns a "
                 "quarter of the LEGO Group. She will oversee its research into learning through play."},
    ]
    assistant = indexed(tmp_path, embedder, records)
    assert assistant.ask("Who is Nintendo's chief executive?").refused
    assert assistant.ask("Who is the CEO of Lego?").refused
    own = assistant.ask("Who is Niantic's chief executive?")  # the holder of the asked body's post still answers
    assert not own.refused and own.short_answer == "John Hanke"
    foundation = assistant.ask("Who is the LEGO Foundation's chief executive?")
    assert not foundation.refused and foundation.short_answer == "Anne-Birgitte Albrectsen"


@pytest.mark.parametrize(
    ("question", "sentence", "holder"),
    [
        ("Who is the CEO of Skyforge?", "Skyforge CEO Daniel Okoro will join Veltrix's board.", "Daniel Okoro"),
        ("Who is Skyforge's chief executive?", "Skyforge CEO Daniel Okoro will join Veltrix's board.", "Daniel Okoro"),
        ("Who runs Skyforge?", "Skyforge chief executive Daniel Okoro will join Veltrix's board.", "Daniel Okoro"),
        ("Who is the CEO of Apple?", "Tim Cook, the chief executive of Apple Inc., spoke.", "Tim Cook"),
        ("Who is GM's chairman?", "General Motors chairwoman Mary Barra spoke.", "Mary Barra"),
        ("Who is Apple's CEO?", "Apple Chief Executive Officer Steve Jobs spoke.", "Steve Jobs"),
        ("Who is Apple's CEO?", "Steve Jobs, the Apple Chief Executive Officer, spoke.", "Steve Jobs"),
        ("Who coaches the Hawks?", '"I am proud of them," Hawks head coach Martin Reyes said.', "Martin Reyes"),
        # another body, another post, a former holder, a body of its own: no holder of the asked post
        ("Who is Veltrix's CEO?", "Skyforge CEO Daniel Okoro will join Veltrix's board.", None),
        ("Who is the chairman of Skyforge?", "Skyforge CEO Daniel Okoro will join Veltrix's board.", None),
        ("Who is Google's CEO?", "Eric Schmidt, former CEO of Google, spoke.", None),
        ("Who was Google's CEO in 2005?", "Eric Schmidt, former CEO of Google, spoke.", "Eric Schmidt"),
        ("Who is the CEO of Lego?", "LEGO Foundation CEO John Goodwin will step down.", None),
        ("Who won the final?", "Hawks coach Martin Reyes said the final was hard.", None),
        # a name after a post holds that post, whatever follows it
        ("Who was the founder of the Oracle Corporation?",
         "Alumni include Microsoft CEO Satya Nadella, Oracle Corporation founder Larry Ellison and others.", "Larry Ellison"),
        ("Who is the CEO of Oracle?", "Alumni include Microsoft CEO Satya Nadella, Oracle CEO Safra Catz and others.",
         "Safra Catz"),
        ("Who is the founder of Oracle?", "Alumni include Microsoft CEO Satya Nadella, the Oracle founder.", None),
        # a post's words spaced out, another post, a former holder before the present one, a name right after a post
        ("Who is the chief   executive of Skyforge?", "Skyforge CEO Daniel Okoro spoke.", "Daniel Okoro"),
        ("Who is the president of Sarnia?", "Sarnia secretary Jo Bell spoke.", None),
        ("Who is Google's CEO?", "Google's former CEO Eric Schmidt spoke.", None),
        ("Who is the CEO of Skyforge?", "Former Skyforge CEO Ann Lee and Skyforge CEO Daniel Okoro spoke.", "Daniel Okoro"),
        ("Who is the founder of Oracle?", "CEO Satya Nadella, the Oracle founder, spoke.", None),
        # named to the post
        ("Who is the CEO of Veltrix?", "Veltrix named Priya Natarajan as its new chief executive in May.", "Priya Natarajan"),
        ("Who is the CEO of Veltrix?", "On Monday Veltrix appointed Priya Natarajan CEO.", "Priya Natarajan"),
        ("Who is the CEO of Skyforge?", "Veltrix named Priya Natarajan as its new chief executive in May.", None),
    ],
)
def test_asked_holder(question: str, sentence: str, holder: str | None) -> None:
    found = asked_holder(question, sentence)
    assert (None if found is None else sentence[found[0] : found[1]]) == holder


def test_a_sentence_naming_the_asked_holder_answers_with_its_own_name(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """Read with the sentence before, "Skyforge CEO Daniel Okoro will join Veltrix's board" took Veltrix's chief's
    name from it, which the check of another body's holder then dropped: the question was refused."""
    records = [
        {"id": "veltrix-skyforge", "title": "Veltrix agrees to buy cloud firm Skyforge", "published": "2026-11-24",
         "outlet": "Wire",
         "text": (
             "Reuters staff · 3 min read\n"
             "Tuesday, November 24, 2026\n"
             "\n"
             "SAN FRANCISCO (Reuters) - Software maker Veltrix Inc said on Tuesday it would buy cloud "
             "security company Skyforge for $12.4 billion in cash, its largest deal ever, as it races to add "
             "artificial intelligence tools.\n"
             "\n"
             "Veltrix will pay $86 per share, a premium of 28% to Skyforge's closing price on Monday. The "
             "deal is expected to close in the second quarter of 2027, subject to approval by regulators and "
             "Skyforge shareholders.\n"
             "\n"
             "Skyforge's shares jumped 24% in premarket trading, while Veltrix fell 3%.\n"
             "\n"
             "Veltrix Chief Executive Priya Natarajan said the combined company would serve more than 40,000 "
             "business customers. Skyforge CEO Daniel Okoro will join Veltrix's board once the deal closes.\n"
             "\n"
             "ADVERTISEMENT\n"
             "\n"
             "Skyforge, founded in 2014 and based in Austin, Texas, employs about 3,100 people. It reported "
             "revenue of $1.9 billion last year.\n"
             "\n"
             "Veltrix had approached Skyforge in September, according to two people familiar with the "
             "matter. A rival bid from private equity firm Northgate Partners was rejected last month.\n"
             "\n"
             "Goldman Sachs advised Veltrix, while Morgan Stanley advised Skyforge.\n"
             "\n"
             "Reporting by Mei Lin in San Francisco; Editing by Mark Potter"
         )},
    ]
    assistant = indexed(tmp_path, embedder, records)
    skyforge = assistant.ask("Who is the CEO of Skyforge?")
    assert not skyforge.refused and skyforge.short_answer == "Daniel Okoro"
    veltrix = assistant.ask("Who is the CEO of Veltrix?")
    assert not veltrix.refused and veltrix.short_answer == "Priya Natarajan"


@pytest.mark.parametrize(
    ("question", "sentence", "context", "holder"),
    [
        ("Who is the CEO of Northwind Motors?", "Chief Executive Laura Mendes told analysts the cuts would fall in Ohio.",
         "Northwind Motors to cut 4,500 jobs", "Laura Mendes"),
        ("Who is Northwind's chief executive?", '"We had no choice," CEO Laura Mendes said.', "Northwind Motors cuts jobs",
         "Laura Mendes"),
        # the article is about another body, the sentence names a body's post, or another post
        ("Who is the CEO of Eastline Motors?", "Chief Executive Laura Mendes told analysts.", "Northwind Motors cuts jobs",
         None),
        ("Who is the CEO of Northwind Motors?", "Eastline CEO Laura Mendes told analysts.", "Northwind Motors cuts jobs",
         None),
        ("Who is the chairman of Northwind Motors?", "Chief Executive Laura Mendes told analysts.",
         "Northwind Motors cuts jobs", None),
        ("Who is the CEO of Northwind Motors?", "Former Chief Executive Laura Mendes told analysts.",
         "Northwind Motors cuts jobs", None),
        ("Who is the CEO of Northwind Motors?", "Former Chief Executive Ann Lee handed over to Chief Executive Laura Mendes.",
         "Northwind Motors cuts jobs", "Laura Mendes"),
        ("Who is the CEO of the company?", "Chief Executive Laura Mendes told analysts.", "Northwind Motors cuts jobs",
         None),  # no body asked
    ],
)
def test_implied_holder(question: str, sentence: str, context: str, holder: str | None) -> None:
    found = implied_holder(question, sentence, context)
    assert (None if found is None else sentence[found[0] : found[1]]) == holder


def test_a_post_named_without_its_body_answers_for_the_articles_body(tmp_path: Path, embedder: MiniLMEmbeddings) -> None:
    """"Chief Executive Laura Mendes told analysts …" scored 0.066 for "Who is the CEO of Northwind Motors?" (the
    threshold is 0.072): it shares little with the question but its answer, the report being about Northwind."""
    assistant = news_pages(tmp_path, embedder, "reuters-jobs", "ap-quake", "local-final")
    chief = assistant.ask("Who is the CEO of Northwind Motors?")
    assert not chief.refused and chief.short_answer == "Laura Mendes"
    assert assistant.ask("Who is the CEO of Eastline Motors?").refused  # the article is not about Eastline
