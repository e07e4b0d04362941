"""Imputation by replacement: known stems given, the others sampled (``--likelihood impute``)."""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.likelihoods.base import Unconditional, with_stems
from diffsep.likelihoods.observation import Observation
from diffsep.registry import LIKELIHOODS
from diffsep.tensors import expand_as
from diffsep.types import Likelihood, NoiseFn


@dataclass(frozen=True)
class Impute(Unconditional):
    """Known stems by replacement (Song et al. 2021): noised anew at every evaluation.

    Args:
        known: ``[B, K, T]`` the known stems, in the order of ``indices``.
        indices: the stems they are.
    """

    known: Tensor
    indices: tuple[int, ...]

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        noisy = self.known + expand_as(sigma, self.known) * noise()[:, list(self.indices)]
        return with_stems(x, list(self.indices), noisy)

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        return with_stems(denoised, list(self.indices), self.known)

    def finalize(self, x: Tensor) -> Tensor:
        return with_stems(x, list(self.indices), self.known)


@LIKELIHOODS.register("impute", aliases=("imputation",))
def impute(observation: Observation) -> Likelihood:
    """Partial generation: the known stems are given, the others are sampled."""
    if not observation.known:
        raise DiffsepError("the 'impute' likelihood needs known stems (--known STEM=FILE)")
    return Impute(observation.known_stack(), observation.known_indices())
