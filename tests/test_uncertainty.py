import json

import numpy as np
import pytest

from limette import BayesianRidge, Bootstrap, Explanation, Ridge, SklearnSurrogate, TabularExplainer
from limette._design import WeightedDesign
from limette.errors import InputError


def _design(rng, n=300, noise=1.0):
    X = rng.normal(size=(n, 4))
    w = rng.random(n) + 0.05
    Y = np.column_stack(
        [
            X @ [1.0, 2.0, 0.0, -1.0] + noise * rng.normal(size=n),
            X @ [0.0, 1.0, 0.0, 0.5] + 3 * noise * rng.normal(size=n),
        ]
    )
    return WeightedDesign(X, Y, w)


def test_bayesian_ridge_matches_sklearn_on_the_weighted_problem(rng):
    from sklearn.linear_model import BayesianRidge as Reference

    design = _design(rng)
    selected = np.array([[True, True, True, True], [True, True, False, True]])
    fit = BayesianRidge(tol=1e-12, max_iter=1000).fit(design, selected)
    root = np.sqrt(design.w)
    for target, mask in enumerate(selected):
        Xc = (design.X[:, mask] - design.x_mean[mask]) * root[:, None]
        yc = (design.Y[:, target] - design.y_mean[target]) * root
        reference = Reference(tol=1e-12, max_iter=1000, fit_intercept=False).fit(Xc, yc)
        assert np.abs(reference.coef_).max() > 0.1
        np.testing.assert_allclose(fit.coef[target, mask], reference.coef_, rtol=1e-7)
        np.testing.assert_allclose(
            fit.coef_std[target, mask], np.sqrt(np.diag(reference.sigma_)), rtol=1e-7
        )
        assert np.all(fit.coef[target, ~mask] == 0) and np.all(fit.coef_std[target, ~mask] == 0)


def test_fixed_precisions_give_the_closed_form_posterior(rng):
    design = _design(rng)
    prior, noise = 2.0, 0.5
    fit = BayesianRidge(prior_precision=prior, noise_precision=noise).fit(
        design, np.ones((2, 4), bool)
    )
    covariance = np.linalg.inv(noise * design.gram + prior * np.eye(4))
    mean = noise * covariance @ design.cross
    np.testing.assert_allclose(fit.coef, mean.T, rtol=1e-10)
    np.testing.assert_allclose(fit.coef_std[0], np.sqrt(np.diag(covariance)), rtol=1e-10)
    np.testing.assert_allclose(fit.intercept, design.y_mean - fit.coef @ design.x_mean)


def test_bayesian_intervals_cover_the_true_coefficients_at_the_nominal_rate():
    """Weighted-likelihood model (noise variance σ²/w): 95 % intervals cover ~95 %."""
    truth = np.array([1.5, -0.7, 0.0])
    covered = []
    for seed in range(300):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(80, 3))
        w = rng.uniform(0.2, 1.0, size=80)
        y = X @ truth + 0.3 + rng.normal(size=80) * 0.8 / np.sqrt(w)
        fit = BayesianRidge().fit(WeightedDesign(X, y[:, None], w), np.ones((1, 3), bool))
        half = 1.959964 * fit.coef_std[0]
        covered.append(np.abs(fit.coef[0] - truth) <= half)
    rate = np.mean(covered)
    assert 0.93 <= rate <= 0.97, rate


def test_tabular_explanations_with_bayesian_ridge_cover_known_coefficients():
    """A noisy linear model explained by TabularExplainer (flat kernel): ~95 % coverage."""
    beta = np.array([2.0, -1.0, 0.5])
    train = np.random.default_rng(0).normal(size=(500, 3)) * [1.0, 2.0, 0.5]
    explainer = TabularExplainer(
        train,
        mode="regression",
        discretize_continuous=False,
        sample_around_instance=True,
        kernel_width=1e6,
    )
    truth = beta * train.std(axis=0)
    covered = []
    for seed in range(120):
        noise = np.random.default_rng(10_000 + seed)

        def model(rows, noise=noise):
            return rows @ beta + noise.normal(size=len(rows))

        explanation = explainer.explain(
            train[1],
            model,
            num_features=3,
            num_samples=150,
            model_regressor=BayesianRidge(),
            random_state=seed,
            sampler="random",
        )
        low, high = explanation.coef_interval(0.95)
        covered.append((low[0] <= truth) & (truth <= high[0]))
    rate = np.mean(covered)
    assert 0.91 <= rate <= 0.985, rate


