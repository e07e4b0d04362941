"""The run-independent denoising score: exact on a white Gaussian prior, unit-consistent, fixed."""

import math

import pytest
import torch
from helpers import white_prior

from diffsep.evaluation.denoising import LEVELS, denoising_errors
from diffsep.samplers.noise import generators


def test_the_posterior_mean_of_white_stems_scores_its_analytic_error():
    """D = v / (v + s^2) x has relative error s^2 / (v + s^2) for stems of variance v."""
    variance = 0.01
    prior = white_prior(variance, stems=2)
    clean = prior.sample(8, 4096, generators(8, 0))
    errors = denoising_errors(prior.denoise, clean)
    assert list(errors) == [f"{level:g}" for level in LEVELS]
    for level in LEVELS:
        expected = 10 * math.log10(level**2 / (variance + level**2))
        assert errors[f"{level:g}"] == pytest.approx(expected, abs=0.1)


def test_a_network_in_scaled_units_scores_as_in_audio_units():
    prior = white_prior(0.01, stems=2)
    clean = prior.sample(4, 2048, generators(4, 1))

    def scaled(x, sigma):  # the same denoiser, working on audio times 4 (a run's data_scale)
        return prior.denoise(x / 4, sigma / 4) * 4

    for a, b in zip(denoising_errors(prior.denoise, clean).values(), denoising_errors(scaled, clean, scale=4.0).values()):
        assert a == pytest.approx(b, abs=1e-3)


def test_every_prior_sees_the_same_noise_and_silence_answers_zero_db():
    clean = white_prior(0.01, stems=2).sample(3, 1024, generators(3, 2))
    seen = []

    def silence(x, sigma):
        seen.append(x.clone())
        return torch.zeros_like(x)

    assert set(denoising_errors(silence, clean, batch=2).values()) == {0.0}
    first = seen[:]
    seen.clear()
    denoising_errors(silence, clean, batch=2)
    assert all(torch.equal(a, b) for a, b in zip(first, seen)) and len(first) == 2 * len(LEVELS)
