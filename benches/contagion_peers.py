"""The contagion models as a Python user would write them with scipy.sparse: the peers of
test_contagion_bench.py and test_scenarios_bench.py (run once per scenario)."""

from __future__ import annotations

import numpy as np


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
