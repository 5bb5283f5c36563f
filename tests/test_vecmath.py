"""The vectorised exp / log1p of the logistic loss and the loss kernels built on them,
against NumPy and SciPy over the whole range the loss meets."""

import numpy as np
import pytest
from numba import njit
from scipy.special import expit

from mtlreg import _logistic, _vecmath


@njit(cache=False)
def _apply_exp(x, out):
    for k in range(x.shape[0]):
        out[k] = _vecmath.exp_nonpositive(x[k])


@njit(cache=False)
def _apply_log1p(x, out):
    for k in range(x.shape[0]):
        out[k] = _vecmath.log1p_unit(x[k])


def _margins(seed=0):
    rng = np.random.default_rng(seed)
    special = [0.0, 1e-300, -1e-300, 1e-17, -1e-17, 1e-8, -1e-8, 0.5 * np.log(2.0),
               -0.5 * np.log(2.0), 36.7, -36.7, 699.9, -699.9, 700.0, -700.0]
    return np.concatenate([rng.standard_normal(20000) * 5.0, rng.uniform(-700, 700, 20000),
                           special])


def test_exp_nonpositive_to_a_few_ulps():
    x = -np.abs(_margins())
    out = np.empty_like(x)
    _apply_exp(x, out)
    ref = np.exp(x)
    assert np.max(np.abs(out - ref) / ref) <= 4e-16


def test_exp_below_the_floor_is_negligible():
    x = np.array([-700.5, -745.0, -1e4, -np.inf])
    out = np.empty_like(x)
    _apply_exp(x, out)
    assert np.all(out >= 0.0) and np.all(out <= 1e-303)


def test_log1p_unit_to_a_few_ulps():
    rng = np.random.default_rng(1)
    e = np.concatenate([rng.random(20000), np.exp(-rng.uniform(0, 700, 20000)),
                        [0.0, 1.0, 1e-300, 1e-17, 0.5]])
    out = np.empty_like(e)
    _apply_log1p(e, out)
    ref = np.log1p(e)
    assert np.max(np.abs(out - ref) / np.where(ref > 0, ref, 1.0)) <= 6e-16
    assert out[-5] == 0.0


def test_softplus_and_sigmoid_match_scipy():
    m = _margins(2)
    out = np.empty_like(m)
    _vecmath.softplus(m, out)
    ref = np.logaddexp(0.0, m)
    assert np.max(np.abs(out - ref) / np.maximum(ref, 1e-300)) <= 8e-16
    _vecmath.sigmoid(m, out)
    ref = expit(m)
    assert np.max(np.abs(out - ref) / np.maximum(ref, 1e-300)) <= 8e-16


def test_softplus_and_sigmoid_keep_nan_and_infinities():
    m = np.array([np.nan, np.inf, -np.inf])
    out = np.empty(3)
    _vecmath.softplus(m, out)
    assert np.isnan(out[0]) and out[1] == np.inf and 0.0 <= out[2] <= 1e-303
    _vecmath.sigmoid(m, out)
    assert np.isnan(out[0]) and out[1] == 1.0 and 0.0 <= out[2] <= 1e-303


@pytest.mark.parametrize("shape", [(4003,), (211, 19)])
def test_logistic_kernels_match_the_definitions(shape):
    rng = np.random.default_rng(3)
    z = (rng.standard_normal(shape) * 6.0).ravel()
    z[:4] = [800.0, -800.0, 0.0, 40.0]
    z = z.reshape(shape)
    y = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    s = rng.random(shape)
    s.ravel()[::5] = 0.0  # missing entries
    m = -y * z
    value = float(np.sum(s * np.logaddexp(0.0, m)))
    grad = -s * y * expit(m)
    curv = s * expit(z) * expit(-z)
    assert _logistic.logistic_value(y, s, z) == pytest.approx(value, rel=1e-14)
    out = np.empty(shape)
    assert _logistic.logistic_value_grad(y, s, z, out) == pytest.approx(value, rel=1e-14)
    np.testing.assert_allclose(out, grad, rtol=1e-14, atol=1e-300)
    out[:] = np.nan
    _logistic.logistic_grad(y, s, z, out)
    np.testing.assert_allclose(out, grad, rtol=1e-14, atol=1e-300)
    _logistic.logistic_curvature(y, s, z, out)
    np.testing.assert_allclose(out, curv, rtol=1e-14, atol=1e-300)


def test_logistic_value_is_nan_on_a_nan_score():
    z = np.array([0.3, np.nan, -1.0])
    y = np.array([1.0, -1.0, 1.0])
    s = np.ones(3)
    assert np.isnan(_logistic.logistic_value(y, s, z))
    assert np.isnan(_logistic.logistic_value_grad(y, s, z, np.empty(3)))


@pytest.mark.parametrize("n", [1, 1023, 1024, 2500])
def test_logistic_value_grad_in_place_of_the_scores(n):
    """The solvers pass z's own array as ``out``: each block of derivatives goes through
    a scratch block (a loop writing into its input ran scalar, 8 times slower), and the
    value and derivatives are those of a separate output, to the bit."""
    rng = np.random.default_rng(n)
    y = np.sign(rng.standard_normal(n))
    s = rng.uniform(0.0, 1.0, n)
    s[rng.random(n) < 0.2] = 0.0
    z = 3.0 * rng.standard_normal(n)
    out = np.empty(n)
    value = _logistic.logistic_value_grad(y, s, z, out)
    z_in_place = z.copy()
    assert _logistic.logistic_value_grad(y, s, z_in_place, z_in_place) == value
    np.testing.assert_array_equal(z_in_place, out)
    assert value == _logistic.logistic_value(y, s, z)
