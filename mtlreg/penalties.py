"""Penalties on the coefficient matrix W (n_features, n_tasks).

Each penalty is h(W) = Omega(W) + l2/2 * ||W||_F^2 and knows

* ``value(W)`` and ``prox(V, step)`` = argmin_W ||W - V||^2 / (2 step) + h(W);
  a penalty with ``row_separable = True`` is a sum over feature rows and
  also takes ``step`` as an (n_features, 1) array, one step per row, which
  lets solvers use a diagonal metric;
* ``dual_scale(V)`` and ``conjugate(V)``: the Fenchel conjugate h*(V) and the
  factor k in (0, 1] that makes k*V a point where it is finite, so the solvers
  can build a feasible dual point and a duality gap. ``dual_scale`` returns
  None when no cheap dual point exists; solvers then stop on the proximal
  gradient mapping instead;
* ``grid_top(V, lipschitz)``: the top of a default alpha grid (alpha_max
  where one exists);
* optionally ``hessian(W)`` (with ``hessian_diagonal`` and ``hessian_bound``)
  when h is quadratic, which is what conjugate gradient needs;
* optionally ``row_params()`` = (l1, l21, l2) when h is a sum over feature
  rows of l1*|w|_1 + l21*|w|_2 + l2/2*|w|^2, which is all coordinate descent
  needs, and ``dual_norm(V)`` / ``row_dual_norms(V)`` for alpha_max and
  working sets.

Solvers only call these methods; they never ask which penalty they hold.
"""

import numpy as np

from . import _kernels

# squared distance to the dual ball (relative to alpha^2) below which a dual point
# counts as inside it: rounding in the rescaling by alpha / dual norm
_NEGLIGIBLE_EXCESS = 1e-20


class _NormPenalty:
    """alpha * ||W|| + l2/2 ||W||_F^2 for a norm with a cheap dual norm."""

    def __init__(self, alpha, l2=0.0):
        self.alpha = float(alpha)
        self.l2 = float(l2)

    def value(self, W):
        return self.alpha * self.norm(W) + 0.5 * self.l2 * float(np.sum(W * W))

    def prox(self, V, step):
        out = self._prox_norm(np.ascontiguousarray(V), self.alpha * step)
        if self.l2:
            out /= 1.0 + self.l2 * step
        return out

    @staticmethod
    def _row_thresholds(V, threshold):
        # a copy: a view of a broadcast array is read-only, a second compiled signature
        return np.array(np.broadcast_to(threshold, (V.shape[0], 1))[:, 0], dtype=np.float64)

    def dual_scale(self, V):
        if self.l2 > 0.0:
            return 1.0
        if self.alpha == 0.0:
            return None
        dn = self.dual_norm(V)
        return 1.0 if dn <= self.alpha else self.alpha / dn

    def grid_top(self, V, lipschitz):
        """Largest alpha of a default grid: alpha_max, the dual norm of the gradient V at 0."""
        return self.dual_norm(V)

    def conjugate(self, V):
        # h* = indicator of the dual ball (l2 = 0), else squared distance to it / (2 l2)
        excess = self._dual_ball_excess(V)
        if self.l2 > 0.0:
            return excess / (2.0 * self.l2)
        return 0.0 if excess <= _NEGLIGIBLE_EXCESS * max(1.0, self.alpha) ** 2 else np.inf


class L1Penalty(_NormPenalty):
    """alpha * sum_jt |W_jt| + l2/2 ||W||_F^2."""

    row_separable = True

    def norm(self, W):
        return float(np.abs(W).sum())

    def _prox_norm(self, V, threshold):
        out = np.empty_like(V)
        _kernels.soft_threshold_rows(V, self._row_thresholds(V, threshold), out)
        return out

    def dual_norm(self, V):
        return float(np.abs(V).max()) if V.size else 0.0

    def row_dual_norms(self, V):
        return np.abs(V).max(axis=1)

    def _dual_ball_excess(self, V):
        e = np.maximum(np.abs(V) - self.alpha, 0.0)
        return float(np.sum(e * e))

    def row_params(self):
        return self.alpha, 0.0, self.l2


class L21Penalty(_NormPenalty):
    """alpha * sum_j ||W_j,:||_2 (rows = features) + l2/2 ||W||_F^2."""

    row_separable = True

    def norm(self, W):
        return float(np.sqrt((W * W).sum(axis=1)).sum())

    def _prox_norm(self, V, threshold):
        out = np.empty_like(V)
        _kernels.group_shrink_rows(V, self._row_thresholds(V, threshold), out)
        return out

    def dual_norm(self, V):
        return float(self.row_dual_norms(V).max()) if V.size else 0.0

    def row_dual_norms(self, V):
        return np.sqrt((V * V).sum(axis=1))

    def _dual_ball_excess(self, V):
        e = np.maximum(self.row_dual_norms(V) - self.alpha, 0.0)
        return float(np.sum(e * e))

    def row_params(self):
        return 0.0, self.alpha, self.l2


