"""Correctness against cvxpy: every estimator reaches the optimum of its objective.

For each of the 8 estimators and every instance kind of ``conftest.KINDS``
(shared design, per-task samples, missing targets, 1-D y, d > n, no intercept,
task weights as an array and "n_samples", l2 > 0, sparse CSR and CSC X) the
estimator is fitted at a tight tolerance and compared with the minimiser that
cvxpy (Clarabel) finds for the objective written in ``_oracle``:

* relative objective gap |P(ours) - P(cvxpy)| / max(1, |P(cvxpy)|) <= 1e-6;
* coefficients and intercepts equal to 1e-4 (relative to the coefficient scale);
* ``objective_`` equals ``_oracle.objective`` at the fitted coef_/intercept_;
* shapes of coef_/intercept_, ``task_weights_``, and the linear decision values.

alpha is a fraction of ``mtlreg.alpha_max`` for Lasso / L21 / TraceNorm (so the
solution is neither zero nor unregularised) and fixed for MeanRegularized.
All chosen instances have a unique solution: the cvxpy solutions found by the
interior point solver (Clarabel) and by SCS agree to ~1e-6 on every one of them.
"""


import _oracle as oracle
import numpy as np
import pytest
import scipy.sparse as sp

# estimator name -> (penalty, loss)
ESTIMATORS = {
    "LassoRegressor": ("lasso", "squared"),
    "LassoClassifier": ("lasso", "logistic"),
    "L21Regressor": ("l21", "squared"),
    "L21Classifier": ("l21", "logistic"),
    "TraceNormRegressor": ("trace", "squared"),
    "TraceNormClassifier": ("trace", "logistic"),
    "MeanRegularizedRegressor": ("mean", "squared"),
    "MeanRegularizedClassifier": ("mean", "logistic"),
}
BCD_ESTIMATORS = ("LassoRegressor", "L21Regressor")

ALPHA_FRACTION = 0.3     # alpha = ALPHA_FRACTION * alpha_max (lasso, l21, trace)
MEAN_ALPHA = 1.0         # alpha of the mean-regularised estimators
WIDE_MEAN_L2 = 0.1       # d > n: the mean penalty leaves the common part free,
#                          so add a ridge to keep the problem strictly convex
#                          (and bounded for the logistic loss)

OBJ_RTOL = 1e-6          # objective gap vs cvxpy
OBJ_ATTR_RTOL = 1e-9     # objective_ vs the oracle at the estimator's own point
COEF_ATOL = 1e-4         # times max(1, max |coef|)

FIT_PARAMS = dict(tol=1e-10, max_iter=200_000)


def _mtlreg():
    # imported lazily so that the oracle self-checks below run on their own
    import mtlreg

    return mtlreg


def _setup(est_name, kind, instance_factory):
    """(instance, alpha, l2) for estimator ``est_name`` on instance ``kind``."""
    penalty, loss = ESTIMATORS[est_name]
    inst = instance_factory(kind, loss)
    l2 = inst["l2"]
    if penalty == "mean":
        alpha = MEAN_ALPHA
        if inst["wide"] and l2 == 0:
            l2 = WIDE_MEAN_L2
    else:
        amax = _mtlreg().alpha_max(
            inst["X"], inst["Y"], penalty=penalty, loss=loss,
            fit_intercept=inst["fit_intercept"], task_weights=inst["task_weights"],
        )
        alpha = ALPHA_FRACTION * float(amax)
    return inst, alpha, l2


_CVX_CACHE = {}


def _reference(est_name, kind, inst, alpha, l2):
    key = (est_name, kind, alpha, l2)
    if key not in _CVX_CACHE:
        penalty, loss = ESTIMATORS[est_name]
        _CVX_CACHE[key] = oracle.cvxpy_solve(
            inst["X"], inst["Y"], penalty, loss, alpha, l2=l2,
            fit_intercept=inst["fit_intercept"], task_weights=inst["task_weights"],
        )
    return _CVX_CACHE[key]


def _n_tasks(Y):
    return 1 if np.ndim(Y) == 1 else np.shape(Y)[1]


