"""Exact analysis of samplers on the Gaussian prior, where every update is affine."""

from __future__ import annotations

import torch
from torch import Tensor

from diffsep.likelihoods import Posterior
from diffsep.types import Likelihood, Prior, Sampler


def sampler_mean(prior: Prior, likelihood: Likelihood, sampler: Sampler, shape: tuple[int, int, int], sigmas: Tensor) -> Tensor:
    """The exact mean of ``sampler``'s output when the prior's denoiser is linear in ``x``.

    Every update is then affine in the state and in the zero-mean draws, so the mean is the
    run with every draw (initial noise included) set to zero.
    """
    zeros = lambda: torch.zeros(shape)  # noqa: E731
    with torch.no_grad():
        return sampler(Posterior(prior, likelihood), torch.zeros(shape), sigmas, zeros)
