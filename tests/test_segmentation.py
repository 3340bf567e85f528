"""Segmenters: labels 0..d-1, known answers, scikit-image parity, errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from limette import segmentation
from limette.errors import InputError, MissingDependencyError, UnknownOptionError
from limette.segmentation import count_segments, get_segmenter, grid, relabel


@pytest.fixture(scope="module")
def photo():
    pytest.importorskip("skimage")
    from skimage import data, transform

    return transform.resize(data.astronaut(), (96, 96), anti_aliasing=True)


def assert_labels(segments, shape):
    assert segments.shape == shape
    assert np.issubdtype(segments.dtype, np.integer)
    d = count_segments(segments)
    np.testing.assert_array_equal(np.unique(segments), np.arange(d))
    return d


def test_grid_known_answer():
    segments = grid(np.zeros((6, 4, 3)), rows=3, cols=2)
    expected = np.repeat(np.repeat(np.arange(6).reshape(3, 2), 2, axis=0), 2, axis=1)
    np.testing.assert_array_equal(segments, expected)
    assert count_segments(segments) == 6


def test_grid_uneven_sizes_cover_every_cell():
    segments = grid(np.zeros((10, 7)), rows=3, cols=4)
    assert assert_labels(segments, (10, 7)) == 12
    sizes = np.bincount(segments.ravel())
    assert sizes.min() >= 2 and sizes.max() <= 8


def test_relabel_keeps_order_and_regions():
    mask = np.array([[7, 7, -3], [100, 7, -3]])
    np.testing.assert_array_equal(relabel(mask), [[1, 1, 0], [2, 1, 0]])
    np.testing.assert_array_equal(relabel(mask.astype(float)), relabel(mask))


@pytest.mark.parametrize(
    "bad", [np.zeros((2, 2, 2), int), np.array([[0.5, 1.0]]), np.array([["a", "b"]])]
)
def test_relabel_rejects_bad_masks(bad):
    with pytest.raises(InputError, match="segments"):
        relabel(bad)


@pytest.mark.parametrize("name", ["quickshift", "slic", "felzenszwalb", "watershed", "grid"])
def test_every_segmenter_gives_labels_zero_to_d(photo, name):
    segments = get_segmenter(name)(photo)
    assert assert_labels(segments, photo.shape[:2]) >= 4
    gray = get_segmenter(name)(photo.mean(axis=2))
    assert_labels(gray, photo.shape[:2])


def test_quickshift_matches_scikit_image_with_limes_defaults(photo):
    from skimage.segmentation import quickshift

    expected = quickshift(photo, kernel_size=4, max_dist=200, ratio=0.2, rng=42)
    np.testing.assert_array_equal(segmentation.quickshift(photo), relabel(expected))


def test_slic_matches_scikit_image(photo):
    from skimage.segmentation import slic

    expected = slic(photo, n_segments=50, compactness=20.0, start_label=0)
    np.testing.assert_array_equal(segmentation.slic(photo), relabel(expected))


def test_default_segmenter_and_parameters(photo):
    assert get_segmenter() is segmentation.DEFAULT_SEGMENTER
    few = count_segments(get_segmenter("slic", n_segments=10)(photo))
    many = count_segments(get_segmenter("slic", n_segments=80)(photo))
    assert few < many


def test_callables_pass_through():
    def halves(image):
        return np.arange(image.shape[1])[None, :].repeat(image.shape[0], 0) >= image.shape[1] // 2

    assert get_segmenter(halves) is halves


def test_unknown_name_lists_valid_ones():
    with pytest.raises(UnknownOptionError, match="'slic'"):
        get_segmenter("superpixels")


def test_bad_grid_arguments():
    with pytest.raises(InputError, match="rows"):
        grid(np.zeros((4, 4)), rows=0)


def test_missing_scikit_image_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "skimage", None)
    with pytest.raises(MissingDependencyError, match=r"limette\[image\]"):
        segmentation.slic(np.zeros((8, 8, 3)))
    assert count_segments(grid(np.zeros((8, 8, 3)), rows=2)) == 4


def test_wrong_image_shape():
    pytest.importorskip("skimage")
    with pytest.raises(InputError, match=r"\(H, W\) or \(H, W, 3\)"):
        segmentation.slic(np.zeros((8, 8, 4)))
