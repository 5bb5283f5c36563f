"""mtlreg: multi-task regression and classification in the scikit-learn idiom."""

from ._alpha import alpha_max
from .estimators import (
    L21Classifier,
    L21Regressor,
    LassoClassifier,
    LassoRegressor,
    MeanRegularizedClassifier,
    MeanRegularizedRegressor,
    TraceNormClassifier,
    TraceNormRegressor,
)

__version__ = "0.1.0"

__all__ = [
    "L21Classifier",
    "L21Regressor",
    "LassoClassifier",
    "LassoRegressor",
    "MeanRegularizedClassifier",
    "MeanRegularizedRegressor",
    "TraceNormClassifier",
    "TraceNormRegressor",
    "alpha_max",
]
