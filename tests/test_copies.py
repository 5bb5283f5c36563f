"""What a fit reads in place and what it copies (docs/data_layout.rst, "Memory")."""

import functools
import importlib
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

import mtlreg
from mtlreg import L21Classifier, L21Regressor, LassoRegressor
from mtlreg import _design as _design_module
from mtlreg._base import build_design, check_targets
from mtlreg.solvers.bcd import NO_MASK, _columns

# the module, not the function mtlreg.solvers re-exports under the same name
bcd_module = importlib.import_module("mtlreg.solvers.bcd")


def _shared(rng, n=40, d=12, T=3, density=0.3):
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < density)
    Y = X @ rng.standard_normal((d, T)) + 0.1 * rng.standard_normal((n, T))
    return X, Y


def _per_task(rng, n_t=15, d=12, T=3, density=0.3):
    n = n_t * T
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < density)
    Y = np.full((n, T), np.nan)
    for t in range(T):
        rows = slice(t * n_t, (t + 1) * n_t)
        Y[rows, t] = X[rows] @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n_t)
    return X, Y


def _design(X, Y):
    Yc, _, _, n_obs = check_targets(Y, X.shape[0], False, name="y")
    design, _ = build_design(X, Yc, True, None, n_obs=n_obs, loss="squared")
    return design


@pytest.mark.parametrize("make", [_shared, _per_task])
def test_fortran_dense_read_in_place_by_coordinate_descent(make):
    X, Y = make(np.random.default_rng(0))
    XF = np.asfortranarray(X)
    assert _columns(_design(XF, Y))[0] is XF
    XC = np.ascontiguousarray(X)
    Xc = _columns(_design(XC, Y))[0]
    assert Xc.flags.f_contiguous and not np.shares_memory(Xc, XC)


@pytest.mark.parametrize("make, layout", [(_shared, "full"), (_per_task, "stacked")])
def test_canonical_csc_read_in_place_by_coordinate_descent(make, layout, monkeypatch):
    X, Y = make(np.random.default_rng(1))
    X_csc = sp.csc_matrix(X)
    design = _design(X_csc, Y)
    assert design.layout == layout
    assert _columns(design)[0] is X_csc
    if layout == "full":
        assert design.X is X_csc  # the products use it too: no CSR copy
    # through the estimator too: the epochs read the user's matrix
    read = []
    monkeypatch.setattr(bcd_module, "_columns",
                        lambda d, ws=None: read.append((*_columns(d, ws), ws)) or read[-1][:2])
    fits = [L21Regressor(alpha=0.05, tol=1e-12, solver="bcd").fit(X_csc, Y)]
    assert read and all(c is X_csc and cols is ws for c, cols, ws in read)
    monkeypatch.undo()
    # the same fit as from CSR (converted) and dense input
    fits += [L21Regressor(alpha=0.05, tol=1e-12, solver="bcd").fit(A, Y)
             for A in (sp.csr_matrix(X), X)]
    for other in fits[1:]:
        assert_allclose(fits[0].coef_, other.coef_, atol=1e-10)
        assert_allclose(fits[0].intercept_, other.intercept_, atol=1e-10)


def test_grouped_csr_used_as_is_on_the_stacked_layout():
    X, Y = _per_task(np.random.default_rng(2))
    X_csr = sp.csr_matrix(X)
    design = _design(X_csr, Y)
    assert design.layout == "stacked" and design.Xs is X_csr
    # rows not grouped by task: gathered into a new matrix, and a CSC X is not read
    # as it is (its row numbers are not the stacked rows'); the fit is still exact
    order = np.random.default_rng(3).permutation(X.shape[0])
    for A in (sp.csr_matrix(X[order]), sp.csc_matrix(X[order])):
        design = _design(A, Y[order])
        assert design.Xs is not A and design.csc_given is None
        assert _columns(design)[0] is not A
        got = L21Regressor(alpha=0.05, tol=1e-12, solver="bcd").fit(A, Y[order])
        ref = L21Regressor(alpha=0.05, tol=1e-12, solver="bcd").fit(X[order], Y[order])
        assert_allclose(got.coef_, ref.coef_, atol=1e-10)


@pytest.mark.parametrize("make", [_shared, _per_task])
def test_canonical_csc_read_only_and_left_unchanged(make):
    X, Y = make(np.random.default_rng(5))
    X_csc = sp.csc_matrix(X)
    # an explicit zero stays stored: the matrix is still canonical
    X_csc.data[0] = 0.0
    assert X_csc.has_canonical_format
    arrays = (X_csc.data, X_csc.indices, X_csc.indptr)
    saved = [a.copy() for a in arrays]
    for a in arrays:
        a.setflags(write=False)
    for est in (L21Regressor(alpha=0.05, tol=1e-10, solver="bcd"),
                LassoRegressor(alpha=0.05, tol=1e-10, solver="bcd")):
        got = est.fit(X_csc, Y).coef_
        ref = est.fit(X_csc.toarray(), Y).coef_
        assert_allclose(got, ref, atol=1e-8)
    for a, b in zip(arrays, saved, strict=True):
        np.testing.assert_array_equal(a, b)
    assert X_csc.nnz == saved[0].size


