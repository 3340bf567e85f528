import json

import numpy as np
import pytest

from limette import Explanation, TabularExplainer


@pytest.fixture(scope="module")
def explanation(cancer, cancer_forest):
    explainer = TabularExplainer(
        cancer.data[:450],
        feature_names=cancer.feature_names,
        class_names=cancer.target_names,
        random_state=0,
    )
    return explainer.explain(
        cancer.data[455], cancer_forest.predict_proba, labels=(0, 1), num_features=6
    )


def test_list_map_and_frame_agree(explanation):
    items = explanation.as_list(1)
    weights = [w for _, w in items]
    assert len(items) == 6
    assert weights == sorted(weights, key=abs, reverse=True)
    mapping = explanation.as_map()
    assert set(mapping) == {0, 1}
    assert [explanation.feature_names[i] for i, _ in mapping[1]] == [n for n, _ in items]
    assert explanation.as_list() == explanation.as_list(0)
    pd = pytest.importorskip("pandas")
    frame = explanation.as_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 12
    assert frame.loc[frame.label == 1, "weight"].tolist() == weights
    assert set(frame.label_name) == {"malignant", "benign"}


def test_fidelity_fields(explanation):
    assert explanation.score.shape == (2,)
    assert np.all((explanation.score > 0) & (explanation.score <= 1))
    assert np.all(explanation.adjusted_score < explanation.score)
    np.testing.assert_allclose(
        explanation.fidelity_gap, explanation.local_pred - explanation.model_pred
    )
    np.testing.assert_allclose(explanation.predict_proba.sum(), 1.0)
    assert explanation.intercept_for(1) == explanation.intercept[1]


def test_json_round_trip_is_exact(explanation):
    text = explanation.to_json()
    assert "__ndarray__" in text
    json.loads(text)
    again = Explanation.from_json(text)
    assert again.to_json() == text
    np.testing.assert_array_equal(again.coef, explanation.coef)
    assert again.as_list(1) == explanation.as_list(1)
    assert again.feature_names == explanation.feature_names


def test_from_json_rejects_other_documents():
    with pytest.raises(ValueError, match="not a limette explanation"):
        Explanation.from_json('{"coef": []}')


def test_unexplained_label_is_a_clear_error(explanation):
    with pytest.raises(ValueError, match=r"label 5 was not explained; explained labels: \[0, 1\]"):
        explanation.as_list(5)


def test_html_escapes_user_text(cancer_forest, cancer):
    names = [f"<script>alert({i})</script>&amp;\"'" for i in range(30)]
    explainer = TabularExplainer(cancer.data[:450], feature_names=names, random_state=0)
    html = explainer.explain(cancer.data[455], cancer_forest.predict_proba).to_html()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "&amp;amp;" in html


def test_pyplot_figure(explanation):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    figure = explanation.as_pyplot_figure(label=1)
    bars = figure.axes[0].patches
    assert len(bars) == 6
    assert sorted(round(b.get_width(), 12) for b in bars) == sorted(
        round(w, 12) for _, w in explanation.as_list(1)
    )
