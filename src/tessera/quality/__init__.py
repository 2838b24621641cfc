"""Agreement and aggregation of annotations: numpy and scipy only, scikit-learn style.

Inputs are integer-coded long-format arrays (see `answers.py`, `encoding.py`); estimators take
their parameters in the constructor, `fit` returns the estimator, fitted results end in `_`.
"""

from tessera.quality.answers import Answers, Gold
from tessera.quality.categorical import DawidSkene, MajorityVote, OneCoinDawidSkene, Wawa
from tessera.quality.encoding import Codebook, EncodedAnswers, encode, encode_answers
from tessera.quality.posteriors import NO_LABEL, CategoricalModel

__all__ = [
    "NO_LABEL",
    "Answers",
    "CategoricalModel",
    "Codebook",
    "DawidSkene",
    "EncodedAnswers",
    "Gold",
    "MajorityVote",
    "OneCoinDawidSkene",
    "Wawa",
    "encode",
    "encode_answers",
]
