"""Settings: one frozen object, built once at the edge (CLI, UI, caller).

A misspelled setting is an error that suggests the right name, never a silent
default. Settings can come from keyword arguments, a mapping, or a TOML file
(``rag.toml`` with the same keys, optionally under a ``[rag]`` table).

Example:
    >>> Settings(top_k=3).top_k
    3
    >>> Settings.from_mapping({"top_k": 3, "chunk_tokens": 150}).chunk_tokens
    150
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ._calibration import shipped_calibration
from ._exceptions import ConfigError

__all__ = ["DEFAULT_INDEX_DIR", "EMBED_BACKENDS", "READERS", "Settings", "default_index_dir"]

DEFAULT_INDEX_DIR = Path("index") / "default"
# The embedding backends a setting may name; here, not in rag/_embedding.py, so configuration imports no model.
EMBED_BACKENDS = ("onnx", "onnx-int8", "torch")
READERS = ("model", "large", "fast")  # the extractive readers: the trained 6-layer model, the 12-layer one, or the evidence score alone


def default_index_dir() -> Path:
    """``$RAG_INDEX_DIR`` if set, else ``index/default`` under the current folder."""
    return Path(os.environ.get("RAG_INDEX_DIR") or DEFAULT_INDEX_DIR)


# (setting, least, most): checked by Settings.
_RANGES: tuple[tuple[str, float, float], ...] = (
    ("max_file_mb", 1e-6, 1024.0),  # bytes per upload and per file indexed: a GB is no news article
    ("min_score", 0.0, 1.0),  # an evidence score: above 1 refuses everything, below 0 nothing
    ("chunk_tokens", 16, 2048),  # the chunker needs room for a sentence; a chunk is a passage shown to people
    ("chunk_overlap", 0, 1024),
    ("llm_context_tokens", 256, 1_000_000),
    ("llm_max_tokens", 1, 100_000),
)


@dataclass(frozen=True)
class Settings:
    """Every tunable of the assistant.

    Attributes:
        top_k: Passages retrieved per question.
        retrieval: ``hybrid``, ``dense`` or ``bm25``.
        candidates: Hits per retriever before fusion.
        rrf_k: Reciprocal-rank fusion constant.
        chunk_tokens: Largest chunk in tokens (cl100k_base).
        chunk_overlap: Tokens of whole sentences shared by neighbouring chunks.
        embed_backend: ``onnx-int8`` (default; ONNX Runtime, int8 weights),
            ``onnx`` (fp32: torch's exact vectors) or ``torch``.
        embed_batch_size: Texts per embedding forward pass; 0 (default) picks
            the fastest for the backend (1 for ONNX, 32 for torch).
        max_file_mb: Larger files are skipped when indexing.
        reader: ``model`` (default; the trained 6-layer cross-encoder picks
            the quotes, gives a short answer and decides refusals), ``large``
            (the same done by the 12-layer MPNet reader: better on reworded
            questions, several times slower) or ``fast`` (the evidence score
            alone: no model, no short answer).
        min_probability: With ``reader = "model"``, refuse when no sentence's
            answer probability reaches this (default: the calibrated one in
            ``rag/data/reader/calibration.json``).
        large_min_probability: The same for ``reader = "large"`` (default:
            ``rag/data/reader_large/calibration.json``'s).
        reader_candidates: Sentences (best evidence score first) the reader reads per question.
        short_answer_reader: ``large`` (default: with ``reader = "model"``,
            the 12-layer reader re-reads the quote the 6-layer reader chose,
            only to find the short answer's words in it; quotes, scores and
            refusals stay the 6-layer reader's) or ``same`` (the reader
            that chose the quote finds them too).
        large_rereads: With ``short_answer_reader = "large"``, how many of
            the 6-layer reader's best candidates (those within 1 logit of its
            best) the 12-layer reader re-reads when the 6-layer reader
            answers; the one it scores best leads
            (refusals and the answer's score stay the 6-layer reader's).
            Default 2; 1: it re-reads only the lead, for the short answer's words.
        min_score: With ``reader = "fast"``, below this evidence score the answerer refuses.
        max_statements: Most statements in one extractive answer.
        sentence_vectors: ``contextual`` (pooled from each chunk's forward
            pass, one pass for both) or ``separate`` (each sentence embedded alone).
        chunk_vectors: ``pooled`` (default; the mean of its separate sentence
            vectors: one pass instead of two) or ``embedded`` (each chunk
            embedded whole: better for ``retrieval = "dense"``).
        llm: ``none`` (extractive answers, the default), ``openai``, ``ollama`` or ``llamacpp``.
        llm_model: Model name, or the GGUF path for ``llamacpp``.
        llm_base_url: Server URL for ``openai``/``ollama`` (API keys come from the environment).
        llm_context_tokens: Prompt budget in tokens; passages beyond it are dropped.
        llm_max_tokens: Longest generated answer.
    """

    top_k: int = 5
    retrieval: str = "hybrid"
    candidates: int = 50
    rrf_k: int = 60
    chunk_tokens: int = 200
    chunk_overlap: int = 40
    embed_backend: str = "onnx-int8"
    embed_batch_size: int = 0
    max_file_mb: float = 20.0
    reader: str = "model"
    min_probability: float = shipped_calibration().min_probability  # fitted with the reader: calibration.json
    large_min_probability: float = shipped_calibration("large").min_probability
    reader_candidates: int = 6
    short_answer_reader: str = "large"
    large_rereads: int = 2
    min_score: float = 0.42
    max_statements: int = 3
    sentence_vectors: str = "separate"
    chunk_vectors: str = "pooled"
    llm: str = "none"
    llm_model: str = ""
    llm_base_url: str = ""
    llm_context_tokens: int = 4096
    llm_max_tokens: int = 256

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            expected = {"int": int, "float": (int, float), "str": str}[str(item.type)]
            if isinstance(value, bool) or not isinstance(value, expected):
                raise ConfigError(f"setting {item.name} must be {item.type}, got {value!r}")
        if self.retrieval not in ("hybrid", "dense", "bm25"):
            raise ConfigError(f"setting retrieval={self.retrieval!r} is unknown: use hybrid, dense or bm25")
        if self.reader not in READERS:
            raise ConfigError(f"setting reader={self.reader!r} is unknown: use {' or '.join(READERS)}")
        if self.short_answer_reader not in ("large", "same"):
            raise ConfigError(f"setting short_answer_reader={self.short_answer_reader!r} is unknown: use large or same")
        if not 1 <= self.large_rereads <= self.reader_candidates:
            raise ConfigError(f"setting large_rereads must be between 1 and reader_candidates ({self.reader_candidates}), "
                              f"got {self.large_rereads}")
        for name in ("min_probability", "large_min_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"setting {name} must be between 0 and 1, got {getattr(self, name)}")
        if self.llm not in ("none", "openai", "ollama", "llamacpp"):
            raise ConfigError(f"setting llm={self.llm!r} is unknown: use none, openai, ollama or llamacpp")
        if self.embed_backend not in EMBED_BACKENDS:
            raise ConfigError(f"setting embed_backend={self.embed_backend!r} is unknown: use {', '.join(EMBED_BACKENDS)}")
        if self.sentence_vectors not in ("contextual", "separate"):
            raise ConfigError(f"setting sentence_vectors={self.sentence_vectors!r} is unknown: use contextual or separate")
        if self.chunk_vectors not in ("embedded", "pooled"):
            raise ConfigError(f"setting chunk_vectors={self.chunk_vectors!r} is unknown: use embedded or pooled")
        if self.chunk_vectors == "pooled" and self.sentence_vectors == "contextual":
            raise ConfigError(
                'setting chunk_vectors="pooled" needs sentence_vectors="separate" (pooled chunks are made from them)'
            )
        if self.embed_batch_size < 0:
            raise ConfigError(f"setting embed_batch_size must be 0 (automatic) or more, got {self.embed_batch_size}")
        for name in ("top_k", "candidates", "rrf_k", "max_statements", "reader_candidates"):
            if getattr(self, name) < 1:
                raise ConfigError(f"setting {name} must be at least 1, got {getattr(self, name)}")
        # Ranges, so a typo fails here in one line rather than as a model error, a refusal of everything or a
        # chunker that can't split (the comparisons are written so that NaN fails them too).
        for name, low, high in _RANGES:
            value = getattr(self, name)
            if not low <= value <= high:
                raise ConfigError(f"setting {name} must be between {low:g} and {high:g}, got {value}")
        if not self.llm_max_tokens < self.llm_context_tokens:
            raise ConfigError(f"setting llm_max_tokens={self.llm_max_tokens} must be below llm_context_tokens="
                              f"{self.llm_context_tokens}: the answer's tokens come out of the context window")

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Settings:
        """Build settings from a mapping; unknown keys are errors with a suggestion."""
        names = [item.name for item in fields(cls)]
        for key in data:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known settings: {', '.join(names)}"
                raise ConfigError(f"unknown setting {key!r}: {hint}")
        return cls(**data)

    @classmethod
    def from_file(cls, path: str | Path) -> Settings:
        """Read settings from a TOML file (keys at top level or under ``[rag]``)."""
        try:
            data = tomllib.loads(Path(path).read_text("utf-8"))
        except FileNotFoundError as error:
            raise ConfigError(f"config file {path} does not exist: check the path") from error
        except IsADirectoryError as error:
            raise ConfigError(f"config file {path} is a folder, not a TOML file: pass the file itself (e.g. rag.toml)") from error
        except OSError as error:  # no permission, a name too long: still one line
            raise ConfigError(f"config file {path} cannot be read ({error.strerror or error}): check the path") from error
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"config file {path} is not valid TOML: {error}") from error
        return cls.from_mapping(data.get("rag", data))

    def updated(self, **changes: Any) -> Settings:
        """A copy with some settings changed (``None`` values are ignored)."""
        return self.from_mapping({**self.__dict__, **{k: v for k, v in changes.items() if v is not None}})

