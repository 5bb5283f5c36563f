"""Accelerated proximal gradient (FISTA) with backtracking and adaptive restart."""

import numpy as np

from .._design import column_curvature
from .._design import lipschitz as estimate_lipschitz
from ._problem import result


def metric(problem):
    """Curvatures (LW, Lb) of the quadratic upper bound FISTA steps with.

    For a penalty that is separable over feature rows the bound uses one
    constant per row, c * D_j with D_j the largest curvature of feature j
    over the tasks and c the Lipschitz constant of the datafit in the
    coordinates scaled by D^(1/2): a diagonal preconditioner, which keeps
    badly scaled or rare features from throttling the step of all the
    others. The intercepts of the centred problem are decoupled from W and
    have the exact curvature w_t each.
    """
    design, loss, penalty = problem.design, problem.loss, problem.penalty
    Lb = loss.curvature * design.task_sum(design.s)
    if getattr(penalty, "row_separable", False):
        D = column_curvature(design).max(axis=1)
        D = np.where(D > 0.0, D, max(float(D.max(initial=0.0)), 1.0))
        c = estimate_lipschitz(design, loss.curvature, row_scale=1.0 / np.sqrt(D)[:, None])
        LW = max(c, np.finfo(np.float64).tiny) * D[:, None]
    else:
        LW = max(estimate_lipschitz(design, loss.curvature), np.finfo(np.float64).tiny)
    return LW, Lb


def fista(problem, W0, b0, tol=1e-4, max_iter=1000, check_every=10, verbose=0, shrink=0.9):
    """Minimise datafit(W, b) + penalty(W) from (W0, b0).

    The steps come from a (diagonal) quadratic upper bound of the datafit,
    see ``metric``. The bound is global; the curvature along the path is
    often much lower (the logistic loss is far flatter than its 1/4 bound
    away from the decision boundary), so every iteration first tries the
    metric scaled by ``shrink`` and doubles it while the sufficient-decrease
    test fails, with the momentum weights adjusted to the changing step as
    in Scheinberg, Goldfarb & Bai (2014). The momentum restarts whenever it
    points uphill (O'Donoghue & Candes' gradient scheme), which restores
    linear convergence on strongly convex problems. The stopping measure
    (duality gap or gradient mapping) is checked at the start and every
    ``check_every`` iterations.

    Returns a dict with W, b, n_iter, criterion, kind, converged, objective.
    """
    design, loss, penalty = problem.design, problem.loss, problem.penalty
    fit_b = problem.fit_intercept
    LW, Lb = metric(problem)
    L = float(np.max(LW))  # scalar constant for the gradient-mapping criterion
    thresholds = problem.thresholds(tol)
    y_obs, s = design.y, design.s

    xW = np.array(W0, dtype=np.float64, copy=True)
    xb = np.array(b0, dtype=np.float64, copy=True)
    zx = design.forward(xW)
    crit, kind, b_best, primal, _ = problem.criterion(xW, xb, L, zW=zx)
    if crit <= thresholds[kind]:
        return result(xW, b_best, 0, crit, kind, True, primal)
    xb = b_best
    yW, yb, zy = xW.copy(), xb.copy(), zx.copy()
    t = 1.0
    n_iter = 0
    converged = False
    slack = 1e-13
    try_shrink = True
    for n_iter in range(1, max_iter + 1):
        L_prev = L
        if try_shrink:
            LW, Lb, L = shrink * LW, shrink * Lb, shrink * L
        zfull = zy + design.expand(yb)
        f_y, G = loss.value_and_grad(y_obs, s, zfull)
        gW = design.adjoint(G)
        gb = design.task_sum(G) if fit_b else np.zeros_like(yb)
        while True:
            nW = penalty.prox(yW - gW / LW, 1.0 / LW)
            nb = yb - gb / Lb if fit_b else yb
            zn = design.forward(nW)
            f_n = loss.value(y_obs, s, zn + design.expand(nb))
            dW, db = nW - yW, nb - yb
            sq = float(np.sum(LW * dW * dW) + np.sum(Lb * db * db))
            bound = f_y + float(np.vdot(gW, dW) + np.vdot(gb, db)) + 0.5 * sq
            if f_n <= bound + slack * max(1.0, abs(f_y)) or sq == 0.0:
                break
            LW, Lb, L = 2.0 * LW, 2.0 * Lb, 2.0 * L
        # once the predicted decrease is down at rounding level the test above
        # passes on noise: a step that kept shrinking would then grow without bound
        try_shrink = 0.5 * sq > 1e3 * slack * max(1.0, abs(f_y))
        # restart when the step goes against the momentum direction (in the metric)
        if float(np.sum(LW * (yW - nW) * (nW - xW)) + np.sum(Lb * (yb - nb) * (nb - xb))) > 0:
            t = 1.0
        # t_{k+1}^2 - t_{k+1} = t_k^2 L_{k+1} / L_k keeps the accelerated rate with
        # a step that changes between iterations
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t * L / L_prev))
        beta = (t - 1.0) / t_next
        yW = nW + beta * (nW - xW)
        yb = nb + beta * (nb - xb)
        zy = zn + beta * (zn - zx)
        xW, xb, zx, t = nW, nb, zn, t_next

        if n_iter % check_every == 0 or n_iter == max_iter:
            crit, kind, b_best, primal, _ = problem.criterion(xW, xb, L, zW=zx)
            if verbose:
                print(f"fista iter {n_iter:6d}  objective {primal:.10e}  {kind} {crit:.3e}")
            if crit <= thresholds[kind]:
                converged = True
                break
    return result(xW, b_best, n_iter, crit, kind, converged, primal)
