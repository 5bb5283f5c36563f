"""Reference implementations used as a correctness oracle in the tests.

Nothing here imports ``mtlreg``: the objective is written from the formula in
the design notes (section 2) in plain NumPy, and the minimiser is obtained with
cvxpy (Clarabel, interior point, tight tolerances).

Objective (W is (d, T) in the maths, ``coef`` is W.T of shape (T, d))::

    P(W, b) = sum_t w_t * loss_t(W[:, t], b_t) + Omega(W) + 0.5 * l2 * ||W||_F^2

    squared:  loss_t = 1/(2 n_t) sum_{i in I_t} (Y[i,t] - X[i] @ W[:,t] - b_t)^2
    logistic: loss_t = 1/n_t sum_{i in I_t} log(1 + exp(-s_it (X[i] @ W[:,t] + b_t)))
              s in {-1, +1}: the task's two labels sorted, the larger one is +1

    lasso  alpha * sum |W_jt|          l21   alpha * sum_j ||W[j, :]||_2
    trace  alpha * ||W||_*             mean  alpha/2 * sum_t ||W[:,t] - mean_s W[:,s]||^2

I_t are the rows where Y[:, t] is not NaN and n_t = |I_t|.
"""

import warnings

import numpy as np
import scipy.sparse as sp

PENALTIES = ("lasso", "l21", "trace", "mean")
LOSSES = ("squared", "logistic")


# --------------------------------------------------------------------------
# data handling
# --------------------------------------------------------------------------
def _dense(X):
    if sp.issparse(X):
        return np.asarray(X.toarray(), dtype=float)
    return np.asarray(X, dtype=float)


def _as_2d_targets(Y):
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ValueError("Y must be 1-D or 2-D")
    return Y


def task_data(Y, loss):
    """Per task: (observed row indices, target vector).

    For the logistic loss the target vector is in {-1, +1} (the larger of the
    task's two labels is +1).
    """
    Y = _as_2d_targets(Y)
    out = []
    for t in range(Y.shape[1]):
        idx = np.flatnonzero(~np.isnan(Y[:, t]))
        if idx.size == 0:
            raise ValueError(f"task {t} has no observed target")
        y = Y[idx, t]
        if loss == "logistic":
            classes = np.unique(y)
            if classes.size != 2:
                raise ValueError(f"task {t} needs exactly 2 classes, got {classes}")
            y = np.where(y == classes[1], 1.0, -1.0)
        elif loss != "squared":
            raise ValueError(f"unknown loss {loss!r}")
        out.append((idx, y))
    return out


def resolve_task_weights(task_weights, Y):
    """Task weights as a (T,) array, per the API spec."""
    Y = _as_2d_targets(Y)
    T = Y.shape[1]
    if task_weights is None or (isinstance(task_weights, str) and task_weights == "balanced"):
        return np.ones(T)
    if isinstance(task_weights, str) and task_weights == "n_samples":
        n_t = (~np.isnan(Y)).sum(axis=0).astype(float)
        return T * n_t / n_t.sum()
    w = np.asarray(task_weights, dtype=float).reshape(-1)
    if w.shape != (T,):
        raise ValueError("task_weights has the wrong shape")
    return w


def _coef_to_W(coef, d):
    coef = np.asarray(coef, dtype=float)
    if coef.ndim == 1:
        coef = coef[None, :]
    if coef.shape[1] != d:
        raise ValueError(f"coef has shape {coef.shape}, expected (T, {d})")
    return coef.T  # (d, T)


# --------------------------------------------------------------------------
# objective in plain NumPy
# --------------------------------------------------------------------------
def penalty_value(W, penalty, alpha):
    """Omega(W) for W of shape (d, T)."""
    W = np.asarray(W, dtype=float)
    if penalty == "lasso":
        return alpha * np.abs(W).sum()
    if penalty == "l21":
        return alpha * np.sqrt((W ** 2).sum(axis=1)).sum()
    if penalty == "trace":
        return alpha * np.linalg.svd(W, compute_uv=False).sum()
    if penalty == "mean":
        C = W - W.mean(axis=1, keepdims=True)
        return 0.5 * alpha * (C ** 2).sum()
    raise ValueError(f"unknown penalty {penalty!r}")


def datafit_value(X, Y, coef, intercept, loss, task_weights=None):
    """sum_t w_t loss_t."""
    X = _dense(X)
    W = _coef_to_W(coef, X.shape[1])
    T = W.shape[1]
    b = np.zeros(T) if intercept is None else np.asarray(intercept, dtype=float).reshape(-1)
    if b.size == 1 and T > 1:
        b = np.full(T, float(b[0]))
    w = resolve_task_weights(task_weights, Y)
    total = 0.0
    for t, (idx, y) in enumerate(task_data(Y, loss)):
        z = X[idx] @ W[:, t] + b[t]
        if loss == "squared":
            val = 0.5 * np.mean((y - z) ** 2)
        else:
            val = np.mean(np.logaddexp(0.0, -y * z))
        total += w[t] * val
    return total


def objective(X, Y, coef, intercept, penalty, loss, alpha, l2=0.0, task_weights=None):
    """P(W, b) exactly per the spec.

    coef: (T, d) or (d,) (estimator convention); intercept: (T,), scalar or None.
    Y: (n, T) with NaN = missing, or 1-D y.
    """
    X = _dense(X)
    W = _coef_to_W(coef, X.shape[1])
    return (
        datafit_value(X, Y, coef, intercept, loss, task_weights)
        + penalty_value(W, penalty, alpha)
        + 0.5 * l2 * float((W ** 2).sum())
    )


