"""Multi-task metrics and scorers that ignore missing (NaN) targets.

Every metric takes ``Y_true`` of shape (n_samples, n_tasks) -- or (n_samples,)
for one task -- where NaN marks "no target for this task on this row", and a
prediction array of the same shape. Each task t is scored on its observed
rows I_t = {i : Y_true[i, t] is not NaN}, ``n_t = |I_t|``; predictions on the
other rows are ignored (they may be anything, NaN included). A task with no
observed entry raises ``ValueError`` naming the task, never a NaN score.

Aggregation over tasks (``multitask=``), for a per-task value m_t:

- ``"uniform_average"``: (1 / T) sum_t m_t (default, except for
  :func:`~mtlreg.metrics.explained_variance_score`);
- ``"sample_weighted"``: sum_t n_t m_t / sum_t n_t;
- ``"raw_values"``: the array (m_1, ..., m_T);
- ``"pooled"`` (regression metrics and accuracy): the metric of all observed
  entries taken together as one sample, variances about the grand mean of all
  observed targets. For the MSE and the accuracy it equals ``"sample_weighted"``.

Scorers for :class:`~sklearn.model_selection.GridSearchCV` and
:func:`~sklearn.model_selection.cross_validate` are built with scikit-learn's
:func:`sklearn.metrics.make_scorer`::

    from mtlreg.metrics import get_scorer
    GridSearchCV(est, grid, scoring=get_scorer("mt_r2"))
    GridSearchCV(est, grid, refit="mt_r2",
                 scoring={name: get_scorer(name) for name in ("mt_r2", "mt_neg_nmse")})

scikit-learn's own string names ("r2", "neg_mean_squared_error", ...) do not
know about NaN-masked targets; use the ``"mt_..."`` scorers of :data:`SCORERS`.
"""

import copy
import warnings

import numpy as np
from scipy.stats import rankdata
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import make_scorer
from sklearn.utils.validation import check_array

__all__ = [
    "SCORERS",
    "accuracy_score",
    "explained_variance_score",
    "get_scorer",
    "get_scorer_names",
    "make_multitask_scorer",
    "malsar_rmse",
    "mean_squared_error",
    "normalized_mean_squared_error",
    "r2_score",
    "roc_auc_score",
    "root_mean_squared_error",
]

_AVERAGES = ("uniform_average", "sample_weighted", "raw_values")
_WITH_POOLED = _AVERAGES + ("pooled",)


# --------------------------------------------------------------------------- #
# validation helpers
# --------------------------------------------------------------------------- #


def _check_multitask(multitask, allowed):
    if not isinstance(multitask, str) or multitask not in allowed:
        raise ValueError(
            f"multitask must be one of {', '.join(repr(a) for a in allowed)}; got {multitask!r}."
        )


def _as_2d(A):
    return A.reshape(-1, 1) if A.ndim == 1 else A


def _missing(A):
    """Boolean mask of NaN entries, for float or object arrays."""
    if A.dtype.kind in "fc":
        return np.isnan(A)
    if A.dtype.kind == "O":
        flat = [isinstance(v, float) and v != v for v in A.ravel()]
        return np.array(flat, dtype=bool).reshape(A.shape)
    return np.zeros(A.shape, dtype=bool)


def _check_shapes(Y_true, Y_pred, metric, pred_name):
    if Y_true.ndim not in (1, 2):
        raise ValueError(f"Y_true must be 1-D or 2-D; got {Y_true.ndim} dimensions.")
    T2, P2 = _as_2d(Y_true), _as_2d(Y_pred)
    if P2.shape != T2.shape:
        raise ValueError(
            f"{metric}: Y_true and {pred_name} have inconsistent shapes {Y_true.shape} and "
            f"{Y_pred.shape}; both must be (n_samples, n_tasks) (or (n_samples,) for one task)."
        )
    if T2.shape[0] == 0 or T2.shape[1] == 0:
        raise ValueError(f"{metric}: Y_true is empty (shape {Y_true.shape}).")
    return T2, P2


def _observed(Y_true, metric):
    """Mask of observed entries; ValueError naming the first task with none."""
    obs = ~_missing(Y_true)
    n_obs = obs.sum(axis=0)
    empty = np.flatnonzero(n_obs == 0)
    if len(empty):
        raise ValueError(
            f"{metric}: task {empty[0]} (column {empty[0]} of Y_true) has no observed "
            f"entry (every value is NaN), so it cannot be scored. With K-fold splits of "
            f"rows sorted by task, shuffle the rows or split within each task."
        )
    return obs, n_obs


