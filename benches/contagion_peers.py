"""The contagion models as a Python user would write them with scipy.sparse: the peers of
test_contagion_bench.py and test_scenarios_bench.py (run once per scenario)."""

from __future__ import annotations

import numpy as np


def claims_graph(n: int):
    """The contagion benches' graph: the generator's commitment edges as claims (a
    supplier's on its customer), amounts known; equity 0.5-2x a node's claims (at least 1).
    Returns the Graph, the claims matrix A (rows: claimants) in its node order, the equity
    and the random generator after drawing it."""
    import scipy.sparse as sp

    from aiexposure import Graph
    from aiexposure.synthetic import investor_graph

    table = investor_graph(n, commitments=1.0, seed=0)
    g = Graph.from_arrow(table)
    index = np.full(int(table["source"].to_numpy().max()) + 2 + n, -1)
    index[g.nodes.to_numpy()] = np.arange(g.num_nodes)
    t = table.filter(table["kind"].cast("string").to_numpy(zero_copy_only=False) == "commitment")
    supplier, customer = index[t["target"].to_numpy()], index[t["source"].to_numpy()]
    m = g.num_nodes
    A = sp.csr_array((t["amount"].to_numpy(), (supplier, customer)), shape=(m, m))
    rng = np.random.default_rng(0)
    equity = np.maximum(1.0, A.sum(axis=1)) * rng.uniform(0.5, 2.0, m)
    return g, A, equity, rng


def _impacts(A, equity):
    W = A.multiply(1.0 / equity[:, None]).tocsr()
    W.data = np.minimum(W.data, 1.0)
    return W


def scipy_single_hit(A, equity, h0):
    W = _impacts(A, equity)
    h = h0.copy()
    state = np.where(h > 0, 1, 0)
    while (state == 1).any():
        new = np.minimum(1.0, h + W @ np.where(state == 1, h, 0.0))
        state = np.where(state == 1, 2, np.where((state == 0) & (new > 0), 1, state))
        h = new
    return h


def scipy_linear(A, equity, h0):
    W = _impacts(A, equity)
    h, dh = h0.copy(), h0.copy()
    while np.abs(dh).max() > 1e-12:
        new = np.minimum(1.0, h + W @ dh)
        dh, h = new - h, new
    return h


def scipy_clearing(A, ext_assets):
    owed = np.asarray(A.sum(axis=0)).ravel()
    scale = np.divide(1.0, owed, out=np.zeros_like(owed), where=owed > 0)
    Pi = A.multiply(scale[None, :]).tocsr()
    p = owed.copy()
    while True:
        new = np.minimum(owed, ext_assets + Pi @ p)
        if np.abs(new - p).max() <= 1e-13 * max(1.0, owed.max()):
            return new
        p = new


def scipy_furfine(A, equity, shocked):
    failed = np.zeros(A.shape[0], bool)
    failed[shocked] = True
    new = failed.copy()
    loss = np.zeros(A.shape[0])
    while new.any():
        loss += A @ new.astype(float)
        hit = (~failed) & (loss > 0) & (loss >= equity)
        failed |= hit
        new = hit
    return failed
