"""Benchmark problems: synthetic shared designs, the School data, synthetic per-task designs.

Real data is read from ``../shared/data`` beside the repository root (override with the
environment variable ``MTLREG_DATA``); it is never copied into the repository.
"""

import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parent.parent


def data_dir():
    env = os.environ.get("MTLREG_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def toeplitz_design(n, d, rho, rng):
    """Gaussian rows with corr(x_j, x_k) = rho^|j-k| (an AR(1) process along features)."""
    X = np.empty((n, d), order="F")
    X[:, 0] = rng.standard_normal(n)
    c = np.sqrt(1.0 - rho * rho)
    E = rng.standard_normal((n, d))
    for j in range(1, d):
        X[:, j] = rho * X[:, j - 1] + c * E[:, j]
    return X


def shared_l21(n, d, T, rho=0.5, n_support=None, snr=2.0, seed=0):
    """Shared design, row-sparse truth: X (n, d) Fortran-ordered, Y (n, T).

    The support has ``n_support`` rows (default min(20, d // 10)); Gaussian noise is
    scaled so that std(XW) / std(noise) = snr.
    """
    rng = np.random.default_rng(seed)
    X = toeplitz_design(n, d, rho, rng)
    k = n_support or max(1, min(20, d // 10))
    W = np.zeros((d, T))
    support = rng.choice(d, k, replace=False)
    W[support] = rng.standard_normal((k, T))
    Z = X @ W
    Y = Z + (np.std(Z) / snr) * rng.standard_normal(Z.shape)
    return X, Y


def shared_sparse(n, d, T, density, n_support=None, snr=2.0, seed=0):
    """Shared sparse design, CSC with ``density`` non-zero values uniform on [0, 1);
    row-sparse truth and noise as in ``shared_l21``."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csc", random_state=rng, dtype=np.float64)
    k = n_support or max(1, min(20, d // 10))
    W = np.zeros((d, T))
    support = rng.choice(d, k, replace=False)
    W[support] = rng.standard_normal((k, T))
    Z = np.asarray(X @ W)
    Y = Z + (np.std(Z) / snr) * rng.standard_normal(Z.shape)
    return X, Y


def shared_logistic(n, d, T, rho=0.5, n_support=None, flip=0.05, seed=0):
    """Shared design, labels in {-1, +1} from a sparse truth with ``flip`` label noise."""
    rng = np.random.default_rng(seed)
    X = toeplitz_design(n, d, rho, rng)
    k = n_support or max(1, min(20, d // 10))
    W = np.zeros((d, T))
    support = rng.choice(d, k, replace=False)
    W[support] = rng.standard_normal((k, T))
    Y = np.sign(X @ W)
    Y[Y == 0] = 1.0
    Y[rng.random(Y.shape) < flip] *= -1.0
    return np.asarray(X), Y


def school():
    """School (139 tasks, 28 features incl. the bias column), as per-task lists.

    Columns 0..26 are standardised over all students (the bias column 27 is kept);
    each task's exam scores are centred on the task's mean (the models are fitted without
    intercept, the penalised bias column stays). Returns (Xs, ys) lists of float64 arrays.
    """
    import scipy.io as sio

    path = data_dir() / "school" / "school.mat"
    m = sio.loadmat(str(path))
    Xs = [x.astype(np.float64) for x in m["X"].ravel()]
    ys = [y.astype(np.float64).ravel() for y in m["Y"].ravel()]
    allX = np.vstack(Xs)
    mu, sd = allX.mean(axis=0), allX.std(axis=0)
    mu[27], sd[27] = 0.0, 1.0
    sd[sd == 0] = 1.0
    Xs = [(x - mu) / sd for x in Xs]
    return Xs, [y - y.mean() for y in ys]


def school_logistic():
    """School with each task's target binarised at the task's median (+1 above)."""
    Xs, ys = school()  # centred: the task median of y - mean(y) is the task median
    out = []
    for y in ys:
        lab = np.where(y > np.median(y), 1.0, -1.0)
        if np.all(lab == lab[0]):
            lab[0] = -lab[0]
        out.append(lab)
    return Xs, out


def pertask_synthetic(T=200, n_t=100, d=2000, loss="squared", n_support=20, snr=2.0, seed=0):
    """T tasks of n_t Gaussian rows each over d features, shared row-sparse truth."""
    rng = np.random.default_rng(seed)
    W = np.zeros((d, T))
    support = rng.choice(d, n_support, replace=False)
    W[support] = rng.standard_normal((n_support, T))
    Xs, ys = [], []
    for t in range(T):
        X = rng.standard_normal((n_t, d))
        z = X @ W[:, t]
        if loss == "squared":
            y = z + (np.std(z) / snr) * rng.standard_normal(n_t)
        else:
            y = np.sign(z + 0.5 * np.std(z) * rng.standard_normal(n_t))
            y[y == 0] = 1.0
            if np.all(y == y[0]):
                y[0] = -y[0]
        Xs.append(X)
        ys.append(y)
    return Xs, ys


def stack_tasks(Xs, ys):
    """Per-task lists -> mtlreg's layout: X (n, d) and Y (n, T) with NaN off each row's task."""
    X = np.vstack(Xs)
    n, T = X.shape[0], len(ys)
    Y = np.full((n, T), np.nan)
    start = 0
    for t, y in enumerate(ys):
        Y[start : start + len(y), t] = y
        start += len(y)
    return X, Y
