"""Reproduce published multi-task results on School, Landmine and the Computer survey.

::

    python -m benchmarks.reproduce [school|landmine|computer|all] [--quick] [--out DIR]
                                   [--n-jobs N] [--markdown PATH] [--render]

Every method is tuned by 5-fold cross-validation inside each training set and scored on
the held-out rows; the protocols are in the docstrings of :func:`run_school`,
:func:`run_landmine` and :func:`run_computer` and in ``benchmarks/REPRODUCTION.md``,
which a full run regenerates (with ``_reproduce_report.py``) together with
``benchmarks/results/reproduction.json``. Running one data set replaces only its section
of an existing JSON file; ``--render`` rewrites the Markdown from the JSON without
fitting. ``--quick`` (2 School splits, one Landmine repeat, the fixed Computer-survey
split, coarse grids; well under a minute) writes ``reproduction_quick.json`` and no
Markdown unless ``--markdown`` is given, so it never overwrites the full results.

The data are read from ``../shared/data`` beside the repository root (override with the
environment variable ``MTLREG_DATA``), never copied into the repository.
"""

import argparse
import json
import os
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge, RidgeCV
from sklearn.metrics import explained_variance_score as sk_explained_variance
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from mtlreg.datasets import load_computer_survey, load_landmine, load_school
from mtlreg.metrics import (
    explained_variance_score,
    get_scorer,
    malsar_rmse,
    normalized_mean_squared_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)
from mtlreg.model_selection import (
    TaskKFold,
)

from . import _harness
from ._data import data_dir
from ._peers import cv_estimators

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results"
DEFAULT_MARKDOWN = HERE / "REPRODUCTION.md"
DATASETS = ("school", "landmine", "computer")

BASELINES_REG = ("independent_ridge", "pooled_ridge")
# not a contender: each task's training mean, to show what the intercepts alone explain
REFERENCE_REG = ("task_mean",)
BASELINES_CLF = ("independent_logistic", "pooled_logistic")
MTL = ("lasso", "l21", "trace", "mean")
REGRESSORS = cv_estimators("squared")
CLASSIFIERS = cv_estimators("logistic")
# jobs are dispatched most expensive first so that the two workers finish together
_COST = {"trace": 0, "lasso": 1, "mean": 2, "l21": 3, "independent_logistic": 4,
         "independent_ridge": 5, "pooled_logistic": 6, "pooled_ridge": 7, "task_mean": 8}

N_FOLDS = 5

# Grids. The ridge grids are in scikit-learn's scaling (summed squared loss + alpha ||w||^2)
# and reach both limits: the largest alpha is in effect an intercept-only model, the
# smallest nearly unregularised; the JSON records how often a choice lands on an edge.
CONFIG = {
    "full": {
        "school_splits": 10,
        "mtl_alphas": 30,
        "mtl_eps": 1e-3,
        "ridge_alphas": np.logspace(-3, 5, 33),
        "landmine_sizes": (50, 100),
        "landmine_repeats": 5,
        "clf_alphas": 12,
        "clf_eps": 1e-2,
        "clf_l2": 1e-3,
        "clf_mean_alphas": np.geomspace(100.0, 1e-2, 13),
        "clf_mean_l2s": (1e-3, 1e-2, 1e-1),
        "logistic_Cs": np.logspace(-3, 2, 11),
        "pooled_Cs": np.logspace(-4, 2, 13),
        "computer_random_repeats": 10,
    },
    "quick": {
        "school_splits": 2,
        "mtl_alphas": 8,
        "mtl_eps": 1e-2,
        "ridge_alphas": np.logspace(-2, 4, 7),
        "landmine_sizes": (50,),
        "landmine_repeats": 1,
        "clf_alphas": 6,
        "clf_eps": 1e-2,
        "clf_l2": 1e-3,
        "clf_mean_alphas": np.geomspace(100.0, 1e-2, 5),
        "clf_mean_l2s": (1e-2,),
        "logistic_Cs": np.logspace(-3, 2, 6),
        "pooled_Cs": np.logspace(-4, 2, 7),
        "computer_random_repeats": 0,
    },
}