def _check_pred_finite(P, obs, metric, pred_name):
    bad = obs & ~np.isfinite(P)
    if bad.any():
        t = int(np.flatnonzero(bad.any(axis=0))[0])
        raise ValueError(
            f"{metric}: {pred_name} has a NaN or infinite value at an observed entry of task {t}."
        )


def _regression_inputs(Y_true, Y_pred, metric):
    Y_true = check_array(
        Y_true,
        ensure_2d=False,
        dtype=np.float64,
        ensure_all_finite="allow-nan",
        ensure_min_samples=0,
        input_name="Y_true",
    )
    Y_pred = check_array(
        Y_pred,
        ensure_2d=False,
        dtype=np.float64,
        ensure_all_finite=False,
        ensure_min_samples=0,
        input_name="Y_pred",
    )
    Yt, Yp = _check_shapes(Y_true, Y_pred, metric, "Y_pred")
    obs, n_obs = _observed(Yt, metric)
    _check_pred_finite(Yp, obs, metric, "Y_pred")
    return Yt, Yp, obs, n_obs.astype(np.float64)


class _RegressionStats:
    """Per-task sums on observed entries: SSE_t, SST_t (about the task mean), n_t;
    and the pooled SSE and SST (about the grand mean of all observed targets)."""

    def __init__(self, Y_true, Y_pred, metric):
        Yt, Yp, obs, n = _regression_inputs(Y_true, Y_pred, metric)
        Yt0 = np.where(obs, Yt, 0.0)
        R = np.where(obs, Yt - np.where(obs, Yp, 0.0), 0.0)
        mean = Yt0.sum(axis=0) / n
        C = np.where(obs, Yt0 - mean, 0.0)
        self.n = n
        self.sse = np.einsum("ij,ij->j", R, R)
        self.sst = np.einsum("ij,ij->j", C, C)
        grand = Yt0.sum() / n.sum()
        G = np.where(obs, Yt0 - grand, 0.0)
        self.pooled_sse = float(self.sse.sum())
        self.pooled_sst = float(np.einsum("ij,ij->", G, G))
        self.pooled_n = float(n.sum())


def _one_minus_ratio(sse, sst, force_finite):
    """1 - sse / sst elementwise, with scikit-learn's r2 convention for sst = 0."""
    sse, sst = np.atleast_1d(sse).astype(float), np.atleast_1d(sst).astype(float)
    out = np.empty_like(sse)
    ok = sst > 0
    out[ok] = 1.0 - sse[ok] / sst[ok]
    perfect = ~ok & (sse == 0)
    if force_finite:
        out[perfect] = 1.0
        out[~ok & ~perfect] = 0.0
    else:
        out[perfect] = np.nan
        out[~ok & ~perfect] = -np.inf
    return out


def _aggregate(values, n, multitask):
    if multitask == "raw_values":
        return values
    if multitask == "uniform_average":
        return float(np.mean(values))
    # sample_weighted
    return float(np.dot(n, values) / n.sum())


def _check_force_finite(force_finite):
    if not isinstance(force_finite, bool | np.bool_):
        raise ValueError(f"force_finite must be a bool; got {force_finite!r}.")


# --------------------------------------------------------------------------- #
# regression metrics
# --------------------------------------------------------------------------- #


