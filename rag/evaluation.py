"""Evaluation, for scripts that measure the assistant: gold sets, metrics, the baseline recipe.

What ``rag eval`` runs, as functions: :func:`evaluate` scores an assistant
on a gold set, :func:`answer_scores` scores one answer, and the metrics and
gold-set readers underneath are the ones it uses. The benchmarks in
``bench/`` import from here and from :mod:`rag` only, so a change inside the
package that would change what they measure shows up as a change to this
list (pinned by ``tests/test_api.py``).

Example:
    >>> from rag.evaluation import answer_contained, percentile
    >>> answer_contained("More than 10,000 troops will take part", ["10,000 troops"])
    1.0
    >>> percentile([10.0, 20.0, 30.0], 50)
    20.0
"""

from ._atomic import write_atomic
from ._baseline import LangChainRecipe
from ._evaluation import answer_scores, evaluate
from ._goldsets import Evidence, GoldExample, load_eval_set
from ._metrics import answer_contained, percentile, refusal_scores

__all__ = [
    "Evidence",
    "GoldExample",
    "LangChainRecipe",
    "answer_contained",
    "answer_scores",
    "evaluate",
    "load_eval_set",
    "percentile",
    "refusal_scores",
    "write_atomic",
]