# --------------------------------------------------------------------------
# shared pieces
# --------------------------------------------------------------------------
def _standardise(X, train):
    """Centre and scale every column with the training rows' statistics.

    Global, not per task: per-task z-scoring (MALSAR's example) would zero the School
    columns that are constant within a school (% free meals, school gender, ...).
    """
    mu = X[train].mean(axis=0)
    sd = X[train].std(axis=0)
    sd[sd == 0] = 1.0
    return (X - mu) / sd


def _fold_ids(n, folds):
    ids = np.empty(n, dtype=np.intp)
    for k, (_, test) in enumerate(folds):
        ids[test] = k
    return ids


def _grid_index(grid, value):
    grid = np.asarray(grid, dtype=float)
    return int(np.argmin(np.abs(np.log(grid) - np.log(value))))


def _at_edge(grid, value):
    i = _grid_index(grid, value)
    return i in (0, len(grid) - 1)


def _run_captured(fn, n_jobs):
    """Call fn() counting warnings; one BLAS thread per worker when running in parallel.

    Returns (result, seconds, warning summary). Convergence warnings are counted rather
    than shown so that they end up in the JSON next to the numbers they concern.
    """
    limit = 1 if n_jobs != 1 else None
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(limits=limit):
        warnings.simplefilter("always")
        # StratifiedKFold's notice about classes smaller than n_splits is expected here
        warnings.filterwarnings("ignore", message="The least populated class")
        t0 = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
    conv = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    other = sorted({f"{w.category.__name__}: {str(w.message)[:160]}"
                    for w in caught if not issubclass(w.category, ConvergenceWarning)})
    return result, seconds, {
        "convergence_warnings": len(conv),
        "convergence_examples": sorted({str(w.message)[:160] for w in conv})[:3],
        "other_warnings": other[:5],
    }


def _parallel(jobs, n_jobs):
    """Run (function, kwargs) jobs, most expensive first; results in that order."""
    jobs = sorted(jobs, key=lambda j: _COST[j[1]["method"]])
    return Parallel(n_jobs=n_jobs)(delayed(fn)(**kw) for fn, kw in jobs)


def _mean_std(values):
    v = np.asarray(values, dtype=float)
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else None,
            "n": int(v.size), "values": [float(x) for x in v]}


def _paired(runs, metric, a, b, key, higher_is_better=True):
    """Paired difference a - b over the splits/repeats shared by methods a and b."""
    va = {r[key]: r[metric] for r in runs if r["method"] == a}
    vb = {r[key]: r[metric] for r in runs if r["method"] == b}
    common = sorted(set(va) & set(vb))
    if not common:
        return None
    d = np.array([va[k] - vb[k] for k in common])
    wins = int(np.sum(d > 0)) if higher_is_better else int(np.sum(d < 0))
    return {"a": a, "b": b, "metric": metric, "mean_diff": float(d.mean()),
            "std_diff": float(d.std(ddof=1)) if d.size > 1 else None,
            "a_better": wins, "n": int(d.size)}


# --------------------------------------------------------------------------
# regression baselines (scikit-learn)
# --------------------------------------------------------------------------
def _ridge_path_predictions(Xa, ya, Xb, alphas):
    """Ridge predictions on Xb for every alpha at once, shape (len(Xb), len(alphas)).

    Equal to ``sklearn.linear_model.Ridge(alpha, fit_intercept=True)`` fitted on (Xa, ya)
    (checked to 1e-12), from one SVD of the centred Xa instead of one fit per alpha: the
    per-school 5-fold search costs 139 x 5 SVDs instead of 139 x 5 x 33 fits.
    """
    xm, ym = Xa.mean(axis=0), ya.mean()
    U, s, Vt = np.linalg.svd(Xa - xm, full_matrices=False)
    shrink = s / (s * s + np.asarray(alphas)[:, None])
    coefs = (shrink * (U.T @ (ya - ym))) @ Vt
    return (Xb - xm) @ coefs.T + ym


