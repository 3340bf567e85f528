"""``engine/run.py``: the explainers' options travel by name in one object, checked once."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from limette import ImageExplainer, TabularExplainer, TextExplainer
from limette.engine.run import Options
from limette.errors import UnknownOptionError
from limette.image._plan import ImageOptions
from limette.tabular._plan import TabularOptions

#: Each explainer, its options class, and the public parameters that are not options:
#: the instance(s), the model, and those renamed on the way (image's ``progress_bar``).
EXPLAINERS = [
    (TabularExplainer, TabularOptions, {"data_row", "instances", "predict_fn"}),
    (TextExplainer, Options, {"text", "texts", "classifier_fn"}),
    (ImageExplainer, ImageOptions, {"image", "images", "classifier_fn", "progress_bar"}),
]
METHODS = ("explain", "explain_many", "iter_explanations")


@pytest.mark.parametrize(("explainer", "options", "not_options"), EXPLAINERS)
@pytest.mark.parametrize("method", METHODS)
def test_every_public_option_reaches_the_options_object(explainer, options, not_options, method):
    """``Options.of(locals())`` keeps what it knows by name: an option it does not know would
    be dropped silently, so every parameter of every method must be a field."""
    parameters = set(inspect.signature(getattr(explainer, method)).parameters) - {"self"}
    fields = set(options.__dataclass_fields__)
    assert parameters - not_options <= fields
    assert not parameters & not_options - {"progress_bar"} & fields


def test_options_are_taken_by_name_whatever_their_order():
    given = {"num_samples": 30, "labels": (0,), "self": object(), "text": "x", "sampler": "sobol"}
    reordered = dict(reversed(list(given.items())))
    assert Options.of(given) == Options.of(reordered)
    options = Options.of(given, progress=True)
    assert (options.num_samples, options.labels, options.sampler, options.progress) == (
        30,
        (0,),
        "sobol",
        True,
    )
    image = ImageOptions.of({"hide_color": 0, "device": "cpu"}, progress=True)
    assert (image.hide_color, image.device, image.progress) == (0, "cpu", True)


def test_feature_selection_is_checked_when_the_explainer_is_built():
    data = np.random.default_rng(0).normal(size=(20, 3))
    for build in (
        lambda: TabularExplainer(data, feature_selection="forward"),
        lambda: TextExplainer(feature_selection="forward"),
        lambda: ImageExplainer(feature_selection="forward"),
    ):
        with pytest.raises(UnknownOptionError, match="feature_selection='forward'"):
            build()


def test_auto_metadata_is_set_when_the_explanation_is_built():
    """``num_samples="auto"`` records its samples in the explanation it builds, for every
    modality through the one adaptive path."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    tabular = TabularExplainer(X, mode="regression", random_state=0).explain(
        X[0], lambda rows: rows @ np.array([2.0, 0.0, -1.0]), num_samples="auto", num_features=2
    )

    def positive(texts):
        p = np.array([0.2 + 0.6 * ("good" in t.split()) for t in texts])
        return np.column_stack([1 - p, p])

    text = TextExplainer(random_state=0).explain(
        "a good film and a fine plot", positive, num_samples="auto", num_features=2
    )
    for explanation in (tabular, text):
        assert explanation.metadata["samples_used"] == explanation.num_samples
        assert isinstance(explanation.metadata["stop_reason"], str)


def test_intervals_use_the_surrogates_level():
    """A surrogate's ``interval_level`` is recorded when the explanation is built, and the
    intervals of ``coef_interval``, the report and the plot are drawn at it (z = 1.645)."""
    from dataclasses import dataclass

    from limette.report import render_fragment
    from limette.surrogates import Ridge

    @dataclass(frozen=True)
    class Ridge90(Ridge):
        interval_level: float = 0.9

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    explanation = explainer.explain(
        X[0], lambda rows: rows @ np.array([2.0, 0.0, -1.0]), num_samples=300,
        model_regressor=Ridge90(compute_std=True),
    )  # fmt: skip
    assert explanation.metadata["interval_level"] == 0.9
    low, high = explanation.coef_interval()
    np.testing.assert_allclose(explanation.coef - low, high - explanation.coef)
    np.testing.assert_allclose(high - explanation.coef, 1.6448536 * explanation.coef_std)
    assert "90% interval" in render_fragment(explanation)


def test_a_tabular_explain_stays_below_its_explainer():
    """Once ``explain`` hands the call on, the run never calls back into the explainer's
    module: the plan works from the explainer's public state (its encoder, sampler,
    kernel), in the tabular package, the engine and the flat parts only."""
    import sys

    X = np.random.default_rng(0).normal(size=(200, 3))
    explainer = TabularExplainer(X, mode="regression", random_state=0)
    model = lambda rows: rows @ np.array([1.0, 2.0, 3.0])  # noqa: E731
    explainer.explain(X[0], model, num_samples=100)  # imports done
    entered: list[str] = []

    def record(frame, event, arg):
        module = frame.f_globals.get("__name__", "")
        if event == "call" and module.startswith("limette") and entered[-1:] != [module]:
            entered.append(module)

    sys.setprofile(record)
    try:
        explainer.explain(X[0], model, num_samples=100)
    finally:
        sys.setprofile(None)
    assert entered[0] == "limette.tabular.explainer"
    assert "limette.tabular.explainer" not in entered[1:]
    assert "limette.engine.run" in entered and "limette.tabular._plan" in entered
    outside = {
        m
        for m in entered
        if m.count(".") > 1 and not m.startswith(("limette.tabular.", "limette.engine."))
    }
    assert outside == set()
