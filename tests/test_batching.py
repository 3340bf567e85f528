"""Batch sizes learned from the model: growth, the memory cap, kept per model, same answers."""

from functools import partial

import numpy as np
import pytest

from limette import ImageExplainer
from limette.engine import batching
from limette.engine.batching import BatchSearch, batch_search
from limette.segmentation import grid

SIZE = 16
W = np.random.default_rng(0).integers(-1, 3, size=(SIZE, SIZE, 3)).astype(float)


def drive(search, seconds_for, calls=60):
    """Feed ``search`` the time of each call of its current size; the sizes it asked for."""
    sizes = []
    for _ in range(calls):
        sizes.append(search.size)
        search.record(search.size, seconds_for(search.size))
    return sizes


def test_a_fixed_cost_per_call_grows_the_batch_to_the_cap():
    search = BatchSearch(start=2, cap=1000)
    sizes = drive(search, lambda rows: 0.01 + 1e-5 * rows)
    assert sizes[:6] == [2, 2, 4, 4, 8, 8]
    assert search.settled and search.size == 1000 and max(sizes) == 1000


def test_a_model_slower_at_large_batches_keeps_the_fastest_size():
    # rows per second peak at 4 rows: 4 / 0.004 = 1000 against 2 / 0.003 and 8 / 0.012
    times = {2: 0.003, 4: 0.004, 8: 0.012, 16: 0.03}
    search = BatchSearch(start=2, cap=1000)
    sizes = drive(search, times.__getitem__)
    assert search.settled and search.size == 4 and set(sizes) == {2, 4, 8}


def test_the_search_never_exceeds_its_memory_cap(monkeypatch):
    monkeypatch.setattr(batching, "MEMORY_CAP", 10 * 1000)
    search = batch_search(type("Model", (), {})(), 1000, 2, 5000)
    assert search.cap == 10
    sizes = drive(search, lambda rows: 0.01)  # every batch costs the same: grow to the cap
    assert max(sizes) == 10 and search.size == 10
    assert BatchSearch(start=50, cap=3).size == 3


def brightness(batch):
    """A row never depends on the rest of its call (dyadic values: exact sums)."""
    p = 0.5 + (np.asarray(batch) * W).sum(axis=(1, 2, 3)) / 1024
    return np.stack([1 - p, p], axis=1)


class Classifier:
    """A model object with a fixed cost per call, recording the rows of each call."""

    def __init__(self):
        self.calls = []

    def predict(self, batch):
        self.calls.append(len(batch))
        return brightness(batch)


def test_image_answers_do_not_depend_on_the_search_and_it_is_kept(monkeypatch):
    monkeypatch.setattr(batching, "MEMORY_CAP", 12 * SIZE * SIZE * 3 * 8)  # 12 images
    images = np.random.default_rng(1).choice([0.0, 0.25, 0.5, 1.0], size=(3, SIZE, SIZE, 3))
    explainer = ImageExplainer(segmenter=partial(grid, rows=4))
    options = {"num_samples": 60, "top_labels": None, "hide_color": 0, "random_state": 3}
    fixed = [explainer.explain(image, brightness, batch_size=7, **options) for image in images]
    model = Classifier()
    searched = explainer.explain_many(images, model.predict, **options)
    assert all(a.to_dict() == b.to_dict() for a, b in zip(fixed, searched))
    assert len(set(model.calls)) > 1 and max(model.calls) <= 12
    kept = batch_search(model.predict, SIZE * SIZE * 3 * 8, 2, 60)
    assert kept.cap == 12 and kept.size in model.calls
    model.calls.clear()
    again = explainer.explain(images[1], model.predict, **options)
    assert again.to_dict() == fixed[1].to_dict() and max(model.calls) <= 12


@pytest.mark.parametrize("batch_size", [1, 5])
def test_a_given_batch_size_wins(batch_size):
    image = np.random.default_rng(2).choice([0.0, 0.5, 1.0], size=(SIZE, SIZE, 3))
    model = Classifier()
    ImageExplainer(segmenter=partial(grid, rows=4)).explain(
        image, model.predict, num_samples=20, top_labels=None, batch_size=batch_size
    )
    assert set(model.calls) == {batch_size}
