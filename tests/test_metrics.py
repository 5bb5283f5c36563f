"""Tests of mtlreg.metrics: NaN-masked multi-task metrics and their scorers."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

from mtlreg import L21Classifier, L21Regressor
from mtlreg import metrics as M

REGRESSION_METRICS = [
    M.r2_score,
    M.mean_squared_error,
    M.root_mean_squared_error,
    M.normalized_mean_squared_error,
    M.explained_variance_score,
    M.malsar_rmse,
]
ALL_METRICS = REGRESSION_METRICS + [M.accuracy_score, M.roc_auc_score]


def _regression_data(n=40, T=3, seed=0):
    rng = np.random.default_rng(seed)
    Y = rng.normal(size=(n, T)) * np.arange(1, T + 1) + np.arange(T)
    P = Y + rng.normal(size=(n, T))
    return Y, P


def _labels_and_scores(n=50, seed=1):
    """Three tasks with label sets {2, 5}, {0, 1} and {-1, 1}; scores favour the larger."""
    rng = np.random.default_rng(seed)
    B = rng.random((n, 3)) < 0.4
    B[:2] = [[True] * 3, [False] * 3]  # both classes in every task
    S = B + rng.normal(size=B.shape)
    lows, highs = np.array([2.0, 0.0, -1.0]), np.array([5.0, 1.0, 1.0])
    Y = np.where(B, highs, lows)
    return Y, S, lows, highs


# --------------------------------------------------------------------------- #
# fully observed data: agreement with scikit-learn, task by task
# --------------------------------------------------------------------------- #


def test_regression_metrics_match_sklearn_per_task():
    Y, P = _regression_data()
    r2 = skm.r2_score(Y, P, multioutput="raw_values")
    mse = skm.mean_squared_error(Y, P, multioutput="raw_values")
    rmse = skm.root_mean_squared_error(Y, P, multioutput="raw_values")
    assert_allclose(M.r2_score(Y, P, multitask="raw_values"), r2)
    assert_allclose(M.mean_squared_error(Y, P, multitask="raw_values"), mse)
    assert_allclose(M.root_mean_squared_error(Y, P, multitask="raw_values"), rmse)
    assert_allclose(M.normalized_mean_squared_error(Y, P, multitask="raw_values"), 1 - r2)
    assert_allclose(M.normalized_mean_squared_error(Y, P, multitask="raw_values"), mse / Y.var(0))
    # the MTL explained variance of a task is 1 - MSE_t / Var_t = R^2_t
    assert_allclose(M.explained_variance_score(Y, P, multitask="raw_values"), r2)
    # uniform averages are scikit-learn's multioutput="uniform_average"
    assert_allclose(M.r2_score(Y, P), skm.r2_score(Y, P))
    assert_allclose(M.mean_squared_error(Y, P), skm.mean_squared_error(Y, P))
    assert_allclose(M.root_mean_squared_error(Y, P), skm.root_mean_squared_error(Y, P))


def test_pooled_metrics_match_sklearn_on_stacked_entries():
    Y, P = _regression_data()
    y, p = Y.ravel(), P.ravel()
    assert_allclose(M.explained_variance_score(Y, P), skm.r2_score(y, p))
    assert_allclose(M.r2_score(Y, P, multitask="pooled"), skm.r2_score(y, p))
    assert_allclose(M.mean_squared_error(Y, P, multitask="pooled"), skm.mean_squared_error(y, p))
    assert_allclose(
        M.root_mean_squared_error(Y, P, multitask="pooled"), skm.root_mean_squared_error(y, p)
    )
    assert_allclose(
        M.normalized_mean_squared_error(Y, P, multitask="pooled"), 1 - skm.r2_score(y, p)
    )


def test_explained_variance_is_not_sklearns_centred_one():
    Y, P = _regression_data()
    biased = P + 3.0  # sklearn's explained_variance_score ignores a constant bias
    ours = M.explained_variance_score(Y, biased, multitask="raw_values")
    assert_allclose(
        skm.explained_variance_score(Y, biased, multioutput="raw_values"),
        skm.explained_variance_score(Y, P, multioutput="raw_values"),
    )
    assert np.all(ours < M.explained_variance_score(Y, P, multitask="raw_values"))
    assert_allclose(ours, skm.r2_score(Y, biased, multioutput="raw_values"))


def test_one_dimensional_input_matches_sklearn():
    Y, P = _regression_data(T=1)
    y, p = Y[:, 0], P[:, 0]
    assert_allclose(M.r2_score(y, p), skm.r2_score(y, p))
    assert_allclose(M.root_mean_squared_error(y, p), skm.root_mean_squared_error(y, p))
    assert_allclose(M.malsar_rmse(y, p), skm.root_mean_squared_error(y, p))
    assert M.mean_squared_error(y, p, multitask="raw_values").shape == (1,)
    labels = np.where(y > 0, "yes", "no")
    pred = np.where(p > 0, "yes", "no")
    assert_allclose(M.accuracy_score(labels, pred), skm.accuracy_score(labels, pred))
    assert_allclose(M.roc_auc_score(labels, p), skm.roc_auc_score(labels == "yes", p))
    proba = np.column_stack([1 - 1 / (1 + np.exp(-p)), 1 / (1 + np.exp(-p))])
    assert_allclose(M.roc_auc_score(labels, proba), skm.roc_auc_score(labels == "yes", p))


def test_classification_metrics_match_sklearn_per_task():
    Y, S, lows, highs = _labels_and_scores()
    Pred = np.where(S > 0.5, highs, lows)
    acc = [skm.accuracy_score(Y[:, t], Pred[:, t]) for t in range(3)]
    auc = [skm.roc_auc_score(Y[:, t] == highs[t], S[:, t]) for t in range(3)]
    assert_allclose(M.accuracy_score(Y, Pred, multitask="raw_values"), acc)
    assert_allclose(M.accuracy_score(Y, Pred), np.mean(acc))
    assert_allclose(M.roc_auc_score(Y, S, multitask="raw_values"), auc)
    assert_allclose(M.roc_auc_score(Y, S), np.mean(auc))
    # the larger label is the positive one: reversing the scores gives 1 - AUC
    assert_allclose(M.roc_auc_score(Y, -S, multitask="raw_values"), 1 - np.array(auc))
    # predict_proba's list of (n, 2) arrays gives the same AUC as the scores
    proba = [np.column_stack([1 - q, q]) for q in (1 / (1 + np.exp(-S))).T]
    assert_allclose(M.roc_auc_score(Y, proba, multitask="raw_values"), auc)


# --------------------------------------------------------------------------- #
# NaN masks: hand-computed values
# --------------------------------------------------------------------------- #

NAN = np.nan
Y_HAND = np.array([[1.0, NAN], [2.0, 4.0], [3.0, NAN], [NAN, 6.0]])
# predictions at missing entries (NaN, 100, 0) must be ignored
P_HAND = np.array([[1.5, 100.0], [2.0, 5.0], [2.0, 0.0], [NAN, 6.0]])
# task 0: y = 1, 2, 3; residuals -0.5, 0, 1 -> SSE 1.25, n 3, SST 2
# task 1: y = 4, 6;    residuals -1, 0      -> SSE 1,    n 2, SST 2
# all observed targets 1, 2, 3, 4, 6: grand mean 3.2, pooled SST 14.8


def test_hand_computed_regression_values_with_nan_mask():
    r2 = np.array([1 - 1.25 / 2, 1 - 1 / 2])
    mse = np.array([1.25 / 3, 1 / 2])
    assert_allclose(M.r2_score(Y_HAND, P_HAND, multitask="raw_values"), r2)
    assert_allclose(M.r2_score(Y_HAND, P_HAND), 0.4375)
    assert_allclose(M.r2_score(Y_HAND, P_HAND, multitask="sample_weighted"), 0.425)
    assert_allclose(M.mean_squared_error(Y_HAND, P_HAND, multitask="raw_values"), mse)
    assert_allclose(M.mean_squared_error(Y_HAND, P_HAND), 11 / 24)
    assert_allclose(M.mean_squared_error(Y_HAND, P_HAND, multitask="sample_weighted"), 0.45)
    assert_allclose(M.mean_squared_error(Y_HAND, P_HAND, multitask="pooled"), 0.45)
    assert_allclose(M.root_mean_squared_error(Y_HAND, P_HAND), np.mean(np.sqrt(mse)))
    assert_allclose(M.root_mean_squared_error(Y_HAND, P_HAND, multitask="pooled"), np.sqrt(0.45))
    malsar = (3 * np.sqrt(1.25 / 3) + 2 * np.sqrt(0.5)) / 5
    assert_allclose(M.malsar_rmse(Y_HAND, P_HAND), malsar)
    assert_allclose(M.root_mean_squared_error(Y_HAND, P_HAND, multitask="sample_weighted"), malsar)
    assert M.malsar_rmse(Y_HAND, P_HAND) <= np.sqrt(0.45)
    # nMSE: population variances 2/3 and 1
    assert_allclose(
        M.normalized_mean_squared_error(Y_HAND, P_HAND, multitask="raw_values"),
        [mse[0] / (2 / 3), mse[1] / 1.0],
    )
    assert_allclose(M.normalized_mean_squared_error(Y_HAND, P_HAND), 0.5625)
    assert_allclose(
        M.normalized_mean_squared_error(Y_HAND, P_HAND, multitask="pooled"), 2.25 / 14.8
    )
    assert_allclose(M.explained_variance_score(Y_HAND, P_HAND), 1 - 2.25 / 14.8)
    assert_allclose(M.explained_variance_score(Y_HAND, P_HAND, multitask="raw_values"), r2)


def test_hand_computed_classification_values_with_nan_mask():
    Y = np.array([[2.0, 0.0], [5.0, NAN], [5.0, 1.0], [2.0, 1.0], [NAN, 0.0]])
    Pred = np.array([[2.0, 1.0], [2.0, 7.0], [5.0, 1.0], [2.0, 0.0], [9.0, 0.0]])
    # task 0: 3 of 4 right; task 1: 2 of 4 right
    assert_allclose(M.accuracy_score(Y, Pred, multitask="raw_values"), [0.75, 0.5])
    assert_allclose(M.accuracy_score(Y, Pred), 0.625)
    assert_allclose(M.accuracy_score(Y, Pred, multitask="pooled"), 5 / 8)
    S = np.array([[0.1, 0.3], [0.4, NAN], [0.35, 0.8], [0.8, 0.2], [NAN, 0.3]])
    # task 0: positives (5) score 0.4, 0.35; negatives (2) 0.1, 0.8 -> 2 of 4 pairs
    # task 1: positives (1) score 0.8, 0.2; negatives (0) 0.3, 0.3 -> 2 of 4 pairs
    assert_allclose(M.roc_auc_score(Y, S, multitask="raw_values"), [0.5, 0.5])
    S[3, 0] = 0.2  # now every positive of task 0 outranks its negatives
    assert_allclose(M.roc_auc_score(Y, S, multitask="raw_values"), [1.0, 0.5])
    assert_allclose(M.roc_auc_score(Y, S), 0.75)


def test_constant_task_follows_sklearn_force_finite():
    Y = np.array([[1.0, 3.0], [2.0, 3.0], [3.0, 3.0]])
    exact = Y.copy()
    off = Y + np.array([0.0, 1.0])
    assert_allclose(M.r2_score(Y, exact, multitask="raw_values"), [1.0, 1.0])
    assert_allclose(M.r2_score(Y, off, multitask="raw_values")[1], 0.0)
    assert_allclose(
        M.r2_score(Y, off, multitask="raw_values"),
        skm.r2_score(Y, off, multioutput="raw_values"),
    )
    assert_allclose(M.normalized_mean_squared_error(Y, off, multitask="raw_values")[1], 1.0)
    raw = M.r2_score(Y, off, multitask="raw_values", force_finite=False)
    assert raw[1] == -np.inf
    assert np.isnan(M.r2_score(Y, exact, multitask="raw_values", force_finite=False)[1])


# --------------------------------------------------------------------------- #
# errors
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("metric", ALL_METRICS, ids=lambda f: f.__name__)
def test_task_without_observed_entry_raises_naming_it(metric):
    Y = np.array([[1.0, NAN, 0.0], [0.0, NAN, 1.0], [1.0, NAN, 1.0]])
    P = np.array([[0.2, 0.5, 0.1], [0.1, 0.5, 0.9], [0.7, 0.5, 0.6]])
    with pytest.raises(ValueError, match="task 1 .*no observed entry"):
        metric(Y, P)


def test_other_errors():
    Y, P = _regression_data()
    with pytest.raises(ValueError, match="inconsistent shapes"):
        M.r2_score(Y, P[:, :2])
    with pytest.raises(ValueError, match="multitask must be one of"):
        M.mean_squared_error(Y, P, multitask="variance_weighted")
    with pytest.raises(ValueError, match="multitask must be one of"):
        M.roc_auc_score(Y > 0, P, multitask="pooled")
    bad = P.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="task 2"):
        M.r2_score(Y, bad)
    Yc = np.array([[1.0, 0.0], [1.0, 1.0], [NAN, 0.0]])  # task 0: one class only
    with pytest.raises(ValueError, match="list of 1 arrays"):
        M.roc_auc_score(Yc, [np.ones((3, 2))])
    with pytest.raises(ValueError, match="no task has both classes"):
        M.roc_auc_score(Yc[:, :1], np.ones((3, 1)))
    with pytest.raises(ValueError, match="task 1 has 3 distinct"):
        M.roc_auc_score(np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 2.0]]), np.ones((3, 2)))


def test_roc_auc_leaves_out_single_class_tasks_with_a_warning():
    Y = np.array([[1.0, 0.0], [1.0, 1.0], [NAN, 0.0], [1.0, 1.0]])  # task 0: one class
    S = np.array([[0.3, 0.2], [0.1, 0.9], [0.5, 0.4], [0.2, 0.1]])
    raw = M.roc_auc_score(Y, S, multitask="raw_values")
    assert np.isnan(raw[0])
    assert_allclose(raw[1], skm.roc_auc_score(Y[:, 1] == 1.0, S[:, 1]))
    with pytest.warns(UndefinedMetricWarning, match=r"task\(s\) \[0\]"):
        assert_allclose(M.roc_auc_score(Y, S), raw[1])


def test_roc_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(4)
    Y = rng.integers(0, 2, (200, 3)).astype(float)
    Y[rng.random(Y.shape) < 0.2] = NAN
    S = np.round(rng.normal(size=(200, 3)), 1)  # many ties
    expected = [skm.roc_auc_score(Y[~np.isnan(Y[:, t]), t] == 1.0, S[~np.isnan(Y[:, t]), t])
                for t in range(3)]
    assert_allclose(M.roc_auc_score(Y, S, multitask="raw_values"), expected, rtol=1e-12)


# --------------------------------------------------------------------------- #
# scorers
# --------------------------------------------------------------------------- #


def _regression_problem(n=60, d=5, T=3, seed=0, missing=0.25):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, T))
    W[2:] = 0.0
    Y = X @ W + 0.5 * rng.normal(size=(n, T))
    Y[rng.random(Y.shape) < missing] = np.nan
    return X, Y


def _classification_problem(n=80, d=4, seed=0, missing=0.2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    Z = X[:, :3] + 0.7 * rng.normal(size=(n, 3))
    Y = np.where(Z > 0, [5.0, 1.0, 1.0], [2.0, 0.0, 0.0])  # labels {2, 5}, {0, 1}, {0, 1}
    Y[rng.random(Y.shape) < missing] = np.nan
    return X, Y


def test_scorer_signs_and_values():
    X, Y = _regression_problem()
    est = L21Regressor(alpha=0.01).fit(X, Y)
    P = est.predict(X)
    assert_allclose(M.get_scorer("mt_r2")(est, X, Y), M.r2_score(Y, P))
    assert_allclose(M.get_scorer("mt_r2")(est, X, Y), est.score(X, Y))
    assert_allclose(
        M.get_scorer("mt_neg_mean_squared_error")(est, X, Y), -M.mean_squared_error(Y, P)
    )
    assert_allclose(
        M.get_scorer("mt_neg_root_mean_squared_error")(est, X, Y),
        -M.root_mean_squared_error(Y, P),
    )
    assert_allclose(M.get_scorer("mt_neg_nmse")(est, X, Y), -M.normalized_mean_squared_error(Y, P))
    assert_allclose(M.get_scorer("mt_neg_malsar_rmse")(est, X, Y), -M.malsar_rmse(Y, P))
    assert_allclose(
        M.get_scorer("mt_explained_variance")(est, X, Y), M.explained_variance_score(Y, P)
    )
    for name in M.get_scorer_names():
        if "_neg_" in name:
            assert M.get_scorer(name)(est, X, Y) < 0
    custom = M.make_multitask_scorer(
        M.mean_squared_error, greater_is_better=False, multitask="sample_weighted"
    )
    assert_allclose(custom(est, X, Y), -M.mean_squared_error(Y, P, multitask="pooled"))


def test_classification_scorers():
    X, Y = _classification_problem()
    est = L21Classifier(alpha=0.01).fit(X, Y)
    assert_allclose(M.get_scorer("mt_accuracy")(est, X, Y), est.score(X, Y))
    auc = M.roc_auc_score(Y, est.decision_function(X))
    assert_allclose(M.get_scorer("mt_roc_auc")(est, X, Y), auc)
    assert_allclose(M.roc_auc_score(Y, est.predict_proba(X)), auc)
    by_proba = M.make_multitask_scorer(M.roc_auc_score, response_method="predict_proba")
    assert_allclose(by_proba(est, X, Y), auc)
    Y01 = np.where(
        np.isnan(Y), np.nan, Y == np.nanmax(Y, axis=0)
    )  # all {0, 1}: sklearn passes (n, T) probabilities
    est01 = L21Classifier(alpha=0.01).fit(X, Y01)
    assert_allclose(by_proba(est01, X, Y01), M.roc_auc_score(Y01, est01.decision_function(X)))


def test_get_scorer_and_make_scorer_errors():
    assert M.get_scorer("mt_r2") is not M.SCORERS["mt_r2"]
    assert M.get_scorer(M.SCORERS["mt_r2"]) is M.SCORERS["mt_r2"]
    with pytest.raises(ValueError, match="Did you mean 'mt_r2'"):
        M.get_scorer("r2")
    with pytest.raises(ValueError, match="raw_values"):
        M.make_multitask_scorer(M.r2_score, multitask="raw_values")
    with pytest.raises(TypeError, match="callable"):
        M.make_multitask_scorer("r2")


def test_grid_search_single_and_multi_metric():
    X, Y = _regression_problem()
    cv = KFold(3, shuffle=True, random_state=0)
    grid = {"alpha": [0.01, 0.1, 1.0]}
    gs = GridSearchCV(L21Regressor(), grid, scoring=M.get_scorer("mt_r2"), cv=cv).fit(X, Y)
    # the mean test score of each alpha is the fold mean of r2_score on held-out rows
    folds = list(cv.split(X))
    for k, alpha in enumerate(grid["alpha"]):
        manual = [
            M.r2_score(Y[te], L21Regressor(alpha=alpha).fit(X[tr], Y[tr]).predict(X[te]))
            for tr, te in folds
        ]
        assert_allclose(gs.cv_results_["mean_test_score"][k], np.mean(manual))
    names = ["mt_r2", "mt_neg_mean_squared_error", "mt_neg_nmse", "mt_explained_variance"]
    gsm = GridSearchCV(
        L21Regressor(),
        grid,
        scoring={name: M.get_scorer(name) for name in names},
        refit="mt_r2",
        cv=cv,
    ).fit(X, Y)
    r2 = gsm.cv_results_["mean_test_mt_r2"]
    assert gsm.best_index_ == np.argmax(r2)
    assert gsm.best_params_ == gs.best_params_
    assert_allclose(r2, gs.cv_results_["mean_test_score"])
    assert np.all(gsm.cv_results_["mean_test_mt_neg_mean_squared_error"] < 0)
    assert_allclose(gsm.cv_results_["mean_test_mt_neg_nmse"], -(1 - r2))  # nMSE = 1 - R^2
    assert_allclose(gsm.best_estimator_.alpha, gs.best_estimator_.alpha)


def test_cross_validate_classifier_with_multi_metric():
    X, Y = _classification_problem()
    res = cross_validate(
        L21Classifier(alpha=0.01),
        X,
        Y,
        cv=KFold(3, shuffle=True, random_state=0),
        scoring={n: M.get_scorer(n) for n in ("mt_accuracy", "mt_roc_auc")},
        error_score="raise",
    )
    for key in ("test_mt_accuracy", "test_mt_roc_auc"):
        assert res[key].shape == (3,)
        assert np.all((res[key] > 0.5) & (res[key] <= 1.0))


def test_fold_with_unobserved_task_raises_not_nan():
    X, Y = _regression_problem(n=40, missing=0.0)
    Y[:10, 1] = np.nan  # task 1 unobserved in the first (unshuffled) test fold
    with pytest.raises(ValueError, match="task 1 .*no observed entry"):
        cross_validate(
            L21Regressor(alpha=0.1),
            X,
            Y,
            cv=KFold(4),
            scoring=M.get_scorer("mt_r2"),
            error_score="raise",
        )


def test_import_leaves_metrics_for_first_use():
    # `import mtlreg` does not pay for sklearn.metrics; mtlreg.metrics still resolves
    code = (
        "import sys, mtlreg\n"
        "assert 'sklearn.metrics' not in sys.modules, 'sklearn.metrics imported'\n"
        "assert 'mtlreg.metrics' not in sys.modules, 'mtlreg.metrics imported'\n"
        "assert callable(mtlreg.metrics.get_scorer('mt_r2'))\n"
        "assert mtlreg.model_selection.TaskKFold is not None\n"
        "import numpy as np\n"
        "X = np.arange(40.0).reshape(20, 2); Y = np.c_[X[:, 0], -X[:, 1]]\n"
        "assert mtlreg.L21Regressor(alpha=1e-6).fit(X, Y).score(X, Y) > 0.99\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "sklearn.metrics" in subprocess.run(
        [sys.executable, "-c", "import sys, mtlreg; mtlreg.metrics; print(*sys.modules)"],
        capture_output=True, text=True,
    ).stdout
