"""Hand-made explanations with known numbers, for the report, plot and browser tests."""

from __future__ import annotations

import numpy as np

from limette import Explanation


def make_explanation(
    names=("a", "b", "c"),
    coef=((0.5, -0.25, 0.0),),
    labels=(1,),
    *,
    values=None,
    class_names=("no", "yes"),
    mode="classification",
    coef_std=None,
    model_output=None,
    cls=Explanation,
    **extra,
):
    """An explanation whose weights are ``coef`` (zeros are unselected features)."""
    coef = np.asarray(coef, dtype=float)
    k = coef.shape[0]
    intercept = np.full(k, 0.1)
    local = intercept + coef.sum(axis=1)
    if model_output is None:
        model_output = np.array([0.3, 0.7]) if mode == "classification" else np.array([2.5])
    return cls(
        feature_names=tuple(names),
        feature_values=tuple(values or [f"v{i}" for i in range(len(names))]),
        labels=tuple(labels),
        coef=coef,
        selected=coef != 0,
        intercept=intercept,
        score=np.full(k, 0.8),
        local_pred=local,
        model_output=np.asarray(model_output, dtype=float),
        mode=mode,
        class_names=None if class_names is None else tuple(class_names),
        output_range=np.column_stack([np.zeros(len(model_output)), np.ones(len(model_output))]),
        coef_std=None if coef_std is None else np.asarray(coef_std, dtype=float),
        num_samples=100,
        metadata={"explainer": "hand-made", "seed": 7},
        **extra,
    )


def many_features(n=14, labels=(0, 1), seed=0):
    """``n`` features, all selected, with distinct weights, for every label."""
    rng = np.random.default_rng(seed)
    coef = rng.normal(size=(len(labels), n))
    return make_explanation(
        names=[f"feature {i}" for i in range(n)],
        coef=coef,
        labels=labels,
    )
