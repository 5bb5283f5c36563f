"""Coordinate descent compiled end to end (dense designs, every target observed).

Each compiled piece is checked against the Python code it replaces: the duality
gap against ``Problem.criterion`` and ``bcd._restricted_gap``, the working set
against ``bcd.working_set``, the small solve against LAPACK; and whole fits
against the Python outer loop.
"""

import importlib

import numpy as np
import pytest
import scipy.sparse as sp

from mtlreg._base import build_problem, check_targets
from mtlreg.penalties import L1Penalty, L21Penalty
from mtlreg.solvers import bcd_dense

bcd_module = importlib.import_module("mtlreg.solvers.bcd")


def _problem(penalty, fit_intercept=True, weights=None, n=40, d=12, T=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + 0.3
    W = np.zeros((d, T))
    W[: d // 3] = rng.standard_normal((d // 3, T))
    Y = X @ W + 0.5 * rng.standard_normal((n, T))
    Yenc, _, _, _ = check_targets(Y, n, False)
    return build_problem(X, Yenc, "squared", penalty, fit_intercept, weights)[0]


def _state(prob, W):
    """The compiled loop's arguments at coefficients W: residual of the centred model
    with the best intercepts, zero offsets."""
    d = prob.design
    zW = d.forward(W)
    b = prob.best_intercept(zW, np.zeros(d.n_tasks))
    rho = np.asfortranarray(d.y - zW - d.expand(b))
    return b, rho


def _task_major(a):
    """A column-major (n_samples, n_tasks) array as the dense kernels take it: its
    transpose, C-ordered."""
    return np.ascontiguousarray(np.asarray(a).T)


def _random_W(prob, seed, density=0.5):
    rng = np.random.default_rng(seed)
    shape = (prob.design.n_features, prob.design.n_tasks)
    return np.where(rng.random(shape) < density, rng.standard_normal(shape), 0.0)


PENALTIES = [L1Penalty(0.05), L21Penalty(0.1), L1Penalty(0.05, l2=0.3), L21Penalty(0.1, l2=0.2),
             L21Penalty(0.0, l2=0.5)]
IDS = ["lasso", "l21", "lasso+l2", "l21+l2", "ridge"]


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("penalty", PENALTIES, ids=IDS)
def test_full_gap_equals_the_problem_criterion(penalty, fit_intercept):
    prob = _problem(penalty, fit_intercept, weights="balanced")
    d = prob.design
    for seed in range(3):
        W = _random_W(prob, seed)
        b, rho = _state(prob, W)
        rows = np.arange(d.n_features)
        V = np.empty(W.shape)
        bcd_dense._gradient(np.asfortranarray(d.X), _task_major(rho), d.xbar,
                            np.ascontiguousarray(d.s[0]), rows, bcd_module.NO_MASK, V)
        gap, primal = bcd_dense._gap(V, _task_major(rho), _task_major(d.y),
                                     np.ascontiguousarray(d.s[0]), W, rows,
                                     *penalty.row_params())
        V_blas = np.empty(W.shape)
        bcd_dense._full_gradient(np.asfortranarray(d.X), _task_major(rho), d.xbar,
                                 np.ascontiguousarray(d.s[0]), V_blas)
        np.testing.assert_allclose(V_blas, V, rtol=1e-12, atol=1e-13)
        crit, kind, _, primal_ref, V_ref = prob.criterion(W, b, 1.0)
        assert kind == "gap"
        np.testing.assert_allclose(V, V_ref, rtol=1e-12, atol=1e-13)
        assert primal == pytest.approx(primal_ref, rel=1e-12)
        assert gap == pytest.approx(crit, rel=1e-9, abs=1e-12)
        assert gap > 0.0


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("T", [2, bcd_dense._FEW_TASKS - 1, bcd_dense._FEW_TASKS, 9])
def test_full_gradient_through_loops_and_blas(T, fit_intercept):
    # few tasks take the loops, more take BLAS: both equal the design's adjoint, the
    # residual shifted so that its columns do not sum to zero (the centring term counts)
    prob = _problem(L21Penalty(0.1), fit_intercept=fit_intercept, weights="balanced", T=T)
    d = prob.design
    _, rho = _state(prob, _random_W(prob, 4))
    rho = np.asfortranarray(rho + np.linspace(0.5, 1.5, T))
    V = np.empty((d.n_features, T))
    bcd_dense._full_gradient(np.asfortranarray(d.X), _task_major(rho), d.xbar,
                             np.ascontiguousarray(d.s[0]), V)
    np.testing.assert_allclose(V, d.adjoint(d.s * rho), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("penalty", PENALTIES[:4], ids=IDS[:4])
def test_restricted_gap_equals_the_python_one(penalty):
    prob = _problem(penalty)
    d = prob.design
    W = _random_W(prob, 1, density=0.3)
    b, rho = _state(prob, W)
    ws = np.array([0, 2, 3, 7, 11], dtype=np.int64)
    W[np.setdiff1d(np.arange(d.n_features), ws)] = 0.0  # rows outside the set are zero
    b, rho = _state(prob, W)
    rng = np.random.default_rng(3)
    masks = [bcd_module.NO_MASK]
    if penalty.row_params()[1] == 0.0:
        active = (rng.random(W.shape) < 0.6).astype(np.uint8)
        active[W != 0] = 1
        masks.append(active)
    for active in masks:
        V = np.empty(W.shape)
        bcd_dense._gradient(np.asfortranarray(d.X), _task_major(rho), d.xbar,
                            np.ascontiguousarray(d.s[0]), ws, active, V)
        gap, _ = bcd_dense._gap(V, _task_major(rho), _task_major(d.y),
                                np.ascontiguousarray(d.s[0]), W, ws, *penalty.row_params())
        ref, _ = bcd_module._restricted_gap(d, prob.loss, penalty, W, np.asarray(rho),
                                            np.zeros(d.n_tasks), d.s > 0, ws, active)
        assert gap == pytest.approx(ref, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("penalty", PENALTIES[:2], ids=IDS[:2])
def test_working_set_equals_the_python_one(penalty):
    prob = _problem(penalty, d=60, T=4)
    W = _random_W(prob, 2, density=0.05)
    V = np.random.default_rng(5).standard_normal(W.shape) * 0.1
    l1, l21, _ = penalty.row_params()
    for ws_size, p0 in ((3, 2), (10, 5), (100, 50)):
        ws, size, active = bcd_dense._working_set(W, V, l1 + l21, ws_size, p0, l21 == 0.0)
        ws_ref, size_ref, active_ref = bcd_module.working_set(
            penalty, W, V, l1 + l21, ws_size, p0, separable=l21 == 0.0)
        np.testing.assert_array_equal(ws, ws_ref)
        assert size == size_ref
        np.testing.assert_array_equal(active, active_ref)


def test_small_solve_matches_lapack_and_flags_singular_systems():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 5))
    G = A @ A.T + 1e-3 * np.eye(5)
    rhs = np.ones(5)
    np.testing.assert_allclose(bcd_dense._solve_small(G, rhs), np.linalg.solve(G, rhs),
                               rtol=1e-9)
    # a zero pivot needs row exchanges, which must not change the answer
    P = np.array([[0.0, 2.0], [3.0, 1.0]])
    np.testing.assert_allclose(bcd_dense._solve_small(P, np.ones(2)),
                               np.linalg.solve(P, np.ones(2)))
    assert np.all(np.isnan(bcd_dense._solve_small(np.zeros((3, 3)), np.ones(3))))


def _fit(prob, monkeypatch, compiled, **kw):
    with monkeypatch.context() as m:
        if not compiled:
            m.setattr(bcd_module, "_compiled_loop_applies", lambda *a: False)
        else:
            calls = kw.pop("calls")
            for name in ("bcd_dense_observed", "bcd_dense_observed_blocks"):
                m.setattr(bcd_module, name, _counting(getattr(bcd_module, name), calls, name))
        d = prob.design
        return bcd_module.bcd(prob, np.zeros((d.n_features, d.n_tasks)),
                              np.zeros(d.n_tasks), **kw)


def _counting(fn, calls, name):
    def wrapped(*args):
        calls.append(name)
        return fn(*args)

    return wrapped


@pytest.mark.parametrize("anderson", [0, 5])
@pytest.mark.parametrize("T", [2, 8])
@pytest.mark.parametrize("penalty", PENALTIES, ids=IDS)
def test_compiled_fit_reaches_the_python_loops_solution(penalty, T, anderson, monkeypatch):
    prob = _problem(penalty, weights=np.linspace(0.5, 2.0, T), T=T, d=12, n=30)
    calls = []
    res = _fit(prob, monkeypatch, True, calls=calls, tol=1e-12, max_iter=100000,
               anderson=anderson)
    ref = _fit(prob, monkeypatch, False, tol=1e-12, max_iter=100000, anderson=anderson)
    assert calls, "the compiled loop did not run"
    assert res["converged"] and ref["converged"]
    threshold = prob.thresholds(1e-12)["gap"]
    # a gap is >= 0 up to rounding of the primal's size
    assert res["kind"] == "gap" and -1e-14 * res["objective"] <= res["criterion"] <= threshold
    assert res["objective"] == pytest.approx(ref["objective"], rel=1e-11)
    np.testing.assert_allclose(res["W"], ref["W"], atol=1e-5)
    # the returned objective is the model's, not the drifted residual's
    assert res["objective"] == pytest.approx(prob.objective(res["W"], res["b"]), rel=1e-10)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("penalty", [PENALTIES[1], PENALTIES[3]], ids=["l21", "l21+l2"])
def test_compiled_fit_by_row_blocks_reaches_the_python_loops_solution(penalty,
                                                                       fit_intercept,
                                                                       monkeypatch):
    # several tasks and 200 samples or more: the loop's epochs go by blocks of rows
    prob = _problem(penalty, fit_intercept=fit_intercept, weights=np.linspace(0.5, 2.0, 6),
                    T=6, d=40, n=240)
    calls = []
    res = _fit(prob, monkeypatch, True, calls=calls, tol=1e-12, max_iter=100000)
    ref = _fit(prob, monkeypatch, False, tol=1e-12, max_iter=100000)
    assert calls == ["bcd_dense_observed_blocks"]
    assert res["converged"] and ref["converged"]
    assert res["objective"] == pytest.approx(ref["objective"], rel=1e-11)
    np.testing.assert_allclose(res["W"], ref["W"], atol=1e-6)
    assert res["objective"] == pytest.approx(prob.objective(res["W"], res["b"]), rel=1e-10)


def test_compiled_fit_stops_at_max_iter_unconverged(monkeypatch):
    prob = _problem(L21Penalty(0.01), d=30, n=40, T=3)
    calls = []
    res = _fit(prob, monkeypatch, True, calls=calls, tol=1e-14, max_iter=4)
    assert calls and not res["converged"] and res["n_iter"] == 4
    assert res["criterion"] > prob.thresholds(1e-14)["gap"]


def test_large_or_partly_observed_problems_keep_the_python_loop(monkeypatch):
    prob = _problem(L21Penalty(0.1))
    d = prob.design
    mask = d.s > 0
    assert bcd_module._compiled_loop_applies(d, mask, 0.0, 0.1, 0.0, 0)
    assert not bcd_module._compiled_loop_applies(d, mask, 0.0, 0.1, 0.0, 1)  # verbose
    assert not bcd_module._compiled_loop_applies(d, mask, 0.0, 0.0, 0.0, 0)  # no gap
    partly = mask.copy()
    partly[0, 0] = False
    assert not bcd_module._compiled_loop_applies(d, partly, 0.0, 0.1, 0.0, 0)
    # residual snapshots larger than a quarter of X and 8 MB: the Python loop, which
    # recomputes an extrapolated point's residual instead
    tall = _problem(L21Penalty(0.1), n=20000, d=2, T=10).design
    assert not bcd_module._compiled_loop_applies(tall, tall.s > 0, 0.0, 0.1, 0.0, 0)
    assert bcd_module._compiled_loop_applies(tall, tall.s > 0, 0.0, 0.1, 0.0, 0, anderson=0)
    # products past one BLAS thread's small-problem range go through NumPy
    monkeypatch.setattr(bcd_module, "SMALL_PRODUCT", 10.0)
    assert not bcd_module._compiled_loop_applies(d, mask, 0.0, 0.1, 0.0, 0)


@pytest.mark.parametrize("params", [(0.0, 0.3, 0.0), (0.2, 0.0, 0.1), (0.0, 0.05, 0.2)],
                         ids=["l21", "lasso+ridge", "l21+ridge"])
@pytest.mark.parametrize("seed", range(6))
def test_block_epoch_matches_row_by_row_epoch(params, seed):
    # the block epoch updates rows four at a time, correcting each row's gradient for
    # the rows before it through their Gram entries: the same sequential updates as
    # the row-by-row kernel, up to rounding
    from mtlreg._kernels import bcd_epoch_dense_observed, bcd_epoch_dense_observed_blocks

    rng = np.random.default_rng(seed)
    n, d, T = int(rng.integers(1, 50)), int(rng.integers(1, 30)), int(rng.integers(1, 10))
    X = np.asfortranarray(rng.standard_normal((n, d)))
    xbar = 0.3 * rng.standard_normal((d, T))
    s_task = rng.random(T) + 0.1
    lip = np.ascontiguousarray(s_task * ((X[:, :, None] - xbar) ** 2).sum(axis=0))
    ws = np.sort(rng.choice(d, int(rng.integers(1, d + 1)), replace=False)).astype(np.int64)
    W0 = rng.standard_normal((d, T)) * (rng.random((d, 1)) < 0.5)
    R0 = np.asfortranarray(rng.standard_normal((n, T)))
    offset0 = rng.standard_normal(T)
    runs = []
    for kernel in (bcd_epoch_dense_observed_blocks, bcd_epoch_dense_observed):
        W, R, offset = W0.copy(), R0.copy(order="F"), offset0.copy()
        for _ in range(3):
            kernel(X, xbar, s_task, R.T, offset, W, lip, ws, *params, bcd_module.NO_MASK)
        runs.append((W, R, offset))
    for blocked, by_row in zip(*runs, strict=True):
        np.testing.assert_allclose(blocked, by_row, rtol=1e-11, atol=1e-12)
    # rows outside the working set never move
    outside = np.setdiff1d(np.arange(d), ws)
    np.testing.assert_array_equal(runs[0][0][outside], W0[outside])


def test_block_epoch_with_an_empty_working_set_changes_nothing():
    from mtlreg._kernels import bcd_epoch_dense_observed_blocks

    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((10, 6)))
    W = rng.standard_normal((6, 5))
    R = np.asfortranarray(rng.standard_normal((10, 5)))
    W0, R0 = W.copy(), R.copy()
    bcd_epoch_dense_observed_blocks(X, np.zeros((6, 5)), np.ones(5), R.T, np.zeros(5), W,
                                    np.ones((6, 5)), np.zeros(0, dtype=np.int64), 0.0, 0.1,
                                    0.0, bcd_module.NO_MASK)
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(R, R0)


@pytest.mark.parametrize("T", [2, 3, 4, 8])
def test_python_loop_uses_block_epochs_from_four_tasks(T, monkeypatch):
    from mtlreg import _kernels

    calls = []
    real = _kernels.bcd_epoch_dense_observed_blocks

    def spy(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(_kernels, "bcd_epoch_dense_observed_blocks", spy)
    prob = _problem(L21Penalty(0.05), T=T)
    d = prob.design
    lip = np.ascontiguousarray(bcd_module.column_curvature(d))
    R = np.asfortranarray(d.y.copy())
    epoch = bcd_module.epoch_function(d, d.s, d.xbar, R, np.zeros(T), np.zeros((12, T)), lip,
                                      0.0, 0.05, 0.0, per_task_weights=True)
    epoch(np.arange(12, dtype=np.int64))
    assert bool(calls) == (T >= _kernels.BLOCK_MIN_TASKS)


def test_one_task_and_several_reach_the_kernels_with_the_same_types(monkeypatch):
    # one task's (n, 1) residual is both C- and Fortran-contiguous, and Numba types it as
    # C-ordered where several tasks' column-major residual is Fortran-ordered: a second
    # compiled version of the loop (9 s more on a cold cache) and of each epoch kernel.
    # The kernels take it task-major, which is C-ordered for any number of tasks.
    import warnings

    import numba

    import mtlreg
    from mtlreg import _kernels

    seen = {}

    def spy(name, fn, T):
        def wrapped(*args):
            types = tuple(str(numba.typeof(a)) for a in args if isinstance(a, np.ndarray))
            seen.setdefault((name, T), set()).add(types)
            return fn(*args)

        return wrapped

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 8))
    Y = rng.standard_normal((60, 3))
    Yp = np.where(rng.random(Y.shape) < 0.3, np.nan, Y)
    kernels = ("bcd_epoch_dense_observed", "bcd_epoch_dense")
    for T in (1, 3):
        for compiled in (True, False):
            with monkeypatch.context() as m, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m.setattr(bcd_module, "bcd_dense_observed",
                          spy("loop", bcd_module.bcd_dense_observed, T))
                for name in kernels:
                    m.setattr(_kernels, name, spy(name, getattr(_kernels, name), T))
                if not compiled:
                    m.setattr(bcd_module, "_compiled_loop_applies", lambda *a: False)
                for YY in (Y[:, :T], Yp[:, :T]):
                    mtlreg.L21Regressor(alpha=0.05).fit(X, YY)
                    # proximal Newton's models run the same epochs
                    mtlreg.L21Classifier(alpha=0.02).fit(X, np.sign(YY))
    for name in ("loop", *kernels):
        assert seen[(name, 1)] == seen[(name, 3)], name


