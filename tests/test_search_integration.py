"""The estimators inside scikit-learn's model-selection tools, and on a Dask cluster."""

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    KFold,
    RandomizedSearchCV,
    cross_validate,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import mtlreg
from mtlreg.datasets import make_multitask_classification, make_multitask_regression


@pytest.fixture(scope="module")
def reg_data():
    return make_multitask_regression(120, 15, 4, design="shared", missing=0.2, noise=0.5,
                                     random_state=0)


@pytest.fixture(scope="module")
def clf_data():
    return make_multitask_classification(120, 15, 4, design="shared", missing=0.2, noise=0.1,
                                         random_state=0)


CV = KFold(4, shuffle=True, random_state=0)


def test_randomized_search_with_loguniform(reg_data):
    X, Y = reg_data
    search = RandomizedSearchCV(
        mtlreg.TraceNormRegressor(), {"alpha": loguniform(1e-3, 1.0)}, n_iter=6, cv=CV,
        random_state=0, n_jobs=-1,
    ).fit(X, Y)
    assert 1e-3 <= search.best_params_["alpha"] <= 1.0
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_halving_grid_search(reg_data):
    X, Y = reg_data
    search = HalvingGridSearchCV(
        mtlreg.L21Regressor(), {"alpha": np.geomspace(1.0, 1e-3, 8)}, cv=CV, factor=2,
        min_resources=40, random_state=0,
    ).fit(X, Y)
    assert search.best_params_["alpha"] in np.geomspace(1.0, 1e-3, 8)
    assert search.n_iterations_ >= 2


def test_pipeline_search_with_n_jobs(clf_data):
    X, Y = clf_data
    pipe = Pipeline([("scale", StandardScaler()), ("model", mtlreg.L21Classifier())])
    grid = {"model__alpha": [0.3, 0.1, 0.03, 0.01]}
    serial = GridSearchCV(pipe, grid, cv=CV).fit(X, Y)
    parallel = GridSearchCV(pipe, grid, cv=CV, n_jobs=-1).fit(X, Y)
    assert serial.best_params_ == parallel.best_params_
    np.testing.assert_allclose(serial.cv_results_["mean_test_score"],
                               parallel.cv_results_["mean_test_score"])


def test_cross_validate_multi_metric(reg_data):
    X, Y = reg_data
    res = cross_validate(
        mtlreg.MeanRegularizedRegressor(alpha=0.1), X, Y, cv=CV,
        scoring={"r2": mtlreg.metrics.get_scorer("mt_r2"),
                 "mse": mtlreg.metrics.get_scorer("mt_neg_mean_squared_error")},
        return_estimator=True,
    )
    assert res["test_r2"].shape == (4,) and np.all(res["test_mse"] < 0)
    # the default-scoring path agrees with the estimator's own score
    default = cross_validate(mtlreg.MeanRegularizedRegressor(alpha=0.1), X, Y, cv=CV)
    np.testing.assert_allclose(default["test_score"], res["test_r2"])


def test_grid_search_on_dask_cluster_matches_local(reg_data):
    import distributed
    from joblib import parallel_config

    X, Y = reg_data
    grid = {"alpha": [0.3, 0.1, 0.03, 0.01], "l2": [0.0, 0.1]}
    local = GridSearchCV(mtlreg.L21Regressor(), grid, cv=CV).fit(X, Y)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    try:
        with distributed.Client(cluster), parallel_config(backend="dask"):
            remote = GridSearchCV(mtlreg.L21Regressor(), grid, cv=CV, n_jobs=-1).fit(X, Y)
    finally:
        cluster.close()
    assert remote.best_params_ == local.best_params_
    for key in ["mean_test_score"] + [f"split{k}_test_score" for k in range(4)]:
        np.testing.assert_allclose(remote.cv_results_[key], local.cv_results_[key], rtol=1e-12)
    np.testing.assert_allclose(remote.best_estimator_.coef_, local.best_estimator_.coef_)
