"""
Multi-task classification
=========================

The four regularisers come with the logistic loss as well: ``LassoClassifier``,
``L21Classifier``, ``TraceNormClassifier`` and ``MeanRegularizedClassifier``. Each
task is a binary problem with its own two labels; each task's loss is its mean
logistic loss over its observed rows,

.. math::

    \\ell_t(w_t, b_t) = \\frac{1}{n_t} \\sum_{i \\in I_t}
    \\log\\left(1 + e^{-y_{it} (x_i^\\top w_t + b_t)}\\right),

with :math:`y_{it} = +1` for the task's larger label and :math:`-1` for the smaller.

Here 16 tasks, each with its own 40 rows, share the same five relevant features.
"""

import matplotlib.pyplot as plt
import numpy as np

from mtlreg.datasets import make_multitask_classification
from mtlreg.metrics import accuracy_score, roc_auc_score
from mtlreg.model_selection import L21ClassifierCV, LassoClassifierCV

X, Y, coef = make_multitask_classification(
    n_samples=40, n_features=40, n_tasks=16, structure="shared_support",
    design="per_task", n_informative=5, noise=0.05, return_coef=True, random_state=0,
)
rng = np.random.default_rng(0)
X_test = rng.standard_normal((400, 40))
Y_test = (X_test @ coef.T > 0).astype(float)

# %%
# The multi-task model
# --------------------
#
# ``L21ClassifierCV`` picks alpha by cross-validated accuracy (the classifiers'
# ``score``: the mean over tasks of the per-task accuracy on observed labels).
# ``predict`` returns every task's labels, ``decision_function`` the margins and
# ``predict_proba`` one (n_samples, 2) array per task.

model = L21ClassifierCV(alphas=10, eps=1e-2, cv=4).fit(X, Y)
proba = model.predict_proba(X_test)
print(f"alpha={model.alpha_:.4f}; predict_proba: {len(proba)} arrays of shape {proba[0].shape}")
print("features used:", np.flatnonzero(model.coef_.any(axis=0)))
print("true support: ", np.flatnonzero(coef.any(axis=0)))

acc_mtl = accuracy_score(Y_test, model.predict(X_test), multitask="raw_values")
auc_mtl = roc_auc_score(Y_test, model.decision_function(X_test), multitask="raw_values")

# %%
# The no-sharing control
# ----------------------
#
# The multi-task Lasso penalty :math:`\alpha \sum_{jt} |W_{jt}|` couples nothing:
# its objective is a sum of independent L1-penalised logistic regressions, one per
# task, here with one alpha for all tasks chosen by cross-validation. It is what
# the tasks can do alone (up to the common alpha).

alone = LassoClassifierCV(alphas=10, eps=1e-2, cv=4).fit(X, Y)
acc_ind = accuracy_score(Y_test, alone.predict(X_test), multitask="raw_values")
auc_ind = roc_auc_score(Y_test, alone.decision_function(X_test), multitask="raw_values")
print(f"mean test accuracy: L2,1 {acc_mtl.mean():.3f}, Lasso {acc_ind.mean():.3f}")
print(f"mean test ROC AUC:  L2,1 {auc_mtl.mean():.3f}, Lasso {auc_ind.mean():.3f}")

# %%
# Per task
# --------

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
order = np.argsort(acc_ind)
for ax, (name, mtl, ind) in zip(
    axes, [("accuracy", acc_mtl, acc_ind), ("ROC AUC", auc_mtl, auc_ind)], strict=True
):
    ax.plot(ind[order], "o", label="LassoClassifierCV (no sharing)")
    ax.plot(mtl[order], "s", label="L21ClassifierCV")
    ax.set_xlabel("task (sorted by the Lasso's accuracy)")
    ax.set_ylabel(f"test {name}")
axes[0].legend(loc="lower right")
fig.tight_layout()
plt.show()
