"""Stochastic corrector samplers: MSDM Algorithm 1 (Euler) and Karras et al. Algorithm 2 (Heun).

Both are stateless frozen dataclasses with one calling convention, so that every sampler works
unchanged with every likelihood: the posterior (prior + likelihood) is the only model they see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.registry import SAMPLERS
from diffsep.types import Callback, NoiseFn, PosteriorLike, Step


def _evaluate(posterior: PosteriorLike, x: Tensor, sigma: float, noise: NoiseFn) -> tuple[Tensor, Tensor]:
    """``(z, D)``: conditioned state and denoised estimate, every item at level ``sigma``."""
    return posterior.evaluate(x, torch.full((x.shape[0],), sigma, dtype=x.dtype, device=x.device), noise)


def _derivative(z: Tensor, denoised: Tensor, sigma: float) -> Tensor:
    """The posterior ODE's derivative ``d = (z - D) / sigma``."""
    return torch.sub(z, denoised).div_(sigma)


@dataclass(frozen=True)
class Euler:
    """Euler stochastic corrector (MSDM Algorithm 1, as the public code runs it).

    Args:
        s_churn: stochasticity; gamma = min(s_churn / T, sqrt(2) - 1). MSDM separation: 20.
        s_tmin: churn only at levels sigma >= s_tmin (default 0).
        s_tmax: churn only at levels sigma <= s_tmax (default inf).
        s_noise: scale of the churn noise (default 1).
        corrector_steps: repeats R per level, renoised back to sigma between them. MSDM: 2 (3 in
            Table 2). Cost: T * R network evaluations.
    """

    s_churn: float = 0.0
    s_tmin: float = 0.0
    s_tmax: float = math.inf
    s_noise: float = 1.0
    corrector_steps: int = 1

    def __post_init__(self) -> None:
        if self.corrector_steps < 1:
            raise DiffsepError(f"corrector_steps must be at least 1, got {self.corrector_steps}")
        if self.s_churn < 0 or self.s_noise < 0:
            raise DiffsepError("s_churn and s_noise must not be negative")

    def __call__(
        self,
        posterior: PosteriorLike,
        x: Tensor,
        sigmas: Tensor,
        noise: NoiseFn,
        callback: Callback | None = None,
    ) -> Tensor:
        """Integrate from ``x`` at ``sigmas[0]`` down to ``sigmas[-1] = 0``; returns ``[B, S, T]``."""
        steps = len(sigmas) - 1
        gamma_max = min(self.s_churn / steps, math.sqrt(2) - 1)
        for i in range(steps):
            sigma, sigma_next = float(sigmas[i]), float(sigmas[i + 1])
            gamma = gamma_max if self.s_tmin <= sigma <= self.s_tmax else 0.0
            sigma_hat = sigma * (1 + gamma)
            for r in range(self.corrector_steps):
                # churn: raise the noise level from sigma to sigma_hat
                if gamma > 0:
                    x = torch.add(x, noise(), alpha=self.s_noise * math.sqrt(sigma_hat**2 - sigma**2))
                x, denoised = self.update(posterior, x, sigma_hat, sigma_next, noise)
                if callback is not None:
                    callback(Step(i, sigma, sigma_hat, x, denoised))
                # renoise back to level sigma before the next corrector repeat
                if r < self.corrector_steps - 1:
                    x = torch.add(x, noise(), alpha=math.sqrt(sigma**2 - sigma_next**2))
        return posterior.finalize(x)

    def update(self, posterior: PosteriorLike, x: Tensor, sigma_hat: float, sigma_next: float, noise: NoiseFn) -> tuple[Tensor, Tensor]:
        """One Euler step of the probability-flow ODE from sigma_hat to sigma_next.

        ``z + (sigma_next - sigma_hat) d`` with ``d = (z - D) / sigma_hat`` is the blend
        ``lerp(z, D, 1 - sigma_next / sigma_hat)``: one pass over the stems, not three.
        """
        z, denoised = _evaluate(posterior, x, sigma_hat, noise)
        return torch.lerp(z, denoised, 1 - sigma_next / sigma_hat), denoised


@dataclass(frozen=True)
class Heun(Euler):
    """Heun stochastic sampler (Karras et al. 2022, Algorithm 2) with MSDM's corrector repeats.

    The likelihood applies at both evaluations; the second is skipped when sigma_next = 0.
    """

    def update(self, posterior: PosteriorLike, x: Tensor, sigma_hat: float, sigma_next: float, noise: NoiseFn) -> tuple[Tensor, Tensor]:
        """Euler predictor, then the trapezoidal correction at sigma_next."""
        z, denoised = _evaluate(posterior, x, sigma_hat, noise)
        d = _derivative(z, denoised, sigma_hat)
        x_next = torch.add(z, d, alpha=sigma_next - sigma_hat)
        if sigma_next == 0:
            return x_next, denoised
        z_next, denoised_next = _evaluate(posterior, x_next, sigma_next, noise)
        return z + (sigma_next - sigma_hat) * (d + _derivative(z_next, denoised_next, sigma_next)) / 2, denoised


SAMPLERS.add("euler", Euler)
SAMPLERS.add("heun", Heun)