def independent_ridge(X, Y, folds, alphas):
    """One scikit-learn ``Ridge`` per task, its alpha chosen by that task's CV error.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    Y : ndarray of shape (n, T)
        NaN where a row has no target for a task.
    folds : list of (train, test) index arrays over the rows of X
        The same folds as the multi-task models; each task is cross-validated on its
        own rows of every fold (RidgeCV's 5-fold search, computed by one SVD per fold).
    alphas : array-like
        Grid in scikit-learn's scaling.

    Returns
    -------
    models : list of fitted Ridge
    chosen : ndarray of shape (T,)
        The alpha of every task.
    """
    fold = _fold_ids(X.shape[0], folds)
    alphas = np.asarray(alphas, dtype=float)
    models, chosen = [], np.empty(Y.shape[1])
    for t in range(Y.shape[1]):
        rows = np.flatnonzero(~np.isnan(Y[:, t]))
        sse = np.zeros(len(alphas))
        for k in range(len(folds)):
            a, b = rows[fold[rows] != k], rows[fold[rows] == k]
            if len(b) == 0 or len(a) < 2:
                continue
            P = _ridge_path_predictions(X[a], Y[a, t], X[b], alphas)
            sse += ((P - Y[b, t][:, None]) ** 2).sum(axis=0)
        best = alphas[int(np.argmin(sse))]
        chosen[t] = best
        models.append(Ridge(alpha=best).fit(X[rows], Y[rows, t]))
    return models, chosen


def _long(X, Y):
    """Stack the observed entries of Y: (X rows, targets, task, wide row) per entry."""
    rows, tasks = np.nonzero(~np.isnan(Y))
    return X[rows], Y[rows, tasks], tasks, rows


def _long_folds(rows_long, folds, n):
    fold = _fold_ids(n, folds)[rows_long]
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(len(folds))]


def pooled_ridge(X, Y, folds, alphas):
    """One scikit-learn ``RidgeCV`` (single intercept) on every task's rows together."""
    Xl, yl, _, rows = _long(X, Y)
    cv = _long_folds(rows, folds, X.shape[0])
    return RidgeCV(alphas=alphas, cv=cv, scoring="neg_mean_squared_error").fit(Xl, yl)


def _fit_regression(method, Xtr, Ytr, folds, cfg):
    """Fit one method; returns (predict(X) -> (n, T), hyperparameter record)."""
    T = Ytr.shape[1]
    if method == "task_mean":
        means = np.nanmean(Ytr, axis=0)
        return (lambda X: np.tile(means, (X.shape[0], 1))), {}
    if method == "independent_ridge":
        models, chosen = independent_ridge(Xtr, Ytr, folds, cfg["ridge_alphas"])
        grid = cfg["ridge_alphas"]
        hyper = {"alpha_median": float(np.median(chosen)),
                 "alpha_quartiles": [float(q) for q in np.percentile(chosen, [25, 75])],
                 # the largest alpha is (nearly) an intercept-only model of the task
                 "tasks_at_max_alpha": int(np.sum(chosen == grid.max())),
                 "tasks_at_min_alpha": int(np.sum(chosen == grid.min())),
                 "n_tasks": int(len(chosen))}

        def predict(X):
            return np.column_stack([m.predict(X) for m in models])

        return predict, hyper
    if method == "pooled_ridge":
        model = pooled_ridge(Xtr, Ytr, folds, cfg["ridge_alphas"])
        hyper = {"alpha": float(model.alpha_),
                 "at_grid_edge": _at_edge(cfg["ridge_alphas"], model.alpha_)}
        return (lambda X: np.repeat(model.predict(X)[:, None], T, axis=1)), hyper
    # task_weights="n_samples": every training row counts the same, as in the summed losses
    # of Argyriou et al. and MALSAR, and as in the pooled metrics below
    model, fallback = _fit_with_fallback(
        REGRESSORS[method], Xtr, Ytr,
        alphas=cfg["mtl_alphas"], eps=cfg["mtl_eps"], task_weights="n_samples", cv=folds,
        scoring=get_scorer("mt_neg_pooled_mean_squared_error"), n_jobs=1,
    )
    hyper = {"alpha": float(model.alpha_),
             "alpha_index": _grid_index(model.alphas_, model.alpha_),
             "n_alphas": int(len(model.alphas_)),
             "at_grid_edge": _at_edge(model.alphas_, model.alpha_),
             "solver": model.solver_, **fallback}
    return model.predict, hyper


