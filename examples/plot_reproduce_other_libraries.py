"""
Reproducing scikit-learn, MALSAR and RMTL
=========================================

Other toolkits scale the same models differently. With the settings of
:ref:`conversion`, mtlreg solves exactly their problems. This example checks the
conversions numerically:

* against scikit-learn directly, by fitting both;
* against MALSAR (MATLAB) and RMTL (R), which cannot run here, by writing their
  objectives as their source code computes them and checking that mtlreg's solution
  is a fixed point of their proximal gradient step, i.e. their optimum.
"""

import numpy as np
from scipy.special import expit
from sklearn.linear_model import MultiTaskElasticNet, MultiTaskLasso, MultiTaskLassoCV, Ridge
from sklearn.model_selection import KFold

from mtlreg import (
    L21Classifier,
    L21Regressor,
    LassoRegressor,
    MeanRegularizedRegressor,
    TraceNormRegressor,
    alpha_max,
)
from mtlreg.data import from_task_list
from mtlreg.datasets import make_multitask_regression
from mtlreg.metrics import get_scorer
from mtlreg.model_selection import L21RegressorCV

exact = dict(tol=1e-12, max_iter=100_000)

# %%
# scikit-learn
# ------------
#
# One shared design, every target observed. ``l1_ratio`` splits scikit-learn's
# ``alpha`` between the L2,1 and the ridge term; scikit-learn's ``Ridge`` sums the
# squared errors, hence ``l2 = alpha / n``; ``MultiTaskLassoCV`` scores the folds by
# mean squared error on unshuffled ``KFold`` folds.

X, Y = make_multitask_regression(80, 15, 4, noise=1.0, random_state=0)
n = X.shape[0]
grid = alpha_max(X, Y, penalty="l21") * np.geomspace(1, 1e-2, 20)
pairs = [
    ("MultiTaskLasso(alpha=0.1)",
     MultiTaskLasso(alpha=0.1, tol=1e-12), L21Regressor(alpha=0.1, **exact)),
    ("MultiTaskElasticNet(alpha=0.1, l1_ratio=0.3)",
     MultiTaskElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-12),
     L21Regressor(alpha=0.1 * 0.3, l2=0.1 * 0.7, **exact)),
    ("Ridge(alpha=5.0)",
     Ridge(alpha=5.0), MeanRegularizedRegressor(alpha=0.0, l2=5.0 / n, **exact)),
    ("MultiTaskLassoCV(alphas=grid, cv=KFold(5))",
     MultiTaskLassoCV(alphas=grid, cv=KFold(5), tol=1e-12),
     L21RegressorCV(alphas=grid, cv=KFold(5), scoring=get_scorer("mt_neg_mean_squared_error"),
                    **exact)),
]
for name, theirs, ours in pairs:
    theirs.fit(X, Y)
    ours.fit(X, Y)
    print(f"{name:46s} max |coef difference| = {np.abs(theirs.coef_ - ours.coef_).max():.1e}")

# %%
# MALSAR, least squares
# ---------------------
#
# MALSAR's ``Least_*`` functions minimise
# :math:`\sum_t \frac12 \|X_t w_t - y_t\|^2 + \rho_1 \Omega(W) + \rho_{L2} \|W\|_F^2`
# over per-task data ``X{t}``, ``Y{t}``, without intercept. Weighting each task's
# mean loss by its size, :math:`\omega_t = n_t`, turns mtlreg's datafit into that sum;
# ``l2 = 2 rho_L2``; ``alpha = rho1``, or ``2 rho1`` for ``Least_SRMTL`` with
# ``R = eye(t) - ones(t) / t``, whose penalty is :math:`\rho_1 \|WR\|_F^2`.

rng = np.random.default_rng(0)
sizes = [15, 22, 30, 18]
W_true = rng.standard_normal((10, len(sizes)))
tasks = []
for t, n_t in enumerate(sizes):
    X_t = rng.standard_normal((n_t, 10))
    tasks.append((X_t, X_t @ W_true[:, t] + 1.0 + 0.5 * rng.standard_normal(n_t)))
X, Y = from_task_list(tasks)
T = len(tasks)
R = np.eye(T) - np.ones((T, T)) / T


def soft(V, s):
    return np.sign(V) * np.maximum(np.abs(V) - s, 0.0)


def rows(V, s):
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    return np.maximum(1.0 - s / np.maximum(norms, 1e-300), 0.0) * V


def svt(V, s):
    U, sv, Vt = np.linalg.svd(V, full_matrices=False)
    return (U * np.maximum(sv - s, 0.0)) @ Vt


