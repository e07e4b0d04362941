"""Shared builders for the tests: small exact priors and a deterministic sampler run."""

from __future__ import annotations

import math

import torch

from diffsep.priors import GaussianPrior
from diffsep.priors.sizes import network_config
from diffsep.priors.spectra import demo_spectra
from diffsep.samplers.analysis import sampler_mean
from diffsep.samplers.schedules import karras_sigmas
from diffsep.types import Likelihood

STEMS = ["bass", "drums", "guitar", "piano"]


def correlated_prior(correlation: float = 0.7, n_fft: int = 512) -> GaussianPrior:
    """Four stems in overlapping bands that share a delayed common component."""
    return GaussianPrior(demo_spectra(STEMS, 22050, n_fft, correlation), STEMS, 22050)


def white_prior(variance: float, stems: int = 1) -> GaussianPrior:
    """Independent white stems of the given variance (flat Sigma(f) = v I)."""
    spectra = variance * torch.eye(stems, dtype=torch.complex128).expand(33, stems, stems)
    return GaussianPrior(spectra, [f"s{n}" for n in range(stems)], 8000)


def noiseless_run(prior: GaussianPrior, likelihood: Likelihood, sampler, shape, steps=100, sigma_max=1.0) -> torch.Tensor:
    """The exact mean of the sampler's output on a Gaussian prior (MSDM's schedule)."""
    return sampler_mean(prior, likelihood, sampler, shape, karras_sigmas(steps, 1e-4, sigma_max, 7.0))


def relative(a: torch.Tensor, b: torch.Tensor) -> float:
    """Relative L2 distance ||a - b|| / ||b||."""
    return float((a - b).norm() / b.norm())


def total_variance(spectra: torch.Tensor) -> float:
    """Sum over samples of the variance, from a per-frequency covariance ``[F, S, S]`` on the
    full rfft grid of an even length (orthonormal DFT: Parseval)."""
    weights = torch.full((spectra.shape[0],), 2.0, dtype=torch.float64)
    weights[0] = weights[-1] = 1.0
    return float((torch.diagonal(spectra, dim1=-2, dim2=-1).real.sum(-1) * weights).sum())


__all__ = ["STEMS", "correlated_prior", "white_prior", "noiseless_run", "relative", "total_variance", "math"]


def lightning_checkpoint(path, in_channels, seed=0, extra=None):
    """What the public MSDM training wrote: a Lightning module holding AudioDiffusionModel."""
    from audio_diffusion_pytorch import AudioDiffusionModel, LogNormalDistribution

    torch.manual_seed(seed)
    hyper = {**network_config("tiny", in_channels), "diffusion_sigma_distribution": LogNormalDistribution(-3.0, 1.0),
             "diffusion_sigma_data": 0.2, "diffusion_dynamic_threshold": 0.0, "learning_rate": 1e-4, "beta1": 0.9, "beta2": 0.99}
    model = AudioDiffusionModel(**{k: v for k, v in hyper.items() if k not in ("learning_rate", "beta1", "beta2")})
    state = {f"model.{k}": v for k, v in model.state_dict().items()}
    torch.save({"state_dict": state, "hyper_parameters": hyper, "epoch": 3, "global_step": 1000,
                "pytorch-lightning_version": "1.7.7", **(extra or {})}, path)
    return model
