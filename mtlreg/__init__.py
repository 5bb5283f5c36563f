"""mtlreg: multi-task regression and classification in the scikit-learn idiom."""

import importlib as _importlib

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

# Submodules load on first access (``mtlreg.metrics.get_scorer`` after ``import mtlreg``),
# as scikit-learn's do: ``mtlreg.metrics`` pulls in sklearn.metrics, 0.1 s that every
# import would otherwise pay.
_SUBMODULES = ("data", "datasets", "metrics", "model_selection")


def __getattr__(name):
    if name in _SUBMODULES:
        return _importlib.import_module(f"mtlreg.{name}")
    raise AttributeError(f"module 'mtlreg' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
