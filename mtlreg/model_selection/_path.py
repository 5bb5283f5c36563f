"""Regularisation paths: one warm-started solve per alpha, from the largest down."""

import numpy as np
from sklearn.utils.validation import check_array

from .._base import build_design, check_targets, solve
from .._design import lipschitz
from ..losses import LOSSES
from ..penalties import L1Penalty, L21Penalty, MeanRegularizedPenalty, TraceNormPenalty
from ..solvers import SOLVERS
from ..solvers._problem import Problem

PENALTIES = {
    "lasso": L1Penalty,
    "l21": L21Penalty,
    "trace": TraceNormPenalty,
    "mean": MeanRegularizedPenalty,
}


def alpha_grid(design, loss, penalty_cls, fit_intercept, n_alphas=100, eps=1e-3):
    """Decreasing log-spaced grid from the penalty's grid top (alpha_max) to eps times it."""
    loss = LOSSES[loss]() if isinstance(loss, str) else loss
    problem = Problem(design, loss, penalty_cls(1.0), fit_intercept)
    zero = design.zeros()
    gW, _ = problem.gradient(zero, problem.best_intercept(zero, 0.0))
    top = penalty_cls(1.0).grid_top(-gW, lipschitz(design, loss.curvature))
    if top <= 0.0:
        # Y is fitted by the intercepts alone: every alpha gives W = 0
        top = np.finfo(np.float64).eps
    return np.geomspace(top, top * eps, n_alphas)


def solve_path(design, loss, penalty_cls, alphas, l2, fit_intercept, solver, tol, max_iter,
               W0=None, b0=None, verbose=0, owner="path"):
    """Solve along ``alphas`` on a built design, each solve warm-started from the last.

    Yields one result dict (W, uncentred b, n_iter, criterion, kind, ...) per alpha.
    """
    loss = LOSSES[loss]() if isinstance(loss, str) else loss
    W = np.zeros((design.n_features, design.n_tasks)) if W0 is None else np.array(W0, float)
    b = np.zeros(design.n_tasks) if b0 is None else np.array(b0, float)
    for k, alpha in enumerate(alphas):
        problem = Problem(design, loss, penalty_cls(alpha, l2), fit_intercept)
        res = solve(problem, solver, W, b, tol, max_iter, max(verbose - 1, 0), owner)
        if verbose:
            print(
                f"[{owner}] alpha {k + 1}/{len(alphas)} = {alpha:.4g}: {res['n_iter']} "
                f"iterations, {res['kind']} {res['criterion']:.2e}"
            )
        W, b = res["W"], res["b"]
        yield res


