"""How many BLAS threads a fit's matrix products get.

A second OpenBLAS thread pays off only on large products: on a small one its
start-up and synchronisation cost more than the product, and on a machine
whose cores are busy with other work a thread that is not scheduled at once
stalls every product of the fit (measured: 7 ms instead of 0.3 ms for a
1000 x 300 design with two tasks). Small fits therefore run their products on
one thread, as scikit-learn's coordinate descent does.
"""

from contextlib import contextmanager, nullcontext

import scipy.sparse as sp

# flops of one product with the design below which one thread is used
SMALL_PRODUCT = 2e7

_controller = None


def product_flops(design):
    """Multiply-adds in one product of the design with a coefficient matrix."""
    if design.layout == "full":
        X = design.X
        size = X.nnz if sp.issparse(X) else X.size
        return float(size) * design.n_tasks
    Xs = design.Xs
    return float(Xs.nnz if sp.issparse(Xs) else Xs.size)


@contextmanager
def blas_threads_for(design):
    """Limit BLAS to one thread while fitting on a small design; no-op otherwise."""
    global _controller
    if product_flops(design) >= SMALL_PRODUCT:
        with nullcontext():
            yield
        return
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    with _controller.limit(limits=1, user_api="blas"):
        yield
