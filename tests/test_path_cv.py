"""Regularisation paths and the *CV estimators against cold fits and GridSearchCV."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.linear_model import MultiTaskLassoCV
from sklearn.model_selection import GridSearchCV, KFold

import mtlreg
from mtlreg._base import build_design, check_targets, solve
from mtlreg.datasets import make_multitask_classification, make_multitask_regression
from mtlreg.losses import SquaredLoss
from mtlreg.metrics import get_scorer
from mtlreg.model_selection import (
    L21ClassifierCV,
    L21RegressorCV,
    LassoClassifierCV,
    LassoRegressorCV,
    MeanRegularizedClassifierCV,
    MeanRegularizedRegressorCV,
    TraceNormClassifierCV,
    TraceNormRegressorCV,
    regularization_path,
)
from mtlreg.model_selection._path import solve_path
from mtlreg.penalties import L1Penalty, L21Penalty
from mtlreg.solvers._problem import Problem

CV_CLASSES = [
    LassoRegressorCV,
    L21RegressorCV,
    TraceNormRegressorCV,
    MeanRegularizedRegressorCV,
    LassoClassifierCV,
    L21ClassifierCV,
    TraceNormClassifierCV,
    MeanRegularizedClassifierCV,
]
PATH_CASES = [
    ("lasso", "squared", mtlreg.LassoRegressor),
    ("l21", "squared", mtlreg.L21Regressor),
    ("trace", "squared", mtlreg.TraceNormRegressor),
    ("mean", "squared", mtlreg.MeanRegularizedRegressor),
    ("lasso", "logistic", mtlreg.LassoClassifier),
    ("l21", "logistic", mtlreg.L21Classifier),
    ("trace", "logistic", mtlreg.TraceNormClassifier),
    ("mean", "logistic", mtlreg.MeanRegularizedClassifier),
]


def _data(loss, design="per_task", seed=0):
    make = make_multitask_regression if loss == "squared" else make_multitask_classification
    n = 25 if design == "per_task" else 60
    return make(n, 12, 4, design=design, noise=0.5 if loss == "squared" else 0.1,
                random_state=seed)


@pytest.mark.parametrize("penalty, loss, est_cls", PATH_CASES)
def test_path_matches_cold_fits(penalty, loss, est_cls):
    X, Y = _data(loss)
    tol = 1e-9
    alphas, coefs, gaps, n_iters, intercepts = regularization_path(
        X, Y, penalty=penalty, loss=loss, n_alphas=8, eps=1e-2, tol=tol, max_iter=20000,
        return_n_iter=True, return_intercept=True,
    )
    assert coefs.shape == (4, 12, 8) and intercepts.shape == (4, 8)
    assert np.all(np.diff(alphas) < 0)
    if penalty != "mean":
        assert alphas[0] == pytest.approx(mtlreg.alpha_max(X, Y, penalty=penalty, loss=loss))
        assert np.all(coefs[..., 0] == 0.0)
        assert np.all(gaps >= -1e-12)
    for k in (1, 4, 7):
        cold = est_cls(alpha=alphas[k], tol=tol, max_iter=20000).fit(X, Y)
        path_model = est_cls(alpha=alphas[k])
        path_model.coef_, path_model.intercept_ = coefs[..., k], intercepts[:, k]
        # same objective to the solver tolerance, same minimiser (unique here)
        from _oracle import objective

        obj_path = objective(X, Y, coefs[..., k], intercepts[:, k], penalty, loss, alphas[k],
                             0.0, None)
        assert obj_path == pytest.approx(cold.objective_, rel=1e-7, abs=1e-10)
        np.testing.assert_allclose(coefs[..., k], cold.coef_, atol=1e-4)


def test_path_gaps_below_tolerance_and_1d_shapes():
    X, Y = _data("squared", design="shared")
    y = Y[:, 0]
    tol = 1e-6
    alphas, coefs, gaps = regularization_path(X, y, penalty="lasso", n_alphas=10, tol=tol)
    assert coefs.shape == (12, 10)
    scale = np.sum((y - y.mean()) ** 2) / len(y)
    assert np.all(gaps <= tol * scale)
    _, _, _, intercepts = regularization_path(X, y, penalty="lasso", n_alphas=10,
                                              return_intercept=True)
    assert intercepts.shape == (10,)


def test_path_named_functions_and_errors():
    X, Y = _data("squared")
    a1, c1, _ = mtlreg.model_selection.l21_path(X, Y, n_alphas=5)
    a2, c2, _ = regularization_path(X, Y, penalty="l21", n_alphas=5)
    # the same computation, equal up to rounding only: in about one pytest process in
    # fifteen two identical fits differed in the last bits (cause not pinned down:
    # vectorised reductions with reassociation are the suspect, 0 in 20 without them)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_allclose(c1, c2, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="penalty"):
        regularization_path(X, Y, penalty="ridge")
    with pytest.raises(ValueError, match="alphas"):
        regularization_path(X, Y, alphas=[-1.0])
    with pytest.raises(ValueError, match="coef_init"):
        regularization_path(X, Y, coef_init=np.zeros((2, 2)))


@pytest.mark.parametrize("cv_cls", CV_CLASSES)
def test_cv_matches_grid_search(cv_cls):
    loss = "logistic" if "Classifier" in cv_cls.__name__ else "squared"
    X, Y = _data(loss, seed=1)
    folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    # scores compared to 1e-6 need the coefficients to ~1e-6: a duality gap g only
    # bounds ||W - W*||^2 by 2 g / mu (mu the strong convexity), and at tol 1e-10
    # trace-norm fits stopped with coefficients 8e-6 from the solution
    tol = 1e-13
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cv_model = cv_cls(alphas=12, eps=1e-2, cv=folds, tol=tol, max_iter=50000).fit(X, Y)
        base = cv_cls._estimator_class(tol=tol, max_iter=50000)
        grid = GridSearchCV(base, {"alpha": cv_model.alphas_}, cv=folds).fit(X, Y)
    assert cv_model.alpha_ == grid.best_params_["alpha"]
    for key in ["mean_test_score"] + [f"split{k}_test_score" for k in range(4)]:
        np.testing.assert_allclose(cv_model.cv_results_[key], grid.cv_results_[key], atol=1e-6)
    np.testing.assert_array_equal(cv_model.cv_results_["rank_test_score"],
                                  grid.cv_results_["rank_test_score"])
    assert cv_model.score_path_.shape == (12, 4)
    # the refit is the model at alpha_
    np.testing.assert_allclose(cv_model.coef_, grid.best_estimator_.coef_, atol=1e-6)
    np.testing.assert_allclose(cv_model.predict(X), grid.predict(X), atol=1e-5)


def test_cv_with_l2_grid_matches_grid_search():
    X, Y = _data("squared", seed=2)
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    l2s = [0.0, 0.1, 1.0]
    cv_model = MeanRegularizedRegressorCV(alphas=6, l2s=l2s, cv=folds, tol=1e-13,
                                          max_iter=50000).fit(X, Y)
    grid = GridSearchCV(mtlreg.MeanRegularizedRegressor(tol=1e-13, max_iter=50000),
                        {"alpha": cv_model.alphas_, "l2": l2s}, cv=folds).fit(X, Y)
    assert (cv_model.alpha_, cv_model.l2_) == (grid.best_params_["alpha"],
                                               grid.best_params_["l2"])
    assert cv_model.score_path_.shape == (3, 6, 3)
    np.testing.assert_allclose(cv_model.cv_results_["mean_test_score"],
                               grid.cv_results_["mean_test_score"], atol=1e-6)


def test_l21_cv_matches_multitask_lasso_cv():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 30))
    W = np.zeros((30, 5))
    W[:4] = rng.standard_normal((4, 5))
    Y = X @ W + 0.5 * rng.standard_normal((80, 5))
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    ref = MultiTaskLassoCV(alphas=20, eps=1e-2, cv=folds, tol=1e-12, max_iter=100000).fit(X, Y)
    ours = L21RegressorCV(alphas=ref.alphas_, cv=folds, scoring="neg_mean_squared_error",
                          tol=1e-10, max_iter=100000).fit(X, Y)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_)
    assert ours.alpha_ == pytest.approx(ref.alpha_)
    np.testing.assert_allclose(-ours.score_path_, ref.mse_path_, rtol=1e-6)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)


def test_cv_parallel_pickle_and_scoring_string():
    X, Y = _data("squared", design="shared")
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    one = L21RegressorCV(alphas=8, cv=folds, scoring="neg_mean_absolute_error").fit(X, Y)
    two = L21RegressorCV(alphas=8, cv=folds, scoring="neg_mean_absolute_error",
                         n_jobs=2).fit(X, Y)
    np.testing.assert_allclose(one.score_path_, two.score_path_, rtol=1e-12)  # rounding only
    restored = pickle.loads(pickle.dumps(one))
    np.testing.assert_array_equal(restored.predict(X), one.predict(X))


def test_cv_accepts_mtlreg_scorer_names():
    X, Y = _data("squared", design="shared")
    Y[::7, 1] = np.nan
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    by_name = L21RegressorCV(alphas=6, cv=folds, scoring="mt_neg_mean_squared_error").fit(X, Y)
    by_object = L21RegressorCV(alphas=6, cv=folds,
                               scoring=get_scorer("mt_neg_mean_squared_error")).fit(X, Y)
    np.testing.assert_allclose(by_name.score_path_, by_object.score_path_, rtol=1e-12)
    assert np.all(np.isfinite(by_name.score_path_))


def test_cv_verbose_reports_progress(capsys):
    X, Y = _data("squared", design="shared")
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    L21RegressorCV(alphas=5, cv=folds).fit(X, Y)
    assert capsys.readouterr().err == ""
    L21RegressorCV(alphas=5, cv=folds, verbose=1).fit(X, Y)
    err = capsys.readouterr().err
    assert "3/3" in err and "L21RegressorCV" in err


def test_cv_default_splitter_keeps_every_task_in_every_fold():
    # 30 tasks of 12 rows each, rows sorted by task: plain KFold would empty tasks
    X, Y = make_multitask_regression(12, 10, 30, design="per_task", random_state=0)
    model = L21RegressorCV(alphas=6).fit(X, Y)
    assert model.n_splits_ == 5
    assert np.all(np.isfinite(model.score_path_))
    with pytest.raises(ValueError, match="no observed target"):
        L21RegressorCV(alphas=6, cv=KFold(5)).fit(X, Y)


def test_per_task_lasso_path_converges_on_the_compare_data():
    """Regression: on `mtlreg compare`'s built-in data, a warm-started per-task Lasso path
    crawled for 1,000 epochs on an entry working set that lacked violators (the solver
    now looks at the full gradient again after 50 epochs on one working set)."""
    from sklearn.exceptions import ConvergenceWarning

    from mtlreg.cli import split_within_tasks, synthetic_dataset
    from mtlreg.model_selection import LassoRegressorCV, TaskKFold

    data = synthetic_dataset()
    train, _ = split_within_tasks(data, 0.25, 5, 0)
    X, Y = data.X[train], data.Y[train]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        LassoRegressorCV(alphas=20, eps=1e-3,
                         cv=TaskKFold(5, shuffle=True, random_state=0)).fit(X, Y)


@pytest.mark.parametrize("layout", ["missing", "per_task"])
@pytest.mark.parametrize("penalty_cls", [L1Penalty, L21Penalty])
def test_path_reuses_the_product_and_gradient_it_ended_with(layout, penalty_cls):
    """Coordinate descent along a path starts each alpha from the previous solve's
    product X W and datafit gradient (they depend on neither the intercepts nor the
    penalty): one product for the whole path, and each solve the same as one started
    from the same point on a fresh design."""
    rng = np.random.default_rng(41)
    X = rng.standard_normal((60, 12)) + 0.5
    Y = X @ rng.standard_normal((12, 4)) + rng.standard_normal((60, 4)) + 3.0
    if layout == "missing":
        Y[rng.random(Y.shape) < 0.3] = np.nan
    else:
        Y = np.where((np.arange(60) % 4)[:, None] == np.arange(4), Y, np.nan)

    def design():
        Yenc, _, _, n_obs = check_targets(Y, 60, False)
        return build_design(X, Yenc, True, None, n_obs=n_obs, loss="squared")[0]

    shared = design()
    calls = []
    product = shared.forward
    shared.forward = lambda W: calls.append(1) or product(W)
    alphas = np.geomspace(0.5, 0.005, 6)
    path = list(solve_path(shared, "squared", penalty_cls, alphas, 0.0, True, "bcd", 1e-12,
                           100000))
    assert len(calls) == 1
    W, b = np.zeros((12, 4)), np.zeros(4)
    for alpha, res in zip(alphas, path, strict=True):
        problem = Problem(design(), SquaredLoss(), penalty_cls(alpha, 0.0), True)
        ref = solve(problem, "bcd", W, b, 1e-12, 100000, 0, "test")
        assert res["converged"] and ref["converged"]
        assert res["objective"] == pytest.approx(ref["objective"], rel=1e-12)
        np.testing.assert_allclose(res["W"], ref["W"], atol=1e-8)
        np.testing.assert_allclose(res["b"], ref["b"], atol=1e-8)
        W, b = res["W"], res["b"]
