"""The eight estimators: four regularisers x {squared, logistic} loss."""

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin, RegressorMixin

from ._base import MultiTaskLinearModel, _as_2d
from .penalties import (
    L1Penalty,
    L21Penalty,
    MeanRegularizedPenalty,
    TraceNormPenalty,
)

# docstring text that depends on the loss: the datafit F, how it compares with
# scikit-learn's, and the quantity ``tol`` is relative to (the losses' gap_scale)
_LOSS_TEXT = {
    "squared": {
        "datafit": (
            "    F(W, b) = sum_t w_t / (2 n_t) * sum_{i in I_t} (Y_it - x_i' W_:t - b_t)^2"
        ),
        "sklearn": (
            "With one shared design, every target observed and ``task_weights=None``\n"
            "    the datafit is scikit-learn's 1 / (2 n) ||Y - XW||_F^2."
        ),
        "tol": (
            "Stop when the duality gap is below ``tol`` times\n"
            "        sum_t w_t ||y_t - ybar_t||^2 / n_t (scikit-learn's scaling; ybar_t = 0\n"
            "        without intercept)."
        ),
    },
    "logistic": {
        "datafit": (
            "    F(W, b) = sum_t w_t / n_t * sum_{i in I_t} log(1 + exp(-y_it (x_i' W_:t + b_t)))\n"
            "\n"
            "    with y_it = +1 for the larger of task t's two labels and -1 for the smaller."
        ),
        "sklearn": (
            "With ``task_weights=None`` (w_t = 1) the datafit is the sum over the tasks of\n"
            "    each task's mean log-loss (scikit-learn's ``log_loss`` of the task's\n"
            "    ``predict_proba`` on its observed rows). For a single task it is\n"
            "    scikit-learn's LogisticRegression datafit\n"
            "    C * sum_i log(1 + exp(-y_i (x_i' w + b))) divided by C n."
        ),
        "tol": (
            "Stop when the duality gap is below ``tol`` times F at W = 0 (with the\n"
            "        best intercepts when ``fit_intercept``, else b = 0)."
        ),
    },
}

_PENALTY_TEXT = {
    "lasso": ("alpha * sum_jt |W_jt|", "multi-task Lasso: each coefficient is sparse on its own"),
    "l21": (
        "alpha * sum_j ||W_j:||_2",
        "L2,1 group sparsity: the tasks select the same features (rows of W)",
    ),
    "trace": (
        "alpha * ||W||_*",
        "trace norm (sum of singular values): the tasks share a low-dimensional subspace",
    ),
    "mean": (
        "alpha / 2 * sum_t ||W_:t - mean_s W_:s||^2",
        "mean-regularised soft sharing: each task is pulled towards the mean task",
    ),
}

# The key of each penalty class in _PENALTY_TEXT (the *CV docstrings look their base up here).
_PENALTY_KEYS = {
    L1Penalty: "lasso",
    L21Penalty: "l21",
    TraceNormPenalty: "trace",
    MeanRegularizedPenalty: "mean",
}

_SOLVER_TEXT = {
    "fista": '"fista": accelerated proximal gradient with backtracking and adaptive restart.',
    "bcd": (
        '"bcd": block coordinate descent over feature rows with working sets and\n'
        "Anderson extrapolation."
    ),
    "cg": '"cg": preconditioned conjugate gradient on the quadratic objective.',
    "prox_newton": (
        '"prox_newton": proximal Newton steps, each solved by coordinate descent\n'
        "over a working set of feature rows, with a backtracking line search."
    ),
    "newton_cg": (
        '"newton_cg": truncated Newton steps, each solved by preconditioned\n'
        "conjugate gradient, with a backtracking line search."
    ),
}


