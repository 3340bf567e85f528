import itertools

import numpy as np
import pytest

from limette import Explanation, TabularExplainer
from limette.submodular import coverage, submodular_pick, weight_matrix


def _explanation(weights, names=None):
    coef = np.asarray([weights], dtype=float)
    d = coef.shape[1]
    return Explanation(
        feature_names=tuple(names or [f"f{j}" for j in range(d)]),
        feature_values=("",) * d,
        labels=(1,),
        coef=coef,
        selected=coef != 0,
        intercept=np.zeros(1),
        score=np.ones(1),
        local_pred=np.zeros(1),
        model_output=np.array([0.5, 0.5]),
    )


def _lime_reference(W, budget):
    """lime's submodular_pick loop, written out naively."""
    importance = np.sum(abs(W), axis=0) ** 0.5
    remaining = list(range(len(W)))
    picked = []
    for _ in range(budget):
        best, best_index = 0, None
        for i in remaining:
            current = np.dot((np.sum(abs(W)[[*picked, i]], axis=0) > 0), importance)
            if current >= best:
                best, best_index = current, i
        picked.append(best_index)
        remaining.remove(best_index)
    return picked


def _brute_force(W, budget):
    return max(coverage(W, subset) for subset in itertools.combinations(range(len(W)), budget))


def _random_explanations(rng, n, d, density=0.3):
    W = rng.normal(size=(n, d)) * (rng.random((n, d)) < density)
    W[np.arange(n), rng.integers(0, d, n)] += 1.0  # every explanation uses a feature
    return W, [_explanation(row) for row in W]


def test_weight_matrix_by_name_and_index():
    a = _explanation([0.5, 0.0, -1.0], ["x", "y", "z"])
    b = _explanation([0.0, 2.0, 0.0], ["x", "w", "z"])
    W, features = weight_matrix([a, b])
    assert features == ["x", "z", "w"]
    np.testing.assert_allclose(W, [[0.5, -1.0, 0.0], [0.0, 0.0, 2.0]])
    W, features = weight_matrix([a, b], by="index")
    assert features == [0, 2, 1]


def test_greedy_equals_lime_and_is_near_optimal(rng):
    for _ in range(30):
        W, explanations = _random_explanations(rng, 7, 6)
        for budget in (1, 2, 3):
            result = submodular_pick(explanations, budget)
            assert result.indices == _lime_reference(W, budget)
            best = _brute_force(W, budget)
            assert result.coverage >= (1 - 1 / np.e) * best - 1e-12
            if budget == 1:
                assert result.coverage == pytest.approx(best)
            exact = submodular_pick(explanations, budget, method="exact")
            assert exact.coverage == pytest.approx(best)


def test_greedy_equals_brute_force_on_constructed_cases():
    # blocks of features (the last overlaps two others); importance: block 3 has 4 x 2,
    # then [0, 5] has sqrt(6) + sqrt(8) = 5.28 against block 1's 3 x sqrt(2) = 4.24
    W = np.zeros((5, 10))
    blocks = [[0, 1], [2, 3, 4], [5], [6, 7, 8, 9], [0, 5]]
    for i, block in enumerate(blocks):
        W[i, block] = i + 1.0
    explanations = [_explanation(row) for row in W]
    for budget in range(1, 6):
        result = submodular_pick(explanations, budget)
        assert result.coverage == pytest.approx(_brute_force(W, budget))
    assert submodular_pick(explanations, 2).indices == [3, 4]


def test_pick_on_real_explanations(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:450], random_state=0)
    explanations = [
        explainer.explain(x, cancer_forest.predict_proba, num_features=3, num_samples=300)
        for x in cancer.data[450:458]
    ]
    result = submodular_pick(explanations, 3, by="index")
    W, _ = weight_matrix(explanations, by="index")
    assert result.coverage == pytest.approx(coverage(W, result.indices))
    assert result.coverage >= (1 - 1 / np.e) * _brute_force(W, 3)
    assert result.explanations == [explanations[i] for i in result.indices]


def test_bad_budget():
    with pytest.raises(ValueError, match="budget is 3 but only 2 explanations"):
        submodular_pick([_explanation([1.0]), _explanation([2.0])], 3)
    with pytest.raises(ValueError, match="explanations is empty"):
        submodular_pick([], 1)


def test_pick_from_an_explanation_set(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:450], random_state=0)
    many = explainer.explain_many(
        cancer.data[450:456], cancer_forest.predict_proba, num_features=3, num_samples=300
    )
    result = submodular_pick(many, 2)
    assert len(result.indices) == 2
    assert result.coverage == pytest.approx(submodular_pick(list(many), 2).coverage)
