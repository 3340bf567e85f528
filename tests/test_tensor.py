"""Lime, LimeBase and KernelShap on arrays and tensors: known answers, Captum's shapes,
determinism and errors; the Lasso surrogate and stacked designs they rely on."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from limette import KernelShap, Lime, LimeBase, Ridge
from limette._design import StackedDesign, WeightedDesign
from limette.errors import InputError, LimetteWarning, ModelOutputError
from limette.sampling import BernoulliSampler
from limette.surrogates import Lasso, fit_stacked
from limette.tensor import get_exp_kernel_similarity_function

BETA = np.array([1.0, -2.0, 0.5, 3.0, 0.0, 1.5])


def linear(x):
    return x.reshape(len(x), -1) @ BETA


# ------------------------------------------------------------------ surrogates
def test_lasso_matches_scikit_learn_with_sample_weight():
    from sklearn.linear_model import Lasso as SkLasso

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    Y = X @ rng.normal(size=(6, 2)) + rng.normal(size=(300, 2)) * 0.3
    w = rng.random(300)
    fit = Lasso(alpha=0.05, tol=1e-12).fit(WeightedDesign(X, Y, w), np.ones((2, 6), bool))
    for k in range(2):
        reference = SkLasso(alpha=0.05, tol=1e-12, max_iter=100000).fit(X, Y[:, k], sample_weight=w)
        assert np.abs(reference.coef_).max() > 0.1 and (reference.coef_ == 0).sum() < 6
        np.testing.assert_allclose(fit.coef[k], reference.coef_, atol=1e-6)
        assert fit.intercept[k] == pytest.approx(reference.intercept_, abs=1e-6)


def test_stacked_fits_equal_one_design_at_a_time():
    rng = np.random.default_rng(1)
    X = (rng.random((3, 80, 5)) < 0.5).astype(float)
    Y, w = rng.normal(size=(3, 80, 2)), rng.random((3, 80))
    stack = StackedDesign(X, Y, w)
    for surrogate in (Ridge(alpha=1.0), Lasso(alpha=0.01)):
        coef, intercept = fit_stacked(surrogate, stack)
        for b in range(3):
            single = surrogate.fit(WeightedDesign(X[b], Y[b], w[b]), np.ones((2, 5), bool))
            np.testing.assert_allclose(coef[b], single.coef, atol=1e-8)
            np.testing.assert_allclose(intercept[b], single.intercept, atol=1e-8)
    np.testing.assert_allclose(stack.gram[1], WeightedDesign(X[1], Y[1], w[1]).gram)


# ------------------------------------------------------------------ known answers
def test_lime_recovers_each_group_sum_of_a_linear_model():
    x = np.array([[1.0, 2.0, -1.0, 0.5, 4.0, 2.0]])
    mask = np.array([[0, 0, 1, 1, 2, 2]])
    contributions = np.bincount(mask[0], BETA * x[0])
    assert np.abs(contributions).max() > 1
    exact = Lime(linear, interpretable_model=Ridge(alpha=0.0), random_state=0)
    coef = exact.attribute(x, feature_mask=mask, n_samples=200, return_input_shape=False)
    np.testing.assert_allclose(coef[0], contributions, atol=1e-10)
    default = Lime(linear, random_state=0).attribute(x, feature_mask=mask, n_samples=500)
    np.testing.assert_allclose(default[0], contributions[mask[0]], atol=0.05)


def test_lime_baseline_changes_what_absent_means():
    x, baseline = np.array([[1.0, 2.0, -1.0, 0.5, 4.0, 2.0]]), np.full((1, 6), 1.0)
    mask = np.array([0, 0, 1, 1, 2, 2])
    lime = Lime(linear, interpretable_model=Ridge(alpha=0.0), random_state=0)
    coef = lime.attribute(
        x, baselines=baseline, feature_mask=mask, n_samples=100, return_input_shape=False
    )
    np.testing.assert_allclose(coef[0], np.bincount(mask, BETA * (x[0] - 1.0)), atol=1e-10)


def test_numpy_forward_gets_numpy_and_torch_matches_numpy():
    torch = pytest.importorskip("torch")
    seen = []

    def forward(x):
        seen.append(type(x))
        return np.tanh(x @ BETA)

    x = np.linspace(-1, 1, 12).reshape(2, 6)
    got = Lime(forward, random_state=3).attribute(x, n_samples=50)
    assert set(seen) == {np.ndarray} and got.dtype == np.float64
    beta = torch.as_tensor(BETA)
    as_torch = Lime(lambda t: torch.tanh(t @ beta), random_state=3).attribute(
        torch.as_tensor(x), n_samples=50
    )
    assert isinstance(as_torch, torch.Tensor) and as_torch.dtype == torch.float64
    np.testing.assert_allclose(as_torch.numpy(), got, atol=1e-9)


# ------------------------------------------------------------------ determinism
def test_same_seed_same_answer_across_perturbations_per_eval_and_batches():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3, 6))

    def forward(x):
        return np.sin(x @ BETA)

    runs = [
        Lime(forward, random_state=11).attribute(X, n_samples=60, perturbations_per_eval=p)
        for p in (1, 7, None)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0], runs[2])
    alone = Lime(forward, random_state=11).attribute(X[1:2], n_samples=60)
    np.testing.assert_allclose(alone[0], runs[0][1], atol=1e-12)
    other = Lime(forward, random_state=12).attribute(X, n_samples=60)
    assert not np.allclose(other, runs[0])
    shap = [
        KernelShap(forward, random_state=5).attribute(X, n_samples=30, perturbations_per_eval=p)
        for p in (1, 4)
    ]
    np.testing.assert_array_equal(shap[0], shap[1])


# ------------------------------------------------------------------ Captum's shapes
def _captum_cases(torch):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(6, 3))
    image_net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 2))

    def two_inputs(a, b):
        return net(torch.cat([a, b.reshape(len(b), -1)], dim=1))

    square = torch.tensor([[[[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]]])
    return [
        (net, torch.randn(1, 6), {"target": 1}),
        (net, torch.randn(3, 6), {"target": [0, 1, 2]}),
        (net, torch.randn(3, 6), {"target": 1, "return_input_shape": False}),
        (net, torch.randn(2, 6), {"target": 2, "baselines": torch.ones(1, 6)}),
        (
            lambda x: net(x)[:, 0],
            torch.randn(2, 6),
            {"feature_mask": torch.tensor([[0, 0, 1, 1, 2, 2]])},
        ),
        (lambda x: net(x).sum(), torch.randn(3, 6), {}),
        (lambda x: net(x).sum(), torch.randn(3, 6), {"return_input_shape": False}),
        (
            two_inputs,
            (torch.randn(2, 2), torch.randn(2, 2, 2)),
            {
                "target": 0,
                "feature_mask": (torch.tensor([[0, 1]]), torch.tensor([[[1, 2], [3, 3]]])),
            },
        ),
        (
            two_inputs,
            (torch.randn(1, 2), torch.randn(1, 2, 2)),
            {"target": 1, "baselines": (0.5, torch.zeros(1, 2, 2)), "return_input_shape": False},
        ),
        (image_net, torch.randn(2, 3, 4, 4), {"target": 1, "feature_mask": square}),
    ]


@pytest.mark.parametrize("kind", ["Lime", "KernelShap"])
def test_output_shapes_match_captum(kind):
    torch = pytest.importorskip("torch")
    captum_attr = pytest.importorskip("captum.attr")
    ours, theirs = {
        "Lime": (Lime, captum_attr.Lime),
        "KernelShap": (KernelShap, captum_attr.KernelShap),
    }[kind]
    for forward, inputs, kwargs in _captum_cases(torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            expected = theirs(forward).attribute(inputs, n_samples=8, **kwargs)
        got = ours(forward, random_state=0).attribute(inputs, n_samples=8, **kwargs)
        expected_shapes = [
            tuple(t.shape) for t in (expected if isinstance(expected, tuple) else (expected,))
        ]
        got_shapes = [tuple(t.shape) for t in (got if isinstance(got, tuple) else (got,))]
        assert got_shapes == expected_shapes, kwargs
        assert isinstance(got, tuple) == isinstance(expected, tuple)


def test_masked_tensors_share_a_feature_across_inputs():
    torch = pytest.importorskip("torch")
    a, b = torch.ones(1, 2), torch.ones(1, 3)

    def forward(a, b):
        return 2 * a.sum(1) + b.sum(1)

    masks = (torch.tensor([[0, 1]]), torch.tensor([[1, 1, 2]]))
    out = Lime(forward, interpretable_model=Ridge(alpha=0.0), random_state=0).attribute(
        (a, b), feature_mask=masks, n_samples=64, return_input_shape=False
    )
    np.testing.assert_allclose(out.numpy(), [[2.0, 4.0, 1.0]], atol=1e-9)


# ------------------------------------------------------------------ LimeBase
def _ones_similarity(original, perturbed, interpretable, **kwargs):
    return np.ones(len(interpretable))


def test_lime_base_accepts_one_sample_batches_and_generators():
    x = np.array([[1.0, 2.0, -1.0, 0.5, 4.0, 2.0]])
    rng = np.random.default_rng(0)
    Z = (rng.random((120, 6)) < 0.5).astype(float)
    expected = BETA * x[0]

    def one(original, **kwargs):
        one.i = getattr(one, "i", -1) + 1
        return Z[one.i % 120]

    def batch(original, **kwargs):
        return Z[:50]

    def generator(original, **kwargs):
        yield from Z

    transform = lambda z, original, **kwargs: z * original  # noqa: E731
    for perturb in (one, batch, generator):
        lime = LimeBase(linear, Ridge(alpha=0.0), _ones_similarity, perturb, True, transform, None)
        coef = lime.attribute(x, n_samples=100, perturbations_per_eval=16)
        np.testing.assert_allclose(coef[0], expected, atol=1e-9)


def test_lime_base_input_space_perturbations_and_per_sample_similarity():
    x = np.array([[1.0, 2.0, -1.0, 0.5, 4.0, 2.0]])
    rng = np.random.default_rng(1)

    def perturb(original, **kwargs):
        return original + rng.normal(size=original.shape)

    def to_interp(sample, original, **kwargs):
        return sample

    def scalar_similarity(original, perturbed, interpretable, **kwargs):
        if len(perturbed) != 1:
            return 1.0  # one number for a whole batch: must be called per sample
        return float(np.exp(-np.sum((perturbed - original) ** 2) / 50))

    lime = LimeBase(linear, Ridge(alpha=0.0), scalar_similarity, perturb, False, None, to_interp)
    coef = lime.attribute(x, n_samples=40)
    np.testing.assert_allclose(coef[0], BETA, atol=1e-9)


def test_lime_base_with_a_captum_model():
    torch = pytest.importorskip("torch")
    linear_model = pytest.importorskip("captum._utils.models.linear_model")
    x = torch.tensor([[1.0, 2.0, -1.0, 0.5, 4.0, 2.0]])
    beta = torch.as_tensor(BETA, dtype=torch.float32)

    def perturb(original, **kwargs):
        return torch.bernoulli(torch.full((1, 6), 0.5))

    lime = LimeBase(
        lambda t: t @ beta,
        linear_model.SkLearnLinearRegression(),
        lambda o, p, z, **k: torch.ones(len(z)),
        perturb,
        True,
        lambda z, o, **k: z * o,
        None,
        random_state=0,
    )
    coef = lime.attribute(x, n_samples=80)
    np.testing.assert_allclose(coef.reshape(-1).numpy(), (beta * x[0]).numpy(), atol=1e-4)
    again = LimeBase(
        lambda t: t @ beta,
        linear_model.SkLearnLinearRegression(),
        lambda o, p, z, **k: torch.ones(len(z)),
        perturb,
        True,
        lambda z, o, **k: z * o,
        None,
        random_state=0,
    ).attribute(x, n_samples=5)
    assert again.shape[-1] == 6


def test_lime_with_captum_style_perturb_and_similarity_functions():
    torch = pytest.importorskip("torch")
    from captum.attr._core.lime import get_exp_kernel_similarity_function as captum_similarity

    def perturb(original, **kwargs):
        return torch.bernoulli(torch.full((1, kwargs["num_interp_features"]), 0.5))

    X = torch.tensor(
        [[1.0, 2.0, -1.0, 0.5, 4.0, 2.0], [0.5, 1.0, 1.0, 1.0, -1.0, 2.0]], dtype=torch.float64
    )
    beta = torch.as_tensor(BETA)
    lime = Lime(lambda t: t @ beta, Ridge(alpha=0.0), captum_similarity(), perturb, random_state=4)
    first = lime.attribute(X, n_samples=40, return_input_shape=False)
    np.testing.assert_allclose(first.numpy(), (X * beta).numpy(), atol=1e-8)
    np.testing.assert_array_equal(
        first.numpy(), lime.attribute(X, n_samples=40, return_input_shape=False).numpy()
    )


def test_vectorised_similarity_matches_the_captum_definition():
    torch = pytest.importorskip("torch")
    from captum.attr._core.lime import get_exp_kernel_similarity_function as captum_similarity

    x, baseline = (
        torch.randn(1, 2, 3, dtype=torch.float64),
        torch.randn(1, 2, 3, dtype=torch.float64),
    )
    mask = torch.tensor([[[0, 1, 1], [2, 2, 3]]])
    Z = BernoulliSampler().sample(20, 4, np.random.default_rng(0))
    from limette.tensor import _inputs as ti

    inputs = ti.format_inputs(x)
    sums = ti.feature_sums(inputs, (baseline,), ti.format_feature_mask(mask, inputs))
    for mode in ("cosine", "euclidean"):
        ours = get_exp_kernel_similarity_function(mode, 0.7)
        fast = ours.from_sums(Z, sums)[0]
        reference = [
            captum_similarity(mode, 0.7)(
                x, torch.where(torch.as_tensor(z)[mask].bool(), x, baseline), None
            )
            for z in Z
        ]
        np.testing.assert_allclose(fast, reference, rtol=1e-5)
        perturbed = torch.where(torch.as_tensor(Z)[:, mask[0]].bool(), x, baseline)
        np.testing.assert_allclose(ours(x, perturbed, Z), reference, rtol=1e-5)


# ------------------------------------------------------------------ bad input
def test_feature_mask_shape_mismatch():
    with pytest.raises(InputError, match="feature_mask has shape"):
        Lime(linear).attribute(np.ones((1, 6)), feature_mask=np.zeros((1, 5), int))
    with pytest.raises(InputError, match="integer"):
        Lime(linear).attribute(np.ones((1, 6)), feature_mask=np.full((1, 6), 0.5))
    with pytest.raises(InputError, match="2 masks"):
        Lime(linear).attribute(np.ones((1, 6)), feature_mask=(np.zeros(6, int),) * 2)


def test_negative_and_non_contiguous_mask_ids_are_shifted_with_a_warning():
    x = np.array([[1.0, 2.0, -1.0, 0.5, 4.0, 2.0]])
    lime = Lime(linear, interpretable_model=Ridge(alpha=0.0), random_state=0)
    plain = lime.attribute(x, feature_mask=np.array([[0, 0, 1, 1, 2, 2]]), n_samples=60)
    with pytest.warns(LimetteWarning, match="shifted"):
        shifted = lime.attribute(x, feature_mask=np.array([[-2, -2, -1, -1, 0, 0]]), n_samples=60)
    np.testing.assert_array_equal(shifted, plain)
    with pytest.warns(LimetteWarning, match="not contiguous"):
        gaps = lime.attribute(
            x, feature_mask=np.array([[0, 0, 2, 2, 3, 3]]), n_samples=60, return_input_shape=False
        )
    assert gaps.shape == (1, 4) and gaps[0, 1] == 0.0
    np.testing.assert_allclose(
        gaps[0, [0, 2, 3]], np.bincount([0, 0, 1, 1, 2, 2], BETA * x[0]), atol=1e-9
    )


def test_wrong_baselines():
    with pytest.raises(InputError, match="baselines\\[0\\] has shape"):
        Lime(linear).attribute(np.ones((1, 6)), baselines=np.zeros((1, 5)))
    with pytest.raises(InputError, match="2 entries"):
        Lime(linear).attribute(np.ones((1, 6)), baselines=(0.0, 1.0))


def test_forward_returning_the_wrong_number_of_outputs():
    def three(x):
        return np.ones((len(x), 3))

    with pytest.raises(ModelOutputError, match="target"):
        Lime(three).attribute(np.ones((1, 6)), n_samples=5)
    with pytest.raises(ModelOutputError, match="2 values for 3 examples"):
        Lime(lambda x: np.ones(2)).attribute(np.ones((3, 6)), n_samples=5)
    with pytest.raises(InputError, match="perturbations_per_eval must be 1"):
        Lime(lambda x: x.sum()).attribute(np.ones((3, 6)), n_samples=5, perturbations_per_eval=4)
    with pytest.raises(InputError, match="target has 2 entries"):
        Lime(three).attribute(np.ones((3, 6)), target=[0, 1], n_samples=5)
    with pytest.raises(InputError, match="n_samples >= 2"):
        KernelShap(linear).attribute(np.ones((1, 6)), n_samples=1)
    with pytest.raises(InputError, match="same first"):
        Lime(linear).attribute((np.ones((1, 6)), np.ones((2, 6))))


def test_lime_base_needs_its_transform():
    with pytest.raises(InputError, match="from_interp_rep_transform"):
        LimeBase(linear, Ridge(), _ones_similarity, lambda o: o, True, None, None)


def test_additional_forward_args_and_tuple_targets():
    X = np.array([[1.0, 2.0, -1.0, 0.5, 4.0, 2.0], [2.0, 1.0, 0.0, 1.0, -1.0, 1.0]])
    scale = np.array([[2.0], [-1.0]])

    def forward(x, scale, offset):
        value = linear(x)[:, None] * scale + offset  # (rows, 1)
        return np.stack([value, 2 * value], axis=-1)  # (rows, 1, 2)

    lime = Lime(forward, interpretable_model=Ridge(alpha=0.0), random_state=0)
    coef = lime.attribute(
        X,
        target=[(0, 1), (0, 0)],
        additional_forward_args=(scale, 3.0),
        n_samples=40,
        return_input_shape=False,
    )
    np.testing.assert_allclose(coef[0], 2 * 2.0 * BETA * X[0], atol=1e-9)
    np.testing.assert_allclose(coef[1], -1.0 * BETA * X[1], atol=1e-9)
    same = lime.attribute(
        X,
        target=(0, 1),
        additional_forward_args=(scale, 3.0),
        n_samples=40,
        return_input_shape=False,
    )
    np.testing.assert_allclose(same[1], -2.0 * BETA * X[1], atol=1e-9)


def test_any_scikit_learn_regressor_is_a_surrogate():
    from sklearn.linear_model import Ridge as SkRidge

    X = np.array([[1.0, 2.0, -1.0, 0.5, 4.0, 2.0], [2.0, 1.0, 0.0, 1.0, -1.0, 1.0]])
    forward = lambda x: np.tanh(x @ BETA / 4)  # noqa: E731
    ours = Lime(forward, interpretable_model=Ridge(alpha=1.0), random_state=0)
    theirs = Lime(forward, interpretable_model=SkRidge(alpha=1.0), random_state=0)
    mask = np.arange(6)[None] // 2
    expected = ours.attribute(X, n_samples=30, feature_mask=mask)
    assert np.abs(expected).max() > 0.01
    got = theirs.attribute(X, n_samples=30, feature_mask=mask)
    np.testing.assert_allclose(got, expected, atol=1e-10)
