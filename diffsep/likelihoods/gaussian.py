"""The Gaussian likelihood of Jayaram & Thickstun (2020) (``--likelihood gaussian``)."""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.likelihoods.base import Unconditional, mark_sums_to_mixture, with_stems
from diffsep.likelihoods.hints import with_hints
from diffsep.likelihoods.observation import Observation
from diffsep.registry import LIKELIHOODS
from diffsep.types import Likelihood


@dataclass(frozen=True)
class GaussianMixture(Unconditional):
    """Gaussian likelihood of Jayaram & Thickstun (2020): ``y ~ N(sum of stems, gamma^2)``.

    The score added to every stem is ``(y - sum x) / (2 gamma^2)``, with the public MSDM code's
    factor 1/2, and ``gamma = g * sigma_hat``; so the paper's best ``gamma = 0.75 sigma`` is
    ``g = 0.75`` here. Small ``g`` makes Euler diverge (paper Table 4).

    Args:
        mixture: ``[B, T]`` mixture y.
        g: ratio gamma / sigma_hat (paper: 0.75, Jayaram & Thickstun: 1).
        over: indices of the stems that make up the mixture (default: all).
    """

    mixture: Tensor
    g: float
    over: tuple[int, ...]

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        # d' = d - sigma (y - sum x) / (2 gamma^2)  <=>  D' = D + sigma^2 (y - sum x) / (2 gamma^2)
        residual = self.mixture - x[:, list(self.over)].sum(dim=1)
        step = residual / (2 * self.g**2)
        return with_stems(denoised, list(self.over), denoised[:, list(self.over)] + step[:, None])


@LIKELIHOODS.register("gaussian")
@mark_sums_to_mixture
def gaussian(observation: Observation, gamma: float = 0.75) -> Likelihood:
    """Gaussian likelihood with ``gamma = g * sigma_hat`` (paper's best: g = 0.75)."""
    if gamma <= 0:
        raise DiffsepError(f"gamma must be positive, got {gamma}")

    def make(mixture: Tensor, over: tuple[int, ...]) -> Likelihood:
        return GaussianMixture(mixture, gamma, over)

    return with_hints(observation, "gaussian", make)
