"""The maths of each piece: proxes, gradients, conjugates, duality gaps, alpha_max."""

import importlib
import warnings

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp

import mtlreg
from mtlreg import _design as _design_module
from mtlreg import _kernels
from mtlreg._base import build_problem, check_targets
from mtlreg._design import lipschitz
from mtlreg.losses import LogisticLoss, SquaredLoss
from mtlreg.penalties import L1Penalty, L21Penalty, MeanRegularizedPenalty, TraceNormPenalty
from mtlreg.solvers import bcd, fista, newton_cg, prox_newton

# the package re-exports the solver functions under their modules' names
bcd_module = importlib.import_module("mtlreg.solvers.bcd")

PENALTIES = [L1Penalty, L21Penalty, TraceNormPenalty, MeanRegularizedPenalty]


def _cvx_penalty(cls, Wv, alpha, l2):
    if cls is L1Penalty:
        omega = alpha * cp.sum(cp.abs(Wv))
    elif cls is L21Penalty:
        omega = alpha * cp.sum(cp.norm(Wv, 2, axis=1))
    elif cls is TraceNormPenalty:
        omega = alpha * cp.normNuc(Wv)
    else:
        T = Wv.shape[1]
        P = np.eye(T) - np.ones((T, T)) / T
        omega = alpha / 2 * cp.sum_squares(Wv @ P)
    return omega + l2 / 2 * cp.sum_squares(Wv)


def _data(kind, loss, seed=0, n=30, d=6, T=3, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) + 0.5
    W = rng.standard_normal((d, T))
    Y = X @ W + rng.standard_normal((n, T))
    if loss == "logistic":
        Y = (Y > np.median(Y, axis=0)).astype(float)
    if kind == "missing":
        Y[rng.random((n, T)) < 0.3] = np.nan
    elif kind == "per_task":
        own = rng.integers(0, T, n)
        own[:T] = np.arange(T)
        Y = np.where(own[:, None] == np.arange(T), Y, np.nan)
    if loss == "logistic":
        for t in range(T):
            obs = np.flatnonzero(~np.isnan(Y[:, t]))
            Y[obs[:2], t] = [0.0, 1.0]
    return (sp.csr_matrix(X) if sparse else X), Y


def _problem(X, Y, loss, penalty, fit_intercept=True, weights=None, layout="auto"):
    Yenc, _, _, _ = check_targets(Y, X.shape[0], loss == "logistic")
    return build_problem(X, Yenc, loss, penalty, fit_intercept, weights, layout)[0]


def _svd_shrink(V, threshold):
    U, sv, Vt = np.linalg.svd(V, full_matrices=False)
    return (U * np.maximum(sv - threshold, 0.0)) @ Vt


