"""Shared fixtures: the real MiniLM model is loaded once per test session."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag import Assistant, MiniLMEmbeddings, Settings, bundled_articles_dir, sample_news_dir

ROOT = Path(__file__).resolve().parents[1]
NEWS = sample_news_dir()  # seven short dated (fictional) articles in every format
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"  # Debian's, driven by Playwright
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_sessionstart(session: pytest.Session) -> None:
    """A fresh ONNX cache per run, so every run exercises the local export (subprocesses inherit it)."""
    os.environ["RAG_CACHE_DIR"] = tempfile.mkdtemp(prefix="rag-cache-")


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbeddings:
    return MiniLMEmbeddings(show_progress=False).load()


@pytest.fixture(scope="session")
def demo_index_dir(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Path:
    """A read-only index of the bundled articles; tests that modify an index copy it."""
    index_dir = tmp_path_factory.mktemp("demo") / "index"
    Assistant(index_dir, embeddings=embedder).index([bundled_articles_dir()])
    return index_dir


@pytest.fixture(scope="session")
def assistant(demo_index_dir: Path, embedder: MiniLMEmbeddings) -> Assistant:
    return Assistant.load(demo_index_dir, embeddings=embedder)


@pytest.fixture(scope="module")
def news_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the dated sample articles (rag/data/sample-news)."""
    folder = tmp_path_factory.mktemp("news") / "articles"
    shutil.copytree(NEWS, folder)
    for path in folder.iterdir():  # file times say nothing: an old mtime must never become a date
        os.utime(path, (0, 0))
    return folder


@pytest.fixture(scope="module")
def news(news_dir: Path, tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Assistant:
    """An assistant over an index of the dated articles (one per test module)."""
    index_dir = tmp_path_factory.mktemp("news-index") / "index"
    Assistant(index_dir, embeddings=embedder).index([news_dir])
    return Assistant.load(index_dir, embeddings=embedder)


@pytest.fixture()
def articles_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled articles."""
    target = tmp_path / "articles"
    shutil.copytree(bundled_articles_dir(), target)
    return target


@pytest.fixture()
def make_assistant(tmp_path: Path, embedder: MiniLMEmbeddings):  # type: ignore[no-untyped-def]
    """Factory for an assistant on a fresh, empty index folder."""

    def make(name: str = "index", settings: Settings | None = None) -> Assistant:
        return Assistant(tmp_path / name, embeddings=embedder, settings=settings)

    return make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def rag_ui_process(arguments: list[str], key: str) -> Iterator[str]:
    """A real `rag ui ARGUMENTS --api-key KEY` subprocess on a free loopback port: its URL once it answers the key."""
    import httpx

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("RAG_API_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", *arguments, "--port", str(port), "--api-key", key],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"rag ui exited: {process.stdout.read() if process.stdout else ''}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url + "/", headers={"Authorization": f"Bearer {key}"}, timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "rag ui did not answer within 180 s"
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def serve_ui(root: Path, articles: Path, embedder: MiniLMEmbeddings, **options: Any) -> Iterator[tuple[str, Assistant]]:
    """The real app on a loopback port over a fresh index of ``articles`` in ``root``: its URL and assistant.

    ``options`` go to ``build_app`` (``read_only=True``, ``fetch_limits=...``).
    """
    from ui.app import build_app, launch_options

    assistant = Assistant(root / "index", embeddings=embedder)
    assistant.index([articles])
    app = build_app(assistant, upload_dir=root / "uploads", **options)
    port = free_port()
    app.queue(default_concurrency_limit=4).launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, **launch_options()
    )
    try:
        yield f"http://127.0.0.1:{port}/", assistant
    finally:
        app.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbeddings) -> Iterator[tuple[str, Assistant]]:
    """The real app on a loopback port, over a writable copy of the demo index (one per test module)."""
    yield from serve_ui(tmp_path_factory.mktemp("ui"), bundled_articles_dir(), embedder)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A real PostgreSQL 18 + pgvector on a free loopback port (scripts/pg.sh), stopped and deleted afterwards.

    If it cannot start, the tests that need it fail with the reason; they never skip silently.
    """
    import subprocess

    port = free_port()
    # Not under pytest's 0700 temp folders: the server runs as an unprivileged user, who must reach its folder.
    holder = Path(tempfile.mkdtemp(prefix="rag-news-pg-"))
    holder.chmod(0o755)
    data = holder / "data"
    started = subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "start", "--port", str(port), "--dir", str(data)],
                             capture_output=True, text=True, timeout=180)
    if started.returncode != 0:
        pytest.fail(f"PostgreSQL did not start (scripts/pg.sh start): {started.stderr.strip() or started.stdout.strip()}")
    url = started.stdout.strip().splitlines()[-1]
    try:
        yield url
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "stop", "--port", str(port), "--dir", str(data), "--delete"],
                       capture_output=True, text=True, timeout=120)
        shutil.rmtree(holder, ignore_errors=True)
