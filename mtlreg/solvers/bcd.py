"""Block coordinate descent over feature rows, with working sets.

For the squared loss and any penalty that is a sum over feature rows of
l1*|w|_1 + l21*|w|_2 + l2/2*|w|^2 (``penalty.row_params``), on either
layout. Each epoch is one compiled pass over the working set; the outer loop
(gap, working-set growth) is Python, except for small designs (dense or sparse) with
every target observed, which ``bcd_dense`` solves compiled end to end.
"""

import numpy as np
import scipy.sparse as sp
import sklearn

from .. import _kernels
from .._blas import SMALL_PRODUCT, product_flops
from .._design import column_blocks, column_curvature, column_major_copy, gathered_rows, matmul
from ._column_pool import POOL_SHARE, ColumnPool
from ._problem import result
from .bcd_dense import bcd_dense_observed, bcd_dense_observed_blocks

# rough costs on one core, only used to balance epochs against checks: a check
# or an extrapolation costs a fixed ~0.3 ms of NumPy calls plus array passes over
# W-sized arrays (measured: 14 ms for a restricted gap, 25 ms for an
# extrapolation, with W of 2,000 x 200)
_FLOPS_PER_SECOND = 5e9
# a CSC epoch's indexed reads and per-column work run slower by that count (measured:
# 0.8 GFlop/s on 2,000 x 500 x 3 at 2 %, 2.3 on 20,000 x 5,000 x 10 at 1 %); at 5e9
# the epochs between checks were too many: 82 and 91 epochs against 34 and 40 at
# alpha_max / 50 and / 100 on the smaller one (17-21 against 11-14 ms; 5-15 % less
# time on the larger one)
_SPARSE_FLOPS_PER_SECOND = 1e9
_CHECK_SECONDS = 3e-4
_SECONDS_PER_COEF = 2e-8
# epochs on one working set before the full gradient is looked at again
_MAX_INNER_EPOCHS = 50
# the compiled loop's epochs go by blocks of rows from this many samples
_BLOCK_MIN_SAMPLES = 200
# passed as the active-entry mask when whole working-set rows are in use
NO_MASK = np.zeros((0, 0), dtype=np.uint8)


def supports(problem):
    """Whether coordinate descent applies to ``problem``."""
    return getattr(problem.loss, "quadratic", False) and hasattr(problem.penalty, "row_params")


# A design stored otherwise than coordinate descent reads it (a C-ordered dense X,
# a CSR one) is copied: of a working set's columns alone while they, and the working
# sets copied before them on this design, are at most this share of the columns; of
# every column (once, memoised for paths) beyond it. A gather costs about twice a whole
# copy per column, and working sets double: a denser model pays at most about one
# whole copy more (measured: 20 ms before a 17 ms whole copy, in a 0.7 s fit on
# 1,000 x 5,000 x 20), and a path's alphas do not repeat them. A sparse model's fit
# then holds a copy of its working set, not of X.
_GATHER_SHARE = 0.5
# below this size the whole copy is made at once: cheap, and then shared by every
# working set and every alpha of a path
_GATHER_MIN_BYTES = 2**23


def _stored_bytes(X):
    return 12 * X.nnz if sp.issparse(X) else X.nbytes


