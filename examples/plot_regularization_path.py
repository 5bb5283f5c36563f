"""
Regularisation paths of L2,1 and the Lasso
==========================================

:func:`~mtlreg.model_selection.regularization_path` solves a model for a decreasing
grid of ``alpha``, each solve starting from the previous solution (warm start). Its
arguments and returned arrays follow scikit-learn's ``enet_path``.

Here eight tasks share one design and four relevant features out of thirty. Along
the L2,1 path a feature enters for *all* tasks at once: the penalty acts on the rows
of W, one row per feature. Along the Lasso path each coefficient enters on its own.
"""

import matplotlib.pyplot as plt
import numpy as np

from mtlreg.datasets import make_multitask_regression
from mtlreg.model_selection import l21_path, lasso_path

X, Y, coef = make_multitask_regression(
    n_samples=60, n_features=30, n_tasks=8, structure="shared_support",
    n_informative=4, noise=1.0, return_coef=True, random_state=3,
)
relevant = coef.any(axis=0)

# %%
# Both paths run on the same relative grid: 30 alphas from each model's own
# ``alpha_max`` (the smallest alpha giving W = 0) down to ``alpha_max / 1000``.
# ``coefs`` has shape (n_tasks, n_features, n_alphas).

alphas_l21, coefs_l21, gaps_l21 = l21_path(X, Y, n_alphas=30)
alphas_lasso, coefs_lasso, gaps_lasso = lasso_path(X, Y, n_alphas=30)
print("coefs:", coefs_l21.shape)
# the solvers stop when the gap is below tol (1e-4) times this scale
scale = Y.var(axis=0).sum()
print(f"largest duality gap / scale along the paths: L2,1 {gaps_l21.max() / scale:.1e}, "
      f"Lasso {gaps_lasso.max() / scale:.1e}")

# %%
# The left panels draw, for every feature, the 2-norm of its coefficients across the
# tasks, ``||W_j:||``; the right panels count the tasks that use the feature. Under
# L2,1 a feature is used by every task or by none; under the Lasso by any number.

fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex="col")
for row, (name, alphas, coefs) in enumerate(
    [("L2,1", alphas_l21, coefs_l21), ("Lasso", alphas_lasso, coefs_lasso)]
):
    scale = alphas / alphas[0]
    norms = np.linalg.norm(coefs, axis=0)  # (n_features, n_alphas)
    n_tasks_using = (coefs != 0).sum(axis=0)
    for j in np.argsort(relevant):  # relevant features drawn last, on top
        style = dict(color="C3", lw=2) if relevant[j] else dict(color="grey", lw=0.8)
        axes[row, 0].plot(scale, norms[j], **style)
        axes[row, 1].plot(scale, n_tasks_using[j], **style, alpha=0.8)
    axes[row, 0].set_ylabel(f"{name}: " + r"$\|W_{j:}\|_2$")
    axes[row, 1].set_ylabel(f"{name}: tasks using feature j")
for ax in axes[1]:
    ax.set_xscale("log")
    ax.set_xlabel(r"$\alpha / \alpha_{\max}$")
    ax.invert_xaxis()
axes[0, 0].set_title("red: the 4 relevant features, grey: the others")
fig.tight_layout()
plt.show()

# %%
# The first features to enter the L2,1 path are the relevant ones. With the default
# ``solver="auto"``, both paths use block coordinate descent with working sets, and
# every solution is certified by its duality gap: below ``tol`` times the summed
# variance of the tasks' targets, scikit-learn's scaling.
