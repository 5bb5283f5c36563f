"""Shared machinery of the estimators: validation, problem building, fitting."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._blas import blas_threads_for
from ._design import centred_intercept, intercept_of, make_design, writable_view
from ._observed import count_observed, encode_binary, observed_entries
from ._param_validation import (
    ArrayLike,
    Boolean,
    Interval,
    NoneValue,
    Options,
    validate_params,
)
from .losses import LOSSES
from .solvers import SOLVERS, SUPPORTS, choose
from .solvers._problem import Problem


def check_targets(Y, n_samples, classification, name="Y"):
    """Validate Y (NaN = missing) and encode classification labels as +-1.

    Returns (Y float (n, T) with NaN, classes, one_d, n_obs) where classes is
    a list of the two labels of each task (None for regression) and n_obs the
    number of observed targets of each task (which ``build_design`` takes,
    sparing a second scan of Y). The returned Y may be the caller's own array
    (float targets, or labels that already are -1 and +1), or a writable view of one
    the caller marked read-only: never write into it. A Y in read-only memory (a
    read-only memmap) is copied.
    """
    if Y is None:
        raise ValueError(
            "requires y to be passed, but the target y is None: pass Y of shape "
            "(n_samples,) or (n_samples, n_tasks) with NaN for missing targets."
        )
    if not hasattr(Y, "ndim") or not hasattr(Y, "dtype"):
        Y = np.asarray(Y)
    one_d = Y.ndim == 1
    if classification and one_d:
        y = np.asarray(Y)
        if not (y.dtype.kind == "f" and np.isnan(y).any()):
            # a plain label vector keeps its own dtype (strings, ints) in classes_
            y = check_array(
                y, ensure_2d=False, dtype=None, ensure_all_finite=False, input_name=name
            )
            if y.dtype.kind == "f" and np.isinf(y).any():
                _raise_infinite(name, int(np.isinf(y).sum()))
            encoded, classes = _encode_labels(y.reshape(-1, 1), n_samples, name)
            return encoded, classes, one_d, np.array([len(y)], dtype=np.int64)
    # finiteness is checked below, in the scan that counts the observed entries
    Y = check_array(
        Y,
        ensure_2d=False,
        dtype=np.float64,
        ensure_all_finite=False,
        input_name=name,
    )
    # the scans below and the solvers' kernels are compiled for writable arrays: a
    # read-only Y is viewed as writable where its memory is, else copied
    Y = writable_view(Y)
    if not Y.flags.writeable:
        Y = np.array(Y)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    if Y.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D; got an array with {Y.ndim} dimensions.")
    if Y.shape[0] != n_samples:
        raise ValueError(
            f"X and {name} have inconsistent numbers of samples: X has {n_samples} rows, "
            f"{name} has {Y.shape[0]}."
        )
    if Y.shape[1] == 0:
        raise ValueError(f"{name} has no task column (shape {Y.shape}).")
    n_obs, n_inf = count_observed(Y)
    if n_inf:
        _raise_infinite(name, n_inf)
    empty = np.flatnonzero(n_obs == 0)
    if len(empty):
        raise ValueError(
            f"Task {empty[0]} (column {empty[0]} of {name}) has no observed target: every "
            f"entry is NaN. Each task needs at least one observed target in every fit "
            f"(with K-fold on rows sorted by task, shuffle the rows)."
        )
    if not classification:
        return Y, None, one_d, n_obs
    return _encode_task_labels(Y, n_obs, name) + (one_d, n_obs)


def _raise_infinite(name, count):
    raise ValueError(
        f"Input {name} contains infinity or a value too large for dtype('float64') "
        f"({count} {'entry' if count == 1 else 'entries'}). NaN marks a missing target; "
        f"infinity is never a valid one."
    )


def _encode_labels(Y, n_samples, name):
    """Encode a fully observed label matrix (labels of any dtype) as +-1."""
    if Y.shape[0] != n_samples:
        raise ValueError(
            f"X and {name} have inconsistent numbers of samples: X has {n_samples} rows, "
            f"{name} has {Y.shape[0]}."
        )
    classes, encoded = [], np.empty(Y.shape)
    for t in range(Y.shape[1]):
        labels = _task_classes(Y[:, t], t, name)
        classes.append(labels)
        encoded[:, t] = np.where(Y[:, t] == labels[1], 1.0, -1.0)
    return encoded, classes


def _encode_task_labels(Y, n_obs, name):
    """Encode the observed labels of a float Y (NaN = missing) as +-1, task by task.

    Each task's labels are read from one scan of Y grouped by task, never from a
    column of the (n, T) matrix; Y is returned as it is when its labels already
    are -1 and +1, else encoded in one more pass.
    """
    ptr, _, values = observed_entries(Y, n_obs)
    classes = [
        _task_classes(values[ptr[t]:ptr[t + 1]], t, name) for t in range(Y.shape[1])
    ]
    positive = np.array([labels[1] for labels in classes])
    if all(labels[0] == -1.0 and labels[1] == 1.0 for labels in classes):
        return Y, classes
    return encode_binary(Y, positive), classes


def _task_classes(values, t, name):
    """The two sorted labels of task t's observed ``values``; clear errors otherwise."""
    labels = np.unique(values)
    if len(labels) > 2 and type_of_target(values) == "continuous":
        raise ValueError(
            f"Unknown label type: continuous. Task {t} of {name} holds continuous "
            f"values; a classifier needs two class labels per task (use a regressor)."
        )
    if len(labels) > 2:
        raise ValueError(
            f"Only binary classification is supported. Task {t} of {name} has "
            f"{len(labels)} classes ({labels[:5].tolist()}...); fit one task per class."
        )
    if len(labels) < 2:
        raise ValueError(
            f"Task {t} of {name} has only one class ({labels.tolist()}): each task of a "
            f"binary classifier needs 2 classes among its observed labels."
        )
    return labels


