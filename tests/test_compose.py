"""mask_compose against a naive loop over samples and features, NumPy and torch."""

from __future__ import annotations

import numpy as np
import pytest

from limette.compose import is_torch, mask_compose


def naive_compose(keep, feature_mask, inputs, baseline):
    """One sample at a time, one hidden feature at a time (lime's loop)."""
    shape = np.broadcast_shapes(feature_mask.shape, inputs.shape)
    mask = np.broadcast_to(feature_mask, shape)
    full_inputs = np.broadcast_to(inputs, shape)
    full_baseline = np.broadcast_to(baseline, shape)
    out = []
    for row in keep:
        sample = full_inputs.copy()
        for feature in np.flatnonzero(row == 0):
            sample[mask == feature] = full_baseline[mask == feature]
        out.append(sample)
    return np.stack(out)


@pytest.fixture
def problem(rng):
    image = rng.random((9, 11, 3)).astype(np.float32)
    segments = rng.integers(0, 6, size=(9, 11))
    keep = (rng.random((13, 6)) < 0.5).astype(float)
    keep[0] = 1.0
    return image, segments, keep


@pytest.mark.parametrize("mask_shape", ["narrow", "full"])
@pytest.mark.parametrize("baseline_kind", ["scalar", "colour", "image"])
def test_numpy_equals_naive_loop(problem, rng, mask_shape, baseline_kind):
    image, segments, keep = problem
    mask = segments[..., None]
    if mask_shape == "full":
        mask = np.repeat(mask, 3, axis=2)
    baseline = {
        "scalar": np.float32(0.25),
        "colour": np.array([0.1, 0.5, 0.9], dtype=np.float32),
        "image": rng.random(image.shape).astype(np.float32),
    }[baseline_kind]
    expected = naive_compose(keep, mask, image, baseline)
    assert not np.array_equal(expected[1:], np.broadcast_to(image, expected[1:].shape))
    got = mask_compose(keep, mask, image, baseline)
    assert got.shape == (13, 9, 11, 3)
    assert got.dtype == np.float32
    assert got.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(got, expected)


def test_uint8_stays_uint8(rng):
    image = rng.integers(0, 256, size=(5, 4, 3), dtype=np.uint8)
    segments = np.arange(20).reshape(5, 4) % 3
    keep = np.array([[1, 1, 1], [0, 1, 0], [0, 0, 0]])
    baseline = np.zeros_like(image)
    got = mask_compose(keep, segments[..., None], image, baseline)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, naive_compose(keep, segments[..., None], image, baseline))


def test_one_dimensional_example():
    got = mask_compose(np.array([[1, 0], [0, 1]]), np.array([0, 0, 1]), np.arange(3.0), -1.0)
    np.testing.assert_array_equal(got, [[0.0, 1.0, -1.0], [-1.0, -1.0, 2.0]])


def test_torch_equals_numpy(problem, rng):
    torch = pytest.importorskip("torch")
    image, segments, keep = problem
    baseline = rng.random(image.shape).astype(np.float32)
    mask = np.repeat(segments[..., None], 3, axis=2)
    got = mask_compose(keep, torch.as_tensor(mask), torch.as_tensor(image), baseline)
    assert is_torch(got)
    assert got.is_contiguous()
    np.testing.assert_array_equal(got.numpy(), naive_compose(keep, mask, image, baseline))
    narrow = mask_compose(keep, segments[..., None], torch.as_tensor(image), baseline)
    np.testing.assert_array_equal(narrow.numpy(), got.numpy())