def _fit_with_fallback(cls, X, Y, **params):
    """Fit a ``*CV`` estimator; if the default solver crashes, refit with FISTA.

    Works around an mtlreg bug (at commit 731312b): a warm-started L2,1 path with the
    "bcd" solver can raise ``ZeroDivisionError`` from the Numba kernel
    ``bcd_epoch_stacked_dense`` (School, split 2, fold 2 of this protocol). FISTA solves
    the same problem, so the scores are unaffected; the JSON records every fallback.
    """
    try:
        return cls(**params).fit(X, Y), {}
    except ZeroDivisionError as exc:
        model = cls(solver="fista", **params).fit(X, Y)
        return model, {"solver_fallback": f"fista after ZeroDivisionError ({exc}) in the "
                                          "default solver"}


def _regression_metrics(Yte, P):
    """Every School / Computer-survey metric on the test rows (NaN = not that task)."""
    ev_sk, n = [], []
    for t in range(Yte.shape[1]):
        obs = ~np.isnan(Yte[:, t])
        ev_sk.append(sk_explained_variance(Yte[obs, t], P[obs, t]))
        n.append(obs.sum())
    return {
        "ev_pooled": 100 * explained_variance_score(Yte, P, multitask="pooled"),
        "r2_task_mean": 100 * r2_score(Yte, P, multitask="uniform_average"),
        "nmse_task_mean": normalized_mean_squared_error(Yte, P, multitask="uniform_average"),
        "rmse_pooled": root_mean_squared_error(Yte, P, multitask="pooled"),
        "rmse_task_weighted": malsar_rmse(Yte, P),
        "ev_sklearn_task_weighted": 100 * float(np.dot(n, ev_sk) / np.sum(n)),
    }


def _regression_job(*, X, Y, train, test, folds, method, cfg, key, n_jobs, standardise):
    def work():
        Xs = _standardise(X, train) if standardise else X
        predict, hyper = _fit_regression(method, Xs[train], Y[train], folds, cfg)
        return _regression_metrics(Y[test], predict(Xs[test])), hyper

    (metrics, hyper), seconds, warns = _run_captured(work, n_jobs)
    return {"method": method, **key, **metrics, "hyper": hyper, "seconds": seconds, **warns}


# --------------------------------------------------------------------------
# School
# --------------------------------------------------------------------------
def run_school(splits=None, quick=False, methods=None, n_jobs=2):
    """School: the 10 Argyriou et al. splits, explained variance on each test set.

    Parameters
    ----------
    splits : list of int, optional
        Which of the 10 splits (0-based); default the first ``school_splits`` of the
        configuration (10, or 2 with ``quick``).
    quick : bool
        Coarse grids.
    methods : tuple of str, optional
        Subset of ``independent_ridge``, ``pooled_ridge``, ``lasso``, ``l21``,
        ``trace``, ``mean`` and the reference ``task_mean`` (each school's training
        mean: what the intercepts alone explain); default all.
    n_jobs : int
        Parallel (split, method) jobs.

    Returns
    -------
    section : dict
        ``runs`` (one record per split and method), ``summary`` and ``comparisons``.
    """
    cfg = CONFIG["quick" if quick else "full"]
    methods = tuple(methods or BASELINES_REG + MTL + REFERENCE_REG)
    data = load_school(data_dir() / "school", source="argyriou")
    splits = list(range(cfg["school_splits"])) if splits is None else list(splits)
    jobs = []
    for s in splits:
        train, test = data.splits[s]
        # folds drawn once per split and shared by every method
        folds = list(TaskKFold(N_FOLDS, shuffle=True, random_state=s).split(
            data.X[train], data.Y[train]))
        for m in methods:
            jobs.append((_regression_job, dict(
                X=data.X, Y=data.Y, train=train, test=test, folds=folds, method=m, cfg=cfg,
                key={"split": s + 1}, n_jobs=n_jobs, standardise=True)))
    runs = _parallel(jobs, n_jobs)
    metrics = ("ev_pooled", "r2_task_mean", "nmse_task_mean", "rmse_pooled",
               "rmse_task_weighted", "ev_sklearn_task_weighted")
    return {
        "runs": runs,
        "summary": _summarise(runs, methods, metrics),
        "comparisons": _comparisons(runs, "ev_pooled", "split", BASELINES_REG, methods, True),
        "config": _config_record(cfg, ("mtl_alphas", "mtl_eps", "ridge_alphas")),
        "splits": [s + 1 for s in splits],
    }


