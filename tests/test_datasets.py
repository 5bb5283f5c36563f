import numpy as np
import pytest

from mtlreg.datasets import make_multitask_classification, make_multitask_regression

STRUCTURES = ["shared_support", "low_rank", "clustered", "independent"]
MAKERS = [make_multitask_regression, make_multitask_classification]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("structure", STRUCTURES)
def test_shapes_dtypes_and_reproducibility(make, structure):
    X, Y, coef = make(30, 8, 4, structure=structure, return_coef=True, random_state=0)
    assert X.shape == (30, 8) and Y.shape == (30, 4) and coef.shape == (4, 8)
    assert X.dtype == Y.dtype == coef.dtype == np.float64
    assert not np.isnan(Y).any()
    X2, Y2 = make(30, 8, 4, structure=structure, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)


def test_regression_targets_follow_model():
    bias = np.array([1.0, -2.0, 3.0])
    X, Y, coef = make_multitask_regression(
        40, 6, 3, noise=0.0, bias=bias, return_coef=True, random_state=1
    )
    np.testing.assert_allclose(Y, X @ coef.T + bias)
    _, Y_noisy, _ = make_multitask_regression(
        2000, 6, 3, noise=0.5, bias=bias, return_coef=True, random_state=1
    )
    X, _, coef = make_multitask_regression(
        2000, 6, 3, noise=0.5, bias=bias, return_coef=True, random_state=1
    )
    resid = Y_noisy - X @ coef.T - bias
    assert abs(resid.std() - 0.5) < 0.05


def test_shared_support_rows_are_shared():
    *_, coef = make_multitask_regression(
        20,
        30,
        6,
        structure="shared_support",
        n_informative=4,
        return_coef=True,
        random_state=0,
    )
    nonzero = coef != 0
    support = np.flatnonzero(nonzero.any(axis=0))
    assert support.size == 4
    assert nonzero[:, support].all()  # every task uses every support row
    assert not np.allclose(coef[0, support], coef[1, support])  # values differ


def test_n_informative_clipped_to_n_features():
    *_, coef = make_multitask_regression(10, 3, 2, return_coef=True, random_state=0)
    assert (coef != 0).all()


def test_independent_supports():
    *_, coef = make_multitask_regression(
        20,
        50,
        5,
        structure="independent",
        n_informative=3,
        return_coef=True,
        random_state=0,
    )
    assert ((coef != 0).sum(axis=1) == 3).all()
    supports = {tuple(np.flatnonzero(c)) for c in coef}
    assert len(supports) > 1


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_low_rank(rank):
    *_, coef = make_multitask_regression(
        20, 15, 6, structure="low_rank", rank=rank, return_coef=True, random_state=0
    )
    assert np.linalg.matrix_rank(coef) == rank


def test_clustered():
    *_, coef = make_multitask_regression(
        20,
        40,
        9,
        structure="clustered",
        n_clusters=3,
        return_coef=True,
        random_state=0,
    )
    dist = np.linalg.norm(coef[:, None, :] - coef[None, :, :], axis=2)
    close = dist < 0.5 * np.median(dist[dist > 0])
    groups = {tuple(np.flatnonzero(row)) for row in close}
    assert len(groups) == 3
    assert sorted(len(g) for g in groups) == [3, 3, 3]


@pytest.mark.parametrize("make", MAKERS)
def test_missing_fraction_and_min_observed(make):
    _, Y = make(200, 5, 4, missing=0.3, random_state=0)
    frac = np.isnan(Y).mean()
    assert 0.25 < frac < 0.35
    _, Y = make(5, 5, 20, missing=0.95, random_state=0)
    assert (np.sum(~np.isnan(Y), axis=0) >= 2).all()


@pytest.mark.parametrize("make", MAKERS)
def test_per_task_design(make):
    sizes = [3, 5, 4]
    X, Y, _coef = make(sizes, 6, 3, design="per_task", return_coef=True, random_state=0)
    assert X.shape == (12, 6) and Y.shape == (12, 3)
    task = np.repeat(np.arange(3), sizes)
    observed = ~np.isnan(Y)
    np.testing.assert_array_equal(observed, task[:, None] == np.arange(3))
    X, Y = make(7, 6, 3, design="per_task", random_state=0)
    assert X.shape == (21, 6)
    assert (np.sum(~np.isnan(Y), axis=0) == 7).all()


def test_per_task_regression_values():
    X, Y, coef = make_multitask_regression(
        [4, 6],
        3,
        2,
        design="per_task",
        noise=0.0,
        bias=[0.5, -1.0],
        return_coef=True,
        random_state=2,
    )
    np.testing.assert_allclose(Y[:4, 0], X[:4] @ coef[0] + 0.5)
    np.testing.assert_allclose(Y[4:, 1], X[4:] @ coef[1] - 1.0)


def test_classification_labels_and_both_classes():
    # a large bias would give a single class without the guarantee
    X, Y, coef = make_multitask_classification(
        30,
        5,
        4,
        bias=[50.0, -50.0, 0.0, 0.0],
        noise=0.0,
        missing=0.2,
        return_coef=True,
        random_state=0,
    )
    obs = Y[~np.isnan(Y)]
    assert set(np.unique(obs)) == {0.0, 1.0}
    for t in range(4):
        assert set(np.unique(Y[~np.isnan(Y[:, t]), t])) == {0.0, 1.0}
    # noise-free labels follow the sign of the decision function
    X, Y, coef = make_multitask_classification(
        500, 5, 3, noise=0.0, return_coef=True, random_state=0
    )
    agree = (Y == (X @ coef.T > 0)).mean()
    assert agree > 0.99


def test_classification_flip_noise():
    X, Y, coef = make_multitask_classification(
        4000, 5, 2, noise=0.2, return_coef=True, random_state=0
    )
    flipped = (Y != (X @ coef.T > 0)).mean()
    assert 0.17 < flipped < 0.23


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"structure": "sparse"}, "structure"),
        ({"design": "stacked"}, "design"),
        ({"n_informative": 0}, "n_informative"),
        ({"structure": "low_rank", "rank": 6}, "rank"),
        ({"structure": "clustered", "n_clusters": 6}, "n_clusters"),
        ({"missing": 1.0}, "missing"),
        ({"missing": 0.1, "design": "per_task"}, "missing"),
        ({"noise": -1.0}, "noise"),
        ({"bias": [1.0, 2.0]}, "bias"),
        ({"n_samples": [3, 3], "design": "per_task"}, "n_samples"),
        ({"n_samples": 0}, "n_samples"),
        ({"n_tasks": 0}, "n_tasks"),
        ({"n_features": 0}, "n_features"),
    ],
)
def test_invalid_arguments(make, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


@pytest.mark.parametrize("make", MAKERS)
def test_invalid_types(make):
    with pytest.raises(TypeError, match="n_samples"):
        make(n_samples=10.5)
    with pytest.raises(TypeError, match="n_samples"):
        make(n_samples=[10, 10], design="shared", n_tasks=2)


def test_classification_needs_two_rows_and_valid_noise():
    with pytest.raises(ValueError, match="n_samples"):
        make_multitask_classification([2, 1], 3, 2, design="per_task")
    with pytest.raises(ValueError, match="noise"):
        make_multitask_classification(noise=0.7)