def malsar_least_step(W, rho1, rho_l2, prox, graph=False):
    """One proximal gradient step on MALSAR's least-squares objective, as Least_*.m."""
    grad = np.column_stack([Xt.T @ (Xt @ W[:, t] - yt) for t, (Xt, yt) in enumerate(tasks)])
    grad = grad + 2 * rho_l2 * W + (2 * rho1 * W @ R @ R.T if graph else 0.0)
    step = 1.0 / (max(np.linalg.norm(Xt, 2) ** 2 for Xt, _ in tasks) + 2 * rho_l2 + 2 * rho1)
    return prox(W - step * grad, step * rho1) if prox is not None else W - step * grad


rho1, rho_l2 = 2.0, 0.5
malsar = dict(l2=2 * rho_l2, task_weights=np.array(sizes, float), fit_intercept=False, **exact)
for name, est, prox, graph in [
    ("Least_Lasso", LassoRegressor(alpha=rho1, **malsar), soft, False),
    ("Least_L21", L21Regressor(alpha=rho1, **malsar), rows, False),
    ("Least_Trace", TraceNormRegressor(alpha=rho1, **malsar), svt, False),
    ("Least_SRMTL (rho2 = 0)", MeanRegularizedRegressor(alpha=2 * rho1, **malsar), None, True),
]:
    W = est.fit(X, Y).coef_.T
    moved = np.abs(malsar_least_step(W, rho1, rho_l2, prox, graph) - W).max()
    print(f"{name:24s} mtlreg's W moves by {moved:.1e} under MALSAR's step")

# %%
# RMTL, regression
# ----------------
#
# RMTL's least-squares solvers compute each task's loss as ``0.5 * mean(residual^2)``
# with an unpenalised intercept ``C``, plus :math:`\lambda_1 \Omega(W) + \lambda_2
# \|W\|_F^2`: mtlreg's datafit with its defaults, ``alpha = Lam1`` and
# ``l2 = 2 Lam2``.


def rmtl_least_step(W, c, lam1, lam2, prox):
    """One proximal gradient step on RMTL's LS_* objective, for W and the intercepts."""
    resid = [Xt @ W[:, t] + c[t] - yt for t, (Xt, yt) in enumerate(tasks)]
    grad_w = np.column_stack([Xt.T @ r / len(r) for (Xt, _), r in zip(tasks, resid, strict=True)])
    grad_c = np.array([r.mean() for r in resid])
    step = 1.0 / (max(np.linalg.norm(Xt, 2) ** 2 / len(Xt) for Xt, _ in tasks) + 1 + 2 * lam2)
    return prox(W - step * (grad_w + 2 * lam2 * W), step * lam1), c - step * grad_c


lam1, lam2 = 0.1, 0.05
for name, est, prox in [
    ("LS_L21", L21Regressor(alpha=lam1, l2=2 * lam2, **exact), rows),
    ("LS_Trace", TraceNormRegressor(alpha=lam1, l2=2 * lam2, **exact), svt),
]:
    est.fit(X, Y)
    W, c = est.coef_.T, est.intercept_
    W_next, c_next = rmtl_least_step(W, c, lam1, lam2, prox)
    moved = max(np.abs(W_next - W).max(), np.abs(c_next - c).max())
    print(f"{name:24s} mtlreg's (W, C) moves by {moved:.1e} under RMTL's step")

# %%
# MALSAR and RMTL, logistic loss
# ------------------------------
#
# Both use each task's *mean* logistic loss with labels in {-1, +1} and an
# unpenalised intercept: mtlreg's classifiers with their defaults,
# ``alpha = rho1`` (``Lam1``) and ``l2 = 2 rho_L2`` (``2 Lam2``).

labels = [np.where(yt > np.median(yt), 1.0, -1.0) for _, yt in tasks]
Xc, Yc = from_task_list([(Xt, lt) for (Xt, _), lt in zip(tasks, labels, strict=True)])
clf = L21Classifier(alpha=0.05, l2=2 * 0.01, **exact).fit(Xc, Yc)
W, c = clf.coef_.T, clf.intercept_
grad_w, grad_c = [], []
for t, (Xt, _) in enumerate(tasks):
    # Logistic_L21.m / LR_grad_eval: weight 1/n_t per sample
    b = -labels[t] * (1 - expit(labels[t] * (Xt @ W[:, t] + c[t]))) / len(Xt)
    grad_w.append(Xt.T @ b)
    grad_c.append(b.sum())
step = 0.5
W_next = rows(W - step * (np.column_stack(grad_w) + 2 * 0.01 * W), step * 0.05)
moved = max(np.abs(W_next - W).max(), np.abs(step * np.array(grad_c)).max())
print(f"{'Logistic_L21 / LR_L21':24s} mtlreg's (W, C) moves by {moved:.1e} under their step")