def _valid_solvers(loss, penalty_key):
    """The solvers ``fit`` accepts for this loss and penalty, the one "auto" picks last.

    Mirrors mtlreg.solvers.SUPPORTS and choose() (``solve`` refuses the others with a
    ValueError): "bcd" needs the squared loss and a penalty separable over feature rows
    (Lasso, L2,1), "cg" the squared loss and a quadratic penalty (mean-regularised),
    "prox_newton" the logistic loss and a row-separable penalty, "newton_cg" the logistic
    loss and a quadratic penalty; "fista" applies to every model. "auto" takes the first
    of bcd, cg, prox_newton, newton_cg, fista that applies.
    """
    if loss == "squared" and penalty_key in ("lasso", "l21"):
        return ("fista", "bcd")
    if loss == "logistic" and penalty_key in ("lasso", "l21"):
        return ("fista", "prox_newton")
    if loss == "squared" and penalty_key == "mean":
        return ("fista", "cg")
    if loss == "logistic" and penalty_key == "mean":
        return ("fista", "newton_cg")
    return ("fista",)


def _solver_doc(loss, penalty_key):
    """The ``solver`` entry of a Parameters section (four-space indent, first line bare)."""
    solvers = _valid_solvers(loss, penalty_key)
    choices = ", ".join(f'"{s}"' for s in ("auto",) + solvers)
    lines = []
    for name in solvers:
        lines += _SOLVER_TEXT[name].split("\n")
    if len(solvers) > 1:
        lines.append(f'"auto" picks "{solvers[-1]}".')
    else:
        lines.append('"auto" picks "fista", the only solver that applies to this model.')
    body = "".join(f"\n        {line}" for line in lines)
    return f'solver : {{{choices}}}, default="auto"{body}'


def _docstring(kind, loss, penalty_key):
    datafit, sklearn_note, tol = (_LOSS_TEXT[loss][k] for k in ("datafit", "sklearn", "tol"))
    omega, what = _PENALTY_TEXT[penalty_key]
    solver = _solver_doc(loss, penalty_key)
    if "bcd" in _valid_solvers(loss, penalty_key):
        max_iter = "Maximum number of iterations (epochs for coordinate descent)."
    elif "prox_newton" in _valid_solvers(loss, penalty_key):
        max_iter = "Maximum number of iterations (Newton steps for proximal Newton)."
    elif "newton_cg" in _valid_solvers(loss, penalty_key):
        max_iter = "Maximum number of iterations (Newton steps for Newton-CG)."
    else:
        max_iter = "Maximum number of iterations."
    if loss == "squared":
        returns = "predict returns (n_samples, n_tasks) values (or (n_samples,) after a 1-D y)."
    else:
        returns = (
            "predict returns each task's labels; predict_proba the probability of each "
            "task's two classes."
        )
    return f"""Multi-task {kind} with the {what}.

    Minimises over W (n_features, n_tasks) and intercepts b (n_tasks,)::

        F(W, b) + {omega} + l2 / 2 * ||W||_F^2

    where, with I_t the rows where task t's target is observed (not NaN),
    ``n_t = |I_t|`` and w_t the task weights::

    {datafit}

    Each task contributes its mean loss, so ``alpha`` means the same whatever
    the task sizes.

    {sklearn_note}

    Parameters
    ----------
    alpha : float, default=1.0
        Regularisation strength, >= 0.
    l2 : float, default=0.0
        Strength of the additional ridge term l2 / 2 * ||W||_F^2, >= 0.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per task.
    task_weights : None, "balanced", "n_samples" or array-like of shape (n_tasks,)
        Weights w_t of the tasks' mean losses. None and "balanced" weigh all
        tasks equally; "n_samples" uses w_t = T n_t / sum_s n_s (every sample
        counts the same); an array gives positive weights.
    tol : float, default=1e-4
        {tol}
        Where no duality gap is available the norm of the proximal gradient
        mapping is compared with ``tol`` times that of the gradient at W = 0.
    max_iter : int, default=1000
        {max_iter}
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    {solver}
    verbose : int, default=0
        Print progress of the solver.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features) or (n_features,)
        W transposed, as in scikit-learn's MultiTaskLasso; 1-D after a 1-D y.
    intercept_ : ndarray of shape (n_tasks,) or float
    n_iter_ : int
        Iterations run by the solver.
    dual_gap_ : float
        Duality gap at the solution (NaN where the model has none).
    objective_ : float
        Objective value at the solution.
    task_weights_ : ndarray of shape (n_tasks,)
    n_tasks_ : int
    solver_ : str
        The solver used.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Defined when X has feature names that are all strings.

    Notes
    -----
    Y may mix layouts: every entry observed (shared design), each row observed
    in one task (per-task samples) or anything between. {returns}
    """


