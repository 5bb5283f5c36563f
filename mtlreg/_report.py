"""Output of ``mtlreg compare``: the terminal table, JSON and the HTML / Markdown report.

Everything here reads the result dict built by :func:`mtlreg.cli.run_compare`.
Plots need matplotlib (drawn without pyplot, no global state); without it the
report holds the tables only and says so.
"""

import base64
import html
import io
import json
import math
from pathlib import Path

import numpy as np

METRIC_NAMES = {"r2": "R^2", "accuracy": "accuracy", "auc": "ROC AUC"}


def _cv_metric(result):
    """The CV scores are the estimators' own: R^2, or accuracy for classifiers."""
    return "R^2" if result["problem"] == "regression" else "accuracy"


def _fmt(x, spec=".3f"):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return format(x, spec)


def _ordered(result):
    ok = [m for m in result["models"] if m["error"] is None]
    failed = [m for m in result["models"] if m["error"] is not None]
    return sorted(ok, key=lambda m: -m["mean"]) + failed


def _alpha_text(m):
    if isinstance(m.get("alpha"), list):
        return "per task"
    return _fmt(m.get("alpha"), ".4g")


def _wtl(m):
    if m["name"] == "independent":
        return "(reference)"
    if "wins" not in m:
        return "-"
    return f"{m['wins']} / {m['ties']} / {m['losses']}"


def _summary_rows(result, pm):
    rows = []
    for m in _ordered(result):
        if m["error"] is not None:
            rows.append([m["name"], m["kind"], "FAILED: " + m["error"][:60], "", "", "", ""])
            continue
        rows.append([
            m["name"] + (" *" if m["name"] == result["best"] else ""),
            m["kind"],
            f"{m['mean']:.3f} {pm} {m['std']:.3f}",
            _wtl(m),
            _alpha_text(m),
            _fmt(m.get("cv_score")),
            f"{m['time']:.1f}s",
        ])
    return rows


def _table(header, rows, align=None):
    widths = [max(len(str(r[j])) for r in [header, *rows]) for j in range(len(header))]
    align = align or ["<"] * len(header)

    def line(r):
        return "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(r, align, widths, strict=True))

    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(s.rstrip() for s in out)


def _findings(result, pm="+/-"):
    """Sentences: the winner, the best multi-task model vs independent, negative transfer."""
    metric = METRIC_NAMES[result["metric"]]
    by = {m["name"]: m for m in result["models"]}
    best = by[result["best"]]
    margin = result["settings"]["margin"]
    out = [f"Best on average: {best['name']} ({metric} {best['mean']:.3f} {pm} "
           f"{best['std']:.3f} over {result['data']['n_tasks']} tasks)."]
    ind = by.get("independent")
    if ind is None or ind["error"] is not None:
        out.append("No independent baseline, so no per-task wins/losses.")
        return out
    bm = result.get("best_multitask")
    if bm:
        m = by[bm]
        gain = m["mean"] - ind["mean"]
        out.append(
            f"Best multi-task model {bm} vs independent: {gain:+.3f} on average; better on "
            f"{m['wins']}, worse on {m['losses']}, within {margin:g} on {m['ties']} of the tasks."
        )
        nt = m["negative_transfer"]
        if nt:
            shown = ", ".join(
                f"{t} ({m['diff'][result['task_names'].index(t)]:+.3f})" for t in nt[:8])
            more = f" and {len(nt) - 8} more" if len(nt) > 8 else ""
            out.append(f"Negative transfer under {bm} (worse than alone by > {margin:g}): "
                       f"{shown}{more}.")
        else:
            out.append(f"No negative transfer under {bm}: no task is worse than alone by "
                       f"more than {margin:g}.")
        others = [x for x in result["models"] if x["error"] is None and x["name"] not in
                  (bm, "independent") and x.get("negative_transfer")]
        if others:
            out.append("Tasks hurt under the other models: " + "; ".join(
                f"{x['name']}: {len(x['negative_transfer'])}" for x in others) + ".")
    if result.get("outlier_tasks"):
        out.append("(Synthetic data: the outlier task(s) "
                   f"{', '.join(result['outlier_tasks'])} share nothing with the others.)")
    return out


def _per_task_rows(result):
    names = [m["name"] for m in _ordered(result) if m["error"] is None]
    rows = []
    for t in result["tasks"]:
        flag = "NEG" if t.get("negative_transfer") else ""
        rows.append([t["task"], f"{t['n_train']}/{t['n_test']}"]
                    + [_fmt(t["scores"][n]) for n in names] + [t["best"], flag])
    header = ["task", "train/test"] + names + ["best", "transfer"]
    return header, rows


