"""Syndicated copies: one story reprinted by several outlets, grouped at ingest.

Each document gets a MinHash signature of its word 5-shingles
(``datasketch``, 128 permutations); documents whose estimated Jaccard
similarity is at least :data:`THRESHOLD` are one group, found through
MinHash LSH and closed transitively. The group's *canonical* member is the
earliest published one (dated before undated, then index order): it stands
for the group in retrieval, and its citations list the others as "also
published by".

Trade-offs: 0.8 on 5-shingles keeps a wire story with a new headline, a
dropped paragraph or an outlet's boilerplate in one group, and keeps apart
two reports of one event written separately (they share facts, not
sentences: well under 0.3). A copy that adds a paragraph of its own is not
searched; that paragraph is lost to retrieval, the price of copies not
taking the slots of other articles. Signatures are stored with the index
and reused for unchanged documents, and groups are recomputed over all
documents on every build, so adding or removing a copy keeps them right.

Example:
    >>> a = "Troops from both countries will take part in the drill in August, officials said on Monday."
    >>> groups = copy_groups([a, a + " Reuters"], [None, None])
    >>> groups
    [0, 0]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np

__all__ = ["NUM_PERM", "SHINGLE", "THRESHOLD", "band_keys", "copy_groups", "count_copies", "signature", "signatures"]

NUM_PERM = 128
SHINGLE = 5
THRESHOLD = 0.8
_SCHEME = "affine32"  # stored signatures must be read back with the scheme that made them
_WORD = re.compile(r"\w+")


def _shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return {" ".join(words).encode("utf-8")} if words else {b""}
    return {" ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}


def signature(text: str) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` uint64 values) of a text's word shingles."""
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=1, scheme=_SCHEME)
    minhash.update_batch(list(_shingles(text)))
    return np.asarray(minhash.hashvalues, dtype=np.uint64)


def signatures(texts: Sequence[str]) -> np.ndarray:
    """Signatures of many texts, one row each."""
    if not texts:
        return np.zeros((0, NUM_PERM), dtype=np.uint64)
    return np.stack([signature(t) for t in texts])


def copy_groups(
    texts: Sequence[str] | None,
    published: Sequence[str | None],
    sigs: np.ndarray | None = None,
    threshold: float = THRESHOLD,
) -> list[int]:
    """For each document, the position of its group's canonical member (itself when it has no copies).

    Args:
        texts: The document texts (used only when ``sigs`` is not given).
        published: Their ISO publication dates (``None`` when unknown).
        sigs: Precomputed :func:`signatures`, row-aligned.
        threshold: Estimated Jaccard similarity at which two are copies.
    """
    if sigs is None:
        sigs = signatures(list(texts or []))
    n = len(sigs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n > 1:
        for i, j in _similar_pairs(np.asarray(sigs, dtype=np.uint64), threshold):
            parent[find(i)] = find(j)
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(find(i), []).append(i)
    canonical = list(range(n))
    for group in members.values():
        first = min(group, key=lambda i: (published[i] is None, published[i] or "", i))
        for i in group:
            canonical[i] = first
    return canonical


def _similar_pairs(sigs: np.ndarray, threshold: float) -> Iterator[tuple[int, int]]:
    """The pairs ``(i, j)``, ``j < i``, that MinHash LSH makes candidates and whose estimated Jaccard passes ``threshold``.

    The candidates are those of ``datasketch``'s ``MinHashLSH`` (same bands:
    two signatures are candidates when one band of them is equal), found by
    grouping each band's rows with numpy instead of one ``MinHash`` object,
    one query and one insert per document: the same pairs, hence the same
    groups, at a fraction of the time of rebuilding the LSH over every
    document on every build.
    """
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)  # only for its band layout
    seen: set[tuple[int, int]] = set()
    for band in range(lsh.b):
        rows = np.ascontiguousarray(sigs[:, band * lsh.r : (band + 1) * lsh.r])
        _, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(-1)
        shared = np.flatnonzero(counts[inverse] > 1)  # rows whose band another row has
        if not len(shared):
            continue
        order = shared[np.argsort(inverse[shared], kind="stable")]
        bounds = np.flatnonzero(np.diff(inverse[order])) + 1
        for group in np.split(order, bounds):
            for k in range(1, len(group)):
                i, earlier = int(group[k]), group[:k]
                similar = (sigs[earlier] == sigs[i]).mean(axis=1) >= threshold  # _jaccard, row by row
                for j in earlier[similar].tolist():
                    if (i, j) not in seen:
                        seen.add((i, j))
                        yield i, j


def band_keys(sigs: np.ndarray, threshold: float = THRESHOLD) -> list[list[bytes]]:
    """Per signature, its LSH band keys (the bytes of each band), as :func:`copy_groups` bands them.

    Two signatures are copy candidates exactly when one of their band keys
    is equal, so a store can find an incoming document's candidates by
    looking its keys up instead of comparing it with every document.

    Example:
        >>> keys = band_keys(signatures(["one two three four five six", "one two three four five six"]))
        >>> keys[0] == keys[1], len(keys[0]) > 1
        (True, True)
    """
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)  # only for its band layout
    sigs = np.ascontiguousarray(np.asarray(sigs, dtype=np.uint64))
    return [[row[band * lsh.r : (band + 1) * lsh.r].tobytes() for band in range(lsh.b)] for row in sigs]


def count_copies(copy_of: np.ndarray) -> int:
    """How many documents :func:`copy_groups`' result groups under another one."""
    return int((np.asarray(copy_of) != np.arange(len(copy_of))).sum())