def _columns(design, ws=None):
    """The design's matrix as coordinate descent reads it (column-major or CSC) and
    the positions in it of the columns ``ws``: ``(Xc, ws)`` for every column, or
    ``(copy of ws's columns, arange(len(ws)))``. ``ws=None`` asks for every column."""
    cache = design.__dict__.setdefault("_cache", {})
    if "columns" in cache:
        return cache["columns"], ws
    last = cache.pop("ws_columns", None)
    if last is not None and ws is not None and np.array_equal(last[0], ws):
        cache["ws_columns"] = last
        return last[1], last[2]
    del last  # gone before the next copy is made
    X = design.X if design.layout == "full" else design.Xs
    gathered = cache.get("columns_gathered", 0)
    if design.csc_given is not None:
        Xc = design.csc_given  # the user's CSC matrix, read as it is
    elif not sp.issparse(X) and X.flags.f_contiguous:
        Xc = X
    elif (ws is not None and _stored_bytes(X) >= _GATHER_MIN_BYTES
          and gathered + len(ws) <= _GATHER_SHARE * X.shape[1]):
        cache["columns_gathered"] = gathered + len(ws)
        if sp.issparse(X):
            Xg = sp.csc_matrix(X[:, ws])
            Xg.sort_indices()
        else:
            # one column twice: an (n, 1) array is C-contiguous too, and Numba would
            # type it so (a second compiled version of every kernel, summing in
            # another order)
            Xg = column_major_copy(X, cols=ws if len(ws) > 1 else np.repeat(ws, 2))
        local = np.arange(len(ws), dtype=np.int64)
        cache["ws_columns"] = (ws.copy(), Xg, local)
        return Xg, local
    elif sp.issparse(X):
        # a copy even from CSC: sort_indices works in place
        Xc = X.tocsc(copy=True)
        Xc.sort_indices()
    else:
        Xc = column_major_copy(X)
    cache["columns"] = Xc
    return Xc, ws


