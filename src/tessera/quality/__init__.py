"""Agreement and aggregation of annotations: numpy and scipy only, scikit-learn style.

Inputs are integer-coded long-format arrays (`answers.py`; `encoding.py` codes any ids and
labels); estimators take their parameters in the constructor, `fit` returns the estimator and
fitted results end in `_`. Nothing here imports the rest of Tessera.
"""

from tessera.quality.agreement import (
    CohensKappa,
    FleissKappa,
    KrippendorffAlpha,
    Metric,
    Weighting,
    coincidence_matrix,
)
from tessera.quality.answers import Answers, Gold
from tessera.quality.categorical import DawidSkene, MajorityVote, OneCoinDawidSkene, Wawa
from tessera.quality.comparisons import Comparisons, Outcome
from tessera.quality.encoding import Codebook, EncodedAnswers, encode, encode_answers
from tessera.quality.geometry import BoxConsensus, SpanConsensus, iou
from tessera.quality.glad import GLAD
from tessera.quality.mace import MACE
from tessera.quality.multilabel import BinaryRelevance, MultiLabelAnswers
from tessera.quality.posteriors import NO_LABEL, CategoricalModel
from tessera.quality.preferences import BradleyTerry, CrowdBradleyTerry
from tessera.quality.ratings import MeanRating, MedianRating, Ratings, TrimmedMeanRating

__all__ = [
    "GLAD",
    "MACE",
    "NO_LABEL",
    "Answers",
    "BinaryRelevance",
    "BoxConsensus",
    "BradleyTerry",
    "CategoricalModel",
    "Codebook",
    "CohensKappa",
    "Comparisons",
    "CrowdBradleyTerry",
    "DawidSkene",
    "EncodedAnswers",
    "FleissKappa",
    "Gold",
    "KrippendorffAlpha",
    "MajorityVote",
    "MeanRating",
    "MedianRating",
    "Metric",
    "MultiLabelAnswers",
    "OneCoinDawidSkene",
    "Outcome",
    "Ratings",
    "SpanConsensus",
    "TrimmedMeanRating",
    "Wawa",
    "Weighting",
    "coincidence_matrix",
    "encode",
    "encode_answers",
    "iou",
]
