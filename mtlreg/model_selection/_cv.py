"""Cross-validated estimators: one warm-started path per fold, then a refit.

The folds are drawn once; each (fold, l2) pair runs a single regularisation
path over the whole alpha grid and scores every solution on the held-out
rows. The scorer is the one GridSearchCV would use for the same ``scoring``
(None: the estimator's own ``score``), so both pick the same alpha.
"""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import check_scoring

from .._base import build_design, check_targets
from .._param_validation import (
    ArrayLike,
    Boolean,
    Interval,
    NoneValue,
    Options,
    validate_params,
)
from .._progress import Progress
from ..estimators import (
    _PENALTY_KEYS,
    L21Classifier,
    L21Regressor,
    LassoClassifier,
    LassoRegressor,
    MeanRegularizedClassifier,
    MeanRegularizedRegressor,
    TraceNormClassifier,
    TraceNormRegressor,
    _solver_doc,
)
from ..metrics import SCORERS, get_scorer
from ..solvers import SOLVERS
from ._path import alpha_grid, solve_path


class _Anything:
    def accepts(self, value):
        return True

    def __str__(self):
        return "anything"


def _resolve_cv(cv):
    if cv is None or isinstance(cv, Integral):
        from ._split import TaskKFold

        return TaskKFold(5 if cv is None else int(cv), shuffle=True, random_state=0)
    if hasattr(cv, "split"):
        return cv
    return list(cv)


class _MultiTaskCV:
    """Mixin turning one of the eight estimators into its cross-validated twin."""

    _parameter_constraints = {
        "alphas": [Interval(Integral, 1, None, closed="left"), ArrayLike()],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "l2s": [NoneValue(), ArrayLike()],
        "fit_intercept": [Boolean()],
        "task_weights": [NoneValue(), Options("balanced", "n_samples"), ArrayLike()],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "solver": [Options("auto", *SOLVERS)],
        "cv": [NoneValue(), Interval(Integral, 2, None, closed="left"), _Anything()],
        "scoring": [_Anything()],
        "n_jobs": [NoneValue(), Interval(Integral, None, None)],
        "verbose": [Interval(Integral, 0, None, closed="left"), Boolean()],
    }

    def __init__(
        self,
        *,
        alphas=100,
        eps=1e-3,
        l2s=None,
        fit_intercept=True,
        task_weights=None,
        tol=1e-4,
        max_iter=1000,
        solver="auto",
        cv=None,
        scoring=None,
        n_jobs=None,
        verbose=0,
    ):
        self.alphas = alphas
        self.eps = eps
        self.l2s = l2s
        self.fit_intercept = fit_intercept
        self.task_weights = task_weights
        self.tol = tol
        self.max_iter = max_iter
        self.solver = solver
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _base(self, **params):
        est = self._estimator_class(
            fit_intercept=self.fit_intercept,
            task_weights=self.task_weights,
            tol=self.tol,
            max_iter=self.max_iter,
            solver=self.solver,
        )
        return est.set_params(**params)

    def fit(self, X, y):
        """Choose alpha (and l2) by cross-validation, then refit on all of X, y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Targets with NaN for missing entries.

        Returns
        -------
        self : object
        """
        validate_params(self)
        X = self._validate_X(X, reset=True)
        classification = self._loss == "logistic"
        Y, _, _, n_obs = check_targets(y, X.shape[0], classification, name="y")
        l2s = np.array([0.0] if self.l2s is None else self.l2s, dtype=np.float64).ravel()
        if l2s.size == 0 or np.any(l2s < 0) or not np.all(np.isfinite(l2s)):
            raise ValueError(f"l2s must be finite values >= 0; got {self.l2s!r}.")
        if isinstance(self.alphas, Integral):
            design, _ = build_design(
                X, Y, self.fit_intercept, self.task_weights, n_obs=n_obs, loss=self._loss
            )
            alphas = alpha_grid(
                design, self._loss, self._penalty, self.fit_intercept, int(self.alphas), self.eps
            )
        else:
            alphas = np.sort(np.asarray(self.alphas, dtype=np.float64).ravel())[::-1]
            if alphas.size == 0 or np.any(alphas < 0) or not np.all(np.isfinite(alphas)):
                raise ValueError("alphas must be a positive int or finite values >= 0.")
        cv = _resolve_cv(self.cv)
        folds = list(cv.split(X, y)) if hasattr(cv, "split") else cv
        if isinstance(self.scoring, str) and self.scoring in SCORERS:
            # mtlreg's NaN-aware names, which scikit-learn's check_scoring does not know
            scorer = get_scorer(self.scoring)
        else:
            scorer = check_scoring(self._base(), scoring=self.scoring)
        jobs = (
            delayed(_fold_path_scores)(
                self, X, y, Y, train, test, alphas, l2, scorer, k, len(folds)
            )
            for l2 in l2s
            for k, (train, test) in enumerate(folds)
        )
        progress = Progress(len(l2s) * len(folds), type(self).__name__, self.verbose)
        flat = []
        for fold_scores in Parallel(n_jobs=self.n_jobs, return_as="generator")(jobs):
            flat.append(fold_scores)
            progress.update(f"best fold score {max(fold_scores):.4f}")
        # scores[l2, alpha, fold]
        scores = np.array(flat).reshape(len(l2s), len(folds), len(alphas)).transpose(0, 2, 1)
        mean = scores.mean(axis=2)
        # GridSearchCV orders the grid alpha-major, l2-minor and keeps the first best
        order = mean.T.ravel()
        best = int(np.argmax(order))
        i_alpha, i_l2 = divmod(best, len(l2s))
        self.alpha_ = float(alphas[i_alpha])
        self.l2_ = float(l2s[i_l2])
        self.alphas_ = alphas
        self.l2s_ = l2s
        self.score_path_ = scores[0] if self.l2s is None else scores
        self.cv_results_ = _cv_results(scores, alphas, l2s)
        self.n_splits_ = len(folds)
        final = self._base(alpha=self.alpha_, l2=self.l2_).fit(X, y)
        for name in ("coef_", "intercept_", "n_iter_", "dual_gap_", "objective_",
                     "task_weights_", "n_tasks_", "solver_", "_one_d", "classes_"):
            if hasattr(final, name):
                setattr(self, name, getattr(final, name))
        return self


