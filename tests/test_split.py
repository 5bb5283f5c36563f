"""TaskKFold: a K-fold splitter dividing every task's observed rows across the folds."""

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import GridSearchCV, KFold, check_cv, cross_validate

import mtlreg
from mtlreg.datasets import make_multitask_regression
from mtlreg.model_selection._split import TaskKFold


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _folds(cv, Y, X=None):
    X = np.zeros((len(Y), 1)) if X is None else X
    return list(cv.split(X, Y))


def _observed(Y):
    Y = np.asarray(Y, dtype=float)
    return ~np.isnan(Y.reshape(len(Y), -1))


def _check_partition(folds, n):
    """Test parts partition range(n); each train part is the complement of its test."""
    tests = np.concatenate([test for _, test in folds])
    assert np.array_equal(np.sort(tests), np.arange(n))
    for train, test in folds:
        assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(n))
        assert np.intersect1d(train, test).size == 0


def _test_counts(folds, Y):
    """(n_splits, n_tasks) numbers of observed rows of each task in each test part."""
    obs = _observed(Y)
    return np.array([obs[test].sum(axis=0) for _, test in folds])


def _train_counts(folds, Y):
    obs = _observed(Y)
    return np.array([obs[train].sum(axis=0) for train, _ in folds])


def _spread(a, axis=0):
    return a.max(axis=axis) - a.min(axis=axis)


def _per_task_data(seed=0, n_tasks=30, low=7, high=60):
    sizes = np.random.default_rng(seed).integers(low, high + 1, size=n_tasks)
    X, Y = make_multitask_regression(sizes, 6, n_tasks, design="per_task", random_state=seed)
    return X, Y, sizes


