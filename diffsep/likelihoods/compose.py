"""Several likelihoods over disjoint stems, applied in turn."""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from diffsep.likelihoods.base import Unconditional
from diffsep.types import Likelihood, NoiseFn


@dataclass(frozen=True)
class Compose(Unconditional):
    """Several likelihoods applied in turn (meant for ones over disjoint stems)."""

    parts: tuple[Likelihood, ...]

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        for part in self.parts:
            x = part.condition(x, sigma, noise)
        return x

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        for part in self.parts:
            denoised = part.correct(x, sigma, denoised)
        return denoised

    def finalize(self, x: Tensor) -> Tensor:
        for part in self.parts:
            x = part.finalize(x)
        return x
