"""LIME for images: :class:`ImageExplainer`.

An image is split into segments (superpixels); each perturbed sample shows some segments
and hides the others behind a baseline (the segment's mean colour by default, as in lime).
Every batch of masked images is built at once by indexing the sample matrix with the
segment map (:func:`limette.compose.mask_compose`); with a PyTorch image (or ``device=``)
the batch is built on that device and handed to the classifier as a tensor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .._random import RandomState
from .._validation import check_positive_float, lookup
from ..engine import run
from ..engine.adaptive import AutoSamples
from ..explanation_set import ExplanationSet
from ..kernels import get_kernel
from ..selection import FEATURE_SELECTIONS
from . import plot  # noqa: F401  (registers the image section of reports)
from ._plan import (
    ACCELERATOR_BATCH_SIZE,
    CPU_BATCH_SIZE,
    DEFAULT_SAMPLER,
    ImageOptions,
    ImagePlan,
    default_batch_size,
)
from .explanation import ImageExplanation
from .segmentation import Segmenter, get_segmenter

__all__ = ["ACCELERATOR_BATCH_SIZE", "CPU_BATCH_SIZE", "ImageExplainer", "default_batch_size"]


class ImageExplainer:
    """Explain an image classifier's prediction by hiding superpixels (lime's image LIME).

    Parameters
    ----------
    kernel_width : float
        Width of the kernel on the cosine distance between samples (lime's 0.25).
    kernel : callable or str, optional
        ``kernel(distances, kernel_width) -> weights``; lime's ``sqrt(exp(-d²/w²))`` by default.
    feature_selection : {"auto", "none", "forward_selection", "highest_weights", "lasso_path"}
    segmenter : str or callable, optional
        Default segmentation: a name from :data:`limette.segmentation.SEGMENTERS` or a
        callable ``image -> label image``; SLIC (:func:`limette.segmentation.slic`) if omitted.
    random_state : None, int or numpy.random.Generator
        Seed of every explanation; ``explain`` may override it.
    class_names : sequence of str, optional
        Names of the classifier's outputs, for display.

    Examples
    --------
    >>> import numpy as np
    >>> from limette import ImageExplainer
    >>> image = np.zeros((8, 8, 3)); image[:, 4:] = 1.0
    >>> def brightness(images):  # "probability" of class 1 = mean of the right half
    ...     right = images[:, :, 4:].mean(axis=(1, 2, 3))
    ...     return np.stack([1 - right, right], axis=1)
    >>> explainer = ImageExplainer(segmenter="grid", random_state=0)
    >>> explanation = explainer.explain(image, brightness, top_labels=None, hide_color=0,
    ...                                 segmentation_fn="grid", num_samples=200)
    >>> explanation.as_list()[0][1] > 0
    True
    """

    def __init__(
        self,
        kernel_width: float = 0.25,
        kernel: Callable[[np.ndarray, float], np.ndarray] | str | None = None,
        feature_selection: str = "auto",
        segmenter: str | Segmenter | None = None,
        random_state: RandomState = None,
        class_names: Sequence[str] | None = None,
    ) -> None:
        self.kernel_width = check_positive_float(kernel_width, "kernel_width")
        self.kernel_fn = get_kernel(kernel, self.kernel_width)
        self.feature_selection = lookup(
            {name: name for name in FEATURE_SELECTIONS}, feature_selection, "feature_selection"
        )
        self.segmenter = get_segmenter(segmenter)
        self.random_state = random_state
        self.class_names = None if class_names is None else tuple(str(c) for c in class_names)

    def explain(
        self,
        image: Any,
        classifier_fn: Callable[[Any], Any],
        labels: Sequence[int] | None = (1,),
        top_labels: int | None = 5,
        hide_color: Any = None,
        num_features: int = 100000,
        num_samples: int | str | AutoSamples = 1000,
        batch_size: int | None = None,
        segmentation_fn: Any = None,
        distance_metric: str | Callable[..., Any] = "cosine",
        model_regressor: Any = None,
        random_state: RandomState = None,
        progress_bar: bool = False,
        device: Any = None,
        sampler: str = DEFAULT_SAMPLER,
    ) -> ImageExplanation:
        """Explain ``classifier_fn``'s prediction for ``image``.

        Parameters
        ----------
        image : array or torch tensor of shape (H, W) or (H, W, 3)
            uint8 (or other integer) or float, channels last. Grayscale images are
            repeated to three channels, as lime does.
        classifier_fn : callable
            Batch of images ``(b, H, W, 3)`` of the image's dtype -> class probabilities
            ``(b, n_classes)``. NumPy in NumPy out, or torch tensors on ``device``.
        labels : sequence of int
            Labels to explain; ignored when ``top_labels`` is given.
        top_labels : int, optional
            Explain the ``top_labels`` most probable classes (lime's default 5).
        hide_color : None, number, RGB triple, "blur" or image
            What hidden segments show: ``None`` is each segment's mean colour (lime).
        num_features : int
            Most segments in each explanation.
        num_samples : int, "auto" or AutoSamples
            Perturbed images (the first is the image itself). ``"auto"`` draws batches
            until the top segments are stable (see :class:`~limette.AutoSamples`);
            ``metadata`` records ``samples_used`` and ``stop_reason``.
        batch_size : int, optional
            Images per classifier call; memory is bounded by one batch. By default
            :func:`default_batch_size`: 2 on the CPU (measured fastest for a CNN there),
            100 on an accelerator.
        segmentation_fn : str, callable or label image, optional
            Overrides the explainer's segmenter: a segmenter name, a callable
            ``image -> labels`` (lime's ``SegmentationAlgorithm`` works) or the labels.
        distance_metric : str or callable
            Distance between binary samples (lime's ``'cosine'``).
        model_regressor : scikit-learn regressor or limette surrogate, optional
            Defaults to ridge regression with ``alpha=1`` (lime's default).
        random_state : None, int or numpy.random.Generator, optional
            Overrides the explainer's ``random_state`` for this call.
        progress_bar : bool
            Show a progress bar of classifier calls (needs tqdm).
        device : str or torch.device, optional
            Compose on this torch device and pass tensors; a tensor ``image`` sets it.
        sampler : {"sobol", "random", "stratified", "antithetic"}
            How the random numbers behind the samples are drawn; every choice keeps each
            segment with probability 1/2, independently
            (:class:`~limette.sampling.BernoulliSampler`), so the expected explanation is
            lime's. ``"sobol"`` (default, scrambled Sobol points) cut the variance of the
            weights 1.4-3.1× on EfficientNet-Lite0 (``benchmarks/RESULTS.md``);
            ``"random"`` is lime's plain sampling. Recorded in ``metadata["sampler"]``.

        Returns
        -------
        ImageExplanation
        """
        options = ImageOptions.of(locals(), progress=progress_bar)
        explanation: ImageExplanation = run.explain(
            ImagePlan.build(self, options), classifier_fn, image, options
        )
        return explanation

    def explain_many(
        self,
        images: Any,
        classifier_fn: Callable[[Any], Any],
        labels: Sequence[int] | None = (1,),
        top_labels: int | None = 5,
        hide_color: Any = None,
        num_features: int = 100000,
        num_samples: int = 1000,
        batch_size: int | None = None,
        segmentation_fn: Any = None,
        distance_metric: str | Callable[..., Any] = "cosine",
        model_regressor: Any = None,
        device: Any = None,
        chunk_size: int | None = None,
        executor: Any = None,
        errors: str = "raise",
        progress: bool = False,
        random_state: RandomState = None,
        sampler: str = DEFAULT_SAMPLER,
    ) -> ExplanationSet:
        """Explain many images at once: classifier calls across images, bounded memory.

        ``explain_many(images)[i]`` is the same explanation, bit for bit, as
        ``explain(images[i])`` with the same ``random_state``, whatever ``batch_size``,
        ``chunk_size`` and ``executor`` (see :meth:`limette.TabularExplainer.explain_many`
        for models whose last bits depend on their thread count): every image gets a
        fresh generator from the same seed. Masked images are composed per classifier
        call (on the images' device for tensors), so memory is bounded by ``batch_size``
        images.

        Parameters
        ----------
        images : list of images, or array or tensor of shape (b, H, W) or (b, H, W, 3)
        classifier_fn, labels, top_labels, hide_color, num_features, num_samples, \
segmentation_fn, distance_metric, model_regressor, device, random_state, sampler
            As in :meth:`explain` (``num_samples`` must be an integer here).
        batch_size : int, optional
            Images per classifier call; a call may hold the masked images of several
            instances. By default :func:`default_batch_size` of the device.
        chunk_size : int, optional
            Images per unit of work (what a worker gets); chosen from the number of
            workers by default.
        executor : concurrent.futures.Executor or dask.distributed.Client, optional
            Where chunks run (see :meth:`limette.TabularExplainer.explain_many`).
        errors : {"raise", "collect"}
            ``"raise"`` stops with :class:`~limette.errors.InstanceError` naming the first
            failing image; ``"collect"`` keeps ``(index, error)`` in ``.errors``.
        progress : bool
            Show a progress bar of images explained (needs tqdm).

        Returns
        -------
        ExplanationSet

        Examples
        --------
        >>> import numpy as np
        >>> from limette import ImageExplainer
        >>> images = np.zeros((3, 8, 8, 3))
        >>> images[:, :, 4:] = np.array([0.2, 0.6, 1.0])[:, None, None, None]
        >>> def brightness(batch):
        ...     right = batch[:, :, 4:].mean(axis=(1, 2, 3))
        ...     return np.stack([1 - right, right], axis=1)
        >>> explainer = ImageExplainer(segmenter="grid", random_state=0)
        >>> result = explainer.explain_many(images, brightness, top_labels=None, hide_color=0,
        ...                                 num_samples=100)
        >>> single = explainer.explain(images[2], brightness, top_labels=None, hide_color=0,
        ...                            num_samples=100)
        >>> result[2].as_list() == single.as_list()
        True
        """
        options = ImageOptions.of(locals())
        plan = ImagePlan.build(self, options)
        return run.explain_many(plan, classifier_fn, images, options)

    def iter_explanations(
        self,
        images: Any,
        classifier_fn: Callable[[Any], Any],
        labels: Sequence[int] | None = (1,),
        top_labels: int | None = 5,
        hide_color: Any = None,
        num_features: int = 100000,
        num_samples: int = 1000,
        batch_size: int | None = None,
        segmentation_fn: Any = None,
        distance_metric: str | Callable[..., Any] = "cosine",
        model_regressor: Any = None,
        device: Any = None,
        chunk_size: int | None = None,
        executor: Any = None,
        errors: str = "raise",
        progress: bool = False,
        random_state: RandomState = None,
        sampler: str = DEFAULT_SAMPLER,
    ) -> Iterator[ExplanationSet]:
        """:meth:`explain_many` chunk by chunk: yields one :class:`ExplanationSet` per chunk."""
        options = ImageOptions.of(locals())
        plan = ImagePlan.build(self, options)
        return run.iter_explanations(plan, classifier_fn, images, options)

    explain_instance = explain
