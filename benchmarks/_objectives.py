"""The benchmark's own objective and duality-gap code (NumPy only, independent of mtlreg).

Every solution is re-scored here, so a solver that stops early does not win. Objectives
follow mtlreg's (and scikit-learn's) scaling, with no intercept::

    F(W) = sum_t 1/n_t sum_{i in task t} phi(y_ti, x_ti' w_t) + Omega(W)

with phi the squared loss (y - z)^2 / 2 or the logistic loss log(1 + exp(-y z)). On a
shared design with every target observed the datafit is 1/(2n) ||Y - XW||_F^2, which is
scikit-learn's MultiTaskLasso. The duality gap uses the rescaled dual point
kappa * theta, theta the datafit's gradient in z, kappa = min(1, alpha / dual_norm(X' theta)).
"""

import numpy as np
from scipy.special import expit, xlogy


class SharedData:
    """One design X (n, d) for every task; Y (n, T) fully observed."""

    def __init__(self, X, Y, loss="squared"):
        self.X, self.Y, self.loss = X, np.asarray(Y, dtype=np.float64), loss
        self.n, self.d = X.shape
        self.T = self.Y.shape[1]
        self.s = 1.0 / self.n

    def forward(self, W):
        return self.X @ W

    def adjoint(self, Theta):
        return self.X.T @ Theta

    def value(self, Z):
        return _value(self.loss, self.Y, self.s, Z)

    def theta(self, Z):
        return _theta(self.loss, self.Y, self.s, Z)

    def conjugate(self, U):
        return _conjugate(self.loss, self.Y, self.s, U)

    def zero_loss(self):
        return self.value(np.zeros_like(self.Y))


class PerTaskData:
    """Per-task designs: lists Xs[t] (n_t, d) and ys[t] (n_t,), looped over in Python."""

    def __init__(self, Xs, ys, loss="squared"):
        self.Xs = [np.ascontiguousarray(x) for x in Xs]
        self.ys = [np.asarray(y, dtype=np.float64) for y in ys]
        self.loss = loss
        self.T, self.d = len(Xs), Xs[0].shape[1]
        self.y = np.concatenate(self.ys)
        self.ptr = np.concatenate([[0], np.cumsum([len(y) for y in ys])])
        self.s = np.concatenate([np.full(len(y), 1.0 / len(y)) for y in ys])

    def forward(self, W):
        return np.concatenate([x @ W[:, t] for t, x in enumerate(self.Xs)])

    def adjoint(self, theta):
        p = self.ptr
        return np.column_stack([x.T @ theta[p[t] : p[t + 1]] for t, x in enumerate(self.Xs)])

    def value(self, z):
        return _value(self.loss, self.y, self.s, z)

    def theta(self, z):
        return _theta(self.loss, self.y, self.s, z)

    def conjugate(self, u):
        return _conjugate(self.loss, self.y, self.s, u)

    def zero_loss(self):
        return self.value(np.zeros_like(self.y))


def _value(loss, y, s, z):
    if loss == "squared":
        r = z - y
        return 0.5 * float(np.sum(s * r * r))
    return float(np.sum(s * np.logaddexp(0.0, -y * z)))


def _theta(loss, y, s, z):
    if loss == "squared":
        return s * (z - y)
    return -s * y * expit(-y * z)


def _conjugate(loss, y, s, u):
    """sum of the conjugates of z -> s * phi(y, z) at u."""
    if loss == "squared":
        return float(np.sum(u * u / (2.0 * s) + u * y))
    p = np.clip(-u * y / s, 0.0, 1.0)
    return float(np.sum(s * (xlogy(p, p) + xlogy(1.0 - p, 1.0 - p))))


class Penalty:
    """alpha * Omega(W) for kind in lasso, l21, trace, mean; prox for the NumPy baseline."""

    def __init__(self, kind, alpha):
        self.kind, self.alpha = kind, float(alpha)

    def value(self, W):
        a, k = self.alpha, self.kind
        if k == "lasso":
            return a * float(np.abs(W).sum())
        if k == "l21":
            return a * float(np.sqrt((W * W).sum(axis=1)).sum())
        if k == "trace":
            return a * float(np.linalg.svd(W, compute_uv=False).sum())
        dev = W - W.mean(axis=1, keepdims=True)
        return 0.5 * a * float(np.sum(dev * dev))

    def dual_norm(self, V):
        """Dual norm of Omega / alpha (None: the mean penalty has no gap)."""
        k = self.kind
        if k == "lasso":
            return float(np.abs(V).max())
        if k == "l21":
            return float(np.sqrt((V * V).sum(axis=1)).max())
        if k == "trace":
            return float(np.linalg.norm(V, 2))
        return None

    def prox(self, V, step):
        """(prox_{step * Omega}(V), Omega at the result)."""
        a, k = self.alpha * step, self.kind
        if k == "lasso":
            W = np.sign(V) * np.maximum(np.abs(V) - a, 0.0)
            return W, self.alpha * float(np.abs(W).sum())
        if k == "l21":
            nrm = np.sqrt((V * V).sum(axis=1, keepdims=True))
            W = V * np.maximum(1.0 - a / np.maximum(nrm, 1e-300), 0.0)
            return W, self.alpha * float(np.maximum(nrm - a, 0.0).sum())
        if k == "trace":
            U, sv, Vt = np.linalg.svd(V, full_matrices=False)
            sv = np.maximum(sv - a, 0.0)
            keep = sv > 0
            return (U[:, keep] * sv[keep]) @ Vt[keep], self.alpha * float(sv.sum())
        mean = V.mean(axis=1, keepdims=True)
        W = mean + (V - mean) / (1.0 + a)
        return W, self.value(W)


def score(data, penalty, W):
    """(objective, duality gap) of W; the gap is NaN for the mean-regularised penalty."""
    W = np.asarray(W, dtype=np.float64)
    Z = data.forward(W)
    primal = data.value(Z) + penalty.value(W)
    theta = data.theta(Z)
    V = data.adjoint(theta)
    dn = penalty.dual_norm(V)
    if dn is None:
        return primal, float("nan")
    kappa = 1.0 if dn <= penalty.alpha else penalty.alpha / dn
    dual = -data.conjugate(kappa * theta)
    return primal, max(primal - dual, 0.0)


def alpha_max(data, kind):
    """Smallest alpha with W = 0 optimal (no intercept)."""
    Z = data.forward(np.zeros((data.d, data.T)))
    return Penalty(kind, 1.0).dual_norm(data.adjoint(data.theta(Z)))


def gap_scale(data):
    """Scale of mtlreg's / scikit-learn's tol: ||Y||_F^2 / n (squared), loss at 0 (logistic)."""
    if data.loss == "squared":
        return 2.0 * data.zero_loss()
    return data.zero_loss()
