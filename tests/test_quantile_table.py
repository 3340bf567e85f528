"""The tabulated quantile functions draw what the exact inverse CDF draws, to a known bound."""

import numpy as np
import pandas as pd
import pytest

from limette import TabularExplainer
from limette.discretize import inverse_cdf_values
from limette.tabular._plan import row_draws
from limette.tabular._quantile_table import KNOTS, TOLERANCE, slot_index


def exact(sampler, u):
    """lime's draw computed directly: the slot by counting, then its truncated normal."""
    index = slot_index(u, sampler.cumulative, sampler.offsets, np.arange(u.shape[1]))
    return inverse_cdf_values(sampler.slots, index, u)


@pytest.mark.parametrize("discretizer", ["quartile", "decile"])
def test_every_draw_is_an_exact_quantile_of_a_nearby_uniform(cancer, discretizer):
    sampler = TabularExplainer(cancer.data, discretizer=discretizer).sampler_
    u = np.random.default_rng(0).random((50_000, cancer.data.shape[1]))
    drawn = sampler.table.draw(u, np.empty(u.shape))
    shift = 2 * TOLERANCE / KNOTS  # the module promises TOLERANCE / KNOTS, checked at 7 points
    below, above = exact(sampler, np.clip(u - shift, 0, 1 - 1e-16)), exact(sampler, u + shift)
    assert np.all((drawn >= below) & (drawn <= above))
    assert np.all(np.abs(drawn - exact(sampler, u)).max(axis=0) < 1e-3 * cancer.data.std(axis=0))


def test_categories_are_drawn_exactly():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=300),
            "colour": pd.Categorical(
                rng.choice(["red", "green", "blue"], p=[0.5, 0.3, 0.2], size=300)
            ),
        }
    )
    sampler = TabularExplainer(frame).sampler_
    u = rng.random((20_000, 2))
    drawn = sampler.table.draw(u, np.empty(u.shape))
    np.testing.assert_array_equal(drawn[:, 1], exact(sampler, u)[:, 1])
    assert set(np.unique(drawn[:, 1])) == {0.0, 1.0, 2.0}


def test_interpretable_rows_say_whether_the_value_shares_the_instance_bin(cancer):
    explainer = TabularExplainer(cancer.data, random_state=0)
    row = cancer.data[7]
    new_draw, _ = row_draws(
        explainer, row, np.random.default_rng(3), "sobol", "gaussian", "euclidean"
    )
    interpretable, inputs = new_draw()(4000, True)
    bins = explainer.discretizer.discretize(inputs)
    own = explainer.discretizer.discretize(row)
    np.testing.assert_array_equal(interpretable, (bins == own).astype(float))


def test_given_bin_statistics_with_gaps_between_bins_are_drawn_exactly_enough():
    """lime's training_data_stats may give bins bounds that leave gaps: the quantile
    function then jumps at a bin boundary, and the draws must still come from each bin."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 2))
    stats = {
        "means": {0: [-2.0, -0.5, 0.5, 2.0], 1: [-2.0, -0.5, 0.5, 2.0]},
        "stds": {0: [1.0, 0.3, 0.3, 1.0], 1: [1.0, 0.3, 0.3, 1.0]},
        "mins": {0: [-4.0, -1.0, 0.1, 1.5], 1: [-4.0, -1.0, 0.1, 1.5]},
        "maxs": {0: [-1.5, -0.1, 1.0, 4.0], 1: [-1.5, -0.1, 1.0, 4.0]},
        "feature_values": {0: [0, 1, 2, 3], 1: [0, 1, 2, 3]},
        "feature_frequencies": {0: [0.1, 0.4, 0.3, 0.2], 1: [0.25, 0.25, 0.25, 0.25]},
    }
    sampler = TabularExplainer(X, training_data_stats=stats).sampler_
    u = rng.random((40_000, 2))
    drawn = sampler.table.draw(u, np.empty(u.shape))
    shift = 2 * TOLERANCE / KNOTS
    below, above = exact(sampler, np.clip(u - shift, 0, 1 - 1e-16)), exact(sampler, u + shift)
    assert np.all((drawn >= below) & (drawn <= above))
    bins = np.searchsorted(np.cumsum([0.1, 0.4, 0.3]), u[:, 0], side="right")
    low, high = np.array(stats["mins"][0]), np.array(stats["maxs"][0])
    assert np.all((drawn[:, 0] >= low[bins]) & (drawn[:, 0] <= high[bins]))
    shares = [np.mean((drawn[:, 0] >= a) & (drawn[:, 0] <= b)) for a, b in zip(low, high)]
    np.testing.assert_allclose(shares, [0.1, 0.4, 0.3, 0.2], atol=0.01)


def test_many_categories_are_binary_searched_to_the_counted_slots():
    """A column with hundreds of categories takes the binary search; it finds the slot that
    counting the passed boundaries finds, and its draws are the categories exactly."""
    from limette.tabular._quantile_table import COUNTED_SLOTS

    rng = np.random.default_rng(4)
    X = np.column_stack([rng.normal(size=3000), rng.integers(0, 700, size=3000)])
    sampler = TabularExplainer(X, categorical_features=[1]).sampler_
    assert sampler.cumulative.shape[1] > COUNTED_SLOTS
    u = rng.random((5000, 2))
    columns = np.arange(2)
    counted = np.broadcast_to(sampler.offsets[columns], u.shape).copy()
    for step in range(sampler.cumulative.shape[1] - 1):
        counted += u >= sampler.cumulative[columns, step]
    np.testing.assert_array_equal(
        slot_index(u, sampler.cumulative, sampler.offsets, columns), counted
    )
    drawn = sampler.table.draw(u, np.empty(u.shape))
    np.testing.assert_array_equal(drawn[:, 1], exact(sampler, u)[:, 1])
    assert set(np.unique(drawn[:, 1])) <= set(np.unique(X[:, 1]))