def resolve_task_weights(task_weights, n_obs):
    n_tasks = len(n_obs)
    if task_weights is None or (isinstance(task_weights, str) and task_weights == "balanced"):
        return np.ones(n_tasks)
    if isinstance(task_weights, str) and task_weights == "n_samples":
        return n_tasks * n_obs / n_obs.sum()
    w = np.asarray(task_weights, dtype=np.float64)
    if w.shape != (n_tasks,):
        raise ValueError(
            f"task_weights must have one entry per task: expected shape ({n_tasks},), "
            f"got {w.shape}."
        )
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError(f"task_weights must be finite and positive; got {w}.")
    return w


def build_design(X, Y, fit_intercept, task_weights, layout="auto", n_obs=None, loss=None):
    """(design, task weights) for validated X and encoded Y (NaN = missing);
    ``n_obs`` the observed targets of each task when already counted (it must be
    Y's: the layout is built from it). For a quadratic ``loss`` with intercepts the
    design holds each task's targets centred (``make_design``)."""
    if n_obs is None:
        n_obs, _ = count_observed(Y)
    weights = resolve_task_weights(task_weights, n_obs.astype(np.float64))
    quadratic = loss is not None and getattr(LOSSES[loss], "quadratic", False)
    design = make_design(X, Y, n_obs, weights, fit_intercept, layout=layout,
                         quadratic=quadratic)
    return design, weights


def build_problem(X, Y, loss, penalty, fit_intercept, task_weights, layout="auto",
                  n_obs=None):
    """(problem, task weights) for validated X and encoded Y."""
    design, weights = build_design(X, Y, fit_intercept, task_weights, layout, n_obs, loss)
    return Problem(design, LOSSES[loss](), penalty, fit_intercept), weights


