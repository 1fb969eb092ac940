"""Settings: misspellings and bad values are errors, never silent defaults."""

import dataclasses
from pathlib import Path

import pytest

from rag import ConfigError, Settings


def test_defaults_and_overrides() -> None:
    assert Settings().top_k == 5
    assert Settings.from_mapping({"top_k": 3}).top_k == 3
    assert Settings().updated(top_k=None, retrieval="bm25").retrieval == "bm25"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"topk": 3}, "unknown setting 'topk': did you mean 'top_k'?"),
        ({"zzz": 1}, "unknown setting 'zzz': known settings"),
        ({"top_k": "5"}, "must be int"),
        ({"top_k": True}, "must be int"),
        ({"top_k": 0}, "at least 1"),
        ({"retrieval": "semantic"}, "unknown: use hybrid, dense or bm25"),
        ({"max_file_mb": -1}, "max_file_mb must be between"),
        ({"reader": "huge"}, "unknown: use model or large or fast"),
        ({"short_answer_reader": "model"}, "short_answer_reader='model' is unknown: use large or same"),
        ({"large_min_probability": 1.5}, "large_min_probability must be between 0 and 1"),
        ({"large_rereads": 0}, r"large_rereads must be between 1 and reader_candidates \(6\), got 0"),
        ({"large_rereads": 4, "reader_candidates": 3}, r"large_rereads must be between 1 and reader_candidates \(3\), got 4"),
    ],
)
def test_bad_settings(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("?", r"\?")):
        Settings.from_mapping(data)


def test_from_toml(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("top_k = 7\nretrieval = 'dense'\n")
    (tmp_path / "b.toml").write_text("[rag]\nchunk_tokens = 150\n")
    (tmp_path / "c.toml").write_text("top_k = = 1")
    assert Settings.from_file(tmp_path / "a.toml").top_k == 7
    assert Settings.from_file(tmp_path / "b.toml").chunk_tokens == 150
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.from_file(tmp_path / "c.toml")


def test_pooled_chunks_need_separate_sentences() -> None:
    assert Settings(chunk_vectors="pooled").chunk_vectors == "pooled"
    with pytest.raises(ConfigError, match='chunk_vectors="pooled" needs sentence_vectors="separate"'):
        Settings(chunk_vectors="pooled", sentence_vectors="contextual")
    with pytest.raises(ConfigError, match="chunk_vectors='mean' is unknown"):
        Settings(chunk_vectors="mean")


def test_readme_settings_table_matches_the_defaults() -> None:
    """Every setting is in the README's table, with its real default."""
    import re
    from dataclasses import fields
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]*) \|", readme, flags=re.MULTILINE))
    for item in fields(Settings):
        default = getattr(Settings(), item.name)
        if item.name in ("llm_model", "llm_base_url", "llm_context_tokens", "llm_max_tokens"):
            continue  # documented together on one row
        assert item.name in rows, f"{item.name} is missing from the README's settings table"
        shown = rows[item.name].strip().strip("`")
        assert shown == str(default) or float(shown) == default, (item.name, shown, default)


def test_answerer_defaults_match_the_settings_defaults() -> None:
    """ExtractiveAnswerer's own defaults repeat Settings': they must not drift apart.

    The calibrated ones are typed nowhere: the threshold and the combination's
    weights both come from the calibration file beside the reader's weights.
    """
    import inspect
    import json

    from rag._answering import COMBINE, ExtractiveAnswerer, answer_probability
    from rag._reader import READER_DIR

    defaults = {name: p.default for name, p in inspect.signature(ExtractiveAnswerer).parameters.items()}
    shared = ("min_score", "max_statements", "min_probability", "reader_candidates")
    assert {name: defaults[name] for name in shared} == {name: getattr(Settings(), name) for name in shared}
    calibration = json.loads((READER_DIR / "calibration.json").read_text(encoding="utf-8"))
    assert Settings().min_probability == ExtractiveAnswerer().min_probability == calibration["min_probability"]
    assert COMBINE == tuple(calibration["combine"]) == ExtractiveAnswerer().combine
    assert inspect.signature(answer_probability).parameters["combine"].default == COMBINE


@pytest.mark.parametrize("reader", ["model", "large"])
def test_each_trained_reader_answers_with_its_own_weights_and_calibration(reader: str) -> None:
    """reader = "large" reads with the 12-layer weights and refuses by the calibration fitted to them."""
    import json

    from rag._calibration import reader_folder
    from rag._pipeline import make_answerer

    answerer = make_answerer(Settings(reader=reader))
    calibration = json.loads((reader_folder(reader) / "calibration.json").read_text(encoding="utf-8"))
    assert answerer.reader is not None and answerer.reader.model_dir == reader_folder(reader)
    assert answerer.combine == tuple(calibration["combine"])
    threshold = Settings().large_min_probability if reader == "large" else Settings().min_probability
    assert answerer.min_probability == threshold == calibration["min_probability"]
    assert make_answerer(Settings(reader="fast")).reader is None


