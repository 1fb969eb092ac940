"""Choosing the FAISS structure for the chunk vectors by corpus size.

- Up to ``EXACT_LIMIT`` vectors: ``IndexFlatIP``, exact inner product. At
  100k x 384 a query scans 150 MB, a few milliseconds, and nothing is lost.
- Above it: ``IndexIVFScalarQuantizer`` (IVF with 8-bit scalar quantization):
  ``nlist = 4 * sqrt(n)`` k-means cells trained on a sample, vectors stored
  in 1 byte per dimension (4x smaller than float32), and ``nprobe`` cells
  searched per query. Query time grows with ``nprobe * n / nlist``, i.e.
  about ``sqrt(n)``, which is sub-linear; memory is ~n * 384 bytes.

Trade-offs: IVF needs training (k-means on a sample, seconds at 1M) and
returns approximate neighbours; ``nprobe`` is set so that recall@10 against
exact search stays at or above 0.95 on clustered data (see ``bench/scale.py``).
HNSW queries a little faster but its graph costs ~256 bytes per vector at
M=32 and builds far slower on two cores, so IVF-SQ8 is the default here.

Threads: one question is searched on one OpenMP thread (:func:`search_one`).
With FAISS's default of one thread per core, a single-query flat search over
12k SciFact chunks took 13 ms instead of about 1 ms, its threads fighting the
embedding runtime's; building uses every core again.

Example:
    >>> import numpy as np
    >>> index, info = build_dense_index(np.eye(4, dtype="float32"))
    >>> info["type"], index.ntotal
    ('flat', 4)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._cpu import cores

__all__ = ["EXACT_LIMIT", "build_dense_index", "configure_loaded", "search_one", "search_one_scored"]

EXACT_LIMIT = 100_000
_TRAIN_PER_CELL = 64


def build_dense_index(vectors: np.ndarray, *, exact_limit: int = EXACT_LIMIT, seed: int = 13) -> tuple[Any, dict[str, Any]]:
    """Build the FAISS index that fits ``len(vectors)``.

    Args:
        vectors: ``(n, d)`` float32 unit vectors.
        exact_limit: Largest size searched exactly.
        seed: k-means seed, so a rebuild of the same data is the same index.

    Returns:
        The index and a JSON-ready description (``type``, and for IVF
        ``nlist`` and ``nprobe``) for the manifest.
    """
    import faiss

    faiss.omp_set_num_threads(cores())  # training and adding are parallel work (search_one sets 1)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape if vectors.ndim == 2 else (0, 0)
    if n <= exact_limit:
        index = faiss.IndexFlatIP(dim)
        if n:
            index.add(vectors)
        return index, {"type": "flat"}
    nlist = int(4 * math.sqrt(n))
    nprobe = max(32, nlist // 16)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(seed).choice(n, size=min(n, nlist * _TRAIN_PER_CELL), replace=False)
    index.cp.seed = seed
    index.train(vectors[np.sort(sample)])
    index.add(vectors)
    index.nprobe = nprobe
    return index, {"type": "ivf-sq8", "nlist": nlist, "nprobe": nprobe}


def configure_loaded(index: Any, info: dict[str, Any]) -> Any:
    """Apply the search-time settings the manifest records (``nprobe``) to a loaded index.

    FAISS writes ``nprobe`` into the file too, so for an index this store wrote
    this changes nothing; it makes the manifest the one place the setting is
    read from (a file written before ``nprobe`` was set searches as recorded).
    """
    if info.get("type") == "ivf-sq8":
        import faiss

        faiss.extract_index_ivf(index).nprobe = int(info["nprobe"])
    return index


def search_one(index: Any, vector: np.ndarray, k: int) -> np.ndarray:
    """Ids of the ``k`` nearest chunks to one query vector (``-1`` pads), on one thread."""
    return search_one_scored(index, vector, k)[0]


def search_one_scored(index: Any, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Ids (``-1`` pads) and inner products of the ``k`` nearest chunks to one query vector, on one thread."""
    import faiss

    faiss.omp_set_num_threads(1)  # process-wide in FAISS; a build in progress only slows down
    scores, ids = index.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k)
    return ids[0], scores[0]