def test_unsorted_csc_is_copied_and_left_unchanged():
    X, Y = _shared(np.random.default_rng(4))
    X_csc = sp.csc_matrix(X)
    # reverse each column's entries: the same matrix, indices unsorted
    data, indices = X_csc.data.copy(), X_csc.indices.copy()
    for j in range(X_csc.shape[1]):
        lo, hi = X_csc.indptr[j], X_csc.indptr[j + 1]
        data[lo:hi], indices[lo:hi] = data[lo:hi][::-1], indices[lo:hi][::-1]
    X_unsorted = sp.csc_matrix((data, indices, X_csc.indptr.copy()), shape=X_csc.shape)
    assert not X_unsorted.has_sorted_indices
    before = X_unsorted.indices.copy()
    Xc = _columns(_design(X_unsorted, Y))[0]
    assert Xc is not X_unsorted and Xc.has_sorted_indices
    np.testing.assert_array_equal(X_unsorted.indices, before)
    ref = LassoRegressor(alpha=0.05, tol=1e-12, solver="bcd").fit(X_csc, Y)
    got = LassoRegressor(alpha=0.05, tol=1e-12, solver="bcd").fit(X_unsorted, Y)
    assert_allclose(got.coef_, ref.coef_, atol=1e-10)
    np.testing.assert_array_equal(X_unsorted.indices, before)