def _summarise(runs, methods, metrics):
    out = {}
    for m in methods:
        rs = [r for r in runs if r["method"] == m]
        if not rs:
            continue
        out[m] = {k: _mean_std([r[k] for r in rs]) for k in metrics}
        out[m]["seconds"] = float(sum(r["seconds"] for r in rs))
        out[m]["convergence_warnings"] = int(sum(r["convergence_warnings"] for r in rs))
    return out


def _comparisons(runs, metric, key, baselines, methods, higher_is_better):
    """Every multi-task model against every baseline, paired over splits or repeats."""
    out = []
    for m in methods:
        if m not in MTL:
            continue
        for b in baselines:
            if b in methods:
                c = _paired(runs, metric, m, b, key, higher_is_better)
                if c:
                    out.append(c)
    return out


def _config_record(cfg, keys):
    rec = {}
    for k in keys:
        v = cfg[k]
        if isinstance(v, np.ndarray):
            rec[k] = {"min": float(v.min()), "max": float(v.max()), "n": int(v.size)}
        elif isinstance(v, tuple):
            rec[k] = list(v)
        else:
            rec[k] = v
    return rec


# --------------------------------------------------------------------------
# Landmine
# --------------------------------------------------------------------------
def _auc_where_defined(est, X, Y):
    """Mean over tasks of the ROC AUC, skipping tasks whose fold holds one class only.

    With 2-6 positives per task in a training set of 50-100 rows, some validation folds
    have no positive of some task, where mtlreg's ``mt_roc_auc`` (rightly) raises.
    """
    S = est.decision_function(X)
    return _mean_auc_defined(Y, S)


def _auc(y, s):
    """ROC AUC of 0/1 labels y and scores s by the rank-sum (Mann-Whitney) formula.

    Equal to ``sklearn.metrics.roc_auc_score`` (ties count 1/2) but without its input
    validation, which cost ~6 ms a call and dominated the CV paths' run time.
    """
    ranks = rankdata(s)
    pos = y == 1
    n_pos = int(pos.sum())
    n_neg = y.size - n_pos
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _mean_auc_defined(Y, S):
    vals = []
    for t in range(Y.shape[1]):
        obs = ~np.isnan(Y[:, t])
        y = Y[obs, t]
        if 0 < y.sum() < y.size:
            vals.append(_auc(y, S[obs, t]))
    return float(np.mean(vals))


def _landmine_split(task, Y, n_train, seed):
    """Per task, a random training set of n_train rows with the task's positive rate
    (at least 2 positives, so that every CV training fold sees both classes)."""
    rng = np.random.default_rng(seed)
    train = []
    for t in range(Y.shape[1]):
        rows = np.flatnonzero(task == t)
        y = Y[rows, t]
        pos, neg = rows[y == 1], rows[y == 0]
        n_pos = max(2, int(round(n_train * len(pos) / len(rows))))
        train += [rng.choice(pos, n_pos, replace=False),
                  rng.choice(neg, n_train - n_pos, replace=False)]
    train = np.sort(np.concatenate(train))
    return train, np.setdiff1d(np.arange(len(task)), train)


def _landmine_folds(Ytr, seed):
    """5 folds stratified by task and by label inside each task."""
    fold = np.empty(Ytr.shape[0], dtype=np.intp)
    for t in range(Ytr.shape[1]):
        idx = np.flatnonzero(~np.isnan(Ytr[:, t]))
        skf = StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The least populated class")
            for k, (_, v) in enumerate(skf.split(idx, Ytr[idx, t])):
                fold[idx[v]] = k
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(N_FOLDS)]


def _logistic(C):
    # newton-cholesky: same objective as the default lbfgs (unpenalised intercept), about
    # 8x faster on these 9-feature problems
    return LogisticRegression(C=C, solver="newton-cholesky", max_iter=200)


