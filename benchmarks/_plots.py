"""Time-vs-suboptimality curves of the headline problems (matplotlib is optional)."""

from pathlib import Path

import numpy as np


def draw(result, folder, stem="latest"):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import NullFormatter
    except ImportError:
        return []
    paths = []
    head = result["suites"]["shared"]["headline"]
    fig, axes = plt.subplots(2, len(head), figsize=(4.2 * len(head), 7), squeeze=False)
    for k, prob in enumerate(head):
        objs = [p["objective"] for s in prob["solvers"].values() for p in s["points"]
                if "objective" in p]
        f_star = min(objs) if objs else np.nan
        for name, s in prob["solvers"].items():
            pts = [p for p in s["points"] if "time" in p and "objective" in p]
            if not pts:
                continue
            t = [p["time"] for p in pts]
            gap = [max(p["rel_gap"], 1e-16) for p in pts]
            sub = [max((p["objective"] - f_star) / abs(f_star), 1e-16) for p in pts]
            axes[0, k].loglog(t, gap, "o-", label=name)
            axes[1, k].loglog(t, sub, "o-", label=name)
        axes[0, k].axhline(1e-6, color="grey", ls="--", lw=0.8)
        axes[0, k].set_title(prob["problem"], fontsize=9)
        axes[0, k].set_ylabel("re-scored duality gap / (||Y||^2/n)")
        axes[1, k].set_ylabel("(F - F*) / F*  (F* = best seen)")
        axes[1, k].set_xlabel("time (s), one fit per tolerance")
        for ax in axes[:, k]:
            ax.xaxis.set_minor_formatter(NullFormatter())
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    path = Path(folder) / f"{stem}_headline_curves.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    paths.append(path)
    return paths


def draw_scaling(result, folder, stem="latest"):
    """Log-log fit time against T and against n (the scaling suite)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    sweeps = result["suites"]["scaling"]["sweeps"]
    fig, axes = plt.subplots(1, len(sweeps), figsize=(6 * len(sweeps), 4.6), squeeze=False)
    for ax, sw in zip(axes[0], sweeps, strict=True):
        pts = sw["points"]
        models = list(dict.fromkeys(p["model"] for p in pts))
        for k, model in enumerate(models):
            mp = [p for p in pts if p["model"] == model]
            x = [p[sw["x"]] for p in mp]
            s = sw["slopes"][model]
            color = f"C{k}"
            ax.loglog(x, [p["time"] for p in mp], "o-", color=color,
                      label=f"{model} (slope {s['time']:.2f})")
            ax.loglog(x, [p["time_max_iter_1"] for p in mp], "x--", color=color, lw=0.9,
                      label=f"  max_iter=1 (slope {s['time_max_iter_1']:.2f})")
        xs = np.array(sorted({p[sw["x"]] for p in pts}), dtype=float)
        t_top = max(p["time"] for p in pts if p[sw["x"]] == xs[-1])
        ax.loglog(xs, t_top * xs / xs[-1], ":", color="grey", label="slope 1 (linear)")
        first = pts[0]
        if sw["x"] == "n_tasks":
            ax.set_xlabel(f"number of tasks T ({first['rows_per_task']} rows per task, "
                          f"d = {first['n_features']})")
        else:
            ax.set_xlabel(f"total rows n (T = {first['n_tasks']}, d = {first['n_features']})")
        ax.set_ylabel("fit time (s)")
        ax.set_title(f"sweep: {sw['sweep']}", fontsize=10)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path = Path(folder) / f"{stem}_scaling.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return [path]
