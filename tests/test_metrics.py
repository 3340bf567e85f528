import numpy as np
import pytest

from limette import Explanation, TabularExplainer
from limette.metrics import (
    coefficients_stability_index,
    jaccard_matrix,
    stability,
    top_features,
    variables_stability_index,
)


def _explanation(coef):
    coef = np.atleast_2d(np.asarray(coef, dtype=float))
    d = coef.shape[1]
    return Explanation(
        feature_names=tuple(f"f{j}" for j in range(d)),
        feature_values=("1",) * d,
        labels=(1,),
        coef=coef,
        selected=coef != 0,
        intercept=np.zeros(1),
        score=np.ones(1),
        local_pred=np.zeros(1),
        model_output=np.array([0.5, 0.5]),
    )


def test_top_features_and_jaccard_by_hand():
    e = _explanation([0.1, -0.5, 0.0, 0.3])
    assert top_features(e, 2) == {1, 3}
    sets = [frozenset({0, 1, 2}), frozenset({0, 1, 3}), frozenset({4, 5, 6})]
    expected = np.array([[1, 2 / 4, 0], [2 / 4, 1, 0], [0, 0, 1]])
    np.testing.assert_allclose(jaccard_matrix(sets), expected)


def test_variables_stability_index_by_hand():
    # pairs: (A,B) share 2, (A,C) share 3, (B,C) share 2 -> 7 of 3 pairs x 3 variables
    sets = [frozenset({0, 1, 2}), frozenset({0, 1, 3}), frozenset({0, 1, 2})]
    assert variables_stability_index(sets) == pytest.approx(100 * 7 / 9)
    assert variables_stability_index([frozenset({1, 2})] * 4) == 100.0
    assert variables_stability_index([frozenset({1}), frozenset({2})]) == 0.0


def test_coefficients_stability_index_by_hand():
    lower = np.array([[0.0, 1.0, 0.0], [0.5, 3.0, 0.0], [2.0, 1.5, 9.0]])
    upper = np.array([[1.0, 2.0, 0.0], [1.5, 4.0, 0.0], [3.0, 2.5, 9.5]])
    selected = np.array([[True, True, False], [True, True, False], [True, True, True]])
    # feature 0: [0,1] & [.5,1.5] overlap, [0,1] & [2,3] no, [.5,1.5] & [2,3] no -> 1/3
    # feature 1: [1,2] & [3,4] no, [1,2] & [1.5,2.5] yes, [3,4] & [1.5,2.5] no -> 1/3
    # feature 2: selected once -> skipped
    assert coefficients_stability_index(lower, upper, selected) == pytest.approx(100 / 3)
    full = np.ones((3, 3), bool)
    assert coefficients_stability_index(lower * 0, upper * 0 + 10, full) == 100.0


@pytest.fixture(scope="module")
def linear():
    X = np.random.default_rng(0).normal(size=(400, 5))
    explainer = TabularExplainer(X, mode="regression", discretize_continuous=False)
    return explainer, X


def test_stability_of_a_linear_model_is_perfect(linear):
    explainer, X = linear

    def model(rows):
        return rows @ [4.0, 0.0, -3.0, 0.0, 2.0]

    report = stability(
        explainer, X[0], model, repeats=4, num_features=3, random_state=0, num_samples=500
    )
    assert report.mean_jaccard == report.median_jaccard == 1.0
    assert report.vsi == 100.0
    assert report.csi == 100.0
    assert all(top_features(e, 3) == {0, 2, 4} for e in report.explanations)
    assert np.all(report.coef_cv[[0, 2, 4]] < 0.05)
    assert np.isnan(report.coef_cv[1])


def test_stability_numbers_equal_hand_computation_on_a_forest(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:450])
    report = stability(
        explainer,
        cancer.data[460],
        cancer_forest.predict_proba,
        repeats=5,
        num_features=5,
        random_state=1,
        num_samples=300,
        sampler="random",
    )
    sets = [set(j for j, _ in e.as_map()[1][:5]) for e in report.explanations]
    pairs = [len(a & b) / len(a | b) for i, a in enumerate(sets) for b in sets[i + 1 :]]
    assert report.mean_jaccard == pytest.approx(np.mean(pairs))
    assert report.median_jaccard == pytest.approx(np.median(pairs))
    assert report.mean_jaccard < 1.0  # 300 samples: not perfectly stable
    coef = np.array([e.coef[0] for e in report.explanations])
    used = coef.any(axis=0)
    np.testing.assert_allclose(
        report.coef_cv[used], coef.std(axis=0)[used] / np.abs(coef.mean(axis=0))[used]
    )
    assert all(e.coef_std is not None for e in report.explanations)
    seeds = {e.metadata["seed"] for e in report.explanations}
    assert len(seeds) == 5
    again = stability(
        explainer,
        cancer.data[460],
        cancer_forest.predict_proba,
        repeats=5,
        num_features=5,
        random_state=1,
        num_samples=300,
        sampler="random",
    )
    np.testing.assert_array_equal(again.coef_cv, report.coef_cv)
    assert (again.mean_jaccard, again.vsi, again.csi) == (
        report.mean_jaccard,
        report.vsi,
        report.csi,
    )


def test_stability_rejects_one_repeat(linear):
    explainer, X = linear
    with pytest.raises(ValueError, match="repeats must be an integer >= 2"):
        stability(explainer, X[0], lambda r: r[:, 0], repeats=1)
