"""Check 5: with s_churn = 0, R = 1 and the same initial noise, our Euler + Dirac / Gaussian equal
a plain transcription of the public MSDM code's loop (docs/concepts.md, the Dirac and Gaussian likelihoods)."""

import torch
from helpers import correlated_prior

import diffsep

T = 512


def public_separate_mixture(mixture, denoise_fn, sigmas, noises, differential_fn, s_churn=0.0, num_resamples=1):
    """The public code's ``separate_mixture``, transcribed (``mixture`` is ``[B, 1, T]``)."""
    x = sigmas[0] * noises
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        for r in range(num_resamples):
            gamma = min(s_churn / (len(sigmas) - 1), 2**0.5 - 1)
            sigma_hat = sigma * (gamma + 1)
            x_hat = x + torch.randn_like(x) * (sigma_hat**2 - sigma**2) ** 0.5
            d = differential_fn(mixture=mixture, x=x_hat, sigma=sigma_hat, denoise_fn=denoise_fn)
            x = x_hat + d * (sigma_next - sigma_hat)
            if r < num_resamples - 1:
                x = x + torch.sqrt(sigma**2 - sigma_next**2) * torch.randn_like(x)
    return x


def public_differential_with_dirac(x, sigma, denoise_fn, mixture, source_id=0):
    num_sources = x.shape[1]
    x[:, [source_id], :] = mixture - (x.sum(dim=1, keepdim=True) - x[:, [source_id], :])
    score = (x - denoise_fn(x, sigma=sigma)) / sigma
    scores = [score[:, si] for si in range(num_sources)]
    ds = [s - score[:, source_id] for s in scores]
    return torch.stack(ds, dim=1)


def public_differential_with_gaussian(x, sigma, denoise_fn, mixture, gamma_fn=None):
    gamma = sigma if gamma_fn is None else gamma_fn(sigma)
    d = (x - denoise_fn(x, sigma=sigma)) / sigma
    d = d - sigma / (2 * gamma**2) * (mixture - x.sum(dim=[1], keepdim=True))
    return d


def _inputs():
    prior = correlated_prior()
    generator = torch.Generator().manual_seed(0)
    mixture = prior.sample(2, T, [torch.Generator().manual_seed(s) for s in (1, 2)]).sum(1)
    noise = torch.randn(2, 4, T, generator=generator)
    sigmas = diffsep.samplers.schedules.karras_sigmas(50, 1e-4, 1.0, 7.0).float()
    return prior, mixture, noise, sigmas


def _ours(prior, mixture, noise, likelihood, options):
    return diffsep.separate(
        mixture, prior, likelihood, "euler", steps=50, initial_noise=noise, likelihood_options=options,
        sampler_options={"s_churn": 0.0, "corrector_steps": 1},
    )


def test_euler_dirac_equals_the_public_loop():
    prior, mixture, noise, sigmas = _inputs()
    source_id = 2
    public = public_separate_mixture(
        mixture[:, None], prior.denoise, sigmas, noise.clone(),
        lambda **kw: public_differential_with_dirac(source_id=source_id, **kw),
    )
    ours = _ours(prior, mixture, noise, "dirac", {"constrained": source_id})
    free = [0, 1, 3]
    torch.testing.assert_close(ours[:, free], public[:, free], atol=1e-5, rtol=1e-5)
    # The public loop leaves x_k = y - sum of the free stems *before* the last update; Algorithm 1
    # (line 10) and diffsep set it after, so the stems sum exactly to the mixture.
    torch.testing.assert_close(ours[:, source_id], mixture - public[:, free].sum(1), atol=1e-5, rtol=1e-5)


def test_euler_gaussian_equals_the_public_loop():
    prior, mixture, noise, sigmas = _inputs()
    public = public_separate_mixture(
        mixture[:, None], prior.denoise, sigmas, noise.clone(),
        lambda **kw: public_differential_with_gaussian(gamma_fn=lambda s: 0.75 * s, **kw),
    )
    ours = _ours(prior, mixture, noise, "gaussian", {"gamma": 0.75})
    torch.testing.assert_close(ours, public, atol=1e-5, rtol=1e-5)
