"""Coordinate descent compiled end to end, for small designs with every target observed.

The same algorithm as ``bcd.bcd`` (duality gap, working sets, epochs with
Anderson extrapolation), for the full layout of a dense or CSC X with every
target observed, i.e. scikit-learn's MultiTaskLasso problem. On small problems
the Python outer loop of ``bcd.bcd`` costs more than its epochs (measured: 8 of
10 ms of a 500 x 300 x 2 fit in some 25 NumPy-heavy steps of gap checks,
working sets and extrapolations; 9 of 12 ms of a 2,000 x 500 x 3 CSC fit at
2 %); here every step is compiled, so a fit costs its flops. ``bcd`` sends only
problems whose products are small (one BLAS thread, loops over working-set
columns as fast) and whose residual snapshots for the extrapolation are cheap
to keep. A sparse X compiles a second version of the loop (its CSC arrays are
other types), as the first fit on one pays.

The penalty enters only through its row parameters (l1, l21, l2): a sum over
feature rows of l1 |w|_1 + l21 |w|_2 + l2/2 |w|^2 with l1 = 0 or l21 = 0,
whose dual ball is entrywise (l21 = 0) or by rows (l1 = 0).
"""

import math

import numpy as np

from .._kernels import (
    _FAST,
    _NO_RUNTIME,
    bcd_epoch_csc,
    bcd_epoch_dense_observed,
    bcd_epoch_dense_observed_blocks,
    njit,
)

_TINY = np.finfo(np.float64).tiny


@njit(cache=True, **_NO_RUNTIME)  # called once per row of every check: see _kernels
def _row_norm(V, k, separable):
    """The dual norm of row k of V: max |v| (entrywise ball) or ||v||_2 (row ball)."""
    out = 0.0
    if separable:
        for t in range(V.shape[1]):
            out = max(out, abs(V[k, t]))
        return out
    for t in range(V.shape[1]):
        out += V[k, t] * V[k, t]
    return np.sqrt(out)


@njit(cache=True)
def _penalty_value(W, rows, l1, l21, l2):
    out = 0.0
    for k in range(rows.shape[0]):
        j = rows[k]
        a = 0.0
        q = 0.0
        for t in range(W.shape[1]):
            a += abs(W[j, t])
            q += W[j, t] * W[j, t]
        out += l1 * a + l21 * np.sqrt(q) + 0.5 * l2 * q
    return out


@njit(cache=True)
def _conjugate_excess(V, rows_used, separable, alpha):
    """Squared distance of V's first ``rows_used`` rows to the dual ball of radius alpha."""
    out = 0.0
    for k in range(rows_used):
        if separable:
            for t in range(V.shape[1]):
                e = abs(V[k, t]) - alpha
                if e > 0.0:
                    out += e * e
        else:
            # the variable, not the constant False: a literal argument would compile a
            # second version of _row_norm
            e = _row_norm(V, k, separable) - alpha
            if e > 0.0:
                out += e * e
    return out


@njit(cache=True)
def _copy_into(src, dst):
    """dst[...] = src for 2-D arrays (loops: Numba's slice assignment is slow to compile)."""
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            dst[i, j] = src[i, j]


@njit(cache=True, fastmath=_FAST)
def _residual(RT, offset, rhoT):
    """rho = R + offset, task by task (the true residual of the centred model)."""
    for t in range(RT.shape[0]):
        o = offset[t]
        for i in range(RT.shape[1]):
            rhoT[t, i] = RT[t, i] + o


@njit(cache=True, fastmath=_FAST)
def _gradient(X, rhoT, xbar, s_task, rows, active, V, csc=None):
    """Minus the datafit gradient of ``rows`` into V[:len(rows)]; zero at entries a
    non-empty ``active`` leaves out (the epochs hold them fixed). ``csc``: X as the
    arrays (data, indices, indptr) of a CSC matrix, the dense X then None (Numba
    compiles only the branch of the one given: it prunes a test against None of an
    argument that is None, not of one that is not)."""
    n_tasks, n_samples = rhoT.shape
    masked = active.shape[0] > 0
    col_sums = np.zeros(n_tasks)
    for t in range(n_tasks):
        for i in range(n_samples):
            col_sums[t] += rhoT[t, i]
    for k in range(rows.shape[0]):
        j = rows[k]
        for t in range(n_tasks):
            if masked and not active[j, t]:
                V[k, t] = 0.0
                continue
            acc = 0.0
            if X is not None:
                for i in range(n_samples):
                    acc += X[i, j] * rhoT[t, i]
            if csc is not None:
                data, indices, indptr = csc
                for q in range(indptr[j], indptr[j + 1]):
                    acc += data[q] * rhoT[t, indices[q]]
            V[k, t] = s_task[t] * (acc - xbar[j, t] * col_sums[t])