def _peak_allocations(est, X, Y):
    """Bytes allocated at the peak of ``est.fit(X, Y)``, after a warm-up fit on the same
    data (kernels compiled and modules imported before the measurement: a warm-up on
    100 rows left the larger fit's column gathers to compile inside it, whose
    allocations then made the peak when this module ran alone on an empty cache)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, Y)
    tracemalloc.start()
    try:
        est.fit(X, Y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("est", [L21Regressor(alpha=0.01), LassoRegressor(alpha=0.01),
                                 L21Regressor(alpha=0.01, fit_intercept=False)])
def test_sparse_fit_allocates_no_copy_of_x(est, fmt):
    # column means, curvatures and gap checks once copied X's values (8 bytes per
    # non-zero) or its whole matrix: the fit's allocations at peak were 0.8-1.1 times X.
    # A CSR X is read by coordinate descent through a CSC copy of its working set's
    # columns (1.1-1.2 times X at peak with a copy of every column)
    rng = np.random.default_rng(6)
    n, d, T = 20000, 2000, 2
    X = sp.random(n, d, density=0.02, format=fmt, random_state=rng)
    Y = np.asarray(X[:, :5] @ rng.standard_normal((5, T))) + 0.1 * rng.standard_normal((n, T))
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    peak = _peak_allocations(est, X, Y)
    assert peak < 0.5 * x_bytes, f"{peak / 2**20:.2f} MB at peak, X {x_bytes / 2**20:.2f} MB"


@pytest.mark.parametrize(("est", "bound"), [
    # coordinate descent: its residual and the gap check's dual point, and with an
    # intercept the centred targets. Measured 2.46 and 3.47; 5.41 and 6.42 before the
    # squared loss's sums went by blocks of rows and the gap checks stopped copying the
    # residual and keeping the product behind it
    (L21Regressor(alpha=1e-4), 3.75),
    (LassoRegressor(alpha=1e-5), 3.75),
    (L21Regressor(alpha=1e-4, fit_intercept=False), 2.75),
    # proximal Newton: z, the Hessian's diagonal, the model's targets and its residual
    # (measured 5.41; 12.27 before they were reused in place)
    (L21Classifier(alpha=1e-3), 6.0),
    # FISTA: the products at its two last points, and the extrapolated point's, where
    # its gradient then goes (measured 3.35; 4.17 with a rejected step's product
    # alive beside the next one, 5.17 with s * A W formed for the normal product and
    # the step's point scored as zW + b, 6.17 with the gradient in an array of its
    # own, 7.17 with the extrapolated point's product in another, 8.17 at 7786d1a);
    # with intercepts the centred targets too (measured 4.42; 6.17 before)
    (L21Regressor(alpha=1e-4, solver="fista", fit_intercept=False), 3.75),
    (L21Regressor(alpha=1e-4, solver="fista"), 4.75),
])
def test_sparse_fit_holds_few_arrays_of_targets(est, bound):
    # with a small X, a sparse fit's peak is its arrays of Y's shape (masks and the
    # sums' blocks take the rest of the bound)
    rng = np.random.default_rng(8)
    n, d, T = 40000, 100, 20
    X = sp.random(n, d, density=0.002, format="csc", random_state=rng)
    Y = np.asarray(X[:, :5] @ rng.standard_normal((5, T))) + 0.1 * rng.standard_normal((n, T))
    if isinstance(est, L21Classifier):
        Y = np.where(Y > np.median(Y, axis=0), 1.0, -1.0)
    peak = _peak_allocations(est, X, Y)
    assert est.n_iter_ > 1
    assert peak < bound * Y.nbytes, f"{peak / Y.nbytes:.2f} times Y at peak"


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("make", [_shared, _per_task])
def test_sparse_curvature_by_blocks(make, fmt, monkeypatch):
    X, Y = make(np.random.default_rng(7), d=20)
    X[:, 3] = 0.0  # an empty column
    X[5] = 0.0  # an empty row
    if make is _shared:
        Y[::4, 1] = np.nan  # weights differ down a column
    A = sp.csr_matrix(X).asformat(fmt)
    A.data[1] = 0.0  # an explicit zero: still canonical
    ref_design = _design(A.toarray(), Y)
    ref = _design_module.weighted_curvature(ref_design, ref_design.s, ref_design.xbar)
    # blocks of a few values: several rows (CSR) or columns (CSC) per block, some
    # rows or columns longer than a block
    blocked = functools.partial(_design_module._sparse_weighted_squares, block_nnz=5)
    monkeypatch.setattr(_design_module, "_sparse_weighted_squares", blocked)
    for M in (A, _with_duplicates(A)):
        design = _design(M, Y)
        got = _design_module.weighted_curvature(design, design.s, design.xbar)
        assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


def _with_duplicates(A):
    """The same matrix with its first stored value split into two duplicate entries."""
    data = np.insert(A.data, 1, 0.25 * A.data[0])
    data[0] *= 0.75
    indices = np.insert(A.indices, 1, A.indices[0])
    indptr = A.indptr.copy()
    first = np.searchsorted(A.indptr, 0, side="right") - 1  # the major index of entry 0
    indptr[first + 1:] += 1
    M = type(A)((data, indices, indptr), shape=A.shape)
    assert not M.has_canonical_format
    return M


def test_fully_observed_squared_loss_keeps_targets_and_weights_uncopied():
    rng = np.random.default_rng(8)
    X, Y = _shared(rng)
    Yc, _, _, n_obs = check_targets(Y, X.shape[0], False, name="y")
    design, _ = build_design(X, Yc, False, None, n_obs=n_obs, loss="squared")
    assert design.y is Yc or np.shares_memory(design.y, Yc)
    # the weights: one row seen n times (read-only), not an (n, T) array
    assert design.s.strides[0] == 0 and not design.s.flags.writeable
    assert_allclose(design.s, np.full(Y.shape, 1.0 / X.shape[0]))
    # the logistic kernels read flat arrays: their weights stay a real array
    Yl = np.where(Y > 0, 1.0, -1.0)
    design, _ = build_design(X, Yl, False, None, n_obs=n_obs, loss="logistic")
    assert design.s.flags.c_contiguous and design.s.strides[0] != 0
    # a fit leaves the user's targets as they were
    Y_before = Y.copy()
    L21Regressor(alpha=0.05, fit_intercept=False, solver="bcd").fit(X, Y)
    L21Regressor(alpha=0.05, fit_intercept=False, solver="fista").fit(X, Y)
    np.testing.assert_array_equal(Y, Y_before)


def _compiled_signatures():
    from numba.core.registry import CPUDispatcher

    out = set()
    for name in ("mtlreg._kernels", "mtlreg._logistic", "mtlreg._vecmath", "mtlreg._observed",
                 "mtlreg.solvers.bcd_dense"):
        for attr, value in vars(importlib.import_module(name)).items():
            if isinstance(value, CPUDispatcher):
                out.update((attr, sig) for sig in value.signatures)
    return out


def _read_only_view(a):
    view = a.view()
    view.flags.writeable = False
    return view


def test_writable_view():
    a = np.arange(6.0).reshape(2, 3).copy()
    view = _read_only_view(a)  # what pandas 3 gives for a DataFrame's values
    got = _design_module.writable_view(view)
    assert got.flags.writeable and np.shares_memory(got, a) and not view.flags.writeable
    assert _design_module.writable_view(a) is a
    a.setflags(write=False)  # read-only memory itself: left as it is
    assert _design_module.writable_view(a) is a
    assert not _design_module.writable_view(_read_only_view(a)).flags.writeable


def test_views_and_read_only_targets_reach_kernels_as_real_arrays():
    # read-only or broadcast arrays (the weights' view, a user's read-only Y, broadcast
    # thresholds, pandas 3's read-only views of a DataFrame's values) are typed by Numba
    # as other arrays: a second compiled version of a kernel, ~1-16 s on a cold cache.
    # Fits of every kind on read-only targets, and on read-only views of X.
    from numba.core import types

    rng = np.random.default_rng(9)
    X = rng.standard_normal((60, 8))
    Y = rng.standard_normal((60, 3))
    Yc = np.sign(Y)
    for A in (Y, Yc):
        A.setflags(write=False)
    before = _compiled_signatures()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for XX in (X, np.asfortranarray(X), sp.csr_matrix(X), sp.csc_matrix(X),
                   _read_only_view(X), _read_only_view(np.asfortranarray(X))):
            for name in ("Lasso", "L21", "TraceNorm", "MeanRegularized"):
                for fi in (True, False):
                    reg = getattr(mtlreg, name + "Regressor")
                    reg(alpha=0.05, fit_intercept=fi).fit(XX, Y)
                    reg(alpha=0.05, fit_intercept=fi).fit(XX, Y[:, :1])
                    getattr(mtlreg, name + "Classifier")(alpha=0.05, fit_intercept=fi).fit(XX, Yc)
            L21Regressor(alpha=0.05, solver="fista").fit(XX, Y)
            LassoRegressor(alpha=0.05, solver="bcd").fit(XX, Y)
        # a DataFrame, and read-only views of writable targets (pandas 3 gives both)
        L21Regressor(alpha=0.05).fit(pd.DataFrame(X), pd.DataFrame(Y))
        Yv = _read_only_view(np.array(Y))
        L21Regressor(alpha=0.05).fit(_read_only_view(X), Yv)
        LassoRegressor(alpha=0.05, solver="fista").fit(X, Yv[:, 0])
    new = _compiled_signatures() - before
    odd = sorted((name, str(a)) for name, sig in new for a in sig
                 if isinstance(a, types.Array) and (not a.mutable or a.layout == "A"))
    assert not odd, odd


def test_csc_epochs_read_one_row_of_shared_weights():
    # all targets observed: the CSC epochs read the weights' one row instead of an
    # array of R's size, with the same result up to rounding (the one row multiplies
    # each task's sum, an array of weights each term)
    from mtlreg import _kernels

    rng = np.random.default_rng(10)
    n, d, T = 50, 9, 3
    X = sp.random(n, d, density=0.4, format="csc", random_state=rng)
    s_row = rng.random((1, T)) + 0.5
    R0 = rng.standard_normal((n, T))
    xbar = rng.random((d, T))
    lip = 1.0 + np.repeat(np.asarray(X.power(2).sum(axis=0)).T, T, axis=1)
    out = []
    for S in (s_row, np.repeat(s_row, n, axis=0)):
        R, W, offset = R0.copy(), np.zeros((d, T)), np.full(T, 0.3)
        for _ in range(3):
            _kernels.bcd_epoch_csc(X.data, X.indices, X.indptr, xbar, S, R, offset, W, lip,
                                   np.arange(d), 0.0, 0.05, 0.0, NO_MASK)
        out.append((W, R))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-12, atol=1e-12)
    assert np.any(out[0][0] != 0.0)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("layout, solver", [("full", "bcd"), ("full", "fista"),
                                            ("stacked", "bcd")])
def test_column_gathers_by_blocks_give_the_same_fit(layout, solver, sparse, monkeypatch):
    # products with a subset of columns (a sparse model's support on the full layout,
    # coordinate descent's working-set gaps) gather a block of columns at a time; tiny
    # blocks here, several per product
    rng = np.random.default_rng(11)
    n, d, T = 120, 200, 3
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.5)
    W = np.zeros((d, T))
    W[:4] = rng.standard_normal((4, T))  # a small support: few columns in use
    Y = X @ W + 0.1 * rng.standard_normal((n, T))
    if layout == "full":
        Y[::5, 0] = np.nan  # not the compiled loop of fully observed small designs
    else:
        own = np.arange(n) % T
        Y = np.where(np.arange(T) == own[:, None], Y, np.nan)
    if sparse:
        X = sp.csc_matrix(X)
    est = L21Regressor(alpha=0.05, tol=1e-12, solver=solver, max_iter=100_000)
    ref = est.fit(X, Y).coef_.copy()
    gathers = []
    blocks = _design_module.column_blocks

    def counted(A, cols, n_tasks):
        out = blocks(A, cols, n_tasks)
        gathers.append(len(out))
        return out

    monkeypatch.setattr(_design_module, "_GATHER_BYTES", 8 * X.shape[0] * 2)
    monkeypatch.setattr(_design_module, "_GATHER_OUTPUTS", 0)
    monkeypatch.setattr(_design_module, "column_blocks", counted)
    monkeypatch.setattr(bcd_module, "column_blocks", counted)
    got = est.fit(X, Y).coef_
    # the stacked layout's sparse matrix is CSR, whose columns are gathered at once
    assert gathers and (max(gathers) == 1 if sparse and layout == "stacked"
                        else max(gathers) > 1)
    assert_allclose(got, ref, rtol=1e-9, atol=1e-12)


def _gathers(monkeypatch):
    """Record the column copies coordinate descent makes: (kind, number of columns)."""
    made = []
    columns = bcd_module._columns

    def recorded(design, ws=None):
        cache = design.__dict__.get("_cache", {})
        before = (cache.get("columns"), cache.get("ws_columns"))
        Xc, cols = columns(design, ws)
        if cols is not ws and (before[1] is None or before[1][1] is not Xc):
            made.append(("working set", len(cols)))
        elif cols is ws and before[0] is None and Xc is not design.__dict__.get(
                "X" if design.layout == "full" else "Xs"):
            made.append(("all", Xc.shape[1]))
        return Xc, cols

    monkeypatch.setattr(bcd_module, "_columns", recorded)
    return made


@pytest.mark.parametrize("fmt", ["C", "csr"])
@pytest.mark.parametrize("make", [_shared, _per_task])
@pytest.mark.parametrize("est", [
    L21Regressor(alpha=0.05, tol=1e-10, solver="bcd"),
    LassoRegressor(alpha=0.05, tol=1e-10, solver="bcd"),
    LassoRegressor(alpha=0.05, tol=1e-8, solver="bcd", fit_intercept=False, max_iter=10_000),
    L21Classifier(alpha=0.02, tol=1e-8),  # proximal Newton's epochs
])
def test_working_set_columns_copied_alone(est, make, fmt, monkeypatch):
    # a C-ordered or CSR X is copied for coordinate descent only as far as the working
    # set's columns go; the epochs and gap checks then read the copy by position, and
    # the fit is the one a copy of every column gives, to the last bit
    rng = np.random.default_rng(12)
    X, Y = make(rng, d=400, density=0.5)
    W = np.zeros((400, Y.shape[1]))
    W[:4] = rng.standard_normal((4, Y.shape[1]))
    Y = np.where(np.isnan(Y), np.nan, X @ W + 0.1 * rng.standard_normal(Y.shape))
    if make is _shared:
        Y[::7, 0] = np.nan  # the Python loop, not the compiled one of small designs
    if isinstance(est, L21Classifier):
        Y = np.where(np.isnan(Y), np.nan, np.where(Y > np.nanmedian(Y, axis=0), 1.0, 0.0))
    A = sp.csr_matrix(X) if fmt == "csr" else np.ascontiguousarray(X)
    monkeypatch.setattr(bcd_module, "_GATHER_MIN_BYTES", 2**62)
    made = _gathers(monkeypatch)
    ref = est.fit(A, Y)
    ref_coef, ref_b, ref_iter = ref.coef_.copy(), ref.intercept_.copy(), ref.n_iter_
    assert [kind for kind, _ in made] == ["all"]
    made.clear()
    monkeypatch.setattr(bcd_module, "_GATHER_MIN_BYTES", 0)
    got = est.fit(A, Y)
    # (once the working sets add up to half of X's columns, a copy of every column serves)
    assert made[0][0] == "working set" and [kind for kind, _ in made].count("all") <= 1
    assert all(size <= 200 for kind, size in made if kind == "working set")
    np.testing.assert_array_equal(got.coef_, ref_coef)
    np.testing.assert_array_equal(got.intercept_, ref_b)
    assert got.n_iter_ == ref_iter
    assert np.count_nonzero(np.any(ref_coef != 0.0, axis=0)) >= 2


def test_working_set_copies_along_a_path_cost_at_most_half_a_copy_of_x(monkeypatch):
    # a path's alphas each copy their working sets' columns until half as many columns
    # as X has were copied; then one copy of every column serves the rest of the path
    from mtlreg.model_selection import l21_path

    X, Y = _per_task(np.random.default_rng(13), d=300, density=0.5)
    X = np.ascontiguousarray(X)
    ref = l21_path(X, Y, n_alphas=15, eps=0.05, tol=1e-6)
    monkeypatch.setattr(bcd_module, "_GATHER_MIN_BYTES", 0)
    made = _gathers(monkeypatch)
    got = l21_path(X, Y, n_alphas=15, eps=0.05, tol=1e-6)
    gathered = sum(size for kind, size in made if kind == "working set")
    assert 0 < gathered <= X.shape[1] / 2
    assert [kind for kind, _ in made].count("all") == 1
    for a, b in zip(ref, got, strict=True):
        np.testing.assert_array_equal(a, b)


def test_working_set_columns_keep_a_dense_c_ordered_fit_small():
    # 200 tasks' rows grouped, C order (the stacked layout reads X itself): a sparse
    # model's fit held a column-major copy of all of X, 1.2-1.4 times X at peak
    rng = np.random.default_rng(14)
    T, n_t, d = 10, 200, 1000
    X, Y = _per_task(rng, n_t=n_t, d=d, T=T, density=1.0)
    W = np.zeros(d)
    W[:5] = 1.0
    Y = np.where(np.isnan(Y), np.nan, (X @ W)[:, None] + rng.standard_normal(Y.shape))
    est = L21Regressor(alpha=mtlreg.alpha_max(X, Y) / 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X[::20], Y[::20])  # every task: kernels compiled before the measurement
    tracemalloc.start()
    try:
        est.fit(X, Y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0 < np.count_nonzero(np.any(est.coef_ != 0.0, axis=0)) < d / 4
    assert peak < 0.5 * X.nbytes, f"{peak / X.nbytes:.2f} times X at peak"


def test_one_column_working_set_copied_column_major(monkeypatch):
    # an (n, 1) copy is C-contiguous too: Numba typed it C-ordered and compiled a second
    # version of each kernel, whose sums went in another order (fits differed in the
    # last bits from those of a whole copy)
    import numba

    rng = np.random.default_rng(15)
    X, Y = _per_task(rng, n_t=40, d=30, density=1.0)
    X = np.ascontiguousarray(X)
    monkeypatch.setattr(bcd_module, "_GATHER_MIN_BYTES", 0)
    Xc, cols = _columns(_design(X, Y), np.array([7]))
    assert numba.typeof(Xc).layout == "F"
    np.testing.assert_array_equal(Xc[:, cols], X[:, [7]])
    # fits whose working sets start with one feature
    fits = []
    for min_bytes in (0, 2**62):
        monkeypatch.setattr(bcd_module, "_GATHER_MIN_BYTES", min_bytes)
        for cls, penalty in ((LassoRegressor, "lasso"), (L21Regressor, "l21")):
            alpha = 0.9 * mtlreg.alpha_max(X, Y, penalty=penalty)
            fits.append(cls(alpha=alpha, tol=1e-8, solver="bcd").fit(X, Y).coef_.copy())
    for got, ref in zip(fits[:2], fits[2:], strict=True):
        assert np.count_nonzero(ref) > 0
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("fmt", ["csc", "csr"])
def test_shared_sparse_curvature_allocates_nothing_of_x_size(fmt):
    # proximal Newton's curvatures come at its peak, beside its arrays of Y's shape;
    # squared by blocks they held a block's squares and scipy's copy of its indices
    # (1.5 MB on 20,000 x 5,000 at 1 %)
    rng = np.random.default_rng(16)
    X = sp.random(20000, 2000, density=0.01, format=fmt, random_state=rng)
    Y = rng.standard_normal((20000, 2))
    Y[::3, 1] = np.nan  # weights that differ down a column
    design = _design(X, Y)
    S = rng.random(design.s.shape) * (design.s > 0)
    curvature = _design_module.weighted_curvature
    curvature(design, S, design.xbar)  # compiled before the measurement
    tracemalloc.start()
    try:
        got = curvature(design, S, design.xbar)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    assert peak < 0.05 * x_bytes, f"{peak / x_bytes:.3f} times X at peak"
    dense = _design(X.toarray(), Y)
    assert_allclose(got, curvature(dense, S, dense.xbar), rtol=1e-12, atol=1e-14)


def _pool_reads(monkeypatch):
    """Record the bounded pool's placements: (capacity, pooled, read from X)."""
    from mtlreg.solvers._column_pool import ColumnPool

    seen = []
    place = ColumnPool.place

    def recorded(self, ws, preferred=None):
        slots, pooled, rest = place(self, ws, preferred)
        # the pooled copies are X's columns
        np.testing.assert_array_equal(self.buf[:, slots], self.X[:, pooled])
        seen.append((self.capacity, len(pooled), len(rest)))
        return slots, pooled, rest

    monkeypatch.setattr(ColumnPool, "place", recorded)
    return seen


