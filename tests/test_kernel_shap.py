"""KernelShap against brute-force Shapley values; the Shapley sampler, kernel and surrogate."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from limette import KernelShap
from limette._design import StackedDesign, WeightedDesign
from limette.kernels import shapley_kernel
from limette.sampling import ShapleySampler, all_coalitions
from limette.surrogates import ConstrainedLeastSquares, fit_stacked


def brute_force_shapley(value: np.ndarray, d: int) -> np.ndarray:
    """Shapley values from ``value[code]`` of every coalition (bit ``i`` = feature ``i``)."""
    phi = np.zeros((d, *value.shape[1:]))
    for code in range(2**d):
        size = bin(code).count("1")
        for i in range(d):
            if not code >> i & 1:
                weight = math.factorial(size) * math.factorial(d - size - 1) / math.factorial(d)
                phi[i] += weight * (value[code | 1 << i] - value[code])
    return phi


def coalition_values(forward, x, baseline, mask, d):
    """``forward`` on every coalition of one example: kept features from ``x``."""
    codes = np.arange(2**d)
    keep = (codes[:, None] >> np.arange(d)) & 1
    composed = np.where(keep[:, mask].astype(bool), x, baseline)
    return forward(composed)


def random_model(d_in, seed):
    rng = np.random.default_rng(seed)
    A, v, pairs = rng.normal(size=(d_in, 5)), rng.normal(size=5), rng.normal(size=(d_in, d_in))

    def forward(x):
        return np.tanh(x @ A) @ v + np.einsum("ni,ij,nj->n", x, pairs, x) / d_in

    return forward


@pytest.mark.parametrize("d", [1, 2, 5, 10])
def test_exact_mode_equals_brute_force_numpy(d):
    rng = np.random.default_rng(d)
    forward = random_model(d, d)
    x, baseline = rng.normal(size=d), rng.normal(size=d)
    reference = brute_force_shapley(coalition_values(forward, x, baseline, np.arange(d), d), d)
    assert np.abs(reference).max() > 1e-2
    got = KernelShap(forward, random_state=0).attribute(
        x[None], baselines=baseline[None], n_samples=2**d
    )
    np.testing.assert_allclose(got[0], reference, atol=1e-6)


def test_exact_mode_with_feature_mask_and_batch():
    rng = np.random.default_rng(7)
    forward = random_model(12, 1)
    mask = np.repeat(np.arange(6), 2)
    X = rng.normal(size=(3, 12))
    got = KernelShap(forward).attribute(
        X, baselines=0.5, feature_mask=mask[None], n_samples=64, return_input_shape=False
    )
    assert got.shape == (3, 6)
    for row, attribution in zip(X, got):
        values = coalition_values(forward, row, 0.5, mask, 6)
        np.testing.assert_allclose(attribution, brute_force_shapley(values, 6), atol=1e-6)


def test_exact_mode_equals_brute_force_torch_tuple_inputs():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(7, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    net = net.double()

    def forward(a, b):
        return net(torch.cat([a, b.reshape(len(b), -1)], dim=1))

    a, b = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 2, 2, dtype=torch.float64)
    masks = (torch.tensor([[0, 1, 2]]), torch.tensor([[[3, 3], [4, 5]]]))
    got = KernelShap(forward).attribute(
        (a, b), target=[2, 0], feature_mask=masks, n_samples=64, return_input_shape=False
    )
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64 and got.shape == (2, 6)
    flat_mask = np.array([0, 1, 2, 3, 3, 4, 5])
    inputs = torch.cat([a, b.reshape(2, -1)], dim=1).numpy()
    for example, target in enumerate([2, 0]):
        values = coalition_values(
            lambda z, t=target: net(torch.as_tensor(z)).detach().numpy()[:, t],
            inputs[example],
            0.0,
            flat_mask,
            6,
        )
        np.testing.assert_allclose(got[example].numpy(), brute_force_shapley(values, 6), atol=1e-6)
    shaped = KernelShap(forward).attribute((a, b), target=[2, 0], feature_mask=masks, n_samples=64)
    assert shaped[0].shape == a.shape and shaped[1].shape == b.shape
    assert shaped[1][0, 0, 0] == shaped[1][0, 0, 1] == got[0, 3]


def test_sampling_mode_is_efficient_and_converges():
    d = 12
    forward = random_model(d, 3)
    rng = np.random.default_rng(3)
    x = rng.normal(size=d)
    reference = brute_force_shapley(coalition_values(forward, x, 0.0, np.arange(d), d), d)
    errors = []
    for n in (100, 3000):
        got = KernelShap(forward, random_state=1).attribute(x[None], n_samples=n)[0]
        assert got.sum() + forward(np.zeros((1, d)))[0] == pytest.approx(forward(x[None])[0])
        errors.append(np.abs(got - reference).max())
    assert errors[1] < errors[0] / 3
    assert errors[1] < 0.05


def test_paired_sampling_is_closer_than_unpaired_on_average():
    d = 10
    forward = random_model(d, 4)
    x = np.random.default_rng(4).normal(size=d)
    reference = brute_force_shapley(coalition_values(forward, x, 0.0, np.arange(d), d), d)

    def error(paired):
        draws = [
            KernelShap(forward, paired=paired, random_state=s).attribute(x[None], n_samples=200)[0]
            for s in range(8)
        ]
        return np.mean([np.square(g - reference).sum() for g in draws])

    assert error(True) < error(False)


def test_shapley_kernel_values():
    Z = all_coalitions(4)
    weights = shapley_kernel(Z, anchor_weight=7.0)
    sizes = Z.sum(axis=1)
    assert weights[sizes == 0].tolist() == [7.0] and weights[sizes == 4].tolist() == [7.0]
    np.testing.assert_allclose(weights[sizes == 1], 3 / (4 * 1 * 3))
    np.testing.assert_allclose(weights[sizes == 2], 3 / (6 * 2 * 2))


def test_all_coalitions_are_distinct_with_anchors_first():
    Z = all_coalitions(5)
    assert Z.shape == (32, 5) and len(np.unique(Z, axis=0)) == 32
    assert Z[0].tolist() == [1.0] * 5 and Z[1].tolist() == [0.0] * 5


def test_shapley_sampler_sizes_follow_the_kernel():
    d = 6
    Z = ShapleySampler(paired=False).sample(40002, d, np.random.default_rng(0))
    sizes = Z[2:].sum(axis=1).astype(int)
    expected = np.array([(d - 1) / (s * (d - s)) for s in range(1, d)])
    observed = np.bincount(sizes, minlength=d)[1:] / len(sizes)
    np.testing.assert_allclose(observed, expected / expected.sum(), atol=0.01)
    paired = ShapleySampler().sample(11, d, np.random.default_rng(0))
    np.testing.assert_array_equal(paired[2:10:2] + paired[3:11:2], 1.0)


def test_constrained_least_squares_matches_elimination():
    rng = np.random.default_rng(0)
    d, n = 4, 40
    inner_rows = (rng.random((3 * n, d)) < 0.5).astype(float)
    inner_rows = inner_rows[(inner_rows.sum(axis=1) % d) > 0][:n]
    X = np.vstack([np.ones(d), np.zeros(d), inner_rows])
    Y = rng.normal(size=(n + 2, 2))
    w = rng.random(n + 2)
    fit = ConstrainedLeastSquares().fit(WeightedDesign(X, Y, w), np.ones((2, d), bool))
    for k in range(2):
        y0, delta = Y[1, k], Y[0, k] - Y[1, k]
        inner = slice(2, None)
        A = X[inner, :-1] - X[inner, -1:]
        target = Y[inner, k] - y0 - X[inner, -1] * delta
        sw = np.sqrt(w[inner])
        head = np.linalg.lstsq(A * sw[:, None], target * sw, rcond=None)[0]
        np.testing.assert_allclose(fit.coef[k], [*head, delta - head.sum()], atol=1e-10)
        assert fit.intercept[k] == pytest.approx(y0)
    stacked, _ = fit_stacked(ConstrainedLeastSquares(), StackedDesign(X[None], Y[None], w[None]))
    np.testing.assert_allclose(stacked[0], fit.coef, atol=1e-12)


def test_constrained_least_squares_needs_anchors():
    from limette.errors import InputError

    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    with pytest.raises(InputError, match="empty"):
        ConstrainedLeastSquares().fit(
            WeightedDesign(X, np.ones((3, 1)), np.ones(3)), np.ones((1, 2), bool)
        )


def test_brute_force_reference_is_itself_right():
    # v(S) = |S|² on 3 players: symmetric, so each gets v(N) / 3 = 3
    values = np.array([bin(c).count("1") ** 2 for c in range(8)], dtype=float)
    np.testing.assert_allclose(brute_force_shapley(values, 3), [3.0, 3.0, 3.0])
    assert list(itertools.islice(range(3), 1)) == [0]
