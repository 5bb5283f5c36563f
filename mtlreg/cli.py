"""The ``mtlreg`` command line: compare multi-task models with per-task baselines.

``mtlreg compare`` tunes every multi-task regulariser and two baselines (one model
per task, one pooled model) by cross-validation on a training part of every task,
scores them on the held-out part of every task and reports, per task and on
average, which approach wins and where joint fitting hurts a task (negative
transfer). ``mtlreg fit`` / ``mtlreg predict`` fit one model, save it with joblib
and predict new rows of known tasks.

Every error a user can cause (missing file, unknown column, too small task, ...)
ends in one line on stderr and exit status 2; nothing prints a traceback.
"""

import argparse
import csv
import io
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np

__all__ = ["main"]

MTL_MODELS = ("lasso", "l21", "trace", "mean")
BASELINES = ("independent", "pooled")
ALL_MODELS = MTL_MODELS + BASELINES

DESCRIPTIONS = {
    "lasso": "multi-task Lasso (entrywise L1)",
    "l21": "L2,1 group sparsity (shared features)",
    "trace": "trace norm (low-rank W)",
    "mean": "mean-regularised (tasks near their mean)",
    "independent": "one L1 model per task, each with its own CV",
    "pooled": "one L1 model for all rows, task ignored",
}


class CLIError(Exception):
    """An error caused by the input: reported as one line, exit status 2."""


# ----------------------------------------------------------------------------
# argument parsing
# ----------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + message
        raise CLIError(f"{message} (see '{self.prog} --help')")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _n_folds(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected at least 2 folds, got {value}")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("expected a positive count or -1 (all cores), got 0")
    return value


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1), got {value}")
    return value


def _nonneg_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value >= 0.0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value


def _names(text):
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected a comma-separated list of names")
    return names


def _add_data_options(p, *, target=True):
    g = p.add_argument_group("data (long format: one row per sample)")
    g.add_argument("--data", metavar="FILE",
                   help="CSV (.csv, .tsv) or Parquet (.parquet) file")
    g.add_argument("--task-col", metavar="COL", help="column naming each row's task")
    if target:
        g.add_argument("--target", metavar="COL", help="target column")
        g.add_argument("--targets", metavar="A,B,...", type=_names,
                       help="several target columns on one shared design, one task each "
                            "(instead of --task-col/--target)")
    g.add_argument("--features", metavar="A,B,...", type=_names,
                   help="feature columns (default: every other column)")
    g.add_argument("--drop", metavar="A,B,...", type=_names, default=[],
                   help="columns to ignore (ids, free text, ...)")


def _add_problem_options(p):
    g = p.add_mutually_exclusive_group()
    g.add_argument("--classification", action="store_true",
                   help="binary classification (default: auto-detected, 2 distinct "
                        "target values)")
    g.add_argument("--regression", action="store_true", help="force regression")


def build_parser():
    parser = _Parser(
        prog="mtlreg",
        description="Multi-task regression and classification: compare multi-task "
                    "models against per-task and pooled baselines, fit, predict.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"mtlreg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{compare,fit,predict}",
                                parser_class=_Parser)

    c = sub.add_parser(
        "compare",
        help="tune every model by CV, score on held-out rows of every task",
        description="Tune the multi-task models (lasso, l21, trace, mean) and two "
                    "baselines (independent: one model per task; pooled: one model, "
                    "task ignored) by cross-validation on the training part of every "
                    "task, score them on the held-out part, and report per task and on "
                    "average which wins and where multi-task learning hurts a task. "
                    "Without --data, runs on a built-in synthetic benchmark.",
    )
    _add_data_options(c)
    _add_problem_options(c)
    c.add_argument("--models", type=_names, default=list(ALL_MODELS), metavar="M,M,...",
                   help=f"models to compare, from {','.join(ALL_MODELS)} (default: all)")
    c.add_argument("--cv", type=_n_folds, default=5, metavar="K",
                   help="folds of the per-task K-fold used for tuning (default 5)")
    c.add_argument("--alphas", type=_positive_int, default=20, metavar="N",
                   help="alphas on each model's regularisation path (default 20)")
    c.add_argument("--test-size", type=_fraction, default=0.25, metavar="F",
                   help="fraction of every task's rows held out for testing (default 0.25)")
    c.add_argument("--seed", type=int, default=0, help="seed of the split and folds")
    c.add_argument("--n-jobs", type=_n_jobs, default=1, metavar="N",
                   help="parallel jobs (-1: all cores; default 1)")
    c.add_argument("--metric", choices=("auto", "r2", "accuracy", "auc"), default="auto",
                   help="test score: r2 (regression), accuracy or auc (classification)")
    c.add_argument("--margin", type=_nonneg_float, default=0.01, metavar="D",
                   help="a task is won/lost vs independent when the scores differ by "
                        "more than D (default 0.01)")
    c.add_argument("--per-task", action="store_true",
                   help="print the per-task table even with many tasks")
    c.add_argument("--quick", action="store_true",
                   help="small synthetic data, 10 alphas, 3 folds: a smoke test")
    c.add_argument("--json", action="store_true", help="print JSON results on stdout")
    c.add_argument("--report", metavar="DIR", help="write a report (with plots) to DIR")
    c.add_argument("--report-format", choices=("html", "md"), default="html",
                   help="report as self-contained HTML (default) or Markdown + PNGs")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")

    f = sub.add_parser(
        "fit",
        help="fit one model and save it (joblib)",
        description="Fit one model on a long-format table and save it with joblib. "
                    "With --alpha the model is fitted at that alpha; without, alpha is "
                    "chosen by cross-validation.",
    )
    _add_data_options(f)
    _add_problem_options(f)
    f.add_argument("--model", choices=MTL_MODELS, default="l21", help="regulariser")
    f.add_argument("--alpha", type=_nonneg_float, help="regularisation strength "
                   "(default: chosen by CV)")
    f.add_argument("--l2", type=_nonneg_float, default=0.0, help="ridge strength l2")
    f.add_argument("--cv", type=_n_folds, default=5, metavar="K")
    f.add_argument("--alphas", type=_positive_int, default=20, metavar="N")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--n-jobs", type=_n_jobs, default=1, metavar="N")
    f.add_argument("-o", "--out", required=True, metavar="FILE",
                   help="where to save the model (.joblib)")
    f.add_argument("-q", "--quiet", action="store_true")

    pr = sub.add_parser(
        "predict",
        help="predict new rows of known tasks with a saved model",
        description="Predict the rows of a table (same feature columns and task column "
                    "as in training; target columns, if present, are ignored).",
    )
    pr.add_argument("model_file", metavar="MODEL", help="file written by 'mtlreg fit'")
    pr.add_argument("--data", required=True, metavar="FILE")
    pr.add_argument("-o", "--out", metavar="FILE",
                    help="output CSV (default: stdout): the input columns plus predictions")
    return parser


