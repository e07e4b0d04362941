"""Check 2: Dirac separation with a joint Gaussian prior against the closed-form posterior.

For a Gaussian prior the posterior under the mixture constraint is the multichannel Wiener
filter. Every sampler update is then affine, so the mean of the sampler's output equals its
run with all draws set to zero; that separates the Monte-Carlo error from the method's bias.
"""

import pytest
import torch
from helpers import correlated_prior, noiseless_run, relative, total_variance

import diffsep
from diffsep.likelihoods import Dirac
from diffsep.priors import GaussianPrior
from diffsep.samplers import Euler
from diffsep.samplers.noise import generators

T = 512
SETTINGS = dict(steps=100, sampler_options={"s_churn": 20.0, "corrector_steps": 3})


@pytest.fixture(scope="module")
def problem():
    prior = correlated_prior()
    stems = prior.sample(1, T, generators(1, 3))
    mixture = stems.sum(1)
    samples = diffsep.separate(mixture.expand(256, T), prior, "dirac", seed=0, **SETTINGS)
    return prior, mixture, samples


def test_stems_sum_to_the_mixture(problem):
    _, mixture, samples = problem
    assert float((samples.sum(1) - mixture).abs().max() / mixture.abs().max()) < 1e-5


def test_monte_carlo_mean_is_the_samplers_exact_mean(problem):
    prior, mixture, samples = problem
    exact = noiseless_run(prior, Dirac(mixture, 0, (0, 1, 2, 3)), Euler(s_churn=20.0, corrector_steps=3), (1, 4, T))
    spread = (samples - samples.mean(0)).square().sum(dim=(1, 2)).mean()
    standard_error = float((spread / samples.shape[0]).sqrt())
    assert float((samples.mean(0) - exact[0]).norm()) < 4 * standard_error


def test_posterior_spread_matches_the_closed_form(problem):
    prior, mixture, samples = problem
    spectra = prior.spectra_for(T)
    column = spectra.sum(-1, keepdim=True)
    covariance = spectra - column @ column.mT.conj() / column.sum(-2, keepdim=True)
    spread = float((samples - samples.mean(0)).square().sum(dim=(1, 2)).mean())
    assert spread == pytest.approx(total_variance(covariance), rel=0.1)


def test_mean_approaches_the_wiener_filter_as_correctors_grow(problem):
    # The Dirac sampler is not an exact posterior sampler: at each level it relaxes toward the
    # constrained mode of the *noisy* prior, so a finite corrector budget leaves a bias that
    # shrinks with R (measured by benchmarks/posterior_bias.py).
    prior, mixture, _ = problem
    wiener = prior.posterior_mean(mixture)
    errors = [
        relative(noiseless_run(prior, Dirac(mixture, 0, (0, 1, 2, 3)), Euler(s_churn=20.0, corrector_steps=r), (1, 4, T)), wiener)
        for r in (1, 3, 10)
    ]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.08


@pytest.mark.parametrize("sigma", [0.5, 0.05, 1e-3])
def test_dirac_derivative_vanishes_at_the_constrained_mode(sigma):
    # Algorithm 2's g_n = S_n(z) - S_k(z) is zero exactly where the noisy prior N(0, Sigma +
    # sigma^2 I), restricted to sum x = y, peaks: its own Wiener filter.
    prior = correlated_prior()
    mixture = prior.sample(1, T, generators(1, 5)).sum(1)
    eye = torch.eye(4, dtype=torch.complex128)
    noisy = GaussianPrior(prior.spectra_for(T) + sigma**2 * eye, prior.stems, prior.sample_rate)
    mode = noisy.posterior_mean(mixture)
    likelihood = Dirac(mixture, 2, (0, 1, 2, 3))
    sigmas = torch.full((1,), sigma)
    z = likelihood.condition(mode, sigmas, lambda: torch.zeros_like(mode))
    denoised = likelihood.correct(z, sigmas, prior.denoise(z, sigma))
    assert relative(z, mode) < 1e-5
    assert float(((z - denoised) / sigma).norm()) < 1e-3 * float((mode / sigma).norm())


@pytest.mark.parametrize("sampler", ["heun", "dpmpp-2m"])
def test_every_sampler_keeps_the_mixture(problem, sampler):
    prior, mixture, _ = problem
    stems = diffsep.separate(mixture.expand(4, T), prior, "dirac", sampler, steps=60, seed=0)
    assert float((stems.sum(1) - mixture).abs().max() / mixture.abs().max()) < 1e-5
