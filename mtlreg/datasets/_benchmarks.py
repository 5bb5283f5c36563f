"""Loaders for classic multi-task benchmark data sets.

Every loader reads the user's own copy of the original files (nothing is
downloaded; each docstring says where the files can be obtained) and returns a
:class:`sklearn.utils.Bunch` whose ``X`` and ``Y`` go straight into
``fit(X, Y)``: ``X`` is a float64 array of shape (n, d) and ``Y`` a float64
array of shape (n, T) with ``NaN`` where row ``i`` has no target for task ``t``.

Traps handled for every file:

- MATLAB stores integer-valued doubles in compact integer types, which
  ``scipy.io.loadmat`` returns as ``uint8`` / ``uint16`` / ``int16``; everything
  is cast to float64 (index arrays to ``np.intp``) before any arithmetic, so
  nothing wraps around.
- MATLAB index arrays are 1-based; the returned indices are 0-based.
- A missing file raises ``FileNotFoundError`` naming the path and the file that
  was expected; a file in the wrong format raises ``ValueError``.
"""

import csv
import os
import warnings
from pathlib import Path

import numpy as np
import scipy.io as sio
from sklearn.utils import Bunch

from ..data import from_task_list

__all__ = [
    "load_computer_survey",
    "load_landmine",
    "load_parkinsons",
    "load_sarcos",
    "load_school",
]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _as_path(path):
    try:
        return Path(os.fspath(path))
    except TypeError:
        raise TypeError(
            f"path must be a str or os.PathLike, got {type(path).__name__}."
        ) from None


def _locate(path, filename, what, subdirs=()):
    """The file to read: ``path`` itself if it is a file, else ``path/filename``.

    When ``path`` is a folder, ``path/filename`` is tried first, then
    ``path/<sub>/filename`` for every ``sub`` in ``subdirs``.
    """
    p = _as_path(path)
    if p.is_dir():
        tried = [p / filename] + [p / sub / filename for sub in subdirs]
        for f in tried:
            if f.is_file():
                return f
        raise FileNotFoundError(
            f"No {what} file in the folder {p}: expected {filename!r} "
            f"(looked for {', '.join(str(f) for f in tried)})."
        )
    if p.is_file():
        return p
    raise FileNotFoundError(
        f"{p} does not exist: expected the {what} file {filename!r} or a folder "
        "containing it."
    )


def _loadmat(file, keys, what, hint=""):
    """``scipy.io.loadmat`` with format errors turned into ValueError."""
    try:
        m = sio.loadmat(str(file))
    except OSError:
        raise
    except NotImplementedError as exc:  # MATLAB v7.3 (HDF5) files
        raise ValueError(
            f"{file} is a MATLAB v7.3 (HDF5) file, not the {what} file as "
            f"distributed (MATLAB 5.0 format): {exc}"
        ) from exc
    except Exception as exc:  # any parse failure means a wrong format
        raise ValueError(
            f"{file} could not be read as a MATLAB .mat file ({what} expected): {exc}"
        ) from exc
    missing = [k for k in keys if k not in m]
    if missing:
        found = sorted(k for k in m if not k.startswith("__"))
        raise ValueError(
            f"{file} is not the {what} file: variable(s) {missing} missing "
            f"(found {found}).{hint}"
        )
    return m


def _float(a, file, key):
    """Cast a numeric MATLAB array to float64 and check it is finite."""
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{file}: {key!r} must be numeric, got dtype {a.dtype}.")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{file}: {key!r} contains NaN or infinity.")
    return a


def _index(a, file, key, n):
    """1-based MATLAB indices -> 0-based ``np.intp``, checked to lie in [0, n)."""
    a = np.asarray(a).ravel()
    if a.dtype.kind not in "iuf" or a.size == 0:
        raise ValueError(f"{file}: {key!r} must be a non-empty numeric index array.")
    if a.dtype.kind == "f" and not np.all(a == np.round(a)):
        raise ValueError(f"{file}: {key!r} must contain integers.")
    idx = a.astype(np.int64) - 1  # cast first: uint16 0 - 1 would wrap
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(
            f"{file}: {key!r} must hold 1-based indices in [1, {n}], got values in "
            f"[{idx.min() + 1}, {idx.max() + 1}]."
        )
    return idx.astype(np.intp)


def _cells(m, key, file):
    """A MATLAB cell array as a list of arrays."""
    c = m[key]
    if not (isinstance(c, np.ndarray) and c.dtype == object):
        raise ValueError(
            f"{file}: {key!r} must be a cell array (one cell per task), got an "
            f"array of dtype {getattr(c, 'dtype', type(c))}."
        )
    return list(c.ravel())