def alpha_max(X, Y, penalty, loss, fit_intercept=True, task_weights=None):
    """Closed form smallest alpha giving W = 0 (lasso, l21, trace)."""
    X = _dense(X)
    Y2 = _as_2d_targets(Y)
    w = resolve_task_weights(task_weights, Y2)
    d, T = X.shape[1], Y2.shape[1]
    G = np.zeros((d, T))
    for t, (idx, y) in enumerate(task_data(Y2, loss)):
        Xt = X[idx]
        if loss == "squared":
            b = y.mean() if fit_intercept else 0.0
            G[:, t] = -w[t] * Xt.T @ (y - b) / idx.size
        else:
            if fit_intercept:
                p = np.mean(y > 0)
                b = np.log(p / (1.0 - p))
            else:
                b = 0.0
            # d/dz log(1 + exp(-y z)) = -y * sigmoid(-y z)
            G[:, t] = w[t] * Xt.T @ (-y / (1.0 + np.exp(y * b))) / idx.size
    if penalty == "lasso":
        return float(np.abs(G).max())
    if penalty == "l21":
        return float(np.sqrt((G ** 2).sum(axis=1)).max())
    if penalty == "trace":
        return float(np.linalg.norm(G, 2))
    raise ValueError(f"alpha_max undefined for penalty {penalty!r}")


# --------------------------------------------------------------------------
# cvxpy reference solver
# --------------------------------------------------------------------------
CLARABEL_OPTS = dict(
    tol_gap_abs=1e-10,
    tol_gap_rel=1e-10,
    tol_feas=1e-10,
    tol_ktratio=1e-8,
    max_iter=500,
)
SCS_OPTS = dict(eps_abs=1e-9, eps_rel=1e-9, max_iters=200000)


def _build_problem(X, Y, penalty, loss, alpha, l2, fit_intercept, task_weights):
    import cvxpy as cp

    X = _dense(X)
    Y2 = _as_2d_targets(Y)
    n, d = X.shape
    T = Y2.shape[1]
    w = resolve_task_weights(task_weights, Y2)
    W = cp.Variable((d, T))
    b = cp.Variable(T) if fit_intercept else None

    terms = []
    for t, (idx, y) in enumerate(task_data(Y2, loss)):
        z = X[idx] @ W[:, t]
        if fit_intercept:
            z = z + b[t]
        if loss == "squared":
            terms.append((w[t] / (2.0 * idx.size)) * cp.sum_squares(y - z))
        else:
            terms.append((w[t] / idx.size) * cp.sum(cp.logistic(cp.multiply(-y, z))))
    obj = cp.sum(cp.hstack(terms)) if len(terms) > 1 else terms[0]

    if penalty == "lasso":
        obj = obj + alpha * cp.sum(cp.abs(W))
    elif penalty == "l21":
        obj = obj + alpha * cp.sum(cp.norm(W, 2, axis=1))
    elif penalty == "trace":
        obj = obj + alpha * cp.normNuc(W)
    elif penalty == "mean":
        C = np.eye(T) - np.ones((T, T)) / T
        obj = obj + 0.5 * alpha * cp.sum_squares(W @ C)
    else:
        raise ValueError(f"unknown penalty {penalty!r}")
    if l2:
        obj = obj + 0.5 * l2 * cp.sum_squares(W)
    return cp.Problem(cp.Minimize(obj)), W, b, T


def cvxpy_solve(X, Y, penalty, loss, alpha, l2=0.0, fit_intercept=True, task_weights=None):
    """Minimise P with cvxpy.

    Returns (coef (T, d), intercept (T,), optimal value) where the value is
    re-evaluated with :func:`objective` at the returned point (it is then a
    true objective value, not the solver's estimate of it).
    """
    import cvxpy as cp

    prob, W, b, T = _build_problem(X, Y, penalty, loss, alpha, l2, fit_intercept, task_weights)
    status = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cvxpy's "solution may be inaccurate"
        try:
            prob.solve(solver=cp.CLARABEL, **CLARABEL_OPTS)
            status = prob.status
        except cp.error.SolverError:
            status = "error"
        if status != cp.OPTIMAL:
            # Clarabel stopped short of its tolerances (typically
            # "optimal_inaccurate", still accurate to ~1e-9): also run SCS,
            # warm-started, and keep whichever point has the smaller objective.
            cand = []
            if status == cp.OPTIMAL_INACCURATE and W.value is not None:
                cand.append((W.value.copy(), None if b is None else b.value.copy()))
            try:
                prob.solve(solver=cp.SCS, warm_start=True, **SCS_OPTS)
                if prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
                    cand.append((W.value.copy(), None if b is None else b.value.copy()))
            except cp.error.SolverError:
                pass
            if not cand:
                raise RuntimeError(f"cvxpy failed: Clarabel {status}, SCS {prob.status}")
            vals = [
                objective(X, Y, c[0].T, np.zeros(T) if c[1] is None else c[1],
                          penalty, loss, alpha, l2, task_weights)
                for c in cand
            ]
            W.value, bval = cand[int(np.argmin(vals))]
            if b is not None:
                b.value = bval
    coef = np.asarray(W.value, dtype=float).T.copy()
    intercept = np.zeros(T) if b is None else np.asarray(b.value, dtype=float).reshape(-1).copy()
    value = objective(X, Y, coef, intercept, penalty, loss, alpha, l2, task_weights)
    return coef, intercept, value