def independent_logistic(X, Y, folds, Cs):
    """One scikit-learn ``LogisticRegression`` per task, one C for all tasks by CV.

    A per-task C cannot be cross-validated here: most validation folds hold 0 or 1
    positive of a task, so the task's own CV AUC is undefined or meaningless. The shared
    C is the one with the best mean (over folds) of the per-task AUC averaged over the
    tasks where it is defined -- the criterion used for every Landmine model.
    """
    T = Y.shape[1]
    score = np.zeros(len(Cs))
    for a, b in folds:
        for i, C in enumerate(Cs):
            S = np.zeros((len(b), T))
            for t in range(T):
                ra = a[~np.isnan(Y[a, t])]
                S[:, t] = _logistic(C).fit(X[ra], Y[ra, t]).decision_function(X[b])
            score[i] += _mean_auc_defined(Y[b], S)
    C = float(Cs[int(np.argmax(score))])
    models = []
    for t in range(T):
        rows = np.flatnonzero(~np.isnan(Y[:, t]))
        models.append(_logistic(C).fit(X[rows], Y[rows, t]))
    return models, C


def pooled_logistic(X, Y, folds, Cs):
    """One scikit-learn ``LogisticRegression`` (single intercept) on all tasks' rows."""
    Xl, yl, _, rows = _long(X, Y)
    cv = _long_folds(rows, folds, X.shape[0])
    T = Y.shape[1]
    score = np.zeros(len(Cs))
    for (a, _), (_, b_wide) in zip(cv, folds, strict=True):
        for i, C in enumerate(Cs):
            m = _logistic(C).fit(Xl[a], yl[a])
            s = m.decision_function(X[b_wide])
            score[i] += _mean_auc_defined(Y[b_wide], np.repeat(s[:, None], T, axis=1))
    C = float(Cs[int(np.argmax(score))])
    return _logistic(C).fit(Xl, yl), C


def _fit_classifier(method, Xtr, Ytr, folds, cfg):
    """Fit one Landmine method; returns (decision(X) -> (n, T), hyperparameter record)."""
    T = Ytr.shape[1]
    if method == "independent_logistic":
        models, C = independent_logistic(Xtr, Ytr, folds, cfg["logistic_Cs"])
        return (lambda X: np.column_stack([m.decision_function(X) for m in models]),
                {"C": C, "at_grid_edge": _at_edge(cfg["logistic_Cs"], C)})
    if method == "pooled_logistic":
        model, C = pooled_logistic(Xtr, Ytr, folds, cfg["pooled_Cs"])
        return (lambda X: np.repeat(model.decision_function(X)[:, None], T, axis=1),
                {"C": C, "at_grid_edge": _at_edge(cfg["pooled_Cs"], C)})
    if method == "mean":
        # Evgeniou & Pontil's model has two strengths: of the deviations from the mean
        # task (alpha) and of the weights themselves (l2); both are searched
        kw = {"alphas": cfg["clf_mean_alphas"], "l2s": list(cfg["clf_mean_l2s"])}
    else:
        # a small fixed ridge makes every per-task logistic problem strongly convex: with
        # 2-6 positives per task they are often separable and, with l2 = 0, FISTA hit
        # max_iter at the small alphas of the path (dozens of ConvergenceWarnings per fit)
        kw = {"alphas": cfg["clf_alphas"], "eps": cfg["clf_eps"], "l2s": [cfg["clf_l2"]]}
    model, fallback = _fit_with_fallback(CLASSIFIERS[method], Xtr, Ytr, cv=folds,
                                         scoring=_auc_where_defined, n_jobs=1, **kw)
    hyper = {"alpha": float(model.alpha_), "l2": float(model.l2_),
             "alpha_index": _grid_index(model.alphas_, model.alpha_),
             "n_alphas": int(len(model.alphas_)),
             "at_grid_edge": _at_edge(model.alphas_, model.alpha_),
             "solver": model.solver_, **fallback}
    return model.decision_function, hyper


def _landmine_job(*, X, Y, task, n_train, repeat, method, cfg, n_jobs):
    seed = 1000 * n_train + repeat

    def work():
        train, test = _landmine_split(task, Y, n_train, seed)
        Xs = _standardise(X, train)
        folds = _landmine_folds(Y[train], seed)
        decision, hyper = _fit_classifier(method, Xs[train], Y[train], folds, cfg)
        S = decision(Xs[test])
        return {"auc_task_mean": 100 * roc_auc_score(Y[test], S)}, hyper

    (metrics, hyper), seconds, warns = _run_captured(work, n_jobs)
    return {"method": method, "n_train": n_train, "repeat": repeat + 1, **metrics,
            "hyper": hyper, "seconds": seconds, **warns}