def _names(prefix, n):
    return np.array([f"{prefix}_{i}" for i in range(1, n + 1)])


def _check_choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.")


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}.")
    return bool(value)


# --------------------------------------------------------------------------
# School
# --------------------------------------------------------------------------
_SCHOOL_FEATURES = (
    "year_1985", "year_1986", "year_1987",
    "pct_free_school_meals", "pct_vr_band_1",
    "gender_female", "gender_male",
    "vr_band_3", "vr_band_1", "vr_band_2",
    "ethnic_ESWI", "ethnic_African", "ethnic_Arab", "ethnic_Bangladeshi",
    "ethnic_Caribbean", "ethnic_Greek", "ethnic_Indian", "ethnic_Pakistani",
    "ethnic_SE_Asian", "ethnic_Turkish", "ethnic_Other",
    "school_mixed", "school_boys", "school_girls",
    "denomination_maintained", "denomination_CofE", "denomination_RC",
    "bias",
)  # fmt: skip
_SCHOOL_D = len(_SCHOOL_FEATURES)  # 28 columns in both .mat files
_N_SCHOOL_SPLITS = 10


def _school_malsar(path):
    f = _locate(path, "school.mat", "MALSAR School")
    m = _loadmat(
        f, ("X", "Y"), "MALSAR School (school.mat)", " For school_b.mat use source='argyriou'."
    )
    Xs, Ys = _cells(m, "X", f), _cells(m, "Y", f)
    if len(Xs) != len(Ys):
        raise ValueError(f"{f}: 'X' has {len(Xs)} cells but 'Y' has {len(Ys)}.")
    tasks = []
    for t, (X_t, y_t) in enumerate(zip(Xs, Ys, strict=True)):
        X_t = _float(X_t, f, f"X{{{t + 1}}}")
        y_t = _float(y_t, f, f"Y{{{t + 1}}}")
        if X_t.ndim != 2 or X_t.shape[1] != _SCHOOL_D or y_t.size != X_t.shape[0]:
            raise ValueError(
                f"{f}: task {t + 1} must hold X of shape (n_t, {_SCHOOL_D}) and Y of "
                f"n_t values, got {X_t.shape} and {y_t.shape}."
            )
        tasks.append((X_t, y_t.ravel()))
    X, Y = from_task_list(tasks)
    sizes = [len(y) for _, y in tasks]
    return X, Y, np.repeat(np.arange(len(tasks)), sizes), f


def _school_argyriou(path):
    f = _locate(path, "school_b.mat", "Argyriou et al. School", subdirs=("argyriou_splits",))
    m = _loadmat(
        f,
        ("x", "y", "task_indexes"),
        "Argyriou et al. School (school_b.mat)",
        " For school.mat use source='malsar'.",
    )
    x = _float(m["x"], f, "x")
    y = _float(m["y"], f, "y").ravel()
    if x.ndim != 2 or x.shape[0] != _SCHOOL_D or x.shape[1] != y.size:
        raise ValueError(
            f"{f}: 'x' must have shape ({_SCHOOL_D}, n) (features by rows) and 'y' n "
            f"values, got {x.shape} and {y.shape}."
        )
    n = y.size
    X = np.ascontiguousarray(x.T)  # stored transposed: (28, n)
    starts = _index(m["task_indexes"], f, "task_indexes", n)
    if starts[0] != 0 or np.any(np.diff(starts) <= 0):
        raise ValueError(
            f"{f}: 'task_indexes' must be increasing 1-based task starts beginning at 1."
        )
    task = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n]))
    Y = np.full((n, starts.size), np.nan)
    Y[np.arange(n), task] = y

    folder = f.parent
    splits = []
    for s in range(1, _N_SCHOOL_SPLITS + 1):
        fs = folder / f"school_{s}_indexes.mat"
        if not fs.is_file():
            raise FileNotFoundError(
                f"{fs} does not exist: the Argyriou et al. School splits "
                f"school_1_indexes.mat ... school_{_N_SCHOOL_SPLITS}_indexes.mat must "
                f"be in the folder of {f.name}."
            )
        ms = _loadmat(fs, ("tr", "tst"), "Argyriou et al. School split")
        tr = _index(ms["tr"], fs, "tr", n)
        te = _index(ms["tst"], fs, "tst", n)
        if not np.array_equal(np.sort(np.r_[tr, te]), np.arange(n)):
            raise ValueError(
                f"{fs}: 'tr' and 'tst' must partition the {n} rows of {f.name}."
            )
        splits.append((tr, te))
    return X, Y, task, splits


