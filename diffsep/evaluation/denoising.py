"""Denoising error at fixed noise levels: a score of a prior that does not depend on the run.

A run's validation loss draws its noise levels from the run's own training distribution and
seed, so two runs' losses are not comparable. This protocol is the same for every prior: fixed
levels (in audio units), noise from a seed of the protocol's own, and an error relative to the
clean stems' energy, in dB:

    error(sigma) = 10 log10( sum (D(x0 + sigma n; sigma) - x0)^2 / sum x0^2 )

Lower is better; 0 dB is the error of answering silence. The levels span the range the samplers
use: ``fast`` refines from sigma 0.1 down to 0.003, MSDM's separation starts at 1 (audio units,
on mixtures brought to the prior's training level, about 0.1 RMS for the shipped prior).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import Tensor

from diffsep.tensors import expand_as

LEVELS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
SEED = 20_240_601
"""The protocol's own seed: every prior sees the same noise."""


def denoising_errors(denoise: Callable[[Tensor, Tensor], Tensor], clean: Tensor, levels: Sequence[float] = LEVELS,
                     scale: float = 1.0, batch: int = 16) -> dict[str, float]:
    """``{level: error in dB}`` of ``denoise`` on stems ``clean`` ``[N, S, T]`` (audio units).

    ``denoise(x, sigma)`` works in units of audio times ``scale`` (a training run's
    ``data_scale``; 1 for a prior's own ``denoise``): levels and stems are scaled to them.
    """
    generator = torch.Generator(device=clean.device)
    energy = float(clean.double().square().sum())
    if energy == 0:
        raise ValueError("the clean stems are silent: no relative error")
    errors = {}
    with torch.no_grad():
        for index, level in enumerate(levels):
            generator.manual_seed(SEED + index)
            noise = torch.randn(clean.shape, generator=generator, device=clean.device)
            squared = 0.0
            for first in range(0, clean.shape[0], batch):
                x0 = clean[first : first + batch] * scale
                sigma = torch.full((x0.shape[0],), level * scale, device=clean.device)
                denoised = denoise(x0 + expand_as(sigma, x0) * noise[first : first + batch], sigma)
                squared += float((denoised - x0).double().square().sum()) / scale**2
            errors[f"{level:g}"] = round(10 * math.log10(squared / energy), 3)
    return errors
