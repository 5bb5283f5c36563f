"""The observed entries of the NaN-padded target matrix Y (n, T), found by scans of Y.

With per-task samples Y is mostly NaN and grows as T² when tasks are added (each
new task brings its own rows and a column). Reading Y is unavoidable; these scans
read it in its memory order without forming the (n, T) mask or column-major copy
the per-task layout used to build. Each kernel takes a C-contiguous array ``A``
that is either Y (tasks on columns) or Y.T (tasks on rows); a Y contiguous in
neither order is copied first. What still costs a pass of the size of Y: the mask
of the full layout (most entries observed, so the size of the data) and the
encoded copy of classifier labels other than -1 / +1.
"""

import numpy as np

from ._kernels import njit


def _in_memory_order(Y):
    """(A, tasks_on_rows): Y as a C-contiguous array without copying when it already is
    contiguous in either order."""
    if Y.flags.c_contiguous:
        return Y, False
    if Y.flags.f_contiguous:
        return Y.T, True
    return np.ascontiguousarray(Y), False


@njit(cache=True)
def _count(A, tasks_on_rows, counts):
    n_inf = 0
    if tasks_on_rows:
        for t in range(A.shape[0]):
            c = 0
            for v in A[t]:
                c += v == v
                n_inf += abs(v) == np.inf
            counts[t] = c
    else:
        for i in range(A.shape[0]):
            row = A[i]
            for t in range(A.shape[1]):
                v = row[t]
                counts[t] += v == v
                n_inf += abs(v) == np.inf
    return n_inf


_BLOCK = 32


@njit(cache=True)
def _gather(A, tasks_on_rows, ptr, rows, values):
    """Fill rows/values task by task; False (and nothing written out of bounds) when
    the counts behind ``ptr`` are not Y's."""
    if tasks_on_rows:
        for t in range(A.shape[0]):
            k = ptr[t]
            row = A[t]
            for i in range(row.shape[0]):
                v = row[i]
                if v == v:
                    if k >= ptr[t + 1]:
                        return False
                    rows[k] = i
                    values[k] = v
                    k += 1
            if k != ptr[t + 1]:
                return False
        return True
    fill = ptr[:-1].copy()
    n_tasks = A.shape[1]
    for i in range(A.shape[0]):
        row = A[i]
        for lo in range(0, n_tasks, _BLOCK):
            block = row[lo:lo + _BLOCK]
            # a branch-free count first: rows of per-task data are NaN but for one
            # entry, and the count vectorises where the search below does not
            c = 0
            for v in block:
                c += v == v
            if c == 0:
                continue
            for t in range(block.shape[0]):
                v = block[t]
                if v == v:
                    k = fill[lo + t]
                    if k >= ptr[lo + t + 1]:
                        return False
                    rows[k] = i
                    values[k] = v
                    fill[lo + t] = k + 1
    for t in range(n_tasks):
        if fill[t] != ptr[t + 1]:
            return False
    return True


@njit(cache=True)
def _encode(A, tasks_on_rows, positive, out):
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            v = A[i, j]
            pos = positive[i] if tasks_on_rows else positive[j]
            out[i, j] = v if v != v else (1.0 if v == pos else -1.0)


def count_observed(Y):
    """(number of observed entries of each task, number of infinite entries) of a
    float64 Y (n, T)."""
    A, tasks_on_rows = _in_memory_order(Y)
    counts = np.zeros(Y.shape[1], dtype=np.int64)
    n_inf = _count(A, tasks_on_rows, counts)
    return counts, int(n_inf)


def observed_entries(Y, n_obs):
    """(ptr, rows, values): task t's observed rows, ascending, are
    ``rows[ptr[t]:ptr[t + 1]]`` and its targets ``values[ptr[t]:ptr[t + 1]]``."""
    A, tasks_on_rows = _in_memory_order(Y)
    ptr = np.zeros(len(n_obs) + 1, dtype=np.int64)
    np.cumsum(n_obs, out=ptr[1:])
    rows = np.empty(ptr[-1], dtype=np.int64)
    values = np.empty(ptr[-1])
    if not _gather(A, tasks_on_rows, ptr, rows, values):
        raise ValueError("n_obs does not hold the number of observed entries of each task.")
    return ptr, rows, values


def encode_binary(Y, positive):
    """Y with each task's observed labels mapped to +1 (== positive[t]) or -1; NaN kept."""
    A, tasks_on_rows = _in_memory_order(Y)
    out = np.empty_like(A)
    _encode(A, tasks_on_rows, np.asarray(positive, dtype=np.float64), out)
    return out.T if tasks_on_rows else out