# --------------------------------------------------------------------------
# layouts
# --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_per_task_layout_is_exact_stratification(seed):
    X, Y, sizes = _per_task_data(seed)
    assert len(sizes) == 30 and sizes.min() >= 7 and sizes.max() <= 60
    folds = _folds(TaskKFold(5, random_state=seed), Y, X)
    assert len(folds) == 5
    _check_partition(folds, len(Y))
    test, train = _test_counts(folds, Y), _train_counts(folds, Y)
    # every task in every test and every training part
    assert test.min() >= 1 and train.min() >= 1
    # each task's rows divided as evenly as possible: counts floor/ceil(n_t / 5)
    assert _spread(test).max() <= 1
    np.testing.assert_array_equal(test.sum(axis=0), sizes)
    np.testing.assert_array_equal(test.min(axis=0), sizes // 5)
    # fold sizes balanced
    assert _spread(np.array([len(t) for _, t in folds])) <= 1


def test_per_task_beats_shuffled_kfold():
    """A plain shuffled KFold leaves small tasks out of some folds; TaskKFold never does."""
    X, Y, _ = _per_task_data(0)
    kfold = _test_counts(list(KFold(5, shuffle=True, random_state=0).split(X)), Y)
    ours = _test_counts(_folds(TaskKFold(5, random_state=0), Y, X), Y)
    assert kfold.min() == 0
    assert ours.min() >= 1
    assert _spread(ours).max() < _spread(kfold).max()


@pytest.mark.parametrize("n", [100, 103, 7])
def test_fully_observed_is_balanced_kfold(n):
    Y = np.random.default_rng(n).standard_normal((n, 4))
    folds = _folds(TaskKFold(5, random_state=0), Y)
    _check_partition(folds, n)
    sizes = sorted(len(test) for _, test in folds)
    assert sizes == sorted(len(test) for _, test in KFold(5).split(Y))
    # every task sees exactly the fold sizes
    test = _test_counts(folds, Y)
    np.testing.assert_array_equal(test, np.array([[len(t)] * 4 for _, t in folds]))
    # the folds are shuffled, not contiguous blocks
    assert any(np.any(np.diff(np.sort(t)) > 1) for _, t in folds)


def test_one_d_y_behaves_like_kfold():
    y = np.random.default_rng(0).standard_normal(53)
    folds = _folds(TaskKFold(4, random_state=1), y)
    _check_partition(folds, 53)
    assert sorted(len(t) for _, t in folds) == [13, 13, 13, 14]
    y[[0, 5, 9]] = np.nan  # rows without target still go somewhere
    folds = _folds(TaskKFold(4, random_state=1), y)
    _check_partition(folds, 53)
    assert _spread(_test_counts(folds, y)).max() <= 1
    assert _spread(np.array([len(t) for _, t in folds])) <= 1


@pytest.mark.parametrize("seed", range(5))
def test_partly_missing(seed):
    X, Y = make_multitask_regression(200, 5, 8, missing=0.5, random_state=seed)
    folds = _folds(TaskKFold(5, random_state=seed), Y, X)
    _check_partition(folds, len(Y))
    test, train = _test_counts(folds, Y), _train_counts(folds, Y)
    assert test.min() >= 1 and train.min() >= 1
    # close to n_t / 5 for every task (a shuffled KFold is typically off by ~10)
    assert _spread(test).max() <= 3
    assert _spread(np.array([len(t) for _, t in folds])) <= 3


def test_partly_missing_skewed_rates_and_empty_rows():
    rng = np.random.default_rng(3)
    Y = rng.standard_normal((400, 12))
    Y[rng.random(Y.shape) < np.linspace(0.05, 0.95, 12)] = np.nan
    Y[:15] = np.nan  # rows without any target
    folds = _folds(TaskKFold(5, random_state=0), Y)
    _check_partition(folds, len(Y))
    test = _test_counts(folds, Y)
    assert test.min() >= 1 and _train_counts(folds, Y).min() >= 1
    assert _spread(test).max() <= 3
    assert _spread(np.array([len(t) for _, t in folds])) <= 2


@pytest.mark.parametrize("seed", range(40))
def test_random_patterns_cover_every_task_or_raise(seed):
    """Small, heavily overlapping NaN patterns: a valid split or a clear error."""
    rng = np.random.default_rng(seed)
    n, T, K = int(rng.integers(6, 40)), int(rng.integers(1, 8)), int(rng.integers(2, 6))
    Y = rng.standard_normal((n, T))
    Y[rng.random(Y.shape) < rng.uniform(0.0, 0.8)] = np.nan
    if _observed(Y).sum(axis=0).min() < K:
        with pytest.raises(ValueError, match="observed"):
            _folds(TaskKFold(K, random_state=seed), Y)
        return
    try:
        folds = _folds(TaskKFold(K, random_state=seed), Y)
    except ValueError as exc:  # only for patterns where the search gets stuck
        assert "could not give task" in str(exc)
        return
    _check_partition(folds, n)
    assert _test_counts(folds, Y).min() >= 1
    assert _train_counts(folds, Y).min() >= 1


def test_repair_makes_overlapping_small_tasks_fit():
    # task 0 only on rows also observed by task 1: 5 rows, 5 folds
    Y = np.full((20, 2), np.nan)
    Y[:, 1] = 1.0
    Y[:5, 0] = 1.0
    folds = _folds(TaskKFold(5, random_state=0), Y)
    np.testing.assert_array_equal(_test_counts(folds, Y)[:, 0], np.ones(5))
    assert _spread(_test_counts(folds, Y)[:, 1]) == 0


def test_impossible_pattern_raises():
    # three rows observed in the task pairs {0, 1}, {1, 2}, {0, 2}: with two folds
    # one fold always holds both rows of some task
    Y = np.array([[1.0, 1.0, np.nan], [np.nan, 1.0, 1.0], [1.0, np.nan, 1.0]])
    with pytest.raises(ValueError, match=r"could not give task \d .* lower n_splits"):
        _folds(TaskKFold(2, random_state=0), Y)


def test_non_float_targets():
    labels = np.random.default_rng(0).integers(0, 2, size=(30, 3))
    folds = _folds(TaskKFold(3, random_state=0), labels)  # ints: all observed
    assert sorted(len(t) for _, t in folds) == [10, 10, 10]
    obj = labels.astype(object)
    obj[:12, 0] = np.nan
    folds = _folds(TaskKFold(3, random_state=0), obj)
    counts = np.array([[np.sum(obj[t, 0] == obj[t, 0]) for _, t in folds]])
    np.testing.assert_array_equal(counts, [[6, 6, 6]])


def test_accepts_sparse_x_and_lists():
    X, Y, _ = _per_task_data(0, n_tasks=4, low=10, high=12)
    a = _folds(TaskKFold(3, random_state=0), Y, X)
    b = _folds(TaskKFold(3, random_state=0), Y.tolist(), sp.csr_matrix(X))
    for (tr_a, te_a), (tr_b, te_b) in zip(a, b, strict=True):
        np.testing.assert_array_equal(tr_a, tr_b)
        np.testing.assert_array_equal(te_a, te_b)


# --------------------------------------------------------------------------
# determinism
# --------------------------------------------------------------------------
def _as_labels(folds, n):
    labels = np.empty(n, dtype=int)
    for f, (_, test) in enumerate(folds):
        labels[test] = f
    return labels


def test_random_state_determinism():
    X, Y, _ = _per_task_data(1)
    n = len(Y)
    a = _as_labels(_folds(TaskKFold(5, random_state=7), Y), n)
    b = _as_labels(_folds(TaskKFold(5, random_state=7), Y), n)
    c = _as_labels(_folds(TaskKFold(5, random_state=8), Y), n)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # an int seed gives the same folds at every call of the same splitter
    cv = TaskKFold(5, random_state=7)
    np.testing.assert_array_equal(_as_labels(_folds(cv, Y), n), _as_labels(_folds(cv, Y), n))
    # a RandomState instance advances between calls, like KFold
    cv = TaskKFold(5, random_state=np.random.RandomState(0))
    assert not np.array_equal(_as_labels(_folds(cv, Y), n), _as_labels(_folds(cv, Y), n))


def test_no_shuffle_is_deterministic_and_interleaved():
    X, Y, sizes = _per_task_data(2, n_tasks=5)
    a = _folds(TaskKFold(5, shuffle=False), Y)
    b = _folds(TaskKFold(5, shuffle=False), Y)
    np.testing.assert_array_equal(_as_labels(a, len(Y)), _as_labels(b, len(Y)))
    assert _test_counts(a, Y).min() >= 1
    # task 0's rows (the first ones) go to the folds in turn
    np.testing.assert_array_equal(_as_labels(a, len(Y))[:5], np.arange(5))


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
def test_task_smaller_than_n_splits_raises_naming_it():
    X, Y, _ = _per_task_data(0, n_tasks=4, low=10, high=12)
    Y[np.flatnonzero(~np.isnan(Y[:, 2]))[3:], 2] = np.nan  # task 2: 3 rows
    with pytest.raises(ValueError, match=r"task 2 has 3\b.*Use n_splits <= 3"):
        _folds(TaskKFold(5), Y)
    # 3 folds are fine for it
    folds = _folds(TaskKFold(3, random_state=0), Y)
    assert _test_counts(folds, Y)[:, 2].tolist() == [1, 1, 1]


def test_single_row_and_empty_tasks_raise():
    Y = np.random.default_rng(0).standard_normal((30, 3))
    Y[1:, 1] = np.nan  # task 1: 1 row
    Y[:, 2] = np.nan  # task 2: 0 rows
    with pytest.raises(ValueError, match=r"task 1 has 1, task 2 has 0.*at least 2 observed rows"):
        _folds(TaskKFold(2), Y)


def test_many_small_tasks_are_summarised():
    Y = np.full((40, 20), np.nan)
    Y[np.arange(40), np.arange(40) % 20] = 1.0  # 2 rows per task
    with pytest.raises(ValueError, match=r"task 4 has 2 \(and 15 more tasks\)"):
        _folds(TaskKFold(3), Y)


def test_y_none_raises():
    with pytest.raises(ValueError, match="TaskKFold needs the targets"):
        next(TaskKFold().split(np.zeros((10, 2))))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(n_splits=1), ValueError, "n_splits must be >= 2"),
        (dict(n_splits=2.0), ValueError, "n_splits must be an integer"),
        (dict(n_splits=True), ValueError, "n_splits must be an integer"),
        (dict(shuffle="yes"), TypeError, "shuffle must be True or False"),
        (dict(shuffle=False, random_state=0), ValueError, "no effect since shuffle is False"),
    ],
)
def test_invalid_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        TaskKFold(**kwargs)


