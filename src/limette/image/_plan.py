"""The image explainer's hooks for the many-instance engine (:mod:`limette.engine.chunk`).

``prepare`` segments one image, builds its baseline and draws its binary samples and
weights; the masked images are composed only when a model call needs them
(:class:`~limette.engine.plan.Deferred`), on the image's device, so memory is bounded by one
batch and torch tensors never leave their device; the composed batches of several
instances' slices are concatenated. ``finish`` packages the
:class:`~limette.image_explanation.ImageExplanation`. ``explain`` and ``explain_many``
both run through these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from ..compose import is_torch, mask_compose
from ..engine.batching import BatchSize, batch_search
from ..engine.binary import Setup, binary_draws, check_sampler
from ..engine.chunk import Neighbourhood
from ..engine.plan import FitOptions, compose_deferred
from ..engine.run import Draws, Options, SamplingPlan, check_num_samples
from ..errors import InputError
from ..kernels import get_distance
from ..sampling import BERNOULLI_SCHEME, BernoulliSampler
from ._input import baseline, check_image, segment
from .explanation import ImageExplanation


class ImageSource(Protocol):
    """What the plan reads of its explainer: the public learned state of a
    :class:`~limette.image.ImageExplainer`. A protocol, so that the plan never imports
    its explainer."""

    class_names: Any
    feature_selection: Any
    kernel_fn: Any
    kernel_width: Any
    random_state: Any
    segmenter: Any


#: The image explainer's default ``sampler``: scrambled Sobol points (see
#: :data:`limette.sampling.BERNOULLI_SCHEME` for the measurement); ``"random"`` is lime's.
DEFAULT_SAMPLER = BERNOULLI_SCHEME
#: Images per classifier call the search starts from when composing on the host (or a
#: torch CPU device): it doubles the batch while images per second improve
#: (:mod:`limette.engine.batching`). On the 2-core CPU, EfficientNet-Lite0 ran about twice
#: as fast at batches of 1-2 images as at 10 (lime's default), being memory-bound at larger
#: batches, while a scikit-learn forest on digit images wants hundreds per call
#: (``benchmarks/RESULTS.md``, "Images").
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
class ImageOptions(Options):
    """:class:`~limette.engine.run.Options` with what hides a segment and where to compose."""

    hide_color: Any = None
    segmentation_fn: Any = None
    device: Any = None


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


@dataclass(frozen=True)
class Segmented:
    """What ``finish`` needs of one image."""

    image: np.ndarray
    segments: np.ndarray
    segmenter: str
    device: Any


@dataclass(frozen=True, eq=False)
class ImagePlan(SamplingPlan):
    """One call's options, bound to an :class:`~limette.image.ImageExplainer`; picklable."""

    explainer: ImageSource
    fit: FitOptions
    num_samples: Any
    hide_color: Any
    segmentation_fn: Any
    device: Any
    sampler: str = DEFAULT_SAMPLER

    model_name: ClassVar[str] = "classifier_fn"
    classification: ClassVar[bool] = True

    @classmethod
    def build(cls, explainer: ImageSource, options: ImageOptions) -> ImagePlan:
        """Check one call's options and bind them to ``explainer``.

        ``num_samples`` stays an :class:`~limette.AutoSamples` rule for ``"auto"`` (each
        instance then samples in batches and stops on its own).
        """
        return cls(
            explainer=explainer,
            fit=options.fit(explainer.random_state),
            num_samples=check_num_samples(options.num_samples),
            hide_color=options.hide_color,
            segmentation_fn=options.segmentation_fn,
            device=options.device,
            sampler=check_sampler(options.sampler),
        )

    def draws(self, instance: Any, rng: np.random.Generator) -> Draws:
        """lime's image sampling: each segment kept with probability 1/2."""
        sampler = BernoulliSampler(0.5, scheme=self.sampler)
        return binary_draws(sampler, self.setup(instance), self.weigh, rng)

    def instances(self, images: Any) -> Sequence[Any]:
        return images_of(images)

    def batch_size(self, instances: Sequence[Any], given: int | None) -> int | None:
        if given is not None:
            return given
        return default_batch_size(first_device(instances, self.device))

    def searched_batch(
        self, classifier_fn: Any, instances: Sequence[Any], chosen: int | None
    ) -> BatchSize:
        """On the CPU, the default batch is searched from :data:`CPU_BATCH_SIZE` images per
        call, kept per ``classifier_fn`` object, capped at one image's samples and
        :data:`~limette.engine.batching.MEMORY_CAP` bytes; on an accelerator ``chosen``."""
        if chosen != CPU_BATCH_SIZE or not len(instances):
            return chosen
        first = instances[0]
        size = first.numel() * first.element_size() if is_torch(first) else np.asarray(first).nbytes
        most = self.num_samples if isinstance(self.num_samples, int) else ACCELERATOR_BATCH_SIZE
        return batch_search(classifier_fn, max(int(size), 24), CPU_BATCH_SIZE, most)

    def setup(self, instance: Any) -> Setup:
        device = self.device
        if device is None and is_torch(instance):
            device = instance.device
        array = check_image(instance)
        segments, d, segmenter = segment(array, self.segmentation_fn, self.explainer.segmenter)
        base = baseline(array, segments, d, self.hide_color)
        composer = MaskComposer.build(array, segments, base, device)
        return Setup(d, composer, Segmented(array, segments, segmenter, device))

    def weigh(self, samples: np.ndarray) -> np.ndarray:
        return np.asarray(self.explainer.kernel_fn(get_distance(self.fit.distance_metric)(samples)))

    compose = staticmethod(compose_deferred)

    def finish(
        self,
        neighbourhood: Neighbourhood,
        outputs: np.ndarray,
        extra: Mapping[str, Any] | None = None,
    ) -> ImageExplanation:
        explainer, state = self.explainer, neighbourhood.state
        fields = self.fit.fields(
            neighbourhood,
            outputs,
            classification=True,
            feature_selection=explainer.feature_selection,
        )
        d = neighbourhood.samples.shape[1]
        areas = np.bincount(state.segments.ravel(), minlength=d)
        return ImageExplanation(
            feature_names=tuple(f"segment {j}" for j in range(d)),
            feature_values=tuple(f"{area} px" for area in areas),
            class_names=explainer.class_names,
            segments=state.segments,
            image=state.image,
            metadata={
                **self.fit.metadata(explainer),
                "segmentation": state.segmenter,
                "n_segments": d,
                "hide_color": _describe_hide_color(self.hide_color),
                "device": None if state.device is None else str(state.device),
                "sampler": self.sampler,
                **(extra or {}),
            },
            **fields,
        )


