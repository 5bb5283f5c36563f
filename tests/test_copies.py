"""What a fit reads in place and what it copies (docs/data_layout.rst, "Memory")."""

import importlib

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from mtlreg import L21Regressor, LassoRegressor
from mtlreg._base import build_design, check_targets
from mtlreg.solvers.bcd import _columns

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
    assert _columns(_design(XF, Y)) is XF
    XC = np.ascontiguousarray(X)
    Xc = _columns(_design(XC, Y))
    assert Xc.flags.f_contiguous and not np.shares_memory(Xc, XC)


@pytest.mark.parametrize("make, layout", [(_shared, "full"), (_per_task, "stacked")])
def test_canonical_csc_read_in_place_by_coordinate_descent(make, layout, monkeypatch):
    X, Y = make(np.random.default_rng(1))
    X_csc = sp.csc_matrix(X)
    design = _design(X_csc, Y)
    assert design.layout == layout
    assert _columns(design) is X_csc
    if layout == "full":
        assert design.X is X_csc  # the products use it too: no CSR copy
    # through the estimator too: the epochs read the user's matrix
    read = []
    monkeypatch.setattr(bcd_module, "_columns",
                        lambda d: read.append(_columns(d)) or read[-1])
    fits = [L21Regressor(alpha=0.05, tol=1e-12, solver="bcd").fit(X_csc, Y)]
    assert read and all(c is X_csc for c in read)
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
        assert _columns(design) is not A
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
    Xc = _columns(_design(X_unsorted, Y))
    assert Xc is not X_unsorted and Xc.has_sorted_indices
    np.testing.assert_array_equal(X_unsorted.indices, before)
    ref = LassoRegressor(alpha=0.05, tol=1e-12, solver="bcd").fit(X_csc, Y)
    got = LassoRegressor(alpha=0.05, tol=1e-12, solver="bcd").fit(X_unsorted, Y)
    assert_allclose(got.coef_, ref.coef_, atol=1e-10)
    np.testing.assert_array_equal(X_unsorted.indices, before)