def test_bad_targets_raise():
    cv = TaskKFold(2)
    with pytest.raises(ValueError, match="inconsistent"):
        next(cv.split(np.zeros((10, 2)), np.zeros((9, 2))))
    with pytest.raises(ValueError, match="shape"):
        next(cv.split(np.zeros((4, 2)), np.zeros((4, 2, 2))))
    with pytest.raises(ValueError, match="no task"):
        next(cv.split(np.zeros((4, 2)), np.zeros((4, 0))))
    with pytest.raises(TypeError, match="sparse"):
        next(cv.split(np.zeros((4, 2)), sp.csr_matrix(np.ones((4, 2)))))


# --------------------------------------------------------------------------
# scikit-learn integration
# --------------------------------------------------------------------------
def test_splitter_api():
    cv = TaskKFold(4, random_state=3)
    assert repr(cv) == "TaskKFold(n_splits=4, random_state=3, shuffle=True)"
    assert repr(TaskKFold()) == "TaskKFold(n_splits=5, random_state=None, shuffle=True)"
    assert check_cv(cv) is cv
    assert cv.get_n_splits() == 4 and cv.get_n_splits(np.zeros((8, 1))) == 4
    Y = np.random.default_rng(0).standard_normal((20, 2))
    for other in (copy.deepcopy(cv), pickle.loads(pickle.dumps(cv))):
        assert repr(other) == repr(cv)
        np.testing.assert_array_equal(
            _as_labels(_folds(other, Y), 20), _as_labels(_folds(cv, Y), 20)
        )
    from sklearn.base import clone

    assert repr(clone(cv, safe=False)) == repr(cv)


