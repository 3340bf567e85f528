"""``sampler=`` and ``num_samples="auto"`` of the image and text explainers (``_binary``)."""

from __future__ import annotations

import numpy as np
import pytest

from limette import AutoSamples, ImageExplainer, TextExplainer
from limette._random import instance_generator, resolve_seed
from limette.errors import InputError, UnknownOptionError
from limette.sampling import SCHEMES, BernoulliSampler, UniformCountSampler
from limette.segmentation import grid

SCHEME_NAMES = sorted(SCHEMES)
#: Known weights of the 12 grid cells (3 × 4) of an 24×24 image.
CELL_WEIGHTS = np.array([0.9, -0.7, 0.5, -0.35, 0.25, 0.15, -0.1, 0.05, 0.0, 0.6, -0.45, 0.3])
#: Known weights of the words of a short document.
WORD_WEIGHTS = {"good": 0.3, "bad": -0.25, "plot": 0.1, "boring": -0.15, "acting": 0.05}
DOCUMENT = "good acting and a plot that is never boring but the ending is bad"


def cell_scores(images):
    """Probability of class 1 = 0.5 + the weights of the visible cells / 8 (hidden = 0)."""
    p = 0.5 + (visible_cells(images) * CELL_WEIGHTS).sum(axis=1) / 8  # row by row
    return np.column_stack([1 - p, p])


def visible_cells(images):
    """Which of the 3 × 4 grid cells each image shows (one pixel at each cell's centre)."""
    centres = np.asarray(images)[:, 4::8, 3::6, 0]
    return (centres != 0).reshape(len(centres), -1)


def word_scores(texts):
    """Probability of class 1 = 0.5 + the weights of the words present (bag of words)."""
    present = [set(text.split()) for text in texts]
    p = np.array([0.5 + sum(w for word, w in WORD_WEIGHTS.items() if word in s) for s in present])
    return np.column_stack([1 - p, p])


@pytest.fixture(scope="module")
def picture():
    return (np.random.default_rng(0).random((24, 24, 3)) * 0.8 + 0.1).astype(np.float32)


def explain_image(picture, **options):
    options = {
        "labels": (1,),
        "top_labels": None,
        "hide_color": 0,
        "num_samples": 600,
        "segmentation_fn": grid(picture, 3, 4),
        "random_state": 3,
        **options,
    }
    return ImageExplainer().explain(picture, cell_scores, **options)


def explain_text(**options):
    options = {"num_features": 20, "num_samples": 600, "random_state": 3, **options}
    return TextExplainer().explain(DOCUMENT, word_scores, **options)


@pytest.mark.parametrize("sampler", SCHEME_NAMES)
def test_every_sampler_recovers_known_image_weights(picture, sampler):
    explanation = explain_image(picture, sampler=sampler)
    assert explanation.metadata["sampler"] == sampler
    np.testing.assert_allclose(explanation.coef[0], CELL_WEIGHTS / 8, atol=0.003)
    assert explanation.score[0] > 0.99


@pytest.mark.parametrize("sampler", SCHEME_NAMES)
def test_every_sampler_recovers_known_word_weights(sampler):
    explanation = explain_text(sampler=sampler)
    assert explanation.metadata["sampler"] == sampler
    found = dict(explanation.as_list())
    for word, weight in WORD_WEIGHTS.items():
        assert found[word] == pytest.approx(weight, abs=0.01)
    assert abs(found["ending"]) < 0.01


def test_the_sampler_draws_the_explained_samples(picture):
    """``sampler=name`` draws exactly that scheme's samples from the instance's generator."""
    for sampler in SCHEME_NAMES:
        rng = instance_generator(resolve_seed(3))
        expected = BernoulliSampler(0.5, scheme=sampler).sample(600, 12, rng)
        seen = []

        def record(images, seen=seen):
            seen.append(visible_cells(images))
            return cell_scores(images)

        ImageExplainer().explain(
            picture, record, top_labels=None, hide_color=0, num_samples=600,
            segmentation_fn=grid(picture, 3, 4), random_state=3, sampler=sampler,
        )  # fmt: skip
        np.testing.assert_array_equal(np.concatenate(seen), expected.astype(bool))
    rng = instance_generator(resolve_seed(3))
    words = len(set(DOCUMENT.split()))
    expected = UniformCountSampler(scheme="sobol").sample(600, words, rng)
    texts = []
    TextExplainer().explain(
        DOCUMENT, lambda t: texts.extend(t) or word_scores(t), num_samples=600,
        random_state=3, sampler="sobol",
    )  # fmt: skip
    kept_words = np.array([len(set(t.split())) for t in texts])
    np.testing.assert_array_equal(kept_words, expected.sum(axis=1))


def test_default_samplers_are_recorded(picture):
    """Images default to Sobol points, text to lime's plain sampling."""
    image = explain_image(picture)
    assert image.metadata["sampler"] == "sobol"
    np.testing.assert_array_equal(image.coef, explain_image(picture, sampler="sobol").coef)
    assert not np.array_equal(image.coef, explain_image(picture, sampler="random").coef)
    text = explain_text()
    assert text.metadata["sampler"] == "random"
    np.testing.assert_array_equal(text.coef, explain_text(sampler="random").coef)


