"""Training and calibration of the reader, beside the runtime package ``rag`` and never imported by it.

Run from the repository root:

- ``python -m training.train_reader``: train the reader (``rag/data/reader/``: weights,
  tokenizer, ``reader.json``, model card);
- ``python -m training.calibrate``: fit the answerer's refusal calibration for those weights
  and write it beside them (``rag/data/reader/calibration.json``), which the runtime reads.

Needs torch and transformers (training) and the evaluation data under ``../shared/data``.
"""
