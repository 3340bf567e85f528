import itertools
from math import comb

import numpy as np
import pytest

from limette import TabularExplainer
from limette.engine.evaluate import explanation_fields
from limette.errors import UnknownOptionError
from limette.kernels import cosine_distance, lime_kernel
from limette.sampling import (
    BERNOULLI_SCHEME,
    DEFAULT_SCHEME,
    SCHEMES,
    BernoulliSampler,
    KernelWeightedSampler,
    UniformCountSampler,
    uniform_stream,
)
from limette.surrogates import Ridge
from limette.tabular._plan import row_draws


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_every_scheme_draws_uniform_rows(scheme):
    u = uniform_stream(scheme, 3, np.random.default_rng(0)).draw(4096)
    assert u.shape == (4096, 3) and u.min() >= 0 and u.max() < 1
    np.testing.assert_allclose(u.mean(axis=0), 0.5, atol=0.02)
    np.testing.assert_allclose((u < 0.25).mean(axis=0), 0.25, atol=0.03)


def test_scheme_structure():
    anti = uniform_stream("antithetic", 2, np.random.default_rng(0)).draw(6)
    np.testing.assert_allclose(anti[0::2] + anti[1::2], 1.0)
    strata = uniform_stream("stratified", 3, np.random.default_rng(0)).draw(50)
    for column in strata.T:
        np.testing.assert_array_equal(np.sort(np.floor(column * 50)), np.arange(50))
    stream = uniform_stream("sobol", 4, np.random.default_rng(5))
    joined = np.vstack([stream.draw(8), stream.draw(8)])
    for column in joined.T:  # a digital shift keeps one point in each 1/16 stratum
        np.testing.assert_array_equal(np.sort(np.floor(column * 16)), np.arange(16))
    again = uniform_stream("sobol", 4, np.random.default_rng(5)).draw(16)
    np.testing.assert_array_equal(joined, again)
    other = uniform_stream("sobol", 4, np.random.default_rng(6)).draw(16)
    assert not np.array_equal(joined, other)
    with pytest.raises(UnknownOptionError, match="'sobol'"):
        uniform_stream("halton", 2, np.random.default_rng(0))


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_binary_samplers_keep_lime_distributions(scheme):
    rng = np.random.default_rng(1)
    Z = BernoulliSampler(0.3, scheme=scheme).sample(4001, 6, rng)
    assert np.all(Z[0] == 1) and set(np.unique(Z)) <= {0.0, 1.0}
    np.testing.assert_allclose(Z[1:].mean(axis=0), 0.3, atol=0.03)
    Z = UniformCountSampler(scheme=scheme).sample(6001, 5, rng)
    counts = np.bincount(Z[1:].sum(axis=1).astype(int), minlength=6)
    np.testing.assert_allclose(counts[:5] / 6000, 0.2, atol=0.03)  # kept 0..4, never all 5
    assert counts[5] == 0
    np.testing.assert_allclose(Z[1:].mean(axis=0), 0.4, atol=0.03)  # symmetric features


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
@pytest.mark.parametrize("p", [0.2, 0.5, 0.7])
def test_bernoulli_keeps_each_feature_with_probability_p_independently(scheme, p):
    Z = BernoulliSampler(p, scheme=scheme).sample(8193, 5, np.random.default_rng(2))[1:]
    np.testing.assert_allclose(Z.mean(axis=0), p, atol=0.02)
    both = Z.T @ Z / len(Z)  # P(j and k kept) = p² off the diagonal
    off = ~np.eye(5, dtype=bool)
    np.testing.assert_allclose(both[off], p * p, atol=0.02)


def test_default_schemes():
    """Images (Bernoulli) draw Sobol points by default; text keeps lime's stream."""
    assert BernoulliSampler().scheme == BERNOULLI_SCHEME == "sobol"
    assert UniformCountSampler().scheme == DEFAULT_SCHEME == "random"


_D = 6
_EVERY = np.array(list(itertools.product([0.0, 1.0], repeat=_D)))
_KEPT = _EVERY.sum(axis=1).astype(int)
#: Probability of each binary row: Bernoulli(1/2), and lime's uniform count of words off.
_PROBABILITY = {
    BernoulliSampler: np.full(len(_EVERY), 2.0**-_D),
    UniformCountSampler: np.array(
        [0.0 if k == _D else 1.0 / (_D * comb(_D, _D - k)) for k in _KEPT]
    ),
}


