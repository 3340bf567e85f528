"""pandas support: encode a DataFrame's columns as numbers and decode samples back.

Categorical columns (``object``, ``category``, ``bool``, ``string`` dtypes) become integer
codes into their sorted categories; the model is called with a DataFrame that has the
training frame's columns, values and dtypes again, so scikit-learn pipelines that select
columns by name keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import warn_user
from ..errors import CategoricalNumbersWarning, InputError


def is_frame(value: Any) -> bool:
    """Whether ``value`` is a pandas DataFrame (without importing pandas)."""
    return type(value).__name__ == "DataFrame" and hasattr(value, "columns")


def is_series(value: Any) -> bool:
    """Whether ``value`` is a pandas Series (without importing pandas)."""
    return type(value).__name__ == "Series" and hasattr(value, "index")


@dataclass(frozen=True)
class FrameEncoder:
    """How to turn rows of one DataFrame layout into float codes and back."""

    columns: tuple[Any, ...]
    dtypes: tuple[Any, ...]
    categories: dict[int, tuple[Any, ...]]

    @classmethod
    def learn(cls, frame: Any) -> FrameEncoder:
        """Learn the columns, dtypes and categories of a training DataFrame."""
        categories = {}
        for i, column in enumerate(frame.columns):
            series = frame[column]
            if _is_categorical(series):
                values = (
                    series.cat.categories
                    if str(series.dtype) == "category"
                    else series.dropna().unique()
                )
                categories[i] = tuple(sorted(values, key=_sort_key))
                if str(series.dtype) != "category":
                    _warn_mostly_numeric(column, series, len(categories[i]))
        return cls(tuple(frame.columns), tuple(frame.dtypes), categories)

    def encode(self, frame: Any, name: str) -> np.ndarray:
        """Float codes ``(n, d)`` of a DataFrame with this layout."""
        missing = [column for column in self.columns if column not in frame.columns]
        if missing:
            raise InputError(f"{name} lacks the columns {missing} the explainer was built on")
        out = np.empty((len(frame), len(self.columns)))
        for i, column in enumerate(self.columns):
            values = frame[column].to_numpy()
            if i in self.categories:
                out[:, i] = self._codes(i, values, name)
            else:
                try:
                    out[:, i] = values.astype(float)
                except (TypeError, ValueError):
                    raise InputError(
                        f"{name} column {column!r} must be numeric; got {values.dtype}"
                    ) from None
        return out

    def _codes(self, i: int, values: np.ndarray, name: str) -> np.ndarray:
        lookup = {value: code for code, value in enumerate(self.categories[i])}
        try:
            return np.array([lookup[value] for value in values], dtype=float)
        except KeyError as error:
            value, known = error.args[0], list(self.categories[i])[:10]
            if _missing(value):
                raise InputError(
                    f"{name} column {self.columns[i]!r} has a missing value ({value!r}); fill "
                    f"or drop it first (known values: {known})"
                ) from None
            raise InputError(
                f"{name} column {self.columns[i]!r} has the value {value!r}, unseen in the "
                f"training data (known values: {known})"
            ) from None

    def decode(self, codes: np.ndarray) -> Any:
        """A DataFrame with the training layout for float codes ``(n, d)``."""
        import pandas as pd

        data = {}
        for i, (column, dtype) in enumerate(zip(self.columns, self.dtypes)):
            if i in self.categories:
                values = np.asarray(self.categories[i], dtype=object)[codes[:, i].astype(np.intp)]
                data[column] = pd.Series(values).astype(dtype)
            elif pd.api.types.is_integer_dtype(dtype):
                data[column] = np.round(codes[:, i]).astype(dtype)
            else:
                data[column] = pd.Series(codes[:, i]).astype(dtype)
        return pd.DataFrame(data, columns=list(self.columns))

    def row(self, value: Any, name: str) -> np.ndarray | None:
        """Codes of one row given as a Series, dict or one-row DataFrame; ``None`` otherwise."""
        import pandas as pd

        if is_series(value) or isinstance(value, dict):
            value = pd.DataFrame([dict(value)])
        if not is_frame(value):
            return None
        if len(value) != 1:
            raise InputError(f"{name} must be one row; got a DataFrame with {len(value)} rows")
        return self.encode(value, name)[0]


def _is_categorical(series: Any) -> bool:
    from pandas.api import types

    return bool(types.is_bool_dtype(series) or not types.is_numeric_dtype(series))


def _warn_mostly_numeric(column: Any, series: Any, n_categories: int) -> None:
    """Warn when a text column is mostly numbers with a few other tokens (``"n/a"``, ``"?"``):
    it becomes a categorical feature with one category per distinct number."""
    import pandas as pd
    from pandas.api import types

    if types.is_bool_dtype(series):
        return
    present = series.dropna()
    numbers = pd.to_numeric(present, errors="coerce")
    others = present[numbers.isna()]
    if len(others) == 0 or len(others) * 2 > len(present):
        return
    tokens = sorted({str(value) for value in others})[:5]
    warn_user(
        f"training_data column {column!r} holds numbers except for {len(others)} of "
        f"{len(present)} values ({', '.join(repr(t) for t in tokens)}); it is treated as a "
        f"categorical feature with {n_categories} categories. Convert it with "
        "pandas.to_numeric(..., errors='coerce') and fill the missing values, or cast it to "
        "'category' to keep it categorical",
        CategoricalNumbersWarning,
    )


def _sort_key(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def _missing(value: Any) -> bool:
    """Whether a cell holds pandas' or NumPy's missing value (None, NaN, NA, NaT)."""
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
