"""Int8 models multiplied exactly on every CPU (rag/_int8.py).

The reference is integer arithmetic in numpy: a matrix product of uint8
activations and int8 weights whose pairs of products overflow a 16-bit lane,
which is what an AVX2 CPU without VNNI saturates on.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from rag._int8 import exact_model, saturating_cpu, unsigned_weights
from rag._reader import LARGE_READER_DIR, READER_DIR, Reader, ReaderInput


def _matmul_model(weights: np.ndarray, zero_point: np.ndarray | None) -> onnx.ModelProto:
    """``A (uint8, zero point 3) @ weights (int8)`` as one MatMulInteger node."""
    rows, cols = weights.shape
    initializers = [numpy_helper.from_array(weights, "w"), numpy_helper.from_array(np.array(3, np.uint8), "a_zero")]
    inputs = ["a", "w", "a_zero"]
    if zero_point is not None:
        initializers.append(numpy_helper.from_array(zero_point, "w_zero"))
        inputs.append("w_zero")
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", inputs, ["y"])],
        "matmul",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [None, rows])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [None, cols])],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def _run(model: onnx.ModelProto, a: np.ndarray) -> np.ndarray:
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"a": a})[0]


@pytest.mark.parametrize("per_column", [True, False], ids=["per-column zero points", "no zero point"])
def test_unsigned_weights_give_the_exact_integer_product(per_column: bool) -> None:
    rng = np.random.default_rng(7)
    # Large magnitudes: 255 × 127 twice is past a 16-bit lane, where a saturating kernel goes wrong.
    weights = rng.choice(np.array([-128, -127, -100, 90, 127], dtype=np.int8), size=(64, 5))
    zero_point = np.array([0, -2, 5, 1, -128], dtype=np.int8) if per_column else None
    a = rng.choice(np.array([250, 251, 255, 0, 3], dtype=np.uint8), size=(4, 64))
    expected = (a.astype(np.int64) - 3) @ (weights.astype(np.int64) - (zero_point if per_column else 0))

    model = _matmul_model(weights, zero_point)
    assert unsigned_weights(model) == 1
    stored = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    assert stored["w"].dtype == np.uint8
    np.testing.assert_array_equal(stored["w"].astype(np.int64), weights.astype(np.int64) + 128)
    zero_name = "w_zero" if per_column else "w_unsigned_zero_point"
    np.testing.assert_array_equal(stored[zero_name].astype(np.int64),
                                  (zero_point.astype(np.int64) if per_column else 0) + 128)
    assert list(model.graph.node[0].input)[3] == zero_name
    np.testing.assert_array_equal(_run(model, a), expected)


def test_a_weight_shared_by_two_products_is_shifted_once() -> None:
    weights = np.full((4, 2), -5, dtype=np.int8)
    model = _matmul_model(weights, np.zeros(2, np.int8))
    second = helper.make_node("MatMulInteger", ["a", "w", "a_zero", "w_zero"], ["y2"])
    model.graph.node.append(second)
    assert unsigned_weights(model) == 2
    stored = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    assert stored["w"].tolist() == [[123, 123]] * 4 and stored["w_zero"].tolist() == [128, 128]
    assert unsigned_weights(model) == 0, "a model already unsigned is left alone"


@pytest.mark.parametrize(
    ("cpuinfo", "machine", "saturates"),
    [
        ("flags\t\t: fpu sse4_2 avx avx2 fma", "x86_64", True),
        ("flags\t\t: fpu avx2 avx512f avx512bw avx512_vnni", "x86_64", False),
        ("flags\t\t: fpu avx2 avx_vnni", "AMD64", False),
        ("flags\t\t: fpu avx2 amx_tile amx_int8", "x86_64", False),
        ("Features\t: fp asimd asimddp", "aarch64", False),
    ],
)
def test_only_x86_without_vnni_saturates(monkeypatch: pytest.MonkeyPatch, cpuinfo: str, machine: str,
                                         saturates: bool) -> None:
    monkeypatch.delenv("RAG_INT8_WEIGHTS", raising=False)
    assert saturating_cpu(cpuinfo, machine) is saturates


def test_the_environment_decides_over_the_cpu_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_INT8_WEIGHTS", "unsigned")
    assert saturating_cpu("flags : avx512_vnni", "x86_64") is True
    monkeypatch.setenv("RAG_INT8_WEIGHTS", " Signed ")
    assert saturating_cpu("flags : avx2", "x86_64") is False


def test_the_copy_is_made_once_and_replaced_when_the_model_changes(tmp_path: Path) -> None:
    source = tmp_path / "model-int8.onnx"
    onnx.save(_matmul_model(np.full((4, 2), 7, np.int8), None), str(source))
    cache = tmp_path / "cache"
    assert exact_model(source, cache=cache, saturating=False) == source
    assert not cache.exists()
    first = exact_model(source, cache=cache, saturating=True)
    assert first.parent == cache and first != source
    written = first.stat().st_mtime_ns
    assert exact_model(source, cache=cache, saturating=True) == first and first.stat().st_mtime_ns == written
    onnx.save(_matmul_model(np.full((4, 2), -7, np.int8), None), str(source))
    os.utime(source, ns=(written + 10**9, written + 10**9))
    second = exact_model(source, cache=cache, saturating=True)
    assert second != first and not first.exists(), "the copy of the earlier file is removed"
    assert [p.name for p in cache.iterdir()] == [second.name]


def test_a_model_without_int8_weights_is_opened_as_it_is(tmp_path: Path) -> None:
    graph = helper.make_graph([helper.make_node("Relu", ["a"], ["y"])], "relu",
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    source = tmp_path / "fp32.onnx"
    onnx.save(helper.make_model(graph), str(source))
    assert exact_model(source, cache=tmp_path / "cache", saturating=True) == source


@pytest.mark.parametrize("weights", ["signed", "unsigned"])
@pytest.mark.parametrize(
    ("model_dir", "troops", "minister"),
    [(READER_DIR, "10,000", "Sergei Shoigu"), (LARGE_READER_DIR, "More than 10,000", "Sergei Shoigu")],
    ids=["6-layer", "12-layer"],
)
def test_both_readers_find_the_answer_words_whatever_the_weights(
    monkeypatch: pytest.MonkeyPatch, weights: str, model_dir: Path, troops: str, minister: str
) -> None:
    """Unsigned everywhere, or what this CPU multiplies exactly: the same spans (they were garbage on AVX2)."""
    if weights == "signed" and saturating_cpu():
        weights = "unsigned"  # this CPU's signed kernel saturates: exact_model converts anyway
    monkeypatch.setenv("RAG_INT8_WEIGHTS", weights)
    items = [
        ReaderInput("How many troops?", "More than 10,000 troops are taking part in the five-day "
                    "Zapad/Interaction 2021 drills in northwestern China's Ningxia Hui autonomous region."),
        ReaderInput("Who is Russia's defense minister?",
                    "Wei Fenghe met with his Russian counterpart, Sergei Shoigu, in Tajikistan."),
    ]
    spans = [out.span for out in Reader(model_dir).warm_up().read(items)]
    assert [item.sentence[s.start:s.end] for item, s in zip(items, spans) if s is not None] == [troops, minister]


def test_a_zero_point_computed_at_run_time_leaves_its_weight_signed() -> None:
    model = _matmul_model(np.full((4, 2), -5, dtype=np.int8), None)
    model.graph.node[0].input.append("w_zero_at_run_time")
    model.graph.input.append(helper.make_tensor_value_info("w_zero_at_run_time", TensorProto.INT8, [2]))
    assert unsigned_weights(model) == 0
    assert numpy_helper.to_array(model.graph.initializer[0]).dtype == np.int8
