import numpy as np
import pytest

from limette import RecurrentTabularExplainer, TabularExplainer
from limette.errors import InputError, ModelCallError, ModelOutputError
from limette.tabular import discretize as tabular_discretize

TRUE = np.array([3.0, -2.0, 0.0, 0.5, 1.5])


@pytest.fixture(scope="module")
def linear_data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(1000, 5)) * [1.0, 2.0, 0.5, 3.0, 1.0] + [0.0, 5.0, -1.0, 2.0, 0.0]
    return X


def linear_model(rows):
    return np.asarray(rows) @ TRUE + 1.0


def test_linear_model_coefficients_recovered(linear_data):
    explainer = TabularExplainer(
        linear_data,
        mode="regression",
        discretize_continuous=False,
        sample_around_instance=True,
        random_state=0,
    )
    explanation = explainer.explain(linear_data[3], linear_model, num_features=5)
    expected = TRUE * linear_data.std(axis=0)
    weights = explanation.coef[0]
    nonzero = expected != 0
    np.testing.assert_allclose(weights[nonzero], expected[nonzero], rtol=0.02)
    assert abs(weights[2]) < 0.02 * np.abs(expected).max()
    assert explanation.score[0] > 0.999
    np.testing.assert_allclose(explanation.local_pred, explanation.model_pred, rtol=1e-3)


def test_classification_probabilities_of_a_logistic_model(linear_data):
    def predict_proba(rows):
        p = 1 / (1 + np.exp(-(np.asarray(rows) @ TRUE - 10.0) / 10))
        return np.column_stack([1 - p, p])

    explainer = TabularExplainer(linear_data, discretize_continuous=False, random_state=1)
    explanation = explainer.explain(linear_data[0], predict_proba, labels=(0, 1), num_features=2)
    assert {name for name, _ in explanation.as_list(1)} == {"0", "1"}
    np.testing.assert_allclose(explanation.coef[0], -explanation.coef[1], atol=1e-9)
    assert dict(explanation.as_list(1))["1"] < 0 < dict(explanation.as_list(1))["0"]
    np.testing.assert_allclose(explanation.predict_proba, predict_proba(linear_data[:1])[0])


def test_same_seed_same_explanation_different_seed_differs(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:450], random_state=42)
    a = explainer.explain(cancer.data[460], cancer_forest.predict_proba, num_samples=1000)
    b = explainer.explain(cancer.data[460], cancer_forest.predict_proba, num_samples=1000)
    c = explainer.explain(
        cancer.data[460], cancer_forest.predict_proba, num_samples=1000, random_state=7
    )
    assert a.to_json() == b.to_json()
    assert not np.array_equal(a.coef, c.coef)
    assert a.metadata["seed"] == 42


@pytest.mark.parametrize("batch_size", [1, 7, 333])
def test_batch_size_does_not_change_the_result(cancer, cancer_forest, batch_size):
    explainer = TabularExplainer(cancer.data[:450], random_state=3)
    whole = explainer.explain(cancer.data[470], cancer_forest.predict_proba, num_samples=500)
    split = explainer.explain(
        cancer.data[470], cancer_forest.predict_proba, num_samples=500, batch_size=batch_size
    )
    np.testing.assert_array_equal(whole.coef, split.coef)


@pytest.mark.parametrize("discretizer", ["quartile", "decile", "entropy"])
def test_discretized_names_and_binary_neighbourhood(cancer, cancer_forest, discretizer):
    explainer = TabularExplainer(
        cancer.data[:450],
        training_labels=cancer.target[:450],
        feature_names=cancer.feature_names,
        class_names=cancer.target_names,
        discretizer=discretizer,
        random_state=0,
    )
    explanation = explainer.explain(cancer.data[500], cancer_forest.predict_proba, num_samples=2000)
    names = [name for name, _ in explanation.as_list()]
    assert len(names) == 10
    assert all(("<" in n or ">" in n) for n in names)
    assert explanation.label_name(1) == "benign"


def test_categorical_features_with_names():
    rng = np.random.default_rng(0)
    color = rng.integers(0, 3, 600)
    size = rng.normal(size=600)
    X = np.column_stack([color, size])

    def predict_proba(rows):
        p = np.where(np.asarray(rows)[:, 0] == 2, 0.9, 0.2)
        return np.column_stack([1 - p, p])

    explainer = TabularExplainer(
        X,
        feature_names=["color", "size"],
        categorical_features=["color"],
        categorical_names={0: ["red", "green", "blue"]},
        random_state=0,
    )
    explanation = explainer.explain(np.array([2.0, 0.1]), predict_proba, num_features=2)
    name, weight = explanation.as_list()[0]
    assert name == "color=blue"
    assert weight == pytest.approx(0.7, abs=0.03)
    with pytest.raises(InputError, match="never occurs"):
        explainer.explain(np.array([5.0, 0.1]), predict_proba)