def load_school(path, *, source="malsar", add_bias=False):
    """Load the School (ILEA) data: 139 schools (tasks), 15,362 students.

    Each school is a task and the target is the student's exam score (1-70).
    The 27 features are the one-hot encoding of Argyriou et al. (2008): exam
    year (3), % of the school's students eligible for free school meals, % in
    VR band 1, student gender (2), student VR band (3), ethnic group (11),
    school gender (3) and school denomination (3); see ``feature_names``.

    Parameters
    ----------
    path : str or os.PathLike
        Your copy of the original files.

        - ``source="malsar"``: the file ``school.mat`` of the MALSAR package,
          or a folder containing it.
        - ``source="argyriou"``: the file ``school_b.mat``, or a folder
          containing it (or containing an ``argyriou_splits/`` folder with
          it). The ten split files ``school_1_indexes.mat`` ...
          ``school_10_indexes.mat`` must be in the same folder as
          ``school_b.mat``.
    source : {"malsar", "argyriou"}, default="malsar"
        Which distribution to read. Both hold identical data (same tasks,
        rows in the same order, same columns); only ``"argyriou"`` comes with
        the ten fixed train/test splits.
    add_bias : bool, default=False
        Keep the files' constant column (column 28, all ones) as the last
        feature. It is dropped by default because mtlreg estimators fit an
        unpenalised intercept per task (``fit_intercept=True``); a constant
        column would only duplicate it, penalised.

    Returns
    -------
    data : sklearn.utils.Bunch
        With the keys

        X : ndarray of shape (15362, 27), or (15362, 28) with ``add_bias``
            float64 features, rows grouped by school (school 1 first).
        Y : ndarray of shape (15362, 139)
            float64 exam scores; ``Y[i, t]`` is NaN unless student ``i`` is in
            school ``t`` (each row is observed in exactly one task).
        task : ndarray of int of shape (15362,)
            Task (column of ``Y``) of each row.
        task_names : ndarray of str of shape (139,)
            ``"school_1"`` ... ``"school_139"`` (the ILEA school codes).
        feature_names : ndarray of str of shape (27,) or (28,)
            Name of each column of ``X``.
        splits : list of 10 (train_idx, test_idx) pairs, ``source="argyriou"`` only
            0-based row indices of the fixed 75 % / 25 % splits of Argyriou et
            al. (11,472 / 3,890 rows; per task ``floor(0.75 n_t)`` training
            rows). Each split is a partition of the rows.

    Raises
    ------
    FileNotFoundError
        If the file (or a split file) is not found; the message names the path
        and the file expected.
    ValueError
        If a file is not in the expected format, or ``source`` is unknown.

    Notes
    -----
    Task sizes range from 22 to 251 rows (median 103).

    Traps handled: the files store the features and scores as ``uint8`` (and
    the indices as ``uint16``), cast here to float64 and 0-based ``intp``;
    ``school_b.mat`` stores ``x`` transposed, as (28, 15362); the split and
    task-start indices are 1-based.

    The one-hot groups are **exactly collinear** with each other and with the
    intercept (each group sums to one, except the student VR band: 15 students
    with a missing band have all three of its columns zero). Unregularised or
    weakly regularised solutions are therefore not unique; the penalties of
    mtlreg make them so.

    Protocols: Argyriou et al. (2008) report the test explained variance
    averaged over the ten splits in ``splits``; MALSAR's example z-scores
    each task's features and draws random per-task training sets.

    Where to obtain the files: ``school.mat`` ships in the ``data/`` folder
    of the MALSAR package (J. Zhou, J. Chen, J. Ye; github.com/jiayuzhou/MALSAR).
    ``school_b.mat`` and the split files were distributed with the code of
    Argyriou et al. (2008) (a copy is in github.com/tjanez/PyMTL,
    ``data/school/``). The original data (``ILEA567.DAT``) come from the
    Centre for Multilevel Modelling, University of Bristol
    (http://www.bristol.ac.uk/cmm/media/migrated/ilea567.zip).

    References
    ----------
    .. [1] H. Goldstein (1991). Multilevel modelling of survey data. *The
       Statistician* 40:235-244.
    .. [2] A. Argyriou, T. Evgeniou and M. Pontil (2008). Convex multi-task
       feature learning. *Machine Learning* 73(3):243-272.

    Examples
    --------
    >>> from mtlreg.datasets import load_school
    >>> data = load_school("data/school", source="argyriou")  # doctest: +SKIP
    >>> train, test = data.splits[0]  # doctest: +SKIP
    >>> model.fit(data.X[train], data.Y[train])  # doctest: +SKIP
    """
    _check_choice(source, "source", ("malsar", "argyriou"))
    add_bias = _check_bool(add_bias, "add_bias")
    if source == "malsar":
        X, Y, task, f = _school_malsar(path)
        splits = None
    else:
        X, Y, task, splits = _school_argyriou(path)
        f = "school_b.mat"
    if not np.all(X[:, -1] == 1.0):
        raise ValueError(
            f"{f}: column {_SCHOOL_D} should be the all-ones bias column; the file "
            "is not the School data as distributed."
        )
    names = np.array(_SCHOOL_FEATURES)
    if not add_bias:
        X, names = np.ascontiguousarray(X[:, :-1]), names[:-1]
    data = Bunch(
        X=X,
        Y=Y,
        task=task.astype(np.intp),
        task_names=_names("school", Y.shape[1]),
        feature_names=names,
    )
    if splits is not None:
        data.splits = splits
    return data