# ----------------------------------------------------------------------------
# reading tables
# ----------------------------------------------------------------------------
def _missing_mask(values):
    if values.dtype.kind == "f":
        return np.isnan(values)
    return np.array(
        [v is None or v == "" or (isinstance(v, float) and math.isnan(v)) for v in values],
        dtype=bool,
    )


def _read_table(path):
    """Columns of a CSV / Parquet file: {name: float array or object array}."""
    p = Path(path)
    if not p.exists():
        raise CLIError(f"{path}: no such file")
    if p.is_dir():
        raise CLIError(f"{path}: is a directory, expected a CSV or Parquet file")
    suffix = "".join(p.suffixes[-2:]).lower() if p.suffix == ".gz" else p.suffix.lower()
    try:
        import pandas as pd
    except ImportError:
        pd = None
    if suffix in (".parquet", ".pq"):
        if pd is None:
            raise CLIError(f"{path}: reading Parquet needs pandas and pyarrow "
                           "(pip install pandas pyarrow), or convert the file to CSV")
        try:
            frame = pd.read_parquet(p)
        except ImportError as exc:
            raise CLIError(f"{path}: reading Parquet needs pyarrow or fastparquet "
                           f"(pip install pyarrow), or convert the file to CSV ({_first_line(exc)})"
                           ) from None
        except Exception as exc:
            raise CLIError(f"{path}: cannot read as Parquet: {_first_line(exc)}") from None
        return _columns_from_frame(frame, path)
    sep = "\t" if suffix.startswith(".tsv") else ","
    if pd is not None:
        try:
            frame = pd.read_csv(p, sep=sep)
        except Exception as exc:
            raise CLIError(f"{path}: cannot read as CSV: {_first_line(exc)}") from None
        return _columns_from_frame(frame, path)
    return _read_csv_plain(p, sep, path)


def _columns_from_frame(frame, path):
    names = [str(c) for c in frame.columns]
    _check_header(names, path)
    if frame.shape[0] == 0:
        raise CLIError(f"{path}: no data rows")
    columns = {}
    for name, col in zip(names, frame.columns, strict=True):
        s = frame[col]
        if s.dtype.kind in "biuf":
            columns[name] = s.to_numpy(dtype=np.float64)
        else:
            columns[name] = s.to_numpy(dtype=object)
    return columns


def _read_csv_plain(p, sep, path):
    try:
        with open(p, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh, delimiter=sep))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CLIError(f"{path}: cannot read as CSV: {_first_line(exc)}") from None
    rows = [r for r in rows if r]
    if not rows:
        raise CLIError(f"{path}: empty file")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    _check_header(header, path)
    if not body:
        raise CLIError(f"{path}: no data rows")
    for i, r in enumerate(body):
        if len(r) != len(header):
            raise CLIError(f"{path}: data row {i + 1} has {len(r)} fields, the header has "
                           f"{len(header)}")
    columns = {}
    for j, name in enumerate(header):
        raw = [r[j].strip() for r in body]
        try:
            columns[name] = np.array(
                [np.nan if v in ("", "NA", "NaN", "nan", "null") else float(v) for v in raw]
            )
        except ValueError:
            columns[name] = np.array([None if v == "" else v for v in raw], dtype=object)
    return columns


def _check_header(names, path):
    seen = set()
    for name in names:
        if name in seen:
            raise CLIError(f"{path}: duplicate column name {name!r}")
        seen.add(name)


def _first_line(exc):
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


# ----------------------------------------------------------------------------
# from a table to (X, Y)
# ----------------------------------------------------------------------------
class Dataset:
    """X (n, d), Y (n, T) with NaN where a row has no target for a task."""

    def __init__(self, X, Y, task_names, feature_names, classification, classes, source,
                 layout, task_col=None, targets=None, true_coef=None, notes=()):
        self.X, self.Y = X, Y
        self.task_names = list(task_names)
        self.feature_names = list(feature_names)
        self.classification = classification
        self.classes = classes  # original labels [negative, positive] for classification
        self.source = source
        self.layout = layout  # "long" (one task per row) or "shared" (--targets)
        self.task_col = task_col
        self.targets = targets
        self.true_coef = true_coef
        self.notes = list(notes)