class _Regressor(RegressorMixin, MultiTaskLinearModel):
    _loss = "squared"

    def predict(self, X):
        """Predict each task's target, shape (n_samples, n_tasks) (or (n_samples,))."""
        return self._decision(X)

    def score(self, X, y, sample_weight=None):
        """Mean over tasks of the per-task R^2 on the observed (non-NaN) entries of y."""
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported by score.")
        # imported here, as scikit-learn's own mixins do: the metrics module imports
        # sklearn.metrics, 0.1 s that `import mtlreg` would otherwise pay
        from .metrics import r2_score

        # vectorised over tasks: a search scores every alpha on every fold
        return r2_score(_as_2d(np.asarray(y, dtype=np.float64)), _as_2d(self.predict(X)))


class _Classifier(ClassifierMixin, MultiTaskLinearModel):
    _loss = "logistic"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def decision_function(self, X):
        """x' w_t + b_t: positive for each task's larger label."""
        return self._decision(X)

    def predict(self, X):
        """Each task's predicted label, shape (n_samples, n_tasks) (or (n_samples,))."""
        D = self.decision_function(X)
        if self._one_d:
            return self.classes_[(D > 0).astype(int)]
        out = np.empty(D.shape)
        for t, labels in enumerate(self.classes_):
            out[:, t] = labels[(D[:, t] > 0).astype(int)]
        return out

    def predict_proba(self, X):
        """Class probabilities: (n_samples, 2), or a list of them, one per task."""
        P = expit(self.decision_function(X))
        if self._one_d:
            return np.column_stack([1.0 - P, P])
        return [np.column_stack([1.0 - P[:, t], P[:, t]]) for t in range(P.shape[1])]

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``."""
        proba = self.predict_proba(X)
        if self._one_d:
            return np.log(proba)
        return [np.log(p) for p in proba]

    def score(self, X, y, sample_weight=None):
        """Mean over tasks of the per-task accuracy on the observed (non-NaN) entries of y."""
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported by score.")
        from .metrics import accuracy_score  # see _Regressor.score

        return accuracy_score(_as_2d(np.asarray(y)), _as_2d(self.predict(X)))


class LassoRegressor(_Regressor):
    __doc__ = _docstring("regression", "squared", "lasso")
    _penalty = L1Penalty


class L21Regressor(_Regressor):
    __doc__ = _docstring("regression", "squared", "l21")
    _penalty = L21Penalty


class TraceNormRegressor(_Regressor):
    __doc__ = _docstring("regression", "squared", "trace")
    _penalty = TraceNormPenalty


class MeanRegularizedRegressor(_Regressor):
    __doc__ = _docstring("regression", "squared", "mean")
    _penalty = MeanRegularizedPenalty


class LassoClassifier(_Classifier):
    __doc__ = _docstring("classification", "logistic", "lasso")
    _penalty = L1Penalty


class L21Classifier(_Classifier):
    __doc__ = _docstring("classification", "logistic", "l21")
    _penalty = L21Penalty


class TraceNormClassifier(_Classifier):
    __doc__ = _docstring("classification", "logistic", "trace")
    _penalty = TraceNormPenalty


class MeanRegularizedClassifier(_Classifier):
    __doc__ = _docstring("classification", "logistic", "mean")
    _penalty = MeanRegularizedPenalty
