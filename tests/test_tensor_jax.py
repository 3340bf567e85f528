"""Lime, LimeBase and KernelShap on JAX arrays: NumPy parity, known answers, errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

from limette import KernelShap, Lime, LimeBase, Ridge  # noqa: E402
from limette.errors import InputError, ModelCallError, ModelOutputError  # noqa: E402
from limette.tensor import get_exp_kernel_similarity_function  # noqa: E402

RNG = np.random.default_rng(7)
W_TRUE = RNG.normal(size=(12, 3)).astype(np.float32)
X = RNG.normal(size=(6, 12)).astype(np.float32)


def numpy_model(x):
    return np.tanh(x @ W_TRUE)


def jax_model(params, x):
    return jnp.tanh(x @ params)


def close(jax_result, numpy_result, tol=2e-4):
    reference = np.asarray(numpy_result)
    assert np.abs(reference).max() > 1e-3  # not a trivial all-zero answer
    np.testing.assert_allclose(
        np.asarray(jax_result), reference, atol=tol * np.abs(reference).max()
    )


@pytest.mark.parametrize(
    "surrogate, similarity",
    [
        (Ridge(alpha=1.0), None),
        (Ridge(alpha=1.0), get_exp_kernel_similarity_function("euclidean", 3.0)),
        (None, None),  # Captum's default lasso, fitted on the host
    ],
)
def test_same_seed_gives_the_numpy_explanation(surrogate, similarity):
    numpy_lime = Lime(numpy_model, surrogate, similarity, random_state=3)
    jax_lime = Lime(jax_model, surrogate, similarity, random_state=3)
    expected = numpy_lime.attribute(X, target=1, n_samples=60)
    got = jax_lime.attribute(
        jnp.asarray(X), target=1, n_samples=60, additional_forward_args={"params": W_TRUE}
    )
    assert isinstance(got, jax.Array) and got.shape == X.shape and got.dtype == jnp.float32
    close(got, expected)


def test_tuple_inputs_masks_baselines_and_per_example_targets():
    def numpy_two(a, b):
        return np.tanh(np.concatenate([a, b], axis=1) @ W_TRUE)

    def jax_two(a, b):
        return jnp.tanh(jnp.concatenate([a, b], axis=1) @ W_TRUE)

    a, b = X[:, :5], X[:, 5:]
    masks = (np.array([[0, 0, 1, 1, 2]]), np.array([[3, 3, 4, 4, 5, 5, 6]]))
    baselines = (0.5, np.full((1, 7), -0.25, np.float32))
    target = [0, 1, 2, 0, 1, 2]
    kwargs = {"target": target, "n_samples": 80, "feature_mask": masks}
    expected = Lime(numpy_two, Ridge(), random_state=1).attribute(
        (a, b), baselines=baselines, **kwargs
    )
    got = Lime(jax_two, Ridge(), random_state=1).attribute(
        (jnp.asarray(a), jnp.asarray(b)),
        baselines=(0.5, jnp.asarray(baselines[1])),
        **kwargs,
    )
    assert isinstance(got, tuple) and [g.shape for g in got] == [a.shape, b.shape]
    for g, e in zip(got, expected):
        close(g, e)
    flat = Lime(jax_two, Ridge(), random_state=1).attribute(
        (jnp.asarray(a), jnp.asarray(b)), return_input_shape=False, **kwargs
    )
    assert flat.shape == (6, 7)


def test_a_row_alone_equals_its_row_in_the_batch():
    lime = Lime(jax_model, Ridge(), random_state=5)
    args = {"params": W_TRUE}
    batch = lime.attribute(jnp.asarray(X), target=2, n_samples=50, additional_forward_args=args)
    for i in (0, 4):
        alone = lime.attribute(
            jnp.asarray(X[i : i + 1]), target=2, n_samples=50, additional_forward_args=args
        )
        np.testing.assert_allclose(np.asarray(alone), np.asarray(batch[i : i + 1]), atol=1e-5)
    chunked = lime.attribute(
        jnp.asarray(X),
        target=2,
        n_samples=50,
        additional_forward_args=args,
        perturbations_per_eval=7,
    )
    np.testing.assert_allclose(np.asarray(chunked), np.asarray(batch), atol=1e-5)


def test_linear_model_coefficients_are_recovered():
    weights = jnp.asarray(RNG.normal(size=10).astype(np.float32))
    x = jnp.asarray(RNG.uniform(1.0, 2.0, size=(3, 10)).astype(np.float32))
    lime = Lime(jax.jit(lambda z: z @ weights), Ridge(alpha=1e-3), random_state=0)
    attributions = lime.attribute(x, n_samples=300)
    expected = np.asarray(weights * x)  # baseline 0: feature i moves the output by w_i x_i
    np.testing.assert_allclose(np.asarray(attributions), expected, rtol=0.02, atol=1e-4)


def test_more_features_than_samples_matches_numpy():
    w = RNG.normal(size=(300, 2)).astype(np.float32)
    x = RNG.normal(size=(2, 300)).astype(np.float32)
    expected = Lime(lambda z: np.tanh(z @ w), Ridge(alpha=1.0), random_state=2).attribute(
        x, target=0, n_samples=40
    )
    got = Lime(lambda z: jnp.tanh(z @ w), Ridge(alpha=1.0), random_state=2).attribute(
        jnp.asarray(x), target=0, n_samples=40
    )
    close(got, expected, tol=1e-3)


def brute_force_shapley(f, x, baseline):
    d = len(x)
    values = np.zeros(d)
    for i in range(d):
        others = [j for j in range(d) if j != i]
        for size in range(d):
            for subset in itertools.combinations(others, size):
                weight = math.factorial(size) * math.factorial(d - size - 1) / math.factorial(d)
                on = np.array(baseline, dtype=float)
                on[list(subset)] = x[list(subset)]
                with_i = on.copy()
                with_i[i] = x[i]
                values[i] += weight * (f(with_i) - f(on))
    return values


def test_kernel_shap_exact_mode_equals_brute_force_shapley_values():
    def f(z):
        return z[:, 0] * z[:, 1] + jnp.sin(z[:, 2]) + z[:, 2] * z[:, 3] * z[:, 4]

    x = np.array([[1.0, 2.0, -1.5, 0.5, 3.0], [0.3, -1.0, 2.0, 1.0, -2.0]], np.float32)
    baseline = np.array([0.5, 0.0, 0.25, -1.0, 1.0], np.float32)
    got = KernelShap(f, random_state=0).attribute(
        jnp.asarray(x), baselines=jnp.asarray(baseline[None]), n_samples=64
    )

    def one(z):
        return float(f(jnp.asarray(z[None], jnp.float32))[0])

    for row in range(2):
        expected = brute_force_shapley(one, x[row].astype(float), baseline.astype(float))
        close(got[row], expected, tol=1e-4)


def test_kernel_shap_sampled_matches_numpy():
    x = RNG.normal(size=(3, 12)).astype(np.float32)
    expected = KernelShap(numpy_model, random_state=4).attribute(x, target=0, n_samples=100)
    got = KernelShap(lambda z: jnp.tanh(z @ W_TRUE), random_state=4).attribute(
        jnp.asarray(x), target=0, n_samples=100
    )
    close(got, expected, tol=1e-3)


def test_captum_style_callables_and_lime_base_run_on_host_copies():
    similarity = get_exp_kernel_similarity_function("cosine", 1.0)

    def custom(original, perturbed, interpretable, **kwargs):
        return similarity(original, perturbed, interpretable, **kwargs)

    def draws(original, **kwargs):
        rng = np.random.default_rng(0)
        while True:
            yield rng.integers(0, 2, size=(5, kwargs["num_interp_features"])).astype(float)

    expected = Lime(numpy_model, Ridge(), custom, draws, random_state=9).attribute(
        X[:2], target=0, n_samples=30
    )
    got = Lime(jax_model, Ridge(), custom, draws, random_state=9).attribute(
        jnp.asarray(X[:2]), target=0, n_samples=30, additional_forward_args={"params": W_TRUE}
    )
    assert isinstance(got, jax.Array)
    close(got, expected)

    def perturb(original, **kwargs):
        return np.random.default_rng(0).integers(0, 2, size=(200, 3)).astype(float)

    def base(forward):
        return LimeBase(
            forward,
            Ridge(alpha=0.0),
            lambda o, p, z, **k: np.ones(len(z)),
            perturb,
            True,
            lambda z, o, **k: z * o,
            None,
        )

    weights = np.array([2.0, -1.0, 0.5], np.float32)
    coef = base(lambda x: jnp.asarray(x) @ weights).attribute(jnp.ones((1, 3)), n_samples=200)
    assert isinstance(coef, jax.Array)
    np.testing.assert_allclose(np.asarray(coef), [[2.0, -1.0, 0.5]], atol=1e-5)


def test_positional_extra_arguments_follow_captum():
    def model(x, scale):
        return jnp.tanh(x @ W_TRUE) * scale

    got = Lime(model, Ridge(), random_state=3).attribute(
        jnp.asarray(X), target=1, n_samples=60, additional_forward_args=(2.0,)
    )
    expected = Lime(numpy_model, Ridge(), random_state=3).attribute(X, target=1, n_samples=60)
    close(got, 2.0 * expected)


def test_mixed_kinds_of_inputs_are_named():
    with pytest.raises(InputError, match="inputs mixes JAX arrays with NumPy"):
        Lime(jax_model).attribute((jnp.asarray(X), X))
    torch = pytest.importorskip("torch")
    with pytest.raises(InputError, match="PyTorch"):
        Lime(jax_model).attribute((jnp.asarray(X), torch.as_tensor(X)))


def test_model_returning_the_wrong_shape_is_named():
    lime = Lime(lambda x: jnp.ones((3,)), Ridge(), random_state=0)
    with pytest.raises(ModelOutputError, match="forward_func returned 3 values"):
        lime.attribute(jnp.asarray(X), n_samples=10)
    with pytest.raises(ModelOutputError, match="NaN"):
        Lime(lambda x: x.sum(axis=1) * jnp.nan, Ridge()).attribute(jnp.asarray(X), n_samples=10)


def test_model_errors_are_wrapped():
    def broken(x):
        raise RuntimeError("boom")

    with pytest.raises(ModelCallError, match="boom"):
        Lime(broken, Ridge()).attribute(jnp.asarray(X), n_samples=10)


def test_traced_inputs_point_to_the_functional_api():
    lime = Lime(lambda x: x.sum(axis=1), Ridge(), random_state=0)
    with pytest.raises(InputError, match=r"limette\.jax\.explain"):
        jax.jit(lambda x: lime.attribute(x, n_samples=10))(jnp.asarray(X))


def test_model_aggregating_the_batch_follows_the_numpy_path():
    expected = Lime(lambda x: np.tanh(x @ W_TRUE).sum(keepdims=True)[0], Ridge(), random_state=1)
    got = Lime(lambda x: jnp.tanh(x @ W_TRUE).sum(keepdims=True)[0], Ridge(), random_state=1)
    reference = expected.attribute(X[:3], n_samples=20)
    result = got.attribute(jnp.asarray(X[:3]), n_samples=20)
    assert isinstance(result, jax.Array) and result.shape == (1, 12)
    close(result, reference)
