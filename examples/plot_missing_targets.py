"""
Missing targets and per-task samples
====================================

Every estimator takes one feature matrix ``X`` (n, d) and one target matrix ``Y``
(n, T) in which NaN means "row i has no target for task t". The same API covers

* a shared design with every target observed (scikit-learn's multi-output case);
* a shared design with some targets missing;
* per-task samples, where each row belongs to one task (MALSAR's list of
  ``X_t``): ``Y`` then has one observed entry per row.

Each task's loss is the mean over *its* observed rows, so a missing entry is
simply absent from the objective. :mod:`mtlreg.data` converts lists of per-task
arrays and long tables to this layout and back.
"""

import matplotlib.pyplot as plt
import numpy as np

from mtlreg import L21Regressor
from mtlreg.data import from_long, from_task_list, own_task_predictions, to_long
from mtlreg.datasets import make_multitask_regression

# %%
# A shared design with 30 % of the targets missing
# ------------------------------------------------
#
# Six tasks observe the same 120 rows, but each target is missing with probability
# 0.3. Only about one row in six has all six targets.

X, Y, coef = make_multitask_regression(
    n_samples=120, n_features=30, n_tasks=6, structure="shared_support",
    n_informative=4, missing=0.3, noise=0.5, return_coef=True, random_state=0,
)
rng = np.random.default_rng(0)
X_test = rng.standard_normal((500, 30))
Y_test = X_test @ coef.T + 0.5 * rng.standard_normal((500, 6))
complete = ~np.isnan(Y).any(axis=1)
print(f"observed entries: {(~np.isnan(Y)).sum()} of {Y.size}; complete rows: {complete.sum()}")

# %%
# Three ways to handle the gaps, with the same model and alpha: keep the NaNs
# (mtlreg's way), keep only the complete rows, or fill each gap with the task's
# mean target.

model = L21Regressor(alpha=0.05)
filled = np.where(np.isnan(Y), np.nanmean(Y, axis=0), Y)
strategies = {
    "NaN = missing": model.fit(X, Y).score(X_test, Y_test),
    "complete rows only": model.fit(X[complete], Y[complete]).score(X_test, Y_test),
    "gaps filled with the mean": model.fit(X, filled).score(X_test, Y_test),
}
for name, score in strategies.items():
    print(f"{name:26s} mean test R^2 = {score:.3f}")

# %%
# Per-task samples, from a list of per-task arrays
# ------------------------------------------------
#
# Data often arrive as one ``(X_t, y_t)`` pair per task, with different numbers of
# rows. :func:`~mtlreg.data.from_task_list` stacks them: ``Y`` has one observed
# entry per row.

sizes = [12, 30, 18, 45]
tasks = []
for t, n_t in enumerate(sizes):
    X_t = rng.standard_normal((n_t, 30))
    tasks.append((X_t, X_t @ coef[t] + 0.5 * rng.standard_normal(n_t)))
X_pt, Y_pt = from_task_list(tasks)
print("stacked:", X_pt.shape, Y_pt.shape, "observed per task:", (~np.isnan(Y_pt)).sum(axis=0))

# %%
# From a long table
# -----------------
#
# A table with one row per sample and a task-id column (here as plain arrays; a
# pandas DataFrame and Series work the same) goes through
# :func:`~mtlreg.data.from_long`, which also returns the task names in column
# order. :func:`~mtlreg.data.own_task_predictions` picks each row's prediction
# for its own task, and :func:`~mtlreg.data.to_long` goes back.

X_long, y_long, task_index = to_long(X_pt, Y_pt)
store = np.array(["north", "south", "east", "west"])[task_index]
X_wide, Y_wide, names = from_long(X_long, y_long, store)
print("task columns:", names)
long_model = L21Regressor(alpha=0.05).fit(X_wide, Y_wide)
y_hat = own_task_predictions(long_model.predict(X_long), store, names)
print("first rows:", np.round(y_hat[:3], 2), "targets:", np.round(y_long[:3], 2))

# %%
# The layouts
# -----------
#
# Observed entries in black. Left: the shared design with missing targets. Right:
# per-task samples, where each row is observed in one column only.

fig, axes = plt.subplots(1, 3, figsize=(11, 4), gridspec_kw={"width_ratios": [1, 1, 1.3]})
axes[0].imshow(~np.isnan(Y), aspect="auto", cmap="Greys", interpolation="nearest")
axes[0].set_title("shared design, 30 % missing")
axes[1].imshow(~np.isnan(Y_pt), aspect="auto", cmap="Greys", interpolation="nearest")
axes[1].set_title("per-task samples")
for ax in axes[:2]:
    ax.set_xlabel("task")
    ax.set_ylabel("row")
axes[2].barh(list(strategies), list(strategies.values()), color=["C0", "C1", "C2"])
axes[2].set_xlabel("mean test R² (shared design)")
axes[2].set_title("Using the partial rows pays")
axes[2].invert_yaxis()
fig.tight_layout()
plt.show()
