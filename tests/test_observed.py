"""The scans of Y's observed entries against the NumPy expressions they replace."""

import numpy as np
import pytest

import mtlreg
from mtlreg._base import check_targets
from mtlreg._observed import count_observed, encode_binary, observed_entries


def _targets(n, T, frac, seed=0):
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((n, T))
    Y[rng.random((n, T)) > frac] = np.nan
    return Y


# C order, Fortran order, and a strided view that is neither
LAYOUTS = {
    "C": lambda Y: np.ascontiguousarray(Y),
    "F": lambda Y: np.asfortranarray(Y),
    "strided": lambda Y: np.repeat(Y, 2, axis=1)[:, ::2],
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (50, 70), (33, 100)])
@pytest.mark.parametrize("frac", [0.0, 0.05, 0.6, 1.0])
def test_observed_entries_match_numpy(layout, shape, frac):
    Y = LAYOUTS[layout](_targets(*shape, frac))
    n_obs, n_inf = count_observed(Y)
    mask = ~np.isnan(Y)
    np.testing.assert_array_equal(n_obs, mask.sum(axis=0))
    assert n_inf == 0
    ptr, rows, values = observed_entries(Y, n_obs)
    np.testing.assert_array_equal(ptr, np.concatenate([[0], np.cumsum(n_obs)]))
    for t in range(Y.shape[1]):
        expected = np.flatnonzero(mask[:, t])
        np.testing.assert_array_equal(rows[ptr[t]:ptr[t + 1]], expected)
        np.testing.assert_array_equal(values[ptr[t]:ptr[t + 1]], Y[expected, t])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_count_observed_counts_infinities(layout):
    Y = _targets(20, 40, 0.5)
    Y[3, 5], Y[7, 39], Y[0, 0] = np.inf, -np.inf, np.inf
    n_obs, n_inf = count_observed(LAYOUTS[layout](Y))
    assert n_inf == 3
    np.testing.assert_array_equal(n_obs, (~np.isnan(Y)).sum(axis=0))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_encode_binary_matches_numpy(layout):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, size=(30, 45)).astype(float) * 5.0 - 2.0  # -2 and 3
    labels[rng.random(labels.shape) < 0.7] = np.nan
    positive = np.where(rng.random(45) < 0.5, 3.0, -2.0)
    out = encode_binary(LAYOUTS[layout](labels), positive)
    expected = np.where(labels == positive, 1.0, -1.0)
    expected[np.isnan(labels)] = np.nan
    np.testing.assert_array_equal(out, expected)


def test_labels_already_plus_minus_one_are_not_copied():
    Y = np.sign(_targets(60, 4, 0.5, seed=2))
    Y[Y == 0] = 1.0
    encoded, classes, _, n_obs = check_targets(Y, 60, classification=True)
    np.testing.assert_array_equal(n_obs, (~np.isnan(Y)).sum(axis=0))
    assert encoded is Y
    assert all(list(c) == [-1.0, 1.0] for c in classes)


@pytest.mark.parametrize("frac", [0.2, 1.0])
def test_classifier_fit_does_not_depend_on_label_values(frac):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((120, 6))
    Y = np.where(X[:, :3] @ rng.standard_normal((3, 3)) > 0, 1.0, -1.0)
    Y[rng.random(Y.shape) > frac] = np.nan
    relabelled = np.where(Y == 1.0, 7.0, 4.0)
    relabelled[np.isnan(Y)] = np.nan
    a = mtlreg.L21Classifier(alpha=0.01, tol=1e-10).fit(X, Y)
    b = mtlreg.L21Classifier(alpha=0.01, tol=1e-10).fit(X, relabelled)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-12)
    assert [list(c) for c in b.classes_] == [[4.0, 7.0]] * 3
    np.testing.assert_array_equal(
        b.predict(X), np.where(a.predict(X) == 1.0, 7.0, 4.0)
    )


def test_inf_target_error_names_the_argument():
    X = np.ones((5, 2))
    Y = np.zeros((5, 2))
    Y[1, 1] = np.inf
    with pytest.raises(ValueError, match=r"Input y contains infinity .*\(1 entry\)"):
        mtlreg.L21Regressor().fit(X, Y)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_observed_entries_refuses_wrong_counts(layout):
    Y = LAYOUTS[layout](_targets(30, 8, 0.4, seed=4))
    n_obs, _ = count_observed(Y)
    for wrong in (n_obs + 1, np.maximum(n_obs - 1, 0), n_obs[::-1].copy()):
        if np.array_equal(wrong, n_obs):
            continue
        with pytest.raises(ValueError, match="n_obs"):
            observed_entries(Y, wrong)


def test_inf_in_1d_classifier_labels_is_refused():
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match=r"Input y contains infinity .*2 entries"):
        mtlreg.LassoClassifier().fit(X, np.array([0.0, np.inf, 0.0, np.inf]))


def test_1d_float_labels_with_missing_entries():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((80, 4))
    y = np.where(X[:, 0] > 0, 3.0, -2.0)
    y_missing = y.copy()
    y_missing[::7] = np.nan
    keep = ~np.isnan(y_missing)
    a = mtlreg.L21Classifier(alpha=0.01, tol=1e-10).fit(X, y_missing)
    b = mtlreg.L21Classifier(alpha=0.01, tol=1e-10).fit(X[keep], y[keep])
    assert list(a.classes_) == [-2.0, 3.0]
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("frac", [0.3, 1.0])
def test_classifier_with_mixed_label_sets_in_any_memory_order(layout, frac):
    # some tasks already -1/+1, others not: the encoded copy path, read in C, Fortran
    # and strided order, gives the fit of the plainly encoded labels
    rng = np.random.default_rng(6)
    X = rng.standard_normal((150, 5))
    signs = np.where(X[:, :4] @ rng.standard_normal((4, 4)) > 0, 1.0, -1.0)
    signs[rng.random(signs.shape) > frac] = np.nan
    labels = signs.copy()
    labels[:, 1] = np.where(signs[:, 1] == 1.0, 1.0, 0.0)
    labels[:, 3] = np.where(signs[:, 3] == 1.0, 9.0, 5.0)
    labels[np.isnan(signs)] = np.nan
    ref = mtlreg.LassoClassifier(alpha=0.01, tol=1e-10).fit(X, signs)
    got = mtlreg.LassoClassifier(alpha=0.01, tol=1e-10).fit(X, LAYOUTS[layout](labels))
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    assert [list(c) for c in got.classes_] == [[-1, 1], [0, 1], [-1, 1], [5, 9]]
