"""EDM preconditioning and training noise levels (Karras et al. 2022), written for diffsep.

``D(x; sigma) = c_skip x + c_out F(c_in x, c_noise)`` with ``c_skip = sd^2 / (sigma^2 + sd^2)``,
``c_out = sigma sd / sqrt(sigma^2 + sd^2)``, ``c_in = 1 / sqrt(sigma^2 + sd^2)``,
``c_noise = ln(sigma) / 4``; loss weight ``(sigma^2 + sd^2) / (sigma sd)^2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from diffsep.tensors import expand_as


@dataclass(frozen=True)
class Preconditioning:
    """EDM scalings for data of standard deviation ``sigma_data`` (MSDM: 0.2)."""

    sigma_data: float = 0.2

    def scalings(self, sigma: Tensor, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """``(c_skip, c_out, c_in)`` broadcast against ``x``, and ``c_noise`` ``[B]``."""
        s = expand_as(sigma, x)
        total = s**2 + self.sigma_data**2
        return self.sigma_data**2 / total, s * self.sigma_data / total.sqrt(), total.rsqrt(), sigma.log() / 4

    def loss_weight(self, sigma: Tensor) -> Tensor:
        """lambda(sigma), which makes the loss unit-variance at every level."""
        return (sigma**2 + self.sigma_data**2) / (sigma * self.sigma_data) ** 2


@dataclass(frozen=True)
class LogNormalSigma:
    """Training levels ``ln sigma ~ N(mean, std)`` (MSDM: mean -3, std 1)."""

    mean: float = -3.0
    std: float = 1.0

    def sample(self, batch: int, generator: torch.Generator, device: torch.device | str = "cpu") -> Tensor:
        normal = torch.randn(batch, generator=generator, device=device)
        return (self.mean + self.std * normal).exp()
