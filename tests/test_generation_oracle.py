"""Check 1: Heun, no churn, on a 1-D Gaussian prior of variance v reproduces v."""

import pytest
import torch
from helpers import white_prior

from diffsep.likelihoods import Posterior, Unconditional
from diffsep.samplers import DPMSolver2M, Euler, Heun
from diffsep.samplers.schedules import karras_sigmas


@pytest.mark.parametrize("sampler, steps", [(Heun(), 64), (DPMSolver2M(), 64)])
@pytest.mark.parametrize("variance", [0.04, 1.0])
def test_deterministic_samplers_imply_the_variance_within_2_percent(variance, sampler, steps):
    prior = white_prior(variance)
    sigma_max = 80.0  # EDM's: N(0, sigma_max^2) is then the noisy marginal up to v / 6400
    sigmas = karras_sigmas(steps, 0.002, sigma_max, 7.0)
    start = torch.ones(1, 1, 64) * sigma_max
    out = sampler(Posterior(prior, Unconditional()), start, sigmas, lambda: torch.zeros(1, 1, 64))
    # The flow of a white Gaussian prior is the same linear map at every sample: out = k x_T,
    # so x_T ~ N(0, sigma_max^2) gives var(out) = k^2 sigma_max^2.
    gain = out / start
    assert torch.allclose(gain, gain.mean(), rtol=1e-4)
    implied = float(gain.mean() ** 2 * sigma_max**2)
    assert implied == pytest.approx(variance, rel=0.02)


def test_second_order_samplers_beat_euler_at_equal_steps():
    prior, sigma_max = white_prior(0.25), 80.0
    sigmas = karras_sigmas(16, 0.002, sigma_max, 7.0)
    start = torch.ones(1, 1, 8) * sigma_max
    zeros = lambda: torch.zeros(1, 1, 8)  # noqa: E731
    errors = []
    for sampler in (Euler(), Heun(), DPMSolver2M()):
        out = sampler(Posterior(prior, Unconditional()), start, sigmas, zeros)
        errors.append(abs(float((out / start).mean() ** 2 * sigma_max**2) - 0.25))
    assert errors[1] < errors[0] and errors[2] < errors[0]


def test_generated_samples_have_the_prior_variance():
    import diffsep

    prior = white_prior(0.09, stems=2)
    out = diffsep.generate(prior, batch=8, length=2048, sampler="heun", steps=32, sigma_min=0.002, sigma_max=80.0, seed=0)
    assert out.shape == (8, 2, 2048)
    # 32768 draws per stem: the standard error of a variance estimate is ~0.8%
    assert out.var(dim=(0, 2)).tolist() == pytest.approx([0.09, 0.09], rel=0.05)