def run_landmine(quick=False, methods=None, n_jobs=2):
    """Landmine: mean over the 29 fields of the test ROC AUC, per training-set size.

    Parameters
    ----------
    quick : bool
        One size (50 rows per task), one repeat, coarse grids.
    methods : tuple of str, optional
        Subset of ``independent_logistic``, ``pooled_logistic``, ``lasso``, ``l21``,
        ``trace``, ``mean``; default all.
    n_jobs : int
        Parallel (size, repeat, method) jobs.

    Returns
    -------
    section : dict
    """
    cfg = CONFIG["quick" if quick else "full"]
    methods = tuple(methods or BASELINES_CLF + MTL)
    data = load_landmine(data_dir() / "landmine")
    jobs = [
        (_landmine_job, dict(X=data.X, Y=data.Y, task=data.task, n_train=n, repeat=r,
                             method=m, cfg=cfg, n_jobs=n_jobs))
        for n in cfg["landmine_sizes"]
        for r in range(cfg["landmine_repeats"])
        for m in methods
    ]
    runs = _parallel(jobs, n_jobs)
    by_size = {}
    for n in cfg["landmine_sizes"]:
        rs = [r for r in runs if r["n_train"] == n]
        by_size[str(n)] = {
            "summary": _summarise(rs, methods, ("auc_task_mean",)),
            "comparisons": _comparisons(rs, "auc_task_mean", "repeat", BASELINES_CLF,
                                        methods, True),
        }
    return {
        "runs": runs,
        "by_size": by_size,
        "config": _config_record(cfg, (
            "landmine_sizes", "landmine_repeats", "clf_alphas", "clf_eps", "clf_l2",
            "clf_mean_alphas", "clf_mean_l2s", "logistic_Cs", "pooled_Cs")),
    }


# --------------------------------------------------------------------------
# Computer survey
# --------------------------------------------------------------------------
def run_computer(quick=False, methods=None, n_jobs=2):
    """Computer survey: test RMSE on Lenk's split and on random per-respondent splits.

    Parameters
    ----------
    quick : bool
        Lenk's fixed split only, coarse grids.
    methods : tuple of str, optional
        Subset of the School methods; default all.
    n_jobs : int
        Parallel jobs.

    Returns
    -------
    section : dict
        ``lenk`` (profiles 1-16 train, 17-20 test, 190 respondents) and, unless
        ``quick``, ``random`` (per respondent 15 random profiles train, 5 test, repeated).
    """
    cfg = CONFIG["quick" if quick else "full"]
    methods = tuple(methods or BASELINES_REG + MTL + REFERENCE_REG)
    metrics = ("rmse_pooled", "rmse_task_weighted", "ev_pooled", "r2_task_mean")
    shared = load_computer_survey(data_dir() / "computer_survey")
    train, test = shared.splits[0]
    # the same profiles are held out for every respondent: TaskKFold on a fully observed
    # Y is a shuffled KFold over the 16 calibration profiles
    folds = list(TaskKFold(N_FOLDS, shuffle=True, random_state=0).split(
        shared.X[train], shared.Y[train]))
    jobs = [(_regression_job, dict(
        X=shared.X, Y=shared.Y, train=train, test=test, folds=folds, method=m, cfg=cfg,
        key={"protocol": "lenk", "repeat": 1}, n_jobs=n_jobs, standardise=False))
        for m in methods]
    long = load_computer_survey(data_dir() / "computer_survey", layout="per_task")
    for r in range(cfg["computer_random_repeats"]):
        rng = np.random.default_rng(71 + r)
        test_r = np.sort(np.concatenate([
            rng.choice(np.flatnonzero(long.task == t), 5, replace=False)
            for t in range(long.Y.shape[1])]))
        train_r = np.setdiff1d(np.arange(long.X.shape[0]), test_r)
        folds_r = list(TaskKFold(N_FOLDS, shuffle=True, random_state=r).split(
            long.X[train_r], long.Y[train_r]))
        jobs += [(_regression_job, dict(
            X=long.X, Y=long.Y, train=train_r, test=test_r, folds=folds_r, method=m,
            cfg=cfg, key={"protocol": "random", "repeat": r + 1}, n_jobs=n_jobs,
            standardise=False)) for m in methods]
    runs = _parallel(jobs, n_jobs)
    out = {"config": _config_record(cfg, ("mtl_alphas", "mtl_eps", "ridge_alphas",
                                          "computer_random_repeats")),
           "n_respondents": int(shared.Y.shape[1])}
    for protocol in ("lenk", "random"):
        rs = [r for r in runs if r["protocol"] == protocol]
        if rs:
            out[protocol] = {
                "runs": rs,
                "summary": _summarise(rs, methods, metrics),
                "comparisons": _comparisons(rs, "rmse_pooled", "repeat", BASELINES_REG,
                                            methods, False),
            }
    return out