def _interacting_model(Z):
    """A logistic model with pairwise and triple interactions (not linear in Z)."""
    score = Z @ np.array([2.0, -1.6, 1.2, 0.0, -0.6, 0.4])
    score = score + 3.0 * Z[:, 0] * Z[:, 1] - 2.0 * Z[:, 2] * Z[:, 3] * Z[:, 4]
    p = 1.0 / (1.0 + np.exp(-score))
    return np.column_stack([1.0 - p, p])


def _population_explanation(probability):
    """The infinite-sample weighted least-squares fit, by enumerating all 2**d rows."""
    w = _weight(np.vstack([np.ones(_D), _EVERY]))[1:] * probability
    X = np.column_stack([np.ones(len(_EVERY)), _EVERY])
    y = _interacting_model(_EVERY)[:, 1]
    return np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * y))[1:]


@pytest.mark.parametrize("sampler_class", [BernoulliSampler, UniformCountSampler])
@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_every_scheme_estimates_the_same_explanation(sampler_class, scheme):
    """Averaged over seeds, every scheme's weights equal the brute-force population fit
    of lime's distribution (the expected explanation), for a model with interactions."""
    expected = _population_explanation(_PROBABILITY[sampler_class])
    assert np.abs(expected).max() > 0.3
    coef = []
    for seed in range(30):
        Z = sampler_class(scheme=scheme).sample(2001, _D, np.random.default_rng(seed))
        fields = explanation_fields(
            Z,
            _weight(Z),
            _interacting_model(Z),
            classification=True,
            labels=(1,),
            top_labels=None,
            num_features=_D,
            feature_selection="none",
            surrogate=Ridge(),
        )
        coef.append(fields["coef"][0])
    np.testing.assert_allclose(np.mean(coef, axis=0), expected, atol=0.006)


def test_the_expected_explanation_depends_on_the_distribution():
    """The reference above can tell distributions apart: lime's text and image sampling
    (or Bernoulli(1/2) vs Bernoulli(0.6)) have different population fits."""
    text, image = (_population_explanation(_PROBABILITY[c]) for c in _PROBABILITY)
    tilted = np.prod(np.where(_EVERY == 1, 0.6, 0.4), axis=1)
    assert np.abs(text - image).max() > 0.018  # 3× the tolerance above
    assert np.abs(_population_explanation(tilted) - image).max() > 0.018


def _weight(Z):
    return lime_kernel(cosine_distance(Z) * 100, 25.0)


def test_glime_count_distribution_equals_brute_force():
    d = 6
    sampler = KernelWeightedSampler(_weight, base="bernoulli")
    every = np.array(list(itertools.product([0.0, 1.0], repeat=d)))
    weights = _weight(np.vstack([np.ones(d), every]))[1:]
    mass = np.bincount(every.sum(axis=1).astype(int), weights=weights, minlength=d + 1)
    np.testing.assert_allclose(sampler.count_probabilities(d), mass / mass.sum(), rtol=1e-12)
    assert sampler.count_probabilities(d).std() > 0.01
    Z = sampler.sample(20001, d, np.random.default_rng(0))
    drawn = np.bincount(Z[1:].sum(axis=1).astype(int), minlength=d + 1) / 20000
    np.testing.assert_allclose(drawn, mass / mass.sum(), atol=0.01)


def test_glime_weighted_expectations_match_lime(rng):
    """E_lime[w g(Z)] / E_lime[w] = E_glime[g(Z)] for binary samples (g = pair products)."""
    d = 8
    lime = BernoulliSampler(scheme="random").sample(200_001, d, rng)[1:]
    w = _weight(np.vstack([np.ones(d), lime]))[1:]
    glime = KernelWeightedSampler(_weight, scheme="random").sample(200_001, d, rng)[1:]
    weighted = (lime * w[:, None]).T @ lime / w.sum()
    np.testing.assert_allclose(glime.T @ glime / len(glime), weighted, atol=0.01)


@pytest.fixture(scope="module")
def cancer_explainer(cancer):
    return TabularExplainer(cancer.data[:450], random_state=0)