def _sparse_problem(penalty, fmt="csc", fit_intercept=True, weights=None, n=60, d=15, T=3,
                    seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=0.3, format=fmt, random_state=rng)
    W = np.zeros((d, T))
    W[: d // 3] = rng.standard_normal((d // 3, T))
    Y = np.asarray(X @ W) + 0.3 * rng.standard_normal((n, T))
    Yenc, _, _, _ = check_targets(Y, n, False)
    return build_problem(X, Yenc, "squared", penalty, fit_intercept, weights)[0]


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("T", [1, 4])
@pytest.mark.parametrize("penalty", PENALTIES, ids=IDS)
def test_compiled_fit_of_a_sparse_design_reaches_the_python_loops_solution(
        penalty, T, fit_intercept, monkeypatch):
    # the compiled loop reads a CSC X through its arrays (small sparse fits were
    # dominated by the Python loop's checks: 2,000 x 500 x 3 at 2 %, 11-14 ms against
    # scikit-learn's 3.3-4.5 at alpha_max/50, 5.9 ms compiled)
    prob = _sparse_problem(penalty, fit_intercept=fit_intercept,
                           weights=np.linspace(0.5, 2.0, T), T=T)
    calls = []
    res = _fit(prob, monkeypatch, True, calls=calls, tol=1e-12, max_iter=100000)
    ref = _fit(prob, monkeypatch, False, tol=1e-12, max_iter=100000)
    assert calls == ["bcd_dense_observed"]
    assert res["converged"] and ref["converged"]
    assert res["kind"] == "gap" and -1e-14 * res["objective"] <= res["criterion"]
    assert res["objective"] == pytest.approx(ref["objective"], rel=1e-11)
    np.testing.assert_allclose(res["W"], ref["W"], atol=1e-5)
    assert res["objective"] == pytest.approx(prob.objective(res["W"], res["b"]), rel=1e-10)


def test_sparse_version_of_the_loop_compiles_no_dense_code(monkeypatch):
    # the CSC version of the loop gets X = None, and its dense code sits under
    # ``X is not None``, which Numba prunes for an argument that is None. It had a
    # C-ordered placeholder array instead, and compiled the dense epochs and products
    # for it (a first sparse fit: 10.8-11.3 s of compiling against 9.1-9.6 s).
    import numba

    from mtlreg import _kernels

    prob = _sparse_problem(PENALTIES[1], T=3)
    calls = []
    res = _fit(prob, monkeypatch, True, calls=calls, tol=1e-8, max_iter=10000)
    assert calls == ["bcd_dense_observed"] and res["converged"]
    # the loop's own signatures hold those loaded from the cache too
    loops = bcd_module.bcd_dense_observed.signatures
    assert any(sig[0] == numba.types.none for sig in loops)
    for fn in (bcd_module.bcd_dense_observed, bcd_dense._gradient, bcd_dense._full_gradient,
               _kernels.bcd_epoch_dense_observed):
        for sig in fn.signatures:
            X = sig[0]
            assert X == numba.types.none or (X.ndim == 2 and X.layout == "F"), (fn, sig)


def test_compiled_loop_reads_x_in_place_or_copies_only_a_small_one():
    # the compiled loop reads X by columns: a CSC or Fortran-ordered X as it is, a CSR or
    # C-ordered one through a whole copy, which it makes only under 8 MB (the Python
    # loop copies a larger one's working-set columns only)
    pen = L21Penalty(0.1)
    for fmt in ("csc", "csr"):
        d = _sparse_problem(pen, fmt=fmt).design
        assert bcd_module._compiled_loop_applies(d, d.s > 0, 0.0, 0.1, 0.0, 0)
    big = sp.random(20000, 400, density=0.15, format="csr", random_state=0)  # 14 MB
    Y = np.ones((20000, 2))
    for X, applies in ((big, False), (big.tocsc(), True)):
        d = build_problem(X, Y, "squared", pen, False, None)[0].design
        assert bcd_module._compiled_loop_applies(d, d.s > 0, 0.0, 0.1, 0.0, 0,
                                                 anderson=0) == applies
    # a CSC matrix of another kind than the usual int32, contiguous, writable arrays
    # keeps the Python loop, whose epochs compile for it in 1-3 s (the whole loop: 11-12 s)
    X = _sparse_problem(pen).design.csc_given
    wide = X.copy()
    wide.indices, wide.indptr = wide.indices.astype(np.int64), wide.indptr.astype(np.int64)
    frozen = X.copy()
    frozen.data.flags.writeable = False
    for odd in (wide, frozen):
        d = build_problem(odd, np.ones((odd.shape[0], 2)), "squared", pen, False, None)[0]
        assert d.design.csc_given is odd
        assert not bcd_module._compiled_loop_applies(d.design, d.design.s > 0, 0.0, 0.1,
                                                     0.0, 0)
    dense = np.random.default_rng(0).standard_normal((20000, 60))  # 9.6 MB, C-ordered
    for X, applies in ((dense, False), (np.asfortranarray(dense), True)):
        d = build_problem(X, Y, "squared", pen, False, None)[0].design
        assert bcd_module._compiled_loop_applies(d, d.s > 0, 0.0, 0.1, 0.0, 0,
                                                 anderson=0) == applies
