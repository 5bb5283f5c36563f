"""Block coordinate descent over feature rows, with working sets.

For the squared loss on the full layout and any penalty that is a sum over
feature rows of l1*|w|_1 + l21*|w|_2 + l2/2*|w|^2 (``penalty.row_params``).
Each epoch is one compiled pass over the working set; the outer loop (gap,
working-set growth) stays in Python.
"""

import numpy as np
import scipy.sparse as sp

from .. import _kernels


def supports(problem):
    """Whether coordinate descent applies to ``problem``."""
    return (
        problem.design.layout == "full"
        and getattr(problem.loss, "quadratic", False)
        and hasattr(problem.penalty, "row_params")
    )


def bcd(problem, W0, b0, tol=1e-4, max_iter=1000, verbose=0, inner_check=10, p0=10):
    design, loss, penalty = problem.design, problem.loss, problem.penalty
    l1, l21, l2 = penalty.row_params()
    s, mask, xbar = design.s, design.s > 0, design.xbar
    n_features, n_tasks = design.n_features, design.n_tasks
    X = design.X
    if sp.issparse(X):
        Xc = X.tocsc()
        Xc.sort_indices()
        sq_col = np.asarray(Xc.multiply(Xc).T @ s)

        def epoch(ws):
            _kernels.bcd_epoch_csc(
                Xc.data, Xc.indices, Xc.indptr, xbar, s, R, offset, W, lip, ws, l1, l21, l2
            )
    else:
        Xc = np.asfortranarray(X)
        sq_col = (Xc * Xc).T @ s

        def epoch(ws):
            _kernels.bcd_epoch_dense(Xc, xbar, s, R, offset, W, lip, ws, l1, l21, l2)

    # curvature of each coordinate of the centred problem
    task_w = design.task_sum(s)
    lip = np.maximum(sq_col - task_w * xbar * xbar, 0.0)
    lip = np.ascontiguousarray(lip)
    thresholds = problem.thresholds(tol)
    lip_global = float(lip.max()) if lip.size else 1.0

    W = np.array(W0, dtype=np.float64, order="C", copy=True)
    zW = design.forward(W)
    b = problem.best_intercept(zW, b0)
    R = np.where(mask, design.y - zW - b, 0.0)
    offset = np.zeros(n_tasks)

    n_iter = 0
    ws_size = p0
    converged = False
    while True:
        # the maintained residual gives X W without a product: rho = y - b - zW
        zW = np.where(mask, design.y - b - (R + offset), 0.0)
        crit, kind, b, primal, V = problem.criterion(W, b, lip_global, zW=zW)
        if verbose:
            print(f"bcd epoch {n_iter:6d}  objective {primal:.10e}  {kind} {crit:.3e}")
        if crit <= thresholds[kind]:
            converged = True
            break
        if n_iter >= max_iter:
            break
        # working set: rows in use plus the worst violators of the optimality
        # condition ||V_j||_* <= alpha; rows that satisfy it are left out
        support = np.flatnonzero(np.any(W != 0.0, axis=1))
        score = penalty.row_dual_norms(V) / max(l1 + l21, np.finfo(np.float64).tiny)
        score[support] = np.inf
        n_candidates = int(np.sum(score >= 1.0 - 1e-12))
        ws_size = min(max(ws_size, 2 * len(support), p0), max(n_candidates, len(support), 1))
        ws = np.sort(np.argsort(-score, kind="stable")[:ws_size]).astype(np.int64)
        target = 0.3 * crit
        while n_iter < max_iter:
            for _ in range(inner_check):
                epoch(ws)
                n_iter += 1
                if n_iter >= max_iter:
                    break
            inner = _restricted_gap(design, loss, penalty, W, R, offset, mask, ws)
            if inner <= target:
                break
        ws_size *= 2
    # residual bookkeeping drifts by rounding only: the returned model is exact
    return {
        "W": W,
        "b": b,
        "n_iter": n_iter,
        "criterion": crit,
        "kind": kind,
        "converged": converged,
        "objective": primal,
    }


def _restricted_gap(design, loss, penalty, W, R, offset, mask, ws):
    """Duality gap of the problem restricted to the working-set rows."""
    s = design.s
    rho = np.where(mask, R + offset, 0.0)
    theta = -s * rho
    Xws = design.X[:, ws]
    V = np.asarray(Xws.T @ (s * rho))
    W_ws = W[ws]
    primal = loss.value(design.y, s, design.y - rho) + penalty.value(W_ws)
    kappa = penalty.dual_scale(V)
    if kappa is None:
        return np.inf
    dual = -loss.conjugate(design.y, s, kappa * theta) - penalty.conjugate(kappa * V)
    return primal - dual