def _cv_data():
    # per-task rows, stacked task 0 first: a K-fold over the row order puts whole
    # tasks in a test part and leaves them out of the matching training part
    sizes = np.arange(12, 30, 2)
    return make_multitask_regression(sizes, 10, len(sizes), design="per_task", random_state=0)


def test_cross_validate_with_l21_regressor():
    X, Y = _cv_data()
    est = mtlreg.L21Regressor(alpha=0.1)
    res = cross_validate(est, X, Y, cv=TaskKFold(3, random_state=0), error_score="raise")
    assert res["test_score"].shape == (3,)
    assert np.all(np.isfinite(res["test_score"])) and res["test_score"].min() > 0.5
    # the contrast: an unshuffled KFold trains without whole tasks, and the fit fails
    with pytest.raises(ValueError, match="no observed target"):
        cross_validate(est, X, Y, cv=KFold(3), error_score="raise")


def test_grid_search_cv_with_l21_regressor():
    X, Y = _cv_data()
    grid = {"alpha": [0.01, 0.1, 1.0]}
    search = GridSearchCV(
        mtlreg.L21Regressor(), grid, cv=TaskKFold(3, random_state=0), error_score="raise"
    ).fit(X, Y)
    assert search.n_splits_ == 3
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_params_["alpha"] in grid["alpha"]
    assert search.best_score_ > 0.5
    # the same search over an unshuffled KFold: every fit fails
    with pytest.raises(ValueError, match=r"All the 9 fits failed[\s\S]*no observed target"):
        GridSearchCV(mtlreg.L21Regressor(), grid, cv=KFold(3)).fit(X, Y)
