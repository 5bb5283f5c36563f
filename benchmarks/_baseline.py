"""Plain NumPy accelerated proximal gradient: the MALSAR-equivalent baseline.

FISTA (Beck & Teboulle) with backtracking on the Lipschitz constant (start at 1, double
on failure, never decrease, as MALSAR's solvers do), no restart, per-task products in a
Python loop over the tasks (MALSAR's cell arrays). One improvement over MALSAR: the
prediction at the extrapolated point is extrapolated too (z_y = z_x + beta (z_x - z_x')),
so an iteration costs one forward and one adjoint product plus one forward per backtrack.
"""

import time

import numpy as np


def fista(data, penalty, max_iter=100_000, target=None, rtol=None, time_limit=None, L0=1.0):
    """Minimise data.value + penalty from W = 0.

    Stops at the first iterate whose objective is <= ``target`` (an oracle stop:
    the baseline's best case), when the relative objective change falls below
    ``rtol``, after ``max_iter`` iterations or ``time_limit`` seconds.
    Returns (W, info) with info = dict(n_iter, objective, reached, trace) where
    trace holds (seconds, objective) pairs of every iteration.
    """
    d, T = data.d, data.T
    start = time.perf_counter()
    x = np.zeros((d, T))
    zx = data.forward(x)
    F_prev = data.value(zx) + penalty.value(x)
    y, zy, t, L = x.copy(), zx.copy(), 1.0, float(L0)
    trace = [(0.0, F_prev)]
    reached = target is not None and F_prev <= target
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is returned)
        if reached:
            break
        fy = data.value(zy)
        g = data.adjoint(data.theta(zy))
        while True:
            xn, omega = penalty.prox(y - g / L, 1.0 / L)
            zn = data.forward(xn)
            fn = data.value(zn)
            dx = xn - y
            if fn <= fy + float(np.vdot(g, dx)) + 0.5 * L * float(np.vdot(dx, dx)) + 1e-13 * max(
                1.0, abs(fy)
            ):
                break
            L *= 2.0
        F = fn + omega
        trace.append((time.perf_counter() - start, F))
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        beta = (t - 1.0) / t_next
        y = xn + beta * (xn - x)
        zy = zn + beta * (zn - zx)
        x, zx, t = xn, zn, t_next
        if target is not None and F <= target:
            reached = True
            break
        if rtol is not None and abs(F_prev - F) <= rtol * max(abs(F), 1e-300):
            break
        if time_limit is not None and time.perf_counter() - start > time_limit:
            break
        F_prev = F
    return x, {"n_iter": it, "objective": trace[-1][1], "reached": reached, "trace": trace}