def _check_against_cvxpy(est_name, kind, solver, instance_factory):
    mtlreg = _mtlreg()
    penalty, loss = ESTIMATORS[est_name]
    inst, alpha, l2 = _setup(est_name, kind, instance_factory)
    X, Y = inst["X"], inst["Y"]
    T, d = _n_tasks(Y), X.shape[1]
    one_d = np.ndim(Y) == 1

    est = getattr(mtlreg, est_name)(
        alpha=alpha, l2=l2, fit_intercept=inst["fit_intercept"],
        task_weights=inst["task_weights"], solver=solver, **FIT_PARAMS,
    )
    est.fit(X.copy(), Y.copy())
    ref_coef, ref_intercept, ref_obj = _reference(est_name, kind, inst, alpha, l2)
    ref_obj = float(ref_obj)

    # --- fitted attributes have the promised shapes -----------------------
    coef = np.asarray(est.coef_, dtype=float)
    intercept = np.asarray(est.intercept_, dtype=float)
    if one_d:
        assert coef.shape == (d,)
        assert intercept.shape == ()
    else:
        assert coef.shape == (T, d)
        assert intercept.shape == (T,)
    coef2 = coef.reshape(T, d)
    intercept2 = intercept.reshape(T)
    assert np.all(np.isfinite(coef2)) and np.all(np.isfinite(intercept2))
    if not inst["fit_intercept"]:
        np.testing.assert_array_equal(intercept2, 0.0)
    np.testing.assert_allclose(
        np.asarray(est.task_weights_, dtype=float),
        oracle.resolve_task_weights(inst["task_weights"], Y), rtol=1e-12,
    )

    # --- the objective reached is cvxpy's ------------------------------------
    ours = float(oracle.objective(
        X, Y, coef2, intercept2, penalty, loss, alpha, l2, inst["task_weights"]
    ))
    gap = (ours - ref_obj) / max(1.0, abs(ref_obj))
    info = (f"{est_name}/{kind}/solver={solver}: P(ours)={ours!r} P(cvxpy)={ref_obj!r} "
            f"rel gap={gap:.3e} n_iter_={getattr(est, 'n_iter_', None)} "
            f"dual_gap_={getattr(est, 'dual_gap_', None)}")
    assert gap <= OBJ_RTOL, "worse than cvxpy: " + info
    assert gap >= -OBJ_RTOL, "better than cvxpy beyond tolerance (oracle bug?): " + info

    # --- objective_ is P at the estimator's own point ------------------------
    obj_attr = float(est.objective_)
    assert abs(obj_attr - ours) <= OBJ_ATTR_RTOL * max(1.0, abs(ours)), (
        f"objective_={obj_attr!r} but P(coef_, intercept_)={ours!r} ({info})"
    )

    # --- the minimiser is cvxpy's (every instance here has a unique one) ----
    scale = max(1.0, np.abs(ref_coef).max())
    np.testing.assert_allclose(coef2, ref_coef, rtol=0, atol=COEF_ATOL * scale, err_msg=info)
    np.testing.assert_allclose(
        intercept2, ref_intercept, rtol=0, atol=COEF_ATOL * max(scale, np.abs(ref_intercept).max()),
        err_msg=info,
    )

    # --- the linear part used by predict ---------------------------------------
    Xd = X.toarray() if sp.issparse(X) else X
    lin = Xd @ coef2.T + intercept2
    if loss == "squared":
        pred = np.asarray(est.predict(X))
    else:
        pred = np.asarray(est.decision_function(X))
    assert pred.shape == ((X.shape[0],) if one_d else (X.shape[0], T))
    np.testing.assert_allclose(pred.reshape(-1, T), lin, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("solver", ["auto", "fista"])
@pytest.mark.parametrize("est_name", list(ESTIMATORS))
def test_matches_cvxpy(est_name, kind, solver, instance_factory):
    _check_against_cvxpy(est_name, kind, solver, instance_factory)


@pytest.mark.parametrize("est_name", BCD_ESTIMATORS)
def test_matches_cvxpy_bcd(est_name, kind, instance_factory):
    _check_against_cvxpy(est_name, kind, "bcd", instance_factory)


# ---------------------------------------------------------------------------
# alpha_max: closed form, and W = 0 just above it
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("penalty", ["lasso", "l21", "trace"])
def test_alpha_max(penalty, kind, loss, instance_factory):
    mtlreg = _mtlreg()
    inst = instance_factory(kind, loss)
    kw = dict(fit_intercept=inst["fit_intercept"], task_weights=inst["task_weights"])
    amax = float(mtlreg.alpha_max(inst["X"], inst["Y"], penalty=penalty, loss=loss, **kw))
    expected = oracle.alpha_max(inst["X"], inst["Y"], penalty, loss, **kw)
    np.testing.assert_allclose(amax, expected, rtol=1e-9)

    name = {"lasso": "Lasso", "l21": "L21", "trace": "TraceNorm"}[penalty]
    name += "Regressor" if loss == "squared" else "Classifier"
    est = getattr(mtlreg, name)(alpha=1.001 * amax, **kw, **FIT_PARAMS)
    est.fit(inst["X"], inst["Y"])
    np.testing.assert_allclose(np.asarray(est.coef_, dtype=float), 0.0, atol=1e-10)
    # and cvxpy agrees that W = 0 there, but not a bit below
    coef, _, _ = oracle.cvxpy_solve(inst["X"], inst["Y"], penalty, loss, 1.001 * amax, **kw)
    assert np.abs(coef).max() < 1e-6
    coef, _, _ = oracle.cvxpy_solve(inst["X"], inst["Y"], penalty, loss, 0.98 * amax, **kw)
    assert np.abs(coef).max() > 1e-4


# ---------------------------------------------------------------------------
# self-checks of the oracle (do not need mtlreg)
# ---------------------------------------------------------------------------
def test_oracle_l21_matches_sklearn_multitasklasso(instance_factory):
    from sklearn.linear_model import MultiTaskLasso

    inst = instance_factory("shared", "squared")
    X, Y = inst["X"], inst["Y"]
    alpha = 0.3 * oracle.alpha_max(X, Y, "l21", "squared")
    coef, intercept, value = oracle.cvxpy_solve(X, Y, "l21", "squared", alpha)
    sk = MultiTaskLasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, Y)
    np.testing.assert_allclose(coef, sk.coef_, atol=1e-5)
    np.testing.assert_allclose(intercept, sk.intercept_, atol=1e-5)
    sk_value = oracle.objective(X, Y, sk.coef_, sk.intercept_, "l21", "squared", alpha)
    assert abs(value - sk_value) <= 1e-9 * max(1.0, abs(value))