def _encodable(stream, text):
    enc = getattr(stream, "encoding", None) or "ascii"
    try:
        text.encode(enc)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def format_table(result, per_task=False, stream=None):
    """The terminal output of ``mtlreg compare``."""
    pm = "\u00b1" if stream is None or _encodable(stream, "\u00b1") else "+/-"
    metric = METRIC_NAMES[result["metric"]]
    d, s = result["data"], result["settings"]
    lines = [
        "",
        f"mtlreg compare: {result['problem']}, test {metric} per task on held-out rows",
        f"data: {d['source']}",
        f"      {d['n_rows']} rows ({d['n_train']} train / {d['n_test']} test, "
        f"{s['test_size']:g} of every task held out), {d['n_tasks']} tasks, "
        f"{d['n_features']} features; tuned by {s['cv']}-fold per-task CV over "
        f"{s['alphas']} alphas",
        "",
    ]
    header = ["model", "kind", f"test {metric} mean {pm} std", "vs independent W/T/L",
              "alpha", f"CV {_cv_metric(result)}", "time"]
    lines.append(_table(header, _summary_rows(result, pm),
                        ["<", "<", "<", "<", ">", ">", ">"]))
    lines.append(f"(* best on average; W/T/L: tasks where the model beats / ties / loses to "
                 f"independent by more than {s['margin']:g}; std is across tasks)")
    lines.append("")
    if per_task or d["n_tasks"] <= 25:
        header, rows = _per_task_rows(result)
        lines.append(_table(header, rows))
        bm = result.get("best_multitask")
        if bm and any(t.get("negative_transfer") for t in result["tasks"]):
            lines.append(f"(NEG: negative transfer, {bm} worse than independent on the task)")
        lines.append("")
    elif d["n_tasks"] > 25:
        lines.append(f"({d['n_tasks']} tasks: per-task table with --per-task, --json or "
                     "--report)")
        lines.append("")
    lines += [f"- {x}" for x in _findings(result, pm)]
    n_warn = sum(m.get("warnings", 0) for m in result["models"] if m["error"] is None)
    if n_warn:
        lines.append(f"- {n_warn} solver convergence warning(s) along the paths (at the "
                     "weakest alphas, usually harmless).")
    for note in d.get("notes", []):
        lines.append(f"- note: {note}")
    lines.append(f"- done in {result.get('elapsed', 0.0):.1f}s")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------
# JSON
# ----------------------------------------------------------------------------
def _clean(x):
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, np.generic):
        return _clean(x.item())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def to_dict(result):
    """The JSON-ready view of a result (no coefficient matrices)."""
    tasks = result["task_names"]
    models = []
    for m in result["models"]:
        e = {k: m.get(k) for k in ("name", "kind", "description", "error")}
        if m["error"] is None:
            e.update(mean=m["mean"], std=m["std"], cv_score=m.get("cv_score"),
                     time=m.get("time"), convergence_warnings=m.get("warnings", 0),
                     per_task=dict(zip(tasks, m["per_task"], strict=True)))
            if isinstance(m["alpha"], list):
                e["alpha"] = dict(zip(tasks, m["alpha"], strict=True))
                e["cv_curve"] = [
                    {"task": t, "alphas": c["alphas"], "mean": c["mean"], "std": c["std"]}
                    for t, c in zip(tasks, m["curve"], strict=True)
                ]
            else:
                e["alpha"], e["l2"] = m["alpha"], m.get("l2")
                c = m["curve"]
                e["cv_curve"] = {"alphas": c["alphas"], "mean": c["mean"], "std": c["std"]}
            if "wins" in m:
                e.update(wins=m["wins"], ties=m["ties"], losses=m["losses"],
                         negative_transfer=m["negative_transfer"])
        models.append(e)
    out = {k: result[k] for k in ("problem", "metric", "data", "settings", "best",
                                  "best_multitask", "tasks", "outlier_tasks")}
    out["models"] = models
    out["findings"] = _findings(result)
    out["elapsed"] = result.get("elapsed")
    return _clean(out)


def to_json(result):
    return json.dumps(to_dict(result), indent=2)


# ----------------------------------------------------------------------------
# plots (matplotlib, optional)
# ----------------------------------------------------------------------------
def _matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure, FigureCanvasAgg


