"""Boundary checks: input that limette used to accept silently, or reject with a raw error.

Each test names the argument the warning or error must name, and checks that a run that
would not fit in memory is refused before anything that large is allocated.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import limette._validation as validation
from limette import ImageExplainer, KernelShap, Lime, TabularExplainer, TextExplainer
from limette.errors import (
    CategoricalNumbersWarning,
    InputError,
    LimetteWarning,
    ModelOutputWarning,
    TooFewSamplesWarning,
)


@pytest.fixture
def table():
    return np.random.default_rng(0).normal(size=(200, 4))


def softmax_model(batch):
    scores = np.column_stack([batch[:, 0], -batch[:, 0]])
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    return scores / scores.sum(axis=1, keepdims=True)


# -------------------------------------------------------------- probabilities
@pytest.mark.parametrize(
    ("model", "found"),
    [
        (lambda b: np.column_stack([b[:, 0], -b[:, 0]]), "it returned -"),  # logits
        (lambda b: np.log(softmax_model(b)), "it returned -"),  # log-probabilities
        (lambda b: 2 * softmax_model(b), "sums to 2"),  # rows summing to 2
    ],
)
def test_classification_outputs_that_are_not_probabilities_warn(table, model, found):
    explainer = TabularExplainer(table, random_state=0)
    with pytest.warns(ModelOutputWarning, match="predict_fn does not return probabilities") as got:
        explainer.explain(table[0], model, num_samples=300)
    assert found in str(got[0].message)


def test_probability_warning_comes_once_per_run_however_many_calls(table):
    explainer = TabularExplainer(table, random_state=0)
    logits = lambda b: np.column_stack([b[:, 0], -b[:, 0]])  # noqa: E731
    with pytest.warns(ModelOutputWarning) as got:
        explainer.explain_many(table[:4], logits, num_samples=100, batch_size=50)
    assert len([w for w in got if issubclass(w.category, ModelOutputWarning)]) == 1


def test_probabilities_and_regression_scores_do_not_warn(table):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TabularExplainer(table, random_state=0).explain(table[0], softmax_model, num_samples=300)
        TabularExplainer(table, mode="regression", random_state=0).explain(
            table[0], lambda b: b[:, 0] - 5.0, num_samples=300
        )


def test_text_classifier_fn_is_named():
    explainer = TextExplainer(random_state=0)

    def scores(texts):
        counts = np.array([t.count("good") for t in texts], dtype=float)
        return np.column_stack([counts, -counts])

    with pytest.warns(ModelOutputWarning, match="classifier_fn"):
        explainer.explain("a good good film", scores, num_samples=50)


def test_check_probabilities_tolerates_float32_rounding():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(1000), size=64).astype(np.float32).astype(float)
    assert abs(p.sum(axis=1) - 1).max() > 0  # the rounding this must tolerate
    assert validation.check_probabilities(p, "predict_fn") is False


# ------------------------------------------------------------------ pandas
def test_numeric_column_with_a_stray_token_warns_naming_it():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    ages = [str(a) for a in rng.integers(20, 56, 300)]
    ages[7] = ages[100] = "n/a"
    frame = pd.DataFrame({"age": ages, "income": rng.normal(size=300)})
    with pytest.warns(CategoricalNumbersWarning, match="'age'.*2 of 300.*'n/a'") as got:
        explainer = TabularExplainer(frame, mode="regression")
    n_categories = len(set(ages) - {"n/a"}) + 1
    assert f"{n_categories} categories" in str(got[0].message)
    assert len(explainer.encoder_.categories[0]) == n_categories


def test_text_columns_and_categories_do_not_warn():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "colour": ["red", "blue", "1", "green"] * 25,  # mostly words
            "zip": ["02139", "10001", "94103", "60601"] * 25,  # all numbers: no stray token
            "grade": pd.Categorical(["1", "2", "x", "3"] * 25),  # chosen as a category
            "x": np.arange(100.0),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TabularExplainer(frame, mode="regression")


# ------------------------------------------------------------------ names
def test_duplicate_feature_names_are_refused(table):
    with pytest.raises(InputError, match=r"feature_names repeats \['a'\]"):
        TabularExplainer(table, feature_names=["a", "b", "a", "c"])


# ------------------------------------------------------------ kernel width
@pytest.mark.parametrize("width", ["abc", "1", -1.0, 0, float("nan"), None])
def test_kernel_width_must_be_a_positive_number(table, width):
    makers = [
        lambda: TextExplainer(kernel_width=width),
        lambda: ImageExplainer(kernel_width=width),
    ]
    if width is not None:  # None is the tabular default's marker
        makers.append(lambda: TabularExplainer(table, kernel_width=width))
    for make in makers:
        with pytest.raises(InputError, match="kernel_width must be a positive number"):
            make()


# -------------------------------------------------------------- num_samples
def test_num_samples_beyond_memory_is_refused_before_sampling(table, monkeypatch):
    calls = []
    explainer = TabularExplainer(table, mode="regression", random_state=0)
    monkeypatch.setattr(validation, "available_memory", lambda: 2**30)
    with pytest.raises(InputError, match=r"num_samples=100000000 needs about 8\.9 GiB"):
        explainer.explain(table[0], lambda b: calls.append(b) or b[:, 0], num_samples=10**8)
    assert calls == []
    # within the budget it runs: 10**4 × 4 × 8 × 3 bytes
    explainer.explain(table[0], lambda b: b[:, 0], num_samples=10**4)


def test_num_samples_beyond_any_machine_names_the_argument(table):
    explainer = TabularExplainer(table, mode="regression", random_state=0)
    with pytest.raises(InputError, match="num_samples=1000000000000 needs about"):
        explainer.explain(table[0], lambda b: b[:, 0], num_samples=10**12)
    with pytest.raises(InputError, match="num_samples=1000000000000"):
        TextExplainer().explain("a b c", softmax_model, num_samples=10**12)
    with pytest.raises(InputError, match="n_samples=1000000000000"):
        Lime(lambda x: x.sum(axis=1)).attribute(np.ones((1, 3)), n_samples=10**12)


# ------------------------------------------------------------------ tensors
def test_kernel_shap_with_fewer_samples_than_features_warns():
    weights = np.arange(20.0)
    shap = KernelShap(lambda x: x @ weights, random_state=0)
    with pytest.warns(TooFewSamplesWarning, match="n_samples=5 and 20 features"):
        shap.attribute(np.ones((1, 20)), n_samples=5)
    assert issubclass(TooFewSamplesWarning, LimetteWarning)
    with warnings.catch_warnings():  # 2**3 <= 8: exact enumeration, no warning
        warnings.simplefilter("error")
        values = KernelShap(lambda x: x @ weights[:3]).attribute(np.ones((1, 3)), n_samples=8)
    np.testing.assert_allclose(values, weights[None, :3], atol=1e-8)


def two_outputs(x):
    return np.stack([x.sum(axis=1), -x.sum(axis=1)], axis=1)


@pytest.mark.parametrize("target", [2, (5,), [0, 2]])
def test_tensor_target_out_of_range_names_target(target):
    lime = Lime(two_outputs, random_state=0)
    with pytest.raises(InputError, match=r"target .* is out of range: forward_func returned"):
        lime.attribute(np.ones((2, 3)), target=target, n_samples=20)


@pytest.mark.parametrize("target", [-1, [0, -1], np.array(-1)])
def test_negative_tensor_target_is_refused(target):
    lime = Lime(two_outputs, random_state=0)
    with pytest.raises(InputError, match=r"target .* is negative"):
        lime.attribute(np.ones((2, 3)), target=target, n_samples=20)


def test_nan_in_tensor_inputs_is_blamed_on_the_inputs():
    x = np.ones((2, 3))
    x[1, 2] = np.nan
    lime = Lime(two_outputs, random_state=0)
    with pytest.raises(InputError, match=r"inputs contains nan at index \(1, 2\)"):
        lime.attribute(x, target=0)
    with pytest.raises(InputError, match=r"inputs\[1\] contains inf"):
        lime.attribute((np.ones((2, 3)), np.full((2, 2), np.inf)), target=0)
    with pytest.raises(InputError, match=r"baselines\[0\] contains nan"):
        lime.attribute(np.ones((2, 3)), baselines=np.nan, target=0)


def test_nan_in_torch_inputs_is_blamed_on_the_inputs():
    torch = pytest.importorskip("torch")
    x = torch.ones(2, 3)
    x[0, 1] = float("nan")
    lime = Lime(lambda t: torch.stack([t.sum(1), -t.sum(1)], 1), random_state=0)
    with pytest.raises(InputError, match=r"inputs contains nan at index \(0, 1\)"):
        lime.attribute(x, target=0)
