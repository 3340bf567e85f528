import numpy as np
import pytest
from sklearn.metrics import pairwise_distances

from limette.kernels import exponential_kernel, get_distance, get_kernel, lime_kernel


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "cityblock"])
def test_distances_match_sklearn(rng, metric):
    Z = rng.normal(size=(50, 7))
    Z[3] = 0.0
    expected = pairwise_distances(Z, Z[:1], metric=metric).ravel()
    np.testing.assert_allclose(get_distance(metric)(Z), expected, atol=1e-12)


def test_kernels_formulas():
    d = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(lime_kernel(d, 2.0), np.sqrt(np.exp(-(d**2) / 4.0)))
    np.testing.assert_allclose(exponential_kernel(d, 2.0), np.exp(-(d**2) / 8.0))
    np.testing.assert_allclose(get_kernel(None, 2.0)(d), lime_kernel(d, 2.0))
    custom = get_kernel(lambda distances, kernel_width: distances * kernel_width, 3.0)
    np.testing.assert_allclose(custom(d), 3 * d)


def test_bad_kernel_arguments():
    with pytest.raises(ValueError, match="kernel_width"):
        get_kernel(None, 0.0)
    with pytest.raises(ValueError, match="kernel='gauss'"):
        get_kernel("gauss", 1.0)
    with pytest.raises(ValueError, match="distance_metric"):
        get_distance("no-such-metric")
