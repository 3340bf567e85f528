import json

import numpy as np
import pytest

from limette import AutoSamples, TabularExplainer
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
    assert e.metadata["stop_reason"] == "target"
    assert e.metadata["samples_used"] == e.num_samples == 1000
    assert e.metadata["redraw_jaccard"] >= 0.9
    assert e.metadata["top_k"] == 3 and e.metadata["replicates"] == 4
    assert {name for name, _ in e.as_list()} == {"0", "1", "2"}


def test_a_tie_runs_to_the_cap_and_says_so(linear):
    explainer, X = linear

    noise = np.random.default_rng(1)
    scale = X.std(axis=0)

    def model(rows):  # equal interpretable weights for features 0 and 1, plus noise
        return rows[:, 0] / scale[0] + rows[:, 1] / scale[1] + noise.normal(size=len(rows))

    rule = AutoSamples(top_k=1, batch=500, max_samples=3000)
    e = explainer.explain(X[0], model, num_features=2, num_samples=rule, random_state=0)
    assert e.metadata["stop_reason"] == "max_samples"
    assert e.metadata["samples_used"] == e.num_samples == 3000
    # a coin flip between two features (two runs agree half the time): below the target
    assert e.metadata["redraw_jaccard"] < 0.9
    # each look adds at most half the samples so far: 500 → 3000 takes at least
    # ceil(log(6) / log(1.5)) = 5 batches after the first
    assert e.metadata["looks"] >= 6


def test_auto_is_deterministic_and_recorded(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:450], random_state=0)
    row = cancer.data[470]
    rule = AutoSamples(top_k=3, max_samples=8000)
    a = explainer.explain(row, cancer_forest.predict_proba, num_samples=rule)
    b = explainer.explain(row, cancer_forest.predict_proba, num_samples=rule)
    assert a.to_json() == b.to_json()
    meta = json.loads(a.to_json())["metadata"]
    assert meta["num_samples"] == "auto" and meta["samples_used"] == a.num_samples
    assert meta["stop_reason"] in ("target", "max_samples")
    assert 0.0 <= meta["redraw_jaccard"] <= 1.0 and meta["redraw_jaccard_se"] >= 0.0
    other = explainer.explain(row, cancer_forest.predict_proba, num_samples=rule, random_state=1)
    assert other.to_json() != a.to_json()


def test_a_higher_target_takes_more_samples(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:450], random_state=0)
    used = [
        explainer.explain(
            cancer.data[470], cancer_forest.predict_proba, num_features=5,
            num_samples=AutoSamples(target=target, max_samples=16000),
        ).metadata["samples_used"]
        for target in (0.5, 0.99)
    ]  # fmt: skip
    assert used[0] < used[1]


def test_explain_many_stops_every_row_on_its_own(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:450], random_state=0)
    rows = cancer.data[[470, 480, 500]]
    rule = AutoSamples(top_k=3, max_samples=6000)
    result = explainer.explain_many(rows, cancer_forest.predict_proba, num_samples=rule)
    for i, row in enumerate(rows):
        alone = explainer.explain(row, cancer_forest.predict_proba, num_samples=rule)
        assert result[i].to_json() == alone.to_json()


def test_explain_many_collects_a_failing_row(linear):
    explainer, X = linear
    rows = X[:3].copy()
    rows[1, 0] = np.nan
    result = explainer.explain_many(
        rows, lambda r: r @ [5.0, -4.0, 3.0, 0.0, 0.0, 0.1], num_features=3,
        num_samples="auto", errors="collect",
    )  # fmt: skip
    assert result.failed == [1]
    assert [e.metadata["stop_reason"] for e in result] == ["target", "target"]


def test_bad_auto_values(linear):
    explainer, X = linear
    with pytest.raises(InputError, match="num_samples must be an integer >= 2, 'auto'"):
        explainer.explain(X[0], lambda r: r[:, 0], num_samples="many")
    with pytest.raises(InputError, match="target must be in"):
        AutoSamples(target=1.5)
    with pytest.raises(InputError, match="replicates"):
        AutoSamples(replicates=1)


def test_report_says_what_auto_reached(linear):
    from limette.report import render_fragment

    explainer, X = linear
    e = explainer.explain(
        X[0], lambda r: r @ [5.0, -4.0, 3.0, 0.0, 0.0, 0.1], num_features=3,
        num_samples="auto", random_state=0,
    )  # fmt: skip
    html = render_fragment(e)
    estimate = f"{e.metadata['redraw_jaccard']:.2f} ± {e.metadata['redraw_jaccard_se']:.2f}"
    assert "1000 samples, stopped: target" in html
    assert f"expected top-3 Jaccard with a re-run {estimate} (target 0.90)" in html