def _png(fig, canvas_cls):
    canvas_cls(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def make_plots(result):
    """{name: (title, caption, png bytes)}; empty without matplotlib."""
    mpl = _matplotlib()
    if mpl is None:
        return {}
    Figure, Canvas = mpl
    ok = [m for m in result["models"] if m["error"] is None]
    by = {m["name"]: m for m in ok}
    metric = METRIC_NAMES[result["metric"]]
    tasks = result["task_names"]
    plots = {}

    # per-task score: each model vs independent
    ind = by.get("independent")
    if ind is not None and len(ok) > 1:
        fig = Figure(figsize=(6, 5.5))
        ax = fig.add_subplot()
        lo_clip = -1.0 if result["metric"] == "r2" else 0.0
        x = np.clip(ind["per_task"], lo_clip, 1.0)
        markers = "osD^vP"
        for k, m in enumerate(x for x in ok if x["name"] != "independent"):
            y = np.clip(m["per_task"], lo_clip, 1.0)
            ax.scatter(x, y, marker=markers[k % len(markers)], alpha=0.75,
                       label=f"{m['name']} ({m['mean']:.3f})")
        bm = result.get("best_multitask")
        if bm:
            for t in by[bm].get("negative_transfer", [])[:10]:
                i = tasks.index(t)
                ax.annotate(t, (x[i], np.clip(by[bm]["per_task"][i], lo_clip, 1.0)),
                            fontsize=7, xytext=(3, -8), textcoords="offset points")
        lims = [min(x.min(), min(np.clip(m["per_task"], lo_clip, 1).min() for m in ok)),
                1.0]
        ax.plot(lims, lims, color="grey", lw=1)
        ax.set_xlabel(f"independent: test {metric} per task ({ind['mean']:.3f})")
        ax.set_ylabel(f"model: test {metric} per task")
        ax.set_title("Per-task score vs independent (above the line: the model wins)")
        ax.legend(fontsize=8)
        plots["scores"] = ("Per-task score: each model vs independent",
                           "One point per task and model. Points below the diagonal are "
                           "tasks where the model does worse than the task alone "
                           "(negative transfer); names mark those of the best multi-task "
                           f"model.{' R^2 is clipped to [-1, 1].' if lo_clip < 0 else ''}",
                           _png(fig, Canvas))

    # coefficient heatmaps, features x tasks
    panels = [(m["name"], np.asarray(m["coef"])) for m in ok if m["name"] != "pooled"]
    if result.get("true_coef") is not None:
        panels.insert(0, ("truth", np.asarray(result["true_coef"])))
    if panels:
        d = panels[0][1].shape[1]
        fig = Figure(figsize=(min(3.0 * len(panels), 18), min(2 + 0.15 * d, 10)))
        vmax = max(np.percentile(np.abs(c), 99) for _, c in panels) or 1.0
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        im = None
        for ax, (name, coef) in zip(axes, panels, strict=True):
            im = ax.imshow(coef.T, aspect="auto", cmap="RdBu_r", vmin=-vmax, vmax=vmax,
                           interpolation="nearest")
            ax.set_title(name, fontsize=9)
            ax.set_xlabel("task")
        axes[0].set_ylabel("feature")
        fig.colorbar(im, ax=list(axes), shrink=0.8)
        plots["coef"] = ("Coefficients (features x tasks)",
                         "Rows are features, columns tasks; shared colour scale. The "
                         "fits are on standardised features.", _png(fig, Canvas))

    # singular values of W
    if panels:
        fig = Figure(figsize=(6, 4))
        ax = fig.add_subplot()
        for name, coef in panels:
            sv = np.linalg.svd(coef, compute_uv=False)
            sv = sv / sv[0] if sv[0] > 0 else sv
            ax.semilogy(np.arange(1, len(sv) + 1), np.maximum(sv, 1e-6), marker=".",
                        lw=2.5 if name == "trace" else 1, label=name)
        ax.set_xlabel("index")
        ax.set_ylabel("singular value / largest")
        ax.set_title("Singular values of W (trace norm makes W low-rank)")
        ax.legend(fontsize=8)
        plots["singular"] = ("Singular values of the coefficient matrix",
                             "Normalised by the largest; values below 1e-6 are drawn at "
                             "1e-6. A fast drop means a low-rank W (shared directions).",
                             _png(fig, Canvas))

    # CV curves
    if ok:
        n = len(ok)
        ncol = min(3, n)
        nrow = math.ceil(n / ncol)
        fig = Figure(figsize=(4.2 * ncol, 3.2 * nrow))
        axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
        for ax, m in zip(axes, ok, strict=False):
            curves = m["curve"] if isinstance(m["curve"], list) else [m["curve"]]
            single = len(curves) == 1
            for c in curves:
                ax.semilogx(c["alphas"], c["mean"], lw=1.5 if single else 0.7,
                            alpha=1.0 if single else 0.5)
                if single:
                    ax.fill_between(c["alphas"], c["mean"] - c["std"], c["mean"] + c["std"],
                                    alpha=0.2)
                ax.axvline(c["alpha"], color="k", lw=0.6 if single else 0.3, ls="--")
            ax.set_title(m["name"] + ("" if single else " (one curve per task)"), fontsize=9)
            ax.set_xlabel("alpha")
            ax.set_ylabel(f"CV {_cv_metric(result)}")
            lo = np.nanmin([np.nanmin(c["mean"]) for c in curves])
            if result["metric"] == "r2" and lo < -0.5:
                ax.set_ylim(bottom=-0.5)
        for ax in axes[n:]:
            ax.set_visible(False)
        fig.tight_layout()
        plots["cv"] = ("Cross-validation curves",
                       "Mean held-out score over the folds along each model's alpha path "
                       "(band: +/- one std over folds); dashed: the chosen alpha.",
                       _png(fig, Canvas))
    return plots


# ----------------------------------------------------------------------------
# report files
# ----------------------------------------------------------------------------
def _md_table(header, rows):
    out = ["| " + " | ".join(map(str, header)) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def _html_table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = []
    for r in rows:
        cls = ' class="neg"' if r and r[-1] == "NEG" else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r)
                    + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;margin:1em 0;font-size:14px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}tr.neg{background:#fde2e2}
img{max-width:100%}.cap{color:#555;font-size:13px}code{background:#f3f3f3}"""


def write_report(result, directory, fmt="html"):
    """Write report.html (self-contained) or report.md + PNGs, and results.json."""
    from .cli import CLIError

    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(to_json(result) + "\n")
    except OSError as exc:
        raise CLIError(f"cannot write the report to {directory}: {exc.strerror or exc}"
                       ) from None
    plots = make_plots(result)
    metric = METRIC_NAMES[result["metric"]]
    d, s = result["data"], result["settings"]
    intro = (f"{result['problem'].capitalize()} on {d['source']}: {d['n_rows']} rows "
             f"({d['n_train']} train / {d['n_test']} test, {s['test_size']:g} of every task "
             f"held out), {d['n_tasks']} tasks, {d['n_features']} features. Hyperparameters "
             f"tuned by {s['cv']}-fold per-task CV over {s['alphas']} alphas; score: "
             f"{metric} per task on held-out rows (seed {s['seed']}). Took "
             f"{result.get('elapsed', 0.0):.1f}s.")
    header = ["model", "kind", f"test {metric} mean +/- std", "vs independent W/T/L",
              "alpha", f"CV {_cv_metric(result)}", "time"]
    summary = _summary_rows(result, "+/-")
    t_header, t_rows = _per_task_rows(result)
    findings = _findings(result)
    no_plots = ("Plots skipped: matplotlib is not installed "
                "(pip install matplotlib)." if _matplotlib() is None else None)
    try:
        if fmt == "md":
            parts = ["# mtlreg compare report", "", intro, "", "## Summary", "",
                     _md_table(header, summary), "", *[f"- {x}" for x in findings], ""]
            if no_plots:
                parts += [f"_{no_plots}_", ""]
            for key, (title, caption, png) in plots.items():
                (out / f"{key}.png").write_bytes(png)
                parts += [f"## {title}", "", f"![{title}]({key}.png)", "", caption, ""]
            parts += ["## Per-task scores", "", _md_table(t_header, t_rows), ""]
            path = out / "report.md"
            path.write_text("\n".join(parts))
        else:
            parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>mtlreg "
                     f"compare</title><style>{_CSS}</style></head><body>",
                     "<h1>mtlreg compare report</h1>", f"<p>{html.escape(intro)}</p>",
                     "<h2>Summary</h2>", _html_table(header, summary),
                     "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in findings)
                     + "</ul>"]
            if no_plots:
                parts.append(f"<p class='cap'>{html.escape(no_plots)}</p>")
            for title, caption, png in plots.values():
                b64 = base64.b64encode(png).decode("ascii")
                parts += [f"<h2>{html.escape(title)}</h2>",
                          f"<img alt='{html.escape(title)}' src='data:image/png;base64,"
                          f"{b64}'>", f"<p class='cap'>{html.escape(caption)}</p>"]
            parts += ["<h2>Per-task scores</h2>",
                      "<p class='cap'>Highlighted: negative transfer (best multi-task "
                      "model worse than independent).</p>",
                      _html_table(t_header, t_rows), "</body></html>"]
            path = out / "report.html"
            path.write_text("\n".join(parts))
    except OSError as exc:
        raise CLIError(f"cannot write the report to {directory}: {exc.strerror or exc}"
                       ) from None
    return path
