"""The linear part of the model, z_it = (x_i - xbar_t)' w_t + b_t, on two layouts.

Every estimator sees its data through one of two layouts, chosen by how much
of Y is observed:

* ``FullDesign``: Z is (n, T); all tasks share X and one BLAS product X @ W
  serves every task. Missing entries carry weight 0. Best when most of Y is
  observed (the shared-design case).
* ``StackedDesign``: each task's observed rows are gathered into one block
  of a stacked matrix and Z is a flat vector; a row only meets its own task's
  coefficients. Best when each row belongs to one or a few tasks (per-task
  samples, as in the School data), where the full layout would compute T
  times too many products.

With an intercept each task's design is centred on that task's observed rows
(implicitly: the centred matrix is never formed, so sparse X stays sparse).
The intercept of the centred problem is then orthogonal to W, which keeps the
problem well conditioned; ``intercept_of`` maps it back.
"""

import numpy as np
import scipy.sparse as sp

from . import _kernels
from ._observed import observed_entries

# Below this fraction of observed entries the stacked layout does fewer flops
# than the (n, T) one by enough to win over BLAS's better efficiency.
STACKED_BELOW = 0.5


def writable_view(a):
    """``a``, or a writable view of it when it is a read-only view of writable memory.

    pandas 3 hands out a DataFrame's values as such a view (copy-on-write); Numba
    types a read-only array apart from a writable one, so every kernel it reached
    would compile a second version (measured: an L2,1 fit of a DataFrame after one of
    the same NumPy arrays, 8.8 s on a cold cache, 0.03 s with the view). Nothing here
    writes into X or Y. Memory that is read-only itself (a read-only memmap, an array
    whose owner was made read-only) stays as it is.
    """
    if isinstance(a, np.ndarray) and not a.flags.writeable:
        view = a.view()
        try:
            view.flags.writeable = True
        except ValueError:
            return a
        return view
    return a


def make_design(X, Y, n_obs, task_weights, fit_intercept, layout="auto", quadratic=False):
    """Build the layout for data ``X`` (n, d) and targets ``Y`` (n, T), NaN = missing.

    ``Y`` holds the (already encoded) targets, ``n_obs`` the number of observed
    entries of each task. Per-entry weights are task_weights[t] / n_t on
    observed entries. For a ``quadratic`` loss:

    * with an intercept, each task's targets are centred on their mean, which the
      intercepts absorb (see ``intercept_of``): the gradient in W and the duality gap
      then no longer carry the rounding of targets far from zero;
    * on the full layout with every target observed, the weights are a read-only
      view of one row, an (n, T) array fewer for NumPy's arithmetic (the logistic
      kernels read flat arrays); a kernel that takes them is handed a real array.
    """
    X, Y = writable_view(X), writable_view(Y)
    if layout == "auto":
        layout = "full" if n_obs.sum() >= STACKED_BELOW * Y.size else "stacked"
    if layout == "full":
        design = FullDesign(X, ~np.isnan(Y), Y, task_weights, fit_intercept,
                            weights_view=quadratic)
    else:
        ptr, rows, values = observed_entries(Y, n_obs)
        design = StackedDesign(X, ptr, rows, values, task_weights, fit_intercept)
    if quadratic and fit_intercept:
        # targets of 1e6 left a gap floor above tol 1e-10 and let coordinate descent
        # stop with coefficients 3e-5 off; s is constant on each task's observed entries
        mean = design.task_sum(design.s * design.y) / np.maximum(
            design.task_sum(design.s), np.finfo(np.float64).tiny)
        centred = design.y - design.expand(mean)
        if design.layout == "full" and not design.all_observed:
            centred[~design.mask] = 0.0
        design.y = centred
        design.y_offset = mean
    return design


# OpenBLAS's gemm is slow when the right-hand side has one to three columns
# (measured: X' G with two columns 2-2.6x slower than two gemv calls, for
# 500 x 300 up to 1,000 x 5,000; equal at four, gemm ahead from eight)
_GEMV_MAX_COLUMNS = 3


# a product with a subset of X's columns gathers them (a copy) a block of about this
# many bytes at a time: the whole subset, up to half of X, was most of a dense shared
# fit's memory overhead (0.53x the data on 1,000 x 5,000 x 20). Each block's product
# passes over an (n, T) output once more (about 2T / block columns of the gather's
# traffic, dense), so a block also holds at least _GATHER_OUTPUTS times the output's
# bytes (on 600,000 x 400 x 20, one-column blocks made X W 28x slower, 64-column
# ones 1.3x)
_GATHER_BYTES = 2**22
_GATHER_OUTPUTS = 16


