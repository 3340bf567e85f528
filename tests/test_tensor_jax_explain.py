"""limette.jax.explain (pure, under jit and vmap) and the JAX closed-form fits.

Named to sort after the tests that fork worker processes (see WEIGHTS below)."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

from limette.errors import InputError, ModelOutputError, UnknownOptionError  # noqa: E402
from limette.jax import LocalFit, explain  # noqa: E402
from limette.tensor.jax_ops import constrained_least_squares, ridge  # noqa: E402

RNG = np.random.default_rng(11)


def numpy_ridge(Z, y, w, alpha):
    """Reference: weighted ridge with intercept through scikit-learn."""
    from sklearn.linear_model import Ridge

    model = Ridge(alpha=alpha).fit(Z, y, sample_weight=w)
    return model.coef_, model.intercept_


@pytest.mark.parametrize("n, d", [(60, 8), (20, 50)])  # features × features, then n × n
def test_ridge_matches_scikit_learn_in_both_forms(n, d):
    Z = RNG.integers(0, 2, size=(n, d)).astype(np.float64)
    Y = RNG.normal(size=(2, n, 3))
    W = RNG.uniform(0.2, 1.0, size=(2, n))
    coef, intercept = ridge(jnp.asarray(Z), jnp.asarray(Y), jnp.asarray(W), 0.7)
    for b in range(2):
        expected_coef, expected_intercept = numpy_ridge(Z, Y[b], W[b], 0.7)
        np.testing.assert_allclose(np.asarray(coef[b]), expected_coef, atol=2e-4)
        np.testing.assert_allclose(np.asarray(intercept[b]), expected_intercept, atol=2e-4)


def test_constrained_least_squares_is_exact_on_an_additive_target():
    Z = np.vstack([np.zeros(4), np.ones(4), RNG.integers(0, 2, size=(30, 4))])
    y = Z @ np.array([1.0, -2.0, 0.5, 3.0]) + 4.0
    coef, intercept = constrained_least_squares(
        jnp.asarray(Z), jnp.asarray(y)[None, :, None], jnp.ones((1, len(Z)))
    )
    np.testing.assert_allclose(np.asarray(coef[0, 0]), [1.0, -2.0, 0.5, 3.0], atol=1e-4)
    np.testing.assert_allclose(float(intercept[0, 0]), 4.0, atol=1e-4)


# NumPy at module level: creating a JAX array at collection would start JAX's threads
# before the suite's process-pool tests fork.
WEIGHTS = RNG.normal(size=6).astype(np.float32)


def linear(batch):
    return batch @ WEIGHTS


def test_a_linear_model_is_recovered_under_jit():
    x = jnp.asarray(RNG.uniform(1.0, 2.0, size=6).astype(np.float32))
    run = jax.jit(lambda key, x: explain(key, x, linear, num_samples=300, alpha=1e-3))
    fit = run(jax.random.key(0), x)
    assert isinstance(fit, LocalFit) and fit.coef.shape == (6,)
    np.testing.assert_allclose(np.asarray(fit.coef), WEIGHTS * np.asarray(x), rtol=0.02)
    np.testing.assert_allclose(float(fit.intercept), 0.0, atol=1e-2)
    assert float(fit.score) > 0.999


def test_vmap_equals_one_call_per_instance_and_chunks_do_not_matter():
    X = jnp.asarray(RNG.normal(size=(4, 6)).astype(np.float32))
    keys = jax.random.split(jax.random.key(3), 4)

    def one(key, x, batch_size=None):
        return explain(key, x, jnp.tanh, num_samples=50, batch_size=batch_size)

    batched = jax.vmap(one)(keys, X)
    assert batched.coef.shape == (4, 6, 6)  # k = 6 outputs explained at once
    for i in range(4):
        alone = one(keys[i], X[i])
        np.testing.assert_allclose(np.asarray(batched.coef[i]), np.asarray(alone.coef), atol=1e-5)
    chunked = one(keys[0], X[0], batch_size=16)
    np.testing.assert_allclose(np.asarray(chunked.coef), np.asarray(batched.coef[0]), atol=1e-5)


def test_feature_mask_params_style_model_and_more_features_than_samples():
    image = jnp.asarray(RNG.uniform(size=(10, 10)).astype(np.float32))
    mask = np.repeat(np.arange(50).reshape(5, 10), 2, axis=0)  # 50 features, 2 pixels each
    params = {"w": jnp.asarray(RNG.normal(size=100).astype(np.float32))}

    def model(params, x):
        return x.reshape(len(x), -1) @ params["w"]

    fit = explain(
        jax.random.key(1),
        image,
        model,
        num_samples=40,  # fewer samples than features: the n × n solve
        feature_mask=mask,
        model_kwargs={"params": params},
        alpha=1e-4,
    )
    assert fit.coef.shape == (50,)
    assert bool(jnp.isfinite(fit.coef).all())
    contributions = np.bincount(
        mask.ravel(), (np.asarray(image) * params["w"].reshape(10, 10)).ravel()
    )
    predicted = fit.intercept + fit.coef.sum()
    np.testing.assert_allclose(float(predicted), contributions.sum(), rtol=1e-3)


def test_constraints_are_named():
    x = jnp.ones(6)
    with pytest.raises(InputError, match="num_samples must be a concrete"):
        jax.jit(lambda n: explain(jax.random.key(0), x, linear, num_samples=n))(5)
    with pytest.raises(InputError, match="feature_mask must be concrete"):
        jax.jit(lambda m: explain(jax.random.key(0), x, linear, num_samples=8, feature_mask=m))(
            jnp.arange(6)
        )
    with pytest.raises(InputError, match="feature_mask has shape"):
        explain(jax.random.key(0), x, linear, num_samples=8, feature_mask=np.arange(5))
    with pytest.raises(UnknownOptionError):
        explain(jax.random.key(0), x, linear, num_samples=8, distance="manhattan")
    with pytest.raises(ModelOutputError, match="returned shape"):
        explain(jax.random.key(0), x, lambda b: b.sum(), num_samples=8)