class TraceNormPenalty(_NormPenalty):
    """alpha * ||W||_* (sum of singular values) + l2/2 ||W||_F^2."""

    row_separable = False

    def norm(self, W):
        return float(np.linalg.svd(W, compute_uv=False).sum())

    def _prox_norm(self, V, threshold):
        out = _shrink_by_gram(V, float(threshold))
        if out is not None:
            return out
        U, sv, Vt = np.linalg.svd(V, full_matrices=False)
        sv = np.maximum(sv - threshold, 0.0)
        keep = sv > 0
        return (U[:, keep] * sv[keep]) @ Vt[keep]

    def dual_norm(self, V):
        # the largest singular value from the smaller Gram matrix's largest eigenvalue,
        # exact to rounding for that one (6x faster than an SVD of 2,000 x 200, which a
        # large fit's duality gap paid at every check)
        if V.size == 0:
            return 0.0
        scale = float(np.abs(V).max())
        if scale == 0.0 or not np.isfinite(scale):
            return float(np.linalg.norm(V, 2))
        U = V / scale  # the squares stay in range whatever the size of V's entries
        gram = U.T @ U if U.shape[0] >= U.shape[1] else U @ U.T
        return scale * float(np.sqrt(max(np.linalg.eigvalsh(gram)[-1], 0.0)))

    def _dual_ball_excess(self, V):
        # at the rescaled dual points of the duality gap the top singular value is alpha
        # up to rounding, and rank * (s_max - alpha)^2 bounds the excess: the SVD (28 ms
        # on 2,000 x 200, at every check) is only needed when that bound is not negligible
        # (with l2 > 0 the excess itself enters the conjugate: always exact)
        if self.l2 == 0.0:
            bound = min(V.shape) * max(self.dual_norm(V) - self.alpha, 0.0) ** 2
            if bound <= _NEGLIGIBLE_EXCESS * max(1.0, self.alpha) ** 2:
                return bound
        e = np.maximum(np.linalg.svd(V, compute_uv=False) - self.alpha, 0.0)
        return float(np.sum(e * e))


# Singular value shrinkage through the eigendecomposition of the smaller Gram
# matrix: 3-6x faster than an SVD of a 2,000 x 200 matrix. The eigenvalues
# carry absolute errors of about eps * s_max^2, so the shrinkage factor
# 1 - threshold / s, applied as a matrix function of the Gram matrix, moves by
# at most about eps * s_max^2 / threshold^2: with threshold >= 1e-3 s_max, the
# result is exact to ~1e-10 s_max. Smaller thresholds take the SVD.
_GRAM_MIN_THRESHOLD = 1e-3


def _shrink_by_gram(V, threshold):
    """sum_k max(s_k - threshold, 0) u_k v_k' from the Gram matrix, or None."""
    if threshold <= 0.0 or V.size == 0:
        return None
    tall = V.shape[0] >= V.shape[1]
    gram = V.T @ V if tall else V @ V.T
    lam, Q = np.linalg.eigh(gram)
    s_max = np.sqrt(max(lam[-1], 0.0))
    if threshold < _GRAM_MIN_THRESHOLD * s_max:
        return None
    s = np.sqrt(np.maximum(lam, 0.0))
    keep = s > threshold
    Qk = Q[:, keep]
    factor = 1.0 - threshold / s[keep]
    if tall:
        return ((V @ Qk) * factor) @ Qk.T
    return (Qk * factor) @ (Qk.T @ V)


class MeanRegularizedPenalty:
    """alpha/2 * sum_t ||w_t - wbar||^2 + l2/2 ||W||_F^2, wbar = mean_t w_t.

    A quadratic h(W) = 1/2 tr(W Q W') with Q = alpha P + l2 I and
    P = I - 11'/T the centring matrix: its prox is linear and its conjugate
    is 1/2 tr(V Q^+ V'), finite everywhere when l2 > 0.
    """

    row_separable = True

    def __init__(self, alpha, l2=0.0):
        self.alpha = float(alpha)
        self.l2 = float(l2)

    @staticmethod
    def _split(W):
        mean = W.mean(axis=1, keepdims=True)
        return mean, W - mean

    def value(self, W):
        _, dev = self._split(W)
        return 0.5 * self.alpha * float(np.sum(dev * dev)) + 0.5 * self.l2 * float(np.sum(W * W))

    def prox(self, V, step):
        mean, dev = self._split(V)
        return mean / (1.0 + self.l2 * step) + dev / (1.0 + (self.alpha + self.l2) * step)

    def dual_scale(self, V):
        return 1.0 if self.l2 > 0.0 else None

    def hessian(self, W):
        """Q applied to W: the penalty is 1/2 <W, hessian(W)>."""
        return self.alpha * (W - W.mean(axis=1, keepdims=True)) + self.l2 * W

    def hessian_diagonal(self, shape):
        return np.full(shape, self.alpha * (1.0 - 1.0 / shape[1]) + self.l2)

    def hessian_bound(self):
        return self.alpha + self.l2

    def grid_top(self, V, lipschitz):
        """Largest alpha of a default grid.

        No alpha makes W zero here; at 10 times the datafit's curvature the
        tasks' deviations from the mean task are shrunk at least elevenfold,
        so the grid runs from nearly tied tasks down to nearly independent ones.
        """
        return 10.0 * lipschitz

    def conjugate(self, V):
        mean, dev = self._split(V)
        return 0.5 * (
            float(np.sum(dev * dev)) / (self.alpha + self.l2)
            + float(np.sum(mean * mean)) * V.shape[1] / self.l2
        )
