"""
Hyperparameter search: GridSearchCV and the ``*CV`` estimators
==============================================================

Every estimator is a scikit-learn estimator, so ``GridSearchCV``,
``RandomizedSearchCV`` and ``cross_validate`` work unchanged. For one regulariser
the ``*CV`` estimators are faster: they draw the folds once and run one
warm-started regularisation path per fold instead of one cold fit per
(alpha, fold). Given the same folds, alphas and scoring, both choose the same alpha.

The folds come from :class:`~mtlreg.model_selection.TaskKFold`, which puts part of
every task's rows in every fold: a plain ``KFold`` on rows sorted by task could
leave a task out of a training set altogether.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

from mtlreg import L21Regressor, alpha_max
from mtlreg.datasets import make_multitask_regression
from mtlreg.metrics import get_scorer
from mtlreg.model_selection import L21RegressorCV, TaskKFold

# twelve tasks of 30 to 60 rows, each with its own rows
sizes = np.random.default_rng(0).integers(30, 61, size=12)
X, Y = make_multitask_regression(
    n_samples=sizes, n_features=50, n_tasks=12, structure="shared_support",
    design="per_task", n_informative=5, noise=1.0, random_state=0,
)
cv = TaskKFold(n_splits=5, shuffle=True, random_state=0)
alphas = alpha_max(X, Y, penalty="l21") * np.geomspace(1, 1e-2, 25)

# %%
# The same search, twice
# ----------------------
#
# ``GridSearchCV`` scores each fitted model with the estimator's ``score`` (the mean
# over tasks of the per-task R² on observed entries). ``L21RegressorCV`` uses the
# same scorer for the same ``scoring``.

start = time.perf_counter()
grid = GridSearchCV(L21Regressor(), {"alpha": alphas}, cv=cv).fit(X, Y)
t_grid = time.perf_counter() - start

start = time.perf_counter()
path_cv = L21RegressorCV(alphas=alphas, cv=cv).fit(X, Y)
t_path = time.perf_counter() - start

print(f"GridSearchCV:   alpha={grid.best_params_['alpha']:.5f}  {t_grid:.2f} s")
print(f"L21RegressorCV: alpha={path_cv.alpha_:.5f}  {t_path:.2f} s")

# %%
# ``cv_results_`` of the ``*CV`` estimators has GridSearchCV's layout, and
# ``score_path_`` holds every fold's score of every alpha.

mean_grid = grid.cv_results_["mean_test_score"]
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.semilogx(alphas, path_cv.score_path_, color="grey", lw=0.6, alpha=0.7)
ax.semilogx(alphas, path_cv.cv_results_["mean_test_score"], color="C0", lw=3,
            label="L21RegressorCV: mean over folds")
ax.semilogx(alphas, mean_grid, "o", color="C1", ms=4, label="GridSearchCV: mean over folds")
ax.axvline(path_cv.alpha_, color="k", ls="--", lw=1)
ax.set_xlabel("alpha")
ax.set_ylabel("held-out mean per-task R²")
ax.set_title("Cross-validation curve (grey: one line per fold)")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Other scorers, several at once
# ------------------------------
#
# scikit-learn's own scorer names ("r2", "neg_mean_squared_error") do not know
# that NaN marks a missing target. :mod:`mtlreg.metrics` has NaN-aware scorers; a
# dict of them with ``refit=`` works as usual.

scoring = {name: get_scorer(name) for name in ("mt_r2", "mt_neg_nmse", "mt_neg_malsar_rmse")}
multi = GridSearchCV(L21Regressor(), {"alpha": alphas[::3]}, cv=cv, scoring=scoring,
                     refit="mt_neg_nmse").fit(X, Y)
print(f"best alpha by nMSE: {multi.best_params_['alpha']:.5f}")
for name in scoring:
    print(f"  {name:20s} {multi.cv_results_['mean_test_' + name][multi.best_index_]:.3f}")

# %%
# Random search over two hyperparameters
# --------------------------------------
#
# ``RandomizedSearchCV`` draws ``alpha`` and the ridge strength ``l2`` from
# log-uniform distributions. (The ``*CV`` estimators search ``l2`` on a grid, with
# ``l2s=``.)

search = RandomizedSearchCV(
    L21Regressor(),
    {"alpha": loguniform(alphas[-1], alphas[0]), "l2": loguniform(1e-4, 1.0)},
    n_iter=15, cv=cv, random_state=0,
).fit(X, Y)
best = search.best_params_
print(f"random search: alpha={best['alpha']:.5f}, l2={best['l2']:.5f}, "
      f"mean CV score {search.best_score_:.3f}")
