"""Arrays reused inside explain_many are never ones that something still holds."""

import numpy as np

from limette import TabularExplainer
from limette.engine import workspace as _workspace
from limette.engine.workspace import empty, joined, reusing_arrays, rows


def test_an_array_is_reused_only_once_released():
    with reusing_arrays():
        first = empty((4, 3))
        address = first.__array_interface__["data"][0]
        view = first[1:]
        del first
        held = empty((4, 3))  # the view keeps the first array alive
        assert held.__array_interface__["data"][0] != address
        del view
        again = empty((4, 3))
        assert again.__array_interface__["data"][0] == address
        assert empty((4, 3)) is not again and empty((3, 4)).shape == (3, 4)


def test_the_arrays_are_released_when_the_outermost_run_ends():
    with reusing_arrays():
        with reusing_arrays():
            empty((4, 3))
        assert len(_workspace._LOCAL.pool[((4, 3), np.dtype(float))]) == 1
    assert not hasattr(_workspace._LOCAL, "pool")


def test_a_model_that_keeps_its_inputs_sees_them_unchanged(cancer, cancer_forest):
    explainer = TabularExplainer(cancer.data[:450], random_state=0)
    seen = []

    def model(rows):
        seen.append((rows, rows.copy()))
        return cancer_forest.predict_proba(rows)

    rows = cancer.data[450:460]
    many = explainer.explain_many(rows, model, num_samples=300, batch_size=1200)
    assert all(np.array_equal(kept, copy) for kept, copy in seen)
    for i, row in enumerate(rows):
        alone = explainer.explain(row, cancer_forest.predict_proba, num_samples=300)
        assert many[i].to_json() == alone.to_json()


def test_rows_of_one_block_join_without_a_copy_and_start_over_once_released():
    with reusing_arrays(block_rows=10):
        first, second = rows(4, 3), rows(4, 3)
        first[:], second[:] = 1.0, 2.0
        both = joined([first, second])
        assert both is not None and np.shares_memory(both, first)
        np.testing.assert_array_equal(both, np.repeat([1.0, 2.0], 4)[:, None] * np.ones(3))
        assert joined([second, first]) is None  # not in order
        third = rows(4, 3)  # no room left beside the held rows: a new block
        assert not np.shares_memory(third, first)
        address = third.base.__array_interface__["data"][0]
        del first, second, both, third
        again = rows(4, 3)  # nothing holds the block any more: it starts over
        assert again.base.__array_interface__["data"][0] == address
        assert again.base.shape == (10, 3)
    assert joined([np.ones((2, 3)), np.ones((2, 3))]) is None
