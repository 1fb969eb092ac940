"""The index folder cannot be written: each case is one line naming the problem and the fix, and loses nothing.

A full disk and a read-only file system are real: a small tmpfs mounted for
the test (this needs root, as CI and the developers' machines run; elsewhere
the two tests are skipped with that reason).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import Assistant, IndexWriteError, bundled_articles_dir
from rag.cli import main


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


def test_index_path_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "index"
    target.write_text("my notes")
    assert main(["index", str(bundled_articles_dir()), "--index", str(target)]) == 2
    assert "is a file, not a folder: pass a folder with --index" in _error_line(capsys)
    assert main(["ask", "How many troops?", "--index", str(target)]) == 2
    assert "is a file, not an index folder" in _error_line(capsys)
    assert target.read_text() == "my notes"


def test_lock_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "index" / ".lock").mkdir(parents=True)
    assert main(["index", str(bundled_articles_dir()), "--index", str(tmp_path / "index")]) == 2
    assert ".lock is a folder, but it must be the index's lock file: remove that folder" in _error_line(capsys)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> None:
    with open(folder / "filler", "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass


def _new_article(tmp_path: Path) -> Path:
    articles = tmp_path / "articles"
    shutil.copytree(bundled_articles_dir(), articles)
    (articles / "port.txt").write_text("Port strike\n\n" + "Dock workers walked out over pay on Friday. " * 400, encoding="utf-8")
    return articles


def test_full_disk_is_one_line_and_keeps_the_index(small_disk: Path, tmp_path: Path, embedder, capsys) -> None:  # type: ignore[no-untyped-def]
    index_dir = small_disk / "index"
    Assistant(index_dir, embeddings=embedder).index([bundled_articles_dir()])
    before = Assistant.load(index_dir, embeddings=embedder).ask("How many troops?")
    _fill(small_disk)
    with pytest.raises(IndexWriteError, match="the disk is full while writing the index") as caught:
        Assistant(index_dir, embeddings=embedder).index([_new_article(tmp_path)])
    assert "\n" not in str(caught.value) and "previous index is unchanged" in str(caught.value)
    after = Assistant.load(index_dir, embeddings=embedder)
    assert len(after.documents()) == 2 and after.ask("How many troops?").text == before.text


def test_read_only_file_system_is_one_line_and_keeps_the_index(small_disk: Path, tmp_path: Path, embedder, capsys) -> None:  # type: ignore[no-untyped-def]
    index_dir = small_disk / "index"
    Assistant(index_dir, embeddings=embedder).index([bundled_articles_dir()])
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert main(["index", str(_new_article(tmp_path)), "--index", str(index_dir)]) == 2
    assert "is on a read-only file system: pass a writable folder with --index" in _error_line(capsys)
    assert len(Assistant.load(index_dir, embeddings=embedder).documents()) == 2
