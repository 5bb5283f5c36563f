"""Bad inputs must fail loudly, with a message naming the problem."""

import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from mtlreg import (
    L21Classifier,
    L21Regressor,
    LassoClassifier,
    LassoRegressor,
    MeanRegularizedClassifier,
    MeanRegularizedRegressor,
    TraceNormClassifier,
    TraceNormRegressor,
)

REGRESSORS = [LassoRegressor, L21Regressor, TraceNormRegressor, MeanRegularizedRegressor]
CLASSIFIERS = [LassoClassifier, L21Classifier, TraceNormClassifier, MeanRegularizedClassifier]
ALL_ESTIMATORS = REGRESSORS + CLASSIFIERS
BCD_OK = [LassoRegressor, L21Regressor]
BCD_NOT_OK = [c for c in ALL_ESTIMATORS if c not in BCD_OK]
PN_OK = [LassoClassifier, L21Classifier]
PN_NOT_OK = [c for c in ALL_ESTIMATORS if c not in PN_OK]
NCG_OK = [MeanRegularizedClassifier]
NCG_NOT_OK = [c for c in ALL_ESTIMATORS if c not in NCG_OK]

BAD = (ValueError, TypeError)
NONFINITE = r"(?i)nan|inf|finite"


def _ids(classes):
    return [c.__name__ for c in classes]


def _is_clf(cls):
    return cls in CLASSIFIERS


all_estimators = pytest.mark.parametrize("cls", ALL_ESTIMATORS, ids=_ids(ALL_ESTIMATORS))


def make_data(cls, n=30, d=4, T=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Z = X @ rng.standard_normal((d, T)) + 0.3 * rng.standard_normal((n, T))
    if _is_clf(cls):
        Y = (Z > 0).astype(float)
        Y[0], Y[1] = 0.0, 1.0  # both classes in every task
    else:
        Y = Z
    return X, Y


# --------------------------------------------------------------------------
# X / Y contents and shapes
# --------------------------------------------------------------------------
@all_estimators
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_nonfinite_X_in_fit(cls, bad):
    X, Y = make_data(cls)
    X[3, 2] = bad
    with pytest.raises(ValueError, match=NONFINITE):
        cls(alpha=0.1).fit(X, Y)


@all_estimators
@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["nan", "inf"])
def test_nonfinite_X_in_predict(cls, bad):
    X, Y = make_data(cls)
    est = cls(alpha=0.1).fit(X, Y)
    X2 = X.copy()
    X2[1, 1] = bad
    with pytest.raises(ValueError, match=NONFINITE):
        est.predict(X2)


@pytest.mark.parametrize("cls", REGRESSORS, ids=_ids(REGRESSORS))
def test_inf_in_Y(cls):
    # NaN in Y means "missing"; inf is never a valid target.
    X, Y = make_data(cls)
    Y[4, 1] = np.inf
    with pytest.raises(ValueError, match=NONFINITE):
        cls(alpha=0.1).fit(X, Y)


@all_estimators
@pytest.mark.parametrize("task", [0, 2])
def test_task_without_observed_target(cls, task):
    X, Y = make_data(cls)
    Y[:, task] = np.nan
    with pytest.raises(ValueError, match=r"(?i)task") as exc:
        cls(alpha=0.1).fit(X, Y)
    # the message names the offending task index
    assert re.search(rf"\b{task}\b", str(exc.value)), str(exc.value)


@all_estimators
def test_all_nan_1d_target(cls):
    X, _ = make_data(cls)
    with pytest.raises(ValueError, match=r"(?i)task|observed|nan|missing|empty"):
        cls(alpha=0.1).fit(X, np.full(X.shape[0], np.nan))


@all_estimators
def test_row_count_mismatch(cls):
    X, Y = make_data(cls)
    with pytest.raises(ValueError, match=r"(?i)shape|samples|inconsistent"):
        cls(alpha=0.1).fit(X, Y[:-3])
    with pytest.raises(ValueError, match=r"(?i)shape|samples|inconsistent"):
        cls(alpha=0.1).fit(X[:-3], Y[:, 0])


@all_estimators
def test_3d_target(cls):
    X, Y = make_data(cls)
    with pytest.raises(ValueError, match=r"(?i)dim|shape|2-?d|1-?d"):
        cls(alpha=0.1).fit(X, Y[:, :, None])


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=_ids(CLASSIFIERS))
@pytest.mark.parametrize("task", [0, 1])
def test_classification_task_with_single_class(cls, task):
    X, Y = make_data(cls)
    Y[:, task] = 1.0
    with pytest.raises(ValueError, match=r"(?i)class"):
        cls(alpha=0.1).fit(X, Y)


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=_ids(CLASSIFIERS))
def test_classification_single_observed_class(cls):
    # two classes in the column, but only one among the observed entries
    X, Y = make_data(cls)
    Y[:, 1] = np.where(Y[:, 1] == 1.0, 1.0, np.nan)
    with pytest.raises(ValueError, match=r"(?i)class"):
        cls(alpha=0.1).fit(X, Y)


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=_ids(CLASSIFIERS))
def test_classification_task_with_three_classes(cls):
    X, Y = make_data(cls)
    Y[:5, 2] = 2.0
    with pytest.raises(ValueError, match=r"(?i)class|binary|label"):
        cls(alpha=0.1).fit(X, Y)


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=_ids(CLASSIFIERS))
def test_classification_single_class_1d(cls):
    X, _ = make_data(cls)
    with pytest.raises(ValueError, match=r"(?i)class"):
        cls(alpha=0.1).fit(X, np.ones(X.shape[0]))