def solve(problem, solver, W0, b0, tol, max_iter, verbose, owner):
    """Run ``solver`` from W0 and uncentred intercepts b0; uncentred result.

    Resolves "auto", refuses a solver that does not apply, warns when the
    stopping criterion was not reached and never returns non-finite values.
    """
    if solver == "auto":
        solver = choose(problem)
    elif not SUPPORTS[solver](problem):
        needs = {
            "bcd": "the squared loss and a penalty separable over feature rows (Lasso, L21)",
            "cg": "the squared loss and a quadratic penalty (mean-regularised)",
            "prox_newton": "the logistic loss and a penalty separable over feature rows "
            "(Lasso, L21)",
            "newton_cg": "the logistic loss and a quadratic penalty (mean-regularised)",
        }[solver]
        raise ValueError(
            f"solver={solver!r} needs {needs}; {owner} cannot use it. "
            f"Use solver='fista' or 'auto'."
        )
    design = problem.design
    b0 = centred_intercept(design, W0, b0) if problem.fit_intercept else np.zeros_like(b0)
    with blas_threads_for(design):
        res = SOLVERS[solver](problem, W0, b0, tol=tol, max_iter=max_iter, verbose=verbose)
    W = res["W"]
    b = intercept_of(design, W, res["b"]) if problem.fit_intercept else res["b"] * 0.0
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
        raise FloatingPointError(
            f"{owner}: the solver produced non-finite coefficients. The features may be "
            f"badly scaled; try standardising X."
        )
    if not res["converged"]:
        warnings.warn(
            f"{owner} did not converge: {res['kind']} {res['criterion']:.3e} after "
            f"{res['n_iter']} iterations is above tol={tol:g} (scaled). Increase max_iter "
            f"or tol, or scale the features.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return dict(res, b=b, solver=solver)


_COMMON_CONSTRAINTS = {
    "alpha": [Interval(Real, 0, None, closed="left")],
    "l2": [Interval(Real, 0, None, closed="left")],
    "fit_intercept": [Boolean()],
    "task_weights": [NoneValue(), Options("balanced", "n_samples"), ArrayLike()],
    "tol": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "warm_start": [Boolean()],
    "solver": [Options("auto", *SOLVERS)],
    "verbose": [Interval(Integral, 0, None, closed="left"), Boolean()],
}


class MultiTaskLinearModel(BaseEstimator):
    """Base of all estimators: W (n_features, n_tasks) and b (n_tasks,).

    Subclasses set ``_loss`` ("squared" / "logistic") and ``_penalty`` (a
    penalty class taking ``alpha`` and ``l2``).
    """

    _parameter_constraints = _COMMON_CONSTRAINTS

    def __init__(
        self,
        alpha=1.0,
        *,
        l2=0.0,
        fit_intercept=True,
        task_weights=None,
        tol=1e-4,
        max_iter=1000,
        warm_start=False,
        solver="auto",
        verbose=0,
    ):
        self.alpha = alpha
        self.l2 = l2
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.solver = solver
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    def _validate_X(self, X, reset):
        return validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=np.float64,
            reset=reset,
        )

    def fit(self, X, y):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Features, shared by all tasks. The Lasso and L2,1 models' solvers read
            X by columns: a Fortran-ordered (or CSC) X is read as it is, another is
            copied to that order; a C-ordered X larger than scikit-learn's
            ``working_memory`` only in part (the data-layout page of the
            documentation says when and how much).
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Targets Y; NaN marks "no target for this task on this row". A 1-D
            y is a single task. Classifiers take any two labels per task.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validate_params(self)
        X = self._validate_X(X, reset=True)
        classification = self._loss == "logistic"
        Y, classes, one_d, n_obs = check_targets(y, X.shape[0], classification, name="y")
        penalty = self._penalty(self.alpha, self.l2)
        design, weights = build_design(
            X, Y, self.fit_intercept, self.task_weights, n_obs=n_obs, loss=self._loss
        )
        problem = Problem(design, LOSSES[self._loss](), penalty, self.fit_intercept)
        n_features, n_tasks = X.shape[1], Y.shape[1]
        W0, b0 = np.zeros((n_features, n_tasks)), np.zeros(n_tasks)
        if self.warm_start and hasattr(self, "coef_"):
            prev = np.asarray(self.coef_).reshape(-1, n_features).T
            if prev.shape == W0.shape:
                W0 = prev.copy()
                b0 = np.atleast_1d(np.asarray(self.intercept_, dtype=np.float64))
        res = solve(
            problem, self.solver, W0, b0, self.tol, self.max_iter, self.verbose, type(self).__name__
        )
        self._set_solution(res, one_d)
        self.task_weights_ = weights
        self.n_tasks_ = n_tasks
        if classification:
            self.classes_ = classes[0] if one_d else classes
        return self

    def _set_solution(self, res, one_d):
        W, b = res["W"], res["b"]
        self.coef_ = W[:, 0].copy() if one_d else np.ascontiguousarray(W.T)
        self.intercept_ = float(b[0]) if one_d else b
        self.n_iter_ = int(res["n_iter"])
        self.dual_gap_ = float(res["criterion"]) if res["kind"] == "gap" else np.nan
        self.objective_ = float(res["objective"])
        self.solver_ = res["solver"]
        self._one_d = one_d

    def _decision(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        coef = np.asarray(self.coef_)
        Z = X @ coef.T if coef.ndim == 2 else X @ coef
        return np.asarray(Z) + self.intercept_


def _as_2d(Y):
    Y = np.asarray(Y)
    return Y.reshape(-1, 1) if Y.ndim == 1 else Y
