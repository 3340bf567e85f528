"""Captum 0.9's tensor API in limette's Lime, LimeBase and KernelShap: user callables,
Captum models, transforms, scalar baselines, empty inputs, seeding and exact Kernel SHAP."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from limette import KernelShap, Lime, LimeBase, Ridge
from limette.tensor import get_exp_kernel_similarity_function
from test_kernel_shap import brute_force_shapley, coalition_values

torch = pytest.importorskip("torch")

BETA = torch.tensor([2.0, -1.0, 0.5, 3.0], dtype=torch.float64)
X = torch.tensor([[1.0, 2.0, -1.0, 0.5], [0.5, -1.0, 2.0, 1.0]], dtype=torch.float64)


def linear(t):
    return t @ BETA


def captum_similarity(*args):
    from captum.attr._core.lime import get_exp_kernel_similarity_function as captum_kernel

    return captum_kernel(*args)


# ---------------------------------------------------------------- user callables
def test_user_similarity_with_the_default_perturbations():
    pytest.importorskip("captum")
    calls = []

    def similarity(original, perturbed, interpretable, **kwargs):
        calls.append((original.shape, perturbed.shape, tuple(interpretable.shape)))
        return 1.0 + float(interpretable.sum())

    lime = Lime(linear, Ridge(alpha=0.0), similarity_func=similarity, random_state=0)
    got = lime.attribute(X, n_samples=30, return_input_shape=False)
    np.testing.assert_allclose(got.numpy(), (X * BETA).numpy(), atol=1e-9)
    # Captum's contract: one perturbation of one example per call
    assert calls == [((1, 4), (1, 4), (1, 4))] * 60
    exact = Lime(linear, Ridge(alpha=0.0), captum_similarity("cosine", 1.0), random_state=0)
    np.testing.assert_allclose(exact.attribute(X, n_samples=30).numpy(), (X * BETA).numpy())


def test_captum_kernel_runs_vectorised_and_equals_calling_it_per_perturbation():
    pytest.importorskip("captum")
    forward = lambda t: torch.tanh(t @ BETA)  # noqa: E731
    for mode, width in (("cosine", 0.5), ("euclidean", 2.0)):
        kernel = captum_similarity(mode, width)
        wrapped = lambda *args, kernel=kernel, **kwargs: kernel(*args, **kwargs)  # noqa: E731
        ours = get_exp_kernel_similarity_function(mode, width)
        results = [
            Lime(forward, Ridge(alpha=1.0), similarity, random_state=3).attribute(X, n_samples=80)
            for similarity in (kernel, wrapped, ours)
        ]
        assert results[0].abs().max() > 1e-2
        # Captum's kernel computes in float32: equal to rounding
        np.testing.assert_allclose(results[0].numpy(), results[1].numpy(), rtol=1e-5)
        np.testing.assert_allclose(results[0].numpy(), results[2].numpy(), rtol=1e-5)


@pytest.mark.parametrize("generator", [False, True])
def test_user_perturbation_function_or_generator(generator):
    calls = []

    def draw(original, **kwargs):
        calls.append(original.shape)
        return torch.bernoulli(torch.full((1, kwargs["num_interp_features"]), 0.5))

    def draws(original, **kwargs):
        while True:
            yield draw(original, **kwargs)

    lime = Lime(linear, Ridge(alpha=0.0), perturb_func=draws if generator else draw)
    torch.manual_seed(0)
    got = lime.attribute(X, n_samples=40, return_input_shape=False)
    np.testing.assert_allclose(got.numpy(), (X * BETA).numpy(), atol=1e-9)
    assert calls == [(1, 4)] * 80


def test_perturbation_function_of_the_wrong_width():
    lime = Lime(linear, perturb_func=lambda original, **kwargs: torch.ones(1, 3))
    with pytest.raises(ValueError, match="4 interpretable features"):
        lime.attribute(X[:1], n_samples=5)


# ---------------------------------------------------------------- interpretable models
def test_captum_models_and_scikit_learn_regressors_agree():
    pytest.importorskip("captum")
    from captum._utils.models.linear_model import SkLearnLasso, SkLearnLinearRegression
    from sklearn.linear_model import Lasso as SkLasso

    forward = lambda t: torch.tanh(t @ BETA)  # noqa: E731
    kwargs = {"n_samples": 200, "return_input_shape": False}
    captum = Lime(forward, SkLearnLasso(alpha=0.05), random_state=1).attribute(X, **kwargs)
    sklearn = Lime(forward, SkLasso(alpha=0.05), random_state=1).attribute(X, **kwargs)
    assert captum.shape == (2, 4) and sklearn.abs().max() > 1e-2
    np.testing.assert_allclose(captum.numpy(), sklearn.numpy(), atol=1e-5)
    exact = Lime(linear, SkLearnLinearRegression(), random_state=1).attribute(X, **kwargs)
    np.testing.assert_allclose(exact.numpy(), (X * BETA).numpy(), atol=1e-4)


def test_lime_base_per_sample_transforms_in_input_space():
    """Captum's ``to_interp_rep_transform`` contract: one perturbation in, ``1 × d`` out."""
    calls = []

    def perturb(original, **kwargs):
        return original * torch.bernoulli(torch.full(original.shape, 0.5, dtype=original.dtype))

    def to_interp(sample, original, **kwargs):
        calls.append(sample.shape)
        return (sample != 0).to(torch.float64).reshape(1, -1)

    lime = LimeBase(
        linear,
        Ridge(alpha=0.0),
        lambda *args, **kwargs: 1.0,
        perturb,
        False,
        None,
        to_interp,
        random_state=2,
    )
    got = lime.attribute(X[:1], n_samples=30)
    np.testing.assert_allclose(got.numpy(), (X[:1] * BETA).numpy(), atol=1e-9)
    assert set(calls) == {(1, 4)}