# --------------------------------------------------------------------------
# hyper-parameters
# --------------------------------------------------------------------------
@all_estimators
@pytest.mark.parametrize(
    "params, pattern",
    [
        ({"alpha": -1.0}, "alpha"),
        ({"alpha": "1.0"}, "alpha"),
        ({"alpha": np.nan}, "alpha"),
        ({"l2": -0.5}, "l2"),
        ({"l2": "big"}, "l2"),
        ({"solver": "newton"}, "solver"),
        ({"solver": None}, "solver"),
        ({"tol": -1e-3}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"max_iter": 2.5}, "max_iter"),
        ({"task_weights": "uniform"}, "task_weights"),
    ],
    ids=lambda v: repr(v) if isinstance(v, dict) else None,
)
def test_bad_hyperparameters(cls, params, pattern):
    X, Y = make_data(cls)
    with pytest.raises(BAD, match=pattern):
        cls(**params).fit(X, Y)


@pytest.mark.parametrize("cls", BCD_NOT_OK, ids=_ids(BCD_NOT_OK))
def test_bcd_only_for_lasso_and_l21_regressors(cls):
    X, Y = make_data(cls)
    with pytest.raises(BAD, match=r"(?i)solver|bcd"):
        cls(alpha=0.1, solver="bcd").fit(X, Y)


@pytest.mark.parametrize("cls", PN_NOT_OK, ids=_ids(PN_NOT_OK))
def test_prox_newton_only_for_lasso_and_l21_classifiers(cls):
    X, Y = make_data(cls)
    with pytest.raises(BAD, match=r"(?i)solver|prox_newton"):
        cls(alpha=0.1, solver="prox_newton").fit(X, Y)


@pytest.mark.parametrize("cls", NCG_NOT_OK, ids=_ids(NCG_NOT_OK))
def test_newton_cg_only_for_the_mean_regularised_classifier(cls):
    X, Y = make_data(cls)
    with pytest.raises(BAD, match=r"(?i)solver|newton_cg"):
        cls(alpha=0.1, solver="newton_cg").fit(X, Y)


@pytest.mark.parametrize("cls", BCD_OK + PN_OK + NCG_OK, ids=_ids(BCD_OK + PN_OK + NCG_OK))
@pytest.mark.parametrize("solver", ["auto", "fista", "specialised"])
def test_valid_solvers_are_accepted(cls, solver):
    if solver == "specialised":
        solver = _solvers(cls)[1]
    X, Y = make_data(cls)
    est = cls(alpha=0.1, solver=solver).fit(X, Y)
    assert np.all(np.isfinite(est.coef_))
    assert est.solver_ == (_solvers(cls)[1] if solver == "auto" else solver)


@all_estimators
@pytest.mark.parametrize(
    "weights",
    [
        np.ones(2),
        np.ones(4),
        np.array([1.0, -1.0, 1.0]),
        np.array([1.0, np.nan, 1.0]),
        np.array([0.0, 0.0, 0.0]),
    ],
    ids=["too-short", "too-long", "negative", "nan", "all-zero"],
)
def test_bad_task_weights(cls, weights):
    X, Y = make_data(cls)
    with pytest.raises(BAD, match=r"task_weights|weight"):
        cls(alpha=0.1, task_weights=weights).fit(X, Y)


@all_estimators
@pytest.mark.parametrize("weights", [None, "balanced", "n_samples", [1.0, 2.0, 0.5]])
def test_valid_task_weights_are_accepted(cls, weights):
    X, Y = make_data(cls)
    Y[:7, 1] = np.nan
    est = cls(alpha=0.1, task_weights=weights).fit(X, Y)
    assert est.task_weights_.shape == (3,)
    if weights is None or weights == "balanced":
        np.testing.assert_allclose(est.task_weights_, 1.0)
    elif weights == "n_samples":
        n_t = (~np.isnan(Y)).sum(axis=0)
        np.testing.assert_allclose(est.task_weights_, 3 * n_t / n_t.sum())
    else:
        np.testing.assert_allclose(est.task_weights_, weights)


# --------------------------------------------------------------------------
# predict-time errors
# --------------------------------------------------------------------------
@all_estimators
def test_predict_wrong_number_of_features(cls):
    X, Y = make_data(cls)
    est = cls(alpha=0.1).fit(X, Y)
    with pytest.raises(ValueError, match=r"(?i)feature"):
        est.predict(X[:, :-1])
    with pytest.raises(ValueError, match=r"(?i)feature"):
        est.predict(np.hstack([X, X[:, :1]]))