# below this many tasks X' rho is a few matrix-vector products, where OpenBLAS's
# gemm is slow: measured with one thread, 2 tasks take 0.27 ms through gemm and
# 0.09 ms through the loops on 1,000 x 300 (0.42 / 0.17 on 500 x 1,000); from
# about 8 tasks gemm is faster
_FEW_TASKS = 7


@njit(cache=True)
def _full_gradient(X, rhoT, xbar, s_task, V, csc=None):
    """``_gradient`` of every row; the product through BLAS unless there are few tasks
    (X' rho: a third of the loops' time on 1,000 x 300 x 50) or X is sparse."""
    n_tasks, n_samples = rhoT.shape
    if csc is not None or n_tasks < _FEW_TASKS:
        # X and csc passed on as they came (one compiled signature of _gradient per loop)
        _gradient(X, rhoT, xbar, s_task, np.arange(V.shape[0]), np.zeros((0, 0), np.uint8),
                  V, csc)
        return
    if X is not None:
        G = np.dot(X.T, rhoT.T)
        for t in range(n_tasks):
            col_sum = 0.0
            for i in range(n_samples):
                col_sum += rhoT[t, i]
            for j in range(X.shape[1]):
                V[j, t] = s_task[t] * (G[j, t] - xbar[j, t] * col_sum)


@njit(cache=True, fastmath=_FAST)
def _gap(V, rhoT, yT, s_task, W, rows, l1, l21, l2):
    """(duality gap, primal) of the problem restricted to ``rows`` (all rows: the full
    gap), V[:len(rows)] holding their gradients from ``_gradient``.

    Mirrors ``Problem.criterion`` and ``bcd._restricted_gap`` for the squared loss.
    """
    n_tasks, n_samples = rhoT.shape
    separable = l21 == 0.0
    half_sq = 0.0
    lin = 0.0
    for t in range(n_tasks):
        sq = 0.0
        ry = 0.0
        for i in range(n_samples):
            sq += rhoT[t, i] * rhoT[t, i]
            ry += rhoT[t, i] * yT[t, i]
        half_sq += 0.5 * s_task[t] * sq
        lin += s_task[t] * ry
    primal = half_sq + _penalty_value(W, rows, l1, l21, l2)
    alpha = l1 + l21
    if l2 > 0.0:
        kappa = 1.0
        pen_conj = _conjugate_excess(V, rows.shape[0], separable, alpha) / (2.0 * l2)
    else:
        dual_norm = 0.0
        for k in range(rows.shape[0]):
            dual_norm = max(dual_norm, _row_norm(V, k, separable))
        kappa = 1.0 if dual_norm <= alpha else alpha / dual_norm
        pen_conj = 0.0
    # the squared loss's conjugate at kappa theta, theta = -s rho
    dual = -(kappa * kappa * half_sq - kappa * lin) - pen_conj
    return primal - dual, primal


@njit(cache=True)
def _mark_largest(scores, k, marked):
    """marked[i] = 1 for the k largest scores (ties broken arbitrarily).

    A heap of size k in plain loops: Numba's sorts took 2-3 s each to compile.
    """
    n = scores.shape[0]
    if k <= 0:
        return
    if k >= n:
        for i in range(n):
            marked[i] = 1
        return
    heap = np.empty(k, dtype=np.int64)  # a min-heap of the k largest seen so far
    size = 0
    for i in range(n):
        v = scores[i]
        if size < k:
            pos = size
            size += 1
            while pos > 0:
                parent = (pos - 1) // 2
                if scores[heap[parent]] <= v:
                    break
                heap[pos] = heap[parent]
                pos = parent
            heap[pos] = i
        elif v > scores[heap[0]]:
            pos = 0
            while True:
                child = 2 * pos + 1
                if child >= k:
                    break
                if child + 1 < k and scores[heap[child + 1]] < scores[heap[child]]:
                    child += 1
                if scores[heap[child]] >= v:
                    break
                heap[pos] = heap[child]
                pos = child
            heap[pos] = i
    for q in range(k):
        marked[heap[q]] = 1


