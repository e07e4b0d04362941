"""DPM-Solver++(2M) (Lu et al. 2022) in the Karras/EDM parameterisation: a second-order
multistep solver of the probability-flow ODE, one network evaluation per level.

With ``lambda = -ln(sigma)`` and step ``h = lambda_next - lambda``, the exact solution for a
denoiser held constant over the step is ``x_next = (sigma_next / sigma) x + (1 - sigma_next /
sigma) D``. The solver replaces ``D`` by a linear extrapolation from the previous level's
denoised estimate: ``D' = (1 + 1/(2r)) D - 1/(2r) D_prev`` with ``r = h_prev / h``. The first
step and the last (to sigma = 0) are first order. Deterministic: no churn, no corrector repeats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from diffsep.registry import SAMPLERS
from diffsep.types import Callback, NoiseFn, PosteriorLike, Step


@dataclass(frozen=True)
class DPMSolver2M:
    """DPM-Solver++(2M): works with every likelihood through the posterior's evaluate/finalize."""

    def __call__(
        self,
        posterior: PosteriorLike,
        x: Tensor,
        sigmas: Tensor,
        noise: NoiseFn,
        callback: Callback | None = None,
    ) -> Tensor:
        """Integrate from ``x`` at ``sigmas[0]`` down to ``sigmas[-1] = 0``; returns ``[B, S, T]``."""
        previous: tuple[float, Tensor] | None = None  # (h of the last step, its denoised estimate)
        for i in range(len(sigmas) - 1):
            sigma, sigma_next = float(sigmas[i]), float(sigmas[i + 1])
            z, denoised = posterior.evaluate(x, torch.full((x.shape[0],), sigma, dtype=x.dtype, device=x.device), noise)
            estimate = denoised
            if previous is not None and sigma_next > 0:
                h = math.log(sigma / sigma_next)
                half_inverse_r = h / (2 * previous[0])
                estimate = torch.lerp(denoised, previous[1], -half_inverse_r)  # the extrapolation above, one pass
            x = torch.lerp(z, estimate, 1 - sigma_next / sigma)
            previous = (math.log(sigma / sigma_next), denoised) if sigma_next > 0 else None
            if callback is not None:
                callback(Step(i, sigma, sigma, x, denoised))
        return posterior.finalize(x)


SAMPLERS.add("dpmpp-2m", DPMSolver2M, aliases=("dpm++2m",))