def _format_value(v):
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _column(columns, name, path, what):
    if name not in columns:
        shown = ", ".join(list(columns)[:12]) + (", ..." if len(columns) > 12 else "")
        raise CLIError(f"{what} column {name!r} not found in {path} (columns: {shown})")
    return columns[name]


def _feature_matrix(columns, names, path):
    X = np.empty((len(next(iter(columns.values()))), len(names)))
    for j, name in enumerate(names):
        col = _column(columns, name, path, "feature")
        if col.dtype.kind != "f":
            miss = _missing_mask(col)
            bad = next(
                (v for v, m in zip(col, miss, strict=True) if not m and not _is_number(v)),
                None,
            )
            if bad is not None:
                raise CLIError(
                    f"feature column {name!r} is not numeric (value {str(bad)[:30]!r}); "
                    f"encode it or leave it out with --drop {name}"
                )
            col = np.array([np.nan if m else float(v) for v, m in zip(col, miss, strict=True)])
        n_missing = int(np.isnan(col).sum())
        if n_missing:
            row = int(np.flatnonzero(np.isnan(col))[0]) + 1
            raise CLIError(f"feature column {name!r} has {n_missing} missing value(s) "
                           f"(first on data row {row}); impute them or drop the column")
        if not np.all(np.isfinite(col)):
            raise CLIError(f"feature column {name!r} contains infinite values")
        X[:, j] = col
    return X


def _is_number(v):
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _sort_tasks(names):
    try:
        return sorted(names, key=lambda s: (0, float(s), s))
    except ValueError:
        return sorted(names)


def _encode_target(values, name, classification):
    """Target column -> (float values with NaN, is_classification, classes)."""
    miss = _missing_mask(values)
    present = values[~miss]
    numeric = values.dtype.kind == "f" or all(_is_number(v) for v in present)
    if numeric and values.dtype.kind != "f":
        values = np.array([np.nan if m else float(v) for v, m in zip(values, miss, strict=True)])
    if numeric:
        present = values[~miss]
        if not np.all(np.isfinite(present)):
            raise CLIError(f"target column {name!r} contains infinite values")
        uniq = np.unique(present)
    else:
        uniq = np.array(sorted({str(v) for v in present}), dtype=object)
    if len(uniq) == 0:
        raise CLIError(f"target column {name!r} has no values")
    if len(uniq) == 1:
        raise CLIError(f"target column {name!r} is constant (every value is "
                       f"{_format_value(uniq[0])}): there is nothing to predict")
    if classification is None:
        classification = len(uniq) == 2
        if not numeric and not classification:
            raise CLIError(f"target column {name!r} is not numeric and has {len(uniq)} "
                           "distinct values; regression needs numbers, classification "
                           "exactly 2 labels")
    if not classification:
        if not numeric:
            raise CLIError(f"target column {name!r} is not numeric; regression needs numbers")
        return values.astype(np.float64), False, None
    if len(uniq) != 2:
        raise CLIError(f"target column {name!r} has {len(uniq)} distinct values; "
                       "classification needs exactly 2 labels")
    out = np.full(len(values), np.nan)
    if numeric:
        out[~miss] = (values[~miss] == uniq[1]).astype(np.float64)
        classes = [_format_value(u) for u in uniq]
    else:
        out[~miss] = np.array([str(v) == uniq[1] for v in values[~miss]], dtype=np.float64)
        classes = [str(u) for u in uniq]
    return out, True, classes


def _problem_flag(args):
    if getattr(args, "classification", False):
        return True
    if getattr(args, "regression", False):
        return False
    return None


def load_dataset(args):
    """Read ``args.data`` into a :class:`Dataset` (long or shared-target format)."""
    path = args.data
    columns = _read_table(path)
    if args.targets:
        if args.task_col or args.target:
            raise CLIError("--targets (one task per target column on a shared design) "
                           "cannot be combined with --task-col/--target")
        layout, target_names = "shared", list(args.targets)
    else:
        if not args.task_col or not args.target:
            missing = "--task-col" if not args.task_col else "--target"
            raise CLIError(f"{missing} is required with --data (or use --targets A,B for "
                           "several targets on a shared design)")
        layout, target_names = "long", [args.target]
    used = set(target_names) | ({args.task_col} if args.task_col else set())
    for name in args.drop:
        _column(columns, name, path, "--drop")
    if args.features:
        feature_names = list(args.features)
        overlap = used & set(feature_names)
        if overlap:
            raise CLIError(f"column {sorted(overlap)[0]!r} is both a feature and the "
                           "task or target column")
    else:
        feature_names = [c for c in columns if c not in used and c not in set(args.drop)]
    for name in target_names:
        _column(columns, name, path, "target")
    if args.task_col:
        _column(columns, args.task_col, path, "task")
    if not feature_names:
        raise CLIError(f"{path}: no feature column left (besides the task and target)")

    flag = _problem_flag(args)
    notes = []
    if layout == "long":
        y, classification, classes = _encode_target(columns[args.target], args.target, flag)
        task_raw = columns[args.task_col]
        task_missing = _missing_mask(task_raw)
        if task_missing.any():
            raise CLIError(f"task column {args.task_col!r} has {int(task_missing.sum())} "
                           "empty value(s)")
        keep = ~np.isnan(y)
        if not keep.all():
            notes.append(f"dropped {int((~keep).sum())} row(s) without a value of "
                         f"{args.target!r}")
        X = _feature_matrix(columns, feature_names, path)[keep]
        tasks = np.array([_format_value(v) for v in task_raw[keep]], dtype=object)
        task_names = _sort_tasks(set(tasks))
        index = {t: i for i, t in enumerate(task_names)}
        cols = np.array([index[t] for t in tasks], dtype=np.intp)
        Y = np.full((len(tasks), len(task_names)), np.nan)
        Y[np.arange(len(tasks)), cols] = y[keep]
    else:
        enc = [_encode_target(columns[t], t, flag) for t in target_names]
        kinds = {e[1] for e in enc}
        if len(kinds) > 1:
            raise CLIError("--targets mixes binary and continuous columns; pass "
                           "--classification or --regression")
        classification = kinds.pop()
        classes = enc[0][2]
        Y = np.column_stack([e[0] for e in enc])
        keep = ~np.isnan(Y).all(axis=1)
        if not keep.all():
            notes.append(f"dropped {int((~keep).sum())} row(s) without any target value")
        X = _feature_matrix(columns, feature_names, path)[keep]
        Y = Y[keep]
        task_names = target_names
    data = Dataset(X, Y, task_names, feature_names, classification, classes, str(path),
                   layout, task_col=args.task_col, targets=target_names, notes=notes)
    _check_tasks(data)
    return data