def _fold_path_scores(cv_est, X, y, Y, train, test, alphas, l2, scorer, k, n_folds):
    X_train, X_test = X[train], X[test]
    Y_train = Y[train]
    y_train, y_test = np.asarray(y)[train], np.asarray(y)[test]
    probe = cv_est._base(l2=l2)
    classification = cv_est._loss == "logistic"
    # y_train and the encoded Y_train have the same observed entries
    _, classes, one_d, n_obs = check_targets(y_train, len(train), classification, name="y")
    design, _ = build_design(
        X_train, Y_train, cv_est.fit_intercept, cv_est.task_weights, n_obs=n_obs,
        loss=cv_est._loss,
    )
    owner = f"{type(cv_est).__name__} fold {k + 1}/{n_folds}"
    scores = []
    path = solve_path(
        design, cv_est._loss, cv_est._penalty, alphas, l2, cv_est.fit_intercept,
        cv_est.solver, cv_est.tol, cv_est.max_iter, owner=owner,
    )
    for alpha, res in zip(alphas, path, strict=True):
        est = clone(probe).set_params(alpha=alpha)
        est.n_features_in_ = X.shape[1]
        est._set_solution(res, one_d)
        if classification:
            est.classes_ = classes[0] if one_d else classes
        scores.append(scorer(est, X_test, y_test))
    return scores


def _cv_results(scores, alphas, l2s):
    """GridSearchCV-style results, alpha-major and l2-minor as ParameterGrid orders them."""
    n_l2, n_alphas, n_folds = scores.shape
    flat = scores.transpose(1, 0, 2).reshape(n_alphas * n_l2, n_folds)
    mean, std = flat.mean(axis=1), flat.std(axis=1)
    ranks = np.empty(len(mean), dtype=np.int32)
    # rank 1 = best; ties share the smallest rank, as GridSearchCV's method="min"
    order = np.argsort(-mean, kind="stable")
    sorted_mean = mean[order]
    rank = 0
    for pos, idx in enumerate(order):
        if pos == 0 or sorted_mean[pos] != sorted_mean[pos - 1]:
            rank = pos + 1
        ranks[idx] = rank
    results = {
        "param_alpha": np.repeat(alphas, n_l2),
        "param_l2": np.tile(l2s, n_alphas),
        "params": [{"alpha": float(a), "l2": float(b)} for a in alphas for b in l2s],
        "mean_test_score": mean,
        "std_test_score": std,
        "rank_test_score": ranks,
    }
    for k in range(n_folds):
        results[f"split{k}_test_score"] = flat[:, k]
    return results


