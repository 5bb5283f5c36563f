"""Block coordinate descent over feature rows, with working sets.

For the squared loss and any penalty that is a sum over feature rows of
l1*|w|_1 + l21*|w|_2 + l2/2*|w|^2 (``penalty.row_params``), on either
layout. Each epoch is one compiled pass over the working set; the outer loop
(gap, working-set growth) stays in Python.
"""

import numpy as np
import scipy.sparse as sp

from .. import _kernels
from .._design import column_curvature


def supports(problem):
    """Whether coordinate descent applies to ``problem``."""
    return getattr(problem.loss, "quadratic", False) and hasattr(problem.penalty, "row_params")


def _columns(design):
    """Column-major copy of the design's matrix, memoised for paths."""
    cache = design.__dict__.setdefault("_cache", {})
    if "columns" not in cache:
        X = design.X if design.layout == "full" else design.Xs
        if sp.issparse(X):
            Xc = sp.csc_matrix(X)
            Xc.sort_indices()
        else:
            Xc = np.asfortranarray(X)
        cache["columns"] = Xc
    return cache["columns"]


def _epoch_function(design, R, offset, W, lip, l1, l21, l2):
    """One compiled epoch over a working set, for this design's layout and storage."""
    Xc, s, xbar = _columns(design), design.s, design.xbar
    if design.layout == "full":
        if sp.issparse(Xc):
            return lambda ws: _kernels.bcd_epoch_csc(
                Xc.data, Xc.indices, Xc.indptr, xbar, s, R, offset, W, lip, ws, l1, l21, l2
            )
        if np.all(s > 0.0):
            s_task = np.ascontiguousarray(s[0])
            return lambda ws: _kernels.bcd_epoch_dense_observed(
                Xc, xbar, s_task, R, offset, W, lip, ws, l1, l21, l2
            )
        return lambda ws: _kernels.bcd_epoch_dense(
            Xc, xbar, s, R, offset, W, lip, ws, l1, l21, l2
        )
    if sp.issparse(Xc):
        task_of = design.task_of
        return lambda ws: _kernels.bcd_epoch_stacked_csc(
            Xc.data, Xc.indices, Xc.indptr, task_of, xbar, s, R, offset, W, lip, ws,
            l1, l21, l2,
        )
    return lambda ws: _kernels.bcd_epoch_stacked_dense(
        Xc, design.ptr, xbar, s, R, offset, W, lip, ws, l1, l21, l2
    )


def bcd(problem, W0, b0, tol=1e-4, max_iter=1000, verbose=0, inner_check=3, p0=50,
        anderson=5):
    """Minimise the squared datafit plus a row-separable penalty by coordinate descent.

    Outer loop: duality gap on all features, then a working set of the
    current support plus the worst violators of the optimality condition,
    doubling in size while the gap stays above tolerance. Inner loop: epochs
    over the working set until its own gap falls below 0.3 times the outer
    one, with Anderson extrapolation of the last ``anderson`` + 1 iterates
    (kept only when it lowers the objective), as in celer and skglm.
    """
    design, loss, penalty = problem.design, problem.loss, problem.penalty
    l1, l21, l2 = penalty.row_params()
    mask = design.s > 0
    n_tasks = design.n_tasks
    lip = np.ascontiguousarray(column_curvature(design))
    thresholds = problem.thresholds(tol)
    lip_global = float(lip.max()) if lip.size else 1.0

    W = np.array(W0, dtype=np.float64, order="C", copy=True)
    zW = design.forward(W)
    b = problem.best_intercept(zW, b0)
    R = np.where(mask, design.y - zW - design.expand(b), 0.0)
    offset = np.zeros(n_tasks)
    epoch = _epoch_function(design, R, offset, W, lip, l1, l21, l2)

    n_iter = 0
    ws_size = p0
    converged = False
    while True:
        # the maintained residual gives X W without a product: rho = y - b - zW
        zW = np.where(mask, design.y - design.expand(b) - (R + design.expand(offset)), 0.0)
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
        history = []
        while n_iter < max_iter:
            for _ in range(inner_check):
                epoch(ws)
                n_iter += 1
                if anderson:
                    history.append(W[ws].ravel())
                    if len(history) == anderson + 1:
                        _extrapolate(design, loss, penalty, W, b, R, offset, mask, ws, history)
                        history = []
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


def _extrapolate(design, loss, penalty, W, b, R, offset, mask, ws, history):
    """Anderson extrapolation of the working-set rows, kept if it lowers the objective."""
    iterates = np.array(history)
    U = np.diff(iterates, axis=0)
    G = U @ U.T
    try:
        c = np.linalg.solve(G + 1e-12 * np.trace(G) * np.eye(len(G)), np.ones(len(G)))
    except np.linalg.LinAlgError:
        return
    if not np.isfinite(c).all() or c.sum() == 0.0:
        return
    c /= c.sum()
    W_acc = W.copy()
    W_acc[ws] = (c @ iterates[1:]).reshape(len(ws), -1)
    y, s = design.y, design.s
    rho_now = np.where(mask, R + design.expand(offset), 0.0)
    rho_acc = np.where(mask, y - design.expand(b) - design.forward(W_acc), 0.0)
    now = loss.value(y, s, y - rho_now) + penalty.value(W[ws])
    acc = loss.value(y, s, y - rho_acc) + penalty.value(W_acc[ws])
    if acc < now:
        W[ws] = W_acc[ws]
        R[...] = rho_acc
        offset[...] = 0.0


def _restricted_gap(design, loss, penalty, W, R, offset, mask, ws):
    """Duality gap of the problem restricted to the working-set rows."""
    s = design.s
    rho = np.where(mask, R + design.expand(offset), 0.0)
    theta = -s * rho
    # minus the gradient on the working set; centring drops out as rho sums to 0 per task
    if design.layout == "full":
        V = np.asarray(design.X[:, ws].T @ (s * rho))
    else:
        V = design._rmatvec_with(design.Xs[:, ws], s * rho)
    primal = loss.value(design.y, s, design.y - rho) + penalty.value(W[ws])
    kappa = penalty.dual_scale(V)
    if kappa is None:
        return np.inf
    dual = -loss.conjugate(design.y, s, kappa * theta) - penalty.conjugate(kappa * V)
    return primal - dual
