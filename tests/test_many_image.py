"""ImageExplainer.explain_many: the same answers as explain, masked images built per call."""

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pytest

from limette import ImageExplainer
from limette.engine.plan import Deferred
from limette.errors import InputError, InstanceError, ModelCallError
from limette.segmentation import grid

SIZE = 8
W = np.random.default_rng(0).integers(-1, 3, size=(SIZE, SIZE, 3)).astype(float)
OPTIONS = {"num_samples": 40, "top_labels": None, "hide_color": 0, "random_state": 3}
SENTINEL = 0.875


def make_images(n, seed=1):
    """Dyadic pixel values, so every sum below is exact whatever the order."""
    rng = np.random.default_rng(seed)
    return rng.choice([0.0, 0.25, 0.5, 1.0], size=(n, SIZE, SIZE, 3))


def brightness(batch):
    """P(class 1) = 0.5 + <image, W> / 1024, exactly; one row never depends on the batch."""
    if type(batch).__module__.startswith("torch"):
        import torch

        score = (batch * torch.as_tensor(W, dtype=batch.dtype)).sum(dim=(1, 2, 3))
        p = 0.5 + score / 1024
        return torch.stack([1 - p, p], dim=1)
    p = 0.5 + (batch * W).sum(axis=(1, 2, 3)) / 1024
    return np.stack([1 - p, p], axis=1)


def fragile(batch):
    if np.any(np.asarray(batch)[:, 0, 0, 0] == SENTINEL):
        raise RuntimeError("poisoned image")
    return brightness(batch)


def same(a, b):
    return a.to_dict() == b.to_dict()


@pytest.fixture(scope="module")
def explainer():
    return ImageExplainer(segmenter=partial(grid, rows=4))


@pytest.fixture(scope="module")
def images():
    return make_images(5)


@pytest.fixture(scope="module")
def singles(explainer, images):
    return [explainer.explain(image, brightness, **OPTIONS) for image in images]


def test_singles_are_known_answers(explainer, images, singles):
    # the model is linear in the kept segments: segment j adds sum(image * W over j) / 1024
    segments = singles[0].segments
    truth = np.bincount(segments.ravel(), (images[0] * W).sum(axis=2).ravel()) / 1024
    coef = singles[0].coef[0]
    assert np.abs(truth).max() > 0
    assert np.argmax(np.abs(coef)) == np.argmax(np.abs(truth))
    big = np.abs(truth) > 0.3 * np.abs(truth).max()
    assert np.all(np.sign(coef[big]) == np.sign(truth[big]))


@pytest.mark.parametrize("batch_size", [None, 1, 7, 40, 100])
@pytest.mark.parametrize("chunk_size", [1, 2, None])
def test_explain_many_equals_explain_bit_for_bit(
    explainer, images, singles, batch_size, chunk_size
):
    result = explainer.explain_many(
        images, brightness, batch_size=batch_size, chunk_size=chunk_size, **OPTIONS
    )
    assert len(result) == len(images) and result.errors == []
    assert all(same(a, b) for a, b in zip(result, singles))
    listed = explainer.explain_many(list(images), brightness, batch_size=batch_size, **OPTIONS)
    assert all(same(a, b) for a, b in zip(listed, singles))


def test_thread_pool_keeps_answers(explainer, images, singles):
    with ThreadPoolExecutor(2) as pool:
        result = explainer.explain_many(
            images, brightness, batch_size=30, chunk_size=2, executor=pool, **OPTIONS
        )
    assert all(same(a, b) for a, b in zip(result, singles))


@pytest.mark.parametrize(
    ("batch_size", "sizes"),
    [(8, [8, 8, 8, 8, 8] * 5), (45, [40] * 5), (100, [80, 80, 40])],
)
def test_masked_images_are_built_per_call(explainer, images, batch_size, sizes):
    seen = []

    def recording(batch):
        assert isinstance(batch, np.ndarray) and batch.shape[1:] == (SIZE, SIZE, 3)
        seen.append(len(batch))
        return brightness(batch)

    explainer.explain_many(images, recording, batch_size=batch_size, chunk_size=5, **OPTIONS)
    assert seen == sizes and max(seen) <= batch_size
    plan_hood = _plan(explainer).prepare(images[0], np.random.default_rng(0))
    assert isinstance(plan_hood.inputs, Deferred)  # nothing composed before a model call


def _plan(explainer):
    from limette.image._plan import ImageOptions, ImagePlan

    options = ImageOptions(
        top_labels=None, hide_color=0, num_samples=40, distance_metric="cosine", random_state=0
    )
    return ImagePlan.build(explainer, options)


def test_failures_are_collected_and_every_image_accounted_for(explainer, images, singles):
    poisoned = make_images(1, seed=9)[0]
    poisoned[0, 0, 0] = SENTINEL
    batch = [images[0], poisoned, images[1], np.zeros((SIZE, SIZE, 4)), *images[2:]]
    result = explainer.explain_many(batch, fragile, batch_size=200, errors="collect", **OPTIONS)
    assert result.failed == [1, 3]
    assert isinstance(result.errors[0][1], ModelCallError)
    assert "classifier_fn raised RuntimeError" in str(result.errors[0][1])
    assert isinstance(result.errors[1][1], InputError)
    assert result.indices == [0, 2, 4, 5, 6]
    assert sorted(result.indices + result.failed) == list(range(len(batch)))
    assert all(same(a, b) for a, b in zip(result, singles))
    with pytest.raises(InstanceError, match=r"instance 1 failed.*poisoned image") as info:
        explainer.explain_many(batch, fragile, batch_size=200, **OPTIONS)
    assert info.value.index == 1


def test_images_of_different_sizes(explainer, images, singles):
    small = make_images(1, seed=4)[0][:6, :6]
    result = explainer.explain_many(
        [images[0], small, images[1]], _cropping, batch_size=200, **OPTIONS
    )
    assert same(result[0], singles[0]) and same(result[2], singles[1])
    assert same(result[1], explainer.explain(small, _cropping, **OPTIONS))


def _cropping(batch):
    return brightness(
        np.pad(batch, ((0, 0), (0, SIZE - batch.shape[1]), (0, SIZE - batch.shape[2]), (0, 0)))
    )


def test_torch_tensors_stay_tensors(explainer, images):
    torch = pytest.importorskip("torch")
    tensors = torch.as_tensor(images)
    seen = []

    def on_device(batch):
        assert isinstance(batch, torch.Tensor) and batch.device == tensors.device
        seen.append(len(batch))
        return brightness(batch)

    singles = [explainer.explain(t, on_device, batch_size=30, **OPTIONS) for t in tensors]
    seen.clear()
    result = explainer.explain_many(tensors, on_device, batch_size=100, **OPTIONS)
    assert seen == [80, 80, 40]
    assert all(same(a, b) for a, b in zip(result, singles))
    assert result[0].metadata["device"] == "cpu"


def test_boundary_errors(explainer, images):
    with pytest.raises(InputError, match="batch of shape"):
        explainer.explain_many(images[0, :, :, 0].ravel(), brightness)
    with pytest.raises(InputError, match="list of images"):
        explainer.explain_many(3, brightness)
    with pytest.raises(InputError, match="distance_metric"):
        explainer.explain_many(images, brightness, distance_metric="nope")