@pytest.mark.parametrize("shape", [(300, 40), (40, 300), (50, 50)])
@pytest.mark.parametrize("spectrum", ["low_rank_noise", "clustered", "rank_deficient"])
def test_trace_prox_by_gram_matches_svd(shape, spectrum):
    """The Gram-matrix route of the trace norm's prox against an SVD, down to the smallest
    threshold it accepts (1e-3 of the top singular value); below it, it declines."""
    from mtlreg.penalties import _shrink_by_gram

    rng = np.random.default_rng(5)
    m, n = shape
    k = min(m, n)
    U, _ = np.linalg.qr(rng.standard_normal((m, k)))
    Vt, _ = np.linalg.qr(rng.standard_normal((n, k)))
    if spectrum == "low_rank_noise":
        sv = np.concatenate([np.logspace(2, 0, 5), 1e-2 * rng.random(k - 5)])
    elif spectrum == "clustered":
        sv = np.concatenate([np.full(k // 2, 3.0), np.full(k - k // 2, 3.0 + 1e-9)])
    else:
        sv = np.concatenate([np.logspace(1, -1, 4), np.zeros(k - 4)])
    V = (U * sv) @ Vt.T
    s_max = sv.max()
    for rel in (1.01e-3, 1e-2, 0.3, 0.999, 2.0):
        got = _shrink_by_gram(V, rel * s_max)
        assert got is not None
        np.testing.assert_allclose(got, _svd_shrink(V, rel * s_max), rtol=0, atol=1e-10 * s_max)
    assert _shrink_by_gram(V, 1e-4 * s_max) is None
    assert _shrink_by_gram(V, 0.0) is None


@pytest.mark.parametrize("shape", [(300, 40), (40, 300), (50, 50), (1, 7), (7, 1)])
@pytest.mark.parametrize("spectrum", ["low_rank_noise", "clustered", "zero", "huge"])
def test_trace_dual_norm_is_the_spectral_norm(shape, spectrum):
    """The spectral norm from the Gram matrix's top eigenvalue, against LAPACK's SVD, also
    where the Gram matrix would overflow."""
    rng = np.random.default_rng(7)
    V = rng.standard_normal(shape)
    if spectrum == "low_rank_noise":
        V = rng.standard_normal((shape[0], 2)) @ rng.standard_normal((2, shape[1])) + 1e-6 * V
    elif spectrum == "clustered":
        U, _ = np.linalg.qr(rng.standard_normal((shape[0], min(shape))))
        Wt, _ = np.linalg.qr(rng.standard_normal((shape[1], min(shape))))
        V = (U * (3.0 + 1e-12 * rng.random(min(shape)))) @ Wt.T
    elif spectrum == "zero":
        V = np.zeros(shape)
    else:
        V = 1e200 * V
    got = TraceNormPenalty(1.0).dual_norm(V)
    np.testing.assert_allclose(got, np.linalg.norm(V, 2), rtol=1e-13, atol=0)


@pytest.mark.parametrize("cls", PENALTIES)
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_prox_matches_definition(cls, l2):
    rng = np.random.default_rng(1)
    V = rng.standard_normal((7, 4)) * 2
    alpha, step = 0.8, 0.7
    pen = cls(alpha, l2)
    P = pen.prox(V, step)
    Wv = cp.Variable(V.shape)
    obj = cp.sum_squares(Wv - V) / (2 * step) + _cvx_penalty(cls, Wv, alpha, l2)
    tight = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
    cp.Problem(cp.Minimize(obj)).solve(solver=cp.CLARABEL, **tight)
    np.testing.assert_allclose(P, Wv.value, atol=1e-6)

    def f(W):
        return np.sum((W - V) ** 2) / (2 * step) + pen.value(W)

    # exact minimiser: no perturbation does better
    base = f(P)
    for _ in range(200):
        assert f(P + 1e-3 * rng.standard_normal(V.shape)) >= base - 1e-12


@pytest.mark.parametrize("cls", PENALTIES)
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_penalty_conjugate_fenchel_young(cls, l2):
    rng = np.random.default_rng(2)
    V0 = rng.standard_normal((6, 3)) * 2
    pen = cls(0.7, l2)
    if pen.dual_scale(V0) is None:
        pytest.skip("no conjugate without the ridge term (mean-regularised, l2=0)")
    step = 0.5
    W = pen.prox(V0, step)
    G = (V0 - W) / step  # a subgradient of h at W
    assert pen.value(W) + pen.conjugate(G) == pytest.approx(np.vdot(W, G), abs=1e-9)
    # Fenchel-Young inequality everywhere else
    for _ in range(20):
        U = pen.dual_scale(V := rng.standard_normal(W.shape) * 3) * V
        Z = rng.standard_normal(W.shape)
        assert pen.value(Z) + pen.conjugate(U) >= np.vdot(Z, U) - 1e-9


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("kind", ["shared", "missing", "per_task"])
@pytest.mark.parametrize("layout", ["full", "stacked"])
@pytest.mark.parametrize("sparse", [False, True])
def test_gradient_matches_finite_differences(loss, kind, layout, sparse):
    X, Y = _data(kind, loss, sparse=sparse)
    weights = np.array([1.0, 2.0, 0.5])
    prob = _problem(X, Y, loss, L1Penalty(0.1), True, weights, layout)
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((6, 3)) * 0.3, rng.standard_normal(3)

    def F(W, b):
        return prob.datafit(prob.design.forward(W), b)

    gW, gb = prob.gradient(prob.design.forward(W), b)
    h = 1e-6
    num = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[idx] = h
        num[idx] = (F(W + E, b) - F(W - E, b)) / (2 * h)
    np.testing.assert_allclose(gW, num, rtol=1e-6, atol=1e-8)
    numb = [(F(W, b + h * e) - F(W, b - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(gb, numb, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_layouts_agree_on_the_uncentred_objective(loss):
    X, Y = _data("missing", loss)
    rng = np.random.default_rng(4)
    W = rng.standard_normal((6, 3))
    values = []
    for layout in ("full", "stacked"):
        prob = _problem(X, Y, loss, L21Penalty(0.2), False, None, layout)
        values.append(prob.objective(W, np.zeros(3)))
    # by hand from the definition
    Yenc, _, _, _ = check_targets(Y, X.shape[0], loss == "logistic")
    Z = X @ W
    total = 0.0
    for t in range(3):
        obs = ~np.isnan(Yenc[:, t])
        if loss == "squared":
            total += np.mean((Yenc[obs, t] - Z[obs, t]) ** 2) / 2
        else:
            total += np.mean(np.log1p(np.exp(-Yenc[obs, t] * Z[obs, t])))
    total += 0.2 * np.sqrt((W**2).sum(axis=1)).sum()
    np.testing.assert_allclose(values, [total, total], rtol=1e-12)


@pytest.mark.parametrize("shape", ["C", "F", "1-D", "broadcast weights"])
def test_squared_loss_sums_by_blocks(shape, monkeypatch):
    # the sums go over blocks of rows (entries) so that their temporaries stay small:
    # blocks of 7 values here, against the formulas on whole arrays
    monkeypatch.setattr(_design_module, "_ROW_BLOCK_VALUES", 7)
    rng = np.random.default_rng(11)
    dims = (40,) if shape == "1-D" else (40, 3)
    y, z, r = (rng.standard_normal(dims) for _ in range(3))
    s = rng.random(dims) * (rng.random(dims) < 0.7)  # unobserved entries weigh 0
    if shape == "F":
        y, s, z, r = (np.asfortranarray(a) for a in (y, s, z, r))
    elif shape == "broadcast weights":
        s = np.broadcast_to(rng.random(3), dims)
    assert len(_design_module.row_blocks(y)) > 1
    loss = SquaredLoss()
    value = 0.5 * np.sum(s * (z - y) ** 2)
    np.testing.assert_allclose(loss.value(y, s, z), value, rtol=1e-14)
    np.testing.assert_allclose(loss.residual_value(s, y - z), value, rtol=1e-14)
    np.testing.assert_allclose(loss.residual_value(s, r), 0.5 * np.sum(s * r**2), rtol=1e-14)
    v, g = loss.value_and_grad(y, s, z)
    np.testing.assert_allclose(v, value, rtol=1e-14)
    np.testing.assert_array_equal(g, loss.grad(y, s, z))
    z_work = z.copy(order="K")
    v_in, g_in = loss.value_and_grad(y, s, z_work, out=z_work)  # into z's own array
    assert g_in is z_work and v_in == v
    np.testing.assert_array_equal(g_in, g)
    pos = s > 0
    conjugate = np.sum(r[pos] ** 2 / (2 * s[pos]) + r[pos] * y[pos])
    np.testing.assert_allclose(loss.conjugate(y, s, r), conjugate, rtol=1e-13)


@pytest.mark.parametrize("layout", ["full", "stacked"])
def test_task_sums_by_blocks(layout, monkeypatch):
    X, Y = _data("missing", "squared", n=50)
    design = _problem(X, Y, "squared", L1Penalty(0.1), True, [1.0, 2.0, 0.5], layout).design
    Z = design.forward(np.random.default_rng(12).standard_normal((6, 3)))
    ref = design.task_sum(design.s * (design.y - Z))
    monkeypatch.setattr(_design_module, "_ROW_BLOCK_VALUES", 7)  # blocks across tasks
    got = design.task_sum_of(lambda s, y, z: s * (y - z), design.s, design.y, Z)
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize(("kind", "layout"), [("shared", "full"), ("missing", "full"),
                                              ("missing", "stacked"), ("per_task", "auto")])
def test_datafit_with_intercepts_by_blocks(loss, kind, layout, monkeypatch):
    # FISTA scores each step's point without forming zW + expand(b): the squared loss
    # adds the intercepts block by block, over the blocks its sums use anyway, so the
    # value is the whole array's to the last bit (FISTA's sufficient-decrease test
    # compares it with value_and_grad's); the logistic loss forms the sum
    X, Y = _data(kind, loss, seed=14, n=50)
    prob = _problem(X, Y, loss, L1Penalty(0.1), True, [1.0, 2.0, 0.5], layout)
    d = prob.design
    rng = np.random.default_rng(15)
    zW = d.forward(rng.standard_normal((6, 3)))
    b = rng.standard_normal(3)
    monkeypatch.setattr(_design_module, "_ROW_BLOCK_VALUES", 7)  # blocks across tasks
    assert len(_design_module.row_blocks(zW)) > 1
    ref = prob.loss.value(d.y, d.s, zW + d.expand(b))
    assert prob.datafit(zW, b) == ref
    assert prob.datafit(zW, np.zeros(3)) == prob.loss.value(d.y, d.s, zW)
    if loss == "squared":
        f_y, _ = prob.loss.value_and_grad(d.y, d.s, zW + d.expand(b))
        assert prob.datafit(zW, b) == f_y


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_normal_product_with_one_weight_per_task(fit_intercept):
    # every target observed: the weights are one row broadcast down the columns, and
    # A'(s A W) scales the columns of A'(A W) instead of forming s * A W
    X, Y = _data("shared", "squared", seed=16)
    design = _problem(X, Y, "squared", L1Penalty(0.1), fit_intercept, [1.0, 2.0, 0.5]).design
    assert design.s.strides[0] == 0
    W = np.random.default_rng(17).standard_normal((6, 3))
    Z, H = design.normal(W)
    np.testing.assert_array_equal(Z, design.forward(W))
    np.testing.assert_allclose(H, design.adjoint(np.array(design.s) * Z), rtol=1e-13,
                               atol=1e-14)


def test_logistic_gradient_into_z():
    X, Y = _data("missing", "logistic")
    loss = LogisticLoss()
    design = _problem(X, Y, "logistic", L1Penalty(0.1)).design
    z = design.forward(np.random.default_rng(13).standard_normal((6, 3)))
    v, g = loss.value_and_grad(design.y, design.s, z)
    for order in "CF":
        z_work = z.copy(order=order)
        v_in, g_in = loss.value_and_grad(design.y, design.s, z_work, out=z_work)
        # written into z where a flat view of it can be (C order), else a new array
        assert (g_in is z_work) == (order == "C") and v_in == v
        np.testing.assert_array_equal(g_in, g)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("kind", ["shared", "missing", "per_task"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_criterion_with_overwritten_product(loss, kind, fit_intercept):
    X, Y = _data(kind, loss, seed=7)
    prob = _problem(X, Y, loss, L21Penalty(0.05), fit_intercept)
    rng = np.random.default_rng(8)
    W, b = rng.standard_normal((6, 3)), rng.standard_normal(3)
    zW = prob.design.forward(W)
    kept = zW.copy()
    ref = prob.criterion(W, b, 1.0)
    given = prob.criterion(W, b, 1.0, zW=zW)
    np.testing.assert_array_equal(zW, kept)  # the caller's product, left as it was
    work = prob.criterion(W, b, 1.0, zW=zW, overwrite_zW=True)
    assert not np.array_equal(zW, kept)  # used as work space: one array fewer
    for got in (given, work):
        assert got[0] == pytest.approx(ref[0], rel=1e-12, abs=1e-15) and got[1] == ref[1]
        for a, c in zip(got[2:], ref[2:], strict=True):
            np.testing.assert_allclose(a, c, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("layout", ["full", "stacked"])
def test_lipschitz_bounds_every_task(layout):
    X, Y = _data("per_task", "squared", n=60, d=8)
    weights = np.array([1.0, 3.0, 0.5])
    prob = _problem(X, Y, "squared", L1Penalty(0.1), True, weights, layout)
    exact = 0.0
    for t in range(3):
        obs = ~np.isnan(Y[:, t])
        Xt = X[obs] - X[obs].mean(axis=0)
        exact = max(exact, weights[t] * np.linalg.norm(Xt, 2) ** 2 / obs.sum(), weights[t])
    est = lipschitz(prob.design, 1.0)
    assert exact * 0.99 <= est <= exact * 1.05


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("cls", [L1Penalty, L21Penalty, TraceNormPenalty])
@pytest.mark.parametrize("l2", [0.0, 0.2])
def test_duality_gap_nonnegative_and_vanishes(loss, cls, l2):
    X, Y = _data("missing", loss, seed=5)
    prob = _problem(X, Y, loss, cls(0.05, l2))
    rng = np.random.default_rng(6)
    for _ in range(10):
        W, b = rng.standard_normal((6, 3)), rng.standard_normal(3)
        gap, kind, *_ = prob.criterion(W, b, 1.0)
        assert kind == "gap" and gap >= -1e-12
    gaps = []
    for max_iter in (5, 20, 80, 2000):
        res = fista(prob, np.zeros((6, 3)), np.zeros(3), tol=1e-12, max_iter=max_iter)
        gaps.append(res["criterion"])
        assert res["criterion"] >= -1e-12
    assert gaps[-1] <= 1e-10 and gaps[-1] < gaps[0]


@pytest.mark.parametrize("cls", [L1Penalty, L21Penalty])
@pytest.mark.parametrize("layout", ["full", "stacked"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_prox_newton_gap_vanishes_at_fistas_solution(cls, layout, sparse, fit_intercept):
    X, Y = _data("missing", "logistic", seed=8, sparse=sparse)
    prob = _problem(X, Y, "logistic", cls(0.03, 0.1), fit_intercept, layout=layout)
    gaps = []
    for max_iter in (1, 3, 100):
        res = prox_newton(prob, np.zeros((6, 3)), np.zeros(3), tol=1e-13, max_iter=max_iter)
        assert res["criterion"] >= -1e-12
        gaps.append(res["criterion"])
    assert res["converged"] and gaps[-1] <= 1e-11 and gaps[-1] < gaps[0]
    ref = fista(prob, np.zeros((6, 3)), np.zeros(3), tol=1e-13, max_iter=20000)
    np.testing.assert_allclose(res["W"], ref["W"], atol=1e-6)
    np.testing.assert_allclose(res["b"], ref["b"], atol=1e-6)
    assert res["objective"] == pytest.approx(ref["objective"], rel=1e-10)


def test_bcd_gap_matches_fista_solution():
    X, Y = _data("missing", "squared", seed=7)
    for cls in (L1Penalty, L21Penalty):
        prob = _problem(X, Y, "squared", cls(0.05), layout="full")
        r1 = bcd(prob, np.zeros((6, 3)), np.zeros(3), tol=1e-12, max_iter=10000)
        r2 = fista(prob, np.zeros((6, 3)), np.zeros(3), tol=1e-12, max_iter=10000)
        assert r1["converged"] and r2["converged"]
        np.testing.assert_allclose(r1["W"], r2["W"], atol=1e-7)
        assert r1["objective"] == pytest.approx(r2["objective"], rel=1e-10)


def _disjoint_supports(kind, loss, sparse, seed=11, n=40, d=80, T=4):
    """Tasks whose true supports do not overlap: entry working sets differ by task."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = np.zeros((d, T))
    for t in range(T):
        W[5 * t : 5 * t + 5, t] = 3.0 * rng.standard_normal(5)
    Y = X @ W + 0.3 * rng.standard_normal((n, T))
    if loss == "logistic":
        Y = (Y > 0).astype(float)
    if kind == "per_task":
        Y[np.arange(n)[:, None] % T != np.arange(T)] = np.nan
    return (sp.csr_matrix(X) if sparse else X), Y


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("kind", ["shared", "per_task"])
@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_entry_working_sets_reach_the_solution(kind, loss, sparse):
    """Coordinate descent's and proximal Newton's Lasso working sets are entries, not
    rows, and reach the FISTA solution; at the solution the entry working set is each
    task's own."""
    X, Y = _disjoint_supports(kind, loss, sparse)
    solver = bcd if loss == "squared" else prox_newton
    prob = _problem(X, Y, loss, L1Penalty(0.05 if loss == "squared" else 0.01))
    d, T = X.shape[1], Y.shape[1]
    res = solver(prob, np.zeros((d, T)), np.zeros(T), tol=1e-12, max_iter=20000)
    ref = fista(prob, np.zeros((d, T)), np.zeros(T), tol=1e-12, max_iter=200000)
    assert res["converged"] and ref["converged"]
    np.testing.assert_allclose(res["W"], ref["W"], atol=1e-7)
    assert res["objective"] == pytest.approx(ref["objective"], rel=1e-10)
    # the working set at the solution: each task's own support, not the union's rows
    V = -prob.gradient(prob.design.forward(res["W"]), res["b"])[0]
    ws, _, active = bcd_module.working_set(prob.penalty, res["W"], V, prob.penalty.alpha,
                                           1, 1, separable=True)
    assert active.shape == (d, T)
    assert active.sum() < 0.5 * len(ws) * T
    assert np.all(active[res["W"] != 0])


@pytest.mark.parametrize("layout", ["full", "stacked"])
def test_masked_epoch_moves_only_active_entries(layout):
    X, Y = _disjoint_supports("per_task" if layout == "stacked" else "shared", "squared",
                              False)
    prob = _problem(X, Y, "squared", L1Penalty(0.01), layout=layout)
    design = prob.design
    d, T = X.shape[1], Y.shape[1]
    lip = np.ascontiguousarray(bcd_module.column_curvature(design))
    ws = np.arange(d, dtype=np.int64)
    rng = np.random.default_rng(0)
    active = (rng.random((d, T)) < 0.3).astype(np.uint8)
    runs = {}
    for name, mask in (("masked", active), ("all", np.ones((d, T), np.uint8)),
                       ("none", bcd_module.NO_MASK)):
        W = np.zeros((d, T), order="C")
        R = np.where(design.s > 0, design.y, 0.0)
        if layout == "full":
            R = np.asfortranarray(R)
        offset = np.zeros(T)
        epoch = bcd_module.epoch_function(design, design.s, design.xbar, R, offset, W, lip,
                                          0.01, 0.0, 0.0,
                                          per_task_weights=bool(np.all(design.s > 0)))
        for _ in range(3):
            epoch(ws, mask)
        runs[name] = W
    assert np.all(runs["masked"][active == 0] == 0.0)
    assert np.any(runs["masked"] != 0.0)
    # an all-ones mask is the unmasked epoch: exactly where both go row by row (full
    # layout, fewer tasks than the block epochs need), else up to rounding (stacked
    # masked epochs go entry by entry; full ones with more tasks by blocks of rows)
    if layout == "full" and T < _kernels.BLOCK_MIN_TASKS:
        np.testing.assert_array_equal(runs["all"], runs["none"])
    else:
        np.testing.assert_allclose(runs["all"], runs["none"], rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("loss", ["squared", "logistic"])
@pytest.mark.parametrize("penalty", ["lasso", "l21", "trace"])
@pytest.mark.parametrize("kind", ["shared", "per_task"])
def test_alpha_max_is_the_zero_threshold(loss, penalty, kind):
    X, Y = _data(kind, loss, seed=8)
    est_cls = {
        ("squared", "lasso"): mtlreg.LassoRegressor,
        ("squared", "l21"): mtlreg.L21Regressor,
        ("squared", "trace"): mtlreg.TraceNormRegressor,
        ("logistic", "lasso"): mtlreg.LassoClassifier,
        ("logistic", "l21"): mtlreg.L21Classifier,
        ("logistic", "trace"): mtlreg.TraceNormClassifier,
    }[loss, penalty]
    a = mtlreg.alpha_max(X, Y, penalty=penalty, loss=loss)
    at = est_cls(alpha=a, tol=1e-10).fit(X, Y)
    assert np.all(at.coef_ == 0.0)
    below = est_cls(alpha=0.99 * a, tol=1e-10, max_iter=10000).fit(X, Y)
    assert np.any(below.coef_ != 0.0)


def test_row_prox_at_its_threshold_returns_zero():
    """A row whose norm exceeds l21 by rounding only (regression: division by zero in the
    compiled kernel along a warm-started School path)."""
    from mtlreg._kernels import _row_prox

    rng = np.random.default_rng(3)
    found = 0
    for _ in range(2000):
        grad = rng.standard_normal(20)
        norm2 = float(np.sum(grad * grad))
        l21 = np.sqrt(norm2)
        for _ in range(4):
            l21 = np.nextafter(l21, 0.0)
            psi = -1.0 + float(np.sum(grad * grad / (l21 * l21)))
            if norm2 > l21 * l21 and psi == 0.0:
                break
        else:
            continue
        found += 1
        out = np.empty(20)
        _row_prox(np.zeros(20), grad, rng.uniform(0.5, 2.0, 20), 0.0, l21, 0.0, out)
        assert np.all(np.isfinite(out)) and np.linalg.norm(out) < 1e-12
    assert found > 0


@pytest.mark.parametrize("scale", [1e-150, 1e-120, 1e-60, 1.0, 1e100])
def test_row_prox_is_scale_free(scale):
    """The coupled row prox scales with its data and l21, to the smallest scales (its
    Newton iteration once underflowed: (c r + l21)^3 = 0 for l21 below 1e-108, a
    division by zero, or a zero model under NumPy's error model)."""
    from mtlreg._kernels import _row_prox

    rng = np.random.default_rng(4)
    for _ in range(50):
        T = int(rng.integers(1, 8))
        grad = rng.standard_normal(T)
        lip = rng.uniform(0.0, 2.0, T)
        l1, l2 = rng.choice([0.0, 0.1]), rng.choice([0.0, 0.5])
        l21 = rng.uniform(0.01, 1.2) * np.linalg.norm(grad)
        ref = np.empty(T)
        _row_prox(np.zeros(T), grad, lip, l1, l21, l2, ref)
        a = np.sign(grad) * np.maximum(np.abs(grad) - l1, 0.0)
        norm = np.linalg.norm(ref)
        if norm > 0.0:  # the minimiser's condition: w = a / (c + l21 / ||w||)
            np.testing.assert_allclose(ref, a / (lip + l2 + l21 / norm), rtol=1e-12)
        else:
            assert np.linalg.norm(a) <= l21 * (1 + 1e-12)
        got = np.empty(T)
        _row_prox(np.zeros(T), grad * scale, lip, l1 * scale, l21 * scale, l2, got)
        np.testing.assert_allclose(got, ref * scale, rtol=1e-12, atol=0.0)


def test_per_row_kernels_run_without_numbas_runtime():
    """A compiled function increfs and decrefs each array argument through Numba's
    runtime on every call, and every view it takes; the row update, its prox, the
    block sweeps and a row's dual norm run once per row (or block), the per-task
    products once per task and view a column at a time, and none allocates, so they
    go without it (about 0.13 us less a row update; School's mean-regularised fit
    15 % faster, measured)."""
    from numba.core.cpu import CPUTargetOptions

    from mtlreg import _kernels
    from mtlreg.solvers import bcd_dense

    if not hasattr(CPUTargetOptions, "_nrt"):
        pytest.skip("this Numba has no _nrt option")
    for fn in (_kernels._row_step, _kernels._row_prox, _kernels._sweeps,
               _kernels._sweep_pair, _kernels._sweep_one, bcd_dense._row_norm,
               _kernels._add_task_product, _kernels._task_adjoint):
        assert fn.targetoptions.get("_nrt") is False, fn.__name__


@pytest.mark.parametrize("lam", [1e-200, 1e-12, 1e-3, 0.5, 0.999])
def test_row_prox_is_group_soft_thresholding_with_equal_curvatures(lam):
    """The coupled row prox's Newton iteration starts at the root for the largest
    curvature (the root itself when the curvatures are equal, as on a shared design
    with equal task weights): group soft-thresholding then, and the minimiser's
    condition otherwise, for rows from far above their threshold (l21 = lam ||a||,
    lam tiny: a start of 1e200) to just above it."""
    from mtlreg._kernels import _row_prox

    rng = np.random.default_rng(5)
    for _ in range(50):
        T = int(rng.integers(1, 25))
        grad = rng.standard_normal(T)
        l1, l2 = rng.choice([0.0, 0.1]), rng.choice([0.0, 0.5])
        a = np.sign(grad) * np.maximum(np.abs(grad) - l1, 0.0)
        norm_a = np.linalg.norm(a)
        if norm_a == 0.0:
            continue
        l21 = lam * norm_a
        c = rng.uniform(0.5, 2.0)
        out = np.empty(T)
        _row_prox(np.zeros(T), grad, np.full(T, c), l1, l21, l2, out)
        np.testing.assert_allclose(out, a * (1.0 - l21 / norm_a) / (c + l2), rtol=1e-12)
        lip = rng.uniform(0.5, 2.0, T)
        _row_prox(np.zeros(T), grad, lip, l1, l21, l2, out)
        norm = np.linalg.norm(out)
        assert norm > 0.0
        np.testing.assert_allclose(out, a / (lip + l2 + l21 / norm), rtol=1e-12)


@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("storage", ["dense", "csc"])
def test_l21_fits_in_tiny_units_are_the_same_fits(storage, missing):
    """Targets and alpha in units of 1e-110 (a regression: the row prox's Newton
    iteration underflowed, and the fit stopped at zero or raised ZeroDivisionError)."""
    rng = np.random.default_rng(9)
    X = rng.standard_normal((80, 10))
    W = np.zeros((10, 3))
    W[:4] = rng.standard_normal((4, 3))
    Y = X @ W + 0.1 * rng.standard_normal((80, 3))
    if missing:
        Y[::5, 1] = np.nan  # the Python loop; fully observed: the compiled one
    A = sp.csc_matrix(X) if storage == "csc" else X
    ref = mtlreg.L21Regressor(alpha=0.01, tol=1e-10).fit(A, Y)
    got = mtlreg.L21Regressor(alpha=0.01 * 1e-110, tol=1e-10).fit(A, Y * 1e-110)
    assert np.any(ref.coef_ != 0.0)
    np.testing.assert_allclose(got.coef_ / 1e-110, ref.coef_, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("blas", [False, True])
@pytest.mark.parametrize("storage", ["csr", "gathered", "grouped-C", "grouped-F"])
def test_stacked_products_match_dense_algebra(blas, storage, monkeypatch):
    """Every product path of the stacked layout (compiled loops over column- or row-major
    storage; one BLAS call per task on large blocks), on the whole design and on a column
    subset. Rows already grouped by task are used as they are, without a copy."""
    import mtlreg._design as design_module

    monkeypatch.setattr(design_module, "_BLAS_TASK_BLOCK", 0 if blas else 2**62)
    sparse = storage == "csr"
    X, Y = _data("per_task", "squared", seed=11, sparse=sparse)
    if storage.startswith("grouped"):
        order = np.argsort(np.argmax(~np.isnan(Y), axis=1), kind="stable")
        X, Y = X[order], Y[order]
        X = np.ascontiguousarray(X) if storage.endswith("C") else np.asfortranarray(X)
    prob = _problem(X, Y, "squared", L1Penalty(0.1), False, layout="stacked")
    d = prob.design
    assert d.layout == "stacked"
    if storage.startswith("grouped"):
        assert d.Xs is X
    rng = np.random.default_rng(12)
    W = rng.standard_normal((6, 3))
    W[2] = 0.0  # the column loops skip zero coefficients
    g = rng.standard_normal(d.zeros().shape)
    Xd = X.toarray() if sparse else X
    obs = ~np.isnan(Y)
    z, expect_z, expect_v = d.forward(W), [], np.zeros((6, 3))
    for t in range(3):
        rows = np.flatnonzero(obs[:, t])
        expect_z.append(Xd[rows] @ W[:, t])
        expect_v[:, t] = Xd[rows].T @ g[d.ptr[t]:d.ptr[t + 1]]
    np.testing.assert_allclose(z, np.concatenate(expect_z), atol=1e-12)
    np.testing.assert_allclose(d.adjoint(g), expect_v, atol=1e-12)
    cols = np.array([1, 4])
    np.testing.assert_allclose(d._rmatvec_with(d.Xs[:, cols], g), expect_v[cols], atol=1e-12)


@pytest.mark.parametrize("n_cols", [1, 2, 3, 4, 9])
@pytest.mark.parametrize("storage", ["C", "F", "csr"])
def test_design_matmul_is_the_product(n_cols, storage):
    """The column-by-column route for narrow right-hand sides is the same product."""
    from mtlreg._design import matmul

    rng = np.random.default_rng(4)
    A = rng.standard_normal((30, 20))
    A = sp.csr_matrix(A) if storage == "csr" else np.asarray(A, order=storage)
    B = rng.standard_normal((20, n_cols))
    out = matmul(A, B)
    assert isinstance(out, np.ndarray) and out.shape == (30, n_cols)
    np.testing.assert_allclose(out, A @ B, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(matmul(A, B[:, 0]), A @ B[:, 0], rtol=1e-13, atol=1e-13)


def _objective_gradient(prob, W, b):
    """Gradient of datafit + penalty in (W, b) (the penalty's is hessian(W): it is quadratic)."""
    gW, gb = prob.gradient(prob.design.forward(W), b)
    return gW + prob.penalty.hessian(W), gb


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind, layout", [("shared", "full"), ("missing", "full"),
                                          ("per_task", "stacked")])
def test_newton_cg_hessian_product_matches_gradient_differences(kind, layout, fit_intercept):
    newton_cg_module = importlib.import_module("mtlreg.solvers.newton_cg")
    X, Y = _data(kind, "logistic")
    prob = _problem(X, Y, "logistic", MeanRegularizedPenalty(0.3, l2=0.1), fit_intercept,
                    np.array([1.0, 2.0, 0.5]), layout)
    d = prob.design
    rng = np.random.default_rng(5)
    W, b = rng.standard_normal((6, 3)) * 0.3, rng.standard_normal(3)
    PW, Pb = rng.standard_normal((6, 3)), rng.standard_normal(3)
    if not fit_intercept:
        b, Pb = np.zeros(3), np.zeros(3)
    h = prob.loss.hessian_diagonal(d.y, d.s, d.forward(W) + d.expand(b))
    HW, Hb, zP = newton_cg_module.hessian_product(d, prob.penalty, h, PW, Pb, fit_intercept)
    eps = 1e-6
    plus = _objective_gradient(prob, W + eps * PW, b + eps * Pb)
    minus = _objective_gradient(prob, W - eps * PW, b - eps * Pb)
    np.testing.assert_allclose(HW, (plus[0] - minus[0]) / (2 * eps), rtol=1e-6, atol=1e-9)
    if fit_intercept:
        np.testing.assert_allclose(Hb, (plus[1] - minus[1]) / (2 * eps), rtol=1e-6,
                                   atol=1e-9)
    np.testing.assert_allclose(zP, d.forward(PW), atol=1e-12)
    # the Jacobi preconditioner is the Hessian's diagonal in W and in b
    MW, Mb = newton_cg_module._jacobi(d, prob.penalty, h, W.shape, fit_intercept)
    for idx in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[idx] = 1.0
        assert MW[idx] == pytest.approx(
            newton_cg_module.hessian_product(d, prob.penalty, h, E, np.zeros(3),
                                             fit_intercept)[0][idx], rel=1e-10)
    if fit_intercept:
        for t in range(3):
            assert Mb[t] == pytest.approx(
                newton_cg_module.hessian_product(d, prob.penalty, h, np.zeros_like(W),
                                                 np.eye(3)[t], True)[1][t], rel=1e-10)


@pytest.mark.parametrize("l2", [0.0, 0.2])
@pytest.mark.parametrize("kind", ["shared", "missing", "per_task"])
def test_newton_cg_reaches_the_fista_solution(kind, l2):
    X, Y = _data(kind, "logistic", seed=3)
    prob = _problem(X, Y, "logistic", MeanRegularizedPenalty(0.5, l2=l2), True,
                    np.array([1.0, 2.0, 0.5]))
    start = np.zeros((6, 3)), np.zeros(3)
    res = newton_cg(prob, *start, tol=1e-12, max_iter=100)
    ref = fista(prob, *start, tol=1e-12, max_iter=500000)
    assert res["converged"] and ref["converged"]
    assert res["n_iter"] <= 15  # superlinear: a handful of Newton steps
    assert res["objective"] == pytest.approx(ref["objective"], rel=1e-11)
    np.testing.assert_allclose(res["W"], ref["W"], atol=1e-5)
    np.testing.assert_allclose(res["b"], ref["b"], atol=1e-5)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", [(1, 1), (70, 3), (130, 200)])
def test_column_major_copy_is_the_selection(shape, order):
    from mtlreg._design import column_major_copy

    rng = np.random.default_rng(0)
    X = np.asarray(rng.standard_normal(shape), order=order)
    rows = rng.permutation(shape[0])[: max(1, shape[0] // 2)]
    cols = np.sort(rng.permutation(shape[1])[: max(1, shape[1] // 3)])
    for r, c in ((None, None), (rows, None), (None, cols), (rows, cols)):
        out = column_major_copy(X, r, c)
        assert out.flags.f_contiguous
        expected = X if r is None else X[r]
        np.testing.assert_array_equal(out, expected if c is None else expected[:, c])


@pytest.mark.parametrize("loss_name", ["squared", "logistic"])
def test_value_and_grad_is_value_and_grad(loss_name):
    from mtlreg.losses import LOSSES

    loss = LOSSES[loss_name]()
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.standard_normal(50) * 3, [800.0, -800.0, 0.0, 1e-300]])
    y = np.where(rng.random(z.shape) < 0.5, -1.0, 1.0)
    s = rng.random(z.shape)
    s[::7] = 0.0  # missing entries
    for shape in (z.shape, (6, 9)):
        value, grad = loss.value_and_grad(y.reshape(shape), s.reshape(shape),
                                          z.reshape(shape))
        assert value == pytest.approx(loss.value(y.reshape(shape), s.reshape(shape),
                                                 z.reshape(shape)), rel=1e-14)
        np.testing.assert_allclose(grad, loss.grad(y.reshape(shape), s.reshape(shape),
                                                    z.reshape(shape)), rtol=1e-14, atol=0)
        assert np.isfinite(value) and np.all(np.isfinite(grad))


@pytest.mark.parametrize("layout", ["full", "stacked"])
@pytest.mark.parametrize("storage", ["C", "F", "csr"])
@pytest.mark.parametrize("blas", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_normal_product_is_forward_then_adjoint(layout, storage, blas, fit_intercept,
                                                monkeypatch):
    """design.normal(W) = (A W, A'(s * A W)) on every product path (compiled loops over
    column- or row-major rows, one BLAS call per task, sparse, the shared layout)."""
    import mtlreg._design as design_module

    monkeypatch.setattr(design_module, "_BLAS_TASK_BLOCK", 0 if blas else 2**62)
    X, Y = _data("per_task" if layout == "stacked" else "missing", "squared", seed=21,
                 sparse=storage == "csr")
    if storage == "F":
        X = np.asfortranarray(X)
    elif storage == "C":
        # rows grouped by task keep the row-major storage (no gathered copy)
        order = np.argsort(np.argmax(~np.isnan(Y), axis=1), kind="stable")
        X, Y = np.ascontiguousarray(X[order]), Y[order]
    d = _problem(X, Y, "squared", TraceNormPenalty(0.1), fit_intercept, layout=layout).design
    W = np.random.default_rng(22).standard_normal((6, 3))
    W[1] = 0.0
    z, H = d.normal(W)
    expect_z = d.forward(W)
    np.testing.assert_allclose(z, expect_z, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(H, d.adjoint(d.s * expect_z), rtol=1e-12, atol=1e-13)


class _OpaqueSquared:
    """The squared loss without its ``quadratic`` tag: FISTA's general gradient path."""

    def __init__(self):
        from mtlreg.losses import SquaredLoss

        self._loss = SquaredLoss()

    def __getattr__(self, name):
        if name == "quadratic":
            raise AttributeError(name)
        return getattr(self._loss, name)


@pytest.mark.parametrize("offset", [1e4, 1e6])
@pytest.mark.parametrize("kind", ["missing", "per_task"])
def test_tight_gap_with_offset_targets(kind, offset):
    """Targets far from zero (prices, incomes) with intercepts: the design holds each
    task's targets centred, so tol 1e-10 takes the steps it takes without the offset
    (uncentred, the residuals' rounding swamped FISTA's step test and the gap stalled
    near 1e-7 at an offset of 1e4)."""
    X, Y = _data(kind, "squared", seed=23)
    ref = _problem(X, Y, "squared", TraceNormPenalty(0.2), True)
    centred = fista(ref, np.zeros((6, 3)), np.zeros(3), tol=1e-10, max_iter=3000)
    prob = _problem(X, Y + offset, "squared", TraceNormPenalty(0.2), True)
    res = fista(prob, np.zeros((6, 3)), np.zeros(3), tol=1e-10, max_iter=3000)
    assert centred["converged"] and res["converged"]
    assert res["n_iter"] == centred["n_iter"]
    np.testing.assert_allclose(res["W"], centred["W"], atol=1e-9)
    # the design's intercepts are those of the centred targets; the offset is the design's
    np.testing.assert_allclose(res["b"], centred["b"], atol=1e-9)
    np.testing.assert_allclose(prob.design.y_offset, ref.design.y_offset + offset,
                               rtol=1e-14)


@pytest.mark.parametrize("kind", ["missing", "per_task"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_fista_affine_gradient_follows_the_adjoint_path(kind, fit_intercept):
    """The squared loss's gradient from carried normal products gives the iterates of
    one adjoint product per step, to rounding."""
    X, Y = _data(kind, "squared", seed=23)
    prob = _problem(X, Y, "squared", TraceNormPenalty(0.2), fit_intercept)
    W0, b0 = np.zeros((6, 3)), np.zeros(3)
    W0[2, 1] = 0.5
    fast = fista(prob, W0, b0, tol=1e-10, max_iter=3000)
    prob.loss = _OpaqueSquared()
    slow = fista(prob, W0, b0, tol=1e-10, max_iter=3000)
    assert fast["converged"] and slow["converged"]
    assert abs(fast["n_iter"] - slow["n_iter"]) <= 10
    np.testing.assert_allclose(fast["W"], slow["W"], atol=1e-8)
    np.testing.assert_allclose(fast["b"], slow["b"], atol=1e-8)
    assert fast["objective"] == pytest.approx(slow["objective"], rel=1e-12)


def test_fista_step_growth_stops_at_the_bound(monkeypatch):
    """After a rejected step the metric grows back to the global bound, not past it:
    every accepted step of a squared-loss fit has a metric <= the bound."""
    fista_module = importlib.import_module("mtlreg.solvers.fista")
    X, Y = _data("missing", "squared", seed=24)
    prob = _problem(X, Y, "squared", TraceNormPenalty(0.05), True)
    LW0, _ = fista_module.metric(prob)
    seen = []
    real_prox = prob.penalty.prox

    def recording_prox(V, step):
        seen.append(float(np.max(1.0 / np.asarray(step))))
        return real_prox(V, step)

    monkeypatch.setattr(prob.penalty, "prox", recording_prox)
    res = fista(prob, np.zeros((6, 3)), np.zeros(3), tol=1e-10, max_iter=2000)
    assert res["converged"]
    assert max(seen) <= float(np.max(LW0)) * (1.0 + 1e-12)
    assert min(seen) < 0.95 * float(np.max(LW0))  # the steps did try to grow


@pytest.mark.parametrize("shape", [(40, 7), (7, 40)])
def test_trace_dual_ball_excess_matches_the_svd(shape):
    """The excess from the top singular value alone (at the rescaled dual points) equals
    the SVD's to rounding, and the SVD decides everywhere else."""
    rng = np.random.default_rng(25)
    V = rng.standard_normal(shape)
    pen = TraceNormPenalty(1.7)
    sv = np.linalg.svd(V, compute_uv=False)

    def exact(M):
        e = np.maximum(np.linalg.svd(M, compute_uv=False) - pen.alpha, 0.0)
        return float(np.sum(e * e))

    on_ball = V * (pen.alpha / sv[0])
    assert pen._dual_ball_excess(on_ball) <= 1e-28
    assert pen.conjugate(on_ball) == 0.0
    for factor in (1.0 + 1e-6, 1.5, 3.0):
        M = on_ball * factor
        assert pen._dual_ball_excess(M) == pytest.approx(exact(M), rel=1e-12)
        assert pen.conjugate(M) == np.inf
    assert TraceNormPenalty(1.7, l2=0.3).conjugate(on_ball * 2.0) == pytest.approx(
        exact(on_ball * 2.0) / 0.6, rel=1e-12)
    # with l2 > 0 the excess enters the conjugate: exact even when negligible
    tiny = TraceNormPenalty(1.7, l2=1e-18)
    near = on_ball * (1.0 + 3e-11)
    assert tiny.conjugate(near) == pytest.approx(exact(near) / 2e-18, rel=1e-6)


@pytest.mark.parametrize("layout", ["full", "stacked"])
@pytest.mark.parametrize("storage", ["C", "F", "csr"])
def test_column_means_are_row_major(layout, storage):
    """The epochs take the column means with one memory order whatever the layout, the
    intercept or the weights (each other order compiled a second copy of every epoch)."""
    from mtlreg._design import weighted_means

    X, Y = _data("per_task" if layout == "stacked" else "missing", "squared", seed=26,
                 sparse=storage == "csr")
    if storage == "F":
        X = np.asfortranarray(X)
    for fit_intercept in (False, True):
        d = _problem(X, Y, "squared", L1Penalty(0.1), fit_intercept, layout=layout).design
        assert d.xbar.flags.c_contiguous
        assert weighted_means(d, d.s * 2.0).flags.c_contiguous


def test_logistic_kernels_get_flat_arrays(monkeypatch):
    """The loss hands its kernels 1-D arrays on both layouts (one compiled signature)."""
    from mtlreg import _logistic
    from mtlreg.losses import LogisticLoss

    seen = []
    for name in ("logistic_value", "logistic_grad", "logistic_value_grad",
                 "logistic_curvature", "logistic_conjugate"):
        real = getattr(_logistic, name)

        def spy(*arrays, _real=real):
            seen.append(tuple(a.ndim for a in arrays))
            return _real(*arrays)

        monkeypatch.setattr(_logistic, name, spy)
    loss = LogisticLoss()
    rng = np.random.default_rng(27)
    for shape in ((40,), (10, 4)):
        y = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
        s = np.asfortranarray(rng.random(shape))
        z = np.asfortranarray(rng.standard_normal(shape))
        value, grad = loss.value_and_grad(y, s, z)
        assert grad.shape == shape
        np.testing.assert_allclose(grad, loss.grad(y, s, z), rtol=1e-14)
        assert loss.value(y, s, z) == pytest.approx(value, rel=1e-14)
        assert loss.hessian_diagonal(y, s, z).shape == shape
        loss.conjugate(y, s, -0.5 * s * y)
    assert seen and all(set(ndims) == {1} for ndims in seen)


@pytest.mark.parametrize("design", ["shared", "per_task"])
@pytest.mark.parametrize("name", ["LassoRegressor", "L21Regressor", "TraceNormRegressor",
                                  "MeanRegularizedRegressor"])
def test_estimators_ignore_a_target_offset(design, name):
    """Adding 1e6 to every target moves the intercepts by 1e6 and nothing else, to a tight
    tolerance (uncentred, coordinate descent's gap floor let it stop 3e-5 off, and a
    per-task Lasso never reached tol 1e-10)."""
    from mtlreg.datasets import make_multitask_regression

    X, Y = make_multitask_regression(200, 30, 4, design=design, noise=0.5, random_state=0)
    cls = getattr(mtlreg, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref = cls(alpha=0.05, tol=1e-10, max_iter=20000).fit(X, Y)
        far = cls(alpha=0.05, tol=1e-10, max_iter=20000).fit(X, Y + 1e6)
    np.testing.assert_allclose(far.coef_, ref.coef_, atol=1e-8)
    np.testing.assert_allclose(far.intercept_, ref.intercept_ + 1e6, rtol=1e-13)


@pytest.mark.parametrize("name", ["LassoClassifier", "L21Classifier"])
def test_logistic_gap_holds_with_large_scores(name):
    """Nearly separable labels (2 % flipped) at alpha_max / 1e4: scores above 100, where
    the dual point's p = sigmoid(-y z) falls to e^-100 in the conjugate's p log p, and
    misclassified entries. The gap certifies tol 1e-12 without going negative, and
    FISTA and proximal Newton agree on the objective to rounding."""
    rng = np.random.default_rng(31)
    X = rng.standard_normal((200, 30))
    Y = np.sign(X @ (3.0 * rng.standard_normal((30, 3))) + 0.3 * rng.standard_normal((200, 3)))
    Y[rng.random(Y.shape) < 0.02] *= -1
    penalty = "lasso" if name.startswith("Lasso") else "l21"
    alpha = mtlreg.alpha_max(X, Y, penalty, loss="logistic") / 1e4
    fits = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fit that does not reach tol 1e-12 fails here
        for solver in ("fista", "prox_newton"):
            fits.append(getattr(mtlreg, name)(alpha=alpha, tol=1e-12, max_iter=100000,
                                              solver=solver).fit(X, Y))
    for m in fits:
        Z = X @ m.coef_.T + m.intercept_
        assert np.abs(Z).max() > 100 and np.sum(Y * Z < 0) > 0
        assert m.dual_gap_ >= 0.0
    assert fits[0].objective_ == pytest.approx(fits[1].objective_, rel=1e-12)


def test_fista_stops_on_a_non_finite_datafit():
    """A datafit that turns NaN (an overflow) rejects every step: FISTA stops, not
    converged, with its last finite iterate, instead of shrinking the step forever."""
    X, Y = _data("missing", "logistic", seed=28)
    prob = _problem(X, Y, "logistic", TraceNormPenalty(0.05), True)
    real, calls = prob.loss, [0]

    class TurnsNaN:
        def __getattr__(self, name):
            return getattr(real, name)

        def value(self, y, s, z):
            calls[0] += 1
            return np.nan if calls[0] > 5 else real.value(y, s, z)

        def value_shifted(self, design, zW, b):
            return self.value(design.y, design.s, zW + design.expand(b))

    prob.loss = TurnsNaN()
    res = fista(prob, np.zeros((6, 3)), np.zeros(3), tol=1e-12, max_iter=100)
    assert not res["converged"] and res["n_iter"] < 100
    assert np.all(np.isfinite(res["W"])) and np.all(np.isfinite(res["b"]))
