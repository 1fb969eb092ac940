"""LangChain composition: the assistant as an LCEL runnable, its retriever, and any chat model as the LLM.

Everything runs offline on the real index and models; the chat model is langchain-core's own
GenericFakeChatModel, a real BaseChatModel that replies with the messages it is given.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from rag import REFUSAL_TEXT, Answer, Assistant, ConfigError, EmptyQuestionError, InputError, MiniLMEmbeddings, Settings
from rag._generative import UNSUPPORTED_TEXT

NEWS = Path(__file__).parents[1] / "rag" / "data" / "sample-news"
TROOPS = "How many troops are taking part?"


def text_chain(assistant: Assistant) -> Runnable:
    """The README's chain: a question str in, the answer's text out."""
    return RunnableLambda(lambda q: {"question": q}) | assistant.as_runnable() | RunnableLambda(lambda a: a.text)


# --- as_runnable ---------------------------------------------------------------------------------------------


def test_runnable_invokes_the_one_pipeline(assistant: Assistant) -> None:
    runnable = assistant.as_runnable()
    assert isinstance(runnable, Runnable)
    assert runnable.OutputType is Answer  # typed: a str or a QuestionInput dict in, an Answer out
    schema = runnable.get_input_jsonschema()
    assert schema["anyOf"][0] == {"type": "string"} and schema["$defs"]["QuestionInput"]["required"] == ["question"]
    answer = runnable.invoke(TROOPS)
    expected = assistant.ask(TROOPS)
    assert isinstance(answer, Answer) and not answer.refused
    assert answer.text == expected.text and answer.citations == expected.citations
    assert text_chain(assistant).invoke(TROOPS) == expected.text
    # the dict's options are ask()'s
    options = {"question": "and how many aircraft?", "history": [TROOPS], "top_k": 3, "reader": "fast"}
    via_dict = runnable.invoke(options)
    direct = assistant.ask("and how many aircraft?", history=[TROOPS], top_k=3, reader="fast")
    assert via_dict.standalone_question == direct.standalone_question and via_dict.text == direct.text
    assert len(via_dict.passages) == 3


def test_runnable_batch_stream_and_ainvoke(assistant: Assistant) -> None:
    chain = text_chain(assistant)
    questions = [TROOPS, "Why Tajikistan?", "How many ships took part?"]
    expected = [assistant.ask(q).text for q in questions]
    assert chain.batch(questions) == expected
    assert expected[2] == REFUSAL_TEXT
    # Streaming yields the final checked answer as one chunk, so the next step still gets an Answer.
    chunks = list(assistant.as_runnable().stream(TROOPS))
    assert len(chunks) == 1 and isinstance(chunks[0], Answer) and chunks[0].text == expected[0]
    assert "".join(chain.stream(TROOPS)) == expected[0]
    assert asyncio.run(chain.ainvoke("Why Tajikistan?")) == expected[1]


def test_runnable_date_options_are_asks(assistant: Assistant) -> None:
    # The bundled articles state no date: a date bound leaves them out and says how to keep them.
    dated = assistant.as_runnable().invoke({"question": TROOPS, "since": "2021-08-01"})
    assert dated.refused and "--include-undated" in dated.text
    kept = assistant.as_runnable().invoke({"question": TROOPS, "since": "2021-08-01", "include_undated": True})
    assert not kept.refused


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (42, InputError, "takes a question str or a dict with 'question', got int"),
        ({"qestion": TROOPS}, InputError, "unknown key 'qestion'"),
        ({"history": []}, InputError, "has no 'question'"),
        ({"question": TROOPS, "since": "yesterday"}, InputError, "since"),
        ({"question": TROOPS, "top_k": 0}, InputError, "top_k must be at least 1"),
        ("   ", EmptyQuestionError, "the question is empty"),
    ],
)
def test_runnable_bad_input_is_one_readable_input_error(assistant: Assistant, value: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as raised:
        text_chain(assistant).invoke(value) if isinstance(value, str) else assistant.as_runnable().invoke(value)
    assert "\n" not in str(raised.value)


# --- as_retriever --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Assistant:
    """The dated news articles (every format), indexed from a copy."""
    root = tmp_path_factory.mktemp("lc-news")
    shutil.copytree(NEWS, root / "articles")
    news = Assistant(root / "index", embeddings=embedder, settings=Settings(reader="fast"))
    news.index([root / "articles"])
    return news


def by_doc(documents: list[Document]) -> dict[str, Document]:
    return {d.metadata["doc_id"]: d for d in documents}


def test_retriever_documents_carry_article_metadata(news: Assistant) -> None:
    retriever = news.as_retriever(k=7)
    assert isinstance(retriever, BaseRetriever)
    found = by_doc(retriever.invoke("earthquake death toll port city"))
    wire = found["quake-wire"].metadata
    assert (wire["title"], wire["outlet"], wire["published"], wire["author"]) == (
        "Magnitude 7.4 quake strikes off the coast", "Wire Service", "2026-06-02", "Lee Park")
    assert wire["url"] == "https://wire.example.com/world/2026/06/02/quake-coast"
    assert wire["source"] == "quake-wire.json"  # the file name, never the absolute path
    update = found["quake-update"].metadata
    assert "author" not in update and "url" not in update and update["outlet"] == "City Herald"
    for document in found.values():
        meta = document.metadata
        assert not Path(meta["source"]).is_absolute() and "/" not in meta["source"]
        text = news.document(meta["doc_id"]).text
        assert text[meta["start"] : meta["end"]] == document.page_content
        assert document.id == "+".join(meta["chunk_ids"]) and document.id.startswith(f"{meta['doc_id']}#")
        assert {"score", "dense_score", "lexical_score", "rank"} <= set(meta)
    # the id is stable: the same chunk has the same id on the next call
    again = by_doc(retriever.invoke("earthquake death toll port city"))
    assert {k: d.id for k, d in again.items()} == {k: d.id for k, d in found.items()}


def test_retriever_id_of_a_merged_passage_is_its_chunks_in_order(assistant: Assistant) -> None:
    documents = assistant.as_retriever(k=5).invoke("Why Tajikistan?")
    merged = [d for d in documents if len(d.metadata["chunk_ids"]) > 1]
    assert merged, "the demo index merges neighbouring chunks for this question"
    for document in merged:
        ordinals = [int(c.rpartition("#")[2]) for c in document.metadata["chunk_ids"]]
        assert ordinals == sorted(ordinals) and document.id == "+".join(document.metadata["chunk_ids"])


def test_retriever_dates_are_asks_filter(news: Assistant) -> None:
    question = "How many vehicles were recalled?"
    everything = {d.metadata["doc_id"] for d in news.as_retriever(k=7).invoke(question)}
    assert {"recall-2023", "recall-2026"} <= everything
    in_2023 = news.as_retriever(k=7, since="2023-01-01", until="2023-12-31").invoke(question)
    assert [d.metadata["doc_id"] for d in in_2023] == ["recall-2023"]
    as_of = news.as_retriever(k=7, as_of="2026-06-03").invoke(question)
    assert as_of and all(d.metadata["published"] <= "2026-06-03" for d in as_of)
    assert "recall-2026" not in {d.metadata["doc_id"] for d in as_of}
    with pytest.raises(InputError, match="^k must be at least 1, got 0$"):
        news.as_retriever(k=0)
    with pytest.raises(InputError, match="since"):
        news.as_retriever(since="last spring")
    with pytest.raises(EmptyQuestionError):
        news.as_retriever().invoke("  ")


def test_retriever_made_before_add_sees_the_new_article(make_assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(NEWS / "festival-2024.txt", folder)
    assistant = make_assistant("grow", Settings(reader="fast"))
    assistant.index([folder])
    retriever = assistant.as_retriever(k=3)
    chain = retriever | RunnableLambda(lambda docs: [d.metadata["doc_id"] for d in docs])
    assert chain.invoke("carmaker recall brake fault") == ["festival-2024"]
    shutil.copy(NEWS / "recall-2026.md", folder)
    assistant.add([folder / "recall-2026.md"])
    assert chain.invoke("carmaker recall brake fault")[0] == "recall-2026"


# --- a chat model object as the LLM --------------------------------------------------------------------------


class Calls(BaseCallbackHandler):
    """Records every chat model start: proof of whether the model was called."""

    def __init__(self) -> None:
        self.started = 0

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[Any], **kwargs: Any) -> None:
        self.started += 1


def fake_model(*replies: str, calls: Calls) -> GenericFakeChatModel:
    messages: Iterator[AIMessage] = iter([AIMessage(content=reply) for reply in replies])
    return GenericFakeChatModel(messages=messages, callbacks=[calls])


def llm_assistant(demo_index_dir: Path, embedder: MiniLMEmbeddings, model: GenericFakeChatModel) -> Assistant:
    return Assistant.load(demo_index_dir, embeddings=embedder, settings=Settings(reader="fast"), llm=model)


def troops_passage(demo_index_dir: Path, embedder: MiniLMEmbeddings) -> int:
    """The [n] of the passage the pipeline gives the model that says "ten thousand troops"."""
    docs = Assistant.load(demo_index_dir, embeddings=embedder, settings=Settings(reader="fast")).as_retriever().invoke(TROOPS)
    return next(n for n, d in enumerate(docs, start=1) if "ten thousand troops" in d.page_content)


def test_chat_model_answer_keeps_exact_citations(demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    n = troops_passage(demo_index_dir, embedder)
    calls = Calls()
    assistant = llm_assistant(demo_index_dir, embedder, fake_model(
        f"More than ten thousand troops will be dispatched [{n}].", calls=calls))
    events = list(assistant.stream(TROOPS))
    kinds = [e.kind for e in events]
    assert kinds[0] == "sources" and "token" in kinds and kinds[-1] == "final" and calls.started == 1
    answer = events[-1].answer
    assert answer is not None and not answer.refused and answer.supported == 1.0
    assert answer.text == "More than ten thousand troops will be dispatched. [1]"
    (citation,) = answer.citations
    assert assistant.document(citation.doc_id).text[citation.start : citation.end] == citation.quote
    assert "ten thousand troops" in citation.quote


def test_chat_model_invented_number_is_withheld(demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    n = troops_passage(demo_index_dir, embedder)
    calls = Calls()
    assistant = llm_assistant(demo_index_dir, embedder, fake_model(
        f"More than ten thousand troops will be dispatched [{n}]. Over 300 people were wounded in the drills [{n}].",
        "Over 300 people were wounded in the drills.",
        calls=calls))
    chain = assistant.as_runnable()
    partly = chain.invoke(TROOPS)
    assert not partly.refused and partly.supported == 0.5
    assert "300" not in partly.text and "ten thousand troops" in partly.text
    uncited = chain.invoke(TROOPS)
    assert uncited.refused and uncited.text == UNSUPPORTED_TEXT and uncited.citations == () and uncited.supported == 0.0
    assert calls.started == 2
    # the extractive answerer stays one argument away
    assert not chain.invoke({"question": TROOPS, "use_llm": False}).supported


def test_unanswerable_question_is_refused_before_the_chat_model(demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    calls = Calls()
    model = fake_model("Forty ships took part [1].", calls=calls)
    answer = llm_assistant(demo_index_dir, embedder, model).as_runnable().invoke("How many ships took part?")
    assert answer.refused and answer.text == REFUSAL_TEXT
    assert calls.started == 0
    assert next(model.messages).content == "Forty ships took part [1]."  # its reply was never taken


def test_chat_model_tokens_reach_astream_events(demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    n = troops_passage(demo_index_dir, embedder)
    assistant = llm_assistant(demo_index_dir, embedder, fake_model(
        f"More than ten thousand troops will be dispatched [{n}].", calls=Calls()))

    async def events() -> list[dict[str, Any]]:
        return [e async for e in assistant.as_runnable().astream_events(TROOPS, version="v2")]

    seen = asyncio.run(events())
    tokens = "".join(e["data"]["chunk"].content for e in seen if e["event"] == "on_chat_model_stream")
    assert tokens == f"More than ten thousand troops will be dispatched [{n}]."
    (end,) = [e for e in seen if e["event"] == "on_chain_end" and e["name"] == "AssistantRunnable"]
    assert end["data"]["output"].text == "More than ten thousand troops will be dispatched. [1]"


def test_chat_model_is_one_seam(demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    assert Assistant(demo_index_dir, embeddings=embedder, llm=fake_model("x", calls=Calls())).llm_name == "GenericFakeChatModel"
    assert Assistant(demo_index_dir, embeddings=embedder, settings=Settings(llm="ollama", llm_model="llama3")).llm_name == "ollama llama3"
    assert Assistant(demo_index_dir, embeddings=embedder).llm_name is None
    with pytest.raises(ConfigError, match="must be a LangChain chat model"):
        Assistant(demo_index_dir, embeddings=embedder, llm="openai")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="pass one of them"):
        Assistant(demo_index_dir, embeddings=embedder, settings=Settings(llm="openai"),
                  llm=fake_model("x", calls=Calls()))