@pytest.mark.parametrize("discretize", [True, False])
def test_tabular_glime_is_lime_tilted_by_its_kernel(cancer, discretize):
    """Weighted moments of lime's samples equal plain moments of GLIME's samples."""
    explainer = TabularExplainer(cancer.data[:450], discretize_continuous=discretize)
    row = cancer.data[460]
    glime = explainer.explain(
        row, lambda r: np.ones((len(r), 2)) / 2, num_samples=50, sampler="glime"
    )
    assert glime.metadata["sampler"] == "glime"
    new_draw, weigh = row_draws(
        explainer, row, np.random.default_rng(0), "random", "gaussian", "euclidean"
    )
    Z, _ = new_draw()(40_000, True)
    w = weigh(Z)
    G, _ = row_draws(explainer, row, np.random.default_rng(0), "glime", "gaussian", "euclidean")[
        0
    ]()(40_000, True)
    np.testing.assert_allclose(G.mean(axis=0), w @ Z / w.sum(), atol=0.03)
    spread = np.sqrt(w @ (Z - w @ Z / w.sum()) ** 2 / w.sum())
    np.testing.assert_allclose(G.std(axis=0), spread, atol=0.03)


def test_glime_needs_lime_kernel(cancer):
    explainer = TabularExplainer(cancer.data[:450], kernel=lambda d, kernel_width: 1 / (1 + d))
    with pytest.raises(ValueError, match="sampler='glime' needs lime's kernel"):
        explainer.explain(cancer.data[0], lambda r: np.ones((len(r), 2)) / 2, sampler="glime")


def test_unknown_sampler_lists_the_valid_ones(cancer_explainer, cancer):
    with pytest.raises(UnknownOptionError, match=r"'glime'.*'sobol'"):
        cancer_explainer.explain(cancer.data[0], lambda r: np.ones((len(r), 2)) / 2, sampler="x")


@pytest.mark.parametrize("discretize", [True, False])
def test_samplers_agree_in_expectation_on_a_linear_model(discretize):
    X = np.random.default_rng(0).normal(size=(500, 4)) * [1, 2, 3, 4]
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=discretize)

    def model(rows):
        return rows @ [1.0, -1.0, 0.5, 0.0]

    def mean_coef(sampler, num_samples, seeds):
        return np.mean(
            [
                explainer.explain(
                    X[3], model, num_features=4, num_samples=num_samples, sampler=sampler,
                    random_state=s,
                ).coef[0]
                for s in seeds
            ],
            axis=0,
        )  # fmt: skip

    # lime's sampling with ten times the samples: the value every scheme should approach
    reference = mean_coef("random", 20000, range(100, 104))
    for sampler in ("random", "sobol", "stratified", "antithetic"):
        np.testing.assert_allclose(
            mean_coef(sampler, 2000, range(10)),
            reference,
            atol=0.05 * np.abs(reference).max(),
            err_msg=sampler,
        )


def test_sobol_default_reduces_variance_on_a_forest(cancer, cancer_forest, cancer_explainer):
    """Same distribution, less spread between re-draws than lime's plain sampling."""
    spread = {}
    for sampler in ("random", "sobol"):
        coef = np.array(
            [
                cancer_explainer.explain(
                    cancer.data[470],
                    cancer_forest.predict_proba,
                    num_features=30,
                    num_samples=1000,
                    sampler=sampler,
                    random_state=seed,
                ).coef[0]
                for seed in range(12)
            ]
        )
        spread[sampler] = coef.var(axis=0).sum()
    assert spread["random"] > 1.5 * spread["sobol"], spread
    default = cancer_explainer.explain(
        cancer.data[470], cancer_forest.predict_proba, num_samples=50
    )
    assert default.metadata["sampler"] == "sobol"


def test_engine_gives_unit_weights_to_kernel_weighted_samplers():
    from limette.engine.evaluate import proximity_weights

    Z = np.array([[1.0, 1.0], [0.0, 1.0]])
    glime = KernelWeightedSampler(_weight)
    np.testing.assert_array_equal(proximity_weights(Z, glime, _weight), [1.0, 1.0])
    np.testing.assert_array_equal(proximity_weights(Z, BernoulliSampler(), _weight), _weight(Z))


def test_sobol_streams_do_not_share_state_through_the_seed():
    """Two generators from one SeedSequence give the same Sobol points, in any order."""
    seed = np.random.SeedSequence(5)
    first = uniform_stream("sobol", 3, np.random.Generator(np.random.PCG64(seed))).draw(8)
    second = uniform_stream("sobol", 3, np.random.Generator(np.random.PCG64(seed))).draw(8)
    np.testing.assert_array_equal(first, second)


def test_sobol_streams_wider_than_scipy_allows_draw_plain_uniforms():
    from limette.sampling import SOBOL_MAX_WIDTH

    width = SOBOL_MAX_WIDTH + 1
    stream = uniform_stream("sobol", width, np.random.default_rng(3))
    u = stream.draw(4)
    assert u.shape == (4, width) and 0.0 <= u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.01