@all_estimators
def test_unfitted_raises_not_fitted(cls):
    X, _ = make_data(cls)
    est = cls(alpha=0.1)
    methods = ["predict", "score"]
    if _is_clf(cls):
        methods += ["predict_proba", "decision_function"]
    for name in methods:
        args = (X, np.zeros(X.shape[0])) if name == "score" else (X,)
        with pytest.raises(NotFittedError):
            getattr(est, name)(*args)


# --------------------------------------------------------------------------
# convergence and numerical robustness
# --------------------------------------------------------------------------
def _solvers(cls):
    if cls in BCD_OK:
        return ["fista", "bcd"]
    if cls in PN_OK:
        return ["fista", "prox_newton"]
    if cls in NCG_OK:
        return ["fista", "newton_cg"]
    return ["fista"]


@all_estimators
def test_max_iter_1_warns_convergence(cls):
    X, Y = make_data(cls, n=40, d=10)
    for solver in _solvers(cls):
        est = cls(alpha=1e-3, tol=1e-14, max_iter=1, solver=solver)
        with pytest.warns(ConvergenceWarning):
            est.fit(X, Y)
        assert est.n_iter_ == 1
        assert np.all(np.isfinite(est.coef_))


@all_estimators
def test_converged_fit_does_not_warn(cls):
    X, Y = make_data(cls)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        cls(alpha=0.1, max_iter=5000).fit(X, Y)


def _hard_problems(cls):
    """Ill-conditioned / degenerate problems on which the fit must stay finite."""
    rng = np.random.default_rng(42)
    n, d, T = 20, 30, 3  # d > n
    X = rng.standard_normal((n, d))
    yield "d>n", X, make_data(cls, n=n, d=d, T=T, seed=1)[1]

    Xc = X.copy()
    Xc[:, 1] = Xc[:, 0]  # exactly duplicated column
    Xc[:, 2] = 0.0  # constant (zero) column
    Xc[:, 3] = 5.0  # constant non-zero column
    yield "collinear+constant", Xc, make_data(cls, n=n, d=d, T=T, seed=2)[1]

    Xs = X * np.logspace(-4, 4, d)  # badly scaled columns
    yield "badly-scaled", Xs, make_data(cls, n=n, d=d, T=T, seed=3)[1]

    if _is_clf(cls):
        # linearly separable: unregularised logistic loss has no minimiser
        y = (X[:, 0] > 0).astype(float)
        y[0], y[1] = 0.0, 1.0
        Xsep = X.copy()
        Xsep[:, 0] = np.where(y == 1.0, 1.0, -1.0) + 0.1 * Xsep[:, 0]
        yield "separable", Xsep, np.column_stack([y, y, 1.0 - y])
    else:
        Yb = make_data(cls, n=n, d=d, T=T, seed=4)[1] * 1e6  # huge targets
        yield "huge-targets", X, Yb


@all_estimators
@pytest.mark.parametrize("alpha", [1e-8, 1e-2, 1e4])
def test_coefficients_always_finite(cls, alpha):
    for name, X, Y in _hard_problems(cls):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = cls(alpha=alpha, max_iter=300).fit(X, Y)
        assert np.all(np.isfinite(est.coef_)), name
        assert np.all(np.isfinite(est.intercept_)), name
        assert np.all(np.isfinite(est.predict(X))), name
        assert np.isfinite(est.objective_), name
        if (
            alpha == 1e4
            and name not in ("badly-scaled", "huge-targets")
            and cls not in (MeanRegularizedRegressor, MeanRegularizedClassifier)
        ):
            # far above alpha_max (which is O(10) on these problems): W is exactly zero
            assert np.all(est.coef_ == 0.0), name


@pytest.mark.parametrize("cls", [LassoRegressor, L21Regressor], ids=["Lasso", "L21"])
def test_bcd_finite_on_hard_problems(cls):
    for name, X, Y in _hard_problems(cls):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = cls(alpha=1e-6, solver="bcd", max_iter=300).fit(X, Y)
        assert np.all(np.isfinite(est.coef_)), name
        assert np.all(np.isfinite(est.intercept_)), name


@all_estimators
def test_memory_order_of_X_and_Y_does_not_matter(cls):
    """Column-major inputs give the same converged model (regression: the logistic
    kernels wrote through ravel() into a copy when the weights were column-major)."""
    X, Y = make_data(cls)
    Y = np.array(Y, dtype=float)
    Y[::5, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ref = cls(alpha=0.05, max_iter=5000).fit(X, Y)
        other = cls(alpha=0.05, max_iter=5000).fit(np.asfortranarray(X), np.asfortranarray(Y))
    np.testing.assert_allclose(other.coef_, ref.coef_, atol=1e-8)
    assert other.objective_ == pytest.approx(ref.objective_, rel=1e-10)
