"""Int8 models that every x86 CPU multiplies exactly: signed weights stored as unsigned where the CPU needs it.

The shipped readers and the exported embedder are dynamically quantized:
activations become uint8 at run time and weights are int8 (``u8×s8``). On an
x86 CPU with VNNI (``avx512_vnni``, ``avx_vnni``, AMX) ONNX Runtime multiplies
those exactly. On one with AVX2 alone it uses ``vpmaddubsw``, which adds two
``u8×s8`` products into a *saturating* 16-bit lane: two products of 255 and
127 overflow it, and the model's outputs drift. On the 12-layer reader that
drift was total: its span head named "taking part" for "How many troops?"
and its probabilities moved from 0.60 to 0.90 on a 2-core AMD EPYC with AVX2
only, while the same files answered right on a CPU with VNNI.

The same weights stored as uint8 (each value plus 128, its zero point plus
128) describe exactly the same numbers, since ONNX Runtime subtracts the zero
point before multiplying, and its ``u8×u8`` kernels widen to 16 bits before
adding, so nothing saturates. :func:`exact_model` writes that copy once, into
the cache beside the exported models, on CPUs that need it; on the others it
returns the file as it is (their ``u8×s8`` kernel is exact and faster). Either
way the arithmetic is exact integer arithmetic, so every machine gets the
same outputs.

Example:
    >>> from rag._onnx import cache_dir, open_session
    >>> model = exact_model(Path("rag/data/reader/reader-int8.onnx"), cache=cache_dir() / "int8")  # doctest: +SKIP
    >>> session = open_session(model, threads=0)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import platform
import tempfile
from pathlib import Path

__all__ = ["exact_model", "saturating_cpu", "unsigned_weights"]

# Operator -> the positions of its weight and its weight zero point among its inputs.
_WEIGHTED = {"MatMulInteger": (1, 3), "QAttention": (1, 7)}
_VNNI_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8")


def saturating_cpu(cpuinfo: str | None = None, machine: str | None = None) -> bool:
    """Whether this CPU's ``u8×s8`` int8 kernel may saturate (x86 without VNNI).

    ``RAG_INT8_WEIGHTS=unsigned`` or ``signed`` decides instead (for a test, or
    a CPU this check reads wrong).

    Args:
        cpuinfo: The text of ``/proc/cpuinfo`` (read when ``None``).
        machine: ``platform.machine()`` (read when ``None``).

    Example:
        >>> saturating_cpu("flags : fpu avx2 avx512f avx512_vnni", "x86_64")
        False
        >>> saturating_cpu("flags : fpu sse4_2 avx2", "x86_64"), saturating_cpu("", "aarch64")
        (True, False)
    """
    choice = os.environ.get("RAG_INT8_WEIGHTS", "").strip().lower()
    if choice in ("unsigned", "signed"):
        return choice == "unsigned"
    machine = (machine if machine is not None else platform.machine()).lower()
    if machine not in ("x86_64", "amd64", "i686", "i386", "x86"):
        return False  # ARM's dot-product kernels are exact
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return True  # cannot tell: the unsigned copy is exact everywhere, only a little slower
    flags = set(cpuinfo.split())
    return not any(flag in flags for flag in _VNNI_FLAGS)


def unsigned_weights(model: object) -> int:
    """Store every int8 weight of ``model``'s integer matrix products as uint8, in place; how many were changed.

    Each weight ``w`` becomes ``w + 128`` and its zero point ``z`` becomes
    ``z + 128`` (128 when it had none), which leaves ``w - z`` unchanged.

    Args:
        model: An ``onnx.ModelProto``.
    """
    import numpy as np
    from onnx import TensorProto, numpy_helper

    graph = model.graph  # type: ignore[attr-defined]
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    changed: set[str] = set()

    def shifted(name: str) -> None:
        tensor = initializers[name]
        if name in changed:
            return
        values = numpy_helper.to_array(tensor).astype(np.int16) + 128
        tensor.CopyFrom(numpy_helper.from_array(values.astype(np.uint8), name))
        changed.add(name)

    def stored_int8(name: str) -> bool:
        return name in initializers and initializers[name].data_type == TensorProto.INT8

    # First the products whose weight and zero point are both stored int8 (or absent); a weight shared with
    # a product that can't be changed (a zero point computed at run time) stays as it is for all of them.
    eligible, blocked = [], set()
    for node in graph.node:
        positions = _WEIGHTED.get(node.op_type)
        if positions is None:
            continue
        weight_at, zero_at = positions
        weight = node.input[weight_at] if len(node.input) > weight_at else ""
        zero = node.input[zero_at] if len(node.input) > zero_at else ""
        if not stored_int8(weight):
            continue
        if zero and not stored_int8(zero):
            blocked.add(weight)
            continue
        eligible.append((node, weight, zero, zero_at))
    count = 0
    for node, weight, zero, zero_at in eligible:
        if weight in blocked:
            continue
        shifted(weight)
        if zero:
            shifted(zero)
        else:
            name = f"{weight}_unsigned_zero_point"
            if name not in initializers:
                initializers[name] = numpy_helper.from_array(np.array(128, dtype=np.uint8), name)
                graph.initializer.append(initializers[name])
            while len(node.input) < zero_at:
                node.input.append("")
            node.input.append(name)
        count += 1
    return count


def exact_model(path: Path, *, cache: Path, saturating: bool | None = None) -> Path:
    """The int8 model file to open on this CPU: ``path``, or its unsigned-weight copy where the CPU saturates.

    The copy is written once (atomically) into ``cache`` (the ``int8``
    folder of :func:`rag._onnx.cache_dir`, say), keyed by ``path``, its
    size and modification time; a model with no int8 weights is returned as it is.

    Args:
        path: An ONNX model file.
        cache: Where the copy goes.
        saturating: Override :func:`saturating_cpu` (tests).
    """
    if not (saturating_cpu() if saturating is None else saturating):
        return path
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    target = cache / f"{path.stem}-unsigned-{key}.onnx"
    if target.is_file():
        return target
    import onnx

    model = onnx.load(str(path))
    if not unsigned_weights(model):
        return path
    cache.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cache, suffix=".partial")
    os.close(handle)
    try:
        onnx.save(model, temporary)
        os.replace(temporary, target)  # whole or not at all
    finally:
        Path(temporary).unlink(missing_ok=True)
    for older in cache.glob(f"{path.stem}-unsigned-*.onnx"):  # copies of earlier exports of this file
        if older != target:
            older.unlink(missing_ok=True)
    return target
