"""A batch of tensor examples sharing masks and weights: one projection, the same fits."""

import numpy as np
import pytest

from limette import KernelShap
from limette._design import StackedDesign
from limette.sampling import all_coalitions
from limette.surrogates import ConstrainedLeastSquares, Lasso, Ridge, fit_stacked
from limette.tensor import _lime_base
from limette.tensor._lime_base import fit_interpretable


def shared_batch(B=6, d=5, seed=0):
    rng = np.random.default_rng(seed)
    Z = all_coalitions(d).astype(float)  # includes the empty and the full coalition
    w = rng.uniform(0.1, 2.0, size=len(Z))
    Y = rng.normal(size=(B, len(Z)))
    return Z, np.broadcast_to(w, Y.shape).copy(), Y


@pytest.mark.parametrize(
    "surrogate", [Ridge(alpha=1.0), Ridge(alpha=0.0), ConstrainedLeastSquares()]
)
def test_projection_gives_each_examples_own_fit(surrogate):
    Z, W, Y = shared_batch()
    stacked = StackedDesign(np.broadcast_to(Z, (len(Y), *Z.shape)), Y[..., None], W)
    expected = fit_stacked(surrogate, stacked)[0][:, 0, :]
    got = fit_interpretable(surrogate, Z, Y, W)
    assert np.abs(expected).max() > 1e-2
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_other_surrogates_and_other_weights_fit_one_by_one(monkeypatch):
    Z, W, Y = shared_batch()
    calls = []
    original = _lime_base.fit_stacked

    def counting(surrogate, design):
        calls.append(len(design.Y))
        return original(surrogate, design)

    monkeypatch.setattr(_lime_base, "fit_stacked", counting)
    fit_interpretable(Lasso(alpha=0.01), Z, Y, W)  # not linear in its targets
    W[1] *= 2.0
    fit_interpretable(Ridge(alpha=1.0), Z, Y, W)  # example 1 weighs its samples otherwise
    assert calls == [len(Y), len(Y)]


def test_kernel_shap_batch_uses_the_projection_and_stays_exact(monkeypatch):
    rng = np.random.default_rng(3)
    A = rng.normal(size=(6, 6))

    def forward(x):
        return np.tanh(x @ A).sum(axis=1) + x[:, 0] * x[:, 1]

    X = rng.normal(size=(4, 6))
    alone = np.stack([KernelShap(forward).attribute(x[None], n_samples=64)[0] for x in X])

    def refuse(surrogate, design):
        raise AssertionError("the batch was fitted example by example")

    monkeypatch.setattr(_lime_base, "fit_stacked", refuse)
    together = KernelShap(forward).attribute(X, n_samples=64)
    np.testing.assert_allclose(together, alone, rtol=1e-9, atol=1e-12)
    # efficiency: attributions sum to f(x) - f(baseline 0)
    np.testing.assert_allclose(together.sum(axis=1), forward(X) - forward(np.zeros_like(X)))
