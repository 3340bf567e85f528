"""The result of explaining many instances: a list of explanations with their failures.

An :class:`ExplanationSet` holds the explanations that succeeded, in input order, the
input index of each, and ``(index, exception)`` for every instance that failed, so every
instance is accounted for exactly once. Views (a long frame, a global importance
summary, JSON) never recompute anything; :func:`write_explanations` writes chunks as
they come for runs that do not fit in memory.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from .errors import InputError, InstanceError, MissingDependencyError
from .explanation import Explanation

__all__ = ["ExplanationSet", "write_explanations"]


class ExplanationSet(Collection[Explanation]):
    """Explanations of many instances, indexed by input index, iterable like a list.

    ``result[i]`` is always the explanation of input ``i`` (the instance ``i`` of the
    call, ``explain_many(X)[i]`` equal bit for bit to ``explain(X[i])``), never a
    position among the explanations that succeeded: after a failure those positions
    would shift and hand out another instance's explanation. Indexing a failed instance
    raises :class:`~limette.errors.InstanceError` with its error as the cause, an index
    the set does not hold raises :class:`IndexError`; negative indices count back from
    one past the largest index held (``len(X)`` for a whole run). A slice selects input
    indices the same way and keeps their failures. ``len``, iteration, :attr:`indices`
    and the views cover the explanations that succeeded, in input order, and
    :attr:`errors` the instances that failed; ``list(result)`` gives the explanations by
    position.

    Parameters
    ----------
    explanations : sequence of Explanation
        The explanations that succeeded, in input order.
    indices : sequence of int, optional
        The input index of each explanation (``0, 1, ...`` by default).
    errors : sequence of (int, Exception), optional
        The input index and error of each instance that failed.
    feature_names : sequence of str, optional
        Plain names of the features (without bins or values), for global summaries.

    Examples
    --------
    >>> import numpy as np
    >>> from limette import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> explainer = TabularExplainer(X, mode="regression", random_state=0)
    >>> result = explainer.explain_many(X[:4], lambda rows: rows[:, 0] - rows[:, 2],
    ...                                 num_samples=500, num_features=2)
    >>> len(result), result.errors
    (4, [])
    >>> result[3] is result.explanation_for(3)
    True
    >>> [name for name, _ in result.global_importance()][:2]
    ['0', '2']
    """

    def __init__(
        self,
        explanations: Sequence[Explanation] = (),
        indices: Sequence[int] | None = None,
        errors: Sequence[tuple[int, BaseException]] = (),
        feature_names: Sequence[str] | None = None,
    ) -> None:
        self._explanations = list(explanations)
        self.indices = (
            list(range(len(self._explanations))) if indices is None else [int(i) for i in indices]
        )
        if len(self.indices) != len(self._explanations):
            raise InputError(
                f"indices has {len(self.indices)} entries for {len(self._explanations)} "
                "explanations"
            )
        self.errors = [(int(index), error) for index, error in errors]
        self.feature_names = None if feature_names is None else [str(n) for n in feature_names]
        self._cached: tuple[dict[int, int], int] | None = None

    @classmethod
    def concat(
        cls, sets: Iterable[ExplanationSet], feature_names: Sequence[str] | None = None
    ) -> ExplanationSet:
        """One set from several (chunks of one run), keeping indices and errors."""
        explanations: list[Explanation] = []
        indices: list[int] = []
        errors: list[tuple[int, BaseException]] = []
        for part in sets:
            explanations += part._explanations
            indices += part.indices
            errors += part.errors
            feature_names = feature_names or part.feature_names
        return cls(explanations, indices, sorted(errors, key=lambda e: e[0]), feature_names)

    # ------------------------------------------------------------- a list
    def __len__(self) -> int:
        return len(self._explanations)

    @overload
    def __getitem__(self, item: int) -> Explanation: ...

    @overload
    def __getitem__(self, item: slice) -> ExplanationSet: ...

    def __getitem__(self, item: int | slice) -> Explanation | ExplanationSet:
        """The explanation of input index ``item``, or a set of the input indices a slice
        selects (see the class notes); never a position among the successes."""
        positions, end = self._lookup()
        if isinstance(item, slice):
            wanted = set(range(end)[item])
            kept = [(i, e) for i, e in zip(self.indices, self._explanations) if i in wanted]
            return ExplanationSet(
                [e for _, e in kept],
                [i for i, _ in kept],
                [(i, error) for i, error in self.errors if i in wanted],
                self.feature_names,
            )
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            raise TypeError(
                f"an ExplanationSet is indexed by input index (an int) or a slice; "
                f"got {type(item).__name__}"
            )
        index = int(item) + end if item < 0 else int(item)
        position = positions.get(index)
        if position is not None:
            return self._explanations[position]
        for failed, error in self.errors:
            if failed == index:
                raise InstanceError(
                    f"instance {index} failed ({type(error).__name__}: {error}); "
                    "it has no explanation (see .errors)",
                    index,
                ) from error
        raise IndexError(f"input index {item} is not in this set (it holds {self._span()})")

    def _lookup(self) -> tuple[dict[int, int], int]:
        """Input index -> position among the explanations, and one past the largest index
        held (built on first use)."""
        if self._cached is None:
            end = max(self.indices + self.failed, default=-1) + 1
            self._cached = ({index: pos for pos, index in enumerate(self.indices)}, end)
        return self._cached

    def _span(self) -> str:
        held = sorted(self.indices + self.failed)
        if not held:
            return "no instances"
        if held == list(range(held[0], held[-1] + 1)):
            return f"input indices {held[0]}..{held[-1]}"
        return f"{len(held)} input indices between {held[0]} and {held[-1]}"

    def __contains__(self, item: object) -> bool:
        return any(item is explanation for explanation in self._explanations)

    def __iter__(self) -> Iterator[Explanation]:
        return iter(self._explanations)

    def __repr__(self) -> str:
        return f"ExplanationSet({len(self)} explanations, {len(self.errors)} errors)"

    @property
    def failed(self) -> list[int]:
        """Input indices of the instances that failed."""
        return [index for index, _ in self.errors]

    @property
    def n_instances(self) -> int:
        """Instances accounted for: explained plus failed."""
        return len(self) + len(self.errors)

    def explanation_for(self, index: int) -> Explanation:
        """The explanation of input ``index`` (the same as ``self[index]`` for ``index >= 0``);
        raises its error if that instance failed."""
        if index < 0:
            raise IndexError(f"input index {index} is negative; use self[{index}]")
        return self[index]

    # ------------------------------------------------------------- views
    def as_frame(self) -> Any:
        """A pandas DataFrame: one row per instance, label and selected feature.

        Columns: ``instance`` (input index), ``label``, ``label_name``, ``rank``,
        ``feature`` (the explanation's feature name), ``feature_index``, ``value``,
        ``weight``, ``score`` (the surrogate's weighted R²) and ``std`` when known.
        """
        pd = _pandas("as_frame")
        columns: dict[str, list[Any]] = {
            key: []
            for key in (
                "instance",
                "label",
                "label_name",
                "rank",
                "feature",
                "feature_index",
                "value",
                "weight",
                "score",
            )
        }
        has_std = any(e.coef_std is not None for e in self._explanations)
        std: list[float] = []
        for index, explanation in zip(self.indices, self._explanations):
            for row, label in enumerate(explanation.labels):
                order = explanation.feature_order(row)
                m = len(order)
                columns["instance"] += [index] * m
                columns["label"] += [label] * m
                columns["label_name"] += [explanation.label_name(label)] * m
                columns["rank"] += range(1, m + 1)
                columns["feature"] += [explanation.feature_names[j] for j in order]
                columns["feature_index"] += order.tolist()
                columns["value"] += [explanation.feature_values[j] for j in order]
                columns["weight"] += explanation.coef[row, order].tolist()
                columns["score"] += [float(explanation.score[row])] * m
                if has_std:
                    known = explanation.coef_std
                    std += known[row, order].tolist() if known is not None else [np.nan] * m
        if has_std:
            columns["std"] = std
        return pd.DataFrame(columns)

    def global_importance(self, label: int | None = None) -> list[tuple[str, float]]:
        """Mean absolute weight of each feature over the instances, largest first.

        A feature an explanation did not select counts as weight 0. ``label`` defaults to
        each explanation's first explained label.
        """
        if not self._explanations:
            return []
        widths = {e.coef.shape[1] for e in self._explanations}
        if len(widths) > 1:
            raise InputError(
                f"explanations have different numbers of features {sorted(widths)}; "
                "a global summary needs the same features"
            )
        weights = np.stack([np.abs(e.coef[e.label_row(label)]) for e in self._explanations])
        mean = weights.mean(axis=0)
        names = self.feature_names or [str(j) for j in range(mean.shape[0])]
        order = np.argsort(-mean, kind="stable")
        return [(names[j], float(mean[j])) for j in order]

    # ------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; errors are kept as their type name and message."""
        return {
            "limette_explanation_set": 1,
            "indices": self.indices,
            "explanations": [e.to_dict() for e in self._explanations],
            "errors": [[index, type(error).__name__, str(error)] for index, error in self.errors],
            "feature_names": self.feature_names,
        }

    def to_json(self, **dumps_kwargs: Any) -> str:
        """The set as a JSON string (never pickle)."""
        return json.dumps(self.to_dict(), **dumps_kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExplanationSet:
        """Rebuild a set from :meth:`to_dict`; errors come back as :class:`InstanceError`."""
        if not isinstance(data, dict) or data.get("limette_explanation_set") != 1:
            raise InputError(
                "data is not a limette explanation set (missing 'limette_explanation_set': 1)"
            )
        errors = [
            (int(index), InstanceError(f"{kind}: {message}", int(index)))
            for index, kind, message in data.get("errors", [])
        ]
        return cls(
            [Explanation.from_dict(item) for item in data["explanations"]],
            data["indices"],
            errors,
            data.get("feature_names"),
        )

    @classmethod
    def from_json(cls, text: str) -> ExplanationSet:
        """Rebuild a set from :meth:`to_json`'s output."""
        return cls.from_dict(json.loads(text))


def _pandas(what: str) -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise MissingDependencyError(
            f"{what} needs pandas: pip install 'limette[pandas]'"
        ) from None
    return pd


def write_explanations(
    chunks: Iterable[ExplanationSet], path: str | Path
) -> list[tuple[int, BaseException]]:
    """Write explanations chunk by chunk as they come; return the errors of every chunk.

    ``path`` ending in ``.csv`` or ``.parquet`` gets :meth:`ExplanationSet.as_frame` rows
    (pandas; Parquet needs pyarrow); ``.jsonl`` gets one explanation's JSON per line with
    its ``instance`` index. One chunk is held in memory at a time, so runs larger than
    memory can be written.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from limette import TabularExplainer, write_explanations
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> explainer = TabularExplainer(X, mode="regression", random_state=0)
    >>> chunks = explainer.iter_explanations(X[:6], lambda r: r[:, 0], num_samples=200,
    ...                                      chunk_size=2)
    >>> path = os.path.join(tempfile.mkdtemp(), "out.jsonl")
    >>> write_explanations(chunks, path)
    []
    >>> sum(1 for _ in open(path))
    6
    """
    path = Path(path)
    writers = {".csv": _write_csv, ".jsonl": _write_jsonl, ".parquet": _write_parquet}
    suffix = path.suffix.lower()
    if suffix not in writers:
        raise InputError(f"path must end in .csv, .jsonl or .parquet; got {path.name!r}")
    errors: list[tuple[int, BaseException]] = []

    def tracked() -> Iterator[ExplanationSet]:
        for chunk in chunks:
            errors.extend(chunk.errors)
            yield chunk

    writers[suffix](tracked(), path)
    return errors


def _write_csv(chunks: Iterator[ExplanationSet], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        for number, chunk in enumerate(chunks):
            chunk.as_frame().to_csv(handle, header=number == 0, index=False)


def _write_jsonl(chunks: Iterator[ExplanationSet], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            for index, explanation in zip(chunk.indices, chunk):
                handle.write(json.dumps({"instance": index, **explanation.to_dict()}) + "\n")


def _write_parquet(chunks: Iterator[ExplanationSet], path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError("Parquet needs pyarrow: pip install pyarrow") from None
    writer = None
    frame = None
    try:
        for chunk in chunks:
            frame = chunk.as_frame()
            if not len(frame):
                continue
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table.cast(writer.schema))
        if writer is None:
            empty = frame if frame is not None else ExplanationSet().as_frame()
            pq.write_table(pa.Table.from_pandas(empty, preserve_index=False), path)
    finally:
        if writer is not None:
            writer.close()
