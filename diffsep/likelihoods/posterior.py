"""Prior + likelihood: the only model a sampler sees."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.types import Likelihood, NoiseFn


def finite(value: Tensor, component: object, method: str, sigma: Tensor) -> Tensor:
    """``value``, or a one-line error naming the component that produced NaN or infinity."""
    if not bool(torch.isfinite(value).all()):
        raise DiffsepError(f"{type(component).__name__}.{method} returned NaN or infinite values at noise level "
                           f"sigma = {float(sigma.max()):.4g}; stopped before anything of this track was written")
    return value


@dataclass(frozen=True)
class Posterior:
    """Prior + likelihood: the only model a sampler sees."""

    prior: object
    likelihood: Likelihood

    @torch.no_grad()
    def evaluate(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> tuple[Tensor, Tensor]:
        """``(z, D)``; a NaN or infinity is stopped where it first appears, naming its source."""
        z = finite(self.likelihood.condition(x, sigma, noise), self.likelihood, "condition", sigma)
        denoised = finite(self.prior.denoise(z, sigma), self.prior, "denoise", sigma)  # type: ignore[attr-defined]
        return z, finite(self.likelihood.correct(z, sigma, denoised), self.likelihood, "correct", sigma)

    def finalize(self, x: Tensor) -> Tensor:
        return self.likelihood.finalize(x)