@pytest.mark.parametrize("make", [_shared, _per_task])
@pytest.mark.parametrize("est", [
    L21Regressor(alpha=0.01, tol=1e-10, solver="bcd"),
    LassoRegressor(alpha=0.01, tol=1e-10, solver="bcd"),
    L21Classifier(alpha=0.005, tol=1e-10),  # proximal Newton's epochs
])
def test_working_memory_bounds_the_column_copies(est, make, monkeypatch):
    # a C-ordered X whose column-major copy would be larger than scikit-learn's
    # working_memory is copied only in part (at most that much, and a third of its
    # columns); the working sets' other columns are read from X itself, and the fit
    # is the one from Fortran order
    import sklearn

    rng = np.random.default_rng(17)
    X, Y = make(rng, d=60, density=1.0, **({"n": 200} if make is _shared else {"n_t": 80}))
    if make is _shared:
        Y[::7, 0] = np.nan  # the Python loop, not the compiled one of small designs
    if isinstance(est, L21Classifier):
        Y = np.where(np.isnan(Y), np.nan, np.where(Y > np.nanmedian(Y, axis=0), 1.0, 0.0))
    ref = est.fit(np.asfortranarray(X), Y)
    ref_coef, ref_b = ref.coef_.copy(), ref.intercept_.copy()
    assert np.count_nonzero(np.any(ref_coef != 0.0, axis=0)) > 20  # a dense model
    monkeypatch.setattr(bcd_module, "_GATHER_MIN_BYTES", 0)
    seen = _pool_reads(monkeypatch)
    XC = np.ascontiguousarray(X)
    with sklearn.config_context(working_memory=10 * 8 * X.shape[0] / 2**20):
        got = est.fit(XC, Y)
    assert seen and all(capacity == 10 for capacity, _, _ in seen)
    assert max(rest for _, _, rest in seen) > 0 and max(p for _, p, _ in seen) == 10
    assert_allclose(got.coef_, ref_coef, rtol=1e-6, atol=1e-8)
    assert_allclose(got.intercept_, ref_b, rtol=1e-6, atol=1e-8)
    # a third of the columns at most, whatever the working memory
    seen.clear()
    with sklearn.config_context(working_memory=0.5 * XC.nbytes / 2**20):
        est.fit(XC, Y)
    assert seen and all(capacity == 20 for capacity, _, _ in seen)
    # and none when the whole copy fits (the default, for any X of this size)
    seen.clear()
    assert_allclose(est.fit(XC, Y).coef_, ref_coef, rtol=1e-6, atol=1e-8)
    assert not seen


