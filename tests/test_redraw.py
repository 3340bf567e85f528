"""The expected re-draw Jaccard (limette.engine.redraw) against answers computed another way."""

import numpy as np
import pytest

from limette.engine.redraw import RedrawModel, expected_jaccard, fit_redraw_model, top_k_jaccard


def _reference_jaccard(first, second, k):
    """Top-k Jaccard by sorting and Python sets, one pair at a time."""
    out = []
    for a, b in zip(first, second):
        top_a = set(np.argsort(-np.abs(a))[:k].tolist())
        top_b = set(np.argsort(-np.abs(b))[:k].tolist())
        out.append(len(top_a & top_b) / len(top_a | top_b))
    return np.array(out)


def test_top_k_jaccard_matches_sets():
    rng = np.random.default_rng(0)
    first, second = rng.normal(size=(2, 200, 9))
    for k in (1, 3, 5):
        np.testing.assert_allclose(
            top_k_jaccard(first, second, k), _reference_jaccard(first, second, k)
        )
    assert top_k_jaccard(first, second, 9).tolist() == [1.0] * 200


def test_expected_jaccard_of_two_features_is_an_orthant_probability():
    """Top-1 of two independent features: the runs agree with probability p² + (1-p)²,
    p = P(|b₀ + ε₀| > |b₁ + ε₁|), computed here by numerical integration."""
    from scipy.stats import norm

    coef = np.array([1.0, 0.6])
    grid = np.linspace(-8, 8, 4001)
    density = norm.pdf(grid, loc=coef[0])
    # P(|x1| < |x0|) for x1 ~ N(0.6, 1), given x0
    inside = norm.cdf(np.abs(grid), loc=coef[1]) - norm.cdf(-np.abs(grid), loc=coef[1])
    p = np.trapezoid(density * inside, grid)
    z = np.random.default_rng(1).standard_normal((2, 200_000, 2))
    mean, se = expected_jaccard(coef, (z[0], z[1]), 1)
    assert mean == pytest.approx(p**2 + (1 - p) ** 2, abs=4 * se)
    assert 0.5 < mean < 0.8  # not a degenerate case


def _gaussian_world(beta, root, replicates, rng):
    """One run: replicate fits b_r ~ N(β, R Σ), pooled b the mean (so b ~ N(β, Σ))."""
    draws = beta + np.sqrt(replicates) * rng.standard_normal((replicates, len(beta))) @ root.T
    return RedrawModel(draws.mean(axis=0)[:, None], draws[:, :, None], root, 3)


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_estimate_matches_the_simulated_truth_of_a_gaussian_coefficient_vector(scale):
    """Coefficients b ~ N(β, Σ) with Σ known: the expected top-3 Jaccard of two runs,
    simulated directly with 200 000 pairs, against the estimator averaged over 100 runs
    that see only one pooled vector and 4 replicates each (and, at ``scale``, the
    prediction for twice the samples)."""
    beta = np.array([3.0, -2.5, 1.8, 1.1, -0.8, 0.5, 0.2, 0.0])
    A = np.random.default_rng(2).normal(size=(8, 8)) * 0.15
    root = np.linalg.cholesky(0.05 * np.eye(8) + 0.3 * A @ A.T)
    z = np.random.default_rng(3).standard_normal((2, 200_000, 8))
    root_scale = np.sqrt(scale)
    truth = top_k_jaccard(
        beta + root_scale * z[0] @ root.T, beta + root_scale * z[1] @ root.T, 3
    ).mean()
    rng = np.random.default_rng(4)
    models = [_gaussian_world(beta, root, 4, rng) for _ in range(100)]
    estimates = np.array([model.jaccard(scale) for model in models])
    assert 0.85 < truth < 0.99
    # within 0.06; near 1 it leans low (a noisy covariance spreads the simulated runs)
    assert np.mean(estimates) == pytest.approx(truth, abs=0.06)
    if scale == 1.0:  # the bootstrap standard error against the estimates' own spread
        errors = np.array([model.standard_error() for model in models])
        assert 0.5 < np.mean(errors) / np.std(estimates) < 2.0


def test_more_samples_never_lower_the_prediction_and_size_the_batch():
    rng = np.random.default_rng(5)
    beta = np.array([2.0, 1.5, 1.0, 0.9, 0.3, 0.0])
    model = _gaussian_world(beta, np.eye(6) * 0.3, 8, rng)
    predictions = [model.jaccard(scale) for scale in (1.0, 0.5, 0.25, 0.1)]
    assert predictions == sorted(predictions)
    wanted = model.samples_for(0.99, 1000, 10**6)
    assert 1000 < wanted < 10**6
    assert model.jaccard(1000 / wanted) >= 0.99
    assert model.samples_for(0.0, 1000, 10**6) == 1250  # the first step of the grid


def test_replicate_fits_see_their_own_rows_and_the_instance():
    """fit_redraw_model's replicate coefficients are ridge fits of each replicate's rows
    plus the shared instance row; its pooled fit uses every row."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(41, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.1, size=41))[:, None]
    w = rng.uniform(0.5, 1.0, size=41)
    owner = np.array([-1] + [0] * 20 + [1] * 20)

    def ridge(rows):
        Xr, yr, wr = X[rows], y[rows], w[rows]
        xm, ym = wr @ Xr / wr.sum(), wr @ yr / wr.sum()
        Xc, yc = Xr - xm, yr - ym
        return np.linalg.solve(Xc.T @ (wr[:, None] * Xc) + np.eye(3), Xc.T @ (wr[:, None] * yc))

    model = fit_redraw_model(X, y, w, owner, 2)
    np.testing.assert_allclose(model.coef, ridge(np.arange(41)))
    np.testing.assert_allclose(model.replicates[0], ridge(np.arange(21)))
    np.testing.assert_allclose(model.replicates[1], ridge(np.r_[0, 21:41]))


def test_estimate_is_deterministic():
    rng = np.random.default_rng(7)
    beta = np.array([1.0, 0.8, 0.5, 0.1])
    model = _gaussian_world(beta, np.eye(4) * 0.2, 8, rng)
    again = RedrawModel(model.coef, model.replicates, model.target_root, model.k)
    assert model.jaccard() == again.jaccard()
    assert model.standard_error() == again.standard_error()