def _check_tasks(data, min_rows=2):
    """Each task: enough rows, a non-constant target (both classes)."""
    target = data.targets[0] if data.layout == "long" else None
    for t, name in enumerate(data.task_names):
        y = data.Y[~np.isnan(data.Y[:, t]), t]
        what = f"task {name!r}" if data.layout == "long" else f"target {name!r}"
        if len(y) < min_rows:
            raise CLIError(f"{what} has {len(y)} row(s); every task needs at least "
                           f"{min_rows} (drop or merge small tasks)")
        if np.ptp(y) == 0:
            of = f" of target {target!r}" if target else ""
            if data.classification:
                raise CLIError(f"{what} has only one class ({data.classes[int(y[0])]}){of}; "
                               "every task needs both labels (drop the task)")
            raise CLIError(f"{what}: the target{of} is constant (every value is "
                           f"{_format_value(y[0])}); drop the task")


def synthetic_dataset(classification=False, quick=False, seed=0):
    """Built-in benchmark: shared sparse structure, low-rank variation, outlier tasks.

    ``n_informative`` of the features matter to every ordinary task; on them the
    coefficients are a common vector plus a rank-2 deviation, so Lasso, L2,1, trace
    norm and mean regularisation all have something to exploit. The last few tasks
    are outliers with their own random support: the multi-task models may hurt them
    (negative transfer). Tasks have between 15 and 60 rows.
    """
    rng = np.random.default_rng(seed + 12345)
    noise_scale = 0.8
    if quick:
        n_tasks, n_out, d, n_inf, sizes = 6, 1, 12, 4, rng.integers(16, 30, 6)
    else:
        n_tasks, n_out, d, n_inf, sizes = 20, 3, 50, 5, rng.integers(20, 61, 20)
    n_reg = n_tasks - n_out
    W = np.zeros((d, n_tasks))
    support = rng.choice(d, n_inf, replace=False)
    common = rng.choice([-1.0, 1.0], n_inf) * rng.uniform(1.0, 2.0, n_inf)
    U, V = rng.normal(size=(n_inf, 2)), rng.normal(size=(n_reg, 2))
    W[support, :n_reg] = common[:, None] + 0.5 * (U @ V.T) / np.sqrt(2)
    for t in range(n_reg, n_tasks):
        own = rng.choice(d, n_inf, replace=False)
        W[own, t] = rng.normal(0.0, 1.5, n_inf)
    bias = rng.normal(0.0, 1.0, n_tasks)
    task_of_row = np.repeat(np.arange(n_tasks), sizes)
    X = rng.normal(size=(len(task_of_row), d))
    z = np.einsum("ij,ji->i", X, W[:, task_of_row]) + bias[task_of_row]
    if classification:
        p = 1.0 / (1.0 + np.exp(-2.0 * z))
        y = (rng.random(len(z)) < p).astype(np.float64)
    else:
        y = z + rng.normal(0.0, 1.5 * noise_scale, len(z))
    Y = np.full((len(y), n_tasks), np.nan)
    Y[np.arange(len(y)), task_of_row] = y
    names = [f"task{t:02d}" for t in range(n_tasks)]
    outliers = names[n_reg:]
    source = (f"synthetic ({n_tasks} tasks of 20-60 rows, {d} features; {n_inf} features "
              f"shared by {n_reg} tasks, outlier tasks with their own support: "
              f"{', '.join(outliers)})")
    data = Dataset(X, Y, names, [f"x{j}" for j in range(d)], classification,
                   ["0", "1"] if classification else None, source, "long",
                   task_col="task", targets=["y"], true_coef=W.T.copy())
    data.outliers = outliers
    for t in range(n_tasks):  # both classes in every task (flip the nearest label)
        rows = np.flatnonzero(task_of_row == t)
        if classification and np.ptp(Y[rows, t]) == 0:
            Y[rows[np.argmin(np.abs(z[rows]))], t] = 1.0 - Y[rows[0], t]
    return data