def _cv_doc(base):
    penalty_key = _PENALTY_KEYS[base._penalty]
    ref = f":class:`~mtlreg.{base.__name__}`"
    if penalty_key == "mean":
        top = (
            "10 times the datafit's curvature (its gradient's\n"
            "        Lipschitz constant; this penalty has no alpha_max, no alpha makes W zero)"
        )
    else:
        top = "alpha_max (:func:`~mtlreg.alpha_max`)"
    solver = _solver_doc(base._loss, penalty_key)
    return f"""{base.__name__} with alpha (and optionally l2) chosen by cross-validation.

    The folds are drawn once (default:
    :class:`~mtlreg.model_selection.TaskKFold`, which puts part of
    every task's rows in every fold); each fold then runs one warm-started
    regularisation path over the whole alpha grid, for each l2 in ``l2s``,
    and every solution is scored on the held-out rows with the scorer
    GridSearchCV would use for the same ``scoring``. The best (alpha, l2) by
    mean score is refitted on all data. The objective is that of
    {ref}.

    Parameters
    ----------
    alphas : int or array-like, default=100
        Number of alphas on the default grid, or the alphas themselves. The
        default grid is log-spaced from {top}
        down to ``eps`` times that, computed on all the data.
    eps : float, default=1e-3
        Smallest / largest alpha of the default grid.
    l2s : array-like, default=None
        Values of the ridge strength ``l2`` to try; None means l2 = 0 only.
    fit_intercept, task_weights, tol, max_iter
        As for {ref}.
    {solver}
        The same solver runs every fold's path and the final refit.
    cv : int, cross-validation splitter or iterable, default=None
        None: 5 folds of ``TaskKFold(shuffle=True, random_state=0)``; an int: that
        many :class:`~mtlreg.model_selection.TaskKFold` folds; else any splitter or
        iterable of (train, test) indices.
    scoring : str, callable, list, tuple or dict, default=None
        A single scorer as GridSearchCV's ``scoring`` accepts, or one of
        mtlreg's names (:func:`~mtlreg.metrics.get_scorer_names`, e.g.
        ``"mt_r2"``); None means the estimator's ``score`` (mean per-task R^2,
        or accuracy for classifiers).
    n_jobs : int, default=None
        Number of (fold, l2) paths run in parallel.
    verbose : int, default=0
        Report progress (a bar on a terminal, log lines otherwise) when positive.

    Attributes
    ----------
    alpha_, l2_ : float
        The chosen hyperparameters.
    alphas_ : ndarray of shape (n_alphas,)
    l2s_ : ndarray of shape (n_l2s,)
    score_path_ : ndarray of shape (n_alphas, n_folds), or (n_l2s, n_alphas, n_folds) with l2s
        Held-out score of every alpha on every fold.
    cv_results_ : dict of arrays
        In GridSearchCV's layout (``params``, ``mean_test_score``,
        ``split<k>_test_score``, ``rank_test_score``, ...).
    n_splits_ : int
    coef_, intercept_, n_iter_, dual_gap_, objective_
        Of the model refitted at (``alpha_``, ``l2_``).
    """


class LassoRegressorCV(_MultiTaskCV, LassoRegressor):
    __doc__ = _cv_doc(LassoRegressor)
    _estimator_class = LassoRegressor


class L21RegressorCV(_MultiTaskCV, L21Regressor):
    __doc__ = _cv_doc(L21Regressor)
    _estimator_class = L21Regressor


class TraceNormRegressorCV(_MultiTaskCV, TraceNormRegressor):
    __doc__ = _cv_doc(TraceNormRegressor)
    _estimator_class = TraceNormRegressor


class MeanRegularizedRegressorCV(_MultiTaskCV, MeanRegularizedRegressor):
    __doc__ = _cv_doc(MeanRegularizedRegressor)
    _estimator_class = MeanRegularizedRegressor


class LassoClassifierCV(_MultiTaskCV, LassoClassifier):
    __doc__ = _cv_doc(LassoClassifier)
    _estimator_class = LassoClassifier


class L21ClassifierCV(_MultiTaskCV, L21Classifier):
    __doc__ = _cv_doc(L21Classifier)
    _estimator_class = L21Classifier


class TraceNormClassifierCV(_MultiTaskCV, TraceNormClassifier):
    __doc__ = _cv_doc(TraceNormClassifier)
    _estimator_class = TraceNormClassifier


class MeanRegularizedClassifierCV(_MultiTaskCV, MeanRegularizedClassifier):
    __doc__ = _cv_doc(MeanRegularizedClassifier)
    _estimator_class = MeanRegularizedClassifier
