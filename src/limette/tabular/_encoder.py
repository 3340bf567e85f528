"""A table's rows between the user's form and the sampler's: :class:`RowEncoder`.

``encode`` turns one instance (an array, a Series, a dict, a one-row DataFrame) into the
checked float row the sampler draws around; ``rows`` does it for ``explain_many``'s
instances; ``decode`` turns sampled rows into the model's input (a DataFrame of the
training layout when the explainer was built on one). :class:`SequenceEncoder` is the
recurrent explainer's: instances ``(timesteps, features)`` flattened feature by feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_float_array, as_row, to_floats
from ..errors import InputError
from ._frames import FrameEncoder, is_frame
from ._sampling import TableSampler


@dataclass(frozen=True)
class Invalid:
    """An instance that failed before sampling (e.g. an unseen category)."""

    error: Exception


@dataclass(frozen=True, eq=False)
class RowEncoder:
    """Rows of a table of ``len(feature_names)`` columns (``frame``: a DataFrame's layout)."""

    frame: FrameEncoder | None
    feature_names: list[str]
    sampler: TableSampler

    #: Dimensions of ``explain_many``'s instances.
    instance_ndim = 2

    def encode(self, data_row: Any) -> np.ndarray:
        """One instance as a checked float row (raises :class:`InputError` naming it)."""
        if isinstance(data_row, Invalid):
            raise data_row.error
        if self.frame is not None:
            codes = self.frame.row(data_row, "data_row")
            if codes is not None:
                data_row = codes
        row = as_row(data_row, "data_row", len(self.feature_names))
        self.sampler.check_categories(row, self.feature_names)
        return row

    def decode(self, rows: np.ndarray) -> Any:
        """Sampled rows as the model's input."""
        return rows if self.frame is None else self.frame.decode(rows)

    def rows(self, instances: Any) -> Any:
        """The instances as a sequence of rows for ``encode``, checked per row later.

        A DataFrame is encoded at once; when that fails, row by row, so that only the rows
        with unknown values fail. NaN rows are left for ``encode`` to reject one by one.
        """
        if is_frame(instances):
            if self.frame is None:
                instances = instances.to_numpy()
            else:
                try:
                    return self.frame.encode(instances, "instances")
                except InputError:
                    return [self._encode_one(instances.iloc[[i]]) for i in range(len(instances))]
        array = to_floats(instances, "instances must be numeric rows; could not convert")
        if array.ndim != self.instance_ndim:
            raise InputError(
                f"instances must be {self.instance_ndim}-D (one instance per row); "
                f"got shape {array.shape}"
            )
        return array

    def _encode_one(self, frame: Any) -> Any:
        try:
            return self.frame.encode(frame, "instances")[0]  # type: ignore[union-attr]
        except InputError as error:
            return Invalid(error)


@dataclass(frozen=True, eq=False)
class SequenceEncoder(RowEncoder):
    """Instances ``(timesteps, features)``, one interpretable feature per (feature, step)."""

    n_timesteps: int = 1
    n_input_features: int = 1

    instance_ndim = 3

    def encode(self, data_row: Any) -> np.ndarray:
        row = as_float_array(data_row, "data_row")
        if row.shape != (self.n_timesteps, self.n_input_features):
            raise InputError(
                f"data_row must have shape ({self.n_timesteps}, {self.n_input_features}); "
                f"got {row.shape}"
            )
        return super().encode(row.T.reshape(-1))

    def decode(self, rows: np.ndarray) -> Any:
        return rows.reshape(len(rows), self.n_input_features, self.n_timesteps).transpose(0, 2, 1)
