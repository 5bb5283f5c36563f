"""alpha_max: the smallest alpha whose solution is W = 0."""

import numpy as np
from sklearn.utils.validation import check_array

from ._base import build_problem, check_targets
from .penalties import L1Penalty, L21Penalty, TraceNormPenalty

_PENALTIES = {"lasso": L1Penalty, "l21": L21Penalty, "trace": TraceNormPenalty}


def alpha_max(X, Y, penalty="l21", loss="squared", fit_intercept=True, task_weights=None):
    """Smallest ``alpha`` for which the fitted coefficients are all zero.

    W = 0 is optimal exactly when the datafit's gradient at W = 0 (with the
    intercepts fitted) lies in alpha times the penalty's dual-norm ball, so
    alpha_max is that gradient's dual norm: max ``|.|`` for the Lasso, the largest
    row 2-norm for L2,1 and the spectral norm for the trace norm. The ridge
    term ``l2`` does not change it.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Y : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Targets with NaN for missing entries (labels for ``loss="logistic"``).
    penalty : {"lasso", "l21", "trace"}, default="l21"
    loss : {"squared", "logistic"}, default="squared"
    fit_intercept : bool, default=True
    task_weights : None, "balanced", "n_samples" or array-like of shape (n_tasks,)

    Returns
    -------
    alpha_max : float
    """
    if penalty not in _PENALTIES:
        raise ValueError(
            f"penalty must be one of {sorted(_PENALTIES)} (the mean-regularised penalty has no "
            f"alpha_max: it never makes W zero); got {penalty!r}."
        )
    if loss not in ("squared", "logistic"):
        raise ValueError(f"loss must be 'squared' or 'logistic'; got {loss!r}.")
    X = check_array(X, accept_sparse=["csr", "csc"], dtype=np.float64, input_name="X")
    Y, _, _, n_obs = check_targets(Y, X.shape[0], loss == "logistic")
    pen = _PENALTIES[penalty](1.0)
    problem, _ = build_problem(X, Y, loss, pen, fit_intercept, task_weights, n_obs=n_obs)
    zero = problem.design.zeros()
    b = problem.best_intercept(zero, 0.0)
    gW, _ = problem.gradient(zero, b)
    return pen.dual_norm(gW)
