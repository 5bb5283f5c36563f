"""Task-aware K-fold cross-validation for NaN-masked multi-task targets.

``TaskKFold`` divides the observed rows of *every task* across the folds, so
that a task with 22 rows is present in the training and the test part of every
fold. It is scikit-learn's ``StratifiedKFold`` with "task" in place of "class",
generalised to rows that are observed in several tasks.
"""

import numbers

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state, indexable
from sklearn.utils.validation import _num_samples

__all__ = ["TaskKFold"]

# at most this many offending tasks are listed in an error message
_MAX_LISTED = 5


class TaskKFold(BaseCrossValidator):
    """K-fold cross-validator that divides every task's observed rows across the folds.

    ``split(X, Y)`` takes the multi-task targets ``Y`` of shape
    ``(n_samples, n_tasks)`` where NaN means "row i has no target for task t"
    (the layout of every mtlreg ``fit(X, Y)``), and assigns each row to one of
    ``n_splits`` test folds so that, for every task, its observed rows are
    spread as evenly as possible over the folds. Every task then has observed
    rows in the training *and* the test part of every split.

    - Per-task samples (each row observed in exactly one task): exact
      stratification by task, as ``StratifiedKFold`` with the task as the
      class. Each task's fold counts differ by at most one, and so do the
      fold sizes.
    - Fully observed ``Y`` (one shared design) and 1-D ``y``: a (shuffled)
      ``KFold``; fold sizes differ by at most one.
    - Rows observed in several tasks, some entries missing: the greedy
      scheme below keeps every task's fold counts close to
      ``n_t / n_splits``.

    Rows without any observed target carry no information for any task; they
    are spread over the folds last, to even out the fold sizes.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=True
        Randomise the order in which rows (and tasks, and folds on ties) are
        taken by the assignment below. With ``shuffle=False`` the split is a
        deterministic function of the NaN pattern of ``Y`` and of the row
        order (rows of a task go to the folds in turn, not in contiguous
        blocks).
    random_state : int, RandomState instance or None, default=None
        Controls the randomness when ``shuffle=True``: pass an int for the
        same folds at every call of ``split``. As in scikit-learn's ``KFold``,
        it must be left to None when ``shuffle=False``.

    Notes
    -----
    **Algorithm.** Let ``n_t`` be the number of observed rows of task ``t``,
    ``K = n_splits`` and ``A[t, f]`` the number of task ``t``'s rows already
    put in fold ``f``. The rows are grouped by their observation pattern (the
    set ``S`` of tasks they observe) and the groups are processed rarest
    first: by the size ``n_t`` of the rarest task of the pattern, then by
    that task (ties between tasks of equal size in a random order), then by
    decreasing ``|S|``. Each row of a group goes to the fold ``f`` with the
    smallest cost ``sum_{t in S} A[t, f] / (n_t / K)`` (how full fold ``f``
    already is, relative to its fair share, for the tasks the row observes,
    rarer tasks weighing more), ties broken by the smaller fold and then by
    a fold order drawn at random once per ``split``. Rows of one group are
    interchangeable (their order is random), so a whole group is assigned at
    once by merging the folds' successive costs (the greedy with constant
    increments is a merge of sorted lists).

    With a single task per row the cost is the task's own count, which gives
    the exact stratification above; with every task observed in every row the
    cost is the fold size, which gives the balanced ``KFold``.

    Finally, if some task still has no row in some fold (possible only when
    tasks share rows), a local search moves one of its rows there, or swaps
    it with a row of that fold, whenever this lowers the number of empty
    (task, fold) cells. Rows shared by several small tasks can make such a
    split impossible (three rows observed in task pairs {0, 1}, {1, 2},
    {0, 2} with ``n_splits=2``); if the search gets stuck, ``split`` raises
    a ``ValueError`` naming the task.

    A test fold holding a single row of a task has an undefined R^2 for
    that task; with the default ``score`` of the regressors, prefer
    ``n_t >= 2 * n_splits``. TaskKFold does not enforce this (accuracy, for
    instance, is defined on one row).

    **Tasks with fewer rows than folds.** ``split`` raises a ``ValueError``
    naming each task with ``n_t < n_splits`` and its count. Such a task leaves
    at least one fold with no *test* row of the task, where its score is
    undefined (mtlreg's ``score`` raises on a task with no observed target,
    and the whole fold is lost); with a single row it also leaves one fold
    with no *training* row, and then the fit itself fails. Lower
    ``n_splits`` or drop/merge the small tasks.

    Examples
    --------
    >>> import numpy as np
    >>> from mtlreg.model_selection._split import TaskKFold
    >>> Y = np.full((12, 2), np.nan)
    >>> Y[:8, 0] = 1.0  # task 0: 8 rows
    >>> Y[8:, 1] = 2.0  # task 1: 4 rows
    >>> cv = TaskKFold(n_splits=4, random_state=0)
    >>> cv
    TaskKFold(n_splits=4, random_state=0, shuffle=True)
    >>> [np.isfinite(Y[test]).sum(axis=0).tolist() for _, test in cv.split(Y, Y)]
    [[2, 1], [2, 1], [2, 1], [2, 1]]
    """

    def __init__(self, n_splits=5, *, shuffle=True, random_state=None):
        if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral):
            raise ValueError(
                f"n_splits must be an integer >= 2, got {n_splits!r} of type "
                f"{type(n_splits).__name__}."
            )
        if n_splits < 2:
            raise ValueError(
                "TaskKFold needs at least one train/test split: n_splits must be "
                f">= 2, got n_splits={n_splits}."
            )
        if not isinstance(shuffle, bool | np.bool_):
            raise TypeError(f"shuffle must be True or False, got {shuffle!r}.")
        if not shuffle and random_state is not None:
            raise ValueError(
                "Setting a random_state has no effect since shuffle is False. Leave "
                "random_state to its default (None), or set shuffle=True."
            )
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return the number of splitting iterations, ``n_splits``.

        Parameters
        ----------
        X, y, groups : object
            Always ignored, exist for API compatibility.

        Returns
        -------
        n_splits : int
        """
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Generate indices to split data into training and test set.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; only its number of rows is used.
        y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Multi-task targets, NaN where a row has no target for a task.
            Required: the folds are built from its NaN pattern.
        groups : object
            Always ignored, exists for API compatibility.

        Yields
        ------
        train : ndarray
            The training set indices for that split.
        test : ndarray
            The testing set indices for that split.
        """
        if y is None:
            raise ValueError(
                "TaskKFold needs the targets: call split(X, Y) with Y of shape "
                "(n_samples, n_tasks) (NaN = no target for that task), since the "
                "folds divide each task's observed rows. Use KFold to split rows "
                "without targets."
            )
        X, y, groups = indexable(X, y, groups)
        observed = _observed_mask(y, _num_samples(X))
        folds = self._assign(observed)
        indices = np.arange(observed.shape[0])
        for f in range(self.n_splits):
            test = folds == f
            yield indices[~test], indices[test]

    # ------------------------------------------------------------------
    # the assignment
    # ------------------------------------------------------------------
    def _assign(self, observed):
        """Fold label in ``range(n_splits)`` of every row of ``observed`` (n, T)."""
        K = self.n_splits
        n, T = observed.shape
        counts = observed.sum(axis=0)
        _check_task_sizes(counts, K)

        rng = check_random_state(self.random_state) if self.shuffle else None
        row_order = rng.permutation(n) if self.shuffle else np.arange(n)
        task_rank = rng.permutation(T) if self.shuffle else np.arange(T)
        fold_rank = rng.permutation(K) if self.shuffle else np.arange(K)

        # group the rows by observation pattern, in the (random) row order
        obs = observed[row_order]
        patterns, inverse = np.unique(obs, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        members = _group_members(inverse, len(patterns))

        # process the groups rarest first (see Notes); empty pattern last
        n_obs = patterns.sum(axis=1)
        big = np.iinfo(np.int64).max
        sizes = np.where(patterns, counts[None, :], big)
        rarest_size = sizes.min(axis=1)
        rank_if_rarest = np.where(sizes == rarest_size[:, None], task_rank[None, :], big)
        rarest_rank = rank_if_rarest.min(axis=1)
        # first member's position: a random (or, unshuffled, data-order) tie-break
        first = np.array([m[0] for m in members])
        group_order = np.lexsort((first, -n_obs, rarest_rank, rarest_size, n_obs == 0))

        weight = 1.0 / counts  # 1 / n_t: rarer tasks weigh more
        A = np.zeros((T, K), dtype=np.int64)
        size = np.zeros(K, dtype=np.int64)
        labels = np.empty(n, dtype=np.intp)
        for g in group_order:
            rows = members[g]
            tasks = np.flatnonzero(patterns[g])
            m = len(rows)
            if tasks.size:
                # the cost sum_t A[t, f] K / n_t divided by its increment per row, so
                # that one more row adds exactly 1; rounded so that exact ties (one
                # task per row, or all tasks observed) stay ties despite rounding
                w = weight[tasks]
                cost = np.round((w @ A[tasks]) / w.sum(), 9)
            else:
                cost = np.zeros(K)
            # the greedy takes the m smallest (cost + j, size + j, fold_rank) over
            # the folds f and j = 0..m-1: a merge of the folds' sorted slots
            j = np.arange(m)
            slot_cost = (cost[:, None] + j[None, :]).ravel()
            slot_size = (size[:, None] + j[None, :]).ravel()
            slot_rank = np.repeat(fold_rank, m)
            chosen = np.lexsort((slot_rank, slot_size, slot_cost))[:m]
            got = chosen // m
            labels[rows] = got
            added = np.bincount(got, minlength=K)
            A[tasks] += added
            size += added

        _repair(labels, obs, A, counts, K)

        folds = np.empty(n, dtype=np.intp)
        folds[row_order] = labels
        return folds


def _observed_mask(y, n_samples):
    """Boolean (n_samples, n_tasks) mask of the observed (non-NaN) entries of y."""
    if hasattr(y, "toarray"):
        raise TypeError("TaskKFold does not accept sparse targets; pass a dense array.")
    Y = np.asarray(y)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    if Y.ndim != 2:
        raise ValueError(
            f"y must be of shape (n_samples, n_tasks) or (n_samples,), got shape {Y.shape}."
        )
    if Y.shape[0] != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of rows: {n_samples} and {Y.shape[0]}."
        )
    if Y.shape[1] == 0:
        raise ValueError("y has no task (0 columns).")
    if Y.dtype.kind in "fc":
        return ~np.isnan(Y)
    if Y.dtype.kind == "O":
        return ~np.vectorize(lambda v: isinstance(v, float) and np.isnan(v), otypes=[bool])(Y)
    return np.ones(Y.shape, dtype=bool)


