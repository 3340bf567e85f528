import numpy as np
import pytest
from sklearn.linear_model import Lasso
from sklearn.linear_model import Ridge as SkRidge

from limette._design import WeightedDesign
from limette.surrogates import Ridge, SklearnSurrogate, as_surrogate


def _problem(rng, n=300, d=6, k=3):
    X = rng.normal(size=(n, d))
    Y = X @ rng.normal(size=(d, k)) + rng.normal(scale=0.3, size=(n, k)) + 2.0
    w = rng.uniform(0.05, 1.0, size=n)
    return X, Y, w


@pytest.mark.parametrize("alpha", [0.0, 0.01, 1.0, 10.0])
def test_ridge_matches_sklearn_with_sample_weight(rng, alpha):
    X, Y, w = _problem(rng)
    fit = Ridge(alpha).fit(WeightedDesign(X, Y, w), np.ones((3, 6), bool))
    for j in range(3):
        reference = SkRidge(alpha=alpha).fit(X, Y[:, j], sample_weight=w)
        assert np.abs(reference.coef_).max() > 0.1
        np.testing.assert_allclose(fit.coef[j], reference.coef_, rtol=0, atol=1e-8)
        np.testing.assert_allclose(fit.intercept[j], reference.intercept_, rtol=0, atol=1e-8)


def test_ridge_with_different_feature_sets_per_label(rng):
    X, Y, w = _problem(rng)
    selected = np.zeros((3, 6), bool)
    selected[0, [0, 2]] = True
    selected[1, [0, 2]] = True
    selected[2, [1, 3, 5]] = True
    fit = Ridge(1.0).fit(WeightedDesign(X, Y, w), selected)
    for j in range(3):
        columns = np.flatnonzero(selected[j])
        reference = SkRidge(alpha=1.0).fit(X[:, columns], Y[:, j], sample_weight=w)
        np.testing.assert_allclose(fit.coef[j, columns], reference.coef_, atol=1e-8)
        assert np.all(fit.coef[j, ~selected[j]] == 0)
        np.testing.assert_allclose(fit.intercept[j], reference.intercept_, atol=1e-8)


def test_sklearn_surrogate_fits_each_label(rng):
    X, Y, w = _problem(rng)
    selected = np.ones((3, 6), bool)
    fit = SklearnSurrogate(Lasso(alpha=0.01)).fit(WeightedDesign(X, Y, w), selected)
    reference = Lasso(alpha=0.01).fit(X, Y[:, 1], sample_weight=w)
    np.testing.assert_allclose(fit.coef[1], reference.coef_, atol=1e-10)
    np.testing.assert_allclose(fit.predict(X)[:, 1], reference.predict(X), atol=1e-9)


def test_as_surrogate_accepts_estimators_and_rejects_others():
    assert isinstance(as_surrogate(None), Ridge)
    assert isinstance(as_surrogate(SkRidge()), SklearnSurrogate)
    assert as_surrogate(Ridge(0.5)) == Ridge(0.5)
    with pytest.raises(ValueError, match="model_regressor"):
        as_surrogate("ridge")


@pytest.mark.parametrize("alpha", [1.0, 0.0])
def test_stacked_ridge_is_batched_and_equals_the_per_design_fits(monkeypatch, alpha):
    from limette._design import StackedDesign
    from limette.surrogates import fit_stacked

    rng = np.random.default_rng(0)
    X = (rng.random((4, 50, 6)) < 0.5).astype(float)
    stack = StackedDesign(X, rng.normal(size=(4, 50, 2)), rng.random((4, 50)))
    reference = [Ridge(alpha=alpha).fit(stack.design(b), np.ones((2, 6), bool)) for b in range(4)]

    def refuse(*args, **kwargs):
        raise AssertionError("the stack was fitted design by design")

    monkeypatch.setattr(Ridge, "fit", refuse)
    coef, intercept = fit_stacked(Ridge(alpha=alpha), stack)
    for b, fit in enumerate(reference):
        np.testing.assert_allclose(coef[b], fit.coef, rtol=0, atol=1e-12)
        np.testing.assert_allclose(intercept[b], fit.intercept, rtol=0, atol=1e-12)


def test_a_lasso_stopped_by_max_iter_says_so(rng):
    """An unconverged lasso warns (its weights are approximate); one that converges is
    silent (LimetteWarnings are errors in this suite) and matches scikit-learn."""
    from limette.errors import SurrogateConvergenceWarning
    from limette.surrogates import Lasso as OurLasso

    X, Y, w = _problem(rng, k=1)
    design, everything = WeightedDesign(X, Y, w), np.ones((1, 6), bool)
    with pytest.warns(SurrogateConvergenceWarning, match="after 3 iterations"):
        OurLasso(alpha=0.01, max_iter=3, tol=1e-12).fit(design, everything)
    fit = OurLasso(alpha=0.01).fit(design, everything)
    reference = Lasso(alpha=0.01, tol=1e-10).fit(X, Y[:, 0], sample_weight=w * len(w) / w.sum())
    np.testing.assert_allclose(fit.coef[0], reference.coef_, rtol=0, atol=1e-4)
