"""Check 7: one conformance test over every registered prior, likelihood and sampler.

A component registered without a builder here fails ``test_every_component_has_a_builder``,
so nothing joins the registries untested.
"""

import pytest
import torch

import diffsep
from diffsep.likelihoods import Observation, Posterior
from diffsep.registry import LIKELIHOODS, PRIORS, SAMPLERS
from diffsep.samplers.noise import NoiseSampler
from diffsep.samplers.schedules import karras_sigmas

B, T = 2, 256

PRIOR_OPTIONS = {"gaussian": {}, "weak-gaussian": {}, "msdm": {"checkpoint": "msdm"}, "weak": {"checkpoint": "weak"},
                 "spectral": {"checkpoint": "spectral"}}
"""Options of each prior; a learned prior's checkpoint is a tiny one the fixture writes."""
SAMPLER_OPTIONS = {"euler": {"s_churn": 10.0, "corrector_steps": 2}, "heun": {"s_churn": 10.0, "corrector_steps": 2}, "dpmpp-2m": {}}
LIKELIHOOD_OPTIONS = {"none": {}, "dirac": {"constrained": "guitar"}, "gaussian": {"gamma": 0.75}, "impute": {}, "project": {}}


def _builtin(registry):
    return [entry.name for entry in registry.entries() if entry.origin == "built-in"]


def test_every_component_has_a_builder():
    assert set(_builtin(PRIORS)) == set(PRIOR_OPTIONS)
    assert set(_builtin(SAMPLERS)) == set(SAMPLER_OPTIONS)
    assert set(_builtin(LIKELIHOODS)) == set(LIKELIHOOD_OPTIONS)


def _observation(prior):
    stems = prior.sample(B, T, [torch.Generator().manual_seed(j) for j in range(B)])
    return Observation(prior.stems, stems.sum(1), {"drums": stems[:, 1]})


@pytest.fixture(scope="module")
def tiny_checkpoints(tmp_path_factory):
    from diffsep.priors import learned_io

    folder = tmp_path_factory.mktemp("priors")
    torch.manual_seed(0)
    return {kind: str(learned_io.save(learned_io.from_size(kind, "tiny", ["bass", "drums", "guitar", "piano"], 22050),
                                      folder / f"{kind}.safetensors")) for kind in ("msdm", "weak", "spectral")}


@pytest.mark.parametrize("name", sorted(PRIOR_OPTIONS))
def test_prior_contract(name, tiny_checkpoints):
    options = {key: tiny_checkpoints.get(value, value) for key, value in PRIOR_OPTIONS[name].items()}
    prior = diffsep.components.build_prior(name, options)
    assert isinstance(prior, diffsep.types.Prior)
    x = torch.randn(B, len(prior.stems), T)
    before = x.clone()
    for sigma in (0.5, torch.tensor([0.1, 2.0])):
        out = prior.denoise(x, sigma)
        assert out.shape == x.shape and out.dtype == x.dtype and out.device == x.device
        assert torch.isfinite(out).all()
    assert torch.equal(x, before)
    torch.testing.assert_close(prior.denoise(x, 0.3), prior.denoise(x, 0.3), atol=0, rtol=0)


@pytest.mark.parametrize("sampler_name", sorted(SAMPLER_OPTIONS))
@pytest.mark.parametrize("likelihood_name", sorted(LIKELIHOOD_OPTIONS))
def test_every_sampler_runs_every_likelihood(sampler_name, likelihood_name):
    prior = diffsep.components.build_prior("gaussian")
    observation = _observation(prior)
    snapshot = (observation.mixture.clone(), observation.known["drums"].clone())
    likelihood = diffsep.components.build_likelihood(likelihood_name, observation, LIKELIHOOD_OPTIONS[likelihood_name])
    sampler = diffsep.components.build_sampler(sampler_name, SAMPLER_OPTIONS[sampler_name])
    sigmas = karras_sigmas(6, 1e-3, 1.0)

    def run(seed):
        start = torch.randn(B, 4, T, generator=torch.Generator().manual_seed(99))
        start_copy = start.clone()
        noise = NoiseSampler.like(start, seed)
        out = sampler(Posterior(prior, likelihood), start, sigmas, noise)
        assert torch.equal(start, start_copy), "a sampler wrote into its input"
        return out

    out = run(3)
    assert out.shape == (B, 4, T) and out.dtype == torch.float32 and out.device.type == "cpu"
    assert torch.isfinite(out).all()
    assert torch.equal(out, run(3)), "not deterministic under a seed"
    if SAMPLER_OPTIONS[sampler_name]:  # the stochastic samplers (dpmpp-2m is deterministic given its start)
        assert not torch.equal(out, run(4)), "the seed is ignored"
    assert torch.equal(observation.mixture, snapshot[0]) and torch.equal(observation.known["drums"], snapshot[1])