def _check_task_sizes(counts, K):
    """ValueError naming every task with fewer observed rows than folds."""
    small = np.flatnonzero(counts < K)
    if small.size == 0:
        return
    listed = ", ".join(f"task {t} has {counts[t]}" for t in small[:_MAX_LISTED])
    if small.size > _MAX_LISTED:
        listed += f" (and {small.size - _MAX_LISTED} more tasks)"
    lowest = int(counts.min())
    fix = (
        f"Use n_splits <= {lowest}"
        if lowest >= 2
        else "A task needs at least 2 observed rows to be cross-validated; remove"
    )
    raise ValueError(
        f"TaskKFold(n_splits={K}) needs at least {K} observed (non-NaN) rows in every "
        f"task (column of Y), but {listed}. With fewer rows than folds, some folds "
        "have no test row of the task, so its score there is undefined (mtlreg's "
        "score raises on a task without observed target); a task with 0 or 1 row "
        "also leaves a training part without the task, and the fit fails. "
        f"{fix} or drop/merge these tasks."
    )


def _group_members(inverse, n_groups):
    """List of the positions of each group, in increasing position order."""
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse, minlength=n_groups))[:-1]
    return np.split(order, bounds)


def _repair(labels, obs, A, counts, K):
    """Local search giving every task a row in every fold; updates labels and A in place.

    ``Z``, the number of empty cells ``A[t, f] == 0``, is decreased one step at a
    time: for an empty cell (t, f), try moving a row i of task t from its fold g
    to f, or swapping it with a row r of fold f, and apply the change that lowers
    Z the most (a move before a swap, then rows of the fold holding most of
    task t's rows). As every task has ``n_t >= K >= 2`` rows, Z == 0 also means
    that no training part lacks a task. Raises ValueError when no change lowers Z.
    """
    while True:
        empty = np.argwhere(A == 0)
        if empty.size == 0:
            return
        t, f = empty[0]
        in_f = np.flatnonzero(labels == f)
        O_f = obs[in_f].astype(np.int64)  # rows of fold f, as swap partners
        best = None
        for i in np.flatnonzero(obs[:, t]):
            g = labels[i]
            o_i = obs[i].astype(np.int64)
            before = np.count_nonzero(A[:, g] == 0) + np.count_nonzero(A[:, f] == 0)
            col_g, col_f = A[:, g] - o_i, A[:, f] + o_i
            move = np.count_nonzero(col_g == 0) + np.count_nonzero(col_f == 0) - before
            key = (move, 0, -A[t, g], i)
            if best is None or key < best[0]:
                best = (key, i, g, None)
            if in_f.size:
                swap = (
                    np.count_nonzero(col_g[None, :] + O_f == 0, axis=1)
                    + np.count_nonzero(col_f[None, :] - O_f == 0, axis=1)
                    - before
                )
                r = int(np.argmin(swap))
                key = (int(swap[r]), 1, -A[t, g], i)
                if key < best[0]:
                    best = (key, i, g, in_f[r])
        key, i, g, r = best
        if key[0] >= 0:
            raise ValueError(
                f"TaskKFold(n_splits={K}) could not give task {t} (with {counts[t]} "
                f"observed rows) a row in every fold: its rows are shared with other "
                "tasks that need them in other folds. Such a split may not exist for "
                "this NaN pattern of Y; lower n_splits."
            )
        for row, src, dst in ((i, g, f), (r, f, g)):
            if row is not None:
                labels[row] = dst
                A[obs[row], src] -= 1
                A[obs[row], dst] += 1
