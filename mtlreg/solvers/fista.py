"""Accelerated proximal gradient (FISTA) with backtracking and adaptive restart."""

import numpy as np

from .._design import lipschitz as estimate_lipschitz


def fista(problem, W0, b0, tol=1e-4, max_iter=1000, check_every=10, verbose=0):
    """Minimise datafit(W, b) + penalty(W) from (W0, b0).

    The step size starts from a power-iteration estimate of the Lipschitz
    constant and doubles whenever the sufficient-decrease test fails. The
    momentum restarts whenever it points uphill (O'Donoghue & Candes'
    gradient scheme), which restores linear convergence on strongly convex
    problems. The stopping measure (duality gap or gradient mapping) is
    checked at the start and every ``check_every`` iterations.

    Returns a dict with W, b, n_iter, criterion, kind, converged, objective.
    """
    design, loss, penalty = problem.design, problem.loss, problem.penalty
    fit_b = problem.fit_intercept
    L = estimate_lipschitz(design, loss.curvature)
    if L <= 0.0:
        L = 1.0
    thresholds = problem.thresholds(tol)
    y_obs, s = design.y, design.s

    xW = np.array(W0, dtype=np.float64, copy=True)
    xb = np.array(b0, dtype=np.float64, copy=True)
    zx = design.forward(xW)
    crit, kind, b_best, primal, _ = problem.criterion(xW, xb, L, zW=zx)
    if crit <= thresholds[kind]:
        return _result(xW, b_best, 0, crit, kind, True, primal)
    xb = b_best
    yW, yb, zy = xW.copy(), xb.copy(), zx.copy()
    t = 1.0
    n_iter = 0
    converged = False
    slack = 1e-13
    for n_iter in range(1, max_iter + 1):
        zfull = zy + design.expand(yb)
        f_y = loss.value(y_obs, s, zfull)
        G = loss.grad(y_obs, s, zfull)
        gW = design.adjoint(G)
        gb = design.task_sum(G) if fit_b else np.zeros_like(yb)
        while True:
            nW = penalty.prox(yW - gW / L, 1.0 / L)
            nb = yb - gb / L
            zn = design.forward(nW)
            f_n = loss.value(y_obs, s, zn + design.expand(nb))
            dW, db = nW - yW, nb - yb
            sq = float(np.vdot(dW, dW) + np.vdot(db, db))
            bound = f_y + float(np.vdot(gW, dW) + np.vdot(gb, db)) + 0.5 * L * sq
            if f_n <= bound + slack * max(1.0, abs(f_y)) or sq == 0.0:
                break
            L *= 2.0
        # restart when the step goes against the momentum direction
        if float(np.vdot(yW - nW, nW - xW) + np.vdot(yb - nb, nb - xb)) > 0.0:
            t = 1.0
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
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
    return _result(xW, b_best, n_iter, crit, kind, converged, primal)


def _result(W, b, n_iter, crit, kind, converged, primal):
    return {
        "W": W,
        "b": b,
        "n_iter": n_iter,
        "criterion": crit,
        "kind": kind,
        "converged": converged,
        "objective": primal,
    }