@njit(cache=True)
def _working_set(W, V, alpha, ws_size, p0, separable):
    """``bcd.working_set`` (rows, or entries when separable with several tasks): the
    same sets, returned as (sorted rows, size, active-entry mask or an empty one)."""
    n_features, n_tasks = W.shape
    scale = max(alpha, _TINY)
    by_entries = separable and n_tasks > 1
    n_scores = n_features * n_tasks if by_entries else n_features
    scores = np.empty(n_scores)
    n_support = 0
    n_candidates = 0
    for j in range(n_features):
        if by_entries:
            for t in range(n_tasks):
                if W[j, t] != 0.0:
                    score = np.inf
                    n_support += 1
                else:
                    score = abs(V[j, t]) / scale
                if score >= 1.0 - 1e-12:
                    n_candidates += 1
                scores[j * n_tasks + t] = score
        else:
            nonzero = False
            for t in range(n_tasks):
                if W[j, t] != 0.0:
                    nonzero = True
            if nonzero:
                score = np.inf
                n_support += 1
            else:
                score = _row_norm(V, j, separable) / scale
            if score >= 1.0 - 1e-12:
                n_candidates += 1
            scores[j] = score
    if by_entries:
        size = min(max(ws_size * n_tasks, 2 * n_support, p0 * n_tasks),
                   max(n_candidates, n_support, 1))
    else:
        size = min(max(ws_size, 2 * n_support, p0), max(n_candidates, n_support, 1))
    marked = np.zeros(n_scores, dtype=np.uint8)
    _mark_largest(scores, size, marked)
    in_use = np.zeros(n_features, dtype=np.uint8)
    n_rows = 0
    for j in range(n_features):
        if by_entries:
            for t in range(n_tasks):
                if marked[j * n_tasks + t]:
                    in_use[j] = 1
        else:
            in_use[j] = marked[j]
        n_rows += in_use[j]
    ws = np.empty(n_rows, dtype=np.int64)
    k = 0
    for j in range(n_features):
        if in_use[j]:
            ws[k] = j
            k += 1
    if by_entries:
        return ws, -(-size // n_tasks), marked.reshape((n_features, n_tasks))
    return ws, size, np.zeros((0, 0), dtype=np.uint8)


@njit(cache=True)
def _solve_small(G, rhs):
    """G c = rhs by Gaussian elimination with partial pivoting; None-like: all NaN if singular."""
    m = G.shape[0]
    A = np.empty((m, m))
    _copy_into(G, A)
    c = np.empty(m)
    for k in range(m):
        c[k] = rhs[k]
    for k in range(m):
        p = k
        for i in range(k + 1, m):
            if abs(A[i, k]) > abs(A[p, k]):
                p = i
        if A[p, k] == 0.0:
            for q in range(m):
                c[q] = np.nan
            return c
        if p != k:
            for q in range(m):
                A[k, q], A[p, q] = A[p, q], A[k, q]
            c[k], c[p] = c[p], c[k]
        for i in range(k + 1, m):
            f = A[i, k] / A[k, k]
            for q in range(k, m):
                A[i, q] -= f * A[k, q]
            c[i] -= f * c[k]
    for k in range(m - 1, -1, -1):
        acc = c[k]
        for q in range(k + 1, m):
            acc -= A[k, q] * c[q]
        c[k] = acc / A[k, k]
    return c


@njit(cache=True, fastmath=_FAST)
def _squared_loss(rhoT, s_task):
    out = 0.0
    for t in range(rhoT.shape[0]):
        sq = 0.0
        for i in range(rhoT.shape[1]):
            sq += rhoT[t, i] * rhoT[t, i]
        out += 0.5 * s_task[t] * sq
    return out


@njit(cache=True)
def _extrapolate(s_task, W, RT, offset, W_hist, R_hist, off_hist, all_rows, l1, l21, l2,
                 rho_now, rho_acc):
    """``bcd._extrapolate``: Anderson extrapolation, kept if it lowers the objective."""
    m = W_hist.shape[0] - 1
    n_features, n_tasks = W.shape
    n_samples = RT.shape[1]
    G = np.zeros((m, m))
    for a in range(m):
        for c in range(a, m):
            acc = 0.0
            for j in range(n_features):
                for t in range(n_tasks):
                    acc += ((W_hist[a + 1, j, t] - W_hist[a, j, t])
                            * (W_hist[c + 1, j, t] - W_hist[c, j, t]))
            G[a, c] = acc
            G[c, a] = acc
    trace = 0.0
    for a in range(m):
        trace += G[a, a]
    for a in range(m):
        G[a, a] += 1e-12 * trace
    coef = _solve_small(G, np.ones(m))
    total = 0.0
    for a in range(m):
        if not math.isfinite(coef[a]):
            return
        total += coef[a]
    if total == 0.0:
        return
    for a in range(m):
        coef[a] /= total
    W_acc = np.zeros((n_features, n_tasks))
    for a in range(m):
        for j in range(n_features):
            for t in range(n_tasks):
                W_acc[j, t] += coef[a] * W_hist[a + 1, j, t]
    # the residual is affine in W and the weights sum to one
    off_acc = np.zeros(n_tasks)
    R_acc = np.zeros((n_tasks, n_samples))
    for a in range(m):
        for t in range(n_tasks):
            off_acc[t] += coef[a] * off_hist[a + 1, t]
            for i in range(n_samples):
                R_acc[t, i] += coef[a] * R_hist[a + 1, t, i]
    _residual(R_acc, off_acc, rho_acc)
    _residual(RT, offset, rho_now)
    now = _squared_loss(rho_now, s_task) + _penalty_value(W, all_rows, l1, l21, l2)
    acc = _squared_loss(rho_acc, s_task) + _penalty_value(W_acc, all_rows, l1, l21, l2)
    if acc < now:
        _copy_into(W_acc, W)
        _copy_into(R_acc, RT)
        for t in range(n_tasks):
            offset[t] = off_acc[t]


# inlined into bcd_dense_observed_blocks, whose compile would otherwise optimise and
# generate the loop's code twice (measured, cold: 12.7-13.3 s of CPU for that version,
# 9.6-10.9 s inlined; the row-by-row version, called from Python, is unchanged)
@njit(cache=True, inline="always")
def bcd_dense_observed(X, yT, xbar, s_task, RT, offset, W, lip, l1, l21, l2, threshold,
                       max_iter, p0, n_epochs, anderson, max_inner_epochs, row_blocks=None,
                       csc=None):
    """Minimise sum_t s_t/2 ||rho_t||^2 + sum_j l1|W_j|_1 + l21|W_j|_2 + l2/2|W_j|^2.

    X column-major (n_samples, n_features); the targets yT and the residual RT
    task-major (n_tasks, n_samples): the transposes of column-major (n_samples,
    n_tasks) arrays, which for one task, (n_samples, 1), Numba would type as
    another layout and compile the loop again for (9 s more, cold); W row-major
    (n_features, n_tasks). rho = R + offset is the residual of the centred model
    with intercepts b, which stay optimal (a centred column's update keeps each
    task's mean residual). RT, offset and W are updated in place. Stops when the
    duality gap is at most ``threshold`` or after ``max_iter`` epochs. Returns
    (n_iter, gap, primal, converged).

    ``row_blocks`` left at None: epochs row by row, and Numba prunes the block
    kernel's branch before typing it (a fit that does not use that kernel does not
    compile it, 7-8 s). ``bcd_dense_observed_blocks`` passes True.

    ``csc``: a sparse X as the arrays (data, indices, indptr) of its CSC matrix, X
    then None; the epochs and gradients read those. Each version compiles none of the
    other's code: Numba prunes a branch on ``arg is (not) None`` where the argument is
    None, so the dense code sits under ``X is not None`` and the sparse code under
    ``csc is not None``.
    """
    n_tasks, n_samples = RT.shape
    n_features = W.shape[0]
    if csc is not None:
        S_row = s_task.reshape((1, n_tasks))  # the CSC epoch's weights: one shared row
    separable = l21 == 0.0
    alpha = l1 + l21
    all_rows = np.arange(n_features)
    rho = np.empty((n_tasks, n_samples))  # task-major, like RT
    rho_acc = np.empty((n_tasks, n_samples))
    V = np.empty((n_features, n_tasks))
    V_full = np.empty((n_features, n_tasks))
    n_hist = anderson + 1
    W_hist = np.empty((n_hist if anderson else 0, n_features, n_tasks))
    R_hist = np.empty((n_hist if anderson else 0, n_tasks, n_samples))
    off_hist = np.empty((n_hist if anderson else 0, n_tasks))
    n_stored = 0
    n_iter = 0
    ws_size = p0
    V_known = False
    gap = np.inf
    primal = np.inf
    converged = False
    while True:
        _residual(RT, offset, rho)
        if not V_known:
            _full_gradient(X, rho, xbar, s_task, V_full, csc)
        gap, primal = _gap(V_full, rho, yT, s_task, W, all_rows, l1, l21, l2)
        if gap <= threshold:
            converged = True
            break
        if n_iter >= max_iter:
            break
        ws, ws_size, active = _working_set(W, V_full, alpha, ws_size, p0, separable)
        target = 0.3 * gap
        # an extrapolation passes over all of W about anderson + 1 times (snapshots,
        # Gram matrix, combination); an epoch over the working set costs its entries
        # times n_samples: where W dwarfs the working set (20 x 50,000 x 10) the
        # passes cost more than the epochs they save
        if active.shape[0] > 0:
            ws_entries = 0
            for k in range(ws.shape[0]):
                for t in range(n_tasks):
                    ws_entries += active[ws[k], t]
        else:
            ws_entries = ws.shape[0] * n_tasks
        extrapolate = anderson > 0 and ws_entries * n_samples > W.size
        inner_start = n_iter
        while n_iter < max_iter:
            if n_iter - inner_start >= max_inner_epochs:
                # see bcd._MAX_INNER_EPOCHS
                break
            V_known = False
            for _ in range(n_epochs):
                if csc is not None:
                    # R column-major here (RT's transpose), where the Python loop keeps
                    # it row-major; a row-major R would give every helper that takes RT a
                    # second compiled version (3-4 s more for a first sparse fit) for
                    # fits the same within noise (measured on 2,000 x 500 x 3 at 2 % and
                    # 5,000 x 2,000 x 5 at 1 %, where an epoch alone is 1.5x faster)
                    bcd_epoch_csc(csc[0], csc[1], csc[2], xbar, S_row, RT.T, offset, W, lip,
                                  ws, l1, l21, l2, active)
                if X is not None:
                    if row_blocks is None:
                        bcd_epoch_dense_observed(X, xbar, s_task, RT, offset, W, lip, ws, l1,
                                                 l21, l2, active)
                    else:
                        bcd_epoch_dense_observed_blocks(X, xbar, s_task, RT, offset, W, lip,
                                                        ws, l1, l21, l2, active)
                n_iter += 1
                if extrapolate:
                    _copy_into(W, W_hist[n_stored])
                    for t in range(n_tasks):
                        off_hist[n_stored, t] = offset[t]
                    _copy_into(RT, R_hist[n_stored])
                    n_stored += 1
                    if n_stored == n_hist:
                        _extrapolate(s_task, W, RT, offset, W_hist, R_hist, off_hist,
                                     all_rows, l1, l21, l2, rho, rho_acc)
                        n_stored = 0
                if n_iter >= max_iter:
                    break
            _residual(RT, offset, rho)
            if active.shape[0] == 0 and 3 * ws.shape[0] > n_features:
                # most rows are in the working set: the full gradient costs little
                # more, and the outer check at the same point reuses it
                _full_gradient(X, rho, xbar, s_task, V_full, csc)
                for k in range(ws.shape[0]):
                    for t in range(n_tasks):
                        V[k, t] = V_full[ws[k], t]
                V_known = True
            else:
                _gradient(X, rho, xbar, s_task, ws, active, V, csc)
            inner, _ = _gap(V, rho, yT, s_task, W, ws, l1, l21, l2)
            if inner <= target:
                break
        ws_size *= 2
    return n_iter, gap, primal, converged


@njit(cache=True)
def bcd_dense_observed_blocks(X, yT, xbar, s_task, RT, offset, W, lip, l1, l21, l2, threshold,
                              max_iter, p0, n_epochs, anderson, max_inner_epochs):
    """``bcd_dense_observed`` with its epochs by blocks of rows (l21 > 0 only).

    The constant True reaches the inlined loop as a literal, so Numba prunes the
    row-by-row branch before typing it: each version of the loop compiles one epoch
    kernel.
    """
    return bcd_dense_observed(X, yT, xbar, s_task, RT, offset, W, lip, l1, l21, l2, threshold,
                              max_iter, p0, n_epochs, anderson, max_inner_epochs, True)