def test_pandas_frames_and_pipelines():
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, 400),
            "city": rng.choice(["paris", "rome", "oslo"], 400),
            "income": rng.normal(50, 10, 400),
        }
    )
    target = ((frame["city"] == "oslo") ^ (frame["income"] > 55)).astype(int)
    model = make_pipeline(
        ColumnTransformer(
            [("cat", OneHotEncoder(), ["city"]), ("num", StandardScaler(), ["age", "income"])]
        ),
        LogisticRegression(),
    ).fit(frame, target)
    seen = []

    def predict_proba(rows):
        seen.append(rows)
        return model.predict_proba(rows)

    explainer = TabularExplainer(frame, class_names=["no", "yes"], random_state=0)
    assert explainer.categorical_features == [1]
    explanation = explainer.explain(frame.iloc[0], predict_proba, num_samples=500)
    assert isinstance(seen[0], pd.DataFrame)
    assert list(seen[0].columns) == ["age", "city", "income"]
    assert set(seen[0]["city"]) <= {"paris", "rome", "oslo"}
    assert any(name.startswith("city=") for name, _ in explanation.as_list())
    with pytest.raises(InputError, match="unseen"):
        explainer.explain(frame.iloc[[0]].assign(city="lima"), predict_proba)
    with pytest.raises(InputError, match=r"data_row column 'city' has a missing value"):
        explainer.explain(frame.iloc[[0]].assign(city=None), predict_proba)
    holes = frame.astype({"city": object})
    holes.loc[3, "city"] = np.nan
    with pytest.raises(InputError, match=r"training_data column 'city' has a missing value"):
        TabularExplainer(holes)


def test_lhs_and_top_labels(linear_data):
    def predict_proba(rows):
        logits = np.asarray(rows)[:, :3]
        e = np.exp(logits - logits.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    explainer = TabularExplainer(linear_data, discretize_continuous=False, random_state=0)
    explanation = explainer.explain(
        linear_data[0], predict_proba, top_labels=2, sampling_method="lhs"
    )
    expected = tuple(np.argsort(-predict_proba(linear_data[:1])[0])[:2])
    assert explanation.top_labels == expected
    assert explanation.labels == expected


def test_training_data_stats_replace_frequencies():
    X = np.column_stack([np.repeat([0.0, 1.0], 50), np.linspace(0, 1, 100)])
    stats = {"feature_values": {0: [0.0, 1.0]}, "feature_frequencies": {0: [0.0, 1.0]}}
    explainer = TabularExplainer(
        X, categorical_features=[0], discretize_continuous=False, training_data_stats=stats
    )
    rows = []

    def predict(batch):
        rows.append(batch)
        p = np.clip(batch[:, 1], 0.0, 1.0)  # probabilities: a Gaussian draw leaves [0, 1]
        return np.column_stack([p, 1 - p])

    explainer.explain(np.array([1.0, 0.5]), predict, num_samples=200, random_state=0)
    assert np.all(rows[0][:, 0] == 1.0)


def test_recurrent_explainer_reshapes_and_names():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4, 2))

    def predict_proba(batch):
        assert batch.shape[1:] == (4, 2)
        p = 1 / (1 + np.exp(-3 * batch[:, -1, 0]))
        return np.column_stack([1 - p, p])

    explainer = RecurrentTabularExplainer(
        X, feature_names=["temp", "wind"], discretize_continuous=False, random_state=0
    )
    explanation = explainer.explain(X[0], predict_proba, num_features=1)
    assert explanation.as_list()[0][0] == "temp_t-0"


def test_bad_input_errors(linear_data):
    explainer = TabularExplainer(linear_data, discretize_continuous=False, random_state=0)

    def proba(rows):
        return np.column_stack([np.full(len(rows), 0.5)] * 2)

    with pytest.raises(InputError, match="data_row has 4 values; the explainer was built on 5"):
        explainer.explain(linear_data[0, :4], proba)
    with pytest.raises(InputError, match="data_row contains nan"):
        explainer.explain(np.array([1, np.nan, 0, 0, 0]), proba)
    bad = linear_data.copy()
    bad[5, 2] = np.inf
    with pytest.raises(InputError, match=r"training_data contains inf at index \(5, 2\)"):
        TabularExplainer(bad)
    with pytest.raises(InputError, match="label 4 is out of range"):
        explainer.explain(linear_data[0], proba, labels=(4,))
    with pytest.raises(ModelOutputError, match="pass predict_proba"):
        explainer.explain(linear_data[0], lambda rows: np.zeros(len(rows)))
    with pytest.raises(ModelOutputError, match="returned 1 rows"):
        explainer.explain(linear_data[0], lambda rows: np.zeros((1, 2)))
    with pytest.raises(ModelOutputError, match="nan"):
        explainer.explain(linear_data[0], lambda rows: np.full((len(rows), 2), np.nan))
    with pytest.raises(InputError, match="mode='ranking' is not known"):
        TabularExplainer(linear_data, mode="ranking")
    with pytest.raises(InputError, match="discretizer='tertile'"):
        TabularExplainer(linear_data, discretizer="tertile")

    def broken(rows):
        raise KeyError("column missing")

    with pytest.raises(ModelCallError, match="predict_fn raised KeyError") as info:
        explainer.explain(linear_data[0], broken)
    assert isinstance(info.value.__cause__, KeyError)


