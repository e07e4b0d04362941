"""The projection likelihood: estimates made to add up to the mixture, the residual shared by power."""

import math

import torch
from helpers import correlated_prior

import diffsep
from diffsep.likelihoods.project import consistent
from diffsep.samplers.noise import generators

RATE = 8000


def _tone(frequency, length=4096):
    return torch.sin(2 * math.pi * frequency * torch.arange(length) / RATE)


def test_the_residual_goes_to_the_stem_that_sounds_where_it_is_missing():
    low, high = _tone(300.0), _tone(2000.0)
    stems = torch.stack([low, high])[None]
    mixture = 1.5 * low + high  # half the low tone is missing, all of it in the first stem's bins
    out = consistent(stems, mixture[None])
    torch.testing.assert_close(out.sum(1), mixture[None], atol=1e-5, rtol=0)
    inner = slice(512, -512)  # away from the STFT's padded edges
    assert float((out[0, 0, inner] - 1.5 * low[inner]).abs().max()) < 0.02
    assert float((out[0, 1, inner] - high[inner]).abs().max()) < 0.02


def test_silent_estimates_share_the_mixture_equally():
    mixture = torch.randn(1, 2048, generator=torch.Generator().manual_seed(0))
    out = consistent(torch.zeros(1, 4, 2048), mixture)
    torch.testing.assert_close(out, mixture[:, None].expand(1, 4, 2048) / 4, atol=1e-5, rtol=0)


def test_with_a_gaussian_prior_its_samples_are_nearly_as_close_as_exact_posterior_samples():
    """With the exact Gaussian prior, an exact posterior sample's squared error is on average twice
    the Wiener filter's (the posterior mean's error plus the posterior's spread); the projection is
    not exact, but its samples come within a quarter of that, from noise."""
    prior = correlated_prior()
    stems = prior.sample(16, 2048, generators(16, 7))
    mixture = stems.sum(1)
    out = diffsep.separate(mixture, prior, "project", steps=50, seed=0, sampler_options={"s_churn": 0.0, "corrector_steps": 1})
    error = lambda estimate: float((estimate - stems).square().sum() / stems.square().sum())  # noqa: E731
    torch.testing.assert_close(out.sum(1), mixture, atol=1e-4, rtol=0)
    assert error(out) < 1.25 * 2 * error(prior.posterior_mean(mixture))
