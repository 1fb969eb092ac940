"""The answerer's refusal calibration, read from the data file beside the reader's weights.

``rag/data/reader/calibration.json`` holds what ``python -m training.calibrate``
fitted for the shipped reader: the weights of the logistic combination of the
reader's probability, its span margin, the evidence score and the entity flag
(``combine``), and the answer probability under which the answerer refuses
(``min_probability``). The runtime takes both from here and nowhere else:
:data:`rag._answering.COMBINE`, the answerer's and :class:`rag.Settings`'
``min_probability`` defaults. Only the standard library is imported, so the
settings module can read it without loading any model code.

Example:
    >>> calibration = shipped_calibration()
    >>> len(calibration.combine), 0.0 < calibration.min_probability < 1.0
    (5, True)
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._exceptions import ReaderError

__all__ = ["CALIBRATION_FILE", "COMBINE_TERMS", "READER_FOLDERS", "Calibration", "load_calibration", "reader_folder",
           "shipped_calibration"]

CALIBRATION_FILE = "calibration.json"
# Each trained reader's folder under rag/data (rag._reader.READER_DIR is the first; named here because this
# module imports only the standard library, so the settings can read a calibration without loading numpy).
READER_FOLDERS = {"model": "reader", "large": "reader_large"}
COMBINE_TERMS = ("reader logit", "span margin", "evidence", "no entity", "bias")


@dataclass(frozen=True)
class Calibration:
    """The fitted refusal calibration of one reader.

    Attributes:
        combine: Weights of :func:`rag._answering.answer_probability`, in the
            order of :data:`COMBINE_TERMS` (four, without the entity flag, in
            older fits).
        min_probability: The answer probability under which the answerer refuses.
        fitted_by: The command that fitted it.
        date: When (ISO date).

    Example:
        >>> c = Calibration((0.25, 0.12, 3.4, 0.0, -3.7), 0.08, "python -m training.calibrate", "2026-12-02")
        >>> Calibration.from_json(c.to_json()) == c
        True
    """

    combine: tuple[float, ...]
    min_probability: float
    fitted_by: str = ""
    date: str = ""

    def to_json(self) -> str:
        """The file's text: the weights named term by term beside them, for whoever reads the file."""
        terms = COMBINE_TERMS if len(self.combine) == 5 else tuple(t for t in COMBINE_TERMS if t != "no entity")
        record = {"combine": list(self.combine), "combine_terms": list(terms), "min_probability": self.min_probability,
                  "fitted_by": self.fitted_by, "date": self.date}
        return json.dumps(record, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = CALIBRATION_FILE) -> Calibration:
        """Parse and check a file's text.

        Raises:
            ReaderError: It is not JSON, or ``combine`` is not four or five
                numbers, or ``min_probability`` is not a number in [0, 1].
        """
        try:
            record: Any = json.loads(text)
        except json.JSONDecodeError as error:
            raise ReaderError(f"{source} is not JSON ({error}): {_FIX}") from error
        combine = record.get("combine") if isinstance(record, dict) else None
        threshold = record.get("min_probability") if isinstance(record, dict) else None
        if not (isinstance(combine, list) and len(combine) in (4, 5) and all(_is_number(w) for w in combine)):
            raise ReaderError(f"{source} must give combine as four or five numbers: {_FIX}")
        if not (_is_number(threshold) and 0.0 <= threshold <= 1.0):
            raise ReaderError(f"{source} must give min_probability as a number between 0 and 1: {_FIX}")
        return cls(tuple(float(w) for w in combine), float(threshold), str(record.get("fitted_by", "")), str(record.get("date", "")))


_FIX = "run `python -m training.calibrate` or restore rag/data/reader/ from git"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def load_calibration(path: Path) -> Calibration:
    """The calibration in ``path`` (a ``calibration.json`` or the reader folder holding one).

    Raises:
        ReaderError: The file is missing or malformed.
    """
    path = path / CALIBRATION_FILE if path.is_dir() else path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ReaderError(f"the reader's calibration {path} cannot be read ({error.strerror or error}): {_FIX}") from error
    return Calibration.from_json(text, source=str(path))


def reader_folder(reader: str = "model") -> Path:
    """The folder of a trained reader's weights and calibration: ``model`` (the 6-layer reader) or ``large``.

    Example:
        >>> reader_folder("large").name
        'reader_large'
    """
    return Path(__file__).parent / "data" / READER_FOLDERS[reader]


@functools.cache
def shipped_calibration(reader: str = "model") -> Calibration:
    """A shipped reader's calibration (``model`` or ``large``), read once per process."""
    return load_calibration(reader_folder(reader))