# --------------------------------------------------------------------------
# Landmine
# --------------------------------------------------------------------------
def load_landmine(path):
    """Load the Landmine detection data: 29 minefields (tasks), 14,820 samples.

    Each sample is a 9-dimensional feature vector extracted from radar images
    and labelled landmine (1) or clutter (0), about 6 % positive (2.9-9.4 %
    per task). Per Xue et al. (2007), tasks 1-15 are highly foliated regions
    and tasks 16-29 bare earth or desert.

    Parameters
    ----------
    path : str or os.PathLike
        Your copy of ``LandmineData.mat``, or a folder containing it.

    Returns
    -------
    data : sklearn.utils.Bunch
        With the keys

        X : ndarray of shape (14820, 9)
            float64 features, rows grouped by task (field 1 first).
        Y : ndarray of shape (14820, 29)
            float64 labels in {0, 1}; ``Y[i, t]`` is NaN unless row ``i`` is
            from field ``t`` (each row is observed in exactly one task). Use
            with the ``*Classifier`` estimators.
        task : ndarray of int of shape (14820,)
            Task (column of ``Y``) of each row.
        task_names : ndarray of str of shape (29,)
            ``"field_1"`` ... ``"field_29"``.
        feature_names : ndarray of str of shape (9,)
            Name of each column of ``X``.
            ``"feature_1"`` ... ``"feature_9"`` (moment-, correlation-,
            energy-ratio- and spatial-variance-based radar features; the file
            does not name them).

    Raises
    ------
    FileNotFoundError
        If the file is not found; the message names the path and the file
        expected.
    ValueError
        If the file is not in the expected format (two 1-by-T cell arrays
        ``feature`` and ``label`` with (n_t, 9) features and 0/1 labels).

    Notes
    -----
    Task sizes range from 445 to 690 rows. Traps handled: the labels are
    stored as ``uint8`` and are cast to float64. The usual metric is the ROC
    AUC averaged over the 29 tasks.

    Where to obtain the file: Lawrence Carin's group at Duke University,
    http://www.ee.duke.edu/~lcarin/LandmineData.zip (two 1-by-29 cell arrays
    ``feature`` and ``label``).

    References
    ----------
    .. [1] Y. Xue, X. Liao, L. Carin and B. Krishnapuram (2007). Multi-task
       learning for classification with Dirichlet process priors. *Journal of
       Machine Learning Research* 8:35-63.
    """
    f = _locate(path, "LandmineData.mat", "Landmine")
    m = _loadmat(f, ("feature", "label"), "Landmine (LandmineData.mat)")
    F, L = _cells(m, "feature", f), _cells(m, "label", f)
    if len(F) != len(L):
        raise ValueError(f"{f}: 'feature' has {len(F)} cells but 'label' has {len(L)}.")
    tasks = []
    for t, (X_t, y_t) in enumerate(zip(F, L, strict=True)):
        X_t = _float(X_t, f, f"feature{{{t + 1}}}")
        y_t = _float(y_t, f, f"label{{{t + 1}}}").ravel()
        if X_t.ndim != 2 or X_t.shape[1] != 9 or y_t.size != X_t.shape[0]:
            raise ValueError(
                f"{f}: task {t + 1} must hold features of shape (n_t, 9) and n_t "
                f"labels, got {X_t.shape} and {y_t.shape}."
            )
        if not np.all((y_t == 0.0) | (y_t == 1.0)):
            raise ValueError(f"{f}: the labels of task {t + 1} must be 0 or 1.")
        tasks.append((X_t, y_t))
    X, Y = from_task_list(tasks)
    sizes = [len(y) for _, y in tasks]
    return Bunch(
        X=X,
        Y=Y,
        task=np.repeat(np.arange(len(tasks)), sizes).astype(np.intp),
        task_names=_names("field", len(tasks)),
        feature_names=_names("feature", 9),
    )


