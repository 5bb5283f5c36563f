"""Parity with scikit-learn's coordinate-descent solvers.

With a shared design and no missing targets the mtlreg objectives reduce to
scikit-learn's:

* ``L21Regressor(alpha)``   == ``MultiTaskLasso(alpha)``:
  1/(2n) ||Y - XW - b||_F^2 + alpha * sum_j ||W_j||_2
* ``LassoRegressor(alpha)`` on 1-D y == ``Lasso(alpha)``:
  1/(2n) ||y - Xw - b||^2 + alpha * ||w||_1

so both solutions (which are unique for generic X, also when d > n) must
agree to high precision when both solvers are run to tight tolerances.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LassoCV, MultiTaskLasso, MultiTaskLassoCV

import mtlreg
from mtlreg import L21Regressor, LassoRegressor

OUR_TOL = 1e-10
SK_TOL = 1e-12
MAX_ITER = 200_000
ATOL = 1e-6
RTOL = 1e-6

SHAPES = {"n>d": (50, 15), "d>n": (25, 50)}
FRACTIONS = [2, 10, 100]  # alpha = alpha_max / fraction


def make_data(n, d, T, seed):
    """Correlated, un-centred design; row-sparse W; non-zero offsets."""
    rng = np.random.default_rng(seed)
    cov = 0.5 ** np.abs(np.subtract.outer(np.arange(d), np.arange(d)))
    X = rng.standard_normal((n, d)) @ np.linalg.cholesky(cov).T + rng.uniform(-2, 2, d)
    W = np.zeros((d, T))
    support = rng.choice(d, size=max(2, d // 5), replace=False)
    W[support] = rng.standard_normal((support.size, T)) * 2.0
    Y = X @ W + rng.uniform(-3, 3, T) + 0.3 * rng.standard_normal((n, T))
    return X, Y


def manual_alpha_max(X, Y, fit_intercept, penalty):
    Y = Y.reshape(len(Y), -1)
    if fit_intercept:
        X = X - X.mean(axis=0)
        Y = Y - Y.mean(axis=0)
    G = X.T @ Y / X.shape[0]
    if penalty == "l21":
        return np.sqrt((G**2).sum(axis=1)).max()
    return np.abs(G).max()


def primal(X, Y, coef, intercept, alpha, penalty):
    Y = Y.reshape(len(Y), -1)
    W = np.asarray(coef).reshape(Y.shape[1], -1).T
    R = Y - X @ W - np.asarray(intercept).reshape(-1)
    reg = np.sqrt((W**2).sum(axis=1)).sum() if penalty == "l21" else np.abs(W).sum()
    return 0.5 * (R**2).sum() / len(Y) + alpha * reg


def _fit_sklearn(est, X, Y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return est.fit(X, Y)


# --------------------------------------------------------------------------
# L21Regressor vs MultiTaskLasso
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "no-icpt"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_l21_matches_multitask_lasso(shape, fit_intercept, seed):
    n, d = SHAPES[shape]
    X, Y = make_data(n, d, T=4, seed=seed)
    amax = manual_alpha_max(X, Y, fit_intercept, "l21")
    for frac in FRACTIONS:
        alpha = amax / frac
        sk = _fit_sklearn(
            MultiTaskLasso(alpha=alpha, fit_intercept=fit_intercept, tol=SK_TOL, max_iter=MAX_ITER),
            X,
            Y,
        )
        ours = L21Regressor(
            alpha=alpha, fit_intercept=fit_intercept, tol=OUR_TOL, max_iter=MAX_ITER
        ).fit(X, Y)
        msg = f"alpha=alpha_max/{frac}"
        assert ours.coef_.shape == sk.coef_.shape
        assert_allclose(ours.coef_, sk.coef_, rtol=RTOL, atol=ATOL, err_msg=msg)
        assert_allclose(ours.intercept_, sk.intercept_, rtol=RTOL, atol=ATOL, err_msg=msg)
        # same zero rows (support) up to the tolerance
        assert_allclose(
            np.linalg.norm(ours.coef_, axis=0), np.linalg.norm(sk.coef_, axis=0), atol=ATOL
        )
        # reported objective is the true primal value and no worse than sklearn's
        p_ours = primal(X, Y, ours.coef_, ours.intercept_, alpha, "l21")
        p_sk = primal(X, Y, sk.coef_, sk.intercept_, alpha, "l21")
        assert ours.objective_ == pytest.approx(p_ours, rel=1e-9, abs=1e-12)
        assert p_ours <= p_sk + 1e-9


@pytest.mark.parametrize("solver", ["bcd", "fista"])
def test_l21_matches_multitask_lasso_each_solver(solver):
    X, Y = make_data(40, 12, T=3, seed=7)
    alpha = manual_alpha_max(X, Y, True, "l21") / 10
    sk = _fit_sklearn(MultiTaskLasso(alpha=alpha, tol=SK_TOL, max_iter=MAX_ITER), X, Y)
    ours = L21Regressor(alpha=alpha, tol=OUR_TOL, max_iter=MAX_ITER, solver=solver).fit(X, Y)
    assert_allclose(ours.coef_, sk.coef_, rtol=RTOL, atol=ATOL)
    assert_allclose(ours.intercept_, sk.intercept_, rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------
# LassoRegressor (1-D y) vs Lasso
# --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "no-icpt"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lasso_matches_sklearn_lasso(shape, fit_intercept, seed):
    n, d = SHAPES[shape]
    X, Y = make_data(n, d, T=1, seed=seed)
    y = Y[:, 0]
    amax = manual_alpha_max(X, y, fit_intercept, "lasso")
    for frac in FRACTIONS:
        alpha = amax / frac
        sk = _fit_sklearn(
            Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=SK_TOL, max_iter=MAX_ITER), X, y
        )
        ours = LassoRegressor(
            alpha=alpha, fit_intercept=fit_intercept, tol=OUR_TOL, max_iter=MAX_ITER
        ).fit(X, y)
        msg = f"alpha=alpha_max/{frac}"
        assert ours.coef_.shape == (d,)
        assert np.ndim(ours.intercept_) == 0
        assert_allclose(ours.coef_, sk.coef_, rtol=RTOL, atol=ATOL, err_msg=msg)
        assert_allclose(ours.intercept_, sk.intercept_, rtol=RTOL, atol=ATOL, err_msg=msg)
        p_ours = primal(X, y, ours.coef_, ours.intercept_, alpha, "lasso")
        p_sk = primal(X, y, sk.coef_, sk.intercept_, alpha, "lasso")
        assert p_ours <= p_sk + 1e-9


def test_lasso_multitask_is_per_task_lasso():
    """Lasso is separable over tasks: each column of Y is an sklearn Lasso fit."""
    X, Y = make_data(40, 12, T=3, seed=3)
    alpha = manual_alpha_max(X, Y, True, "lasso") / 10
    ours = LassoRegressor(alpha=alpha, tol=OUR_TOL, max_iter=MAX_ITER).fit(X, Y)
    for t in range(Y.shape[1]):
        sk = _fit_sklearn(Lasso(alpha=alpha, tol=SK_TOL, max_iter=MAX_ITER), X, Y[:, t])
        assert_allclose(ours.coef_[t], sk.coef_, rtol=RTOL, atol=ATOL)
        assert_allclose(ours.intercept_[t], sk.intercept_, rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------
# alpha_max
# --------------------------------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "no-icpt"])
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_alpha_max_l21(fit_intercept, shape):
    n, d = SHAPES[shape]
    X, Y = make_data(n, d, T=3, seed=11)
    amax = mtlreg.alpha_max(X, Y, penalty="l21", fit_intercept=fit_intercept)
    assert isinstance(amax, float)
    # max_j ||X_c[:, j]^T Y_c||_2 / n
    assert amax == pytest.approx(manual_alpha_max(X, Y, fit_intercept, "l21"), rel=1e-12)
    # sklearn's own alpha grid starts at the same value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv = MultiTaskLassoCV(alphas=3, cv=2, fit_intercept=fit_intercept, max_iter=50).fit(X, Y)
    assert amax == pytest.approx(cv.alphas_[0], rel=1e-10)

    above, below = amax * (1 + 1e-6), amax * (1 - 1e-2)
    kw = {"fit_intercept": fit_intercept, "tol": 1e-10, "max_iter": MAX_ITER}
    assert np.all(MultiTaskLasso(alpha=above, **kw).fit(X, Y).coef_ == 0)
    assert np.any(MultiTaskLasso(alpha=below, **kw).fit(X, Y).coef_ != 0)
    assert np.all(L21Regressor(alpha=above, **kw).fit(X, Y).coef_ == 0)
    assert np.any(L21Regressor(alpha=below, **kw).fit(X, Y).coef_ != 0)


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["icpt", "no-icpt"])
def test_alpha_max_lasso(fit_intercept):
    X, Y = make_data(40, 12, T=1, seed=12)
    y = Y[:, 0]
    amax = mtlreg.alpha_max(X, y, penalty="lasso", fit_intercept=fit_intercept)
    assert amax == pytest.approx(manual_alpha_max(X, y, fit_intercept, "lasso"), rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv = LassoCV(alphas=3, cv=2, fit_intercept=fit_intercept, max_iter=50).fit(X, y)
    assert amax == pytest.approx(cv.alphas_[0], rel=1e-10)

    above, below = amax * (1 + 1e-6), amax * (1 - 1e-2)
    kw = {"fit_intercept": fit_intercept, "tol": 1e-10, "max_iter": MAX_ITER}
    assert np.all(Lasso(alpha=above, **kw).fit(X, y).coef_ == 0)
    assert np.any(Lasso(alpha=below, **kw).fit(X, y).coef_ != 0)
    assert np.all(LassoRegressor(alpha=above, **kw).fit(X, y).coef_ == 0)
    assert np.any(LassoRegressor(alpha=below, **kw).fit(X, y).coef_ != 0)


def test_alpha_max_default_penalty_is_l21():
    X, Y = make_data(30, 8, T=3, seed=13)
    assert mtlreg.alpha_max(X, Y) == pytest.approx(mtlreg.alpha_max(X, Y, penalty="l21"))


# --------------------------------------------------------------------------
# L21Regressor vs MultiTaskLasso on a sparse design
# --------------------------------------------------------------------------
@pytest.mark.parametrize("divisor", [50, 100])
def test_l21_sparse_matches_multitask_lasso_without_wasted_epochs(divisor):
    """A CSC design: scikit-learn's model, in not many more epochs than its (15 and 30 at
    tol 1e-6; 34 and 40 here). The epochs between gap checks follow a CSC epoch's cost:
    counted at the dense kernels' flop rate they were 84 and 91."""
    rng = np.random.default_rng(0)
    X = sp.random(2000, 500, density=0.02, format="csc", random_state=rng)
    W = np.zeros((500, 3))
    W[rng.choice(500, 20, replace=False)] = rng.standard_normal((20, 3))
    Z = np.asarray(X @ W)
    Y = Z + 0.5 * np.std(Z) * rng.standard_normal(Z.shape)
    alpha = manual_alpha_max(X.toarray(), Y, False, "l21") / divisor
    sk = _fit_sklearn(MultiTaskLasso(alpha=alpha, fit_intercept=False, tol=SK_TOL,
                                     max_iter=MAX_ITER), X, Y)
    ours = L21Regressor(alpha=alpha, fit_intercept=False, tol=1e-6, max_iter=MAX_ITER)
    ours.fit(X, Y)
    assert_allclose(ours.coef_, sk.coef_, rtol=RTOL, atol=ATOL)
    assert ours.n_iter_ <= 50
