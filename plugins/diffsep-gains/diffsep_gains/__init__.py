"""Dirac likelihood for ``y = sum_n g_n x_n`` with known gains (a diffsep plugin).

The constrained stem is ``x_k = (y - sum_{n != k} g_n x_n) / g_k``. On that manifold the score
of a free stem is ``S_n - (g_n / g_k) S_k``, so in denoiser form
``D'_n = D_n + (g_n / g_k)(z_k - D_k)`` and ``D'_k = z_k``. With all gains 1 it is MSDM's Dirac.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import Tensor

from diffsep import DiffsepError, Observation
from diffsep.likelihoods import Unconditional
from diffsep.types import NoiseFn, StemRef, stem_index


@dataclass(frozen=True)
class GainedDirac(Unconditional):
    """Stems weighted by ``gains`` sum exactly to ``mixture`` (``[B, T]``)."""

    mixture: Tensor
    gains: tuple[float, ...]
    constrained: int

    def _free(self) -> list[int]:
        return [n for n in range(len(self.gains)) if n != self.constrained]

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        return self.finalize(x)

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        k, free = self.constrained, self._free()
        ratio = torch.tensor([self.gains[n] / self.gains[k] for n in free], dtype=x.dtype, device=x.device)
        out = denoised.clone()
        out[:, free] = denoised[:, free] + ratio[:, None] * (x[:, k] - denoised[:, k])[:, None]
        out[:, k] = x[:, k]
        return out

    def finalize(self, x: Tensor) -> Tensor:
        k, free = self.constrained, self._free()
        weights = torch.tensor([self.gains[n] for n in free], dtype=x.dtype, device=x.device)
        out = x.clone()
        out[:, k] = (self.mixture - (weights[:, None] * x[:, free]).sum(dim=1)) / self.gains[k]
        return out


def gained_dirac(observation: Observation, gains: Sequence[float] | str = (), constrained: StemRef = 0) -> GainedDirac:
    """Factory (entry point ``gained-dirac``): ``gains`` one per stem, as a list or ``"1,0.5,1,1"``."""
    values = tuple(float(g) for g in (gains.split(",") if isinstance(gains, str) else gains)) or (1.0,) * len(observation.stems)
    if len(values) != len(observation.stems):
        raise DiffsepError(f"gained-dirac needs one gain per stem ({len(observation.stems)}), got {len(values)}")
    k = stem_index(observation.stems, constrained)
    if values[k] == 0:
        raise DiffsepError("the constrained stem's gain must not be zero")
    return GainedDirac(observation.require_mixture("gained-dirac"), values, k)
