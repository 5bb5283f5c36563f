"""Regularisation paths, cross-validated estimators and task-aware splitters."""

from ._cv import (
    L21ClassifierCV,
    L21RegressorCV,
    LassoClassifierCV,
    LassoRegressorCV,
    MeanRegularizedClassifierCV,
    MeanRegularizedRegressorCV,
    TraceNormClassifierCV,
    TraceNormRegressorCV,
)
from ._path import (
    l21_path,
    lasso_path,
    mean_regularized_path,
    regularization_path,
    trace_norm_path,
)
from ._split import TaskKFold

__all__ = [
    "L21ClassifierCV",
    "L21RegressorCV",
    "LassoClassifierCV",
    "LassoRegressorCV",
    "MeanRegularizedClassifierCV",
    "MeanRegularizedRegressorCV",
    "TaskKFold",
    "TraceNormClassifierCV",
    "TraceNormRegressorCV",
    "l21_path",
    "lasso_path",
    "mean_regularized_path",
    "regularization_path",
    "trace_norm_path",
]
