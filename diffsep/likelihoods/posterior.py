"""Prior + likelihood: the only model a sampler sees."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from diffsep.types import Likelihood, NoiseFn


@dataclass(frozen=True)
class Posterior:
    """Prior + likelihood: the only model a sampler sees."""

    prior: object
    likelihood: Likelihood

    @torch.no_grad()
    def evaluate(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> tuple[Tensor, Tensor]:
        z = self.likelihood.condition(x, sigma, noise)
        return z, self.likelihood.correct(z, sigma, self.prior.denoise(z, sigma))  # type: ignore[attr-defined]

    def finalize(self, x: Tensor) -> Tensor:
        return self.likelihood.finalize(x)