def r2_score(Y_true, Y_pred, *, multitask="uniform_average", force_finite=True):
    """Coefficient of determination R^2 of each task, on its observed entries.

    For task t with observed rows I_t (``n_t = |I_t|``) and mean ybar_t of its
    observed targets::

        R^2_t = 1 - SSE_t / SST_t,
        SSE_t = sum_{i in I_t} (y_it - yhat_it)^2,
        SST_t = sum_{i in I_t} (y_it - ybar_t)^2,

    which is ``sklearn.metrics.r2_score(y_true[I_t, t], y_pred[I_t, t])``.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True targets; NaN marks a missing target.
    Y_pred : array-like of the same shape
        Predictions; entries where ``Y_true`` is NaN are ignored.
    multitask : {"uniform_average", "sample_weighted", "raw_values", "pooled"}, \
default="uniform_average"
        Mean of R^2_t over tasks; its mean weighted by n_t; the array of R^2_t;
        or the pooled 1 - sum_t SSE_t / sum_t sum_{i in I_t} (y_it - ybar)^2 with
        ybar the grand mean of all observed targets (the same as
        ``explained_variance_score(multitask="pooled")``).
    force_finite : bool, default=True
        As in scikit-learn: a task with SST_t = 0 (constant observed targets,
        or a single observed entry) scores 1.0 if its predictions are exact,
        else 0.0. With False it scores NaN or -inf.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)

    Raises
    ------
    ValueError
        If a task has no observed entry, or the shapes differ.
    """
    _check_multitask(multitask, _WITH_POOLED)
    _check_force_finite(force_finite)
    s = _RegressionStats(Y_true, Y_pred, "r2_score")
    if multitask == "pooled":
        return float(_one_minus_ratio(s.pooled_sse, s.pooled_sst, force_finite)[0])
    return _aggregate(_one_minus_ratio(s.sse, s.sst, force_finite), s.n, multitask)


def mean_squared_error(Y_true, Y_pred, *, multitask="uniform_average"):
    """Mean squared error of each task, on its observed entries.

    ::

        MSE_t = SSE_t / n_t = (1 / n_t) sum_{i in I_t} (y_it - yhat_it)^2

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True targets; NaN marks a missing target.
    Y_pred : array-like of the same shape
        Predictions; entries where ``Y_true`` is NaN are ignored.
    multitask : {"uniform_average", "sample_weighted", "raw_values", "pooled"}, \
default="uniform_average"
        (1 / T) sum_t MSE_t; sum_t n_t MSE_t / sum_t n_t; the array of MSE_t; or
        the pooled sum_t SSE_t / sum_t n_t, which equals "sample_weighted" (every
        observed entry counts the same).

    Returns
    -------
    loss : float or ndarray of shape (n_tasks,)
        Non-negative; lower is better.
    """
    _check_multitask(multitask, _WITH_POOLED)
    s = _RegressionStats(Y_true, Y_pred, "mean_squared_error")
    if multitask == "pooled":
        return s.pooled_sse / s.pooled_n
    return _aggregate(s.sse / s.n, s.n, multitask)


def root_mean_squared_error(Y_true, Y_pred, *, multitask="uniform_average"):
    """Root mean squared error of each task, on its observed entries.

    ::

        RMSE_t = sqrt(MSE_t) = sqrt((1 / n_t) sum_{i in I_t} (y_it - yhat_it)^2)

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True targets; NaN marks a missing target.
    Y_pred : array-like of the same shape
        Predictions; entries where ``Y_true`` is NaN are ignored.
    multitask : {"uniform_average", "sample_weighted", "raw_values", "pooled"}, \
default="uniform_average"
        (1 / T) sum_t RMSE_t (as scikit-learn averages multi-output RMSE);
        sum_t n_t RMSE_t / sum_t n_t (MALSAR's ``eval_MTL_rmse``, see
        :func:`~mtlreg.metrics.malsar_rmse`); the array of RMSE_t; or the pooled
        sqrt(sum_t SSE_t / sum_t n_t).

    Returns
    -------
    loss : float or ndarray of shape (n_tasks,)
        Non-negative; lower is better.
    """
    _check_multitask(multitask, _WITH_POOLED)
    s = _RegressionStats(Y_true, Y_pred, "root_mean_squared_error")
    if multitask == "pooled":
        return float(np.sqrt(s.pooled_sse / s.pooled_n))
    return _aggregate(np.sqrt(s.sse / s.n), s.n, multitask)


def malsar_rmse(Y_true, Y_pred):
    """Sample-weighted mean of the per-task RMSE, as MALSAR reports it.

    MALSAR's ``examples/train_and_test/eval_MTL_rmse.m`` (Zhou, Chen & Ye,
    jiayuzhou/MALSAR on GitHub) computes::

        rmse = sum_t n_t RMSE_t / sum_t n_t,   RMSE_t = sqrt(SSE_t / n_t)

    i.e. the per-task RMSE averaged with weights n_t (equivalently
    sum_t sqrt(n_t SSE_t) / sum_t n_t). It is not the RMSE of the pooled
    residuals, sqrt(sum_t SSE_t / sum_t n_t), which is
    ``root_mean_squared_error(multitask="pooled")``, and is at most that value.
    Here n_t counts task t's observed (non-NaN) entries.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True targets; NaN marks a missing target.
    Y_pred : array-like of the same shape
        Predictions; entries where ``Y_true`` is NaN are ignored.

    Returns
    -------
    loss : float
        Non-negative; lower is better.
    """
    s = _RegressionStats(Y_true, Y_pred, "malsar_rmse")
    return _aggregate(np.sqrt(s.sse / s.n), s.n, "sample_weighted")


