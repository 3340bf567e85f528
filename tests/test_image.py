"""ImageExplainer and ImageExplanation: known answers, naive references, lime parity, errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from limette import Explanation, ImageExplainer, ImageExplanation
from limette._random import instance_generator, resolve_seed
from limette.errors import InputError, ModelCallError, UnknownOptionError
from limette.image._input import BLUR_FRACTION
from limette.sampling import BernoulliSampler
from limette.segmentation import grid

WEIGHTS = np.array([0.9, -0.7, 0.5, -0.35, 0.25, 0.15, -0.1, 0.05, 0.0, 0.6, -0.45, 0.3])


def additive_classifier(weights, rows=3, cols=4, size=24):
    """Score = sum of the weights of the visible grid cells (a cell is visible if non-zero)."""
    centres_r = (np.arange(rows) * size // rows + size // (2 * rows)).repeat(cols)
    centres_c = np.tile(np.arange(cols) * size // cols + size // (2 * cols), rows)

    def classify(images):
        visible = np.asarray(images)[:, centres_r, centres_c, 0] != 0
        score = np.zeros(len(visible))
        for j, weight in enumerate(weights):  # fixed order: the same sums at any batch size
            score = score + visible[:, j] * weight
        return np.stack([1.0 - score, score, np.zeros_like(score)], axis=1)

    return classify


def recorder(classify):
    seen = []

    def record(images):
        seen.append(np.array(images.cpu() if hasattr(images, "cpu") else images))
        return classify(images)

    return record, seen


@pytest.fixture
def image(rng):
    return (rng.random((24, 24, 3)) * 0.8 + 0.1).astype(np.float32)


def explain_grid(image, classify, **kwargs):
    """Explain on the 3×4 grid of :func:`additive_classifier` unless told otherwise."""
    options = {
        "labels": (1,),
        "top_labels": None,
        "hide_color": 0,
        "num_samples": 2000,
        "segmentation_fn": grid(image, 3, 4),
    }
    options.update(kwargs)
    return ImageExplainer(random_state=0).explain(image, classify, **options)


def test_recovers_additive_weights(image):
    explanation = explain_grid(image, additive_classifier(WEIGHTS))
    coef = explanation.coef[0]
    nonzero = WEIGHTS != 0
    np.testing.assert_array_equal(np.argsort(-np.abs(coef))[:11], np.argsort(-np.abs(WEIGHTS))[:11])
    np.testing.assert_allclose(coef[nonzero], WEIGHTS[nonzero], rtol=0.05)
    assert abs(coef[~nonzero][0]) < 0.01
    assert explanation.score[0] > 0.99
    assert [j for j, _ in explanation.as_map()[1][:3]] == [0, 1, 9]


def test_matches_naive_loop_for_every_hide_color(rng):
    uint8 = rng.integers(1, 255, size=(20, 16, 3), dtype=np.uint8)
    segments = grid(uint8, 4, 3)
    for picture in (uint8, (uint8 / 255.0).astype(np.float32)):
        baseline_image = rng.random(picture.shape) * (255 if picture.dtype == np.uint8 else 1)
        baseline_image = baseline_image.astype(picture.dtype)
        for hide_color in (None, 0, (10, 20, 30), "blur", baseline_image):
            check_against_naive(picture, segments, hide_color)


def naive_fudged(image, segments, hide_color):
    fudged = image.copy()
    if hide_color is None:
        for x in np.unique(segments):
            fudged[segments == x] = image[segments == x].astype(np.float64).mean(axis=0)
    elif isinstance(hide_color, str):
        sigma = BLUR_FRACTION * max(image.shape[:2])
        blurred = gaussian_filter(image.astype(np.float64), sigma=(sigma, sigma, 0))
        fudged[:] = np.rint(blurred) if image.dtype == np.uint8 else blurred
    else:
        fudged[:] = hide_color
    return fudged


def check_against_naive(image, segments, hide_color):
    classify, seen = recorder(lambda images: np.ones((len(images), 2)))
    ImageExplainer(random_state=3).explain(
        image,
        classify,
        hide_color=hide_color,
        segmentation_fn=segments,
        num_samples=40,
        batch_size=16,
        top_labels=1,
    )
    samples = BernoulliSampler(0.5).sample(40, 12, instance_generator(resolve_seed(3)))
    fudged = naive_fudged(image, segments, hide_color)
    expected = []
    for row in samples:
        temp = image.copy()
        for z in np.flatnonzero(row == 0):
            temp[segments == z] = fudged[segments == z]
        expected.append(temp)
    got = np.concatenate(seen)
    assert got.dtype == image.dtype
    assert not np.array_equal(got[1], image)
    np.testing.assert_array_equal(got, np.stack(expected))


def test_torch_image_composes_on_its_device_and_matches_numpy(image):
    torch = pytest.importorskip("torch")
    segments = grid(image, 3, 4)
    seen_types = []

    def classify(images):
        seen_types.append(type(images))
        return torch.as_tensor(additive_classifier(WEIGHTS)(images.numpy()))

    for hide_color in (None, 0.5, "blur"):
        kwargs = {"hide_color": hide_color, "segmentation_fn": segments, "num_samples": 300}
        ours = explain_grid(torch.as_tensor(image), classify, **kwargs)
        reference = explain_grid(image, additive_classifier(WEIGHTS), **kwargs)
        np.testing.assert_array_equal(ours.coef, reference.coef)
        assert ours.metadata["device"] == "cpu"
    assert set(seen_types) == {torch.Tensor}
    explicit = explain_grid(image, classify, segmentation_fn=segments, device="cpu")
    np.testing.assert_array_equal(explicit.image, image)


def test_same_answer_whatever_the_batch_size(image):
    classify = additive_classifier(WEIGHTS + 0.01 * np.arange(12) ** 2)
    results = [explain_grid(image, classify, batch_size=b).coef for b in (1, 7, 64, None)]
    for coef in results[1:]:
        np.testing.assert_array_equal(coef, results[0])
    other_seed = explain_grid(image, classify, random_state=1)
    assert not np.array_equal(other_seed.coef, results[0])


def test_grayscale_uint8_image_is_repeated_to_rgb():
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8) * 3 + 10
    classify, seen = recorder(lambda images: np.ones((len(images), 2)))
    explanation = ImageExplainer(random_state=0).explain(
        gray, classify, segmentation_fn="grid", num_samples=20, top_labels=1
    )
    assert seen[0].shape[1:] == (8, 8, 3) and seen[0].dtype == np.uint8
    np.testing.assert_array_equal(explanation.image[..., 2], gray)


def lime_explanation(ours, label):
    lime_image = pytest.importorskip("lime.lime_image")
    theirs = lime_image.ImageExplanation(ours.image, ours.segments)
    theirs.local_exp = ours.as_map()
    return theirs


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"positive_only": False, "negative_only": True},
        {"positive_only": False, "num_features": 4},
        {"positive_only": False, "num_features": 10, "min_weight": 0.2, "hide_rest": True},
        {"hide_rest": True, "num_features": 3, "min_weight": 0.4},
    ],
)
def test_get_image_and_mask_matches_lime(image, options):
    ours = explain_grid(image, additive_classifier(WEIGHTS))
    theirs = lime_explanation(ours, 1)
    expected_image, expected_mask = theirs.get_image_and_mask(1, **options)
    got_image, got_mask = ours.get_image_and_mask(1, **options)
    assert np.any(expected_mask != 0)
    np.testing.assert_array_equal(got_mask, expected_mask)
    np.testing.assert_array_equal(got_image, expected_image)
    assert got_image.dtype == expected_image.dtype


def test_views_heatmap_overlay_json_html(image):
    ours = explain_grid(image, additive_classifier(WEIGHTS))
    segments = grid(image, 3, 4)
    np.testing.assert_array_equal(ours.heatmap(1), ours.coef[0][segments])
    overlay = ours.overlay(1, boundaries=None)
    assert overlay.shape == image.shape and overlay.dtype == np.uint8
    positive = overlay[segments == 0].astype(float).mean(axis=0)  # weight +0.9: green
    negative = overlay[segments == 1].astype(float).mean(axis=0)  # weight -0.7: violet
    neutral = overlay[segments == 8].astype(float).mean(axis=0)  # weight 0: untouched
    assert positive[1] - positive[0] > 60 and negative[2] - negative[1] > 60
    assert abs(neutral[1] - neutral[0]) < 20
    back = Explanation.from_json(ours.to_json())
    assert isinstance(back, ImageExplanation)
    np.testing.assert_array_equal(back.segments, ours.segments)
    np.testing.assert_array_equal(back.image, ours.image)
    np.testing.assert_array_equal(back.get_image_and_mask(1)[1], ours.get_image_and_mask(1)[1])
    html = ours.to_html()
    # image, overlay and heatmap for each explained label
    assert html.count('src="data:image/png;base64,') == 3 * len(ours.labels)
    assert "overlay: green for, violet against" in ours._repr_html_()
    assert ours.as_list(1)[0][0] == "segment 0"


def test_png_decodes_back(image):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import io

    import matplotlib.image

    from limette.plot_image import encode_png

    rgb = (image * 255).astype(np.uint8)
    decoded = matplotlib.image.imread(io.BytesIO(encode_png(rgb)), format="png")
    np.testing.assert_array_equal(np.rint(decoded[..., :3] * 255).astype(np.uint8), rgb)


def test_figure_has_three_panels(image):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours = explain_grid(image, additive_classifier(WEIGHTS))
    figure = ours.as_pyplot_figure(1)
    assert len(figure.axes) == 4  # image, overlay, heatmap and its colour bar
    plt.close(figure)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((4, 4, 4)), r"\(H, W\) .* or \(H, W, 3\)"),
        (np.zeros((2, 4, 4, 3)), r"got an array of shape \(2, 4, 4, 3\)"),
        (np.zeros((4, 4, 3), dtype=bool), "dtype bool"),
        (np.full((4, 4, 3), np.nan), "finite"),
        (np.zeros((0, 4, 3)), "empty"),
    ],
)
def test_bad_images(bad, message):
    with pytest.raises(InputError, match=message):
        ImageExplainer().explain(bad, lambda x: np.ones((len(x), 2)), segmentation_fn="grid")


def test_bad_arguments(image):
    explainer = ImageExplainer(random_state=0)
    classify = additive_classifier(WEIGHTS)
    with pytest.raises(InputError, match="single segment"):
        explainer.explain(image, classify, segmentation_fn=np.zeros((24, 24), int))
    with pytest.raises(InputError, match=r"image's shape \(24, 24\)"):
        explainer.explain(image, classify, segmentation_fn=np.zeros((5, 5), int))
    with pytest.raises(InputError, match="'blur'"):
        explainer.explain(image, classify, segmentation_fn="grid", hide_color="gray")
    with pytest.raises(InputError, match="outside the range"):
        explainer.explain(
            (image * 255).astype(np.uint8), classify, segmentation_fn="grid", hide_color=300
        )
    with pytest.raises(InputError, match=r"shape \(24, 24\)"):
        explainer.explain(image, classify, segmentation_fn="grid", hide_color=np.zeros((3, 3)))
    with pytest.raises(InputError, match="num_samples"):
        explainer.explain(image, classify, segmentation_fn="grid", num_samples=1)
    with pytest.raises(InputError, match="label 7 is out of range"):
        explainer.explain(image, classify, segmentation_fn="grid", labels=(7,), top_labels=None)
    with pytest.raises(UnknownOptionError, match="'lasso_path'"):
        ImageExplainer(feature_selection="lasso")
    calls = []
    with pytest.raises(InputError, match="distance_metric"):
        explainer.explain(image, calls.append, segmentation_fn="grid", distance_metric="nope")
    assert calls == []  # rejected before the classifier is asked anything
    with pytest.raises(ModelCallError, match="classifier_fn raised"):
        explainer.explain(image, lambda x: 1 / 0, segmentation_fn="grid")
    explanation = explain_grid(image, classify)
    with pytest.raises(InputError, match="cannot both"):
        explanation.get_image_and_mask(1, positive_only=True, negative_only=True)
    with pytest.raises(InputError, match="label 0 was not explained"):
        explanation.get_image_and_mask(0)


def chelsea_background(shape):
    """Rough background of chelsea_224(): the top-right corner and the right edge."""
    background = np.zeros(shape, dtype=bool)
    background[:90, 165:] = True
    background[:, 205:] = True
    return background


def test_efficientnet_on_chelsea_points_at_the_cat():
    pytest.importorskip("torch")
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("skimage")
    import torch

    from limette.cli._demo_models import (
        IMAGENET_CATS,
        chelsea_224,
        image_classifier,
        load_efficientnet_lite0,
    )
    from limette.image._input import segment_means

    torch.set_num_threads(1)
    image = chelsea_224()
    classify = image_classifier(load_efficientnet_lite0())
    explanation = ImageExplainer(random_state=0).explain(
        image, classify, top_labels=1, num_samples=300, batch_size=4
    )
    top = explanation.top_labels[0]
    assert top in IMAGENET_CATS
    _, positive = explanation.get_image_and_mask(top, num_features=5)
    _, negative = explanation.get_image_and_mask(
        top, positive_only=False, negative_only=True, num_features=5
    )
    assert positive.sum() > 0 and negative.sum() > 0
    on_cat = ~chelsea_background(positive.shape)
    assert positive[on_cat].sum() / positive.sum() > 0.9
    # hiding the top-5 positive segments lowers the cat probability; the negative ones raise it
    base = segment_means(image, explanation.segments, len(explanation.feature_names))
    hidden = [np.where(mask[..., None] != 0, base, image) for mask in (positive, negative)]
    original, without_positive, without_negative = classify(np.stack([image, *hidden]))[:, top]
    assert without_positive < 0.8 * original
    assert without_negative > original


def test_report_shows_image_explanations_with_escaped_names(image):
    from limette.report import render_report

    explainer = ImageExplainer(random_state=0, class_names=["<cat>", "dog & co", "x"])
    explanation = explainer.explain(
        image, additive_classifier(WEIGHTS), segmentation_fn=grid(image, 3, 4), num_samples=50
    )
    page = render_report([explanation], "report", ["<caption>"])
    assert page.count("data:image/png;base64,") == 3 * len(explanation.labels) == 9
    assert "&lt;cat&gt;" in page and "dog &amp; co" in page and "&lt;caption&gt;" in page
    assert "<cat>" not in page


def _png_pixels(uri: str) -> np.ndarray:
    """Decode one of the report's PNGs (8-bit RGB, filter 0 on every row, as encode_png)."""
    import base64
    import struct
    import zlib

    data = base64.b64decode(uri.split(",", 1)[1])
    width, height = struct.unpack(">II", data[16:24])
    assert data[25] == 2  # colour type RGB
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8 : start - 4])[0]
    raw = np.frombuffer(zlib.decompress(data[start : start + length]), np.uint8)
    return raw.reshape(height, 1 + 3 * width)[:, 1:].reshape(height, width, 3)


