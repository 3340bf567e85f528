import numpy as np
import pytest
from scipy.stats import truncnorm

from limette.discretize import (
    DecileDiscretizer,
    EntropyDiscretizer,
    QuartileDiscretizer,
    truncated_normal,
)

lime_discretize = pytest.importorskip("lime.discretize")


@pytest.fixture(scope="module")
def data(cancer=None):
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    return bunch.data, bunch.target, list(bunch.feature_names)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (QuartileDiscretizer, "QuartileDiscretizer"),
        (DecileDiscretizer, "DecileDiscretizer"),
        (EntropyDiscretizer, "EntropyDiscretizer"),
    ],
)
def test_bins_names_and_stats_match_lime(data, ours, theirs):
    X, y, names = data
    features = list(range(X.shape[1]))
    reference = getattr(lime_discretize, theirs)(X, [], names, labels=y, random_state=0)
    fitted = (ours(random_state=0) if ours is EntropyDiscretizer else ours()).fit(
        X, features, names, y
    )
    for i in features:
        assert fitted.names_[i] == reference.names[i]
        bins = len(reference.names[i])
        np.testing.assert_allclose(fitted.means_[i, :bins], reference.means[i], atol=1e-9)
        np.testing.assert_allclose(fitted.stds_[i, :bins], reference.stds[i], rtol=1e-9)
        np.testing.assert_allclose(fitted.mins_[i, :bins], reference.mins[i])
        np.testing.assert_allclose(fitted.maxs_[i, :bins], reference.maxs[i])
    np.testing.assert_array_equal(fitted.discretize(X), reference.discretize(X))


def test_truncated_normal_is_the_inverse_cdf():
    rng = np.random.default_rng(0)
    a = rng.uniform(-3, 2, 1000)
    b = a + rng.uniform(0.01, 4, 1000)
    a[:10], b[:10] = 5.0, 9.0  # far in the upper tail: mirrored
    u = rng.random(1000)
    np.testing.assert_allclose(
        truncated_normal(a, b, u), truncnorm.ppf(u, a, b), rtol=1e-6, atol=1e-8
    )


def test_undiscretize_stays_in_bins(data):
    X, _, names = data
    fitted = QuartileDiscretizer().fit(X, range(X.shape[1]), names)
    bins = fitted.discretize(X).astype(np.intp)
    values = fitted.undiscretize(bins, np.random.default_rng(0))
    np.testing.assert_array_equal(fitted.discretize(values), bins)


def test_entropy_needs_labels(data):
    X, _, names = data
    with pytest.raises(ValueError, match="training_labels"):
        EntropyDiscretizer().fit(X, [0], names)


def test_undiscretize_draws_are_the_truncated_normal_quantiles(data):
    X, _, names = data
    fitted = QuartileDiscretizer().fit(X, range(X.shape[1]), names)
    bins = np.random.default_rng(1).integers(0, 4, size=(500, X.shape[1]))
    values = fitted.undiscretize(bins, np.random.default_rng(2))
    u = np.random.default_rng(2).random(bins.shape)
    columns = np.arange(X.shape[1])[None, :]
    mean, std = fitted.means_[columns, bins], fitted.stds_[columns, bins]
    low, high = fitted.mins_[columns, bins], fitted.maxs_[columns, bins]
    expected = mean + std * truncnorm.ppf(u, (low - mean) / std, (high - mean) / std)
    np.testing.assert_allclose(values, np.clip(expected, low, high), rtol=1e-7, atol=1e-9)
