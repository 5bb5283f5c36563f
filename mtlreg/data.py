"""Converters between common multi-task data layouts and ``fit(X, Y)``.

mtlreg estimators take one design matrix ``X`` of shape (n, d) and a target
matrix ``Y`` of shape (n, T) where ``NaN`` in ``Y[i, t]`` means "row i has no
target for task t". The helpers below build that layout from a list of
per-task ``(X_t, y_t)`` pairs or from a long table ``(X, y, task_id)``, and go
back again.
"""

import numpy as np
import scipy.sparse as sp

__all__ = [
    "from_long",
    "from_task_list",
    "own_task_predictions",
    "task_indices",
    "to_long",
]


def _n_rows(X, name):
    if not hasattr(X, "shape"):
        X = np.asarray(X)
    if len(X.shape) != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features), got shape {X.shape}."
        )
    return X, X.shape[0]


def _as_1d(a, name):
    a = np.asarray(a)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}.")
    return a


def _as_float_target(y, name):
    y = _as_1d(y, name)
    try:
        y = y.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return y


def from_task_list(tasks):
    """Stack per-task data sets into the ``(X, Y)`` layout.

    Parameters
    ----------
    tasks : sequence of (X_t, y_t) pairs
        One pair per task: ``X_t`` of shape (n_t, d), dense or scipy.sparse,
        and ``y_t`` of shape (n_t,). Every ``X_t`` has the same ``d``.

    Returns
    -------
    X : ndarray or scipy.sparse CSR matrix of shape (sum n_t, d)
        The rows of all tasks, task 0 first. Sparse (CSR) if any ``X_t`` is
        sparse, else a float64 ndarray.
    Y : ndarray of shape (sum n_t, T)
        ``Y[i, t]`` is the target of row ``i`` if it belongs to task ``t``,
        ``NaN`` otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from mtlreg.data import from_task_list
    >>> X, Y = from_task_list([(np.ones((2, 3)), [1.0, 2.0]),
    ...                        (np.zeros((1, 3)), [5.0])])
    >>> Y
    array([[ 1., nan],
           [ 2., nan],
           [nan,  5.]])
    """
    tasks = list(tasks)
    if len(tasks) == 2 and getattr(tasks[0], "ndim", 0) == 2:
        raise TypeError(
            "tasks must be a sequence of (X_t, y_t) pairs, got a single pair; "
            "wrap it in a list."
        )
    if not tasks:
        raise ValueError("tasks must contain at least one (X_t, y_t) pair.")
    Xs, ys = [], []
    for t, pair in enumerate(tasks):
        try:
            X_t, y_t = pair
        except (TypeError, ValueError):
            raise TypeError(f"tasks[{t}] must be a pair (X_t, y_t).") from None
        if not sp.issparse(X_t):
            X_t = np.asarray(X_t, dtype=np.float64)
        X_t, n_t = _n_rows(X_t, f"X_t of task {t}")
        y_t = _as_float_target(y_t, f"y_t of task {t}")
        if y_t.shape[0] != n_t:
            raise ValueError(
                f"X_t and y_t of task {t} have inconsistent numbers of rows: "
                f"{n_t} != {y_t.shape[0]}."
            )
        if Xs and X_t.shape[1] != Xs[0].shape[1]:
            raise ValueError(
                f"X_t of task {t} has {X_t.shape[1]} features, task 0 has "
                f"{Xs[0].shape[1]}."
            )
        Xs.append(X_t)
        ys.append(y_t)

    sizes = np.array([y.shape[0] for y in ys])
    n_tasks = len(ys)
    Y = np.full((sizes.sum(), n_tasks), np.nan)
    start = 0
    for t, y_t in enumerate(ys):
        Y[start : start + sizes[t], t] = y_t
        start += sizes[t]
    if any(sp.issparse(X_t) for X_t in Xs):
        X = sp.vstack(
            [sp.csr_matrix(X_t, dtype=np.float64) for X_t in Xs], format="csr"
        )
    else:
        X = np.vstack(Xs)
    return X, Y


