import numpy as np
import pytest

from limette import Explanation, TabularExplainer
from limette.compose import mask_compose
from limette.faithfulness import faithfulness, tabular_compose


def _explanation(coef, mode="regression"):
    coef = np.asarray([coef], dtype=float)
    d = coef.shape[1]
    return Explanation(
        feature_names=tuple(str(j) for j in range(d)),
        feature_values=("",) * d,
        labels=(0,),
        coef=coef,
        selected=np.ones_like(coef, bool),
        intercept=np.zeros(1),
        score=np.ones(1),
        local_pred=np.zeros(1),
        model_output=np.zeros(1),
        mode=mode,
    )


def test_curves_of_an_additive_model_by_hand():
    # model = sum of kept contributions 3, 1, 2; explanation orders 0, 2, 1
    contributions = np.array([3.0, 1.0, 2.0])
    report = faithfulness(
        _explanation([3.0, 1.0, 2.0]),
        lambda keep: keep @ contributions,
        lambda keep: keep,
        n_random=4,
        random_state=0,
    )
    np.testing.assert_array_equal(report.order, [0, 2, 1])
    np.testing.assert_allclose(report.deletion, [6, 3, 1, 0])
    np.testing.assert_allclose(report.insertion, [0, 3, 5, 6])
    np.testing.assert_allclose(report.fractions, [0, 1 / 3, 2 / 3, 1])
    assert report.deletion_auc == pytest.approx((6 + 3 + 3 + 1 + 1 + 0) / 6)
    assert report.insertion_auc == pytest.approx((0 + 3 + 3 + 5 + 5 + 6) / 6)
    for curve in report.random_deletion:
        assert curve[0] == 6 and curve[-1] == 0
    assert report.deletion_gain >= 0 and report.insertion_gain >= 0


def test_a_model_that_ignores_its_input_gives_flat_curves(cancer):
    explainer = TabularExplainer(cancer.data[:450], random_state=0)

    def constant(rows):
        return np.tile([0.3, 0.7], (len(rows), 1))

    row = cancer.data[460]
    explanation = explainer.explain(row, constant, num_samples=300)
    report = faithfulness(explanation, constant, tabular_compose(explainer, row), label=1)
    assert np.all(report.deletion == 0.7) and np.all(report.random_insertion == 0.7)
    assert report.deletion_gain == pytest.approx(0.0, abs=1e-12)
    assert report.insertion_gain == pytest.approx(0.0, abs=1e-12)


def test_explanations_of_a_forest_beat_random_orderings(cancer, cancer_forest):
    """Deleting the features that support the predicted class first lowers its probability
    faster than random orderings do; inserting them first raises it faster."""
    explainer = TabularExplainer(cancer.data[:450], random_state=0)
    deletion, insertion = [], []
    for index in (455, 470, 500, 530, 560):
        row = cancer.data[index]
        predicted = int(np.argmax(cancer_forest.predict_proba(row[None])[0]))
        explanation = explainer.explain(
            row, cancer_forest.predict_proba, labels=(predicted,), num_features=30
        )
        report = faithfulness(
            explanation,
            cancer_forest.predict_proba,
            tabular_compose(explainer, row),
            n_random=20,
            random_state=0,
        )
        deletion.append(report.deletion_gain)
        insertion.append(report.insertion_gain)
    assert np.median(deletion) > 0.05, deletion
    assert np.median(insertion) > 0.05, insertion


def test_generic_binary_features_plug_in_through_a_composer():
    rng = np.random.default_rng(0)
    image = rng.random((8, 8, 3))
    segments = np.repeat(np.repeat(np.arange(4).reshape(2, 2), 4, axis=0), 4, axis=1)
    importance = np.array([0.0, 2.0, 0.5, 1.0])

    def model(images):
        means = np.stack([images[:, segments == s].mean(axis=(1, 2)) for s in range(4)], 1)
        return means @ importance

    def compose(keep):
        return mask_compose(keep, segments[..., None], image, 0.0)

    report = faithfulness(_explanation(importance), model, compose, n_random=10, random_state=1)
    np.testing.assert_array_equal(report.order, [1, 3, 2, 0])
    assert report.deletion[-1] == pytest.approx(0.0)
    assert report.deletion_gain > 0 and report.insertion_gain > 0


def test_tabular_baseline_is_mean_and_mode():
    X = np.column_stack([np.array([0, 0, 1, 2, 2, 2.0]), np.arange(6.0)])
    explainer = TabularExplainer(X, categorical_features=[0], discretize_continuous=False)
    np.testing.assert_allclose(explainer.baseline_, [2.0, 2.5])
    compose = tabular_compose(explainer, np.array([1.0, 5.0]))
    np.testing.assert_allclose(compose(np.array([[1, 0], [0, 1]])), [[1.0, 2.5], [2.0, 5.0]])
    with pytest.raises(ValueError, match="baseline has 3 values"):
        tabular_compose(explainer, np.array([1.0, 5.0]), baseline=[0, 0, 0])