# ----------------------------------------------------------------------------
# splitting
# ----------------------------------------------------------------------------
def split_within_tasks(data, test_size, cv, seed):
    """Train/test rows: every task's rows (and classes) are shuffled and split."""
    Y = data.Y
    obs = ~np.isnan(Y)
    n_obs = obs.sum(axis=0)
    min_test = 1 if data.classification else 2
    need = cv + min_test
    small = np.flatnonzero(n_obs < need)
    if small.size:
        t = small[np.argmin(n_obs[small])]
        what = "task" if data.layout == "long" else "target"
        more = f" ({small.size - 1} more such tasks)" if small.size > 1 else ""
        raise CLIError(
            f"{what} {data.task_names[t]!r} has {n_obs[t]} row(s){more}; with --cv {cv} "
            f"every task needs at least {need} ({cv} to cross-validate, {min_test} to "
            "test): drop or merge small tasks, or lower --cv"
        )
    rng = np.random.default_rng(seed)
    first = np.argmax(obs, axis=1)
    key = first * 2
    if data.classification:
        key = key + (Y[np.arange(len(Y)), first] > 0.5)
    test = np.zeros(len(Y), dtype=bool)
    for g in np.unique(key):
        rows = rng.permutation(np.flatnonzero(key == g))
        n = len(rows)
        n_test = int(round(test_size * n))
        lo = 1 if data.classification else min_test
        hi = n - (1 if data.classification else cv)
        n_test = max(min(max(n_test, lo), hi), 0)
        test[rows[:n_test]] = True
    train_idx, test_idx = np.flatnonzero(~test), np.flatnonzero(test)
    n_train = obs[train_idx].sum(axis=0)
    n_test = obs[test_idx].sum(axis=0)
    for t, name in enumerate(data.task_names):
        if n_train[t] < cv or n_test[t] < min_test:
            raise CLIError(f"task {name!r} gets {n_train[t]} training and {n_test[t]} test "
                           f"row(s) with --test-size {test_size}; it needs >= {cv} and >= "
                           f"{min_test}: change --test-size or lower --cv")
        if data.classification:
            for part, idx in (("training", train_idx), ("test", test_idx)):
                y = Y[idx, t]
                y = y[~np.isnan(y)]
                if part == "training" and np.ptp(y) == 0:
                    raise CLIError(f"task {name!r} has only one class in its {part} part; "
                                   "every task needs at least 2 rows of each label")
    return train_idx, test_idx


# ----------------------------------------------------------------------------
# fitting one model (one joblib job)
# ----------------------------------------------------------------------------
def _cv_class(name, classification):
    from .model_selection import (
        L21ClassifierCV,
        L21RegressorCV,
        LassoClassifierCV,
        LassoRegressorCV,
        MeanRegularizedClassifierCV,
        MeanRegularizedRegressorCV,
        TraceNormClassifierCV,
        TraceNormRegressorCV,
    )

    table = {
        "lasso": (LassoRegressorCV, LassoClassifierCV),
        "l21": (L21RegressorCV, L21ClassifierCV),
        "trace": (TraceNormRegressorCV, TraceNormClassifierCV),
        "mean": (MeanRegularizedRegressorCV, MeanRegularizedClassifierCV),
    }
    return table[name][int(classification)]


def _splitter(kind, cv, seed, classification):
    from sklearn.model_selection import KFold, StratifiedKFold

    from .model_selection import TaskKFold

    if kind == "multi":
        return TaskKFold(cv, shuffle=True, random_state=seed)
    if classification:
        return StratifiedKFold(cv, shuffle=True, random_state=seed)
    return KFold(cv, shuffle=True, random_state=seed)


def _outputs(est, X, classification):
    """Predictions used for scoring: labels (0/1) and decision values, or values."""
    if classification:
        D = np.asarray(est.decision_function(X), dtype=np.float64)
        return (D > 0).astype(np.float64), D
    P = np.asarray(est.predict(X), dtype=np.float64)
    return P, P


def _curve(est):
    path = np.asarray(est.score_path_)
    return {
        "alphas": np.asarray(est.alphas_, dtype=np.float64),
        "mean": path.mean(axis=1),
        "std": path.std(axis=1),
        "alpha": float(est.alpha_),
    }


def _run_job(job, X_train, Y_train, X_test, classification, n_alphas, cv, seed):
    """Fit one job: a multi-task model, the pooled model or one task's own model."""
    from sklearn.exceptions import ConvergenceWarning

    # logistic paths: stop at alpha_max / 100, before (near) separable data makes the
    # weakest penalties slow and meaningless
    eps = 1e-2 if classification else 1e-3

    kind, name, t = job
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kind == "multi":
            est = _cv_class(name, classification)(
                alphas=n_alphas, eps=eps, cv=_splitter("multi", cv, seed, classification))
            est.fit(X_train, Y_train)
            coef = np.asarray(est.coef_)
        elif kind == "pooled":
            rows, tasks = np.nonzero(~np.isnan(Y_train))
            est = _cv_class("lasso", classification)(
                alphas=n_alphas, eps=eps, cv=_splitter("single", cv, seed, classification))
            est.fit(X_train[rows], Y_train[rows, tasks])
            coef = np.tile(np.asarray(est.coef_).ravel(), (Y_train.shape[1], 1))
        else:  # one task alone
            rows = np.flatnonzero(~np.isnan(Y_train[:, t]))
            est = _cv_class("lasso", classification)(
                alphas=n_alphas, eps=eps, cv=_splitter("single", cv, seed, classification))
            est.fit(X_train[rows], Y_train[rows, t])
            coef = np.asarray(est.coef_).ravel()
        pred, score = _outputs(est, X_test, classification)
    n_warn = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return {
        "pred": pred,
        "decision": score,
        "coef": coef,
        "alpha": float(est.alpha_),
        "l2": float(getattr(est, "l2_", 0.0)),
        "cv_score": float(np.max(np.asarray(est.score_path_).mean(axis=1))),
        "curve": _curve(est),
        "time": time.perf_counter() - start,
        "warnings": n_warn,
    }