def normalized_mean_squared_error(
    Y_true, Y_pred, *, multitask="uniform_average", force_finite=True
):
    """Normalised mean squared error (nMSE) of each task, as in the MTL literature.

    The MSE divided by the variance of the true targets, both on task t's
    observed entries, with the *population* variance (ddof=0)::

        nMSE_t = MSE_t / Var_t = SSE_t / SST_t = 1 - R^2_t,
        Var_t  = (1 / n_t) sum_{i in I_t} (y_it - ybar_t)^2.

    Predicting each task's mean scores 1; lower is better.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True targets; NaN marks a missing target.
    Y_pred : array-like of the same shape
        Predictions; entries where ``Y_true`` is NaN are ignored.
    multitask : {"uniform_average", "sample_weighted", "raw_values", "pooled"}, \
default="uniform_average"
        (1 / T) sum_t nMSE_t; sum_t n_t nMSE_t / sum_t n_t; the array of
        nMSE_t; or the pooled MSE over the pooled variance, sum_t SSE_t /
        sum_t sum_{i in I_t} (y_it - ybar)^2 with ybar the grand mean of all
        observed targets. Papers differ in this choice: check the one you
        compare with.
    force_finite : bool, default=True
        A task with Var_t = 0 scores 0.0 if its predictions are exact, else 1.0
        (i.e. 1 - R^2_t with scikit-learn's convention); with False, NaN or +inf.

    Returns
    -------
    loss : float or ndarray of shape (n_tasks,)
    """
    _check_multitask(multitask, _WITH_POOLED)
    _check_force_finite(force_finite)
    s = _RegressionStats(Y_true, Y_pred, "normalized_mean_squared_error")
    if multitask == "pooled":
        return float(1.0 - _one_minus_ratio(s.pooled_sse, s.pooled_sst, force_finite)[0])
    return _aggregate(1.0 - _one_minus_ratio(s.sse, s.sst, force_finite), s.n, multitask)


def explained_variance_score(Y_true, Y_pred, *, multitask="pooled", force_finite=True):
    """Explained variance as the MTL literature reports it on the School data.

    The School benchmark (Bakker & Heskes, JMLR 2003; Evgeniou & Pontil, KDD
    2004; Argyriou, Evgeniou & Pontil, MLJ 2008) reports the *percentage
    explained variance*: the total variance of the test data minus the
    sum-squared test error, as a fraction of the total variance. Pooled over
    all tasks' test entries (the default, ``multitask="pooled"``)::

        EV = 1 - sum_t SSE_t / sum_t sum_{i in I_t} (y_it - ybar)^2
           = 1 - MSE_pooled / Var_pooled(y_test)

    with ybar the grand mean of all observed test targets and Var the
    population variance (ddof=0); multiply by 100 for the published
    percentages. The per-task variant (other ``multitask`` values) is::

        EV_t = 1 - MSE_t / Var_t = 1 - SSE_t / SST_t  ( = R^2_t ).

    Unlike :func:`sklearn.metrics.explained_variance_score`, the residuals are
    not centred: a constant bias in the predictions lowers the score.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True targets; NaN marks a missing target.
    Y_pred : array-like of the same shape
        Predictions; entries where ``Y_true`` is NaN are ignored.
    multitask : {"pooled", "uniform_average", "sample_weighted", "raw_values"}, \
default="pooled"
        The pooled EV above; or the mean of EV_t over tasks, its mean weighted
        by n_t, or the array of EV_t.
    force_finite : bool, default=True
        Zero variance in the denominator scores 1.0 for exact predictions, else
        0.0 (with False: NaN or -inf), as :func:`~mtlreg.metrics.r2_score`.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)
        Higher is better; 1 for exact predictions.

    Notes
    -----
    The published definition was not checked against the papers' text here;
    this function follows the wording used for the School data since Bakker &
    Heskes (2003): "the total variance of the data minus the sum-squared error
    on the test set as a percentage of the total variance", read as pooled over
    all test entries about their grand mean. For per-task variances averaged
    over tasks use ``multitask="uniform_average"`` or ``"sample_weighted"``.
    """
    _check_multitask(multitask, _WITH_POOLED)
    _check_force_finite(force_finite)
    s = _RegressionStats(Y_true, Y_pred, "explained_variance_score")
    if multitask == "pooled":
        return float(_one_minus_ratio(s.pooled_sse, s.pooled_sst, force_finite)[0])
    return _aggregate(_one_minus_ratio(s.sse, s.sst, force_finite), s.n, multitask)