# ---------------------------------------------------------------- baselines and inputs
@pytest.mark.parametrize(
    "baseline", [True, np.bool_(True), torch.tensor(True)], ids=["bool", "numpy", "tensor"]
)
@pytest.mark.parametrize("user_similarity", [False, True])
def test_boolean_scalar_baseline(baseline, user_similarity):
    weights = torch.tensor([1.0, 2.0, 4.0, 8.0])

    def forward(t):
        assert t.dtype == torch.bool
        return t.float() @ weights

    x = torch.tensor([[True, False, True, False], [False, False, True, True]])
    similarity = (lambda *args, **kwargs: 1.0) if user_similarity else None
    lime = Lime(forward, Ridge(alpha=0.0), similarity, random_state=0)
    got = lime.attribute(x, baselines=baseline, n_samples=40)
    # off means True: a False element gains its weight, a True one never changes
    np.testing.assert_allclose(got.numpy(), np.where(x, 0.0, -weights), atol=1e-6)


@pytest.mark.parametrize("baseline", [3, np.int64(3), 3.0, np.float32(3.0)])
def test_integer_and_float_scalar_baselines(baseline):
    def forward(t):
        assert t.dtype == torch.int64
        return t.double() @ BETA

    x = torch.tensor([[5, 1, 3, -2]])
    lime = Lime(forward, Ridge(alpha=0.0), random_state=0)
    got = lime.attribute(x, baselines=baseline, n_samples=40, return_input_shape=False)
    np.testing.assert_allclose(got.numpy(), ((x - 3) * BETA).numpy(), atol=1e-9)
    numpy_got = Lime(lambda a: a @ BETA.numpy(), Ridge(alpha=0.0), random_state=0).attribute(
        x.numpy(), baselines=baseline, n_samples=40
    )
    np.testing.assert_allclose(numpy_got, ((x - 3) * BETA).numpy(), atol=1e-9)


@pytest.mark.parametrize("explainer", [Lime, KernelShap])
@pytest.mark.parametrize("masked", [False, True])
def test_empty_input_with_an_empty_mask(explainer, masked):
    x = torch.tensor([[1.0, 2.0, -1.0, 0.5]], dtype=torch.float64)
    empty = torch.zeros((1, 0), dtype=torch.float64)
    masks = (torch.tensor([[0, 1, 2, 3]]), torch.zeros((1, 0), dtype=torch.long))

    def forward(a, b):
        return a @ BETA + b.sum(dim=1)

    ours = explainer(forward, random_state=0)
    if explainer is Lime:
        ours = Lime(forward, Ridge(alpha=0.0), random_state=0)
    got = ours.attribute((x, empty), feature_mask=masks if masked else None, n_samples=64)
    assert got[1].shape == (1, 0)
    np.testing.assert_allclose(got[0].numpy(), (x * BETA).numpy(), atol=1e-9)


def test_all_inputs_empty_is_an_error():
    with pytest.raises(ValueError, match="no elements"):
        Lime(linear).attribute(torch.zeros((1, 0)))


def test_a_feature_missing_from_one_examples_mask_gets_zero():
    mask = torch.tensor([[0, 0, 1, 1], [0, 1, 2, 3]])
    got = Lime(linear, Ridge(alpha=1.0), random_state=0).attribute(
        X, feature_mask=mask, n_samples=100, return_input_shape=False
    )
    assert (got[0, 2:] == 0).all() and (got[1] != 0).all()


@pytest.mark.parametrize("explainer", [Lime, KernelShap])
def test_attribute_future_is_not_implemented(explainer):
    with pytest.raises(NotImplementedError):
        explainer(linear).attribute_future()
    base = LimeBase(linear, Ridge(), lambda *a, **k: 1.0, lambda o, **k: o, False, None, id)
    with pytest.raises(NotImplementedError):
        base.attribute_future()