def test_the_short_answer_reader_is_the_large_one_behind_the_model_reader_only() -> None:
    from rag._calibration import reader_folder
    from rag._pipeline import make_answerer
    from rag.components import shipped_calibration

    default = make_answerer(Settings())
    behind = default.span_reader
    assert behind is not None and behind.model_dir == reader_folder("large")
    # It re-reads the 6-layer reader's best two and judges them with its own calibration.
    assert (default.rereads, default.span_combine) == (2, shipped_calibration("large").combine)
    assert make_answerer(Settings(large_rereads=1)).rereads == 1
    assert make_answerer(Settings(short_answer_reader="same")).span_reader is None
    assert make_answerer(Settings(reader="large")).span_reader is None  # it reads its own spans
    assert make_answerer(Settings(reader="fast")).span_reader is None  # no reader, no short answers


def test_the_large_reader_is_loaded_once_for_short_answers_and_for_reader_large() -> None:
    from rag._pipeline import Answerers

    answerers = Answerers(Settings())
    large = answerers.get("large")
    assert large.reader is answerers.default.span_reader and large.span_reader is None
    assert answerers.get("model") is answerers.default


def test_the_runtime_package_never_imports_training() -> None:
    """training/ (the reader's training and calibration) sits beside rag/: rag reads only what it writes."""
    import re

    root = Path(__file__).resolve().parents[1]
    imports = re.compile(r"^\s*(?:from|import)\s+training\b", re.MULTILINE)
    offenders = [str(p.relative_to(root)) for p in sorted((root / "rag").rglob("*.py")) if imports.search(p.read_text("utf-8"))]
    assert offenders == [] and not (root / "rag" / "train_reader.py").exists()


@pytest.mark.parametrize(
    "values",
    [{"llm": "openai"}, {"llm": "ollama"}, {"llm": "llamacpp"}, {"chunk_vectors": "embedded"}, {"embed_backend": "torch"},
     {"min_probability": 0.0}, {"min_probability": 1.0}, {"large_min_probability": 1.0}, {"top_k": 1},
     {"max_file_mb": 1024.0}, {"chunk_tokens": 16, "chunk_overlap": 0}, {"chunk_tokens": 2048},
     {"llm_context_tokens": 256, "llm_max_tokens": 255}],
)
def test_every_documented_value_and_bound_is_accepted(values: dict) -> None:  # type: ignore[type-arg]
    settings = Settings(**values)
    assert all(getattr(settings, k) == v for k, v in values.items())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"embed_backend": "gpu"}, "setting embed_backend='gpu' is unknown: use onnx, onnx-int8, torch"),
        ({"llm": "gpt"}, "setting llm='gpt' is unknown: use none, openai, ollama or llamacpp"),
        ({"sentence_vectors": "contextual"}, 'setting chunk_vectors="pooled" needs sentence_vectors="separate"'),
        ({"llm_context_tokens": 256, "llm_max_tokens": 256}, "llm_max_tokens=256 must be below llm_context_tokens=256"),
        ({"top_k": 0}, "setting top_k must be at least 1, got 0"),
        ({"min_probability": 1.5}, "setting min_probability must be between 0 and 1, got 1.5"),
        ({"max_file_mb": 1025.0}, "setting max_file_mb must be between"),
    ],
)
def test_each_bad_value_names_the_fix(values: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError) as raised:
        Settings(**values)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"sentence_vectors": "mean"}, "setting sentence_vectors='mean' is unknown: use contextual or separate"),
        ({"embed_batch_size": -1}, "setting embed_batch_size must be 0 (automatic) or more, got -1"),
        ({"chunk_vectors": "pooled", "sentence_vectors": "contextual"},
         'setting chunk_vectors="pooled" needs sentence_vectors="separate" (pooled chunks are made from them)'),
    ],
)
def test_a_bad_value_is_one_whole_line(values: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError) as raised:
        Settings(**values)
    assert str(raised.value) == message


def test_an_unknown_setting_with_no_near_name_lists_every_known_one() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_mapping({"zzz": 1})
    head, listed = str(raised.value).split("known settings: ")
    assert head == "unknown setting 'zzz': "
    assert listed.split(", ") == [field.name for field in dataclasses.fields(Settings)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.toml", "config file {path} does not exist: check the path"),
        (".", "config file {path} is a folder, not a TOML file: pass the file itself (e.g. rag.toml)"),
        ("x" * 300 + ".toml", "config file {path} cannot be read (File name too long): check the path"),  # too long a name
    ],
)
def test_a_config_file_that_cannot_be_read_is_one_line_naming_why(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / name
    with pytest.raises(ConfigError) as raised:
        Settings.from_file(path)
    assert str(raised.value) == message.format(path=path)
