"""The ``mtlreg`` command line: compare, --json, --report, CSV input, fit/predict, errors."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from mtlreg.cli import main, synthetic_dataset


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """The quick synthetic problem as a long CSV: school, x0..x11, score, id."""
    data = synthetic_dataset(quick=True)
    task = np.argmax(~np.isnan(data.Y), axis=1)
    y = data.Y[np.arange(len(task)), task]
    header = ["school", *data.feature_names, "score", "id"]
    rows = [[f"s{task[i]}", *np.round(data.X[i], 6), round(y[i], 6), f"r{i}"]
            for i in range(len(task))]
    path = tmp_path_factory.mktemp("cli") / "train.csv"
    write_csv(path, header, rows)
    return path, header, rows


LONG = ["--task-col", "school", "--target", "score", "--drop", "id"]


def test_compare_builtin_prints_table(capsys):
    code, out, err = run(["compare", "--quick"], capsys)
    assert code == 0
    for name in ("lasso", "l21", "trace", "mean", "independent", "pooled"):
        assert name in out
    assert "vs independent W/T/L" in out
    assert "Best on average" in out
    assert "task00" in out  # per-task table for few tasks
    assert "Traceback" not in err
    assert "independent" in err  # progress lines on stderr


def test_compare_json_has_per_task_entries(capsys):
    code, out, _ = run(["compare", "--quick", "--json", "-q",
                        "--models", "l21,independent,pooled"], capsys)
    assert code == 0
    res = json.loads(out)
    assert res["problem"] == "regression" and res["metric"] == "r2"
    names = [t["task"] for t in res["tasks"]]
    assert len(names) == res["data"]["n_tasks"] == 6
    for t in res["tasks"]:
        assert set(t["scores"]) == {"l21", "independent", "pooled"}
        assert t["n_train"] >= 3 and t["n_test"] >= 2
        assert isinstance(t["negative_transfer"], bool)
    by = {m["name"]: m for m in res["models"]}
    assert set(by["l21"]["per_task"]) == set(names)
    l21 = by["l21"]
    assert l21["wins"] + l21["ties"] + l21["losses"] == 6
    assert np.isclose(l21["mean"], np.mean(list(l21["per_task"].values())))
    assert len(by["independent"]["cv_curve"]) == 6  # one curve per task
    assert res["best"] in by


def test_compare_csv_and_report(table, tmp_path, capsys):
    path, _, _ = table
    report = tmp_path / "rep"
    code, out, _ = run(["compare", "--data", str(path), *LONG, "--quick", "-q",
                        "--models", "l21,trace,independent", "--report", str(report),
                        "--report-format", "md"], capsys)
    assert code == 0
    assert "s0" in out and "s5" in out and "trace" in out
    text = (report / "report.md").read_text()
    assert "Per-task scores" in text and "| s3 |" in text
    assert json.loads((report / "results.json").read_text())["data"]["n_tasks"] == 6
    pytest.importorskip("matplotlib")
    for name in ("coef", "singular", "scores", "cv"):
        assert (report / f"{name}.png").stat().st_size > 1000


def test_compare_classification_html_report(table, tmp_path, capsys):
    path, header, rows = table
    i = header.index("score")
    labelled = [r[:i] + ["yes" if float(r[i]) > 0 else "no"] + r[i + 1:] for r in rows]
    cls_path = tmp_path / "cls.csv"
    write_csv(cls_path, header, labelled)
    code, out, _ = run(["compare", "--data", str(cls_path), *LONG, "--quick", "-q",
                        "--models", "l21,independent", "--json", "--metric", "auc",
                        "--report", str(tmp_path / "r")], capsys)
    assert code == 0
    res = json.loads(out)
    assert res["problem"] == "classification" and res["metric"] == "auc"
    html = (tmp_path / "r" / "report.html").read_text()
    assert html.startswith("<!doctype html>") and "Per-task scores" in html


def test_shared_targets(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    Y = X @ rng.normal(size=(4, 3)) + 0.1 * rng.normal(size=(60, 3))
    path = tmp_path / "wide.csv"
    write_csv(path, ["a", "b", "c", "d", "y1", "y2", "y3"], np.hstack([X, Y]).tolist())
    code, out, _ = run(["compare", "--data", str(path), "--targets", "y1,y2,y3", "--quick",
                        "-q", "--json", "--models", "l21,independent"], capsys)
    assert code == 0
    res = json.loads(out)
    assert [t["task"] for t in res["tasks"]] == ["y1", "y2", "y3"]
    assert res["models"][0]["mean"] > 0.9


def test_fit_predict_round_trip(table, tmp_path, capsys):
    path, _, rows = table
    model = tmp_path / "m.joblib"
    code, out, _ = run(["fit", "--data", str(path), *LONG, "--model", "l21", "--cv", "3",
                        "-o", str(model)], capsys)
    assert code == 0 and model.exists() and "chosen by CV" in out
    pred_path = tmp_path / "pred.csv"
    code, _, _ = run(["predict", str(model), "--data", str(path), "-o", str(pred_path)],
                     capsys)
    assert code == 0
    with open(pred_path, newline="") as fh:
        got = list(csv.DictReader(fh))
    assert len(got) == len(rows)
    y = np.array([float(r["score"]) for r in got])
    p = np.array([float(r["prediction"]) for r in got])
    assert 1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2) > 0.5
    assert got[0]["id"] == "r0"
    # fixed alpha, predictions on stdout
    code, _, _ = run(["fit", "--data", str(path), *LONG, "--model", "trace", "--alpha",
                      "0.1", "-o", str(model)], capsys)
    assert code == 0
    code, out, _ = run(["predict", str(model), "--data", str(path)], capsys)
    assert code == 0 and out.splitlines()[0].endswith(",prediction")


def _bad_inputs(table, tmp_path):
    path, header, rows = table
    i = header.index("score")
    one_row = tmp_path / "one.csv"
    write_csv(one_row, header, rows + [["lonely"] + rows[0][1:]])
    const = tmp_path / "const.csv"
    write_csv(const, header, [r[:i] + [3.0] + r[i + 1:] for r in rows])
    unknown_task = tmp_path / "unknown.csv"
    write_csv(unknown_task, header, [["s99"] + rows[0][1:]])
    not_a_model = tmp_path / "junk.joblib"
    not_a_model.write_text("junk")
    p = str(path)
    return {
        "missing file": ["compare", "--data", str(tmp_path / "nope.csv"), *LONG],
        "unknown column": ["compare", "--data", p, "--task-col", "skool", "--target",
                           "score"],
        "one-row task": ["compare", "--data", str(one_row), *LONG],
        "non-numeric feature": ["compare", "--data", p, "--task-col", "school",
                                "--target", "score"],
        "constant target": ["compare", "--data", str(const), *LONG],
        "unknown model": ["compare", "--models", "l21,foo"],
        "bad option": ["compare", "--cv", "1"],
        "unknown task in predict": None,  # filled below
        "not a model": ["predict", str(not_a_model), "--data", p],
        "parquet": ["compare", "--data", str(tmp_path / "x.parquet"), *LONG],
        "_unknown_task_file": str(unknown_task),
    }


def test_bad_inputs_one_line_no_traceback(table, tmp_path, capsys):
    cases = _bad_inputs(table, tmp_path)
    (tmp_path / "x.parquet").write_bytes(b"not parquet")
    model = tmp_path / "m.joblib"
    assert main(["fit", "--data", str(table[0]), *LONG, "--alpha", "0.1", "-q", "-o",
                 str(model)]) == 0
    cases["unknown task in predict"] = ["predict", str(model), "--data",
                                        cases.pop("_unknown_task_file")]
    capsys.readouterr()
    expected = {
        "missing file": "no such file",
        "unknown column": "'skool' not found",
        "one-row task": "'lonely' has 1 row",
        "non-numeric feature": "'id' is not numeric",
        "constant target": "constant",
        "unknown model": "unknown model 'foo'",
        "bad option": "--cv",
        "unknown task in predict": "'s99'",
        "not a model": "not a model",
        "parquet": "x.parquet",
    }
    for name, argv in cases.items():
        code, _, err = run(argv, capsys)
        assert code != 0, name
        assert "Traceback" not in err, name
        lines = err.strip().splitlines()
        assert len(lines) == 1, (name, err)
        assert lines[0].startswith("mtlreg: error: "), name
        assert expected[name] in lines[0], (name, lines[0])


def test_python_m_mtlreg_subprocess(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "mtlreg", "compare", "--quick", "--json", "-q",
         "--models", "l21,independent"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["best"] in ("l21", "independent")
    bad = subprocess.run([sys.executable, "-m", "mtlreg", "compare", "--data", "nope.csv",
                          "--task-col", "t", "--target", "y"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == ["mtlreg: error: nope.csv: no such file"]