def test_constant_feature_warns_and_gets_zero_weight(linear_data):
    from limette.errors import LimetteWarning

    X = linear_data.copy()
    X[:, 2] = 4.0
    with pytest.warns(LimetteWarning, match=r"constant features \[2\]") as seen:
        explainer = TabularExplainer(
            X, mode="regression", discretize_continuous=False, random_state=0
        )
    assert seen[0].filename == __file__  # it points at the caller's line
    explanation = explainer.explain(X[0], linear_model, num_features=5)
    assert explanation.coef[0, 2] == pytest.approx(0.0, abs=1e-9)


def test_model_regressor_and_progress(linear_data):
    from sklearn.linear_model import LinearRegression

    pytest.importorskip("tqdm")
    explainer = TabularExplainer(
        linear_data, mode="regression", discretize_continuous=False, sample_around_instance=True
    )
    explanation = explainer.explain(
        linear_data[1],
        linear_model,
        model_regressor=LinearRegression(),
        num_features=5,
        batch_size=1000,
        progress=True,
        random_state=0,
    )
    np.testing.assert_allclose(
        explanation.coef[0], TRUE * linear_data.std(axis=0), rtol=1e-6, atol=1e-9
    )


def test_discretized_samples_follow_bin_frequencies_and_truncated_normals(cancer):
    from scipy.stats import kstest, truncnorm

    explainer = TabularExplainer(cancer.data[:450], random_state=0)
    sampler, discretizer = explainer.sampler_, explainer.discretizer
    row = cancer.data[460]
    samples, inputs = sampler.sample(row, 40000, np.random.default_rng(0), "gaussian", False)
    bins = discretizer.discretize(inputs[1:])
    training_bins = discretizer.discretize(cancer.data[:450])
    feature = 3
    observed = np.bincount(bins[:, feature].astype(int), minlength=4) / len(bins)
    expected = np.bincount(training_bins[:, feature].astype(int), minlength=4) / 450
    np.testing.assert_allclose(observed, expected, atol=0.01)
    instance_bin = discretizer.discretize(row)[feature]
    np.testing.assert_array_equal(samples[1:, feature], bins[:, feature] == instance_bin)
    for b in range(4):
        values = inputs[1:][bins[:, feature] == b, feature]
        mean, std = discretizer.means_[feature, b], discretizer.stds_[feature, b]
        low, high = discretizer.mins_[feature, b], discretizer.maxs_[feature, b]
        law = truncnorm((low - mean) / std, (high - mean) / std, loc=mean, scale=std)
        assert kstest(values, law.cdf).pvalue > 1e-3


def test_training_data_stats_bins_give_the_thresholds_of_placeholder_data():
    stats = {
        "bins": {0: [1.0, 2.0, 3.0]},
        "means": {0: [0.5, 1.5, 2.5, 3.5]},
        "stds": {0: [0.1, 0.2, 0.3, 0.4]},
        "mins": {0: [0.0, 1.0, 2.0, 3.0]},
        "maxs": {0: [1.0, 2.0, 3.0, 4.0]},
    }
    fitted = tabular_discretize.QuartileDiscretizer().fit(np.zeros((2, 1)), [0], ["x"], None, stats)
    np.testing.assert_array_equal(fitted.thresholds_[0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(fitted.means_[0], [0.5, 1.5, 2.5, 3.5])
    assert fitted.names_[0] == ["x <= 1.00", "1.00 < x <= 2.00", "2.00 < x <= 3.00", "x > 3.00"]
    drawn = fitted.undiscretize(np.array([[0], [3]]), np.random.default_rng(0))
    assert 0.0 <= drawn[0, 0] <= 1.0 and 3.0 <= drawn[1, 0] <= 4.0
    without_bins = {key: value for key, value in stats.items() if key != "bins"}
    with pytest.raises(InputError, match="has 4 values for feature 0, which has 2 bins"):
        tabular_discretize.QuartileDiscretizer().fit(
            np.zeros((2, 1)), [0], ["x"], None, without_bins
        )
