import numpy as np
import pytest

from limette import AutoSamples, TabularExplainer
from limette.engine.adaptive import ranking_z
from limette.errors import InputError


@pytest.fixture(scope="module")
def linear():
    X = np.random.default_rng(0).normal(size=(500, 6))
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False)
    return explainer, X


def test_clear_ranking_stops_after_the_first_batch(linear):
    explainer, X = linear

    def model(rows):
        return rows @ [5.0, -4.0, 3.0, 0.0, 0.0, 0.1]

    e = explainer.explain(X[0], model, num_features=3, num_samples="auto", random_state=0)
    assert e.metadata["stop_reason"] == "stable"
    assert e.metadata["samples_used"] == e.num_samples == 1000
    assert {name for name, _ in e.as_list()} == {"0", "1", "2"}


def test_a_tie_runs_to_the_cap(linear):
    explainer, X = linear

    noise = np.random.default_rng(1)
    scale = X.std(axis=0)

    def model(rows):  # equal interpretable weights for features 0 and 1, plus noise
        return rows[:, 0] / scale[0] + rows[:, 1] / scale[1] + noise.normal(size=len(rows))

    rule = AutoSamples(top_k=1, batch=500, max_samples=3000)
    e = explainer.explain(X[0], model, num_features=2, num_samples=rule, random_state=0)
    assert e.metadata["stop_reason"] == "max_samples"
    assert e.metadata["samples_used"] == e.num_samples == 3000


def test_auto_is_deterministic_and_grows_with_confidence(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:450], random_state=0)
    row = cancer.data[470]
    used = []
    for confidence in (0.6, 0.99):
        rule = AutoSamples(confidence=confidence, top_k=3, max_samples=16000)
        a = explainer.explain(row, cancer_forest.predict_proba, num_samples=rule)
        b = explainer.explain(row, cancer_forest.predict_proba, num_samples=rule)
        assert a.to_json() == b.to_json()
        used.append(a.metadata["samples_used"])
        z = ranking_z(*_neighbourhood(explainer, row, cancer_forest, a.num_samples), 3)
        if a.metadata["stop_reason"] == "stable":
            assert z == pytest.approx(a.metadata["rank_z"])
    assert used[0] < used[1]


def _neighbourhood(explainer, row, model, n):
    seed = np.random.SeedSequence(0)
    draw, weigh = explainer._neighbourhood(
        row, np.random.Generator(np.random.PCG64(seed)), "sobol", "gaussian", "euclidean"
    )
    samples, inputs = draw(1000, True)
    parts, outputs, total = [samples], [model.predict_proba(inputs)], 1000
    while total < n:
        size = min(n - total, total)
        more, inputs = draw(size, False)
        parts.append(more)
        outputs.append(model.predict_proba(inputs))
        total += size
    samples = np.concatenate(parts)
    return samples, np.concatenate(outputs)[:, [1]], weigh(samples)


def test_bad_auto_values(linear):
    explainer, X = linear
    with pytest.raises(InputError, match="num_samples must be an integer >= 2, 'auto'"):
        explainer.explain(X[0], lambda r: r[:, 0], num_samples="many")
    with pytest.raises(InputError, match="confidence must be in"):
        AutoSamples(confidence=1.5)
