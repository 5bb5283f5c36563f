"""Shared fixtures: small seeded multi-task problem instances.

An *instance* is a dict with keys

    X              (n, d) ndarray, or scipy.sparse CSR / CSC matrix
    Y              (n, T) float ndarray with NaN = missing, or 1-D y for T = 1
    fit_intercept  bool
    task_weights   None | "n_samples" | (T,) ndarray
    l2             float
    kind, loss     the names it was built from
    wide           True when d > n_t for some task (solutions of non strictly
                   convex problems may then not be unique)

Sizes stay tiny (n <= 60, d <= 15, T <= 4) so that cvxpy and the package's
first (Numba-compiling) fits are quick.
"""

import functools
import os
import sys

import numpy as np
import pytest
import scipy.sparse as sp

# make ``import _oracle`` work whatever pytest import mode is configured
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

# Every instance kind; each is covered for every estimator in test_oracle_cvxpy.
KINDS = (
    "shared",          # one design, every target observed
    "per_task",        # each row observed in exactly one task (MALSAR layout)
    "missing",         # ~30 % of Y missing at random
    "single",          # T = 1, 1-D y
    "wide",            # d > n, shared design
    "no_intercept",    # fit_intercept=False (data generated with intercepts)
    "weights",         # task_weights given as an array
    "weights_n_samples",  # task_weights="n_samples" with unequal n_t
    "l2",              # extra ridge l2 > 0
    "csr",             # scipy.sparse CSR X, missing targets
    "csc",             # scipy.sparse CSC X, per-task samples
)

_SEEDS = {k: 1000 + i for i, k in enumerate(KINDS)}

# the two labels of each task for classification (mapped to -1/+1 by sorting)
CLASS_LABELS = ((0.0, 1.0), (-1.0, 1.0), (2.0, 5.0), (-3.0, -2.0))
SINGLE_LABELS = (-1.0, 3.0)


# --------------------------------------------------------------------------
# building blocks
# --------------------------------------------------------------------------
def _design(rng, n, d, density=None):
    X = rng.standard_normal((n, d))
    if density is not None:
        X = X * (rng.random((n, d)) < density)
        # no empty row: keep at least one nonzero per row
        for i in np.flatnonzero((X != 0).sum(axis=1) == 0):
            X[i, rng.integers(d)] = rng.standard_normal()
    return X


def _true_model(rng, d, T, n_active=4):
    W = np.zeros((d, T))
    active = rng.choice(d, size=min(n_active, d), replace=False)
    common = rng.standard_normal(len(active))
    W[active] = common[:, None] + 0.5 * rng.standard_normal((len(active), T))
    b = rng.standard_normal(T)
    return W, b


def _targets(rng, X, W, b, loss, noise=0.5, flip=0.15):
    """Fully observed (n, T) targets."""
    Z = X @ W + b
    n, T = Z.shape
    if loss == "squared":
        return Z + noise * rng.standard_normal((n, T))
    # logistic: weak signal + label flips keep the data non separable
    Z = 0.5 * Z / max(1.0, np.abs(Z).std())
    P = 1.0 / (1.0 + np.exp(-Z))
    S = rng.random((n, T)) < P
    S ^= rng.random((n, T)) < flip
    Y = np.empty((n, T))
    for t in range(T):
        lo, hi = CLASS_LABELS[t % len(CLASS_LABELS)]
        Y[:, t] = np.where(S[:, t], hi, lo)
    return Y


def _task_ok(y, loss, min_obs=3):
    y = y[~np.isnan(y)]
    if y.size < min_obs:
        return False
    if loss == "logistic":
        counts = np.unique(y, return_counts=True)[1]
        return counts.size == 2 and counts.min() >= 2
    return True


def _per_task_mask(rng, n, T):
    """Each row observed in exactly one task (balanced)."""
    owner = rng.permutation(np.arange(n) % T)
    return owner[:, None] == np.arange(T)[None, :]


def _make(kind, loss, rng):
    layout = {
        "shared": "shared", "per_task": "per_task", "missing": "missing",
        "single": "single", "wide": "shared", "no_intercept": "missing",
        "weights": "per_task", "weights_n_samples": "missing", "l2": "shared",
        "csr": "missing", "csc": "per_task",
    }[kind]
    n, d, T = {
        "shared": (40, 8, 3), "per_task": (60, 8, 3), "missing": (50, 8, 4),
        "single": (40, 8, 1),
    }[layout]
    if kind == "wide":
        n, d, T = 12, 15, 3
    if kind == "weights_n_samples":
        T = 3
    density = 0.4 if kind in ("csr", "csc") else None
    n_active = 6 if kind == "wide" else 4

    X = _design(rng, n, d, density)
    W, b = _true_model(rng, d, T, n_active)
    if loss == "logistic" and kind == "wide":
        b = 0.3 * b
    Y = _targets(rng, X, W, b, loss)

    if layout == "per_task":
        Y[~_per_task_mask(rng, n, T)] = np.nan
    elif layout == "missing":
        if kind == "weights_n_samples":
            # unequal missing rates so that n_t differ a lot
            rates = np.linspace(0.1, 0.5, T)
            Y[rng.random((n, T)) < rates[None, :]] = np.nan
        else:
            Y[rng.random((n, T)) < 0.3] = np.nan

    if not all(_task_ok(Y[:, t], loss) for t in range(T)):
        return None

    if layout == "single":
        y = Y[:, 0]
        if loss == "logistic":
            # own label pair for the 1-D case
            lo, hi = CLASS_LABELS[0]
            y = np.where(y == hi, SINGLE_LABELS[1], SINGLE_LABELS[0])
        Y = y

    if kind == "csr":
        X = sp.csr_matrix(X)
    elif kind == "csc":
        X = sp.csc_matrix(X)

    task_weights = None
    if kind == "weights":
        task_weights = np.array([0.5, 1.0, 2.5])[:T]
    elif kind == "weights_n_samples":
        task_weights = "n_samples"

    n_obs = (~np.isnan(np.asarray(Y, dtype=float).reshape(n, -1))).sum(axis=0)
    return dict(
        kind=kind,
        loss=loss,
        X=X,
        Y=Y,
        fit_intercept=(kind != "no_intercept"),
        task_weights=task_weights,
        l2=(0.1 if kind == "l2" else 0.0),
        wide=bool(d > n_obs.min()),
    )


@functools.cache
def _cached_instance(kind, loss):
    if kind not in KINDS:
        raise ValueError(f"unknown instance kind {kind!r}")
    if loss not in ("squared", "logistic"):
        raise ValueError(f"unknown loss {loss!r}")
    rng = np.random.default_rng(_SEEDS[kind] + (0 if loss == "squared" else 500))
    for _ in range(100):
        inst = _make(kind, loss, rng)
        if inst is not None:
            return inst
    raise RuntimeError(f"could not draw a valid {kind}/{loss} instance")


def _copy(v):
    if isinstance(v, np.ndarray) or sp.issparse(v):
        return v.copy()
    return v


def make_instance(kind, loss):
    """A fresh copy of the seeded instance ``kind`` for ``loss``."""
    return {k: _copy(v) for k, v in _cached_instance(kind, loss).items()}


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def instance_factory():
    """``instance_factory(kind, loss) -> dict``; see module docstring."""
    return make_instance


@pytest.fixture(params=KINDS)
def kind(request):
    """Every instance kind, one after the other."""
    return request.param


@pytest.fixture(params=["squared", "logistic"])
def loss(request):
    return request.param


@pytest.fixture
def instance(kind, loss):
    """Every instance kind for every loss."""
    return make_instance(kind, loss)
