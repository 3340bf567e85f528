"""What the command line reads: pickled models, CSV tables, images, ONNX models, segmentations.

Every failure becomes an :class:`~limette.errors.InputError` whose one-line message names
the option and the file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, MissingDependencyError

PICKLE_WARNING = (
    "limette: warning: loading {path} with joblib runs code stored in the file; "
    "only load models you trust"
)


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def existing_file(path: str, option: str) -> Path:
    """``path`` as a :class:`Path`, or an error when it is not a readable file."""
    found = Path(path)
    if not found.is_file():
        raise InputError(f"{option} {path}: no such file")
    return found


def writable_output(path: str | None, option: str, force: bool) -> None:
    """Check, before any work, that ``path`` can be written: its folder exists, it is not
    a folder, and it is not an existing file unless ``force`` (a file is never replaced
    without being asked to)."""
    if path is None or path == "-":
        return
    found = Path(path)
    folder = found.parent
    if not folder.is_dir():
        raise InputError(f"{option} {path}: the folder {str(folder)!r} does not exist")
    if found.is_dir():
        raise InputError(f"{option} {path} is a folder; give a file name")
    if found.exists() and not force:
        raise InputError(f"{option} {path} already exists; add --force to replace it")


def check_model(model: Any, path: str, option: str, methods: tuple[str, ...]) -> None:
    """Raise naming ``option`` when ``model`` has none of ``methods`` (a dict, an array)."""
    if not any(callable(getattr(model, method, None)) for method in methods):
        wanted = " or ".join(methods)
        raise InputError(
            f"{option} {path} holds a {type(model).__name__}, not a model: it has no {wanted} "
            "method"
        )


def load_pickled_model(path: str, option: str = "--model") -> Any:
    """Load a joblib/pickle file, after warning on stderr that this runs the file's code."""
    found = existing_file(path, option)
    try:
        import joblib
    except ImportError:
        raise MissingDependencyError(
            "loading models needs joblib: pip install 'limette[cli]'"
        ) from None
    print(PICKLE_WARNING.format(path=path), file=sys.stderr)
    try:
        return joblib.load(found)
    except Exception as error:  # unpickling can raise almost anything
        raise InputError(
            f"{option} {path} could not be loaded with joblib: {one_line(error)}"
        ) from error


def read_table(path: str, option: str, drop: list[str] | None = None) -> Any:
    """Read a CSV file with a header row into a pandas DataFrame."""
    found = existing_file(path, option)
    try:
        import pandas as pd
    except ImportError:
        raise MissingDependencyError(
            "reading CSV files needs pandas: pip install 'limette[cli]'"
        ) from None
    try:
        frame = pd.read_csv(found)
    except Exception as error:  # pandas raises parser, encoding and empty-data errors
        raise InputError(
            f"{option} {path} is not a readable CSV file: {one_line(error)}"
        ) from error
    missing = [column for column in drop or [] if column not in frame.columns]
    if missing:
        raise InputError(f"--drop names {missing}, which are not columns of {path}")
    frame = frame.drop(columns=drop or [])
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise InputError(f"{option} {path} has no data rows or no columns")
    return frame


def check_columns(model: Any, frame: Any, path: str) -> None:
    """Check the table against what the model was fitted on (column count and names)."""
    expected = getattr(model, "n_features_in_", None)
    if expected is not None and frame.shape[1] != expected:
        raise InputError(
            f"{path} has {frame.shape[1]} columns; the model was fitted on {expected} features"
        )
    names = getattr(model, "feature_names_in_", None)
    if names is not None and list(frame.columns) != [str(n) for n in names]:
        raise InputError(
            f"the columns of {path} ({list(frame.columns)}) differ from the model's "
            f"feature_names_in_ ({[str(n) for n in names]})"
        )