def _as_names(task_names, name):
    """1-D array of task ids; keeps mixed-type lists as object arrays."""
    if isinstance(task_names, np.ndarray) or hasattr(task_names, "dtype"):
        return _as_1d(task_names, name)
    values = list(task_names)
    names = np.asarray(values)
    if names.dtype.kind in "US" and not all(isinstance(v, str) for v in values):
        names = np.empty(len(values), dtype=object)
        names[:] = values
    return _as_1d(names, name)


def _sorted_unique(task_ids):
    if task_ids.dtype.kind == "f" and np.isnan(task_ids).any():
        raise ValueError("task_ids contains NaN.")
    try:
        return np.unique(task_ids)
    except TypeError:
        raise TypeError(
            "task_ids could not be sorted (mixed types?); pass the task order "
            "explicitly with tasks=."
        ) from None


def task_indices(task_ids, task_names):
    """Column index of each row's task.

    Parameters
    ----------
    task_ids : array-like of shape (n,)
        Task identifier of each row (int, str, ...; a pandas Series works).
    task_names : array-like of shape (T,)
        The task identifiers in column order, e.g. as returned by
        :func:`from_long`. Must be unique.

    Returns
    -------
    index : ndarray of int of shape (n,)
        ``index[i]`` is the position of ``task_ids[i]`` in ``task_names``.

    Raises
    ------
    ValueError
        If ``task_names`` has duplicates or a task id is not in ``task_names``.
    """
    task_ids = _as_1d(task_ids, "task_ids")
    names = list(_as_names(task_names, "task_names"))
    lookup = {name: t for t, name in enumerate(names)}
    if len(lookup) != len(names):
        raise ValueError("task_names must be unique.")
    if task_ids.shape[0] == 0:
        return np.zeros(0, dtype=np.intp)
    try:
        uniq, inverse = np.unique(task_ids, return_inverse=True)
    except TypeError:  # unsortable mixed types: map row by row
        uniq, inverse = task_ids, np.arange(task_ids.shape[0])
    cols = np.array([lookup.get(u, -1) for u in uniq], dtype=np.intp)
    unknown = list(dict.fromkeys(u for u, c in zip(uniq, cols, strict=True) if c < 0))
    if unknown:
        shown = ", ".join(
            repr(u.item() if isinstance(u, np.generic) else u) for u in unknown[:5]
        )
        more = "" if len(unknown) <= 5 else f" (and {len(unknown) - 5} more)"
        raise ValueError(f"task_ids contains ids not in task_names: {shown}{more}.")
    return cols[inverse.ravel()]


def from_long(X, y, task_ids, tasks=None):
    """Convert a long table (one row per sample, with a task id) to ``(X, Y)``.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n, d)
        Features. Returned as given (a DataFrame stays a DataFrame, so
        estimators can record ``feature_names_in_``); a nested list becomes
        an ndarray.
    y : array-like of shape (n,)
        Numeric target of each row.
    task_ids : array-like of shape (n,)
        Task of each row: ints, strings, any hashable (a pandas Series works).
    tasks : array-like of shape (T,), default=None
        Column order of ``Y``. By default the sorted unique values of
        ``task_ids``. May contain tasks absent from ``task_ids`` (their
        column is all ``NaN``), e.g. to align a test table with the tasks
        seen in training.

    Returns
    -------
    X : array-like or sparse matrix of shape (n, d)
        The features, unchanged.
    Y : ndarray of shape (n, T)
        ``Y[i, t] = y[i]`` if ``task_ids[i] == task_names[t]``, ``NaN``
        otherwise.
    task_names : ndarray of shape (T,)
        Task id of each column of ``Y``.

    Examples
    --------
    >>> import numpy as np
    >>> from mtlreg.data import from_long
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> X, Y, names = from_long(X, [1.0, 2.0, 3.0], ["b", "a", "b"])
    >>> names
    array(['a', 'b'], dtype='<U1')
    >>> Y
    array([[nan,  1.],
           [ 2., nan],
           [nan,  3.]])
    """
    X, n = _n_rows(X, "X")
    y = _as_float_target(y, "y")
    task_ids = _as_1d(task_ids, "task_ids")
    if y.shape[0] != n or task_ids.shape[0] != n:
        raise ValueError(
            "X, y and task_ids must have the same length, got "
            f"{n}, {y.shape[0]} and {task_ids.shape[0]}."
        )
    if tasks is None:
        task_names = _sorted_unique(task_ids)
    else:
        task_names = _as_names(tasks, "tasks")
        if task_names.shape[0] == 0:
            raise ValueError("tasks must not be empty.")
    cols = task_indices(task_ids, task_names)
    Y = np.full((n, task_names.shape[0]), np.nan)
    Y[np.arange(n), cols] = y
    return X, Y, task_names


