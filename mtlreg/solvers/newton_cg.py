"""Truncated Newton (Newton-CG) for a smooth non-quadratic loss plus a quadratic penalty.

The mean-regularised classifier's objective, the logistic datafit plus a
quadratic penalty, is smooth: Newton steps apply directly, with no prox. Each
step solves H d = -g inexactly by conjugate gradient with a Jacobi
preconditioner (a Hessian-vector product is one product with the design and
one with its transpose) to a relative residual min(0.5, sqrt(|g| / |g_0|)),
which tightens as the gradient falls and keeps the convergence superlinear
(a forcing term in the sense of Eisenstat and Walker); a backtracking line
search on the true objective takes the step.
Where FISTA needs hundreds of iterations (its step is bounded by the loss's
global curvature bound, 1/4 for the logistic loss, however flat the loss is at
the solution), Newton needs a handful of steps.
"""

import numpy as np

from .._design import column_curvature, weighted_curvature, weighted_means
from ._problem import result


def supports(problem):
    """Whether Newton-CG applies: a non-quadratic loss with a diagonal Hessian in z (the
    squared loss goes to ``cg``) and a quadratic penalty."""
    return (
        not getattr(problem.loss, "quadratic", False)
        and hasattr(problem.loss, "hessian_diagonal")
        and hasattr(problem.penalty, "hessian")
    )


def newton_cg(problem, W0, b0, tol=1e-4, max_iter=100, verbose=0, max_cg=200,
              max_backtrack=30):
    """Minimise datafit(W, b) + penalty(W) by truncated Newton steps.

    ``max_iter`` counts Newton steps; each runs at most ``max_cg`` conjugate
    gradient iterations. Stops like the other solvers (duality gap where the
    penalty has one, else the proximal gradient mapping with a Hessian bound
    built as ``cg`` builds its own, times the loss's curvature bound).

    Returns a dict with W, b, n_iter, criterion, kind, converged, objective.
    """
    design, loss, penalty = problem.design, problem.loss, problem.penalty
    fit_b = problem.fit_intercept
    y, s = design.y, design.s
    thresholds = problem.thresholds(tol)
    # the constant of the gradient-mapping criterion: a bound on the Hessian's
    # largest eigenvalue, as in cg (a larger one only makes the criterion stricter)
    L = (loss.curvature * float(np.max(column_curvature(design).sum(axis=0), initial=0.0))
         + penalty.hessian_bound())
    L = max(L, np.finfo(np.float64).tiny)
    tiny = np.finfo(np.float64).tiny

    W = np.array(W0, dtype=np.float64, copy=True)
    b = np.array(b0, dtype=np.float64, copy=True)
    zW = design.forward(W)
    n_iter = 0
    converged = False
    g_first = None
    while True:
        crit, kind, b, primal, V = problem.criterion(W, b, L, zW=zW)
        if verbose:
            print(f"newton_cg iter {n_iter:4d}  objective {primal:.10e}  {kind} {crit:.3e}")
        if crit <= thresholds[kind]:
            converged = True
            break
        if n_iter >= max_iter:
            break
        n_iter += 1
        z = zW + design.expand(b)
        G = loss.grad(y, s, z)
        gW = penalty.hessian(W) - V
        gb = design.task_sum(G) if fit_b else np.zeros_like(b)
        g_norm = float(np.sqrt(np.vdot(gW, gW) + np.vdot(gb, gb)))
        g_first = g_norm if g_first is None else g_first
        h = loss.hessian_diagonal(y, s, z)
        MW, Mb = _jacobi(design, penalty, h, W.shape, fit_b)
        forcing = min(0.5, np.sqrt(g_norm / max(g_first, tiny)))
        dW, db, dzW = _solve(design, penalty, h, gW, gb, MW, Mb, fit_b, forcing * g_norm,
                             max_cg)
        slope = float(np.vdot(gW, dW) + np.vdot(gb, db))
        if not slope < 0.0:
            break
        dz = dzW + design.expand(db)
        # Armijo backtracking; a change at rounding level passes (see prox_newton)
        slack = 1e-13 * max(1.0, abs(primal))
        step = 1.0
        for _ in range(max_backtrack):
            value = loss.value(y, s, z + step * dz) + penalty.value(W + step * dW)
            if value <= primal + 1e-4 * step * slope + slack:
                break
            step *= 0.5
        else:
            break
        W = W + step * dW
        b = b + step * db
        # one product per step keeps the linear predictor exact (no drift)
        zW = design.forward(W)
    return result(W, b, n_iter, crit, kind, converged, primal)


def _jacobi(design, penalty, h, shape, fit_b):
    """Diagonal of the Hessian: sum_i h_i (x_ij - c_jt)^2 over the design's centring c,
    plus the penalty's, and sum_i h_i for the intercepts."""
    total = design.task_sum(h)
    m = weighted_means(design, h)
    # sum h (x - c)^2 = sum h (x - m)^2 + (sum h) (m - c)^2, m the h-weighted mean
    diag = weighted_curvature(design, h, m) + total * (m - design.xbar) ** 2
    diag = diag + penalty.hessian_diagonal(shape)
    MW = np.where(diag > 0.0, diag, 1.0)
    Mb = np.where(total > 0.0, total, 1.0) if fit_b else np.ones_like(total)
    return MW, Mb


def hessian_product(design, penalty, h, PW, Pb, fit_b):
    """The objective's Hessian at loss curvatures h applied to (PW, Pb): (HW, Hb, X PW)."""
    zP = design.forward(PW)
    u = h * (zP + design.expand(Pb)) if fit_b else h * zP
    Hb = design.task_sum(u) if fit_b else np.zeros_like(Pb)
    return design.adjoint(u) + penalty.hessian(PW), Hb, zP


def _solve(design, penalty, h, gW, gb, MW, Mb, fit_b, target, max_cg):
    """Preconditioned CG on H (dW, db) = -(gW, gb) until the residual norm is at most
    ``target``; also returns the design's product with dW, accumulated on the way."""
    dW, db = np.zeros_like(gW), np.zeros_like(gb)
    dzW = design.zeros()
    rW, rb = -gW, -gb
    zWp, zbp = rW / MW, rb / Mb
    pW, pb = zWp.copy(), zbp.copy()
    rz = float(np.vdot(rW, zWp) + np.vdot(rb, zbp))
    for _ in range(max_cg):
        HW, Hb, zP = hessian_product(design, penalty, h, pW, pb, fit_b)
        curv = float(np.vdot(pW, HW) + np.vdot(pb, Hb))
        if not curv > 0.0:
            break
        a = rz / curv
        dW += a * pW
        db += a * pb
        dzW += a * zP
        rW -= a * HW
        rb -= a * Hb
        if float(np.sqrt(np.vdot(rW, rW) + np.vdot(rb, rb))) <= target:
            break
        zWp, zbp = rW / MW, rb / Mb
        rz_new = float(np.vdot(rW, zWp) + np.vdot(rb, zbp))
        pW = zWp + (rz_new / rz) * pW
        pb = zbp + (rz_new / rz) * pb
        rz = rz_new
    return dW, db, dzW
