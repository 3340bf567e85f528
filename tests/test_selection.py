import numpy as np
import pytest

from limette._design import WeightedDesign
from limette.selection import select_features

lime_base = pytest.importorskip("lime.lime_base")


def _neighbourhood(rng, n=2000, d=12, binary=True):
    X = (rng.random((n, d)) < 0.5).astype(float) if binary else rng.normal(size=(n, d))
    X[0] = 1.0
    true = rng.normal(size=d) * (rng.random(d) < 0.6)
    y = X @ true + 0.3 * np.sin(3 * X[:, 0] * X[:, 1]) + rng.normal(scale=0.2, size=n)
    w = np.sqrt(np.exp(-(((X - X[0]) ** 2).sum(1)) / (0.75 * np.sqrt(d)) ** 2))
    return X, y, w


@pytest.mark.parametrize("method", ["forward_selection", "highest_weights", "lasso_path", "auto"])
@pytest.mark.parametrize("num_features", [3, 5, 8])
@pytest.mark.parametrize("binary", [True, False])
def test_same_features_as_lime(rng, method, num_features, binary):
    X, y, w = _neighbourhood(rng, binary=binary)
    reference = lime_base.LimeBase(lambda d: d).feature_selection(X, y, w, num_features, method)
    ours = select_features(WeightedDesign(X, y[:, None], w), num_features, method)[0]
    assert len(reference) > 0
    assert set(np.flatnonzero(ours)) == {int(f) for f in reference}


def test_selection_per_label_and_none(rng):
    X, y, w = _neighbourhood(rng)
    Y = np.column_stack([y, -X[:, 5] * 4 + X[:, 7]])
    mask = select_features(WeightedDesign(X, Y, w), 2, "forward_selection")
    assert set(np.flatnonzero(mask[1])) == {5, 7}
    assert select_features(WeightedDesign(X, Y, w), 2, "none").all()


def test_unknown_method_lists_valid_names(rng):
    X, y, w = _neighbourhood(rng)
    with pytest.raises(ValueError, match="forward_selection"):
        select_features(WeightedDesign(X, y[:, None], w), 2, "forward")