def regularization_path(
    X,
    y,
    *,
    penalty="l21",
    loss="squared",
    eps=1e-3,
    n_alphas=100,
    alphas=None,
    l2=0.0,
    fit_intercept=True,
    task_weights=None,
    tol=1e-4,
    max_iter=1000,
    solver="auto",
    coef_init=None,
    verbose=0,
    return_n_iter=False,
    return_intercept=False,
):
    """Compute a multi-task model along a decreasing grid of alphas.

    Each solve starts from the previous solution (warm start), which is what
    makes a path of 100 alphas cost a few cold fits. Shapes and argument names
    follow ``sklearn.linear_model.enet_path``.

    Minimises, for each alpha, sum_t w_t * loss_t(w_t, b_t) + Omega_alpha(W)
    + l2/2 ||W||_F^2 (each penalty's Omega is written out in the estimators'
    docstrings, e.g. :class:`~mtlreg.L21Regressor`).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples, n_tasks) or (n_samples,)
        Targets with NaN for missing entries (two labels per task for the
        logistic loss).
    penalty : {"lasso", "l21", "trace", "mean"}, default="l21"
    loss : {"squared", "logistic"}, default="squared"
    eps : float, default=1e-3
        Length of the default grid: alpha_min / alpha_max.
    n_alphas : int, default=100
        Number of alphas on the default grid.
    alphas : array-like, default=None
        The alphas to use (sorted in decreasing order). None: ``n_alphas``
        log-spaced from the exact alpha_max down to ``eps * alpha_max`` (for
        "mean", which has no alpha_max, from 10 times the datafit curvature).
    l2 : float, default=0.0
        Ridge strength l2/2 ||W||_F^2, fixed along the path.
    fit_intercept, task_weights, tol, max_iter
        As for the estimators.
    solver : {"auto", "fista", "bcd", "cg", "prox_newton", "newton_cg"}, default="auto"
        "fista" applies to every penalty and loss. "bcd" (block coordinate
        descent) needs ``loss="squared"`` with ``penalty="lasso"`` or ``"l21"``,
        "cg" (conjugate gradient) ``loss="squared"`` with ``penalty="mean"``,
        "prox_newton" ``loss="logistic"`` with ``penalty="lasso"`` or ``"l21"``,
        "newton_cg" (truncated Newton) ``loss="logistic"`` with ``penalty="mean"``.
        "auto" picks the one of these that applies, and "fista" otherwise.
    coef_init : array-like of shape (n_tasks, n_features), default=None
        Starting coefficients for the first alpha.
    verbose : int, default=0
        Log one line per alpha when positive.
    return_n_iter : bool, default=False
        Also return the iteration counts.
    return_intercept : bool, default=False
        Also return the intercepts.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_tasks, n_features, n_alphas), or (n_features, n_alphas) for 1-D y
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gap at each solution (NaN where the model has none).
    n_iters : ndarray of shape (n_alphas,)
        Only with ``return_n_iter=True``.
    intercepts : ndarray of shape (n_tasks, n_alphas), or (n_alphas,) for 1-D y
        Only with ``return_intercept=True``.
    """
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {sorted(PENALTIES)}; got {penalty!r}.")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}.")
    if solver != "auto" and solver not in SOLVERS:
        raise ValueError(
            f"solver must be 'auto' or one of {sorted(SOLVERS)}; got {solver!r}."
        )
    X = check_array(X, accept_sparse=["csr", "csc"], dtype=np.float64, input_name="X")
    Y, _, one_d, n_obs = check_targets(y, X.shape[0], loss == "logistic", name="y")
    design, _ = build_design(X, Y, fit_intercept, task_weights, n_obs=n_obs, loss=loss)
    penalty_cls = PENALTIES[penalty]
    if alphas is None:
        alphas = alpha_grid(design, loss, penalty_cls, fit_intercept, n_alphas, eps)
    else:
        alphas = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
        if alphas.size == 0 or np.any(alphas < 0) or not np.all(np.isfinite(alphas)):
            raise ValueError("alphas must be a non-empty array of finite values >= 0.")
    W0 = None
    if coef_init is not None:
        W0 = np.asarray(coef_init, dtype=np.float64)
        if W0.size != X.shape[1] * Y.shape[1]:
            raise ValueError(
                f"coef_init must have shape ({Y.shape[1]}, {X.shape[1]}); got "
                f"{np.shape(coef_init)}."
            )
        W0 = W0.reshape(Y.shape[1], X.shape[1]).T
    results = list(
        solve_path(design, loss, penalty_cls, alphas, l2, fit_intercept, solver, tol, max_iter,
                   W0=W0, verbose=verbose, owner=f"{penalty}_path")
    )
    coefs = np.stack([r["W"].T for r in results], axis=-1)
    intercepts = np.stack([r["b"] for r in results], axis=-1)
    gaps = np.array([r["criterion"] if r["kind"] == "gap" else np.nan for r in results])
    n_iters = np.array([r["n_iter"] for r in results])
    if one_d:
        coefs, intercepts = coefs[0], intercepts[0]
    out = [alphas, coefs, gaps]
    if return_n_iter:
        out.append(n_iters)
    if return_intercept:
        out.append(intercepts)
    return tuple(out)


def _make_path(penalty, name, what):
    def path(X, y, **kwargs):
        return regularization_path(X, y, penalty=penalty, **kwargs)

    path.__name__ = path.__qualname__ = name
    path.__doc__ = (
        f"Regularisation path of the {what}.\n\n"
        f"``regularization_path(X, y, penalty={penalty!r}, **kwargs)``: see\n"
        f":func:`~mtlreg.model_selection.regularization_path` for the parameters and\n"
        f"returned arrays.\n"
    )
    return path


lasso_path = _make_path("lasso", "lasso_path", "multi-task Lasso")
l21_path = _make_path("l21", "l21_path", "L2,1 (group sparse) model")
trace_norm_path = _make_path("trace", "trace_norm_path", "trace-norm (low rank) model")
mean_regularized_path = _make_path("mean", "mean_regularized_path", "mean-regularised model")
