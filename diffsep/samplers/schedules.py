"""Noise-level schedules, computed in float64 and cast where they are used."""

from __future__ import annotations

import torch
from torch import Tensor

from diffsep.errors import DiffsepError


def karras_sigmas(steps: int, sigma_min: float = 1e-4, sigma_max: float = 1.0, rho: float = 7.0) -> Tensor:
    """Karras et al. (2022) eq. 5: ``steps`` levels from ``sigma_max`` to ``sigma_min``, then 0.

    Args:
        steps: number of levels T >= 1 (T network evaluations per corrector repeat).
        sigma_min: last non-zero level (MSDM separation: 1e-4).
        sigma_max: first level (MSDM separation: 1.0; generation: 20.0).
        rho: curvature of the spacing (EDM and MSDM: 7).

    Returns:
        float64 tensor ``[T + 1]``, decreasing, ending with 0.
    """
    if steps < 1:
        raise DiffsepError(f"steps must be at least 1, got {steps}")
    if not 0 < sigma_min <= sigma_max:
        raise DiffsepError(f"need 0 < sigma_min <= sigma_max, got {sigma_min} and {sigma_max}")
    if rho <= 0:
        raise DiffsepError(f"rho must be positive, got {rho}")
    ramp = torch.linspace(0, 1, steps, dtype=torch.float64) if steps > 1 else torch.zeros(1, dtype=torch.float64)
    inv_rho = 1.0 / rho
    sigmas = (sigma_max**inv_rho + ramp * (sigma_min**inv_rho - sigma_max**inv_rho)) ** rho
    return torch.cat([sigmas, sigmas.new_zeros(1)])
