import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from mtlreg.data import (
    from_long,
    from_task_list,
    own_task_predictions,
    task_indices,
    to_long,
)


def _tasks(rng, sizes=(3, 4, 2), d=5):
    return [(rng.standard_normal((n, d)), rng.standard_normal(n)) for n in sizes]


def test_from_task_list_dense():
    rng = np.random.RandomState(0)
    tasks = _tasks(rng)
    X, Y = from_task_list(tasks)
    assert isinstance(X, np.ndarray) and X.shape == (9, 5) and Y.shape == (9, 3)
    np.testing.assert_array_equal(X, np.vstack([x for x, _ in tasks]))
    owner = np.repeat(np.arange(3), [3, 4, 2])
    np.testing.assert_array_equal(~np.isnan(Y), owner[:, None] == np.arange(3))
    for t, (_, y) in enumerate(tasks):
        np.testing.assert_array_equal(Y[owner == t, t], y)


def test_from_task_list_sparse_gives_csr():
    rng = np.random.RandomState(0)
    tasks = _tasks(rng)
    tasks[1] = (sp.csc_matrix(tasks[1][0]), tasks[1][1])
    X, _Y = from_task_list(tasks)
    assert sp.issparse(X) and X.format == "csr" and X.shape == (9, 5)
    dense, _ = from_task_list([(sp.csr_matrix(x).toarray(), y) for x, y in tasks])
    np.testing.assert_array_equal(X.toarray(), dense)


def test_from_task_list_errors():
    rng = np.random.RandomState(0)
    X0, y0 = rng.standard_normal((3, 2)), rng.standard_normal(3)
    with pytest.raises(ValueError, match="at least one"):
        from_task_list([])
    with pytest.raises(ValueError, match="task 1.*inconsistent"):
        from_task_list([(X0, y0), (X0, y0[:2])])
    with pytest.raises(ValueError, match="task 1 has 3 features"):
        from_task_list([(X0, y0), (np.ones((3, 3)), y0)])
    with pytest.raises(ValueError, match="task 0 contains NaN"):
        from_task_list([(X0, [1.0, np.nan, 2.0])])
    with pytest.raises(TypeError, match="single pair"):
        from_task_list((X0, y0))
    with pytest.raises(TypeError, match=r"tasks\[0\]"):
        from_task_list([X0])


@pytest.mark.parametrize("ids", [["b", "a", "b", "c", "a"], [20, 10, 20, 30, 10]])
def test_from_long_sorted_names(ids):
    X = np.arange(10.0).reshape(5, 2)
    y = np.arange(5.0)
    X_out, Y, names = from_long(X, y, ids)
    assert X_out is X
    np.testing.assert_array_equal(names, np.unique(ids))
    expected = np.full((5, 3), np.nan)
    for i, tid in enumerate(ids):
        expected[i, list(names).index(tid)] = y[i]
    np.testing.assert_array_equal(Y, expected)


def test_from_long_pandas_and_given_order():
    df = pd.DataFrame({"f1": [1.0, 2.0, 3.0], "f2": [0.0, 1.0, 0.0]})
    ids = pd.Series(["x", "y", "x"])
    X, Y, names = from_long(df, pd.Series([1.0, 2.0, 3.0]), ids, tasks=["y", "x", "z"])
    assert X is df
    assert list(names) == ["y", "x", "z"]
    np.testing.assert_array_equal(
        Y, [[np.nan, 1.0, np.nan], [2.0, np.nan, np.nan], [np.nan, 3.0, np.nan]]
    )


def test_from_long_errors():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="same length"):
        from_long(X, [1.0, 2.0], ["a", "b", "a"])
    with pytest.raises(ValueError, match="same length"):
        from_long(X, [1.0, 2.0, 3.0], ["a", "b"])
    with pytest.raises(ValueError, match="not in task_names: 'c'"):
        from_long(X, [1.0, 2.0, 3.0], ["a", "b", "c"], tasks=["a", "b"])
    with pytest.raises(ValueError, match="unique"):
        from_long(X, [1.0, 2.0, 3.0], ["a", "b", "a"], tasks=["a", "b", "a"])
    with pytest.raises(ValueError, match="task_ids contains NaN"):
        from_long(X, [1.0, 2.0, 3.0], [1.0, np.nan, 2.0])
    with pytest.raises(TypeError, match="tasks="):
        from_long(X, [1.0, 2.0, 3.0], np.array([1, "a", 1], dtype=object))
    with pytest.raises(ValueError, match="y must be numeric"):
        from_long(X, ["u", "v", "w"], ["a", "b", "a"])
    with pytest.raises(ValueError, match="X must be 2-D"):
        from_long(np.zeros(3), [1.0, 2.0, 3.0], ["a", "b", "a"])


