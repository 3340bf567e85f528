"""The n × n form of wide designs (features outnumber samples) against the d × d form."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from limette._design import StackedDesign, WeightedDesign
from limette.engine import wide as _wide
from limette.engine.evaluate import fit_local_model
from limette.selection import FEATURE_SELECTIONS, select_features
from limette.surrogates import Lasso, Ridge, fit_stacked
from limette.uncertainty import BayesianRidge, Bootstrap


def _data(n: int = 40, d: int = 120, k: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d)) < 0.5
    X[0] = True
    beta = rng.normal(size=(d, k)) * (rng.random((d, 1)) < 0.1)
    Y = X @ beta + 0.05 * rng.normal(size=(n, k))
    w = np.exp(-rng.random(n))
    return X, Y, w


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch):
    """Force the d × d form (the reference) on the same data."""

    def force() -> None:
        monkeypatch.setattr(_wide, "is_wide", lambda X: False)

    return force


def _pair(narrow, surrogate, selected=None, dtype=bool):
    X, Y, w = _data()
    selected = np.ones((Y.shape[1], X.shape[1]), bool) if selected is None else selected
    design = WeightedDesign(X.astype(dtype), Y, w)
    assert design.wide
    wide = surrogate.fit(design, selected)
    narrow()
    reference = surrogate.fit(WeightedDesign(X.astype(float), Y, w), selected)
    assert np.abs(reference.coef).max() > 0.1
    return wide, reference


@pytest.mark.parametrize("dtype", [bool, np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("alpha", [1.0, 0.01])
def test_ridge_matches_the_gram_form(narrow, dtype, alpha):
    wide, reference = _pair(narrow, Ridge(alpha=alpha, compute_std=True), dtype=dtype)
    np.testing.assert_allclose(wide.coef, reference.coef, rtol=0, atol=1e-8)
    np.testing.assert_allclose(wide.intercept, reference.intercept, rtol=0, atol=1e-8)
    np.testing.assert_allclose(wide.coef_std, reference.coef_std, rtol=0, atol=1e-8)


def test_ridge_without_penalty_is_the_minimum_norm_solution():
    X, Y, w = _data()
    fit = Ridge(alpha=0.0).fit(WeightedDesign(X, Y, w), np.ones((3, X.shape[1]), bool))
    mean = w @ X / w.sum()
    scaled = np.sqrt(w)[:, None] * (X - mean)
    target = np.sqrt(w)[:, None] * (Y - w @ Y / w.sum())
    reference = np.linalg.lstsq(scaled, target, rcond=None)[0]
    np.testing.assert_allclose(fit.coef, reference.T, rtol=0, atol=1e-8)


def test_negative_weights_solve_the_unsymmetric_system(narrow):
    X, Y, _ = _data()
    w = np.random.default_rng(3).normal(size=len(X))
    selected = np.ones((3, X.shape[1]), bool)
    wide = Ridge().fit(WeightedDesign(X, Y, w), selected)
    narrow()
    reference = Ridge().fit(WeightedDesign(X.astype(float), Y, w), selected)
    np.testing.assert_allclose(wide.coef, reference.coef, rtol=0, atol=1e-8)


@pytest.mark.parametrize("method", sorted(FEATURE_SELECTIONS))
@pytest.mark.parametrize("num_features", [3, 8])
def test_selection_matches_the_gram_form(narrow, method, num_features):
    X, Y, w = _data()
    wide = select_features(WeightedDesign(X, Y, w), num_features, method)
    narrow()
    reference = select_features(WeightedDesign(X.astype(float), Y, w), num_features, method)
    assert reference.any()
    np.testing.assert_array_equal(wide, reference)


@pytest.mark.parametrize("method", ["forward_selection", "lasso_path", "highest_weights"])
def test_selected_fit_matches_the_gram_form(narrow, method):
    X, Y, w = _data()
    selected = select_features(WeightedDesign(X, Y, w), 6, method)
    surrogates = (Ridge(compute_std=True), BayesianRidge())
    wide = [s.fit(WeightedDesign(X, Y, w), selected) for s in surrogates]
    narrow()
    for surrogate, fit in zip(surrogates, wide):
        reference = surrogate.fit(WeightedDesign(X.astype(float), Y, w), selected)
        assert np.abs(reference.coef).max() > 0.1
        np.testing.assert_allclose(fit.coef, reference.coef, rtol=0, atol=1e-8)
        np.testing.assert_allclose(fit.coef_std, reference.coef_std, rtol=0, atol=1e-8)


def test_bayesian_ridge_matches_the_gram_form(narrow):
    wide, reference = _pair(narrow, BayesianRidge())
    np.testing.assert_allclose(wide.coef, reference.coef, rtol=0, atol=1e-8)
    np.testing.assert_allclose(wide.coef_std, reference.coef_std, rtol=0, atol=1e-8)


def test_bootstrap_matches_the_gram_form(narrow):
    wide, reference = _pair(narrow, Bootstrap(n_resamples=4))
    np.testing.assert_allclose(wide.coef_std, reference.coef_std, rtol=0, atol=1e-8)


def test_lasso_working_set_matches_the_gram_form(narrow):
    wide, reference = _pair(narrow, Lasso(alpha=0.01, tol=1e-10, max_iter=200_000))
    assert 0 < (reference.coef != 0).sum() < reference.coef.size
    np.testing.assert_allclose(wide.coef, reference.coef, rtol=0, atol=1e-6)


def test_stacked_designs_share_their_samples(narrow):
    X, Y, w = _data(k=1)
    W = np.stack([w, w[::-1]])
    Ys = np.stack([Y, 2 * Y])
    stack = StackedDesign(np.broadcast_to(X, (2, *X.shape)), Ys, W)
    assert stack.wide
    coef, intercept = fit_stacked(Ridge(), stack)
    narrow()
    for b in range(2):
        design = WeightedDesign(X.astype(float), Ys[b], W[b])
        reference = Ridge().fit(design, np.ones((1, 120), bool))
        np.testing.assert_allclose(coef[b], reference.coef, rtol=0, atol=1e-8)
        np.testing.assert_allclose(intercept[b], reference.intercept, rtol=0, atol=1e-8)


def test_a_wide_design_never_forms_its_gram_matrix():
    X, Y, w = _data()
    with pytest.raises(RuntimeError, match="never forms"):
        _ = WeightedDesign(X, Y, w).gram


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("method", ["auto", "forward_selection", "lasso_path", "none"])
def test_memory_stays_linear_in_the_features(method):
    """d = 200 000 features, 50 samples: a d × d matrix would take 320 GB."""
    rng = np.random.default_rng(1)
    n, d = 50, 200_000
    X = rng.random((n, d)) < 0.5
    X[0] = True
    Y = X[:, :5] @ np.array([1.0, -2.0, 0.5, 3.0, 1.5])[:, None] * 1.0
    w = np.ones(n)
    tracemalloc.start()
    local = fit_local_model(
        X, Y, w, num_features=5, feature_selection=method, surrogate=BayesianRidge()
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert local.selected.sum() <= 5 if method != "none" else local.selected.all()
    assert local.score[0] > 0.5
    path = 8 * 501 * d if method == "lasso_path" else 0  # LARS keeps its path: 500 steps
    assert peak < 40 * n * d + path  # a few float64 copies of the samples at most


def test_wide_binary_samples_are_compact_and_drawn_from_the_same_stream():
    from limette.sampling import BernoulliSampler, UniformCountSampler

    n, d = 40, 3000
    Z = BernoulliSampler(0.5, scheme="random").sample(n, d, np.random.default_rng(5))
    reference = np.random.default_rng(5).random((n - 1, d)) < 0.5
    assert Z.dtype == bool and Z[0].all()
    np.testing.assert_array_equal(Z[1:], reference)
    Z = UniformCountSampler().sample(n, d, np.random.default_rng(5))
    off = np.random.default_rng(5).integers(1, d + 1, size=n)
    assert Z.dtype == bool and Z[0].all()
    np.testing.assert_array_equal((~Z[1:]).sum(axis=1), off[1:])


def test_tensor_lime_on_wide_inputs_matches_the_gram_form(narrow):
    from limette import Lime

    weight = np.random.default_rng(2).normal(size=3 * 6 * 6)
    x = np.random.default_rng(3).random((2, 3, 6, 6))

    def model(batch):
        return batch.reshape(len(batch), -1) @ weight

    def attribute(surrogate):
        return Lime(model, interpretable_model=surrogate, random_state=0).attribute(x, n_samples=60)

    surrogates = (Ridge(), Lasso(alpha=0.001, tol=1e-12, max_iter=100_000))
    wide = [attribute(s) for s in surrogates]
    narrow()
    for surrogate, tolerance, fit in zip(surrogates, (1e-8, 1e-6), wide):
        reference = attribute(surrogate)
        assert np.abs(reference).max() > 0.01
        np.testing.assert_allclose(fit, reference, rtol=0, atol=tolerance)


def test_text_on_wide_documents_matches_the_gram_form(narrow):
    from limette import TextExplainer

    document = " ".join(f"w{i}" for i in range(400))

    def classify(texts):
        p = np.array([(" w7 " in t) * 0.6 + (" w99 " in t) * 0.3 + 0.05 for t in texts])
        return np.column_stack([1 - p, p])

    def explain():
        return TextExplainer().explain(document, classify, num_samples=100, random_state=0)

    wide = explain()
    narrow()
    reference = explain()
    assert {"w7", "w99"} <= {name for name, _ in reference.as_list()}
    np.testing.assert_array_equal(wide.selected, reference.selected)
    np.testing.assert_allclose(wide.coef, reference.coef, rtol=0, atol=1e-8)
    np.testing.assert_allclose(wide.score, reference.score, rtol=0, atol=1e-8)


def test_distances_of_boolean_samples_equal_those_of_floats():
    from limette.kernels import cosine_distance, euclidean_distance

    Z = np.random.default_rng(0).random((20, 300)) < 0.5
    Z[0], Z[5] = True, False
    for distance in (cosine_distance, euclidean_distance):
        reference = distance(Z.astype(float))
        assert reference.max() > 0.5
        np.testing.assert_allclose(distance(Z), reference, rtol=0, atol=1e-12)


def _lasso_objective(X, y, w, coef, intercept, alpha):
    residual = y - X @ coef - intercept
    return w @ residual**2 / (2 * w.sum()) + alpha * np.abs(coef).sum()


@pytest.mark.parametrize("alpha", [0.1, 0.01, 0.001])
@pytest.mark.parametrize("shape", [(40, 120), (60, 600)])
def test_wide_lasso_matches_scikit_learn(alpha, shape):
    """The working-set lasso against scikit-learn's coordinate descent on the full problem,
    both to a duality gap of 1e-12 of the response's sum of squares: the objectives agree
    to 1e-6 relative and, the solution being unique (0/1 columns in general position,
    fewer non-zeros than samples), the coefficients to 1e-7 (seen: 5e-10 at most)."""
    from sklearn.linear_model import Lasso as SkLasso

    n, d = shape
    X, Y, w = _data(n=n, d=d, k=1, seed=d)
    design = WeightedDesign(X, Y, w)
    assert design.wide
    fit = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(design, np.ones((1, d), bool))
    reference = SkLasso(alpha=alpha, tol=1e-12, max_iter=1_000_000)
    reference.fit(X.astype(float), Y[:, 0], sample_weight=w)
    ours = _lasso_objective(X, Y[:, 0], w, fit.coef[0], fit.intercept[0], alpha)
    theirs = _lasso_objective(X, Y[:, 0], w, reference.coef_, reference.intercept_, alpha)
    assert 0 < (reference.coef_ != 0).sum() < d
    assert abs(ours - theirs) <= 1e-6 * theirs
    np.testing.assert_allclose(fit.coef[0], reference.coef_, rtol=0, atol=1e-7)
    np.testing.assert_allclose(fit.intercept[0], reference.intercept_, rtol=0, atol=1e-7)


@pytest.mark.parametrize("dtype", [bool, np.float64])
def test_constrained_least_squares_matches_the_kkt_form(dtype):
    """Kernel SHAP's fit on 80 features from 30 samples: the n × n form against the
    pseudo-inverse of the (d + 1)-square KKT system (its shortest exact solution; the
    plain d × d solve is numerically singular here)."""
    from limette.surrogates import ConstrainedLeastSquares

    rng = np.random.default_rng(4)
    n, d = 30, 80
    X = rng.random((n, d)) < 0.3
    X[0], X[1] = True, False
    Y = X @ rng.normal(size=(d, 2)) + 0.1 * rng.normal(size=(n, 2))
    w = rng.random(n) + 0.1
    selected = np.ones((2, d), bool)
    selected[1, :5] = False
    design = WeightedDesign(X.astype(dtype), Y, w)
    assert design.wide
    fit = ConstrainedLeastSquares().fit(design, selected)
    for k in range(2):
        columns = np.flatnonzero(selected[k])
        Z, inner = X[2:, columns].astype(float), w[2:]
        p = len(columns)
        kkt = np.zeros((p + 1, p + 1))
        kkt[:p, :p] = Z.T @ (inner[:, None] * Z)
        kkt[:p, p] = kkt[p, :p] = 1.0
        rhs = np.append(Z.T @ (inner * (Y[2:, k] - Y[1, k])), Y[0, k] - Y[1, k])
        reference = np.linalg.pinv(kkt, hermitian=True) @ rhs
        assert np.abs(reference[:p]).max() > 0.1
        np.testing.assert_allclose(fit.coef[k, columns], reference[:p], rtol=0, atol=1e-8)
        assert fit.intercept[k] == pytest.approx(Y[1, k], abs=1e-12)
        assert fit.coef[k, columns].sum() == pytest.approx(Y[0, k] - Y[1, k], abs=1e-10)
    assert not fit.coef[1, :5].any()


def test_a_wide_lasso_that_runs_out_of_rounds_says_so():
    """Coordinate descent held to one sweep a round cannot reach a tolerance of 1e-15 in
    the working set's rounds: the fit warns instead of returning approximate weights
    silently."""
    from limette.errors import SurrogateConvergenceWarning

    X, Y, w = _data(k=1)
    design = WeightedDesign(X, Y, w)
    assert design.wide
    with pytest.warns(SurrogateConvergenceWarning, match="working-set rounds"):
        Lasso(alpha=0.001, max_iter=1, tol=1e-15).fit(design, np.ones((1, 120), bool))