def column_blocks(X, cols, n_tasks):
    """``cols`` in consecutive pieces for products with ``n_tasks`` columns, 1 for the
    stacked layout's vectors (see _GATHER_BYTES); one piece for a CSR matrix, whose
    column slices read all of its entries whatever their number."""
    if sp.issparse(X) and X.format != "csc":
        return [cols] if len(cols) else []
    if sp.issparse(X):
        per_column = 12.0 * X.nnz / max(X.shape[1], 1)  # values and row indices
    else:
        per_column = 8.0 * X.shape[0]
    budget = max(_GATHER_BYTES, _GATHER_OUTPUTS * 8.0 * X.shape[0] * n_tasks)
    step = max(1, int(budget // max(per_column, 1.0)))
    return [cols[k:k + step] for k in range(0, len(cols), step)]


def gathered_rows(n_tasks, blocks, product):
    """``product(block)`` of each block of columns, stacked: (sum of block sizes, T)."""
    parts = [product(b) for b in blocks]
    return np.concatenate(parts) if parts else np.zeros((0, n_tasks))


def matmul(A, B):
    """A @ B as an array; one matrix-vector product per column of a narrow dense B."""
    if sp.issparse(A) or B.ndim == 1 or B.shape[1] > _GEMV_MAX_COLUMNS:
        return np.asarray(A @ B)
    out = np.empty((A.shape[0], B.shape[1]))
    for t in range(B.shape[1]):
        out[:, t] = A @ B[:, t]
    return out


# values per block of a reduction over (n, T) arrays: few enough that its temporaries
# are small beside the arrays, many enough that a block's NumPy calls cost little
# beside their arithmetic
_ROW_BLOCK_VALUES = 2**16


def row_blocks(a):
    """Slices of ``a``'s leading rows (entries, when 1-D) of about ``_ROW_BLOCK_VALUES``
    values each, for reductions whose temporaries would otherwise be a's size."""
    n = a.shape[0]
    rows = max(1, _ROW_BLOCK_VALUES * n // max(a.size, 1))
    return [slice(i, i + rows) for i in range(0, n, rows)] or [slice(0, 0)]


class FullDesign:
    layout = "full"

    def __init__(self, X, mask, Y, task_weights, fit_intercept, weights_view=False):
        n_obs = mask.sum(axis=0)
        # a sparse X stays in its format: CSC products cost about what CSR ones do here,
        # and coordinate descent reads a CSC X as it is (measured on 20,000 x 5,000 at
        # 1 %: an L2,1 fit from CSC 0.109 s and 18 MB of allocations at peak instead
        # of 0.126 s and 30 MB with a CSR copy; a trace-norm fit 1.36 against 1.23 s)
        self.X = X
        self.csc_given = _canonical_csc(X)
        self.n_samples, self.n_features = X.shape
        self.n_tasks = mask.shape[1]
        self.n_obs = n_obs
        self.fit_intercept = fit_intercept
        self.mask = mask
        self.all_observed = bool(mask.all())
        if self.all_observed:
            per_task = task_weights / n_obs
            self.s = (np.broadcast_to(per_task, mask.shape) if weights_view
                      else np.repeat(per_task[None, :], self.n_samples, axis=0))
            # never written, so not copied; but a read-only Y would reach the kernels as
            # a new compiled signature
            self.y = (Y if Y.dtype == np.float64 and Y.flags.c_contiguous
                      and Y.flags.writeable else np.array(Y, dtype=np.float64, order="C"))
        else:
            self.s = np.where(mask, task_weights / n_obs, 0.0)
            self.y = np.where(mask, Y, 0.0)
        self.y_offset = np.zeros(self.n_tasks)  # what make_design took out of each task's y
        if fit_intercept and self.all_observed:
            # every task's rows are all rows: one column mean serves every task
            # sum / n: a sparse matrix's mean copies its values first
            means = np.asarray(self.X.sum(axis=0)).ravel() / self.n_samples
            self.xbar = np.repeat(means[:, None], self.n_tasks, axis=1)
        elif fit_intercept:
            self.xbar = matmul(self.X.T, mask.astype(np.float64)) / n_obs
        else:
            self.xbar = np.zeros((self.n_features, self.n_tasks))

    def forward(self, W):
        rows = np.flatnonzero(np.any(W != 0.0, axis=1))
        if len(rows) < 0.5 * self.n_features:
            # sparse models (Lasso, L2,1 paths) only need their support's columns
            blocks = column_blocks(self.X, rows, W.shape[1])
            Z = matmul(self.X[:, blocks[0]], W[blocks[0]]) if blocks else self.zeros()
            for b in blocks[1:]:
                Z += matmul(self.X[:, b], W[b])
        else:
            Z = matmul(self.X, W)
        if self.fit_intercept:
            Z -= np.einsum("jt,jt->t", self.xbar, W)  # Z is a new array
        return Z

    def adjoint(self, G):
        out = matmul(self.X.T, G)
        if self.fit_intercept:
            out = out - self.xbar * G.sum(axis=0)
        return out

    def normal(self, W):
        """(forward(W), adjoint(s * forward(W))): the normal product of a quadratic
        datafit's gradient. X is shared by every task, so nothing is saved by fusing."""
        Z = self.forward(W)
        if self.s.strides[0] == 0:
            # one weight per task (every target observed): the adjoint commutes with
            # scaling its columns, so no array of Z's shape is needed for s * Z
            return Z, self.adjoint(Z) * self.s[0]
        return Z, self.adjoint(self.s * Z)

    def expand(self, b):
        return np.broadcast_to(b, (self.n_samples, self.n_tasks))

    def expand_rows(self, b, rows):
        """``expand(b)[rows]`` for a slice of rows, as an operand that broadcasts."""
        return b

    def task_sum(self, G):
        return G.sum(axis=0)

    def task_sum_of(self, terms, *arrays):
        """``task_sum(terms(*arrays))``, over blocks of rows."""
        out = np.zeros(self.n_tasks)
        for b in row_blocks(arrays[0]):
            out += terms(*(a[b] for a in arrays)).sum(axis=0)
        return out

    def zeros(self):
        return np.zeros((self.n_samples, self.n_tasks))


# mean elements of a task's block of the stacked design from which products go
# through one BLAS call per task
_BLAS_TASK_BLOCK = 2**15


class StackedDesign:
    layout = "stacked"

    def __init__(self, X, ptr, order, y, task_weights, fit_intercept):
        """Task t's observed rows of X are ``order[ptr[t]:ptr[t + 1]]`` and their
        targets ``y[ptr[t]:ptr[t + 1]]``."""
        n_samples = X.shape[0]
        n_tasks = len(ptr) - 1
        n_obs = np.diff(ptr)
        self.ptr = np.asarray(ptr, dtype=np.int64)
        self.task_of = np.repeat(np.arange(n_tasks), n_obs)
        self.n_samples = n_samples
        self.n_features = X.shape[1]
        self.n_tasks = n_tasks
        self.n_obs = n_obs
        self.fit_intercept = fit_intercept
        self.sparse = sp.issparse(X)
        in_order = np.array_equal(order, np.arange(n_samples))
        # coordinate descent reads a CSC matrix: the user's, when its rows are the
        # stacked rows already
        self.csc_given = _canonical_csc(X) if in_order else None
        if self.sparse:
            if in_order and X.format == "csr" and X.has_canonical_format:
                Xs = X  # rows already grouped by task: used as it is
            else:
                # a copy in either case (sort_indices below must not touch the user's)
                Xs = X.tocsr(copy=True) if in_order else X.tocsr()[order]
                Xs.sort_indices()
            self.Xs = Xs
        elif in_order and (X.flags.c_contiguous or X.flags.f_contiguous):
            # rows already grouped by task: X itself, in either order (products have
            # kernels for both; coordinate descent takes its own column-major copy)
            self.Xs = np.asarray(X, dtype=np.float64)
        else:
            # column-major, which coordinate descent reads
            self.Xs = column_major_copy(np.asarray(X, dtype=np.float64), order)
        self.s = (task_weights / n_obs)[self.task_of]
        self.y = y
        self.y_offset = np.zeros(n_tasks)  # what make_design took out of each task's y
        if fit_intercept:
            sums = self._rmatvec(np.ones(len(order)))
            # C order like the zeros below: one compiled signature for the epochs
            self.xbar = np.ascontiguousarray(sums / n_obs)
        else:
            self.xbar = np.zeros((self.n_features, n_tasks))

    def _matvec(self, W):
        out = np.empty(self.ptr[-1])
        WT = np.ascontiguousarray(W.T)
        if self.sparse:
            Xs = self.Xs
            _kernels.stacked_matvec_csr(Xs.data, Xs.indices, Xs.indptr, self.ptr, WT, out)
        elif self._blas_per_task(self.Xs):
            for t, (lo, hi) in enumerate(zip(self.ptr[:-1], self.ptr[1:], strict=True)):
                out[lo:hi] = self.Xs[lo:hi] @ W[:, t]
        elif self.Xs.flags.c_contiguous:
            _kernels.stacked_matvec_rowmajor(self.Xs, self.ptr, WT, out)
        else:
            _kernels.stacked_matvec_dense(self.Xs, self.ptr, WT, out)
        return out

    def _blas_per_task(self, Xs):
        """Whether one BLAS call per task beats the compiled loop: for large task
        blocks (measured: 2x at 100 rows x 2,000 features), not for School-sized ones,
        where the calls' overhead dominates."""
        return Xs.size >= _BLAS_TASK_BLOCK * max(self.n_tasks, 1)

    def _rmatvec(self, g):
        return self._rmatvec_with(self.Xs, g)

    def _rmatvec_with(self, Xs, g):
        """Per-task X_t' g_t for a stacked matrix Xs (the design's, a column subset of it,
        or its squares); (Xs.shape[1], n_tasks)."""
        GT = np.zeros((self.n_tasks, Xs.shape[1]))
        g = np.ascontiguousarray(g, dtype=np.float64)
        if self.sparse:
            Xs = sp.csr_matrix(Xs)
            _kernels.stacked_rmatvec_csr(Xs.data, Xs.indices, Xs.indptr, self.ptr, g, GT)
        elif self._blas_per_task(Xs):
            for t, (lo, hi) in enumerate(zip(self.ptr[:-1], self.ptr[1:], strict=True)):
                GT[t] = g[lo:hi] @ Xs[lo:hi]
        elif Xs.flags.c_contiguous:
            _kernels.stacked_rmatvec_rowmajor(Xs, self.ptr, g, GT)
        else:
            _kernels.stacked_rmatvec_dense(np.asfortranarray(Xs), self.ptr, g, GT)
        return GT.T

    def forward(self, W):
        z = self._matvec(W)
        if self.fit_intercept:
            z -= np.einsum("jt,jt->t", self.xbar, W)[self.task_of]
        return z

    def adjoint(self, g):
        out = self._rmatvec(g)
        if self.fit_intercept:
            out = out - self.xbar * self.task_sum(g)
        return out

    def normal(self, W):
        """(forward(W), adjoint(s * forward(W))), reading each task's rows once from
        memory: on designs larger than the cache this halves the traffic of a
        gradient step (measured: 26 against 41 ms on 200 tasks x 100 x 2,000)."""
        if self.sparse:
            z = self.forward(W)
            return z, self.adjoint(self.s * z)
        n_tasks = self.n_tasks
        if self.fit_intercept:
            offset = np.einsum("jt,jt->t", self.xbar, W)
        else:
            offset = np.zeros(n_tasks)
        z = np.empty(self.ptr[-1])
        HT = np.empty((n_tasks, self.n_features))
        sums = np.empty(n_tasks)
        Xs, s, WT = self.Xs, self.s, np.ascontiguousarray(W.T)
        if self._blas_per_task(Xs):
            for t, (lo, hi) in enumerate(zip(self.ptr[:-1], self.ptr[1:], strict=True)):
                Xt = Xs[lo:hi]
                zt = Xt @ WT[t]
                zt -= offset[t]
                z[lo:hi] = zt
                v = s[lo:hi] * zt
                sums[t] = v.sum()
                HT[t] = v @ Xt
        else:
            kernel = (_kernels.stacked_normal_rowmajor if Xs.flags.c_contiguous
                      else _kernels.stacked_normal_dense)
            kernel(Xs, self.ptr, WT, offset, s, z, HT, sums)
        H = HT.T
        if self.fit_intercept:
            H = H - self.xbar * sums
        return z, H

    def expand(self, b):
        return b[self.task_of]

    def expand_rows(self, b, rows):
        """``expand(b)[rows]`` for a slice of entries."""
        return b[self.task_of[rows]]

    def task_sum(self, g):
        return _kernels.segment_sum(np.ascontiguousarray(g, dtype=np.float64), self.ptr)

    def task_sum_of(self, terms, *arrays):
        """``task_sum(terms(*arrays))``, over blocks of entries (each block's sums go
        by the task boundaries clipped to it)."""
        out = np.zeros(self.n_tasks)
        for b in row_blocks(arrays[0]):
            ptr = np.clip(self.ptr, b.start, b.stop) - b.start
            out += _kernels.segment_sum(terms(*(a[b] for a in arrays)), ptr)
        return out

    def zeros(self):
        return np.zeros(self.ptr[-1])


def _canonical_csc(X):
    """X itself if it is a CSC matrix with sorted, unique indices (which coordinate
    descent can read without a copy), else None.

    The kernels then meet the user's index dtype and memory layout (int64 indices,
    read-only or strided arrays): each new kind compiles once (about 1 s), cached. The
    compiled loop of small designs takes only the usual kind (``bcd._usual_csc``).
    """
    if sp.issparse(X) and X.format == "csc" and X.has_canonical_format:
        return X
    return None


def column_major_copy(X, rows=None, cols=None):
    """Column-major copy of the dense ``X[rows][:, cols]`` (all rows, all columns by
    default), copied by tiles (a 20,000 x 2,000 C-ordered design: 0.11-0.15 s, NumPy's
    copy 0.19-0.24 s; 100 of its columns: 17 ms)."""
    rows = np.arange(X.shape[0]) if rows is None else rows
    cols = np.arange(X.shape[1]) if cols is None else cols
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    out = np.empty((len(rows), len(cols)), order="F")
    _kernels.take_column_major(X, rows, cols, out, np.arange(len(cols), dtype=np.int64))
    return out


def intercept_of(design, W, b_centred):
    """Intercepts of the uncentred model (and targets) from those of the centred one."""
    return b_centred - np.einsum("jt,jt->t", design.xbar, W) + design.y_offset


def centred_intercept(design, W, b):
    """Inverse of ``intercept_of`` (for warm starts)."""
    return b + np.einsum("jt,jt->t", design.xbar, W) - design.y_offset


def lipschitz(design, curvature, row_scale=None, max_iter=50, rtol=1e-2, seed=0):
    """Largest eigenvalue of W -> A'(s * A W) by power iteration, times ``curvature``.

    The operator is block diagonal over tasks, so this is the worst task's
    constant, which is what a single proximal step size must respect. The
    intercept block of the centred problem has curvature sum_i s_i = w_t.
    Memoised on the design, which a regularisation path shares across alphas.
    With ``row_scale`` (n_features, 1) it is the constant of the operator with
    rows scaled by it, i.e. D^(1/2) A' S A D^(1/2) for D = row_scale^2, and
    the (decoupled) intercept block is left out.
    """
    cache = design.__dict__.setdefault("_cache", {})
    key = ("lipschitz", curvature, row_scale is None)
    if key in cache:
        return cache[key]
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((design.n_features, design.n_tasks))
    V /= np.linalg.norm(V)
    est = 0.0
    for _ in range(max_iter):
        U = design.normal(V if row_scale is None else V * row_scale)[1]
        if row_scale is not None:
            U *= row_scale
        new = np.linalg.norm(U)
        if new == 0.0:
            break
        V = U / new
        if abs(new - est) <= rtol * new:
            est = new
            break
        est = new
    if design.fit_intercept and row_scale is None:
        est = max(est, float(np.max(design.task_sum(design.s))))
    # power iteration approaches from below; the margin spares most backtracks, and
    # FISTA adapts its step anyway, so a loose tolerance is enough (a tight one took a
    # fifth of a large trace-norm fit)
    cache[key] = curvature * est * 1.05
    return cache[key]


def column_curvature(design):
    """(n_features, n_tasks) curvature of each coefficient: sum_i s_it (x_ij - xbar_jt)^2.

    The diagonal of the datafit Hessian (squared loss), memoised on the design.
    """
    cache = design.__dict__.setdefault("_cache", {})
    if "column_curvature" not in cache:
        cache["column_curvature"] = weighted_curvature(design, design.s, design.xbar)
    return cache["column_curvature"]


def weighted_means(design, S):
    """(n_features, n_tasks) S-weighted mean of each column over each task's rows.

    S has the layout of the design's targets; a task with no weight gets 0.
    """
    totals = design.task_sum(S)
    if design.layout == "full":
        sums = matmul(design.X.T, S)
    else:
        sums = design._rmatvec_with(design.Xs, S)
    # C order, like a design's own means: one compiled signature for the epochs
    return np.ascontiguousarray(sums / np.where(totals > 0.0, totals, 1.0))


def weighted_curvature(design, S, xbar):
    """(n_features, n_tasks) sum_i S_it (x_ij - xbar_jt)^2, xbar the S-weighted means
    (or zero, for an uncentred design)."""
    X = design.X if design.layout == "full" else design.Xs
    # the same weights down every task's column (all targets observed): the columns'
    # sums of squares serve every task
    uniform = (design.layout == "full" and S.shape[0] > 0
               and (S.strides[0] == 0 or bool(np.all(S == S[0]))))
    if sp.issparse(X):
        raw = _sparse_weighted_squares(design, X, S, uniform)
    elif uniform:
        raw = np.einsum("ij,ij->j", X, X)[:, None] * S[0]  # no squared copy, 4x faster
    elif design.layout == "full":
        raw = _weighted_squares(X, S)
    elif design.n_tasks:
        # task by task: each block of rows meets one column of weights
        raw = np.column_stack([
            _weighted_squares(X[lo:hi], S[lo:hi, None])[:, 0]
            for lo, hi in zip(design.ptr[:-1], design.ptr[1:], strict=True)
        ])
    else:
        raw = np.zeros((design.n_features, 0))
    return np.maximum(raw - design.task_sum(S) * xbar**2, 0.0)


def _sparse_weighted_squares(design, X, S, uniform, block_nnz=2**17):
    """sum_i S[i, k] X[i, j]^2 for sparse X, per task's rows on the stacked layout.

    Never a copy of X's values (8 MB on 20,000 x 5,000 at 1 %, 60 % of a sparse L2,1
    fit's allocations at peak): a canonical matrix goes through one compiled pass on
    the full layout, and is squared a block of its rows at a time on the stacked one,
    each block's squares sharing X's index arrays.
    """
    if uniform:
        # one column of ones: a broadcast S would be copied by each block's product, and
        # reach the compiled pass as a strided array (a second compiled version)
        return _sparse_squares(_OneTask(), X, np.ones((X.shape[0], 1)), block_nnz) * S[0]
    return _sparse_squares(design, X, S, block_nnz)


def _sparse_squares(design, X, S, block_nnz):
    stacked = design.layout != "full"
    if not X.has_canonical_format:
        return _sparse_products(design, X.multiply(X), S, stacked)  # sums duplicates
    if not stacked:
        # one compiled pass, no temporaries (the blocks' squares and the index arrays
        # scipy copies for each block held 1.5 MB at a time: at a Newton step's peak,
        # beside its arrays of Y's shape)
        out = np.empty((X.shape[1], S.shape[1]))
        _kernels.sparse_weighted_squares(X.data, X.indices, X.indptr, X.format == "csr",
                                         np.ascontiguousarray(S, dtype=np.float64), out)
        return out
    # the stacked layout's matrix is CSR: blocks of its rows
    n_rows = X.shape[0]
    ends = np.searchsorted(X.indptr, np.arange(block_nnz, X.nnz, block_nnz), side="right")
    bounds = np.unique(np.concatenate(([0], np.clip(ends - 1, 1, n_rows), [n_rows])))
    out = np.zeros((X.shape[1], design.n_tasks))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        a, b = X.indptr[lo], X.indptr[hi]
        values = X.data[a:b]
        block = sp.csr_matrix((values * values, X.indices[a:b], X.indptr[lo:hi + 1] - a),
                              shape=(hi - lo, X.shape[1]))
        out += _sparse_products(design, block, S[lo:hi], True, lo)
    return out


class _OneTask:
    """What ``_sparse_squares`` reads of a full-layout design with one task."""

    layout = "full"
    n_tasks = 1


def _sparse_products(design, A, S, stacked, first_row=0):
    """A' S, or per task A_t' s_t for the stacked rows from ``first_row`` on."""
    if not stacked:
        return np.asarray(A.T @ S)
    A = sp.csr_matrix(A)
    ptr = np.clip(design.ptr - first_row, 0, A.shape[0])
    GT = np.zeros((design.n_tasks, A.shape[1]))
    _kernels.stacked_rmatvec_csr(A.data, A.indices, A.indptr, ptr,
                                 np.ascontiguousarray(S, dtype=np.float64), GT)
    return GT.T


def _weighted_squares(X, S, block_bytes=2**23):
    """sum_i S[i, k] X[i, j]^2 for dense X, squaring a block of rows at a time
    (never a whole copy of X)."""
    out = np.zeros((X.shape[1], S.shape[1]))
    step = max(1, block_bytes // (8 * max(X.shape[1], 1)))
    for lo in range(0, X.shape[0], step):
        B = X[lo:lo + step]
        out += matmul((B * B).T, S[lo:lo + step])
    return out