# --------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------
RUNNERS = {"school": run_school, "landmine": run_landmine, "computer": run_computer}


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _versions():
    # not _harness.versions(): importing cvxpy, skglm and celer adds seconds for nothing
    import joblib
    import numba
    import scipy
    import sklearn

    import mtlreg

    mods = {"numpy": np, "scipy": scipy, "sklearn": sklearn, "numba": numba,
            "joblib": joblib, "mtlreg": mtlreg}
    out = {"python": sys.version.split()[0]}
    out.update({k: getattr(m, "__version__", "?") for k, m in mods.items()})
    return out


def _load():
    """1-minute load average: other jobs on the machine slow the timings down."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def main(argv=None):
    """Command-line entry point; see the module docstring."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.reproduce", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", nargs="?", default="all", choices=DATASETS + ("all",))
    ap.add_argument("--quick", action="store_true",
                    help="2 School splits, one Landmine repeat at 50 rows per field, the "
                         "fixed Computer-survey split, coarse grids (< 1 minute)")
    ap.add_argument("--out", default=str(DEFAULT_OUT),
                    help="folder of the JSON file (default: benchmarks/results)")
    ap.add_argument("--n-jobs", type=int, default=2,
                    help="parallel (split, method) jobs (default: 2)")
    ap.add_argument("--render", action="store_true",
                    help="only rewrite the Markdown from the existing JSON (no fitting)")
    ap.add_argument("--markdown", default=None,
                    help="Markdown report to write (default: benchmarks/REPRODUCTION.md "
                         "after a full run; none after --quick)")
    args = ap.parse_args(argv)

    datasets = DATASETS if args.dataset == "all" else (args.dataset,)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / ("reproduction_quick.json" if args.quick else "reproduction.json")
    report = {}
    if json_path.is_file():
        # a run of one data set keeps the other sections of an earlier run
        report = json.loads(json_path.read_text())
    if args.render:
        _write_markdown(report, args)
        return
    machine, versions, revision = _harness.machine(), _versions(), _harness.git_revision()
    t_all = time.perf_counter()
    for name in datasets:
        _harness.log(f"[reproduce] {name} ...")
        t0, load0 = time.perf_counter(), _load()
        section = RUNNERS[name](quick=args.quick, n_jobs=args.n_jobs)
        section["run"] = {
            "seconds": time.perf_counter() - t0,
            "load_average_before_after": [load0, _load()],
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "quick": args.quick, "n_jobs": args.n_jobs, "machine": machine,
            "versions": versions, "mtlreg_revision": revision,
        }
        report[name] = section
        _harness.log(f"[reproduce] {name}: {section['run']['seconds']:.0f} s")
    report["last_run"] = {
        "datasets": list(datasets), "seconds": time.perf_counter() - t_all,
        "command": "python -m benchmarks.reproduce " + " ".join(argv or sys.argv[1:]),
    }
    json_path.write_text(json.dumps(report, indent=1, default=_json_default) + "\n")
    _harness.log(f"[reproduce] wrote {json_path}")

    _write_markdown(report, args)


def _write_markdown(report, args):
    from ._reproduce_report import render

    text = render(report)
    md = args.markdown
    if md is None and not args.quick:
        md = str(DEFAULT_MARKDOWN)
    if md:
        Path(md).write_text(text)
        _harness.log(f"[reproduce] wrote {md}")
    else:
        print(text)


if __name__ == "__main__":
    main()
