import numpy as np
import pytest

from limette.errors import InputError, UnknownOptionError
from limette.sampling import BernoulliSampler, UniformCountSampler, get_sampler


def reference_uniform_count(n, d, rng):
    """lime's definition: rank every row's uniform keys, switch off the lowest ``off``."""
    off = rng.integers(1, d + 1, size=n)
    ranks = np.argsort(np.argsort(rng.random((n, d)), axis=1), axis=1)
    Z = (ranks >= off[:, None]).astype(float)
    Z[0] = 1.0
    return Z


@pytest.mark.parametrize("d", [1, 2, 7, 198])
def test_uniform_count_matches_the_ranking_reference_for_any_block(d):
    expected = reference_uniform_count(700, d, np.random.default_rng(d))
    for block in (1, 64, 256, 5000):
        Z = UniformCountSampler(block=block).sample(700, d, np.random.default_rng(d))
        assert np.array_equal(Z, expected)
    assert expected[1:].sum() > 0 or d == 1


def test_uniform_count_switches_off_a_uniform_number_of_features():
    Z = UniformCountSampler().sample(20000, 5, np.random.default_rng(0))
    assert np.all(Z[0] == 1)
    off = 5 - Z[1:].sum(axis=1)
    counts = np.bincount(off.astype(int), minlength=6)
    assert counts[0] == 0
    assert np.allclose(counts[1:] / counts.sum(), 0.2, atol=0.015)
    assert np.allclose(Z[1:].mean(axis=0), Z[1:].mean(), atol=0.02)


def test_bernoulli_and_lookup():
    Z = BernoulliSampler(0.3).sample(20000, 4, np.random.default_rng(0))
    assert np.all(Z[0] == 1) and abs(Z[1:].mean() - 0.3) < 0.01
    assert isinstance(get_sampler("uniform_count"), UniformCountSampler)
    with pytest.raises(UnknownOptionError):
        get_sampler("sobol")
    with pytest.raises(InputError):
        BernoulliSampler(1.5)
    with pytest.raises(InputError, match="block"):
        UniformCountSampler(block=0)


def test_a_wide_sobol_stream_builds_its_points_once(monkeypatch):
    """Point sets too large to keep between explanations are still built once per stream,
    not once per block drawn (a 200-column table draws 30 blocks), and give the same
    explanation as the kept ones."""
    from limette import TabularExplainer, sampling

    X = np.random.default_rng(0).normal(size=(300, 200))
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    model = lambda rows: rows[:, 0] - 2 * rows[:, 1]  # noqa: E731
    built = []
    build = sampling._scrambled_sobol_points
    monkeypatch.setattr(
        sampling, "_scrambled_sobol_points", lambda *a: built.append(a) or build(*a)
    )
    monkeypatch.setattr(sampling, "_SOBOL_CACHE_BYTES", 0)  # nothing kept between explanations
    wide = explainer.explain(X[0], model, num_samples=5000)
    assert built == [(200, 13)]
    monkeypatch.setattr(sampling, "_SOBOL_CACHE_BYTES", 2**30)
    sampling._POINT_SETS.clear()
    kept = explainer.explain(X[0], model, num_samples=5000)
    np.testing.assert_array_equal(wide.coef, kept.coef)
    sampling._POINT_SETS.clear()