@pytest.mark.parametrize(("explainer", "name"), [(Lime, "Lime"), (KernelShap, "Kernel Shap")])
def test_progress_bar_has_captums_name(explainer, name, monkeypatch):
    pytest.importorskip("tqdm")
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    explainer(linear, random_state=0).attribute(
        X[:1], n_samples=12, perturbations_per_eval=4, show_progress=True
    )
    assert f"{name} attribution: 100%" in stderr.getvalue()
    assert "3/3" in stderr.getvalue()


# ---------------------------------------------------------------- seeding
@pytest.mark.parametrize("explainer", [Lime, KernelShap])
def test_torch_manual_seed_repeats_a_run(explainer):
    wide = torch.randn(2, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    beta = torch.linspace(-1, 1, 12, dtype=torch.float64)
    forward = lambda t: torch.tanh(t @ beta)  # noqa: E731

    def run(seed):
        torch.manual_seed(seed)
        return explainer(forward).attribute(wide, n_samples=50)

    first, again, other = run(7), run(7), run(8)
    assert torch.equal(first, again)
    assert not torch.allclose(first, other)
    # successive calls without reseeding differ, as in Captum
    torch.manual_seed(7)
    ours = explainer(forward)
    assert not torch.equal(ours.attribute(wide, n_samples=50), ours.attribute(wide, n_samples=50))


def test_global_generators_are_never_reseeded():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    Lime(linear, random_state=5).attribute(X, n_samples=20)
    LimeBase(
        linear,
        Ridge(),
        lambda *a, **k: 1.0,
        lambda o, **k: torch.bernoulli(torch.full((1, 4), 0.5)),
        True,
        lambda z, o, **k: z * o,
        None,
        random_state=5,
    ).attribute(X[:1], n_samples=20)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert torch.initial_seed() == 123
    Lime(linear).attribute(X, n_samples=20)  # draws from it: advances, never reseeds
    assert torch.initial_seed() == 123
    assert not torch.equal(torch.random.get_rng_state(), before)


def test_numpy_inputs_follow_numpys_global_generator():
    x = X.numpy()

    def run(seed):
        np.random.seed(seed)  # noqa: NPY002
        return Lime(lambda a: np.tanh(a @ BETA.numpy())).attribute(x, n_samples=30)

    np.testing.assert_array_equal(run(3), run(3))
    assert not np.allclose(run(3), run(4))


def test_default_draws_are_captums_under_the_same_torch_seed():
    """One example (Captum's recommended use): the same perturbations as Captum's, so the
    same attributions. (In a batch, Captum's own fit of each example draws from torch's
    generator between the examples' perturbations, so later examples differ by sampling.)"""
    pytest.importorskip("captum")
    from captum._utils.models.linear_model import SkLearnLasso
    from captum.attr import Lime as CaptumLime

    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    cases = [
        (X[:1].float(), {}),
        ((X[:1].float(), X[1:].float()), {"feature_mask": (torch.tensor([[0, 0, 1, 2]]),) * 2}),
    ]
    for inputs, kwargs in cases:
        forward = net if not isinstance(inputs, tuple) else lambda a, b: net(a + b)
        results = []
        for explainer in (Lime, CaptumLime):
            torch.manual_seed(42)
            lime = explainer(forward, SkLearnLasso(alpha=0.001), captum_similarity("cosine", 0.7))
            with torch.no_grad():
                results.append(lime.attribute(inputs, target=1, n_samples=60, **kwargs))
            results.append(torch.rand(1))  # where each left torch's generator
        ours, ours_after, theirs, theirs_after = results
        pairs = zip(ours, theirs) if isinstance(ours, tuple) else [(ours, theirs)]
        for a, b in pairs:
            assert b.abs().max() > 1e-3
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)
        assert torch.equal(ours_after, theirs_after)


# ---------------------------------------------------------------- exact Kernel SHAP
@pytest.mark.parametrize(("d", "n_samples"), [(3, 25), (3, 8), (8, 1000), (8, 256)])
def test_kernel_shap_enumerates_when_n_samples_covers_every_coalition(d, n_samples):
    generator = torch.Generator().manual_seed(d)
    A = torch.randn(d, d, dtype=torch.float64, generator=generator)

    def forward(t):
        return torch.tanh(t @ A).sum(dim=1) + t[:, 0] * t[:, -1]

    x = torch.randn(2, d, dtype=torch.float64, generator=generator)
    got = KernelShap(forward).attribute(x, baselines=0.5, n_samples=n_samples)
    for row, attribution in zip(x.numpy(), got.numpy()):
        values = coalition_values(
            lambda z: forward(torch.as_tensor(z)).numpy(), row, 0.5, np.arange(d), d
        )
        reference = brute_force_shapley(values, d)
        assert np.abs(reference).max() > 1e-2
        np.testing.assert_allclose(attribution, reference, atol=1e-8)