# --------------------------------------------------------------------------
# Parkinson's telemonitoring
# --------------------------------------------------------------------------
_PARKINSONS_COLUMNS = (
    "subject#", "age", "sex", "test_time", "motor_UPDRS", "total_UPDRS",
    "Jitter(%)", "Jitter(Abs)", "Jitter:RAP", "Jitter:PPQ5", "Jitter:DDP",
    "Shimmer", "Shimmer(dB)", "Shimmer:APQ3", "Shimmer:APQ5", "Shimmer:APQ11",
    "Shimmer:DDA", "NHR", "HNR", "RPDE", "DFA", "PPE",
)  # fmt: skip
_PARKINSONS_TARGETS = ("motor_UPDRS", "total_UPDRS")


def _read_parkinsons(f):
    try:
        with open(f, newline="", encoding="latin-1") as fh:
            rows = [r for r in csv.reader(fh) if r]
    except csv.Error as exc:
        raise ValueError(f"{f} is not the Parkinson's telemonitoring CSV file: {exc}") from None
    header = list(_PARKINSONS_COLUMNS)
    if not rows or [c.strip() for c in rows[0]] != header:
        got = repr(",".join(rows[0])[:60]) if rows else "an empty file"
        raise ValueError(
            f"{f} is not the Parkinson's telemonitoring CSV file: the first line must "
            f"be the header {','.join(header[:6])},... (got {got})."
        )
    heads = [i for i, r in enumerate(rows) if [c.strip() for c in r] == header]
    copies = [rows[a + 1 : b] for a, b in zip(heads, heads[1:] + [len(rows)], strict=True)]
    if len(copies) > 1:
        if any(c != copies[0] for c in copies[1:]):
            raise ValueError(
                f"{f} repeats its header line {len(copies) - 1} time(s) with different "
                "rows after it; expected one header and 5,875 rows."
            )
        warnings.warn(
            f"{f} holds the data {len(copies)} times in a row (a known corrupted copy "
            "of the UCI file); using one copy.",
            UserWarning,
            stacklevel=3,
        )
    body = copies[0]
    try:
        A = np.array(body, dtype=np.float64)
    except ValueError as exc:
        raise ValueError(f"{f}: the rows must be {len(header)} numbers each ({exc}).") from None
    if A.ndim != 2 or A.shape[1] != len(header) or A.shape[0] == 0:
        raise ValueError(f"{f}: every row must have {len(header)} comma-separated values.")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{f} contains NaN or infinite values.")
    return A


