"""Datafits: per-entry losses on a design's layout arrays.

A datafit is sum_k s_k * phi(y_k, z_k) over the layout's entries, with
s_k = w_t / n_t on task t's observed entries and 0 elsewhere, so each task
contributes w_t times its mean loss. A datafit knows its value, gradient in z
(and both at once), curvature bound, Fenchel conjugate (for the duality gap)
and how to fit the intercepts for fixed coefficients.
"""

import numpy as np

from . import _logistic
from ._design import row_blocks


def _flat(a):
    """``a`` as a 1-D C-ordered array, a view when ``a`` is C-contiguous: the kernels
    then have one compiled signature whatever the layout's shape."""
    return np.ravel(a)


def _blocked_sum(terms, *arrays):
    """``float(np.sum(terms(*arrays)))``, summed over blocks of the arrays' rows."""
    blocks = row_blocks(arrays[0])
    if len(blocks) == 1:
        return float(np.sum(terms(*arrays)))
    return float(sum(np.sum(terms(*(a[b] for a in arrays))) for b in blocks))


def _squared_terms(y, s, z):
    r = z - y
    sr = s * r
    sr *= r
    return sr


def _residual_terms(s, r):
    sr = s * r
    sr *= r
    return sr


def _gradient_terms(y, s, z, g):
    # g = (z - y) s as ``grad`` has it, written into g (which may be z itself: r is
    # taken first); each term is s (z - y)^2 with the roundings of _squared_terms
    r = z - y
    np.multiply(r, s, out=g)
    r *= g
    return r


def _weighted_differences(s, y, zW):
    r = y - zW
    r *= s
    return r


def _conjugate_terms(y, s, theta):
    # f_k(z) = s/2 (z - y)^2  ->  f_k*(u) = u^2 / (2 s) + u y  (u = 0 where s = 0)
    pos = s > 0
    if not pos.all():
        theta, s, y = theta[pos], s[pos], y[pos]
    terms = theta * theta
    terms /= 2.0 * s
    terms += theta * y
    return terms


class SquaredLoss:
    """phi(y, z) = (y - z)^2 / 2."""

    curvature = 1.0
    quadratic = True

    # These run at every gap check on (n, T) arrays, a sparse fit's largest work
    # arrays: the sums go over blocks of rows, so that their temporaries stay small
    # (five temporaries of that shape were 1.4x the data of a 20,000 x 5,000 x 10
    # sparse fit at 1 %), with the same roundings in each term as whole arrays.

    def value(self, y, s, z):
        return 0.5 * _blocked_sum(_squared_terms, y, s, z)

    def value_shifted(self, design, zW, b):
        """The value at z = zW + expand(b), summed over the same blocks of rows as
        ``value`` (the same to the last bit), with the shift added block by block."""
        y, s = design.y, design.s
        return sum(self.value(y[r], s[r], zW[r] + design.expand_rows(b, r))
                   for r in row_blocks(zW))

    def residual_value(self, s, r):
        """The value at z = y - r, from the residual r (coordinate descent keeps it)."""
        return 0.5 * _blocked_sum(_residual_terms, s, r)

    def grad(self, y, s, z):
        g = z - y
        g *= s
        return g

    def value_and_grad(self, y, s, z, out=None):
        """The value and the gradient, written into ``out`` when given (z itself is
        allowed: a caller done with z saves an array of its shape)."""
        g = np.empty_like(z) if out is None else out
        return 0.5 * _blocked_sum(_gradient_terms, y, s, z, g), g

    def conjugate(self, y, s, theta):
        return _blocked_sum(_conjugate_terms, y, s, theta)

    def fit_intercept(self, design, zW, b):
        # the centred design makes the best intercept the weighted task mean
        num = design.task_sum_of(_weighted_differences, design.s, design.y, zW)
        return num / design.task_sum(design.s)

    def gap_scale(self, design, fit_intercept):
        """sum_t w_t ||y_t - ybar_t||^2 / n_t: scikit-learn's tol * ||Y||^2 / n."""
        zero = design.zeros()
        b = self.fit_intercept(design, zero, 0.0) if fit_intercept else np.zeros(design.n_tasks)
        return 2.0 * self.value(design.y, design.s, zero + design.expand(b))


class LogisticLoss:
    """phi(y, z) = log(1 + exp(-y z)) with y in {-1, +1}."""

    curvature = 0.25

    def value(self, y, s, z):
        return float(_logistic.logistic_value(_flat(y), _flat(s), _flat(z)))

    def value_shifted(self, design, zW, b):
        """The value at z = zW + expand(b). Summed over blocks, it would differ from
        ``value_and_grad``'s sum over the whole array by rounding (2e-13 of the value
        on 800,000 entries), more than FISTA's sufficient-decrease test allows."""
        return self.value(design.y, design.s, zW + design.expand(b))

    def grad(self, y, s, z):
        out = np.empty(s.shape)
        _logistic.logistic_grad(_flat(y), _flat(s), _flat(z), _flat(out))
        return out

    def value_and_grad(self, y, s, z, out=None):
        # the kernel reads each z[k] before it writes out[k], so out may be z; it writes
        # through a flat view, which a non-C-contiguous out would not give
        if out is None or not out.flags.c_contiguous:
            out = np.empty(s.shape)
        value = _logistic.logistic_value_grad(_flat(y), _flat(s), _flat(z), _flat(out))
        return float(value), out

    def conjugate(self, y, s, theta):
        return float(_logistic.logistic_conjugate(_flat(y), _flat(s), _flat(theta)))

    def hessian_diagonal(self, y, s, z):
        """Second derivative of each entry's term in z (the datafit is separable in z)."""
        out = np.empty(s.shape)
        _logistic.logistic_curvature(_flat(y), _flat(s), _flat(z), _flat(out))
        return out

    def fit_intercept(self, design, zW, b, max_iter=100):
        """Newton's method per task on the intercepts (one dimension each)."""
        b = np.broadcast_to(np.asarray(b, dtype=np.float64), (design.n_tasks,)).copy()
        y, s = design.y, design.s
        for _ in range(max_iter):
            z = zW + design.expand(b)
            g = design.task_sum(self.grad(y, s, z))
            h = design.task_sum(self.hessian_diagonal(y, s, z))
            step = np.clip(g / np.maximum(h, 1e-300), -1.0, 1.0)
            b -= step
            if np.all(np.abs(g) <= 1e-14 * np.maximum(design.task_sum(s), 1e-300)):
                break
        return b

    def gap_scale(self, design, fit_intercept):
        zero = design.zeros()
        b = self.fit_intercept(design, zero, 0.0) if fit_intercept else np.zeros(design.n_tasks)
        return self.value(design.y, design.s, zero + design.expand(b))


LOSSES = {"squared": SquaredLoss, "logistic": LogisticLoss}