def to_long(X, Y):
    """Convert ``(X, Y)`` to a long table with one row per observed entry.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n, d)
        Features (ndarray, scipy.sparse or pandas DataFrame).
    Y : array-like of shape (n, T) or (n,)
        Targets, ``NaN`` where not observed.

    Returns
    -------
    X_rep : array-like or sparse matrix of shape (m, d)
        Row ``X[i]`` repeated once for each observed ``Y[i, t]``, ordered by
        row then task. Same kind as ``X`` (a sparse input gives CSR; a
        DataFrame gives a DataFrame with a fresh index).
    y : ndarray of shape (m,)
        The observed targets.
    task_index : ndarray of int of shape (m,)
        Column of ``Y`` (task) of each entry; use ``task_names[task_index]``
        to get task ids back.

    Examples
    --------
    >>> import numpy as np
    >>> from mtlreg.data import to_long
    >>> X = np.eye(2)
    >>> Y = np.array([[1.0, np.nan], [2.0, 3.0]])
    >>> X_rep, y, task = to_long(X, Y)
    >>> y, task
    (array([1., 2., 3.]), array([0, 0, 1]))
    """
    X, n = _n_rows(X, "X")
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ValueError(f"Y must be 1-D or 2-D, got shape {Y.shape}.")
    if Y.shape[0] != n:
        raise ValueError(
            f"X and Y have inconsistent numbers of rows: {n} != {Y.shape[0]}."
        )
    rows, task_index = np.nonzero(~np.isnan(Y))
    if sp.issparse(X):
        X_rep = sp.csr_matrix(X)[rows]
    elif hasattr(X, "iloc"):
        X_rep = X.iloc[rows].reset_index(drop=True)
    else:
        X_rep = np.asarray(X)[rows]
    return X_rep, Y[rows, task_index], task_index


def own_task_predictions(Y_pred, task_ids, task_names):
    """Pick each row's own-task prediction from a multi-task prediction.

    Parameters
    ----------
    Y_pred : array-like of shape (n, T) or (n, T, k)
        Predictions for every row and every task, e.g. ``est.predict(X)``.
        For probabilities, stack the list returned by ``predict_proba``:
        ``np.stack(est.predict_proba(X), axis=1)``.
    task_ids : array-like of shape (n,)
        Task of each row.
    task_names : array-like of shape (T,)
        Task id of each column of ``Y_pred`` (as returned by
        :func:`from_long`).

    Returns
    -------
    y_pred : ndarray of shape (n,) or (n, k)
        ``y_pred[i] = Y_pred[i, t]`` where ``task_names[t] == task_ids[i]``.

    Examples
    --------
    >>> import numpy as np
    >>> from mtlreg.data import own_task_predictions
    >>> P = np.array([[1.0, 10.0], [2.0, 20.0]])
    >>> own_task_predictions(P, ["b", "a"], ["a", "b"])
    array([10.,  2.])
    """
    Y_pred = np.asarray(Y_pred)
    if Y_pred.ndim not in (2, 3):
        raise ValueError(
            f"Y_pred must have shape (n, T) or (n, T, k), got {Y_pred.shape}."
        )
    cols = task_indices(task_ids, task_names)
    n_names = len(_as_names(task_names, "task_names"))
    if Y_pred.shape[1] != n_names:
        raise ValueError(
            f"Y_pred has {Y_pred.shape[1]} task columns but task_names has {n_names}."
        )
    if Y_pred.shape[0] != cols.shape[0]:
        raise ValueError(
            f"Y_pred and task_ids have inconsistent lengths: {Y_pred.shape[0]} "
            f"!= {cols.shape[0]}."
        )
    return Y_pred[np.arange(cols.shape[0]), cols]
