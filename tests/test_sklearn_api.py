"""scikit-learn integration tests for the mtlreg estimators.

Covers the sklearn estimator checks, meta-estimators (Pipeline, GridSearchCV),
pickling / cloning, warm starts, ``score`` semantics, output shapes, the
classifier API with arbitrary label pairs per task, and pandas feature names.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

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


def _ids(classes):
    return [c.__name__ for c in classes]


def _is_clf(cls):
    return cls in CLASSIFIERS


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def make_regression_data(n=60, d=8, T=3, missing=0.0, seed=0, noise=0.1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = np.zeros((d, T))
    W[: d // 2] = rng.standard_normal((d // 2, T))
    Y = X @ W + 1.5 + noise * rng.standard_normal((n, T))
    if missing:
        mask = rng.random((n, T)) < missing
        mask[:5] = False  # every task keeps observed rows
        Y[mask] = np.nan
    return X, Y


def make_classification_data(n=80, d=6, T=3, missing=0.0, seed=0, labels=None):
    """Y with T tasks; task t uses the label pair ``labels[t]`` (default {0, 1})."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((d, T))
    Z = X @ W + rng.standard_normal((n, T))  # label noise: not separable
    if labels is None:
        labels = [(0.0, 1.0)] * T
    Y = np.empty((n, T))
    for t, (lo, hi) in enumerate(labels):
        Y[:, t] = np.where(Z[:, t] > 0, hi, lo)
        # make sure both classes are present
        Y[0, t], Y[1, t] = lo, hi
    if missing:
        mask = rng.random((n, T)) < missing
        mask[:5] = False
        Y[mask] = np.nan
    return X, Y


def make_data(cls, **kw):
    if _is_clf(cls):
        return make_classification_data(**kw)
    return make_regression_data(**kw)


# --------------------------------------------------------------------------
# sklearn estimator checks
# --------------------------------------------------------------------------
def _expected_failed_checks(estimator):
    """Checks that cannot pass by design; keep this minimal and honest."""
    if type(estimator) in CLASSIFIERS:
        return {
            "check_classifier_multioutput": (
                "mtlreg's API gives a per-task label pair, so for 2-D Y `classes_` and "
                "`predict_proba` are lists of T arrays; the check indexes both as "
                "single arrays (`classes_[pred]`, `predict_proba(X)[:, i]`) whenever "
                "`decision_function` exists, i.e. it assumes one shared label set"
            ),
        }
    return {}


