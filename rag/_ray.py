"""Ingestion on Ray: the embedding of a build fanned out over Ray Data workers (``rag index … --runner ray``).

:class:`RayEmbeddings` is a LangChain ``Embeddings`` like
:class:`~rag._embedding.MiniLMEmbeddings`, with the same model name, so an
index built with it is the same index: ``build_index`` plans, chunks and
writes as always (to a folder, or in place in PostgreSQL),
and only the forward passes run elsewhere. Texts go to Ray Data in blocks;
each worker (an actor) loads the packaged MiniLM once and embeds its
blocks one text per pass, exactly as the local runner does, so the vectors
are identical (``tests/test_ray.py``).

``runner="ray"`` starts a local Ray on 127.0.0.1 with the machine's CPUs;
``ray://host:port`` joins an existing cluster, whose workers need this
package installed. Questions are always embedded in-process.

Trade-offs: Ray's start (seconds) and the transfer of texts and vectors
through its object store cost more than they save on one small machine
(docs/benchmarks.md); the runner pays off when workers are other machines.
A local Ray binds to the loopback interface only with
``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` set (without it, it listened on
every interface here), so it is set before Ray starts.

Example:
    >>> embeddings = RayEmbeddings("ray", backend="onnx-int8")  # doctest: +SKIP
    >>> build_index("index/default", loaded, embeddings=embeddings, chunker=TokenChunker())  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ._embedding import MiniLMEmbeddings
from ._exceptions import ConfigError

__all__ = ["RayEmbeddings", "check_runner"]

_BLOCK = 64  # texts per Ray Data batch: big enough to amortise a task, small enough to spread work


def check_runner(runner: str) -> str:
    """``runner`` if it is ``local``, ``ray`` or ``ray://host:port``, else a one-line :class:`ConfigError`.

    Example:
        >>> check_runner("ray://head.example.com:10001")
        'ray://head.example.com:10001'
    """
    if runner in ("local", "ray") or re.fullmatch(r"ray://[\w.-]+:\d{1,5}", runner):
        return runner
    if runner.startswith("ray://"):
        raise ConfigError(f"runner {runner!r} names no cluster: use ray://host:port (the head's Ray Client port, often 10001)")
    raise ConfigError(f"unknown runner {runner!r}: use local, ray, or ray://host:port for an existing cluster")


class _Encoder:
    """A Ray Data actor: the packaged MiniLM, loaded once per worker."""

    def __init__(self, backend: str, batch_size: int):
        self.model = MiniLMEmbeddings(backend=backend, batch_size=batch_size, show_progress=False).load()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.model.encode([str(t) for t in batch["text"]])
        return {"i": batch["i"], "vector": vectors}


class RayEmbeddings(Embeddings):
    """MiniLM embeddings computed by Ray Data workers; vectors identical to the local runner's.

    ``unit_vectors`` tells :func:`rag._embedding.embed_array` that
    :meth:`encode` already gives unit float32 rows (normalising them again
    would move their last bits).

    Args:
        runner: ``ray`` (a local Ray on 127.0.0.1) or ``ray://host:port``.
        backend, batch_size: As :class:`~rag._embedding.MiniLMEmbeddings`.
        num_cpus: CPUs of a local Ray (default: all).
    """

    def __init__(self, runner: str = "ray", *, backend: str = "onnx-int8", batch_size: int = 0, num_cpus: int | None = None):
        check_runner(runner)
        if runner == "local":
            raise ConfigError("RayEmbeddings needs runner='ray' or 'ray://host:port'")
        self.runner = runner
        self.backend, self.batch_size, self.num_cpus = backend, batch_size, num_cpus
        self._local = MiniLMEmbeddings(backend=backend, batch_size=batch_size, show_progress=False)
        self.model_name = self._local.model_name  # the same model: an index built here is the same index
        self.dimension = self._local.dimension
        self.unit_vectors = True

    def _ray(self) -> Any:
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # bind a local Ray to 127.0.0.1 only
        try:
            import ray
        except ImportError:
            raise ConfigError("--runner ray needs the ray extra: pip install -e '.[ray]'") from None
        if not ray.is_initialized():
            try:
                if self.runner == "ray":
                    ray.init(num_cpus=self.num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                             log_to_driver=False, configure_logging=False)
                else:
                    ray.init(address=self.runner, log_to_driver=False, configure_logging=False)
            except (ConnectionError, RuntimeError, ValueError) as error:
                raise ConfigError(f"cannot start or reach Ray ({' '.join(str(error).split())[:160]}): "
                                  "check --runner (ray, or ray://host:port of a running cluster)") from None
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        for name in ("ray", "ray.data"):  # the build prints its own one-line summary
            logging.getLogger(name).setLevel(logging.ERROR)
        return ray

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._local.load().encode([text])[0].tolist()

    def encode(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """Unit vectors of ``texts``, in order, computed by the Ray workers (``progress`` is Ray's own)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        ray = self._ray()
        workers = max(1, min(int(ray.available_resources().get("CPU", 1)), (len(texts) + _BLOCK - 1) // _BLOCK))
        dataset = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)])
        embedded = dataset.map_batches(
            _Encoder, fn_constructor_kwargs={"backend": self.backend, "batch_size": self.batch_size},
            batch_size=_BLOCK, batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
        )
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch in embedded.iter_batches(batch_size=_BLOCK, batch_format="numpy"):
            vectors[np.asarray(batch["i"], dtype=np.int64)] = np.stack(batch["vector"])
        return vectors