# ----------------------------------------------------------------------------
# compare
# ----------------------------------------------------------------------------
class _Status:
    """Progress on stderr: a live line on a terminal, one line per step otherwise."""

    def __init__(self, enabled, stream=None):
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.live = enabled and getattr(self.stream, "isatty", lambda: False)()
        self.start = time.perf_counter()

    def note(self, text):
        if self.enabled:
            self._clear()
            self.stream.write(f"mtlreg: {text}\n")
            self.stream.flush()

    def live_line(self, text):
        if self.live:
            self.stream.write("\r\033[K" + text)
            self.stream.flush()

    def done_line(self, text):
        if self.enabled:
            self._clear()
            self.stream.write(text + "\n")
            self.stream.flush()

    def _clear(self):
        if self.live:
            self.stream.write("\r\033[K")

    def elapsed(self):
        return time.perf_counter() - self.start


def _score_tasks(metric, Y_test, pred, decision):
    from . import metrics

    if metric == "r2":
        return metrics.r2_score(Y_test, pred, multitask="raw_values")
    if metric == "accuracy":
        return metrics.accuracy_score(Y_test, pred, multitask="raw_values")
    return metrics.roc_auc_score(Y_test, decision, multitask="raw_values")


def _check_models(models):
    unknown = [m for m in models if m not in ALL_MODELS]
    if unknown:
        raise CLIError(f"unknown model {unknown[0]!r} in --models; choose from "
                       f"{', '.join(ALL_MODELS)}")
    return list(dict.fromkeys(models))


def run_compare(data, *, models, cv, n_alphas, test_size, seed, n_jobs, metric, margin,
                status):
    """Tune and score every model; returns the result dict used by every output."""
    from joblib import Parallel, delayed

    models = _check_models(models)
    if metric == "auto":
        metric = "accuracy" if data.classification else "r2"
    if data.classification and metric == "r2":
        raise CLIError("--metric r2 is for regression; use accuracy or auc")
    if not data.classification and metric != "r2":
        raise CLIError(f"--metric {metric} is for classification; use r2")
    train_idx, test_idx = split_within_tasks(data, test_size, cv, seed)
    X_train, Y_train = data.X[train_idx], data.Y[train_idx]
    X_test, Y_test = data.X[test_idx], data.Y[test_idx]
    T = len(data.task_names)
    # centre and scale the features on the training rows (coefficients comparable)
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
    sd[sd == 0] = 1.0
    X_train, X_test = (X_train - mu) / sd, (X_test - mu) / sd

    jobs = []
    for m in models:
        if m in MTL_MODELS:
            jobs.append(("multi", m, None))
        elif m == "pooled":
            jobs.append(("pooled", m, None))
        else:
            jobs.extend(("task", "independent", t) for t in range(T))
    status.note(f"{data.source}: {len(data.Y)} rows, {T} tasks, {data.X.shape[1]} features, "
                f"{'classification' if data.classification else 'regression'}; tuning "
                f"{len(models)} models ({n_alphas} alphas x {cv} folds), "
                f"{len(test_idx)} rows held out")
    outputs = {}
    failures = {}
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_safe_job)(job, X_train, Y_train, X_test, data.classification, n_alphas,
                           cv, seed)
        for job in jobs
    )
    n_task_jobs = sum(j[0] == "task" for j in jobs)
    done_tasks = 0
    for k, (job, out) in enumerate(zip(jobs, results, strict=True)):
        kind, name, t = job
        elapsed = status.elapsed()
        if kind == "task":
            done_tasks += 1
            if isinstance(out, str):
                failures.setdefault(name, f"task {data.task_names[t]!r}: {out}")
            outputs.setdefault(name, []).append(out)
            status.live_line(f"[{k + 1}/{len(jobs)}] independent: task {done_tasks}/"
                             f"{n_task_jobs} {elapsed:6.1f}s")
            if done_tasks == n_task_jobs:
                status.done_line(f"  {'independent':<12} tuned on {T} tasks   "
                                 f"{elapsed:6.1f}s")
            continue
        if isinstance(out, str):
            failures[name] = out
            status.done_line(f"  {name:<12} FAILED: {out}")
        else:
            outputs[name] = out
            status.done_line(f"  {name:<12} alpha={out['alpha']:<10.4g} CV "
                             f"{out['cv_score']:.3f}   {elapsed:6.1f}s")

    rows = []
    for m in models:
        entry = {"name": m, "kind": "multi-task" if m in MTL_MODELS else "baseline",
                 "description": DESCRIPTIONS[m], "error": failures.get(m)}
        out = outputs.get(m)
        if entry["error"] is None:
            if m == "independent":
                pred = np.column_stack([o["pred"] for o in out])
                dec = np.column_stack([o["decision"] for o in out])
                entry.update(
                    coef=np.vstack([o["coef"] for o in out]),
                    alpha=[o["alpha"] for o in out],
                    cv_score=float(np.mean([o["cv_score"] for o in out])),
                    curve=[o["curve"] for o in out],
                    time=float(sum(o["time"] for o in out)),
                    warnings=int(sum(o["warnings"] for o in out)),
                )
            else:
                pred, dec = out["pred"], out["decision"]
                if pred.ndim == 1:
                    pred = np.tile(pred[:, None], (1, T))
                    dec = np.tile(dec[:, None], (1, T))
                entry.update({k: out[k] for k in ("coef", "alpha", "l2", "cv_score", "curve",
                                                  "time", "warnings")})
            scores = np.asarray(_score_tasks(metric, Y_test, pred, dec), dtype=np.float64)
            entry.update(per_task=scores, mean=float(np.mean(scores)),
                         std=float(np.std(scores)))
        rows.append(entry)

    by_name = {r["name"]: r for r in rows}
    ref = by_name.get("independent")
    ref_ok = ref is not None and ref["error"] is None
    for r in rows:
        if r["error"] is not None or r["name"] == "independent" or not ref_ok:
            continue
        diff = r["per_task"] - ref["per_task"]
        r["diff"] = diff
        r["wins"] = int((diff > margin).sum())
        r["losses"] = int((diff < -margin).sum())
        r["ties"] = T - r["wins"] - r["losses"]
        order = np.argsort(diff)
        r["negative_transfer"] = [data.task_names[i] for i in order if diff[i] < -margin]
    ok = [r for r in rows if r["error"] is None]
    if not ok:
        raise CLIError("every model failed: " + "; ".join(f"{k}: {v}" for k, v in
                                                          failures.items()))
    best = max(ok, key=lambda r: r["mean"])
    ok_mtl = [r for r in ok if r["kind"] == "multi-task"]
    best_mtl = max(ok_mtl, key=lambda r: r["mean"]) if ok_mtl else None
    obs_train = ~np.isnan(Y_train)
    obs_test = ~np.isnan(Y_test)
    per_task = []
    for t, name in enumerate(data.task_names):
        scores = {r["name"]: float(r["per_task"][t]) for r in ok}
        entry = {"task": name, "n_train": int(obs_train[:, t].sum()),
                 "n_test": int(obs_test[:, t].sum()), "scores": scores,
                 "best": max(scores, key=scores.get)}
        if best_mtl is not None and ref_ok:
            entry["mtl_vs_independent"] = float(best_mtl["diff"][t])
            entry["negative_transfer"] = bool(best_mtl["diff"][t] < -margin)
        per_task.append(entry)
    return {
        "data": {
            "source": data.source,
            "layout": data.layout,
            "task_col": data.task_col,
            "targets": data.targets,
            "n_rows": int(len(data.Y)),
            "n_train": int(len(train_idx)),
            "n_test": int(len(test_idx)),
            "n_tasks": T,
            "n_features": int(data.X.shape[1]),
            "notes": data.notes,
        },
        "problem": "classification" if data.classification else "regression",
        "metric": metric,
        "settings": {"models": models, "cv": cv, "alphas": n_alphas,
                     "test_size": test_size, "seed": seed, "n_jobs": n_jobs,
                     "margin": margin},
        "models": rows,
        "tasks": per_task,
        "best": best["name"],
        "best_multitask": best_mtl["name"] if best_mtl else None,
        "feature_names": data.feature_names,
        "task_names": data.task_names,
        "true_coef": data.true_coef,
        "outlier_tasks": getattr(data, "outliers", []),
    }