# --------------------------------------------------------------------------- #
# classification metrics
# --------------------------------------------------------------------------- #


def _label_inputs(Y_true, metric):
    Y_true = np.asarray(Y_true)
    if Y_true.ndim not in (1, 2):
        raise ValueError(f"{metric}: Y_true must be 1-D or 2-D; got {Y_true.ndim} dimensions.")
    if Y_true.dtype.kind in "fc" and np.isinf(Y_true).any():
        raise ValueError(f"{metric}: Y_true contains infinity.")
    return Y_true


def accuracy_score(Y_true, Y_pred, *, multitask="uniform_average"):
    """Fraction of correctly predicted labels of each task, on its observed entries.

    ::

        acc_t = (1 / n_t) sum_{i in I_t} [yhat_it == y_it]

    Labels may be any values (e.g. {2, 5} in one task, {0, 1} in another, or
    strings for a 1-D y); NaN in ``Y_true`` marks a missing label.

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels; NaN marks a missing label.
    Y_pred : array-like of the same shape
        Predicted labels (the estimator's ``predict``); entries where
        ``Y_true`` is NaN are ignored.
    multitask : {"uniform_average", "sample_weighted", "raw_values", "pooled"}, \
default="uniform_average"
        Mean of acc_t over tasks; its mean weighted by n_t; the array of
        acc_t; or the fraction correct among all observed entries (which equals
        "sample_weighted").

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)
    """
    _check_multitask(multitask, _WITH_POOLED)
    Y_true = _label_inputs(Y_true, "accuracy_score")
    Y_pred = np.asarray(Y_pred)
    Yt, Yp = _check_shapes(Y_true, Y_pred, "accuracy_score", "Y_pred")
    obs, n_obs = _observed(Yt, "accuracy_score")
    correct = (np.asarray(Yp == Yt) & obs).sum(axis=0).astype(np.float64)
    n = n_obs.astype(np.float64)
    if multitask == "pooled":
        return float(correct.sum() / n.sum())
    return _aggregate(correct / n, n, multitask)


def _score_columns(Y_score, Y_true):
    """(n, T) scores of the positive (larger) label from an array or predict_proba list."""
    n_tasks = 1 if Y_true.ndim == 1 else Y_true.shape[1]
    if isinstance(Y_score, list | tuple):
        if len(Y_score) != n_tasks:
            raise ValueError(
                f"roc_auc_score: Y_score is a list of {len(Y_score)} arrays but Y_true has "
                f"{n_tasks} task(s); pass predict_proba's list (one (n_samples, 2) array "
                f"per task) or an (n_samples, n_tasks) array."
            )
        cols = []
        for t, P in enumerate(Y_score):
            P = np.asarray(P, dtype=np.float64)
            if P.ndim != 2 or P.shape[1] != 2:
                raise ValueError(
                    f"roc_auc_score: Y_score[{t}] has shape {P.shape}; predict_proba's "
                    f"per-task arrays have shape (n_samples, 2)."
                )
            cols.append(P[:, 1])
        if len({len(c) for c in cols}) > 1:
            raise ValueError("roc_auc_score: the arrays of Y_score have different lengths.")
        return np.column_stack(cols)
    S = np.asarray(Y_score, dtype=np.float64)
    if Y_true.ndim == 1 and S.ndim == 2 and S.shape[1] == 2:
        return S[:, 1:]  # predict_proba of a one-task (1-D y) classifier
    return S