def test_column_pool_keeps_the_working_sets_columns():
    from mtlreg.solvers._column_pool import ColumnPool

    rng = np.random.default_rng(18)
    X = rng.standard_normal((30, 12))
    pool = ColumnPool(X, 4)
    assert pool.buf.shape == (30, 4) and pool.buf.flags.f_contiguous
    slots, pooled, rest = pool.place(np.array([1, 3, 5, 7, 9, 11]),
                                     np.array([False, False, True, False, True, False]))
    # the preferred columns first, then the others in order, up to the capacity
    np.testing.assert_array_equal(pooled, [1, 3, 5, 9])
    np.testing.assert_array_equal(rest, [7, 11])
    np.testing.assert_array_equal(pool.buf[:, slots], X[:, pooled])
    # columns of the next working set stay where they are; those outside it give up
    # their slots to its missing ones
    before = pool.slot_of[[3, 9]].copy()
    slots, pooled, rest = pool.place(np.array([0, 3, 9, 10]))
    np.testing.assert_array_equal(pooled, [0, 3, 9, 10])
    assert rest.size == 0
    np.testing.assert_array_equal(pool.slot_of[[3, 9]], before)
    np.testing.assert_array_equal(pool.buf[:, slots], X[:, pooled])
    assert pool.slot_of[1] == pool.slot_of[5] == -1 and pool.used == 4
    np.testing.assert_array_equal(pool.rows(np.arange(12) * 10), pool.col_of * 10)