def _safe_job(*args):
    try:
        return _run_job(*args)
    except Exception as exc:  # one model failing must not sink the comparison
        return _first_line(exc)


def cmd_compare(args):
    from . import _report

    quick = args.quick
    n_alphas, cv = args.alphas, args.cv
    if quick:
        n_alphas = min(n_alphas, 10)
        cv = min(cv, 3)
    if args.data is None:
        if args.task_col or args.target or args.targets or args.features:
            raise CLIError("--task-col/--target/--targets/--features need --data FILE")
        data = synthetic_dataset(classification=bool(args.classification), quick=quick,
                                 seed=args.seed)
    else:
        data = load_dataset(args)
    status = _Status(enabled=not args.quiet)
    for note in data.notes:
        status.note(note)
    start = time.perf_counter()
    result = run_compare(
        data, models=args.models, cv=cv, n_alphas=n_alphas, test_size=args.test_size,
        seed=args.seed, n_jobs=args.n_jobs, metric=args.metric, margin=args.margin,
        status=status,
    )
    result["elapsed"] = time.perf_counter() - start
    if args.report:
        path = _report.write_report(result, args.report, args.report_format)
        status.note(f"report written to {path}")
    if args.json:
        sys.stdout.write(_report.to_json(result) + "\n")
    else:
        sys.stdout.write(_report.format_table(result, per_task=args.per_task,
                                              stream=sys.stdout))
    sys.stdout.flush()
    return 0