def _describe_hide_color(hide_color: Any) -> str:
    if hide_color is None:
        return "segment mean"
    if isinstance(hide_color, str):
        return hide_color
    shape = np.shape(hide_color)
    return "baseline image" if len(shape) >= 2 else f"constant {np.asarray(hide_color).tolist()}"


def images_of(images: Any) -> Sequence[Any]:
    """``explain_many``'s images as a sequence: a list, or a stacked array or tensor.

    A stacked batch is ``(b, H, W)`` or ``(b, H, W, 3)``; each image is checked by
    ``prepare``.
    """
    if isinstance(images, np.ndarray) or is_torch(images):
        if images.ndim not in (3, 4):
            raise InputError(
                "images must be a list of images or a batch of shape (b, H, W) or "
                f"(b, H, W, 3); got shape {tuple(images.shape)}"
            )
        return images
    if isinstance(images, (str, bytes)) or not hasattr(images, "__iter__"):
        raise InputError(f"images must be a list of images; got {type(images).__name__}")
    return images if isinstance(images, Sequence) else list(images)


def first_device(images: Sequence[Any], device: Any) -> Any:
    """The device composition runs on: ``device``, else the first image's if a tensor."""
    if device is None and len(images) and is_torch(images[0]):
        return images[0].device
    return device
