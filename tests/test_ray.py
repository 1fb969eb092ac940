"""Ingestion on a real local Ray (num_cpus=2, 127.0.0.1): the same vectors, the same index, as the local runner."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from rag import Assistant, ConfigError, MiniLMEmbeddings, load_index
from rag._ray import RayEmbeddings
from rag.cli import main


@pytest.fixture(scope="module")
def ray_embeddings():  # type: ignore[no-untyped-def]
    embeddings = RayEmbeddings("ray", num_cpus=2)
    embeddings.encode(["start the workers"])  # Ray is first imported here, as `rag index --runner ray` does
    try:
        yield embeddings
    finally:
        import ray

        ray.shutdown()


def test_ray_vectors_are_identical_to_the_local_runners(ray_embeddings: RayEmbeddings, embedder: MiniLMEmbeddings) -> None:
    texts = [f"Sentence number {i} about the harbour, the storm and {i * 7} ships." for i in range(150)]
    assert np.array_equal(ray_embeddings.encode(texts), embedder.encode(texts))


def test_ray_listens_on_loopback_only(ray_embeddings: RayEmbeddings) -> None:
    import ray

    assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
    listening = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout.splitlines()
    ray_sockets = [line for line in listening if any(n in line for n in ("raylet", "gcs_server", "ray::"))]
    local = [line.split()[3].replace("[::ffff:", "").replace("]", "") for line in ray_sockets]
    assert local and all(address.startswith("127.0.0.1:") for address in local), ray_sockets


def test_an_index_built_on_ray_is_the_local_index(
    tmp_path: Path, articles_copy: Path, embedder: MiniLMEmbeddings, ray_embeddings: RayEmbeddings
) -> None:
    Assistant(tmp_path / "local", embeddings=embedder).index([articles_copy])
    Assistant(tmp_path / "ray", embeddings=embedder).index([articles_copy], runner="ray")
    local, on_ray = load_index(tmp_path / "local"), load_index(tmp_path / "ray")
    assert local.manifest["embedding_model"] == on_ray.manifest["embedding_model"]
    assert np.array_equal(np.asarray(local.chunk_vectors), np.asarray(on_ray.chunk_vectors))
    assert np.array_equal(np.asarray(local.sentence_vectors), np.asarray(on_ray.sentence_vectors))
    answer = Assistant.load(tmp_path / "ray", embeddings=embedder).ask("How many troops?")
    assert "10,000" in answer.text or "ten thousand" in answer.text


def test_rag_index_runner_ray_and_bad_runners(tmp_path: Path, articles_copy: Path, capsys: pytest.CaptureFixture[str],
                                              ray_embeddings: RayEmbeddings) -> None:
    assert main(["index", str(articles_copy), "--index", str(tmp_path / "ix"), "--runner", "ray"]) == 0
    assert "2 added" in capsys.readouterr().out
    assert main(["index", str(articles_copy), "--index", str(tmp_path / "ix2"), "--runner", "spark"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown runner 'spark'" in err
    with pytest.raises(ConfigError, match="unknown runner"):
        Assistant(tmp_path / "ix3").index([articles_copy], runner="dask")
    with pytest.raises(ConfigError, match="names no cluster"):
        Assistant(tmp_path / "ix3").index([articles_copy], runner="ray://")