def test_ridge_standard_errors_follow_visani(rng):
    design = _design(rng)
    fit = Ridge(alpha=1.0, compute_std=True).fit(design, np.ones((2, 4), bool))
    W = np.diag(design.w)
    Xc = design.X - design.x_mean
    inverse = np.linalg.inv(Xc.T @ W @ Xc + np.eye(4))
    for target in range(2):
        residual = design.Y[:, target] - design.y_mean[target] - Xc @ fit.coef[target]
        sigma2 = residual @ W @ residual / (len(residual) - 4 - 1)
        covariance = sigma2 * inverse @ Xc.T @ W @ Xc @ inverse
        np.testing.assert_allclose(fit.coef_std[target], np.sqrt(np.diag(covariance)), rtol=1e-8)
    assert Ridge().fit(design, np.ones((2, 4), bool)).coef_std is None


def test_bootstrap_standard_errors_match_theory_and_are_deterministic(rng):
    n = 400
    X = rng.normal(size=(n, 2))
    y = X @ [1.0, -2.0] + rng.normal(size=n)
    design = WeightedDesign(X, y[:, None], np.ones(n))
    selected = np.ones((1, 2), bool)
    fit = Bootstrap(Ridge(alpha=0.0), n_resamples=400, random_state=3).fit(design, selected)
    theory = np.sqrt(np.diag(np.linalg.inv(design.gram)) * 1.0)
    np.testing.assert_allclose(fit.coef_std[0], theory, rtol=0.2)
    np.testing.assert_allclose(fit.coef, Ridge(alpha=0.0).fit(design, selected).coef)
    again = Bootstrap(Ridge(alpha=0.0), n_resamples=400, random_state=3).fit(design, selected)
    np.testing.assert_array_equal(fit.coef_std, again.coef_std)


def test_bootstrap_wraps_any_surrogate(rng):
    from sklearn.linear_model import Ridge as SkRidge

    design = _design(rng)
    fit = Bootstrap(SklearnSurrogate(SkRidge(alpha=1.0)), n_resamples=20).fit(
        design, np.ones((2, 4), bool)
    )
    assert fit.coef_std.shape == (2, 4) and np.all(fit.coef_std > 0)


def test_bad_parameters():
    with pytest.raises(InputError, match="prior_precision must be a positive number"):
        BayesianRidge(prior_precision=-1.0)
    with pytest.raises(InputError, match="n_resamples must be an integer >= 2"):
        Bootstrap(n_resamples=1)


@pytest.fixture(scope="module")
def bayesian_explanation(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:450], random_state=0)
    return explainer.explain(
        cancer.data[455],
        cancer_forest.predict_proba,
        labels=(0, 1),
        num_features=5,
        num_samples=1000,
        model_regressor=BayesianRidge(),
    )


def test_intervals_in_frame_json_and_plot(bayesian_explanation):
    explanation = bayesian_explanation
    assert explanation.coef_std is not None and np.all(
        explanation.coef_std[explanation.selected] > 0
    )
    frame = pytest.importorskip("pandas") and explanation.as_frame()
    assert {"std", "lower", "upper", "score", "adjusted_score", "fidelity_gap"} <= set(frame)
    assert np.all(frame.lower < frame.weight) and np.all(frame.weight < frame.upper)
    np.testing.assert_allclose(frame.upper - frame.weight, 1.959964 * frame["std"], rtol=1e-6)
    low, high = explanation.coef_interval(0.5)
    assert np.all(high - low <= 2 * 0.675 * explanation.coef_std + 1e-12)
    data = json.loads(explanation.to_json())
    assert data["fidelity"]["adjusted_score"] == explanation.adjusted_score.tolist()
    again = Explanation.from_json(explanation.to_json())
    np.testing.assert_array_equal(again.coef_std, explanation.coef_std)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = explanation.as_pyplot_figure(label=1).axes[0]
    errorbar = next(c for c in ax.containers if type(c).__name__ == "ErrorbarContainer")
    segments = errorbar.lines[2][0].get_segments()
    widths = sorted(abs(s[1][0] - s[0][0]) / 2 for s in segments)
    np.testing.assert_allclose(widths, sorted(1.959964 * frame[frame.label == 1]["std"]), rtol=1e-6)


def test_frame_without_std_still_shows_fidelity(cancer, cancer_forest):
    explanation = TabularExplainer(cancer.data[:450], random_state=0).explain(
        cancer.data[455], cancer_forest.predict_proba, num_samples=500
    )
    pytest.importorskip("pandas")
    frame = explanation.as_frame()
    assert "std" not in frame and explanation.coef_interval() is None
    np.testing.assert_allclose(frame.fidelity_gap, explanation.fidelity_gap[0])
    np.testing.assert_allclose(frame.adjusted_score, explanation.adjusted_score[0])
