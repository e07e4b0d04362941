"""Prior + likelihood: the only model a sampler sees."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.types import Likelihood, NoiseFn


def blame(sigma: Tensor, *results: tuple[object, str, Tensor]) -> None:
    """A one-line error naming the first ``(component, method, value)`` whose value holds NaN or
    infinity; nothing if none does."""
    for component, method, value in results:
        if not bool(torch.isfinite(value).all()):
            raise DiffsepError(f"{type(component).__name__}.{method} returned NaN or infinite values at noise level "
                               f"sigma = {float(sigma.max()):.4g}; stopped before anything of this track was written")


@dataclass(frozen=True)
class Posterior:
    """Prior + likelihood: the only model a sampler sees."""

    prior: object
    likelihood: Likelihood

    @torch.no_grad()
    def evaluate(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> tuple[Tensor, Tensor]:
        """``(z, D)``; a NaN or infinity stops the run, naming the component it first came from."""
        z = self.likelihood.condition(x, sigma, noise)
        denoised = self.prior.denoise(z, sigma)  # type: ignore[attr-defined]
        corrected = self.likelihood.correct(z, sigma, denoised)
        if not bool(torch.isfinite(corrected.sum())):  # NaN and inf reach the sum: one reduction per evaluation
            blame(sigma, (self.likelihood, "condition", z), (self.prior, "denoise", denoised), (self.likelihood, "correct", corrected))
        return z, corrected

    def finalize(self, x: Tensor) -> Tensor:
        return self.likelihood.finalize(x)
