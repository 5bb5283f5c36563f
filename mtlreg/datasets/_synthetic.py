"""Synthetic multi-task problems with a known coefficient structure."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_multitask_classification", "make_multitask_regression"]

_STRUCTURES = ("shared_support", "low_rank", "clustered", "independent")
_DESIGNS = ("shared", "per_task")


def _check_int(value, name, low, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bound}, got {value}.")
    return int(value)


def _check_n_samples(n_samples, design, n_tasks, low):
    """Return the number of rows of every task, as an int array of length T."""
    if design == "shared":
        return np.full(n_tasks, _check_int(n_samples, "n_samples", low))
    if np.ndim(n_samples) == 0:
        return np.full(n_tasks, _check_int(n_samples, "n_samples", low))
    sizes = np.asarray(n_samples)
    if sizes.ndim != 1 or sizes.shape[0] != n_tasks:
        raise ValueError(
            "n_samples must be an int or an array of length n_tasks="
            f"{n_tasks} when design='per_task', got shape {sizes.shape}."
        )
    if not np.issubdtype(sizes.dtype, np.integer):
        raise TypeError(f"n_samples must contain integers, got dtype {sizes.dtype}.")
    if np.any(sizes < low):
        raise ValueError(f"Every entry of n_samples must be >= {low}, got {sizes}.")
    return sizes.astype(np.intp)


def _make_coef(rng, n_features, n_tasks, structure, n_informative, rank, n_clusters):
    """Coefficient matrix W of shape (d, T) with the requested structure."""
    d, T = n_features, n_tasks
    W = np.zeros((d, T))
    if structure == "shared_support":
        support = rng.choice(d, n_informative, replace=False)
        W[support] = rng.standard_normal((n_informative, T))
    elif structure == "independent":
        for t in range(T):
            support = rng.choice(d, n_informative, replace=False)
            W[support, t] = rng.standard_normal(n_informative)
    elif structure == "low_rank":
        U = rng.standard_normal((d, rank))
        V = rng.standard_normal((T, rank))
        W = U @ V.T / np.sqrt(rank)
    else:  # clustered
        centres = rng.standard_normal((d, n_clusters))
        # every cluster gets at least one task
        labels = rng.permutation(np.arange(T) % n_clusters)
        W = centres[:, labels] + 0.1 * rng.standard_normal((d, T))
    return W


def _make_problem(
    n_samples,
    n_features,
    n_tasks,
    structure,
    design,
    n_informative,
    rank,
    n_clusters,
    missing,
    bias,
    random_state,
    min_rows,
):
    """Validate the common arguments and draw X, the linear predictor and W.

    Returns X (N, d), Z = X W + b (N, T), the boolean mask of observed
    entries (N, T), W (d, T) and the random state.
    """
    n_features = _check_int(n_features, "n_features", 1)
    n_tasks = _check_int(n_tasks, "n_tasks", 1)
    if structure not in _STRUCTURES:
        raise ValueError(f"structure must be one of {_STRUCTURES}, got {structure!r}.")
    if design not in _DESIGNS:
        raise ValueError(f"design must be one of {_DESIGNS}, got {design!r}.")
    if structure in ("shared_support", "independent"):
        n_informative = min(_check_int(n_informative, "n_informative", 1), n_features)
    if structure == "low_rank":
        rank = _check_int(rank, "rank", 1, min(n_features, n_tasks))
    if structure == "clustered":
        n_clusters = _check_int(n_clusters, "n_clusters", 1, n_tasks)
    if isinstance(missing, bool) or not isinstance(missing, numbers.Real):
        raise TypeError(f"missing must be a float, got {missing!r}.")
    if not 0.0 <= missing < 1.0:
        raise ValueError(f"missing must be in [0, 1), got {missing}.")
    if design == "per_task" and missing != 0.0:
        raise ValueError(
            "missing must be 0 when design='per_task' (each row is already "
            "observed in its own task only)."
        )
    sizes = _check_n_samples(n_samples, design, n_tasks, min_rows)
    bias = np.asarray(bias, dtype=np.float64)
    if bias.ndim == 0:
        bias = np.full(n_tasks, float(bias))
    if bias.shape != (n_tasks,):
        raise ValueError(
            f"bias must be a scalar or an array of shape (n_tasks,)=({n_tasks},), "
            f"got shape {bias.shape}."
        )
    if not np.all(np.isfinite(bias)):
        raise ValueError("bias must be finite.")

    rng = check_random_state(random_state)
    W = _make_coef(rng, n_features, n_tasks, structure, n_informative, rank, n_clusters)
    if design == "shared":
        n = int(sizes[0])
        X = rng.standard_normal((n, n_features))
        observed = np.ones((n, n_tasks), dtype=bool)
        if missing > 0:
            observed = rng.random_sample((n, n_tasks)) >= missing
            keep = min(2, n)
            for t in range(n_tasks):
                n_short = keep - observed[:, t].sum()
                if n_short > 0:
                    hidden = np.flatnonzero(~observed[:, t])
                    observed[rng.choice(hidden, n_short, replace=False), t] = True
    else:
        X = rng.standard_normal((int(sizes.sum()), n_features))
        task_of_row = np.repeat(np.arange(n_tasks), sizes)
        observed = task_of_row[:, None] == np.arange(n_tasks)[None, :]
    Z = X @ W + bias
    return X, Z, observed, W, rng


def make_multitask_regression(
    n_samples=100,
    n_features=20,
    n_tasks=5,
    *,
    structure="shared_support",
    design="shared",
    n_informative=5,
    rank=2,
    n_clusters=2,
    missing=0.0,
    noise=0.1,
    bias=0.0,
    return_coef=False,
    random_state=None,
):
    """Generate a multi-task linear regression problem with known structure.

    The targets are ``Y[i, t] = X[i] @ W[:, t] + bias[t] + noise * e_it`` with
    Gaussian features and Gaussian noise ``e_it``. ``NaN`` in ``Y`` marks an
    entry that is not observed (the layout accepted by every ``fit(X, Y)`` of
    mtlreg).

    Parameters
    ----------
    n_samples : int or array-like of int, default=100
        With ``design="shared"``, the number of rows of ``X``. With
        ``design="per_task"``, the number of rows of each task (an int for all
        tasks, or an array of length ``n_tasks``).
    n_features : int, default=20
        Number of features ``d``.
    n_tasks : int, default=5
        Number of tasks ``T``.
    structure : {"shared_support", "low_rank", "clustered", "independent"}, \
            default="shared_support"
        Structure of the coefficient matrix ``W`` (d, T):

        - ``"shared_support"``: the same ``n_informative`` rows of ``W`` are
          nonzero for every task, with independent Gaussian values;
        - ``"low_rank"``: ``W = U V^T / sqrt(rank)`` with Gaussian ``U``
          (d, rank) and ``V`` (T, rank), so ``W`` has rank ``rank``;
        - ``"clustered"``: tasks are split into ``n_clusters`` non-empty
          groups; each column of ``W`` is its group's Gaussian centre plus a
          small deviation (standard deviation 0.1);
        - ``"independent"``: each task has its own random support of
          ``n_informative`` features.
    design : {"shared", "per_task"}, default="shared"
        ``"shared"``: one design matrix, every task observes every row (up to
        ``missing``). ``"per_task"``: each task has its own rows; ``X`` stacks
        the tasks' rows (task 0 first) and row ``i`` is observed only in its
        own task's column of ``Y``.
    n_informative : int, default=5
        Number of nonzero coefficients per task, for ``"shared_support"`` and
        ``"independent"``; values above ``n_features`` are clipped to it.
    rank : int, default=2
        Rank of ``W`` for ``"low_rank"``; at most ``min(n_features, n_tasks)``.
    n_clusters : int, default=2
        Number of task groups for ``"clustered"``; at most ``n_tasks``.
    missing : float in [0, 1), default=0.0
        With ``design="shared"``, fraction of the entries of ``Y`` set to
        ``NaN`` at random; every task keeps at least ``min(2, n_samples)``
        observed entries. Must be 0 with ``design="per_task"``.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise added to the targets.
    bias : float or array-like of shape (n_tasks,), default=0.0
        Intercept of each task.
    return_coef : bool, default=False
        If True, also return the true coefficients.
    random_state : int, RandomState instance or None, default=None
        Seed or random number generator, for reproducible output.

    Returns
    -------
    X : ndarray of shape (N, n_features)
        Features; ``N = n_samples`` for ``"shared"`` and
        ``N = sum(n_samples)`` for ``"per_task"``.
    Y : ndarray of shape (N, n_tasks)
        Targets, ``NaN`` where not observed.
    coef : ndarray of shape (n_tasks, n_features)
        True coefficients ``W.T`` (same convention as scikit-learn's
        ``coef_``). Only returned if ``return_coef`` is True.

    Examples
    --------
    >>> from mtlreg.datasets import make_multitask_regression
    >>> X, Y, coef = make_multitask_regression(50, 10, 3, return_coef=True,
    ...                                        random_state=0)
    >>> X.shape, Y.shape, coef.shape
    ((50, 10), (50, 3), (3, 10))
    """
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a float, got {noise!r}.")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}.")
    X, Z, observed, W, rng = _make_problem(
        n_samples,
        n_features,
        n_tasks,
        structure,
        design,
        n_informative,
        rank,
        n_clusters,
        missing,
        bias,
        random_state,
        min_rows=1,
    )
    Y = Z + noise * rng.standard_normal(Z.shape)
    Y[~observed] = np.nan
    if return_coef:
        return X, Y, W.T.copy()
    return X, Y


def make_multitask_classification(
    n_samples=100,
    n_features=20,
    n_tasks=5,
    *,
    structure="shared_support",
    design="shared",
    n_informative=5,
    rank=2,
    n_clusters=2,
    missing=0.0,
    noise=0.1,
    bias=0.0,
    return_coef=False,
    random_state=None,
):
    """Generate a multi-task binary classification problem with known structure.

    The labels are ``Y[i, t] = 1`` if ``X[i] @ W[:, t] + bias[t] > 0`` and 0
    otherwise, then each label is flipped with probability ``noise``.
    ``W``, ``X`` and the missing pattern are drawn exactly as in
    :func:`make_multitask_regression`. Every task is guaranteed to have both
    classes among its observed entries: if it has only one, the label of its
    observed entry closest to the decision boundary is flipped.

    Parameters
    ----------
    n_samples : int or array-like of int, default=100
        With ``design="shared"``, the number of rows of ``X``. With
        ``design="per_task"``, the number of rows of each task (an int or an
        array of length ``n_tasks``). At least 2 per task.
    n_features : int, default=20
        Number of features ``d``.
    n_tasks : int, default=5
        Number of tasks ``T``.
    structure : {"shared_support", "low_rank", "clustered", "independent"}, \
            default="shared_support"
        Structure of the coefficient matrix, see
        :func:`make_multitask_regression`.
    design : {"shared", "per_task"}, default="shared"
        Data layout, see :func:`make_multitask_regression`.
    n_informative : int, default=5
        Number of nonzero coefficients per task, for ``"shared_support"`` and
        ``"independent"`` (clipped to ``n_features``).
    rank : int, default=2
        Rank of ``W`` for ``"low_rank"``.
    n_clusters : int, default=2
        Number of task groups for ``"clustered"``.
    missing : float in [0, 1), default=0.0
        With ``design="shared"``, fraction of the labels set to ``NaN`` at
        random (every task keeps at least 2 observed labels). Must be 0 with
        ``design="per_task"``.
    noise : float in [0, 0.5], default=0.1
        Probability of flipping each label.
    bias : float or array-like of shape (n_tasks,), default=0.0
        Intercept of each task's linear decision function.
    return_coef : bool, default=False
        If True, also return the true coefficients.
    random_state : int, RandomState instance or None, default=None
        Seed or random number generator, for reproducible output.

    Returns
    -------
    X : ndarray of shape (N, n_features)
        Features.
    Y : ndarray of shape (N, n_tasks)
        Labels in {0., 1.}, ``NaN`` where not observed.
    coef : ndarray of shape (n_tasks, n_features)
        True coefficients of the decision functions. Only returned if
        ``return_coef`` is True.

    Examples
    --------
    >>> from mtlreg.datasets import make_multitask_classification
    >>> X, Y = make_multitask_classification(40, 6, 3, design="per_task",
    ...                                      random_state=0)
    >>> X.shape, Y.shape
    ((120, 6), (120, 3))
    """
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a float, got {noise!r}.")
    if not 0.0 <= noise <= 0.5:
        raise ValueError(
            f"noise must be in [0, 0.5] (a flip probability), got {noise}."
        )
    X, Z, observed, W, rng = _make_problem(
        n_samples,
        n_features,
        n_tasks,
        structure,
        design,
        n_informative,
        rank,
        n_clusters,
        missing,
        bias,
        random_state,
        min_rows=2,
    )
    labels = Z > 0
    labels ^= rng.random_sample(Z.shape) < noise
    for t in range(n_tasks):
        rows = np.flatnonzero(observed[:, t])
        y_t = labels[rows, t]
        if y_t.all() or not y_t.any():
            i = rows[np.argmin(np.abs(Z[rows, t]))]
            labels[i, t] = not labels[i, t]
    Y = labels.astype(np.float64)
    Y[~observed] = np.nan
    if return_coef:
        return X, Y, W.T.copy()
    return X, Y
