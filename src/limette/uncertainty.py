"""Surrogates that know how sure they are: Bayesian ridge (BayLIME) and the bootstrap.

Both return a :class:`~limette.surrogates.LinearFit` whose ``coef_std`` holds one
standard error per coefficient; explanations turn it into intervals
(:meth:`Explanation.coef_interval`), frame columns and error bars.

- :class:`BayesianRidge` is Bayesian linear regression with a weighted likelihood, as in
  BayLIME (Zhao et al., UAI 2021): sample ``i`` has noise precision ``β wᵢ`` and the
  weights a zero-mean Gaussian prior of precision ``λ``. Unknown ``λ`` and ``β`` are set by
  evidence maximisation (MacKay's updates, as scikit-learn's ``BayesianRidge`` with
  ``sample_weight``), for all labels at once from one eigendecomposition of the shared
  weighted Gram matrix. The posterior is Gaussian: ``Σ = (β G + λ I)⁻¹``.
- :class:`Bootstrap` wraps any surrogate: resample the perturbed samples with
  replacement, refit on the same features, and report the spread of the coefficients.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._design import WeightedDesign
from ._validation import check_positive_int
from .errors import InputError
from .surrogates import LinearFit, Ridge, Surrogate, label_groups

__all__ = ["BayesianRidge", "Bootstrap"]

#: Gamma hyper-prior shape and rate of both precisions (scikit-learn's defaults).
_HYPER = 1e-6


@dataclass(frozen=True)
class BayesianRidge:
    """Bayesian ridge surrogate with per-coefficient posterior standard deviations.

    Parameters
    ----------
    prior_precision : float, optional
        ``λ``, the precision of the zero-mean Gaussian prior on the weights; estimated
        from the data (evidence maximisation) when omitted.
    noise_precision : float, optional
        ``β``, the precision of the model's output around the linear surrogate (per unit
        kernel weight); estimated when omitted.
    max_iter : int
        Most evidence-maximisation updates.
    tol : float
        Stop when the coefficients change by less than ``tol`` (sum of absolute changes).

    Examples
    --------
    >>> import numpy as np
    >>> from limette._design import WeightedDesign
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2)); y = X @ [2.0, -1.0] + rng.normal(scale=0.5, size=400)
    >>> fit = BayesianRidge().fit(WeightedDesign(X, y[:, None], np.ones(400)),
    ...                           np.ones((1, 2), bool))
    >>> bool(np.allclose(fit.coef, [[2.0, -1.0]], atol=0.1)), bool((fit.coef_std < 0.05).all())
    (True, True)
    """

    prior_precision: float | None = None
    noise_precision: float | None = None
    max_iter: int = 300
    tol: float = 1e-3

    def __post_init__(self) -> None:
        for name in ("prior_precision", "noise_precision"):
            value = getattr(self, name)
            if value is not None and not (np.isfinite(value) and value > 0):
                raise InputError(f"{name} must be a positive number or None; got {value!r}")
        check_positive_int(self.max_iter, "max_iter")

    def fit(self, design: WeightedDesign, selected: np.ndarray) -> LinearFit:
        coef, std = np.zeros(selected.shape), np.zeros(selected.shape)
        for features, targets in label_groups(selected):
            if features.size:
                mean, deviation = self._posterior(design, features, targets)
                coef[np.ix_(targets, features)] = mean.T
                std[np.ix_(targets, features)] = deviation.T
        return LinearFit(coef, design.y_mean - coef @ design.x_mean, std)

    def _posterior(
        self, design: WeightedDesign, features: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Posterior means and standard deviations, ``(len(features), len(targets))`` each."""
        eigen, vectors = np.linalg.eigh(design.gram[np.ix_(features, features)])
        eigen = np.maximum(eigen, 0.0)
        projected = vectors.T @ design.cross[np.ix_(features, targets)]
        n = design.X.shape[0]
        tss = design.total_sum_of_squares[targets]
        noise = (
            n / np.maximum(tss, 1e-300)
            if self.noise_precision is None
            else np.full(len(targets), self.noise_precision)
        )
        prior = np.full(len(targets), self.prior_precision or 1.0)
        active = np.full(len(targets), self.prior_precision is None or self.noise_precision is None)
        previous = None
        for _ in range(self.max_iter if active.any() else 0):
            coef = vectors @ (projected / (eigen[:, None] + prior / noise))
            if previous is not None:
                active &= np.abs(coef - previous).sum(axis=0) >= self.tol
                if not active.any():
                    break
            previous = coef
            rss = design.residual_sum_of_squares(coef, features, targets)
            gamma = (noise * eigen[:, None] / (prior + noise * eigen[:, None])).sum(axis=0)
            if self.prior_precision is None:
                updated = (gamma + 2 * _HYPER) / ((coef * coef).sum(axis=0) + 2 * _HYPER)
                prior = np.where(active, updated, prior)
            if self.noise_precision is None:
                updated = (n - gamma + 2 * _HYPER) / (rss + 2 * _HYPER)
                noise = np.where(active, updated, noise)
        coef = vectors @ (projected / (eigen[:, None] + prior / noise))
        variance = (vectors * vectors) @ (1.0 / (noise * eigen[:, None] + prior))
        return coef, np.sqrt(variance)


@dataclass(frozen=True)
class Bootstrap:
    """Bootstrap standard errors for any surrogate.

    The coefficients are the wrapped surrogate's fit on all samples; ``coef_std`` is the
    standard deviation of the coefficients refitted (on the same selected features) to
    ``n_resamples`` resamples drawn with replacement. A resample is the original design
    with each sample's weight multiplied by how often it was drawn, so no data is copied.

    Parameters
    ----------
    surrogate : Surrogate
        Defaults to ``Ridge(alpha=1)``.
    n_resamples : int
    random_state : int
        Seed of the resampling; fixed so that an explanation stays deterministic.

    Examples
    --------
    >>> import numpy as np
    >>> from limette._design import WeightedDesign
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); y = X @ [1.0, 3.0] + rng.normal(size=300)
    >>> fit = Bootstrap(n_resamples=50).fit(WeightedDesign(X, y[:, None], np.ones(300)),
    ...                                     np.ones((1, 2), bool))
    >>> bool(((fit.coef_std > 0.02) & (fit.coef_std < 0.2)).all())
    True
    """

    surrogate: Surrogate = field(default_factory=Ridge)
    n_resamples: int = 200
    random_state: int = 0

    def __post_init__(self) -> None:
        check_positive_int(self.n_resamples, "n_resamples", minimum=2)

    def fit(self, design: WeightedDesign, selected: np.ndarray) -> LinearFit:
        base = self.surrogate.fit(design, selected)
        n = design.X.shape[0]
        rng = np.random.default_rng(self.random_state)
        draws = np.empty((self.n_resamples, *selected.shape))
        for b in range(self.n_resamples):
            counts = np.bincount(rng.integers(0, n, size=n), minlength=n)
            resampled = WeightedDesign(design.X, design.Y, design.w * counts)
            draws[b] = self.surrogate.fit(resampled, selected).coef
        return LinearFit(base.coef, base.intercept, draws.std(axis=0, ddof=1))