def roc_auc_score(Y_true, Y_score, *, multitask="uniform_average"):
    """Area under the ROC curve of each (binary) task, on its observed entries.

    ``AUC_t = sklearn.metrics.roc_auc_score(y_t == pos_t, s_t)`` on the rows
    I_t, where pos_t is the larger of task t's two labels (the label
    mtlreg's classifiers put second in ``classes_[t]``, with positive
    decision values) and s_t the scores. AUC_t is the probability that a
    random positive entry of task t scores higher than a random negative one
    (ties count 1/2).

    Parameters
    ----------
    Y_true : array-like of shape (n_samples, n_tasks) or (n_samples,)
        True labels, two distinct values per task (any values, e.g. {2, 5});
        NaN marks a missing label.
    Y_score : array-like of shape (n_samples, n_tasks) or list of n_tasks arrays
        Scores increasing with the larger label: ``decision_function``
        output, positive-class probabilities, or ``predict_proba``'s list of
        (n_samples, 2) arrays (column 1 is used). For a 1-D ``Y_true`` an
        (n_samples,) array or an (n_samples, 2) probability array.
    multitask : {"uniform_average", "sample_weighted", "raw_values"}, \
default="uniform_average"
        Mean of AUC_t over tasks, its mean weighted by n_t, or the array of AUC_t.

    Returns
    -------
    score : float or ndarray of shape (n_tasks,)

    Raises
    ------
    ValueError
        If a task has no observed entry or more than two distinct observed
        labels, or if no task has both classes observed.

    Warns
    -----
    UndefinedMetricWarning
        When some task has a single class among its observed entries (as a
        cross-validation fold of a small task may): its AUC is NaN in
        ``"raw_values"`` and left out of the averages.
    """
    _check_multitask(multitask, _AVERAGES)
    Y_true = _label_inputs(Y_true, "roc_auc_score")
    S = _score_columns(Y_score, Y_true)
    Yt, S = _check_shapes(Y_true, S, "roc_auc_score", "Y_score")
    obs, n_obs = _observed(Yt, "roc_auc_score")
    _check_pred_finite(S, obs, "roc_auc_score", "Y_score")
    aucs = np.empty(Yt.shape[1])
    for t in range(Yt.shape[1]):
        y = Yt[obs[:, t], t]
        labels = np.unique(y)
        if len(labels) > 2:
            raise ValueError(
                f"roc_auc_score: task {t} has {len(labels)} distinct observed labels "
                f"({labels[:5].tolist()}); the ROC AUC needs a binary task."
            )
        aucs[t] = _binary_auc(y == labels[-1], S[obs[:, t], t]) if len(labels) == 2 else np.nan
    undefined = np.flatnonzero(np.isnan(aucs))
    if len(undefined) == len(aucs):
        raise ValueError(
            "roc_auc_score: no task has both classes among its observed entries; the ROC "
            "AUC is undefined."
        )
    if len(undefined) and multitask != "raw_values":
        # a validation fold of a small task often holds one class only: average over
        # the tasks where the AUC is defined rather than fail the whole search
        warnings.warn(
            f"roc_auc_score: task(s) {undefined.tolist()[:10]} have a single class among "
            f"their observed entries; their AUC is undefined and left out of the average.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        keep = ~np.isnan(aucs)
        return _aggregate(aucs[keep], n_obs[keep].astype(np.float64), multitask)
    return _aggregate(aucs, n_obs.astype(np.float64), multitask)


def _binary_auc(positive, score):
    """Mann-Whitney form of the ROC AUC (ties count 1/2), as scikit-learn's value
    without its per-call input checks, which dominated cross-validation time."""
    ranks = rankdata(score)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    return (ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


# --------------------------------------------------------------------------- #
# scorers
# --------------------------------------------------------------------------- #


def make_multitask_scorer(metric, *, greater_is_better=True, response_method="predict", **kwargs):
    """Scorer ``scorer(estimator, X, Y) -> float`` from a multi-task metric.

    A thin wrapper around :func:`sklearn.metrics.make_scorer`: the scorer
    calls ``estimator.<response_method>(X)`` and returns
    ``sign * metric(Y, predictions, **kwargs)`` with sign = +1 if
    ``greater_is_better`` else -1 (so a loss such as the MSE is maximised as
    its negative, as scikit-learn's ``"neg_..."`` scorers). It can be given to
    ``GridSearchCV(scoring=...)``, ``cross_validate(scoring=...)`` and used
    in multi-metric dicts with ``refit="<name>"``.

    For mtlreg's classifiers with 2-D Y, scikit-learn hands the metric
    either ``predict_proba``'s list of (n, 2) arrays or already the (n, T)
    positive-class probabilities (depending on the labels); both are
    accepted by :func:`~mtlreg.metrics.roc_auc_score`. ``decision_function`` gives (n, T).

    Parameters
    ----------
    metric : callable
        ``metric(Y_true, Y_pred, **kwargs) -> float``, e.g. :func:`~mtlreg.metrics.r2_score`.
    greater_is_better : bool, default=True
        False for losses; the scorer then returns the negated loss.
    response_method : str or tuple of str, default="predict"
        Estimator method producing the predictions ("predict",
        "decision_function", "predict_proba", or a tuple tried in order).
    **kwargs
        Passed to ``metric``, e.g. ``multitask="sample_weighted"``.
        ``multitask="raw_values"`` is refused: a scorer must return a number.

    Returns
    -------
    scorer : callable
    """
    if not callable(metric):
        raise TypeError(f"metric must be callable; got {metric!r}.")
    if kwargs.get("multitask") == "raw_values":
        raise ValueError(
            'multitask="raw_values" returns an array; a scorer must return a float. Use '
            '"uniform_average", "sample_weighted" or "pooled".'
        )
    if not isinstance(greater_is_better, bool | np.bool_):
        raise ValueError(f"greater_is_better must be a bool; got {greater_is_better!r}.")
    if isinstance(response_method, tuple):
        response_method = list(response_method)
    return make_scorer(
        metric,
        greater_is_better=bool(greater_is_better),
        response_method=response_method,
        **kwargs,
    )


_AUC_METHODS = ("decision_function", "predict_proba")

#: Multi-task scorers by name (all ignore NaN-masked targets; losses are negated).
SCORERS = {
    "mt_r2": make_multitask_scorer(r2_score),
    "mt_r2_sample_weighted": make_multitask_scorer(r2_score, multitask="sample_weighted"),
    "mt_neg_mean_squared_error": make_multitask_scorer(mean_squared_error, greater_is_better=False),
    "mt_neg_pooled_mean_squared_error": make_multitask_scorer(
        mean_squared_error, greater_is_better=False, multitask="pooled"
    ),
    "mt_neg_root_mean_squared_error": make_multitask_scorer(
        root_mean_squared_error, greater_is_better=False
    ),
    "mt_neg_malsar_rmse": make_multitask_scorer(malsar_rmse, greater_is_better=False),
    "mt_neg_nmse": make_multitask_scorer(normalized_mean_squared_error, greater_is_better=False),
    "mt_explained_variance": make_multitask_scorer(explained_variance_score),
    "mt_accuracy": make_multitask_scorer(accuracy_score),
    "mt_roc_auc": make_multitask_scorer(roc_auc_score, response_method=_AUC_METHODS),
}


def get_scorer_names():
    """Sorted names accepted by :func:`~mtlreg.metrics.get_scorer`."""
    return sorted(SCORERS)


def get_scorer(scoring):
    """Multi-task scorer by name (a fresh copy), or ``scoring`` itself if callable.

    Parameters
    ----------
    scoring : str or callable
        One of :func:`~mtlreg.metrics.get_scorer_names` (e.g. ``"mt_r2"``,
        ``"mt_neg_mean_squared_error"``, ``"mt_neg_root_mean_squared_error"``,
        ``"mt_neg_nmse"``, ``"mt_explained_variance"``, ``"mt_accuracy"``,
        ``"mt_roc_auc"``), or a callable returned unchanged.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, Y) -> float``; greater is better.
    """
    if callable(scoring):
        return scoring
    if isinstance(scoring, str) and scoring in SCORERS:
        return copy.deepcopy(SCORERS[scoring])
    hint = ""
    if isinstance(scoring, str) and "mt_" + scoring in SCORERS:
        hint = f" Did you mean 'mt_{scoring}'?"
    raise ValueError(
        f"{scoring!r} is not a multi-task scorer name; use one of "
        f"{get_scorer_names()}.{hint} (scikit-learn's own names do not ignore NaN targets.)"
    )