def load_parkinsons(path, target="motor_UPDRS"):
    """Load the Parkinson's telemonitoring data: 42 patients (tasks), 5,875 recordings.

    Each patient is a task; each row is one voice recording made at home
    (101 to 168 per patient) and the targets are the clinician's motor and
    total UPDRS scores (linearly interpolated between visits).

    Parameters
    ----------
    path : str or os.PathLike
        Your copy of the UCI file ``parkinsons_updrs.data``, or a folder
        containing it.
    target : {"motor_UPDRS", "total_UPDRS", "both"}, default="motor_UPDRS"
        The score to predict. With ``"both"`` every (score, patient) pair is a
        task: ``Y`` has 84 columns, the 42 motor-UPDRS tasks then the 42
        total-UPDRS tasks in the same patient order, and every row is observed
        in two tasks (its patient's motor and total column). A single fit then
        shares information across patients *and* across the two scores.
        ``Y[:, :42]`` and ``Y[:, 42:]`` are exactly the ``Y`` of
        ``target="motor_UPDRS"`` and ``target="total_UPDRS"``.

    Returns
    -------
    data : sklearn.utils.Bunch
        With the keys

        X : ndarray of shape (5875, 19)
            float64 features: age, sex, test_time and the 16 voice measures,
            in file order (see ``feature_names``). Rows are in file order,
            which is grouped by patient.
        Y : ndarray of shape (5875, 42), or (5875, 84) with ``target="both"``
            float64 UPDRS scores, NaN outside each row's task(s).
        task : ndarray of int of shape (5875,)
            Patient index (0 to 41) of each row: the column of ``Y`` of the
            row for a single target; with ``"both"`` the row is observed in
            columns ``task[i]`` and ``42 + task[i]``.
        task_names : ndarray of str of shape (42,) or (84,)
            ``"subject_1"`` ... ``"subject_42"`` (the file's ``subject#``);
            with ``"both"``, ``"motor_UPDRS:subject_1"`` ... then
            ``"total_UPDRS:subject_1"`` ...
        target_names : list of str
            The score(s) in ``Y``, in column-block order.
        feature_names : ndarray of str of shape (19,)
            Name of each column of ``X``.

    Raises
    ------
    FileNotFoundError
        If the file is not found; the message names the path and the file
        expected.
    ValueError
        If the file is not the UCI CSV file (header line ``subject#,age,...``
        and 22 numeric columns), or ``target`` is unknown.

    Warns
    -----
    UserWarning
        If the file holds the data several times in a row, each copy after
        its own header line (a corrupted copy found on GitHub); the copies
        must be identical and one is used.

    Notes
    -----
    ``age`` and ``sex`` are constant within each patient, so within a task
    they are collinear with the intercept: they carry information only
    across tasks. ``test_time`` is the time since recruitment in days; 12
    recordings have small negative values (made before the baseline visit).
    The file is read with :mod:`csv` (``numpy.genfromtxt(names=True)`` breaks
    on the ``subject#`` column name).

    Where to obtain the file: UCI Machine Learning Repository, data set
    "Parkinsons Telemonitoring" (donated 2009 by A. Tsanas and M. Little,
    University of Oxford), https://archive.ics.uci.edu/ml/datasets/Parkinsons+Telemonitoring
    (files ``parkinsons_updrs.data`` and ``parkinsons_updrs.names``).

    References
    ----------
    .. [1] A. Tsanas, M. A. Little, P. E. McSharry and L. O. Ramig (2010).
       Accurate telemonitoring of Parkinson's disease progression by
       non-invasive speech tests. *IEEE Transactions on Biomedical
       Engineering* 57(4):884-893.
    """
    _check_choice(target, "target", (*_PARKINSONS_TARGETS, "both"))
    f = _locate(path, "parkinsons_updrs.data", "Parkinson's telemonitoring (UCI)")
    A = _read_parkinsons(f)
    subject = A[:, 0]
    if not np.all(subject == np.round(subject)):
        raise ValueError(f"{f}: the subject# column must hold integers.")
    ids, task = np.unique(subject.astype(np.int64), return_inverse=True)
    task = task.ravel().astype(np.intp)
    feat = [j for j, c in enumerate(_PARKINSONS_COLUMNS) if j > 0 and c not in _PARKINSONS_TARGETS]
    X = np.ascontiguousarray(A[:, feat])
    n, T = A.shape[0], ids.size
    targets = list(_PARKINSONS_TARGETS) if target == "both" else [target]
    Y = np.full((n, T * len(targets)), np.nan)
    names = []
    for k, name in enumerate(targets):
        Y[np.arange(n), k * T + task] = A[:, _PARKINSONS_COLUMNS.index(name)]
        prefix = f"{name}:" if target == "both" else ""
        names += [f"{prefix}subject_{i}" for i in ids]
    return Bunch(
        X=X,
        Y=Y,
        task=task,
        task_names=np.array(names),
        target_names=targets,
        feature_names=np.array([_PARKINSONS_COLUMNS[j] for j in feat]),
    )


# --------------------------------------------------------------------------
# SARCOS
# --------------------------------------------------------------------------
_SARCOS_FILES = {"test": "sarcos_inv_test", "train": "sarcos_inv"}


def load_sarcos(path, *, subset="test"):
    """Load the SARCOS inverse-dynamics data: 7 joint torques (tasks), one shared design.

    The inputs are the 7 joint positions, 7 velocities and 7 accelerations of
    a SARCOS anthropomorphic robot arm; the 7 tasks are the 7 joint torques.
    Every row is observed in every task (a shared design, no NaN).

    Parameters
    ----------
    path : str or os.PathLike
        Your copy of ``sarcos_inv_test.mat`` (``subset="test"``) or
        ``sarcos_inv.mat`` (``subset="train"``), or a folder containing it.
    subset : {"test", "train"}, default="test"
        Which file to read: the 4,449-row test set or the 44,484-row training
        set.

    Returns
    -------
    data : sklearn.utils.Bunch
        With the keys

        X : ndarray of shape (4449, 21) (or (44484, 21) for the training set)
            float64 inputs.
        Y : ndarray of shape (4449, 7) (or (44484, 7))
            float64 torques, fully observed.
        task_names : ndarray of str of shape (7,)
            ``"torque_1"`` ... ``"torque_7"``.
        feature_names : ndarray of str of shape (21,)
            Name of each column of ``X``.
            ``"q_1"`` ... ``"q_7"`` (positions), ``"dq_1"`` ... (velocities),
            ``"ddq_1"`` ... (accelerations).

    Raises
    ------
    FileNotFoundError
        If the file is not found; the message names the path and the file
        expected.
    ValueError
        If the file does not hold the variable ``sarcos_inv_test`` (or
        ``sarcos_inv``) as an (n, 28) array, or ``subset`` is unknown.

    Notes
    -----
    Columns 1-21 of the file are the inputs and columns 22-28 the torques.
    MTL papers (e.g. Chen, Zhou & Ye, KDD 2011) subsample small training sets
    from the 44,484 training rows and test on the test rows, so published
    SARCOS tables need both files.

    Where to obtain the files: the GPML book's data page,
    http://www.gaussianprocess.org/gpml/data/ (``sarcos_inv.mat`` and
    ``sarcos_inv_test.mat``).

    References
    ----------
    .. [1] C. E. Rasmussen and C. K. I. Williams (2006). *Gaussian Processes
       for Machine Learning*, section 2.5. MIT Press.
    .. [2] S. Vijayakumar and S. Schaal (2000). Locally weighted projection
       regression: an O(n) algorithm for incremental real time learning in
       high dimensional space. *ICML 2000*.
    """
    _check_choice(subset, "subset", tuple(_SARCOS_FILES))
    key = _SARCOS_FILES[subset]
    f = _locate(path, f"{key}.mat", f"SARCOS {subset}")
    other = next(s for s in _SARCOS_FILES if s != subset)
    hint = f" If it holds {_SARCOS_FILES[other]!r}, pass subset={other!r}."
    m = _loadmat(f, (key,), f"SARCOS {subset} ({key}.mat)", hint)
    A = _float(m[key], f, key)
    if A.ndim != 2 or A.shape[1] != 28:
        raise ValueError(f"{f}: {key!r} must have shape (n, 28), got {A.shape}.")
    return Bunch(
        X=np.ascontiguousarray(A[:, :21]),
        Y=np.ascontiguousarray(A[:, 21:]),
        task_names=_names("torque", 7),
        feature_names=np.array(
            [f"{p}_{j}" for p in ("q", "dq", "ddq") for j in range(1, 8)]
        ),
    )


