"""*CV estimators against GridSearchCV over the same alphas and folds (issue: search).

Times ``<Model>CV(alphas=grid, cv=folds)`` against
``GridSearchCV(<Model>(), {"alpha": grid}, cv=folds)``, both single-process,
checks they choose the same alpha, and times ``L21RegressorCV`` against
scikit-learn's ``MultiTaskLassoCV`` on a shared design.

    python -m benchmarks.cv_ratio [--n-alphas 100] [--models l21,lasso,...] [--quick]

Prints a table and writes JSON to benchmarks/results/cv_ratio.json.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.io import loadmat
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import MultiTaskLassoCV
from sklearn.model_selection import GridSearchCV, KFold

import mtlreg
from mtlreg.data import from_task_list
from mtlreg.datasets import make_multitask_classification
from mtlreg.model_selection import (
    L21RegressorCV,
    TaskKFold,
)

from ._peers import cv_estimators

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REGRESSORS = cv_estimators("squared")
CLASSIFIERS = cv_estimators("logistic")


def school():
    m = loadmat(DATA / "school" / "school.mat")
    tasks = [(x.astype(np.float64)[:, :27], y.astype(np.float64).ravel())
             for x, y in zip(m["X"].ravel(), m["Y"].ravel(), strict=True)]
    return from_task_list(tasks)


def shared(n=1000, d=2000, T=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = np.zeros((d, T))
    W[rng.choice(d, 20, replace=False)] = rng.standard_normal((20, T))
    return X, X @ W + rng.standard_normal((n, T))


def compare(cv_cls, X, Y, folds, n_alphas):
    t0 = time.perf_counter()
    cv_model = cv_cls(alphas=n_alphas, cv=folds).fit(X, Y)
    t_cv = time.perf_counter() - t0
    t0 = time.perf_counter()
    grid = GridSearchCV(cv_cls._estimator_class(), {"alpha": cv_model.alphas_}, cv=folds)
    grid.fit(X, Y)
    t_grid = time.perf_counter() - t0
    diff = np.max(np.abs(cv_model.cv_results_["mean_test_score"]
                         - grid.cv_results_["mean_test_score"]))
    return {
        "model": cv_cls.__name__,
        "n_alphas": n_alphas,
        "n_folds": len(folds),
        "cv_seconds": t_cv,
        "grid_seconds": t_grid,
        "ratio": t_cv / t_grid,
        "same_alpha": bool(cv_model.alpha_ == grid.best_params_["alpha"]),
        "max_mean_score_diff": float(diff),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-alphas", type=int, default=100)
    parser.add_argument("--models", default="lasso,l21,trace,mean")
    parser.add_argument("--problems", default="school,shared,classification")
    parser.add_argument("--quick", action="store_true", help="tiny smoke configuration")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "cv_ratio.json"))
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    models = args.models.split(",")
    n_alphas = 5 if args.quick else args.n_alphas
    # compile the kernels outside the timings
    Xw, Yw = shared(60, 30, 3)
    Xp, Yp = make_multitask_classification(20, 10, 3, design="per_task", random_state=0)
    Xs, Ys = from_task_list([(Xp[~np.isnan(Yp[:, t])], Yp[~np.isnan(Yp[:, t]), t] + 0.5)
                             for t in range(3)])
    for cls in REGRESSORS.values():
        cls(alphas=3, cv=3).fit(Xw, Yw)
        cls(alphas=3, cv=3).fit(Xs, Ys)
    for cls in CLASSIFIERS.values():
        cls(alphas=3, cv=3).fit(Xp, Yp)
    rows = []
    problems = args.problems.split(",")
    if "school" in problems:
        X, Y = school()
        if args.quick:
            X, Y = X[:3000], Y[:3000]
            Y = Y[:, ~np.all(np.isnan(Y), axis=0)]
            keep = (~np.isnan(Y)).sum(axis=0) >= 10
            rows_keep = ~np.all(np.isnan(Y[:, keep]), axis=1)
            X, Y = X[rows_keep], Y[rows_keep][:, keep]
        folds = list(TaskKFold(5, random_state=0).split(X, Y))
        for name in models:
            rows.append(dict(compare(REGRESSORS[name], X, Y, folds, n_alphas), problem="school"))
            print(rows[-1], flush=True)
    if "shared" in problems:
        X, Y = shared(200, 100, 5) if args.quick else shared()
        folds = list(KFold(5, shuffle=True, random_state=0).split(X))
        for name in models:
            rows.append(dict(compare(REGRESSORS[name], X, Y, folds, n_alphas),
                             problem=f"shared n={X.shape[0]} d={X.shape[1]} T={Y.shape[1]}"))
            print(rows[-1], flush=True)
        t0 = time.perf_counter()
        ours = L21RegressorCV(alphas=n_alphas, cv=folds, scoring="neg_mean_squared_error")
        ours.fit(X, Y)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        ref = MultiTaskLassoCV(alphas=ours.alphas_, cv=folds).fit(X, Y)
        t_ref = time.perf_counter() - t0
        rows.append({
            "problem": "shared, vs MultiTaskLassoCV",
            "model": "L21RegressorCV",
            "n_alphas": n_alphas,
            "n_folds": len(folds),
            "cv_seconds": t_ours,
            "grid_seconds": t_ref,
            "ratio": t_ours / t_ref,
            "same_alpha": bool(np.isclose(ours.alpha_, ref.alpha_)),
            "max_mean_score_diff": float(np.max(np.abs(-ours.score_path_.mean(axis=1)
                                                       - ref.mse_path_.mean(axis=1)))),
        })
        print(rows[-1], flush=True)
    if "classification" in problems:
        n = 20 if args.quick else 60
        X, Y = make_multitask_classification(n, 30, 20, design="per_task", noise=0.1,
                                             random_state=0)
        folds = list(TaskKFold(5, random_state=0).split(X, Y))
        for name in models:
            rows.append(dict(compare(CLASSIFIERS[name], X, Y, folds, n_alphas),
                             problem=f"classification 20 tasks x {n} rows, d=30"))
            print(rows[-1], flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"mtlreg": mtlreg.__version__, "rows": rows}, indent=1))
    print()
    print("| problem | model | alphas x folds | *CV s | reference s | ratio | same alpha |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['problem']} | {r['model']} | {r['n_alphas']} x {r['n_folds']} | "
              f"{r['cv_seconds']:.2f} | {r['grid_seconds']:.2f} | {r['ratio']:.2f} | "
              f"{r['same_alpha']} |")


if __name__ == "__main__":
    main()