def test_oracle_lasso_and_logistic_match_sklearn(instance_factory):
    from sklearn.linear_model import Lasso, LogisticRegression

    inst = instance_factory("single", "squared")
    X, y = inst["X"], inst["Y"]
    alpha = 0.3 * oracle.alpha_max(X, y, "lasso", "squared")
    coef, intercept, _ = oracle.cvxpy_solve(X, y, "lasso", "squared", alpha)
    sk = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(coef[0], sk.coef_, atol=1e-5)
    np.testing.assert_allclose(intercept[0], sk.intercept_, atol=1e-5)

    # T = 1: the mean penalty vanishes, so l2 alone is sklearn's C = 1 / (n * l2)
    inst = instance_factory("single", "logistic")
    X, y = inst["X"], inst["Y"]
    l2 = 0.05
    coef, intercept, value = oracle.cvxpy_solve(X, y, "mean", "logistic", 1.0, l2=l2)
    sk = LogisticRegression(C=1.0 / (X.shape[0] * l2), tol=1e-12, max_iter=10_000).fit(X, y)
    assert list(sk.classes_) == sorted(set(y))
    np.testing.assert_allclose(coef[0], sk.coef_[0], atol=1e-5)
    np.testing.assert_allclose(intercept[0], sk.intercept_[0], atol=1e-5)
    sk_value = oracle.objective(X, y, sk.coef_, sk.intercept_, "mean", "logistic", 1.0, l2)
    assert sk_value >= value - 1e-9


@pytest.mark.parametrize("penalty", oracle.PENALTIES)
def test_oracle_objective_matches_cvxpy_value(penalty, loss, instance_factory):
    """The NumPy objective equals cvxpy's own value of its expression."""
    inst = instance_factory("weights", loss)
    X, Y = inst["X"], inst["Y"]
    alpha, l2 = 0.05, 0.02
    prob, W, b, T = oracle._build_problem(
        X, Y, penalty, loss, alpha, l2, True, inst["task_weights"]
    )
    rng = np.random.default_rng(0)
    W.value = rng.standard_normal(W.shape)
    b.value = rng.standard_normal(T)
    expected = prob.objective.value
    got = oracle.objective(X, Y, W.value.T, b.value, penalty, loss, alpha, l2, inst["task_weights"])
    assert abs(got - expected) <= 1e-10 * max(1.0, abs(expected))


def test_instances_are_as_described(kind, loss, instance_factory):
    inst = instance_factory(kind, loss)
    X, Y = inst["X"], np.asarray(inst["Y"], dtype=float)
    n, d = X.shape
    assert n <= 60 and d <= 15 and _n_tasks(Y) <= 4
    assert sp.issparse(X) == (kind in ("csr", "csc"))
    if kind == "csr":
        assert X.format == "csr"
    if kind == "csc":
        assert X.format == "csc"
    Y2 = Y.reshape(n, -1)
    obs = ~np.isnan(Y2)
    assert (obs.sum(axis=0) >= 3).all()
    if kind in ("per_task", "weights", "csc"):
        assert (obs.sum(axis=1) == 1).all()
    if kind in ("shared", "wide", "l2", "single"):
        assert obs.all()
    if kind in ("missing", "csr", "no_intercept"):
        assert 0.15 < 1 - obs.mean() < 0.45
    if kind == "single":
        assert Y.ndim == 1
    if kind == "wide":
        assert d > n and inst["wide"]
    if loss == "logistic":
        for t in range(Y2.shape[1]):
            assert np.unique(Y2[obs[:, t], t]).size == 2
