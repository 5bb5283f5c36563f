"""Loaders of the real benchmark data in ``../shared/data`` (beside the repository root).

The expected numbers (shapes, task sizes, split sizes, label rates) are those documented
in ``../shared/data/README.md``.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest

from mtlreg.datasets import (
    load_computer_survey,
    load_landmine,
    load_parkinsons,
    load_sarcos,
    load_school,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason="benchmark data folder ../shared/data not found"
)


def _check_per_task(data, n, d, T):
    """Shapes, float64, and each row observed in exactly its own task."""
    X, Y, task = data.X, data.Y, data.task
    assert X.shape == (n, d) and Y.shape == (n, T) and task.shape == (n,)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert np.issubdtype(task.dtype, np.integer)
    assert np.all(np.isfinite(X))
    observed = ~np.isnan(Y)
    np.testing.assert_array_equal(observed.sum(axis=1), 1)
    np.testing.assert_array_equal(np.argmax(observed, axis=1), task)
    assert np.all(np.diff(task) >= 0)  # rows grouped by task, task 0 first
    assert len(data.task_names) == T and len(set(data.task_names)) == T
    assert len(data.feature_names) == d
    return np.bincount(task, minlength=T)


# --------------------------------------------------------------------------
# School
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def school_malsar():
    return load_school(DATA / "school")


@pytest.fixture(scope="module")
def school_argyriou():
    return load_school(DATA / "school", source="argyriou")


def test_school_malsar(school_malsar):
    data = school_malsar
    sizes = _check_per_task(data, 15362, 27, 139)
    assert sizes.min() == 22 and sizes.max() == 251 and np.median(sizes) == 103
    y = data.Y[~np.isnan(data.Y)]
    assert y.min() == 1.0 and y.max() == 70.0 and np.all(y == np.round(y))
    assert "splits" not in data
    assert data.task_names[0] == "school_1" and data.task_names[-1] == "school_139"
    assert "bias" not in data.feature_names
    # one-hot groups: year, gender, school gender and denomination each sum to one
    X, names = data.X, list(data.feature_names)
    for prefix in ("year_", "gender_", "school_", "denomination_"):
        cols = [j for j, c in enumerate(names) if c.startswith(prefix)]
        np.testing.assert_array_equal(X[:, cols].sum(axis=1), 1.0)
    # VR band: 15 students have a missing band (all three columns zero)
    vr = [j for j, c in enumerate(names) if c.startswith("vr_band_")]
    assert np.sum(X[:, vr].sum(axis=1) == 0) == 15


def test_school_add_bias(school_malsar):
    data = load_school(DATA / "school" / "school.mat", add_bias=True)
    assert data.X.shape == (15362, 28) and data.feature_names[-1] == "bias"
    np.testing.assert_array_equal(data.X[:, -1], 1.0)
    np.testing.assert_array_equal(data.X[:, :-1], school_malsar.X)
    np.testing.assert_array_equal(data.Y, school_malsar.Y)


def test_school_malsar_and_argyriou_identical(school_malsar, school_argyriou):
    for key in ("X", "Y", "task", "task_names", "feature_names"):
        np.testing.assert_array_equal(school_malsar[key], school_argyriou[key])


def test_school_argyriou_splits(school_argyriou):
    data = school_argyriou
    n = data.Y.shape[0]
    sizes = np.bincount(data.task)
    assert len(data.splits) == 10
    previous = None
    for train, test in data.splits:
        assert np.issubdtype(train.dtype, np.integer) and np.issubdtype(test.dtype, np.integer)
        assert train.size == 11472 and test.size == 3890
        # a partition of the rows, 0-based
        np.testing.assert_array_equal(np.sort(np.r_[train, test]), np.arange(n))
        n_train = np.bincount(data.task[train], minlength=139)
        np.testing.assert_array_equal(n_train, np.floor(0.75 * sizes).astype(int))
        assert n_train.min() >= 16 and (sizes - n_train).min() >= 6
        if previous is not None:
            assert not np.array_equal(np.sort(train), previous)  # the splits differ
        previous = np.sort(train)


def test_school_argyriou_path_forms(school_argyriou):
    folder = DATA / "school" / "argyriou_splits"
    for path in (folder, folder / "school_b.mat", str(folder)):
        data = load_school(path, source="argyriou")
        np.testing.assert_array_equal(data.X, school_argyriou.X)
        np.testing.assert_array_equal(data.splits[3][1], school_argyriou.splits[3][1])


def test_school_wrong_source_for_file():
    with pytest.raises(ValueError, match="source='argyriou'"):
        load_school(DATA / "school" / "argyriou_splits" / "school_b.mat")
    with pytest.raises(ValueError, match="source"):
        load_school(DATA / "school", source="ilea")


# --------------------------------------------------------------------------
# Landmine
# --------------------------------------------------------------------------
def test_landmine():
    data = load_landmine(DATA / "landmine")
    sizes = _check_per_task(data, 14820, 9, 29)
    assert sizes.min() == 445 and sizes.max() == 690
    y = data.Y[~np.isnan(data.Y)]
    assert set(np.unique(y)) == {0.0, 1.0}
    rates = np.nanmean(data.Y, axis=0)
    assert 0.028 < rates.min() and rates.max() < 0.095
    assert 0.05 < y.mean() < 0.08


# --------------------------------------------------------------------------
# Parkinson's
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def parkinsons():
    return {t: load_parkinsons(DATA / "parkinsons", t) for t in ("motor_UPDRS", "total_UPDRS")}


def test_parkinsons_single_target(parkinsons):
    for target, data in parkinsons.items():
        sizes = _check_per_task(data, 5875, 19, 42)
        assert sizes.min() == 101 and sizes.max() == 168
        assert data.target_names == [target]
        assert list(data.feature_names[:3]) == ["age", "sex", "test_time"]
        # age and sex are constant within each patient
        for j in (0, 1):
            for t in range(42):
                assert np.unique(data.X[data.task == t, j]).size == 1
    motor, total = (parkinsons[t].Y for t in ("motor_UPDRS", "total_UPDRS"))
    assert np.nanmean(total) > np.nanmean(motor)  # total UPDRS includes the motor part


def test_parkinsons_both(parkinsons):
    data = load_parkinsons(DATA / "parkinsons" / "parkinsons_updrs.data", target="both")
    assert data.X.shape == (5875, 19) and data.Y.shape == (5875, 84)
    np.testing.assert_array_equal(data.Y[:, :42], parkinsons["motor_UPDRS"].Y)
    np.testing.assert_array_equal(data.Y[:, 42:], parkinsons["total_UPDRS"].Y)
    np.testing.assert_array_equal((~np.isnan(data.Y)).sum(axis=1), 2)
    assert data.target_names == ["motor_UPDRS", "total_UPDRS"]
    assert data.task_names[0] == "motor_UPDRS:subject_1"
    assert data.task_names[42] == "total_UPDRS:subject_1"
    with pytest.raises(ValueError, match="target"):
        load_parkinsons(DATA / "parkinsons", target="UPDRS")


def test_parkinsons_doubled_file(tmp_path, parkinsons):
    text = (DATA / "parkinsons" / "parkinsons_updrs.data").read_text()
    doubled = tmp_path / "parkinsons_updrs.data"
    doubled.write_text(text + "\n" + text)
    with pytest.warns(UserWarning, match="one copy"):
        data = load_parkinsons(tmp_path)
    np.testing.assert_array_equal(data.Y, parkinsons["motor_UPDRS"].Y)
    lines = text.splitlines()
    doubled.write_text("\n".join(lines + lines[:-1]))  # second copy differs
    with pytest.raises(ValueError, match="header"):
        load_parkinsons(doubled)


# --------------------------------------------------------------------------
# SARCOS
# --------------------------------------------------------------------------
def test_sarcos():
    data = load_sarcos(DATA / "sarcos")
    assert data.X.shape == (4449, 21) and data.Y.shape == (4449, 7)
    assert data.X.dtype == np.float64 and data.Y.dtype == np.float64
    assert np.all(np.isfinite(data.X)) and np.all(np.isfinite(data.Y))
    assert len(data.task_names) == 7 and len(data.feature_names) == 21
    # the training file is not in the shared folder
    with pytest.raises(FileNotFoundError, match="sarcos_inv.mat"):
        load_sarcos(DATA / "sarcos", subset="train")
    with pytest.raises(ValueError, match="subset='test'"):
        load_sarcos(DATA / "sarcos" / "sarcos_inv_test.mat", subset="train")


# --------------------------------------------------------------------------
# Computer survey
# --------------------------------------------------------------------------
def test_computer_survey_shared():
    data = load_computer_survey(DATA / "computer_survey")
    assert data.X.shape == (20, 13) and data.Y.shape == (20, 190)
    assert data.X.dtype == np.float64 and data.Y.dtype == np.float64
    assert set(np.unique(data.X)) == {-1.0, 1.0}
    assert not np.isnan(data.Y).any()
    assert data.Y.min() == 0.0 and data.Y.max() == 10.0
    assert np.all(data.Y == np.round(data.Y))
    assert np.flatnonzero(data.Y.std(axis=0) == 0).tolist() == [122]
    (train, test), = data.splits
    np.testing.assert_array_equal(train, np.arange(16))
    np.testing.assert_array_equal(test, np.arange(16, 20))
    assert data.task_features.shape == (190, 6) and len(data.task_names) == 190
    biased = load_computer_survey(DATA / "computer_survey", add_bias=True)
    assert biased.X.shape == (20, 14) and biased.feature_names[0] == "constant"
    np.testing.assert_array_equal(biased.X[:, 0], 1.0)
    np.testing.assert_array_equal(biased.X[:, 1:], data.X)


def test_computer_survey_per_task():
    shared = load_computer_survey(DATA / "computer_survey")
    data = load_computer_survey(DATA / "computer_survey", layout="per_task")
    sizes = _check_per_task(data, 3800, 13, 190)
    np.testing.assert_array_equal(sizes, 20)
    np.testing.assert_array_equal(data.X, np.tile(shared.X, (190, 1)))
    np.testing.assert_array_equal(data.Y[np.arange(3800), data.task], shared.Y.T.ravel())
    (train, test), = data.splits
    assert train.size == 190 * 16 and test.size == 190 * 4
    assert np.all(data.profile[train] < 16) and np.all(data.profile[test] >= 16)


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
LOADERS = [
    (load_school, "school.mat"),
    (load_landmine, "LandmineData.mat"),
    (load_parkinsons, "parkinsons_updrs.data"),
    (load_sarcos, "sarcos_inv_test.mat"),
    (load_computer_survey, "conjointAnalysisComputerBuyers.mat"),
]


@pytest.mark.parametrize("loader, filename", LOADERS)
def test_missing_path(tmp_path, loader, filename):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as info:
        loader(missing)
    assert str(missing) in str(info.value) and filename in str(info.value)
    # an existing folder without the file
    with pytest.raises(FileNotFoundError, match=filename):
        loader(tmp_path)


@pytest.mark.parametrize("loader, filename", LOADERS)
def test_wrong_format(tmp_path, loader, filename):
    bad = tmp_path / filename
    bad.write_text("this is not the expected file\n")
    with pytest.raises(ValueError):
        loader(bad)
    # a valid .mat file holding another data set
    with pytest.raises(ValueError, match="missing|header"):
        loader(DATA / "landmine" / "LandmineData.mat" if loader is not load_landmine
               else DATA / "sarcos" / "sarcos_inv_test.mat")


def test_school_missing_split_file(tmp_path):
    import shutil

    shutil.copy(DATA / "school" / "argyriou_splits" / "school_b.mat", tmp_path)
    with pytest.raises(FileNotFoundError, match="school_1_indexes.mat"):
        load_school(tmp_path, source="argyriou")


def test_no_warnings_on_clean_files():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_parkinsons(DATA / "parkinsons")
        load_landmine(DATA / "landmine")