def load_image(path: str, size: tuple[int, int] | None) -> np.ndarray:
    """An RGB image as floats in ``[0, 1]`` of shape (H, W, 3), resized to ``size`` (H, W)."""
    found = existing_file(path, "--image")
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise MissingDependencyError(
            "reading images needs Pillow: pip install 'limette[cli]'"
        ) from None
    try:
        with Image.open(found) as opened:
            image = opened.convert("RGB")
            if size is not None:
                image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            return np.asarray(image, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as error:
        raise InputError(f"--image {path} is not an image Pillow can read") from error


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class OnnxClassifier:
    """An ONNX image classifier run by onnxruntime: images (b, H, W, 3) in [0, 1] → probabilities.

    Images are normalised with ``(x - mean) / std`` and laid out as NCHW (or NHWC); outputs
    that are not already probabilities go through a softmax (``softmax="auto"``).
    """

    def __init__(
        self,
        path: str,
        mean: tuple[float, ...],
        std: tuple[float, ...],
        layout: str = "nchw",
        softmax: str = "auto",
    ) -> None:
        found = existing_file(path, "--onnx")
        try:
            import onnxruntime
        except ImportError:
            raise MissingDependencyError(
                "ONNX models need onnxruntime: pip install 'limette[cli]'"
            ) from None
        try:
            self.session = onnxruntime.InferenceSession(
                str(found), providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own exception types
            raise InputError(
                f"--onnx {path} is not a loadable ONNX model: {one_line(error)}"
            ) from error
        model_input = self.session.get_inputs()[0]
        self.input_name, self.input_shape = model_input.name, list(model_input.shape)
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        self.layout, self.softmax = layout, softmax
        self.fixed_batch = isinstance(self.input_shape[0], int) and self.input_shape[0] == 1

    def image_size(self) -> tuple[int, int] | None:
        """(H, W) when the model's input has a fixed spatial size."""
        dims = self.input_shape[2:4] if self.layout == "nchw" else self.input_shape[1:3]
        if len(dims) == 2 and all(isinstance(d, int) and d > 0 for d in dims):
            return int(dims[0]), int(dims[1])
        return None

    def __call__(self, images: Any) -> np.ndarray:
        batch = (np.asarray(images, dtype=np.float32) - self.mean) / self.std
        if self.layout == "nchw":
            batch = batch.transpose(0, 3, 1, 2)
        batch = np.ascontiguousarray(batch)
        if self.fixed_batch:  # the model accepts one image per call
            parts = [self._run(batch[i : i + 1]) for i in range(len(batch))]
            scores = np.concatenate(parts)
        else:
            scores = self._run(batch)
        return self._probabilities(scores.reshape(len(batch), -1))

    def _run(self, batch: np.ndarray) -> np.ndarray:
        return np.asarray(self.session.run(None, {self.input_name: batch})[0], dtype=np.float64)

    def _probabilities(self, scores: np.ndarray) -> np.ndarray:
        if self.softmax == "yes":
            return _softmax(scores)
        if self.softmax == "no":
            return scores
        is_probability = (scores >= 0).all() and np.allclose(scores.sum(axis=1), 1.0, atol=1e-3)
        return scores if is_probability else _softmax(scores)


def grid_segmentation(n_segments: int) -> Callable[[np.ndarray], np.ndarray]:
    """A segmentation into about ``n_segments`` rectangular cells (no dependencies)."""

    def segment(image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        side = max(1, round(np.sqrt(n_segments)))
        rows = np.minimum(np.arange(height) * side // height, side - 1)
        columns = np.minimum(np.arange(width) * side // width, side - 1)
        return np.asarray(rows[:, None] * side + columns[None, :])

    return segment


def slic_segmentation(n_segments: int) -> Callable[[np.ndarray], np.ndarray]:
    """scikit-image's SLIC superpixels (about ``n_segments``), labels starting at 0."""
    from skimage.segmentation import slic

    def segment(image: np.ndarray) -> np.ndarray:
        labels = slic(image, n_segments=n_segments, compactness=10, start_label=0)
        return np.unique(labels, return_inverse=True)[1].reshape(labels.shape)

    return segment


def segmentation(kind: str, n_segments: int) -> Callable[[np.ndarray], np.ndarray]:
    """The ``--segmentation`` choice: "grid", "slic" or "auto" (SLIC when scikit-image is there)."""
    if kind == "auto":
        try:
            import skimage.segmentation  # noqa: F401
        except ImportError:
            kind = "grid"
        else:
            kind = "slic"
    return slic_segmentation(n_segments) if kind == "slic" else grid_segmentation(n_segments)


def read_lines(path: str, option: str) -> list[str]:
    """Non-empty lines of a text file (class names)."""
    found = existing_file(path, option)
    try:
        lines = found.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise InputError(f"{option} {path} is not UTF-8 text") from error
    return [line.strip() for line in lines if line.strip()]
