"""Preconditioned conjugate gradient for quadratic problems.

Squared loss plus a quadratic penalty (mean-regularised, with or without the
ridge term) is a linear system in W; CG with a Jacobi preconditioner solves it
in far fewer products than proximal gradient, whatever the conditioning of X.
"""

import numpy as np

from .._design import column_curvature
from ._problem import result


def supports(problem):
    """Whether the objective is a quadratic CG can solve."""
    return getattr(problem.loss, "quadratic", False) and hasattr(problem.penalty, "hessian")


def cg(problem, W0, b0, tol=1e-4, max_iter=1000, verbose=0, check_every=10):
    """Minimise squared datafit + quadratic penalty; stops like the other solvers."""
    design, penalty = problem.design, problem.penalty
    thresholds = problem.thresholds(tol)
    # L only scales the gradient-mapping criterion (a larger L makes it stricter,
    # tending to the gradient norm): the trace bound costs nothing, where the power
    # iteration took most of a large fit
    curvature = column_curvature(design)
    L = float(np.max(curvature.sum(axis=0), initial=0.0)) + penalty.hessian_bound()
    L = max(L, np.finfo(np.float64).tiny)
    s = design.s

    def hess(P):
        return design.adjoint(s * design.forward(P)) + penalty.hessian(P)

    W = np.array(W0, dtype=np.float64, copy=True)
    zW = design.forward(W)
    b = problem.best_intercept(zW, b0)
    crit, kind, b, primal, V = problem.criterion(W, b, L, zW=zW)
    # the centred intercepts do not move with W: V is minus the full gradient
    r = V - penalty.hessian(W)
    precond = curvature + penalty.hessian_diagonal(W.shape)
    precond = np.where(precond > 0.0, precond, 1.0)
    z = r / precond
    p = z.copy()
    rz = float(np.vdot(r, z))
    n_iter, converged = 0, crit <= thresholds[kind]
    while not converged and n_iter < max_iter:
        n_iter += 1
        Hp = hess(p)
        curv = float(np.vdot(p, Hp))
        if curv <= 0.0:
            break
        step = rz / curv
        W += step * p
        r -= step * Hp
        z = r / precond
        rz_new = float(np.vdot(r, z))
        p = z + (rz_new / rz) * p
        rz = rz_new
        if n_iter % check_every == 0 or n_iter == max_iter or rz == 0.0:
            crit, kind, b, primal, V = problem.criterion(W, b, L)
            # restart from the true residual: recurrences drift in floating point
            r = V - penalty.hessian(W)
            if verbose:
                print(f"cg iter {n_iter:6d}  objective {primal:.10e}  {kind} {crit:.3e}")
            converged = crit <= thresholds[kind]
            if rz == 0.0:
                break
    if n_iter % check_every != 0:
        crit, kind, b, primal, _ = problem.criterion(W, b, L)
        converged = crit <= thresholds[kind]
    return result(W, b, n_iter, crit, kind, converged, primal)