# --------------------------------------------------------------------------
# Computer survey
# --------------------------------------------------------------------------
_SURVEY_FEATURES = (
    "hot_line", "ram", "screen_size", "cpu_speed", "hard_disk", "cd_rom", "cache",
    "color", "availability", "warranty", "software", "guarantee", "price",
)  # fmt: skip
_SURVEY_COVARIATES = ("female", "nerd", "usa", "own", "apply", "expert")
_N_CALIBRATION = 16  # profiles 1-16 calibrate, 17-20 validate (Lenk et al.)


def load_computer_survey(path, *, layout="shared", add_bias=False):
    """Load the computer survey of Lenk et al. (1996): 190 respondents (tasks).

    Each of 190 MBA students rated the same 20 hypothetical personal-computer
    profiles on a 0-10 likelihood-to-buy scale. Each respondent is a task;
    each profile has 13 binary attributes coded -1/+1 (hot line, RAM, screen
    size, CPU speed, hard disk, CD-ROM, cache, colour, availability, warranty,
    software, guarantee, price).

    Parameters
    ----------
    path : str or os.PathLike
        Your copy of ``conjointAnalysisComputerBuyers.mat``, or a folder
        containing it.
    layout : {"shared", "per_task"}, default="shared"
        - ``"shared"``: one design of the 20 profiles, ``X`` (20, 13), and
          ``Y`` (20, 190) fully observed (column ``t`` = respondent ``t``'s
          ratings). Every respondent rated the same profiles, so this is the
          exact and compact form; hold out profiles by row, or single ratings
          by setting entries of ``Y`` to NaN.
        - ``"per_task"``: the design repeated once per respondent, ``X``
          (3800, 13), ``Y`` (3800, 190) with NaN outside each row's
          respondent (the MALSAR / PyMTL layout), for per-respondent random
          splits by row (e.g. ``TaskKFold``).
    add_bias : bool, default=False
        Keep the file's constant column (the first column of the design, all
        ones) as the first feature. Dropped by default because mtlreg
        estimators fit an unpenalised intercept per task.

    Returns
    -------
    data : sklearn.utils.Bunch
        With the keys

        X : ndarray of shape (20, 13) or (3800, 13); 14 columns with ``add_bias``
            float64 profile attributes in {-1, +1}.
        Y : ndarray of shape (20, 190) or (3800, 190)
            float64 ratings, integers 0-10; with ``layout="per_task"`` NaN
            outside each row's respondent.
        profile : ndarray of int of shape (20,) or (3800,)
            Profile (0-19) of each row.
        task : ndarray of int of shape (3800,), ``layout="per_task"`` only
            Respondent (column of ``Y``) of each row; rows are grouped by
            respondent.
        splits : list of one (train_idx, test_idx) pair
            0-based row indices of Lenk et al.'s design: profiles 1-16
            ("calibration design matrix") for training, profiles 17-20
            ("validation design matrix") for testing.
        task_names : ndarray of str of shape (190,)
            ``"respondent_1"`` ... ``"respondent_190"``.
        feature_names : ndarray of str of shape (13,) or (14,)
            Name of each column of ``X``.
        task_features : ndarray of shape (190, 6)
            Respondent covariates from ``computerDataZ`` (without its
            constant column): FEMALE, NERD (engineer / computer specialist),
            USA (citizen), OWN (owns / leases a computer), APPLY (number of
            applications used), EXPERT (self-assessed expertise). Only if the
            file has ``computerDataZ``.
        task_feature_names : ndarray of str of shape (6,)
            Name of each column of ``task_features``.

    Raises
    ------
    FileNotFoundError
        If the file is not found; the message names the path and the file
        expected.
    ValueError
        If the file is not in the expected format (a (P, 14) design
        ``designMarix`` with a constant first column and (T, P) ratings
        ``likeBuy``), or ``layout`` is unknown.

    Notes
    -----
    Traps handled: the variable is spelled ``designMarix`` in the file
    (``designMatrix`` is accepted too); the design is stored as ``int16``
    and the ratings as ``uint8``, cast to float64 (a residual computed in
    ``uint8`` would wrap around).

    All 190 respondents are returned. Respondent 123 (``Y[:, 122]``) gives
    every profile the rating 0, so that task has zero variance and its R^2
    is undefined. MTL papers describe the data as 180 or 179 tasks: they
    removed some respondents, which ones is not documented.

    Where to obtain the file: the pmtkdata repository of K. Murphy's PMTK
    toolbox (github.com/probml/pmtkdata, folder
    ``conjointAnalysisComputerBuyers/``), also in github.com/tjanez/PyMTL,
    ``data/computer_survey/``.

    References
    ----------
    .. [1] P. J. Lenk, W. S. DeSarbo, P. E. Green and M. R. Young (1996).
       Hierarchical Bayes conjoint analysis: recovery of partworth
       heterogeneity from reduced experimental designs. *Marketing Science*
       15(2):173-191.
    .. [2] A. Argyriou, T. Evgeniou and M. Pontil (2008). Convex multi-task
       feature learning. *Machine Learning* 73(3):243-272.
    """
    _check_choice(layout, "layout", ("shared", "per_task"))
    add_bias = _check_bool(add_bias, "add_bias")
    f = _locate(path, "conjointAnalysisComputerBuyers.mat", "computer survey")
    what = "computer survey (conjointAnalysisComputerBuyers.mat)"
    m = _loadmat(f, ("likeBuy",), what)
    dkey = next((k for k in ("designMarix", "designMatrix") if k in m), None)
    if dkey is None:
        found = sorted(k for k in m if not k.startswith("__"))
        raise ValueError(
            f"{f} is not the {what} file: variable 'designMarix' missing (found {found})."
        )
    D = _float(m[dkey], f, dkey)
    R = _float(m["likeBuy"], f, "likeBuy")
    if D.ndim != 2 or D.shape[1] != 1 + len(_SURVEY_FEATURES):
        raise ValueError(
            f"{f}: {dkey!r} must have shape (n_profiles, {1 + len(_SURVEY_FEATURES)}), "
            f"got {D.shape}."
        )
    P = D.shape[0]
    if R.ndim != 2 or R.shape[1] != P:
        raise ValueError(
            f"{f}: 'likeBuy' must have shape (n_respondents, {P}), got {R.shape}."
        )
    if not np.all(D[:, 0] == 1.0):
        raise ValueError(f"{f}: the first column of {dkey!r} must be the constant 1.")
    T = R.shape[0]
    names = np.array(("constant", *_SURVEY_FEATURES))
    if not add_bias:
        D, names = np.ascontiguousarray(D[:, 1:]), names[1:]

    train = np.arange(min(_N_CALIBRATION, P))
    if layout == "shared":
        X, Y = D, np.ascontiguousarray(R.T)
        profile = np.arange(P)
        data = Bunch(X=X, Y=Y, profile=profile)
    else:
        X, Y = from_task_list([(D, r) for r in R])
        profile = np.tile(np.arange(P), T)
        data = Bunch(X=X, Y=Y, profile=profile, task=np.repeat(np.arange(T), P))
    data.profile = data.profile.astype(np.intp)
    if "task" in data:
        data.task = data.task.astype(np.intp)
    is_train = np.isin(profile, train)
    data.splits = [(np.flatnonzero(is_train), np.flatnonzero(~is_train))]
    data.task_names = _names("respondent", T)
    data.feature_names = names
    if "computerDataZ" in m:
        Z = _float(m["computerDataZ"], f, "computerDataZ")
        if Z.shape == (T, 1 + len(_SURVEY_COVARIATES)):
            data.task_features = np.ascontiguousarray(Z[:, 1:])
            data.task_feature_names = np.array(_SURVEY_COVARIATES)
    return data