def _pool(design):
    """The design's bounded column pool, when a column-major copy of X would be larger
    than scikit-learn's ``working_memory`` (MiB; 1,024 by default) and X is dense, C
    ordered and of ``_GATHER_MIN_BYTES`` or more; else None (``_columns`` copies).

    The pool holds at most that much and a third of X's columns; the working sets'
    columns beyond it are read from X where it lies, about three times slower.
    """
    X = design.X if design.layout == "full" else design.Xs
    if (sp.issparse(X) or X.flags.f_contiguous or not X.flags.c_contiguous
            or X.nbytes < _GATHER_MIN_BYTES):
        return None
    budget = 2**20 * float(sklearn.get_config()["working_memory"])
    if X.nbytes <= budget:
        return None
    cache = design.__dict__.setdefault("_cache", {})
    if "pool" not in cache:
        capacity = int(min(budget, POOL_SHARE * X.nbytes) // (8 * X.shape[0]))
        # a one-column buffer is C-contiguous too, and Numba would compile every
        # kernel again for it
        cache["pool"] = ColumnPool(X, capacity if capacity >= 2 else 0)
    return cache["pool"]


def _pooled_epoch(pool, run, xbar, W, lip):
    """``epoch_function``'s epoch through ``pool``: the pooled columns from its buffer
    (the kernel sees the rows of xbar, W, lip and active by slot), then the others
    from X."""
    placed = {}

    def epoch(ws, active=NO_MASK):
        key = (id(ws), id(active))
        if key not in placed:
            placed.clear()
            # the rows in the model first: an epoch reads their columns twice
            slots, pooled, rest = pool.place(ws, np.any(W[ws] != 0.0, axis=1))
            placed[key] = (slots, pooled, rest, pool.rows(xbar), pool.rows(lip),
                           pool.rows(active) if active.size else NO_MASK, pool.rows(W),
                           ws, active)  # held, so that the ids stay theirs
        slots, pooled, rest, xbar_p, lip_p, active_p, W_p = placed[key][:7]
        if slots.size:
            W_p[slots] = W[pooled]
            run(pool.buf, xbar_p, W_p, lip_p, slots, active_p)
            W[pooled] = W_p[slots]
        if rest.size:
            run(pool.X, xbar, W, lip, rest, active)

    return epoch


def epoch_function(design, s, xbar, R, offset, W, lip, l1, l21, l2, per_task_weights=False):
    """One compiled epoch over a working set, for this design's layout and storage.

    Coordinate descent on sum s/2 (residual)^2 + penalty rows, the design
    centred by ``xbar`` (the s-weighted column means, or zero). ``R``,
    ``offset``, ``W`` are updated in place. ``per_task_weights`` says that s
    is constant over each task's rows (full layout), which a faster kernel uses.
    The returned function takes the working-set rows and, for a separable
    penalty (l21 = 0), the mask of active entries from ``working_set``.
    """
    run = _epoch_kernel(design, s, R, offset, l1, l21, l2, per_task_weights)
    pool = _pool(design)
    if pool is not None:
        return _pooled_epoch(pool, run, xbar, W, lip)
    gathered = {}

    def epoch(ws, active=NO_MASK):
        Xc, cols = _columns(design, ws)
        if cols is ws:
            return run(Xc, xbar, W, lip, ws, active)
        # a copy of the working set's columns: the kernel sees their rows of W, xbar,
        # lip and active (the same types, so the same compiled versions)
        key = (id(ws), id(active))
        if key not in gathered:
            gathered.clear()
            gathered[key] = (xbar[ws], lip[ws], active[ws] if active.size else NO_MASK,
                             ws, active)  # held, so that the ids stay theirs
        xbar_ws, lip_ws, active_ws = gathered[key][:3]
        W_ws = W[ws]
        run(Xc, xbar_ws, W_ws, lip_ws, cols, active_ws)
        W[ws] = W_ws

    return epoch


def _epoch_kernel(design, s, R, offset, l1, l21, l2, per_task_weights):
    """``epoch_function``'s kernel call, given the matrix of columns, the xbar, W and
    lip rows that go with them, the columns and the active entries."""
    sparse = sp.issparse(design.X if design.layout == "full" else design.Xs)
    if design.layout == "full":
        if sparse:
            # the design's weights may be a read-only broadcast of one row: that row, as
            # a real array (a view would be a second compiled signature)
            S = np.array(s[:1]) if s.strides[0] == 0 else np.ascontiguousarray(s)
            return lambda Xc, xbar, W, lip, ws, active: _kernels.bcd_epoch_csc(
                Xc.data, Xc.indices, Xc.indptr, xbar, S, R, offset, W, lip, ws, l1, l21, l2,
                active,
            )
        # the kernels take R task-major (see the note above bcd_epoch_dense_observed)
        RT = R.T
        if per_task_weights:
            s_task = np.array(s[0])  # writable, contiguous: one compiled signature

            def dense_observed(Xc, xbar, W, lip, ws, active):
                # whole rows over several tasks go by blocks of rows (twice the flop
                # rate); the kernel is compiled only once such a fit comes
                if not active.size and W.shape[1] >= _kernels.BLOCK_MIN_TASKS:
                    kernel = _kernels.bcd_epoch_dense_observed_blocks
                else:
                    kernel = _kernels.bcd_epoch_dense_observed
                return kernel(Xc, xbar, s_task, RT, offset, W, lip, ws, l1, l21, l2, active)

            return dense_observed
        ST = np.asfortranarray(s).T
        return lambda Xc, xbar, W, lip, ws, active: _kernels.bcd_epoch_dense(
            Xc, xbar, ST, RT, offset, W, lip, ws, l1, l21, l2, active
        )
    if sparse:
        task_of = design.task_of
        return lambda Xc, xbar, W, lip, ws, active: _kernels.bcd_epoch_stacked_csc(
            Xc.data, Xc.indices, Xc.indptr, task_of, xbar, s, R, offset, W, lip, ws,
            l1, l21, l2, active,
        )
    entries = {}

    def stacked_dense(Xc, xbar, W, lip, ws, active):
        if not active.size:
            return _kernels.bcd_epoch_stacked_dense(Xc, design.ptr, xbar, s, R, offset, W,
                                                    lip, ws, l1, l21, l2, active)
        # the entry list of a working set, built once for all of its epochs (two: a
        # column pool's epoch runs over its slots, then over X)
        key = (id(active), id(ws))
        if key not in entries:
            if len(entries) >= 2:
                entries.clear()
            rows, tasks = np.nonzero(active[ws])
            entries[key] = (ws[rows], tasks.astype(np.int64), active, ws)
        ent_j, ent_t = entries[key][:2]
        return _kernels.bcd_entry_epoch_stacked_dense(Xc, design.ptr, xbar, s, R, offset, W,
                                                      lip, ent_j, ent_t, l1, l2)

    return stacked_dense


def working_set(penalty, W, V, alpha, ws_size, p0, separable=False):
    """Rows in use plus the worst violators of the optimality condition ||V_j||_* <= alpha.

    V is minus the datafit's gradient. Rows that satisfy the condition are
    left out; the size is at least ``ws_size``, twice the support and ``p0``.
    Returns the sorted rows, the size used and the active entries: NO_MASK,
    or, when ``separable`` (an entrywise penalty, l1 |w|_1 + l2/2 |w|^2), a
    (n_features, n_tasks) mask of the entries in use plus the worst violators
    of |V_jt| <= alpha. Tasks with different supports then cost only their
    own entries, where whole rows would carry every task's zeros.
    """
    if separable and W.shape[1] > 1:
        return _entry_working_set(W, V, alpha, ws_size, p0)
    support = np.flatnonzero(np.any(W != 0.0, axis=1))
    score = penalty.row_dual_norms(V) / max(alpha, np.finfo(np.float64).tiny)
    score[support] = np.inf
    n_candidates = int(np.sum(score >= 1.0 - 1e-12))
    ws_size = min(max(ws_size, 2 * len(support), p0), max(n_candidates, len(support), 1))
    ws = np.sort(np.argsort(-score, kind="stable")[:ws_size]).astype(np.int64)
    return ws, ws_size, NO_MASK


def _entry_working_set(W, V, alpha, ws_size, p0):
    """``working_set`` by entries; sizes count rows' worth of entries (n_tasks each)."""
    n_tasks = W.shape[1]
    nonzero = W != 0.0
    n_support = int(nonzero.sum())
    score = np.abs(V) / max(alpha, np.finfo(np.float64).tiny)
    score[nonzero] = np.inf
    n_candidates = int(np.sum(score >= 1.0 - 1e-12))
    size = min(max(ws_size * n_tasks, 2 * n_support, p0 * n_tasks),
               max(n_candidates, n_support, 1))
    flat = score.ravel()
    if size < flat.size:
        chosen = np.argpartition(-flat, size - 1)[:size]
    else:
        chosen = np.arange(flat.size)
    active = np.zeros(W.shape, dtype=np.uint8)
    active.ravel()[chosen] = 1
    ws = np.flatnonzero(active.any(axis=1)).astype(np.int64)
    return ws, -(-size // n_tasks), active


def _compiled_loop_applies(design, mask, l1, l21, l2, verbose, anderson=5):
    """Whether ``bcd_dense_observed`` runs the whole fit: a full layout (a dense X, or a
    sparse one through its CSC arrays) with every target observed, a penalty with a
    duality gap whose dual ball it knows (entrywise or by rows), products small enough
    for its loops to match one BLAS thread, and room for the residual snapshots of its
    extrapolation (at most a quarter of X's stored values, or 8 MB). It reads X by
    columns: an X stored otherwise (C-ordered, CSR) only under ``_GATHER_MIN_BYTES``,
    which it copies whole; the Python loop copies a larger one's working sets only."""
    snapshots = (anderson + 1) * mask.size
    if design.layout != "full":
        return False
    X = design.X
    X_size = X.nnz if sp.issparse(X) else X.size
    by_columns = design.csc_given is not None if sp.issparse(X) else X.flags.f_contiguous
    if by_columns and sp.issparse(X) and not _usual_csc(design.csc_given):
        return False
    return (
        (by_columns or _stored_bytes(X) < _GATHER_MIN_BYTES)
        and bool(np.all(mask))
        and not verbose
        and (l1 == 0.0 or l21 == 0.0)
        and (l1 + l21 > 0.0 or l2 > 0.0)
        and product_flops(design) < SMALL_PRODUCT
        and snapshots <= max(X_size / 4, 2**20)
    )


def _usual_csc(Xc):
    """Whether a CSC matrix's arrays are of the kind the compiled loop is compiled for:
    int32 indices, every array contiguous and writable. Any other kind (int64 indices,
    read-only or strided arrays) would compile the whole loop again (11-12 s, measured)
    where the Python loop's epochs compile in 1-3 s."""
    arrays = (Xc.data, Xc.indices, Xc.indptr)
    return (Xc.indices.dtype == np.int32 and Xc.indptr.dtype == np.int32
            and all(a.flags.c_contiguous and a.flags.writeable for a in arrays))


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
    # a path's next alpha starts where the last solve on this design ended: its
    # product and gradient there are reused (the gradient does not depend on the
    # intercepts or the penalty; measured: 1.4 of 12 s of a 100-alpha, 5-fold search)
    cache = design.__dict__.setdefault("_cache", {})
    last = cache.pop("bcd_end", None)
    if last is not None and last[0].shape == W.shape and np.array_equal(last[0], W):
        zW, V_known = last[1], last[2]
    else:
        zW, V_known = design.forward(W), None
    b = problem.best_intercept(zW, b0)
    all_observed = bool(np.all(mask))
    observed = None if all_observed else mask
    R = design.y - zW
    del zW  # not kept through the solve: the residual gives it without a product
    R -= design.expand(b)
    if observed is not None:
        R[~mask] = 0.0
    sparse = sp.issparse(design.X if design.layout == "full" else design.Xs)
    compiled = _compiled_loop_applies(design, mask, l1, l21, l2, verbose, anderson)
    if compiled or (design.layout == "full" and not sparse):
        # the dense kernels and the compiled loop sweep the residual task by task
        R = np.asfortranarray(R)
    offset = np.zeros(n_tasks)
    if compiled:
        args = (np.asfortranarray(design.y).T, design.xbar, np.array(design.s[0]), R.T,
                offset, W, lip, l1, l21, l2, thresholds["gap"], int(max_iter), int(p0),
                int(inner_check), int(anderson), _MAX_INNER_EPOCHS)
        Xc = _columns(design)[0]
        if sparse:
            n_iter, crit, primal, converged = bcd_dense_observed(
                None, *args, None, (Xc.data, Xc.indices, Xc.indptr))
        elif (l21 > 0.0 and n_tasks >= _kernels.BLOCK_MIN_TASKS
              and design.n_samples >= _BLOCK_MIN_SAMPLES):
            # whole rows over several tasks and enough samples go by blocks of rows
            # (the whole loop, measured interleaved in one process: 1.08-1.26x faster
            # at T >= 10 from 200 samples, even at T = 4, 0.92-1.01x at 100 samples)
            n_iter, crit, primal, converged = bcd_dense_observed_blocks(Xc, *args)
        else:
            n_iter, crit, primal, converged = bcd_dense_observed(Xc, *args)
        return result(W, b, n_iter, crit, "gap", converged, primal)
    epoch = epoch_function(design, design.s, design.xbar, R, offset, W, lip, l1, l21, l2,
                           per_task_weights=all_observed)

    n_iter = 0
    ws_size = p0
    # residual snapshots make an extrapolated point free to evaluate; where
    # they would cost more memory than a quarter of the design, the point's
    # residual is recomputed with one product instead
    Xm = design.X if design.layout == "full" else design.Xs
    X_size = Xm.nnz if sp.issparse(Xm) else Xm.size
    keep_residuals = (anderson + 1) * R.size <= X_size / 4
    history = []
    row_flops = 4.0 * max(product_flops(design), 1.0) / max(design.n_features, 1)
    flops_per_second = _SPARSE_FLOPS_PER_SECOND if sparse else _FLOPS_PER_SECOND
    converged = False
    while True:
        b_checked = b
        crit, kind, b, primal, V = problem.criterion(
            W, b, lip_global, zW=_product(design, R, offset, b, observed), V=V_known,
            overwrite_zW=True)
        if verbose:
            print(f"bcd epoch {n_iter:6d}  objective {primal:.10e}  {kind} {crit:.3e}")
        if crit <= thresholds[kind]:
            converged = True
            break
        if n_iter >= max_iter:
            break
        ws, ws_size, active = working_set(penalty, W, V, l1 + l21, ws_size, p0,
                                          separable=l21 == 0.0)
        target = 0.3 * crit
        # on small working sets, run enough epochs between checks to amortise them
        # (an entry epoch costs its active entries, a row epoch its rows)
        rows_worth = active.sum() / n_tasks if active.size else len(ws)
        epoch_seconds = max(rows_worth * row_flops / flops_per_second, 1e-9)
        check_seconds = _CHECK_SECONDS + W.size * _SECONDS_PER_COEF
        n_epochs = int(min(max(inner_check, np.ceil(check_seconds / epoch_seconds)), 20))
        # an extrapolation is worth it only when the epochs it can save cost more
        extrapolate = anderson and (anderson + 1) * epoch_seconds > (
            _CHECK_SECONDS + (anderson + 1) * W.size * _SECONDS_PER_COEF)
        inner_start = n_iter
        while n_iter < max_iter:
            if n_iter - inner_start >= _MAX_INNER_EPOCHS:
                # slow progress on this working set: solving it exactly is wasted
                # if rows or entries outside it are needed, so rebuild it from the
                # full gradient first (measured: a per-task Lasso path whose entry
                # working set lacked violators crawled for 1,000 epochs)
                break
            V_known = None
            for _ in range(n_epochs):
                epoch(ws, active)
                n_iter += 1
                if extrapolate:
                    # iterates are kept whole, so the sequence survives changes of
                    # the working set between outer iterations
                    history.append((W.copy(), R.copy(order="K"), offset.copy())
                                   if keep_residuals else (W.copy(), None, None))
                    if len(history) == anderson + 1:
                        _extrapolate(design, loss, penalty, W, b, R, offset, observed,
                                     history)
                        history = []
                if n_iter >= max_iter:
                    break
            inner, V_known = _restricted_gap(design, loss, penalty, W, R, offset, observed,
                                             ws, active)
            if inner <= target:
                break
        ws_size *= 2
    cache["bcd_end"] = (W.copy(), _product(design, R, offset, b_checked, observed), V)
    # residual bookkeeping drifts by rounding only (along a path, from solve to solve:
    # 1.5e-8 after 100 alphas on targets of 1e6, measured), and only the gap sees it:
    # the returned model is exact
    return result(W, b, n_iter, crit, kind, converged, primal)


def _product(design, R, offset, b, mask):
    """X W from the maintained residual, without a product: y - b - R - offset, zero
    where ``mask`` (None: every entry observed) is False."""
    zW = design.y - design.expand(b)
    zW -= R
    if offset.any():
        zW -= design.expand(offset)
    if mask is not None:
        zW[~mask] = 0.0
    return zW


def _residual(design, R, offset, mask):
    """rho = y - z at the current point: the maintained residual R plus the intercepts'
    drift ``offset``, zero where ``mask`` (None: every entry observed) is False. R
    itself when there is nothing to add or clear; the caller does not write to it."""
    if mask is None and not offset.any():
        return R
    rho = R + design.expand(offset)
    if mask is not None:
        rho[~mask] = 0.0
    return rho


def _extrapolate(design, loss, penalty, W, b, R, offset, mask, history):
    """Anderson extrapolation of the last iterates, kept if it lowers the objective.

    ``history`` holds (W, R, offset) snapshots; R and offset may be None, in
    which case the extrapolated point's residual costs one product. ``mask``
    holds the observed entries, None when all are.
    """
    # the differences of successive iterates, without a stacked copy of the iterates
    # (it and the differences were 0.23x the data on top of a 1,000 x 5,000 x 20 fit)
    U = [h[0] - g[0] for g, h in zip(history[:-1], history[1:], strict=True)]
    G = np.empty((len(U), len(U)))
    for i in range(len(U)):
        for j in range(i + 1):
            G[i, j] = G[j, i] = np.vdot(U[i], U[j])
    del U
    try:
        c = np.linalg.solve(G + 1e-12 * np.trace(G) * np.eye(len(G)), np.ones(len(G)))
    except np.linalg.LinAlgError:
        return
    if not np.isfinite(c).all() or c.sum() == 0.0:
        return
    c /= c.sum()
    W_acc = c[0] * history[1][0]
    for ck, h in zip(c[1:], history[2:], strict=True):
        W_acc += ck * h[0]
    y, s = design.y, design.s
    # first, so that the current point's residual (a copy with intercepts or missing
    # targets) is gone before the extrapolated one is built
    now = loss.residual_value(s, _residual(design, R, offset, mask)) + penalty.value(W)
    if history[0][1] is not None:
        # the residual is affine in W and the weights sum to one
        R_acc = sum(ck * h[1] for ck, h in zip(c, history[1:], strict=True))
        offset_acc = sum(ck * h[2] for ck, h in zip(c, history[1:], strict=True))
        rho_acc = _residual(design, R_acc, offset_acc, mask)
    else:
        # in place: one array of Y's shape
        rho_acc = design.forward(W_acc)
        np.subtract(y, rho_acc, out=rho_acc)
        rho_acc -= design.expand(b)
        if mask is not None:
            rho_acc[~mask] = 0.0
        R_acc, offset_acc = rho_acc, 0.0
    acc = loss.residual_value(s, rho_acc) + penalty.value(W_acc)
    if acc < now:
        W[...] = W_acc
        R[...] = R_acc
        offset[...] = offset_acc


def _restricted_gap(design, loss, penalty, W, R, offset, mask, ws, active=NO_MASK):
    """Duality gap of the problem restricted to the working-set rows (entries, with
    a non-empty ``active`` mask: the others are held at zero, so their gradient
    does not enter the dual). ``mask`` holds the observed entries, None when all are.

    Returns the gap and, when it was cheaper to compute minus the gradient
    for all rows than to gather the working set's columns, that full
    gradient (the outer criterion at the same point then reuses it), else None.
    """
    s = design.s
    rho = _residual(design, R, offset, mask)
    primal = loss.residual_value(s, rho) + penalty.value(W[ws])
    # minus the dual point theta, scaled in place at the end; in rho's array when
    # that is a copy of R
    srho = s * rho if rho is R else np.multiply(rho, s, out=rho)
    del rho
    V_full = None
    pool = _pool(design)
    if pool is None:
        Xc, cols = _columns(design, ws)
    else:
        # the pooled copies when they hold the whole working set, else X itself
        slots = pool.slot_of[ws]
        Xc, cols = (pool.buf, slots) if np.all(slots >= 0) else (pool.X, ws)
    if active.size and isinstance(Xc, np.ndarray) and 3 * int(active.sum()) < active.size:
        # few active entries: their gradients only, from the column-major copy; the
        # kernels read the mask at the rows ``cols`` gives (columns, positions or slots)
        V = np.empty((len(ws), design.n_tasks))
        if cols is ws:
            active_cols = active
        else:
            active_cols = active[ws] if pool is None else pool.rows(active)
        if design.layout == "full":
            _kernels.rmatvec_entries(Xc, np.asfortranarray(srho), cols, active_cols, V)
        else:
            _kernels.stacked_rmatvec_entries(Xc, design.ptr, srho, cols, active_cols, V)
    elif 3 * len(ws) > design.n_features:
        V_full = design.adjoint(srho)
        V = V_full[ws]
    elif pool is None and cols is not ws:
        # the working set's own copy of its columns (centring drops out as below): no
        # gather from X, which for a CSR X reads all of it
        V = (matmul(Xc.T, srho) if design.layout == "full"
             else design._rmatvec_with(Xc, srho))[:len(ws)]  # (a lone column is there twice)
    elif design.layout == "full":
        # centring drops out of the working-set gradient as rho sums to 0 per task;
        # (without a pool, cols is ws here)
        A = design.X if pool is None else Xc
        V = gathered_rows(design.n_tasks, column_blocks(A, cols, design.n_tasks),
                          lambda b: matmul(A[:, b].T, srho))
    else:
        A = design.Xs if pool is None else Xc
        V = gathered_rows(design.n_tasks, column_blocks(A, cols, 1),
                          lambda b: design._rmatvec_with(A[:, b], srho))
    if active.size:
        V = np.where(active[ws] != 0, V, 0.0)
    kappa = penalty.dual_scale(V)
    if kappa is None:
        return np.inf, V_full
    srho *= -kappa  # kappa theta
    dual = -loss.conjugate(design.y, s, srho) - penalty.conjugate(kappa * V)
    return primal - dual, V_full