def test_working_memory_keeps_a_dense_models_fit_within_half_of_x():
    # a dense model on a C-ordered X: the default copies every column (as scikit-learn
    # does); under a working memory smaller than X, the fit holds at most a third of
    # X's columns besides X
    import sklearn

    rng = np.random.default_rng(19)
    T, n_t, d = 10, 400, 1000  # X: 32 MB
    X, Y = _per_task(rng, n_t=n_t, d=d, T=T, density=1.0)
    est = L21Regressor(alpha=mtlreg.alpha_max(X, Y) / 50, tol=1e-3)
    peaks = {}
    for memory in (1024, 8):
        with sklearn.config_context(working_memory=memory), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X[:, :300].copy(), Y)  # every kernel compiled before the measurement
            tracemalloc.start()
            try:
                est.fit(X, Y)
                peaks[memory] = tracemalloc.get_traced_memory()[1] / X.nbytes
            finally:
                tracemalloc.stop()
    assert np.count_nonzero(np.any(est.coef_ != 0.0, axis=0)) > d / 2
    assert peaks[1024] > 1.0 and peaks[8] < 0.5, peaks


def _sparse_truth(rng, make, n=200, d=600, T=8, k=10):
    """X and Y with k non-zero entries per task (shared rows or one task per row)."""
    X = rng.standard_normal((n, d))
    W = np.zeros((d, T))
    for t in range(T):
        W[rng.choice(d, k, replace=False), t] = 3.0 * rng.standard_normal(k)
    if make is _per_task:
        n_t = n // T
        Y = np.full((n, T), np.nan)
        for t in range(T):
            rows = slice(t * n_t, (t + 1) * n_t)
            Y[rows, t] = X[rows] @ W[:, t] + 0.1 * rng.standard_normal(n_t)
    else:
        Y = X @ W + 0.1 * rng.standard_normal((n, T))
        Y[::7, 0] = np.nan  # the Python loop, not the compiled one of small designs
    return X, Y