def test_report_of_a_large_image_embeds_small_pictures_and_keeps_the_explanation():
    import json
    import re

    from limette.report import REPORT_SIDE, render_report

    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, (400, 300, 3), dtype=np.uint8)
    image = np.repeat(np.repeat(small, 3, axis=0), 3, axis=1)  # 1200×900, in 3×3 blocks
    cells = (np.arange(400)[:, None] // 100) * 3 + np.arange(300)[None, :] // 100
    segments = np.repeat(np.repeat(cells, 3, axis=0), 3, axis=1)
    weights = np.linspace(-1.0, 1.0, 12)

    def classify(batch):
        grid = batch[:, ::3, ::3].reshape(len(batch), 4, 100, 3, 100, 3).mean(axis=(2, 4, 5))
        score = 1 / (1 + np.exp(-(grid.reshape(len(batch), -1) / 255 - 0.5) @ weights))
        return np.column_stack([1 - score, score])

    explanation = ImageExplainer(random_state=0).explain(
        image, classify, segmentation_fn=lambda _: segments, num_samples=60, labels=(1,),
        top_labels=None,
    )  # fmt: skip
    page = render_report([explanation])
    uris = re.findall(r'src="(data:image/png;base64,[^"]+)"', page)
    pictures = [_png_pixels(uri) for uri in uris]
    assert [p.shape for p in pictures] == [(400, 300, 3)] * 3
    assert max(pictures[0].shape[:2]) <= REPORT_SIDE < max(image.shape[:2])
    np.testing.assert_array_equal(pictures[0], small)  # each 3×3 block's mean
    # the explanation itself keeps full resolution
    assert explanation.image.shape == (1200, 900, 3) and explanation.segments.shape == (1200, 900)
    embedded = json.loads(re.search(r'class="lm-data">(.*?)</script>', page).group(1))
    assert embedded["metadata"]["downscaled_from"] == [1200, 900]
    np.testing.assert_array_equal(Explanation.from_dict(embedded).segments, cells)
    # a small image is drawn as before, at full size
    assert explanation.downscaled(1200) is explanation