@parametrize_with_checks(
    [cls(alpha=0.01) for cls in ALL_ESTIMATORS],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# meta-estimators
# --------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_ESTIMATORS, ids=_ids(ALL_ESTIMATORS))
def test_pipeline_with_missing_targets(cls):
    X, Y = make_data(cls, missing=0.2, seed=1)
    X = 10.0 * X + 3.0  # give the scaler something to do
    pipe = Pipeline([("scale", StandardScaler()), ("est", cls(alpha=0.01))])
    pipe.fit(X, Y)
    pred = pipe.predict(X)
    assert pred.shape == Y.shape
    assert np.all(np.isfinite(pred))
    score = pipe.score(X, Y)
    assert np.isfinite(score)
    # the pipeline's score is the final estimator's score on scaled X
    est = pipe.named_steps["est"]
    assert score == pytest.approx(est.score(pipe.named_steps["scale"].transform(X), Y))
    # it fits: better than the constant predictor / chance on training data
    assert score > (0.5 if not _is_clf(cls) else 0.6)


@pytest.mark.parametrize("cls", ALL_ESTIMATORS, ids=_ids(ALL_ESTIMATORS))
def test_grid_search_default_scoring(cls):
    X, Y = make_data(cls, n=90, missing=0.1, seed=2)
    huge = 1e3
    grid = {"alpha": [1e-3, 1e-2, huge]}
    search = GridSearchCV(cls(), grid, cv=KFold(n_splits=3, shuffle=True, random_state=0))
    search.fit(X, Y)
    assert search.best_params_["alpha"] in grid["alpha"]
    # alpha=huge zeroes every coefficient: it must not win
    assert search.best_params_["alpha"] != huge
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert scores[-1] < scores.max()
    assert search.best_estimator_.coef_.shape == (Y.shape[1], X.shape[1])
    assert search.predict(X).shape == Y.shape


# --------------------------------------------------------------------------
# pickle / clone / warm start
# --------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_ESTIMATORS, ids=_ids(ALL_ESTIMATORS))
def test_pickle_and_clone(cls):
    X, Y = make_data(cls, missing=0.1, seed=3)
    est = cls(alpha=0.02).fit(X, Y)
    pred = est.predict(X)

    est2 = pickle.loads(pickle.dumps(est))
    assert_array_equal(est2.predict(X), pred)
    assert_array_equal(est2.coef_, est.coef_)
    assert_array_equal(est2.intercept_, est.intercept_)

    est3 = clone(est)
    assert est3.get_params() == est.get_params()
    assert not hasattr(est3, "coef_")
    est3.fit(X, Y)
    assert_allclose(est3.predict(X), pred, rtol=1e-10, atol=1e-12)
    assert_allclose(est3.coef_, est.coef_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls", ALL_ESTIMATORS, ids=_ids(ALL_ESTIMATORS))
def test_warm_start_refit_returns_immediately(cls):
    X, Y = make_data(cls, seed=4)
    est = cls(alpha=0.05, warm_start=True, tol=1e-8, max_iter=10000).fit(X, Y)
    coef = est.coef_.copy()
    intercept = np.copy(est.intercept_)
    assert est.n_iter_ > 2  # the first fit does real work

    est.fit(X, Y)
    assert est.n_iter_ <= 2
    assert_allclose(est.coef_, coef, rtol=1e-5, atol=1e-6)
    assert_allclose(est.intercept_, intercept, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", REGRESSORS, ids=_ids(REGRESSORS))
def test_warm_start_false_starts_from_scratch(cls):
    X, Y = make_data(cls, seed=4)
    est = cls(alpha=0.05, tol=1e-8, max_iter=10000).fit(X, Y)
    n_iter = est.n_iter_
    est.fit(X, Y)
    assert est.n_iter_ == n_iter


# --------------------------------------------------------------------------
# score / shapes
# --------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_ESTIMATORS, ids=_ids(ALL_ESTIMATORS))
def test_score_is_mean_of_per_task_metric_on_observed(cls):
    X, Y = make_data(cls, missing=0.25, seed=5)
    est = cls(alpha=0.02).fit(X, Y)
    X_test, Y_test = make_data(cls, missing=0.3, seed=6)
    pred = est.predict(X_test)
    metric = accuracy_score if _is_clf(cls) else r2_score
    per_task = []
    for t in range(Y_test.shape[1]):
        obs = ~np.isnan(Y_test[:, t])
        per_task.append(metric(Y_test[obs, t], pred[obs, t]))
    assert est.score(X_test, Y_test) == pytest.approx(np.mean(per_task), rel=1e-12)


@pytest.mark.parametrize("cls", ALL_ESTIMATORS, ids=_ids(ALL_ESTIMATORS))
def test_score_1d(cls):
    X, Y = make_data(cls, seed=7)
    y = Y[:, 0]
    est = cls(alpha=0.02).fit(X, y)
    metric = accuracy_score if _is_clf(cls) else r2_score
    assert est.score(X, y) == pytest.approx(metric(y, est.predict(X)), rel=1e-12)


@pytest.mark.parametrize("cls", ALL_ESTIMATORS, ids=_ids(ALL_ESTIMATORS))
def test_shapes_2d_and_1d(cls):
    n, d, T = 100, 5, 3
    X, Y = make_data(cls, n=n, d=d, T=T, seed=8)

    est = cls(alpha=0.01).fit(X, Y)
    assert est.predict(X).shape == (n, T)
    assert est.coef_.shape == (T, d)
    assert np.shape(est.intercept_) == (T,)
    assert est.n_features_in_ == d
    assert np.shape(est.task_weights_) == (T,)
    assert np.isfinite(est.objective_)

    est1 = cls(alpha=0.01).fit(X, Y[:, 0])
    assert est1.predict(X).shape == (n,)
    assert est1.coef_.shape == (d,)
    assert np.ndim(est1.intercept_) == 0
    assert np.shape(est1.task_weights_) == (1,)

    # a single task given as a (n, 1) column stays 2-D
    est2 = cls(alpha=0.01).fit(X, Y[:, :1])
    assert est2.predict(X).shape == (n, 1)
    assert est2.coef_.shape == (1, d)
    assert_allclose(est2.coef_[0], est1.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("cls", REGRESSORS, ids=_ids(REGRESSORS))
def test_regressor_predict_is_linear(cls):
    X, Y = make_regression_data(seed=9)
    est = cls(alpha=0.01).fit(X, Y)
    assert_allclose(est.predict(X), X @ est.coef_.T + est.intercept_, rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------
# classifiers
# --------------------------------------------------------------------------
LABELS = [(0.0, 1.0), (-1.0, 1.0), (2.0, 5.0)]


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=_ids(CLASSIFIERS))
def test_classifier_api_with_arbitrary_labels(cls):
    X, Y = make_classification_data(n=100, T=3, labels=LABELS, missing=0.1, seed=10)
    est = cls(alpha=0.01).fit(X, Y)
    n, T = Y.shape

    assert len(est.classes_) == T
    for t, pair in enumerate(LABELS):
        assert_array_equal(np.asarray(est.classes_[t]), np.asarray(pair))

    pred = est.predict(X)
    assert pred.shape == (n, T)
    for t, pair in enumerate(LABELS):
        assert np.all(np.isin(pred[:, t], pair))

    proba = est.predict_proba(X)
    assert isinstance(proba, list) and len(proba) == T
    dec = est.decision_function(X)
    assert dec.shape == (n, T)
    for t in range(T):
        P = proba[t]
        assert P.shape == (n, 2)
        assert np.all((P >= 0) & (P <= 1))
        assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
        # positive decision <=> larger label <=> P(larger label) > 0.5
        lo, hi = est.classes_[t]
        nz = np.abs(dec[:, t]) > 1e-12
        assert_array_equal(pred[nz, t], np.where(dec[nz, t] > 0, hi, lo))
        assert_array_equal(P[nz, 1] > 0.5, dec[nz, t] > 0)
        assert_allclose(P[:, 1], 1.0 / (1.0 + np.exp(-dec[:, t])), rtol=1e-8)

    # the decision function is linear in X
    assert_allclose(dec, X @ est.coef_.T + est.intercept_, rtol=1e-10, atol=1e-10)
    # the model learns something on every task
    for t in range(T):
        obs = ~np.isnan(Y[:, t])
        assert accuracy_score(Y[obs, t], pred[obs, t]) > 0.7


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=_ids(CLASSIFIERS))
def test_classifier_1d(cls):
    X, Y = make_classification_data(n=60, T=1, labels=[(-3.0, 7.0)], seed=11)
    y = Y[:, 0]
    est = cls(alpha=0.01).fit(X, y)
    assert_array_equal(np.asarray(est.classes_), [-3.0, 7.0])
    pred = est.predict(X)
    assert pred.shape == (60,)
    assert np.all(np.isin(pred, [-3.0, 7.0]))
    proba = est.predict_proba(X)
    assert proba.shape == (60, 2)
    assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    dec = est.decision_function(X)
    assert dec.shape == (60,)
    nz = np.abs(dec) > 1e-12
    assert_array_equal(pred[nz], np.where(dec[nz] > 0, 7.0, -3.0))


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=_ids(CLASSIFIERS))
def test_classifier_string_labels_1d(cls):
    X, Y = make_classification_data(n=100, T=1, seed=12)
    y = np.where(Y[:, 0] > 0.5, "spam", "ham")
    est = cls(alpha=0.01).fit(X, y)
    assert_array_equal(est.classes_, ["ham", "spam"])
    assert set(np.unique(est.predict(X))) <= {"ham", "spam"}


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=_ids(CLASSIFIERS))
def test_classifier_label_relabelling_invariance(cls):
    """Labels {0,1} and {2,5} (same order) give the same model."""
    X, Y01 = make_classification_data(n=80, T=2, seed=13)
    Y25 = np.where(Y01 == 1.0, 5.0, 2.0)
    a = cls(alpha=0.01).fit(X, Y01)
    b = cls(alpha=0.01).fit(X, Y25)
    assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(a.decision_function(X), b.decision_function(X), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------
# pandas
# --------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL_ESTIMATORS, ids=_ids(ALL_ESTIMATORS))
def test_pandas_feature_names(cls):
    pd = pytest.importorskip("pandas")
    X, Y = make_data(cls, d=4, seed=14)
    cols = ["age", "height", "weight", "income"]
    Xdf = pd.DataFrame(X, columns=cols)
    est = cls(alpha=0.01).fit(Xdf, Y)
    assert_array_equal(est.feature_names_in_, cols)
    assert est.n_features_in_ == 4
    assert_allclose(est.predict(Xdf), cls(alpha=0.01).fit(X, Y).predict(X))
    # a DataFrame target works too
    est_y = cls(alpha=0.01).fit(Xdf, pd.DataFrame(Y))
    assert_allclose(est_y.coef_, est.coef_)
    # numpy input has no feature names
    assert not hasattr(cls(alpha=0.01).fit(X, Y), "feature_names_in_")