@pytest.mark.parametrize("make", [_shared, _per_task])
@pytest.mark.parametrize(("cls", "capacity", "div"), [
    (LassoRegressor, 190, 5), (LassoRegressor, 190, 10),  # few active entries
    (L21Regressor, 190, 5), (L21Regressor, 30, 5),  # gathers from the pool, and from X
])
def test_pooled_gap_checks_equal_those_without_the_pool(cls, capacity, div, make,
                                                        monkeypatch):
    # the working-set gap reads the pool's buffer when it holds the whole working set
    # (its columns at their slots, not in the working set's order) and X otherwise: at
    # every check, the gap is the one computed without the pool
    import sklearn

    X, Y = _sparse_truth(np.random.default_rng(20), make)
    alpha = mtlreg.alpha_max(X, Y) / div
    monkeypatch.setattr(bcd_module, "_GATHER_MIN_BYTES", 0)
    gap, pool = bcd_module._restricted_gap, bcd_module._pool
    branches = []

    def checked(design, loss, penalty, W, R, offset, mask, ws, active=NO_MASK):
        got = gap(design, loss, penalty, W, R, offset, mask, ws, active)
        monkeypatch.setattr(bcd_module, "_pool", lambda design: None)
        try:
            ref = gap(design, loss, penalty, W, R, offset, mask, ws, active)
        finally:
            monkeypatch.setattr(bcd_module, "_pool", pool)
        assert_allclose(got[0], ref[0], rtol=1e-9, atol=1e-14)
        if pool(design) is None:  # the reference fit, from Fortran order
            return got
        held = bool(np.all(pool(design).slot_of[ws] >= 0))
        entries = active.size and 3 * int(active.sum()) < active.size
        if entries or 3 * len(ws) <= design.n_features:
            branches.append(("entries " if entries else "columns ")
                            + ("pooled" if held else "from X"))
        return got

    monkeypatch.setattr(bcd_module, "_restricted_gap", checked)
    est = cls(alpha=alpha, tol=1e-10, solver="bcd", max_iter=5000)
    ref = est.fit(np.asfortranarray(X), Y).coef_.copy()
    with sklearn.config_context(working_memory=capacity * 8 * X.shape[0] / 2**20):
        got = est.fit(np.ascontiguousarray(X), Y).coef_
    assert_allclose(got, ref, rtol=1e-8, atol=1e-10)
    kind = "entries" if cls is LassoRegressor else "columns"
    # a working set larger than the pool: its gap reads X
    assert f"{kind} {'from X' if capacity < 50 else 'pooled'}" in branches


