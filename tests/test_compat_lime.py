"""``limette.compat.lime``: lime's surface, limette's numbers.

Known answers: the compat layer gives the native explainer's weights under the seed it
draws; lime's own objects (where lime is installed) give the reference shapes, names,
tokenisations and ridge fits.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from limette import ImageExplainer, TabularExplainer, TextExplainer
from limette.compat.lime import discretize, lime_base, lime_image, lime_tabular, lime_text
from limette.compat.lime.submodular_pick import SubmodularPick
from limette.errors import InputError

SEED_BOUND = 2**31 - 1


def lime_seed(random_state: int) -> int:
    """The seed the compat layer gives limette for the first explanation."""
    return int(np.random.RandomState(random_state).randint(0, SEED_BOUND))


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    coef = np.array([1.5, 0.0, -2.0, 0.5])

    def predict_proba(rows):
        p = 1.0 / (1.0 + np.exp(-(np.asarray(rows) @ coef)))
        return np.column_stack([1 - p, p])

    return X, predict_proba


def positive(texts):
    p = np.array([0.2 + 0.6 * ("good" in t.split()) - 0.1 * ("dull" in t.split()) for t in texts])
    return np.column_stack([1 - p, p])


# ---------------------------------------------------------------- same numbers as native
def test_tabular_weights_are_the_native_explainers(table):
    X, predict = table
    compat = lime_tabular.LimeTabularExplainer(X, class_names=["no", "yes"], random_state=3)
    got = compat.explain_instance(X[5], predict, num_features=3, num_samples=800)
    native = TabularExplainer(X, class_names=["no", "yes"]).explain(
        X[5], predict, num_features=3, num_samples=800, random_state=lime_seed(3)
    )
    assert got.local_exp[1] == native.as_map()[1]
    assert len(got.local_exp[1]) == 3
    assert got.as_list() == native.as_list(1)
    np.testing.assert_array_equal(got.limette.coef, native.coef)


def test_text_and_image_weights_are_the_native_explainers():
    text = "a good film, not a dull one"
    got = lime_text.LimeTextExplainer(random_state=4).explain_instance(
        text, positive, num_samples=600
    )
    native = TextExplainer().explain(text, positive, num_samples=600, random_state=lime_seed(4))
    assert got.as_map() == native.as_map() and got.as_list() == native.as_list(1)

    image = np.zeros((12, 12, 3))
    image[:, 6:] = 1.0

    def brightness(images):
        right = images[:, :, 6:].mean(axis=(1, 2, 3))
        return np.stack([1 - right, right], axis=1)

    def grid(img):
        return (np.arange(12)[:, None] // 6) * 2 + np.arange(12)[None, :] // 6

    explainer = lime_image.LimeImageExplainer(random_state=5)
    got_image = explainer.explain_instance(
        image, brightness, (1,), 0, None, num_samples=200, segmentation_fn=grid
    )
    state = np.random.RandomState(5)
    state.randint(0, 1000)  # lime draws the segmentation seed first
    native_image = ImageExplainer().explain(
        image, brightness, labels=(1,), top_labels=None, hide_color=0, num_samples=200,
        segmentation_fn=grid, batch_size=10, random_state=int(state.randint(0, SEED_BOUND)),
    )  # fmt: skip
    assert got_image.local_exp == native_image.as_map()
    assert {j for j, w in got_image.local_exp[1] if w > 0.1} == {1, 3}  # the bright half


# ------------------------------------------------------------------ lime's result shapes
def test_result_attributes_are_keyed_and_shaped_as_lime(table):
    X, predict = table
    explainer = lime_tabular.LimeTabularExplainer(X, random_state=0)
    exp = explainer.explain_instance(X[0], predict, labels=(1,), num_samples=500)
    assert set(exp.intercept) == {1} and isinstance(exp.intercept[1], float)
    assert isinstance(exp.score, float)
    assert isinstance(exp.local_pred, np.ndarray) and exp.local_pred.shape == (1,)
    assert exp.available_labels() == [1]
    assert exp.class_names == ["0", "1"]
    np.testing.assert_allclose(exp.predict_proba, predict(X[:1])[0])
    top = explainer.explain_instance(X[0], predict, top_labels=2, num_samples=500)
    assert top.available_labels() == list(np.argsort(predict(X[:1])[0])[::-1])
    assert set(top.local_exp) == set(top.intercept) == {0, 1}
    last = top.available_labels()[-1]
    assert top.score == pytest.approx(top.limette.score_for(last))
    assert top.local_pred[0] == pytest.approx(top.limette.local_pred[-1])


def test_regression_carries_labels_zero_and_one_as_lime(table):
    X, _ = table
    regression = lime_tabular.LimeTabularExplainer(
        X, mode="regression", discretize_continuous=False, random_state=0
    )
    exp = regression.explain_instance(X[0], lambda rows: rows @ [3.0, 0, -1, 0], num_samples=500)
    assert exp.intercept[0] == exp.intercept[1]
    assert exp.local_exp[0] == [(j, -w) for j, w in exp.local_exp[1]]
    assert exp.as_list() == exp.as_list(label=0)  # lime ignores the label in regression
    weights = dict(exp.local_exp[1])
    assert weights[0] / weights[2] == pytest.approx(-3.0 * X[:, 0].std() / X[:, 2].std(), rel=0.05)
    assert exp.predicted_value == pytest.approx(X[0] @ [3.0, 0, -1, 0])


def test_result_types_match_lime_itself(table):
    lime_tabular_reference = pytest.importorskip("lime.lime_tabular")
    X, predict = table
    ours = lime_tabular.LimeTabularExplainer(X, random_state=1).explain_instance(
        X[2], predict, top_labels=1, num_samples=300
    )
    theirs = lime_tabular_reference.LimeTabularExplainer(X, random_state=1).explain_instance(
        X[2], predict, top_labels=1, num_samples=300
    )
    for name in ("intercept", "local_exp"):
        assert set(getattr(ours, name)) == set(getattr(theirs, name))
    assert ours.top_labels == theirs.top_labels
    assert np.shape(ours.local_pred) == np.shape(theirs.local_pred)
    assert isinstance(ours.score, float) and isinstance(theirs.score, float)
    assert [name for name, _ in ours.as_list(ours.top_labels[0])][:1] == [
        name for name, _ in theirs.as_list(theirs.top_labels[0])
    ][:1]


# ----------------------------------------------------------------------------- seeding
def test_global_seed_repeats_a_run_with_random_state_none(table):
    X, predict = table
    explainer = lime_tabular.LimeTabularExplainer(X)
    np.random.seed(11)  # noqa: NPY002 (what lime users do)
    first = explainer.explain_instance(X[1], predict, num_samples=300).as_map()
    second = explainer.explain_instance(X[1], predict, num_samples=300).as_map()
    np.random.seed(11)  # noqa: NPY002 (what lime users do)
    again = explainer.explain_instance(X[1], predict, num_samples=300).as_map()
    assert first == again and first != second


def test_a_lime_discretizer_object_brings_its_own_random_state(table):
    X, predict = table

    def explain(discretizer_state):
        d = discretize.QuartileDiscretizer(
            X, [], [str(i) for i in range(4)], None, discretizer_state
        )
        explainer = lime_tabular.LimeTabularExplainer(X, discretizer=d, random_state=10)
        return explainer.explain_instance(X[3], predict, num_samples=300).as_map()

    assert explain(10) == explain(10) and explain(10) != explain(20)


# ---------------------------------------------------------------------- inputs from lime
def test_sparse_rows_and_training_data_equal_dense(table):
    X, predict = table
    Xs = X.copy()
    Xs[np.abs(Xs) < 0.5] = 0.0
    dense = lime_tabular.LimeTabularExplainer(Xs, discretize_continuous=False, random_state=2)
    sparse_explainer = lime_tabular.LimeTabularExplainer(sparse.csr_matrix(Xs), random_state=2)
    assert sparse_explainer.discretizer is None  # lime does not discretize sparse data
    a = dense.explain_instance(Xs[7], predict, num_samples=400)
    b = sparse_explainer.explain_instance(sparse.csr_matrix(Xs[7]), predict, num_samples=400)
    assert a.as_map() == b.as_map()


def test_training_data_stats_on_placeholder_data_equal_the_real_data(table):
    X, predict = table
    names = [f"f{i}" for i in range(4)]
    quartiles = discretize.QuartileDiscretizer(X, [], names)
    coded = quartiles.discretize(X)
    values = {f: np.unique(coded[:, f]).tolist() for f in range(4)}
    counts = {f: [int((coded[:, f] == v).sum()) for v in values[f]] for f in range(4)}
    stats = {
        "means": quartiles.means, "stds": quartiles.stds, "mins": quartiles.mins,
        "maxs": quartiles.maxs, "bins": {f: quartiles.bins(X, None)[f] for f in range(4)},
        "feature_values": values, "feature_frequencies": counts,
    }  # fmt: skip
    placeholder = lime_tabular.LimeTabularExplainer(
        np.zeros((2, 4)), feature_names=names, training_data_stats=stats, random_state=6
    )
    real = lime_tabular.LimeTabularExplainer(X, feature_names=names, random_state=6)
    a = placeholder.explain_instance(X[9], predict, num_samples=500)
    b = real.explain_instance(X[9], predict, num_samples=500)
    assert a.as_list() == b.as_list()
    np.testing.assert_array_equal(placeholder.feature_frequencies[0], real.feature_frequencies[0])


def test_discretizer_names_and_bins_match_lime():
    reference = pytest.importorskip("lime.discretize")
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    X, names = data.data, list(data.feature_names)
    for ours, theirs in (
        (discretize.QuartileDiscretizer, reference.QuartileDiscretizer),
        (discretize.DecileDiscretizer, reference.DecileDiscretizer),
    ):
        a, b = ours(X, [1], names, random_state=0), theirs(X, [1], names, random_state=0)
        assert a.names == b.names
        np.testing.assert_array_equal(a.discretize(X), b.discretize(X))
        for table in ("means", "stds", "mins", "maxs"):
            for f in a.to_discretize:
                np.testing.assert_allclose(getattr(a, table)[f], getattr(b, table)[f])
    lime_tabular_reference = pytest.importorskip("lime.lime_tabular")
    for name in ("quartile", "decile"):  # the explainer's own discretizer, as lime exposes it
        ours_explainer = lime_tabular.LimeTabularExplainer(X, feature_names=names, discretizer=name)
        theirs_explainer = lime_tabular_reference.LimeTabularExplainer(
            X, feature_names=names, discretizer=name
        )
        assert ours_explainer.discretizer.names == theirs_explainer.discretizer.names
        assert ours_explainer.categorical_features == theirs_explainer.categorical_features
    a = discretize.QuartileDiscretizer(X, [], names, random_state=0)
    drawn = a.undiscretize(a.discretize(X))
    assert (a.discretize(drawn) == a.discretize(X)).all()  # every draw stays in its bin


def test_indexed_strings_match_lime():
    reference = pytest.importorskip("lime.lime_text")
    documents = ["Please, take your time. Please", "a b  a, c!", "word"]
    for text in documents:
        for bow in (True, False):
            ours = lime_text.IndexedString(text, bow=bow)
            theirs = reference.IndexedString(text, bow=bow)
            assert ours.as_list == theirs.as_list and ours.inverse_vocab == theirs.inverse_vocab
            np.testing.assert_array_equal(ours.string_start, theirs.string_start)
            if bow:
                assert ours.positions == theirs.positions
            else:
                np.testing.assert_array_equal(ours.positions, theirs.positions)
            for removed in ([], [0], list(range(ours.num_words()))):
                assert ours.inverse_removing(removed) == theirs.inverse_removing(removed)
            for i in range(ours.num_words()):
                np.testing.assert_array_equal(ours.string_position(i), theirs.string_position(i))
        chars, lime_chars = lime_text.IndexedCharacters(text), reference.IndexedCharacters(text)
        assert chars.inverse_vocab == lime_chars.inverse_vocab
        assert chars.positions == lime_chars.positions


def test_lime_base_fit_matches_lime():
    reference = pytest.importorskip("lime.lime_base")
    rng = np.random.default_rng(1)
    Z = rng.integers(0, 2, size=(300, 6)).astype(float)
    Z[0] = 1
    Y = np.column_stack([Z @ [0.5, -1, 0, 2, 0, 0.1], rng.random(300)])
    distances = rng.random(300)

    def kernel(d):
        return np.sqrt(np.exp(-(d**2) / 0.25**2))

    for method in ("none", "highest_weights", "forward_selection"):
        ours = lime_base.LimeBase(kernel).explain_instance_with_data(Z, Y, distances, 0, 3, method)
        theirs = reference.LimeBase(kernel).explain_instance_with_data(
            Z, Y, distances, 0, 3, method
        )
        assert ours[0] == pytest.approx(theirs[0], abs=1e-9)
        assert [j for j, _ in ours[1]] == [j for j, _ in theirs[1]]
        np.testing.assert_allclose([w for _, w in ours[1]], [w for _, w in theirs[1]], atol=1e-9)
        assert ours[2] == pytest.approx(theirs[2], abs=1e-9)
        np.testing.assert_allclose(ours[3], theirs[3], atol=1e-9)


# ------------------------------------------------------------------------- views, errors
def test_html_views_and_verbose(table, tmp_path, capsys):
    X, predict = table
    explainer = lime_tabular.LimeTabularExplainer(
        X, feature_names=["<b>a</b>", "b", "c", "d"], verbose=True, random_state=0
    )
    exp = explainer.explain_instance(X[0], predict, num_samples=300)
    printed = capsys.readouterr().out
    assert "Intercept" in printed and "Prediction_local" in printed and "Right:" in printed
    page = exp.as_html()
    assert "&lt;b&gt;a&lt;/b&gt;" in page and "<b>a</b>" not in page
    exp.save_to_file(tmp_path / "e.html")
    assert (tmp_path / "e.html").read_text(encoding="utf-8") == page


def test_bad_input_gets_limettes_named_errors(table):
    X, predict = table
    explainer = lime_tabular.LimeTabularExplainer(X, random_state=0)
    with pytest.raises(InputError, match="data_row has 3 values"):
        explainer.explain_instance(X[0, :3], predict)
    with pytest.raises(InputError, match="discretizer"):
        lime_tabular.LimeTabularExplainer(X, discretizer="quintile")
    with pytest.raises(InputError, match="missing the keys"):
        lime_tabular.LimeTabularExplainer(X, training_data_stats={"means": {}})
    with pytest.raises(InputError, match="text is empty"):
        lime_text.LimeTextExplainer().explain_instance("", positive)


def test_submodular_pick_covers_the_features(table):
    X, predict = table
    explainer = lime_tabular.LimeTabularExplainer(X, random_state=0)
    pick = SubmodularPick(
        explainer, X[:6], predict, method="full", num_exps_desired=2, num_features=2,
        num_samples=200,
    )  # fmt: skip
    assert len(pick.explanations) == 6 and len(set(pick.V)) == 2
    assert pick.sp_explanations == [pick.explanations[i] for i in pick.V]


def test_recurrent_explainer_finds_the_last_step_of_the_first_feature():
    X = np.random.default_rng(0).normal(size=(200, 5, 3))

    def predict(batch):
        p = 1 / (1 + np.exp(-2 * batch[:, -1, 0]))
        return np.column_stack([1 - p, p])

    explainer = lime_tabular.RecurrentTabularExplainer(X, feature_names=["a", "b", "c"],
                                                       random_state=0)  # fmt: skip
    exp = explainer.explain_instance(X[0], predict, num_features=3, num_samples=500)
    assert exp.as_list()[0][0].startswith("a_t-0")
    assert len(explainer.feature_names) == len(explainer.feature_values) == 15