def test_mixed_type_ids_with_explicit_tasks():
    ids = np.array([1, "a", 1], dtype=object)
    _, Y, _ = from_long(np.zeros((3, 1)), [1.0, 2.0, 3.0], ids, tasks=["a", 1])
    np.testing.assert_array_equal(Y, [[np.nan, 1.0], [2.0, np.nan], [np.nan, 3.0]])


@pytest.mark.parametrize("kind", ["dense", "sparse", "frame"])
def test_long_round_trip(kind):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((8, 3))
    y = rng.standard_normal(8)
    ids = np.array(["s2", "s1", "s3", "s1", "s2", "s2", "s3", "s1"])
    if kind == "sparse":
        X_in = sp.csr_matrix(X)
    elif kind == "frame":
        X_in = pd.DataFrame(X, columns=["a", "b", "c"], index=np.arange(8) * 10)
    else:
        X_in = X
    X_w, Y, names = from_long(X_in, y, ids)
    X_rep, y_back, task_index = to_long(X_w, Y)
    np.testing.assert_array_equal(y_back, y)
    np.testing.assert_array_equal(names[task_index], ids)
    if kind == "sparse":
        assert sp.issparse(X_rep)
        X_rep = X_rep.toarray()
    elif kind == "frame":
        assert list(X_rep.columns) == ["a", "b", "c"]
        assert list(X_rep.index) == list(range(8))
        X_rep = X_rep.to_numpy()
    np.testing.assert_array_equal(X_rep, X)


def test_to_long_shared_design_repeats_rows():
    X = np.array([[1.0], [2.0]])
    Y = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]])
    X_rep, y, task_index = to_long(X, Y)
    np.testing.assert_array_equal(X_rep.ravel(), [1.0, 1.0, 2.0, 2.0, 2.0])
    np.testing.assert_array_equal(y, [1.0, 3.0, 4.0, 5.0, 6.0])
    np.testing.assert_array_equal(task_index, [0, 2, 0, 1, 2])
    _, y1, t1 = to_long(X, np.array([7.0, np.nan]))
    np.testing.assert_array_equal(y1, [7.0])
    np.testing.assert_array_equal(t1, [0])
    with pytest.raises(ValueError, match="inconsistent"):
        to_long(X, np.ones((3, 2)))


def test_from_task_list_to_long_round_trip():
    rng = np.random.RandomState(0)
    tasks = _tasks(rng)
    X, Y = from_task_list(tasks)
    X_rep, y, task_index = to_long(X, Y)
    np.testing.assert_array_equal(task_index, np.repeat(np.arange(3), [3, 4, 2]))
    np.testing.assert_array_equal(y, np.concatenate([yt for _, yt in tasks]))
    np.testing.assert_array_equal(X_rep, X)


def test_own_task_predictions():
    P = np.arange(12.0).reshape(4, 3)
    names = np.array(["a", "b", "c"])
    ids = ["c", "a", "b", "c"]
    np.testing.assert_array_equal(
        own_task_predictions(P, ids, names), [2.0, 3.0, 7.0, 11.0]
    )
    proba = [np.column_stack([1 - P[:, t] / 12, P[:, t] / 12]) for t in range(3)]
    picked = own_task_predictions(np.stack(proba, axis=1), ids, names)
    assert picked.shape == (4, 2)
    np.testing.assert_allclose(picked[:, 1], [2 / 12, 3 / 12, 7 / 12, 11 / 12])


def test_own_task_predictions_errors():
    P = np.zeros((2, 2))
    with pytest.raises(ValueError, match="not in task_names"):
        own_task_predictions(P, ["a", "z"], ["a", "b"])
    with pytest.raises(ValueError, match="task columns"):
        own_task_predictions(P, ["a", "b"], ["a", "b", "c"])
    with pytest.raises(ValueError, match="inconsistent lengths"):
        own_task_predictions(P, ["a", "b", "a"], ["a", "b"])
    with pytest.raises(ValueError, match="Y_pred"):
        own_task_predictions(np.zeros(2), ["a", "b"], ["a", "b"])


def test_task_indices():
    np.testing.assert_array_equal(task_indices([3, 1, 3, 2], [1, 2, 3]), [2, 0, 2, 1])
    np.testing.assert_array_equal(task_indices([], [1, 2]), np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="unique"):
        task_indices([1], [1, 1])
    with pytest.raises(ValueError, match="not in task_names"):
        task_indices(["1"], [1, 2])
