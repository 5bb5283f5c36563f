"""A problem = design (layout + intercept handling) + loss + penalty.

It evaluates the objective and the stopping criterion shared by all solvers:
the duality gap where the penalty offers a dual point, otherwise the norm of
the proximal gradient mapping.
"""

import numpy as np


class Problem:
    def __init__(self, design, loss, penalty, fit_intercept):
        self.design = design
        self.loss = loss
        self.penalty = penalty
        self.fit_intercept = fit_intercept

    def datafit(self, zW, b):
        """The loss at z = zW + expand(b), without an array of z's shape where the loss
        can do without (see ``value_shifted``)."""
        d = self.design
        if not np.any(b):
            return self.loss.value(d.y, d.s, zW)
        return self.loss.value_shifted(d, zW, b)

    def objective(self, W, b, zW=None):
        if zW is None:
            zW = self.design.forward(W)
        return self.datafit(zW, b) + self.penalty.value(W)

    def best_intercept(self, zW, b):
        if not self.fit_intercept:
            return np.zeros(self.design.n_tasks)
        return self.loss.fit_intercept(self.design, zW, b)

    def gradient(self, zW, b):
        """Gradients of the datafit in W and b at z = zW + b."""
        d = self.design
        G = self.loss.grad(d.y, d.s, zW + d.expand(b))
        gb = d.task_sum(G) if self.fit_intercept else np.zeros(d.n_tasks)
        return d.adjoint(G), gb

    def criterion(self, W, b, lipschitz, zW=None, V=None, overwrite_zW=False):
        """Stopping measure at W with the intercepts refitted.

        Returns (value, kind, b_best, primal, V) where kind is "gap" for a
        duality gap or "grad" for the proximal gradient mapping norm, and V
        is minus the datafit's gradient in W (for working sets). A caller
        that already holds V at this W passes it in: on a centred design it
        does not depend on the intercepts. With ``overwrite_zW``, the given
        product's array is used as work space.
        """
        d, loss, pen = self.design, self.loss, self.penalty
        own = zW is None or overwrite_zW
        if zW is None:
            zW = d.forward(W)
        b = self.best_intercept(zW, b)
        z = zW
        if self.fit_intercept:
            if own:
                z += d.expand(b)
            else:
                z = zW + d.expand(b)
                own = True
        del zW
        # the gradient goes into z's array when it is ours: one (n, T) array fewer
        value, theta = loss.value_and_grad(d.y, d.s, z, out=z if own else None)
        del z
        primal = value + pen.value(W)
        if V is None:
            V = -d.adjoint(theta)
        kappa = pen.dual_scale(V)
        if kappa is not None:
            theta *= kappa  # a fresh array: scaled in place, one (n, T) array fewer
            dual = -loss.conjugate(d.y, d.s, theta) - pen.conjugate(kappa * V)
            return primal - dual, "gap", b, primal, V
        W_next = pen.prox(W + V / lipschitz, 1.0 / lipschitz)
        return lipschitz * float(np.linalg.norm(W - W_next)), "grad", b, primal, V

    def thresholds(self, tol):
        """Absolute thresholds for the two kinds of stopping measure, by kind.

        The gradient-mapping threshold needs the datafit's gradient at zero, a
        full product with the design: it is computed on first use only, as
        penalties with a duality gap never ask for it.
        """
        d = self.design
        cache = d.__dict__.setdefault("_cache", {})
        key = ("scale", type(self.loss), self.fit_intercept)
        if key not in cache:
            cache[key] = self.loss.gap_scale(d, self.fit_intercept)
        return _Thresholds(self, tol, cache[key])

    def _gradient_norm_at_zero(self):
        cache = self.design.__dict__["_cache"]
        key = ("g0", type(self.loss), self.fit_intercept)
        if key not in cache:
            zero = self.design.zeros()
            g0, _ = self.gradient(zero, self.best_intercept(zero, 0.0))
            cache[key] = float(np.linalg.norm(g0))
        return cache[key]


class _Thresholds:
    """``thresholds[kind]`` for kind "gap" or "grad" (see ``Problem.thresholds``)."""

    def __init__(self, problem, tol, gap_scale):
        self._problem = problem
        self._tol = tol
        self._gap_scale = gap_scale

    def __getitem__(self, kind):
        tiny = np.finfo(np.float64).tiny
        if kind == "gap":
            return self._tol * max(self._gap_scale, tiny)
        return self._tol * max(self._problem._gradient_norm_at_zero(), tiny)


def result(W, b, n_iter, crit, kind, converged, primal):
    """The dict every solver returns."""
    return {
        "W": W,
        "b": b,
        "n_iter": n_iter,
        "criterion": crit,
        "kind": kind,
        "converged": converged,
        "objective": primal,
    }
