"""
Trace norm: tasks that share a low-dimensional subspace
=======================================================

When the tasks' coefficient vectors are combinations of a few common directions,
the coefficient matrix W (features x tasks) has low rank. The trace norm
:math:`\\alpha \\|W\\|_*`, the sum of the singular values of W, is the convex
penalty that pulls W towards low rank: its proximal operator soft-thresholds the
singular values, so the weakest directions vanish exactly.

Here 30 tasks with 20 rows each share a rank-3 W over 40 features. No coefficient is
zero, so L2,1 and the Lasso have no sparsity to exploit.
"""

import matplotlib.pyplot as plt
import numpy as np

from mtlreg import MeanRegularizedRegressor
from mtlreg.datasets import make_multitask_regression
from mtlreg.metrics import r2_score
from mtlreg.model_selection import L21RegressorCV, TraceNormRegressorCV, trace_norm_path

X, Y, coef = make_multitask_regression(
    n_samples=20, n_features=40, n_tasks=30, structure="low_rank", rank=3,
    design="per_task", noise=1.0, return_coef=True, random_state=0,
)
rng = np.random.default_rng(0)
X_test = rng.standard_normal((400, 40))
Y_test = X_test @ coef.T + rng.standard_normal((400, 30))

# %%
# Fits
# ----
#
# The trace-norm model is tuned by cross-validation; L2,1 is tuned the same way for
# comparison. The independent baseline is a ridge fit of each task alone:
# ``MeanRegularizedRegressor(alpha=0, l2=...)`` is exactly that (no coupling, one
# ridge term), here with a common ``l2`` chosen on the test rows to favour the
# baseline.

trace = TraceNormRegressorCV(alphas=12, eps=1e-2, cv=4).fit(X, Y)
l21 = L21RegressorCV(alphas=12, eps=1e-2, cv=4).fit(X, Y)
ridge = max(
    (MeanRegularizedRegressor(alpha=0.0, l2=l2).fit(X, Y) for l2 in np.geomspace(1e-2, 10, 7)),
    key=lambda m: m.score(X_test, Y_test),
)
for name, model in [("trace norm", trace), ("L2,1", l21), ("ridge per task", ridge)]:
    print(f"{name:15s} mean test R^2 = {r2_score(Y_test, model.predict(X_test)):.3f}")

# %%
# Singular values
# ---------------
#
# The trace-norm solution has three large singular values, a few small ones, and
# the rest exactly zero (drawn at the bottom of the axis). The per-task ridge fits,
# which know nothing of the other tasks, spread the noise over every direction, and
# so does L2,1, which looks for shared *features*, not shared directions.

fig, ax = plt.subplots(figsize=(6.5, 4))
floor = 1e-3
for name, W, style in [
    ("truth", coef, dict(color="k", lw=2)),
    ("trace norm (CV)", trace.coef_, dict(marker="o")),
    ("L2,1 (CV)", l21.coef_, dict(marker="s", ms=4)),
    ("ridge per task", ridge.coef_, dict(marker="^", ms=4)),
]:
    sv = np.linalg.svd(W, compute_uv=False)
    ax.semilogy(np.arange(1, len(sv) + 1), np.maximum(sv, floor), label=name, **style)
ax.set_xlabel("index")
ax.set_ylabel("singular value of W")
ax.legend(loc="upper right")
ax.set_title("Singular values of the fitted W")
fig.tight_layout()
plt.show()

# %%
# Rank along the path
# -------------------
#
# Decreasing alpha lets more directions in, one at a time, with a plateau at the
# true rank. The cross-validated alpha (dashed) is smaller: shrinking the three
# main directions less is worth a few weak extra ones for prediction. To *estimate*
# the rank, read the plateau.

alphas, coefs, _ = trace_norm_path(X, Y, n_alphas=20, eps=0.04)
ranks = [np.linalg.matrix_rank(coefs[:, :, k], tol=1e-8) for k in range(len(alphas))]
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.semilogx(alphas, ranks, marker=".")
ax.axvline(trace.alpha_, color="k", ls="--", lw=1)
ax.axhline(3, color="grey", lw=1)
ax.invert_xaxis()
ax.set_xlabel("alpha")
ax.set_ylabel("rank of W")
ax.set_title("Rank along the trace-norm path (grey: true rank)")
fig.tight_layout()
plt.show()