@pytest.mark.parametrize(("l1", "l21"), [(0.0, 0.05), (0.05, 0.0)])
def test_pooled_epochs_see_changes_made_to_w_between_them(l1, l21, monkeypatch):
    # the pool's epochs keep W's working-set rows by slot: they take them from W again
    # at every epoch, so that a change made between epochs (an extrapolation's
    # W[...] = W_acc) is seen; the epochs are those from Fortran order
    import sklearn

    from mtlreg._design import column_curvature

    rng = np.random.default_rng(21)
    n, d, T = 300, 80, 3
    X = rng.standard_normal((n, d))
    Y = X[:, :30] @ rng.standard_normal((30, T)) + rng.standard_normal((n, T))
    Y[::5, 1] = np.nan
    ws = np.arange(60, dtype=np.int64)
    active = (NO_MASK if l1 == 0.0
              else (np.random.default_rng(5).random((d, T)) < 0.6).astype(np.uint8))
    monkeypatch.setattr(bcd_module, "_GATHER_MIN_BYTES", 0)
    out = []
    for A, memory in ((np.asfortranarray(X), 1024), (np.ascontiguousarray(X), 20 * 8 * n / 2**20)):
        design = _design(A, Y)
        lip = np.ascontiguousarray(column_curvature(design))
        W, offset = np.zeros((d, T)), np.zeros(T)
        R = np.asfortranarray(design.y.copy())
        R[design.s == 0] = 0.0
        with sklearn.config_context(working_memory=memory):
            epoch = bcd_module.epoch_function(design, design.s, design.xbar, R, offset, W,
                                              lip, l1, l21, 0.0)
            pool = bcd_module._pool(design)
            for k in range(6):
                epoch(ws, active)
                if k == 2:
                    dW = np.zeros_like(W)
                    dW[ws] = 0.01 * np.random.default_rng(9).standard_normal((len(ws), T))
                    W += dW
                    R -= np.asfortranarray(design.forward(dW) * (design.s > 0))
        out.append((W, np.array(R), pool))
    assert out[0][2] is None and out[1][2].capacity == 20
    assert_allclose(out[1][0], out[0][0], rtol=1e-10, atol=1e-12)
    assert_allclose(out[1][1], out[0][1], rtol=1e-10, atol=1e-12)
