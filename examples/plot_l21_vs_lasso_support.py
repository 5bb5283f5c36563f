"""
Support recovery: L2,1 against the Lasso
========================================

Fifteen tasks, each with its own 25 rows, use the same six features out of sixty,
with different coefficients. The L2,1 penalty
:math:`\\alpha \\sum_j \\|W_{j:}\\|_2` selects whole rows of W (features), so every
task lends its rows to the decision "is feature j relevant?". The multi-task Lasso
:math:`\\alpha \\sum_{jt} |W_{jt}|` decides every coefficient alone: it is the
no-sharing control.
"""

import matplotlib.pyplot as plt
import numpy as np

from mtlreg.datasets import make_multitask_regression
from mtlreg.model_selection import L21RegressorCV, LassoRegressorCV, l21_path, lasso_path

X, Y, coef = make_multitask_regression(
    n_samples=25, n_features=60, n_tasks=15, structure="shared_support",
    design="per_task", n_informative=6, noise=1.0, return_coef=True, random_state=7,
)
truth = coef != 0  # (n_tasks, n_features)

# %%
# Recovery along the whole path
# -----------------------------
#
# Each point is one alpha: how many of the 90 true nonzero coefficients are found,
# against how many zero coefficients are wrongly made nonzero. This compares the
# penalties without choosing an alpha.


def recovery(coefs):
    nonzero = coefs != 0  # (n_tasks, n_features, n_alphas)
    found = (nonzero & truth[:, :, None]).sum(axis=(0, 1))
    wrong = (nonzero & ~truth[:, :, None]).sum(axis=(0, 1))
    return wrong, found


coefs = {}
fig, ax = plt.subplots(figsize=(6, 4.5))
for name, path in [("L2,1", l21_path), ("Lasso", lasso_path)]:
    _, coefs[name], _ = path(X, Y, n_alphas=40, eps=1e-2)
    wrong, found = recovery(coefs[name])
    ax.plot(wrong, found, marker=".", label=name)
ax.axhline(truth.sum(), color="grey", lw=1, ls="--")
ax.set_xlabel("false nonzero coefficients")
ax.set_ylabel(f"true nonzero coefficients found (of {truth.sum()})")
ax.set_xlim(0, 300)
ax.legend()
ax.set_title("Support recovery along the regularisation path")
fig.tight_layout()

# %%
# At equal size
# -------------
#
# Take, on each path, the first alpha at which the model has at least as many
# nonzero coefficients as the truth (90). L2,1 puts them in whole rows, on the relevant
# features; the Lasso spreads them over the matrix, with misses and false hits.


def first_of_size(coefs, size):
    k = np.argmax((coefs != 0).sum(axis=(0, 1)) >= size)
    return coefs[:, :, k] != 0


fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), sharey=True)
supports = [("truth", truth)] + [
    (name, first_of_size(coefs[name], truth.sum())) for name in ("L2,1", "Lasso")
]
shown = np.flatnonzero(np.any([s.any(axis=0) for _, s in supports], axis=0))
for ax, (name, support) in zip(axes, supports, strict=True):
    ax.imshow(support[:, shown], cmap="Greys", aspect="auto", interpolation="nearest")
    ax.set_title(f"{name}: {support.sum()} nonzero\n"
                 f"{(support & ~truth).sum()} false, {(~support & truth).sum()} missed")
    ax.set_xlabel("feature (those used by some panel)")
axes[0].set_ylabel("task")
fig.tight_layout()
plt.show()

# %%
# At the cross-validated alpha
# ----------------------------
#
# Cross-validation picks the alpha that *predicts* best, which is smaller than the
# one that recovers the support: both models then keep irrelevant features with
# small coefficients. To select features, prefer a larger alpha than the CV one (or
# refit on the selected features).

for name, cv_est in [("L2,1", L21RegressorCV), ("Lasso", LassoRegressorCV)]:
    est = cv_est(alphas=30, eps=1e-2, cv=5).fit(X, Y)
    support = est.coef_ != 0
    print(f"{name:5s} CV alpha={est.alpha_:.3f}: {support.any(axis=0).sum()} features used, "
          f"{(support & ~truth).sum()} false and {(~support & truth).sum()} missed "
          f"coefficients")
