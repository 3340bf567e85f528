"""LIME for images: :class:`ImageExplainer`.

An image is split into segments (superpixels); each perturbed sample shows some segments
and hides the others behind a baseline (the segment's mean colour by default, as in lime).
Every batch of masked images is built at once by indexing the sample matrix with the
segment map (:func:`limette.compose.mask_compose`); with a PyTorch image (or ``device=``)
the batch is built on that device and handed to the classifier as a tensor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import plot_image  # noqa: F401  (registers the image section of reports)
from ._engine import evaluate, explanation_fields
from ._image_input import baseline, check_image, segment
from ._random import RandomState, instance_generator, resolve_seed, seed_entropy
from ._validation import check_positive_int, lookup
from .compose import is_torch, mask_compose
from .image_explanation import ImageExplanation
from .kernels import get_distance, get_kernel
from .sampling import BernoulliSampler
from .segmentation import Segmenter, get_segmenter
from .selection import FEATURE_SELECTIONS
from .surrogates import as_surrogate

__all__ = ["ACCELERATOR_BATCH_SIZE", "CPU_BATCH_SIZE", "ImageExplainer", "default_batch_size"]

#: Images per classifier call when composing on the host (or a torch CPU device). On the
#: 2-core CPU, EfficientNet-Lite0 ran about twice as fast at batches of 1-2 images as at 10
#: (lime's default), being memory-bound at larger batches; composition costs the same per
#: image at any batch size (``benchmarks/RESULTS.md``, "Images").
CPU_BATCH_SIZE = 2
#: Images per classifier call on an accelerator (a CUDA tensor or ``device``), where larger
#: batches keep the device busy; memory stays bounded by one batch.
ACCELERATOR_BATCH_SIZE = 100


def default_batch_size(device: Any) -> int:
    """:data:`CPU_BATCH_SIZE` on the host or a CPU device, else :data:`ACCELERATOR_BATCH_SIZE`."""
    if device is None or str(device).split(":")[0] == "cpu":
        return CPU_BATCH_SIZE
    return ACCELERATOR_BATCH_SIZE


@dataclass(frozen=True)
class MaskComposer:
    """Builds the masked images of a batch of samples: ``keep[:, segments]`` vs a baseline."""

    segments: Any
    image: Any
    baseline: Any

    def __call__(self, keep: np.ndarray) -> Any:
        return mask_compose(keep, self.segments, self.image, self.baseline)

    @classmethod
    def build(
        cls, image: np.ndarray, segments: np.ndarray, base: np.ndarray, device: Any
    ) -> MaskComposer:
        """A composer on the host (``device=None``) or on a torch device.

        The baseline is expanded to the image's shape once, so that each batch is one gather
        of the keep flags per pixel and one masked copy of whole pixels.
        """
        full_base = np.array(np.broadcast_to(base, image.shape), order="C")
        if device is None:
            return cls(segments[..., None], image, full_base)
        import torch

        full = np.array(np.broadcast_to(segments[..., None], image.shape), order="C")
        return cls(
            torch.as_tensor(full, device=device),
            torch.as_tensor(image, device=device),
            torch.as_tensor(full_base, device=device),
        )


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
        self.kernel_width = float(kernel_width)
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
        num_samples: int = 1000,
        batch_size: int | None = None,
        segmentation_fn: Any = None,
        distance_metric: str | Callable[..., Any] = "cosine",
        model_regressor: Any = None,
        random_state: RandomState = None,
        progress_bar: bool = False,
        device: Any = None,
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
        num_samples : int
            Perturbed images (the first is the image itself).
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

        Returns
        -------
        ImageExplanation
        """
        if device is None and is_torch(image):
            device = image.device
        array = check_image(image)
        if batch_size is None:
            batch_size = default_batch_size(device)
        n = check_positive_int(num_samples, "num_samples", minimum=2)
        segments, d, segmenter_name = segment(array, segmentation_fn, self.segmenter)
        base = baseline(array, segments, d, hide_color)
        distance = get_distance(distance_metric)
        surrogate = as_surrogate(model_regressor)
        seed = resolve_seed(self.random_state if random_state is None else random_state)
        samples = BernoulliSampler(0.5).sample(n, d, instance_generator(seed))
        outputs = evaluate(
            classifier_fn,
            samples,
            MaskComposer.build(array, segments, base, device),
            classification=True,
            batch_size=batch_size,
            progress=progress_bar,
            name="classifier_fn",
        )
        fields = explanation_fields(
            samples,
            self.kernel_fn(distance(samples)),
            outputs,
            classification=True,
            labels=labels,
            top_labels=top_labels,
            num_features=num_features,
            feature_selection=self.feature_selection,
            surrogate=surrogate,
        )
        areas = np.bincount(segments.ravel(), minlength=d)
        return ImageExplanation(
            feature_names=tuple(f"segment {j}" for j in range(d)),
            feature_values=tuple(f"{area} px" for area in areas),
            class_names=self.class_names,
            segments=segments,
            image=array,
            metadata={
                "explainer": type(self).__name__,
                "seed": seed_entropy(seed),
                "kernel_width": self.kernel_width,
                "feature_selection": self.feature_selection,
                "distance_metric": distance_metric
                if isinstance(distance_metric, str)
                else "callable",
                "segmentation": segmenter_name,
                "n_segments": d,
                "hide_color": _describe_hide_color(hide_color),
                "batch_size": batch_size,
                "device": None if device is None else str(device),
            },
            **fields,
        )

    explain_instance = explain


def _describe_hide_color(hide_color: Any) -> str:
    if hide_color is None:
        return "segment mean"
    if isinstance(hide_color, str):
        return hide_color
    shape = np.shape(hide_color)
    return "baseline image" if len(shape) >= 2 else f"constant {np.asarray(hide_color).tolist()}"
