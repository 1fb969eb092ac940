"""The dense index structure: exact while small, IVF-SQ8 with good recall when large."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from bench.scale import synthetic
from rag._ann import build_dense_index, configure_loaded


def test_small_corpus_is_exact() -> None:
    vectors, queries = synthetic(2_000, 20)
    index, info = build_dense_index(vectors)
    assert info == {"type": "flat"} and index.ntotal == 2_000
    _, ids = index.search(queries, 5)
    expected = np.argsort(-(queries @ vectors.T), axis=1)[:, :5]
    assert np.array_equal(ids, expected)


def test_large_corpus_uses_ivf_with_high_recall_and_survives_disk(tmp_path: Path) -> None:
    vectors, queries = synthetic(50_000, 100)
    index, info = build_dense_index(vectors, exact_limit=20_000)
    assert info["type"] == "ivf-sq8" and info["nprobe"] >= 32 and index.ntotal == 50_000
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    path = tmp_path / "dense.faiss"
    faiss.write_index(index, str(path))
    loaded = configure_loaded(faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY), info)
    assert faiss.extract_index_ivf(loaded).nprobe == info["nprobe"]
    _, found = loaded.search(queries, 10)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
    assert recall >= 0.95
    # The same data gives the same index (seeded k-means).
    again, _ = build_dense_index(vectors, exact_limit=20_000)
    assert np.array_equal(again.search(queries[:5], 10)[1], index.search(queries[:5], 10)[1])