@pytest.mark.parametrize("sampler", ["sobol", "random"])
def test_explain_many_equals_explain_for_every_sampler(picture, sampler):
    images = np.stack([picture, picture[::-1], picture[:, ::-1]])
    options = {
        "labels": (1,), "top_labels": None, "hide_color": 0, "num_samples": 200,
        "segmentation_fn": "grid", "random_state": 5, "sampler": sampler,
    }  # fmt: skip
    explainer = ImageExplainer()
    many = explainer.explain_many(images, cell_scores, batch_size=150, **options)
    for i, image in enumerate(images):
        one = explainer.explain(image, cell_scores, **options)
        np.testing.assert_array_equal(many[i].coef, one.coef)
        assert many[i].metadata["sampler"] == sampler
    docs = [DOCUMENT, "good plot", "bad acting, boring plot"]
    text = TextExplainer(random_state=5)
    many = text.explain_many(docs, word_scores, num_samples=300, sampler=sampler, batch_size=7)
    for i, doc in enumerate(docs):
        one = text.explain(doc, word_scores, num_samples=300, sampler=sampler)
        np.testing.assert_array_equal(many[i].coef, one.coef)


def test_unknown_sampler_names_the_argument(picture):
    with pytest.raises(UnknownOptionError, match=r"sampler='halton'.*'sobol'"):
        explain_image(picture, sampler="halton")
    with pytest.raises(UnknownOptionError, match=r"sampler='glime'"):
        ImageExplainer().explain_many([picture], cell_scores, sampler="glime")
    with pytest.raises(UnknownOptionError, match=r"sampler='halton'"):
        explain_text(sampler="halton")
    with pytest.raises(UnknownOptionError, match=r"sampler='halton'"):
        list(TextExplainer().iter_explanations([DOCUMENT], word_scores, sampler="halton"))


def test_auto_stops_after_one_batch_on_a_clear_ranking(picture):
    """A clear ranking reaches the re-draw target after the first batch, with the same
    top features as a fixed-size run."""
    image_auto = explain_image(picture, num_samples="auto")
    text_auto = explain_text(num_samples="auto", num_features=3)
    image_fixed = explain_image(picture, num_samples=1000)
    text_fixed = explain_text(num_samples=1000, num_features=3)
    for auto, fixed in ((image_auto, image_fixed), (text_auto, text_fixed)):
        assert auto.metadata["stop_reason"] == "target"
        assert auto.metadata["redraw_jaccard"] >= 0.9
        assert auto.metadata["samples_used"] == auto.num_samples == 1000
        top = {name for name, _ in auto.as_list()[:3]}
        assert top == {name for name, _ in fixed.as_list()[:3]}


def test_auto_draws_more_batches_of_replicates():
    """With a tie the sample grows to the cap; the first replicate's first rows are the
    fixed-size draw of that size, and the document itself comes once, first."""
    rule = AutoSamples(top_k=1, batch=200, max_samples=600)

    def tied(texts):  # "good" and "bad" tie in magnitude, plus noise
        good = np.array(["good" in text.split() for text in texts])
        bad = np.array(["bad" in text.split() for text in texts])
        noise = np.random.default_rng(len(texts)).normal(scale=0.05, size=len(texts))
        p = 0.5 + 0.2 * good - 0.2 * bad + noise
        return np.column_stack([1 - p, p])

    texts = []
    auto = TextExplainer().explain(
        DOCUMENT, lambda t: texts.extend(t) or tied(t), num_samples=rule, random_state=0,
        sampler="sobol",
    )  # fmt: skip
    assert auto.metadata["stop_reason"] == "max_samples"
    assert auto.metadata["redraw_jaccard"] < 0.9
    assert auto.metadata["samples_used"] == auto.num_samples == len(texts) == 600
    first = []
    TextExplainer().explain(
        DOCUMENT, lambda t: first.extend(t) or tied(t), num_samples=50, random_state=0,
        sampler="sobol",
    )  # fmt: skip
    assert texts[:50] == first  # 200 samples in 4 replicates of 50
    assert texts[0] == DOCUMENT and DOCUMENT not in texts[1:]


def test_explain_many_with_auto_is_explain_per_instance(picture):
    """Every instance stops on its own, exactly as ``explain`` would."""
    rule = AutoSamples(batch=200, max_samples=800)
    texts = [DOCUMENT, "bad plot , good ending", "never boring"]
    many = TextExplainer(random_state=4).explain_many(texts, word_scores, num_samples=rule)
    for text, explanation in zip(texts, many):
        alone = TextExplainer(random_state=4).explain(text, word_scores, num_samples=rule)
        assert explanation.to_json() == alone.to_json()
        assert explanation.metadata["stop_reason"] == "target"
    images = ImageExplainer(random_state=4).explain_many(
        [picture, picture[::-1]], cell_scores, labels=(1,), top_labels=None, hide_color=0,
        num_samples=rule, segmentation_fn=grid(picture, 3, 4),
    )  # fmt: skip
    for image, explanation in zip([picture, picture[::-1]], images):
        alone = ImageExplainer(random_state=4).explain(
            image, cell_scores, labels=(1,), top_labels=None, hide_color=0, num_samples=rule,
            segmentation_fn=grid(picture, 3, 4),
        )  # fmt: skip
        np.testing.assert_array_equal(explanation.coef, alone.coef)
        assert explanation.metadata["samples_used"] == alone.metadata["samples_used"]


def test_bad_num_samples(picture):
    with pytest.raises(InputError, match="num_samples must be"):
        explain_text(num_samples="many")