# ----------------------------------------------------------------------------
# fit / predict
# ----------------------------------------------------------------------------
def cmd_fit(args):
    import joblib

    if args.data is None:
        raise CLIError("--data FILE is required")
    data = load_dataset(args)
    status = _Status(enabled=not args.quiet)
    for note in data.notes:
        status.note(note)
    classification = data.classification
    start = time.perf_counter()
    if args.alpha is None:
        if args.cv > 1:
            n_obs = (~np.isnan(data.Y)).sum(axis=0)
            t = int(np.argmin(n_obs))
            if n_obs[t] < args.cv:
                raise CLIError(f"task {data.task_names[t]!r} has {n_obs[t]} rows, fewer "
                               f"than --cv {args.cv}: lower --cv or give --alpha")
        est = _cv_class(args.model, classification)(
            alphas=args.alphas, l2s=[args.l2] if args.l2 else None,
            cv=_splitter("multi", args.cv, args.seed, classification), n_jobs=args.n_jobs)
    else:
        est = _cv_class(args.model, classification)._estimator_class(
            alpha=args.alpha, l2=args.l2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(data.X, data.Y)
        except ValueError as exc:
            raise CLIError(f"fitting failed: {_first_line(exc)}") from None
    n_warn = len([w for w in caught if "Converge" in w.category.__name__])
    model = est
    alpha = float(getattr(est, "alpha_", args.alpha))
    bundle = {
        "format": "mtlreg-cli-model/1",
        "model": model,
        "model_name": args.model,
        "task_names": data.task_names,
        "feature_names": data.feature_names,
        "task_col": data.task_col,
        "targets": data.targets,
        "layout": data.layout,
        "classification": classification,
        "classes": data.classes,
    }
    out = Path(args.out)
    try:
        if out.parent and not out.parent.exists():
            out.parent.mkdir(parents=True)
        joblib.dump(bundle, out)
    except OSError as exc:
        raise CLIError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    train = model.score(data.X, data.Y)
    what = "accuracy" if classification else "R^2"
    msg = (f"fitted {args.model} ({type(model).__name__}, alpha={alpha:.4g}"
           f"{', chosen by CV' if args.alpha is None else ''}) on {len(data.Y)} rows, "
           f"{len(data.task_names)} tasks, {len(data.feature_names)} features in "
           f"{time.perf_counter() - start:.1f}s; mean training {what} {train:.3f}; "
           f"saved to {args.out}")
    if n_warn:
        msg += f" ({n_warn} convergence warning(s): raise --alpha or check scaling)"
    sys.stdout.write(msg + "\n")
    return 0


def _load_bundle(path):
    import joblib

    p = Path(path)
    if not p.exists():
        raise CLIError(f"{path}: no such file")
    try:
        bundle = joblib.load(p)
    except Exception as exc:
        raise CLIError(f"{path}: not a model saved by 'mtlreg fit' ({_first_line(exc)})"
                       ) from None
    if not isinstance(bundle, dict) or bundle.get("format") != "mtlreg-cli-model/1":
        raise CLIError(f"{path}: not a model saved by 'mtlreg fit'")
    return bundle


def cmd_predict(args):
    bundle = _load_bundle(args.model_file)
    columns = _read_table(args.data)
    X = _feature_matrix(columns, bundle["feature_names"], args.data)
    model = bundle["model"]
    classification = bundle["classification"]
    n = X.shape[0]
    out_cols = {}
    if classification:
        D = np.asarray(model.decision_function(X)).reshape(n, -1)
        P = 1.0 / (1.0 + np.exp(-D))
    else:
        P = np.asarray(model.predict(X), dtype=np.float64).reshape(n, -1)
    if bundle["layout"] == "long":
        task_col = bundle["task_col"]
        raw = _column(columns, task_col, args.data, "task")
        miss = _missing_mask(raw)
        if miss.any():
            raise CLIError(f"task column {task_col!r} has {int(miss.sum())} empty value(s)")
        tasks = [_format_value(v) for v in raw]
        index = {t: i for i, t in enumerate(bundle["task_names"])}
        unknown = sorted({t for t in tasks if t not in index})
        if unknown:
            raise CLIError(f"unknown task(s) {', '.join(map(repr, unknown[:5]))} in column "
                           f"{task_col!r}: the model knows {len(index)} tasks")
        cols = np.array([index[t] for t in tasks], dtype=np.intp)
        own = P[np.arange(n), cols]
        _add_prediction(out_cols, "prediction", own, classification, bundle["classes"])
    else:
        for t, name in enumerate(bundle["task_names"]):
            _add_prediction(out_cols, f"prediction_{name}", P[:, t], classification,
                            bundle["classes"])
    _write_csv(columns, out_cols, args.out)
    return 0


def _add_prediction(out_cols, name, values, classification, classes):
    if classification:
        out_cols[name] = [classes[int(p > 0.5)] for p in values]
        out_cols[name.replace("prediction", "probability")] = [f"{p:.6g}" for p in values]
    else:
        out_cols[name] = [f"{v:.10g}" for v in values]


def _write_csv(columns, extra, out):
    names = list(columns) + [c for c in extra if c not in columns]
    n = len(next(iter(columns.values())))

    def cell(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return _format_value(v) if isinstance(v, float | np.floating) else str(v)

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for i in range(n):
        writer.writerow([extra[c][i] if c in extra else cell(columns[c][i]) for c in names])
    text = buf.getvalue()
    if out is None:
        sys.stdout.write(text)
        return
    try:
        Path(out).write_text(text)
    except OSError as exc:
        raise CLIError(f"cannot write {out}: {exc.strerror or exc}") from None


# ----------------------------------------------------------------------------
# entry point
# ----------------------------------------------------------------------------
COMMANDS = {"compare": cmd_compare, "fit": cmd_fit, "predict": cmd_predict}


def main(argv=None):
    """Run the ``mtlreg`` command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        return COMMANDS[args.command](args)
    except CLIError as exc:
        _error(str(exc))
        return 2
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else 0
    except MemoryError:
        _error("out of memory")
        return 1
    except Exception as exc:  # an unexpected failure: still one line, no traceback
        _error(f"{type(exc).__name__}: {_first_line(exc)} (unexpected; please report)")
        return 1


def _error(message):
    sys.stdout.flush()
    sys.stderr.write(f"mtlreg: error: {' '.join(message.split())}\n")
    sys.stderr.flush()
