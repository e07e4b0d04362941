"""Check 3: imputation (replacement) against the closed-form conditional of a Gaussian prior."""

import pytest
import torch
from helpers import correlated_prior, noiseless_run, relative

import diffsep
from diffsep.likelihoods import Impute
from diffsep.samplers import Euler
from diffsep.samplers.noise import generators

T = 512
KNOWN = (1, 3)  # drums and piano given
FREE = [0, 2]


@pytest.fixture(scope="module")
def truth():
    prior = correlated_prior()
    return prior, prior.sample(1, T, generators(1, 11))


def test_known_stems_come_back_bit_exact(truth):
    prior, stems = truth
    known = {"drums": stems[:, 1].expand(8, T), "piano": stems[:, 3].expand(8, T)}
    out = diffsep.impute(known, prior, steps=20, seed=0)
    assert torch.equal(out[:, 1], known["drums"]) and torch.equal(out[:, 3], known["piano"])
    assert out.shape == (8, 4, T)


def test_independent_stems_are_imputed_from_their_prior(truth):
    # With a diagonal prior the known stems say nothing about the others: replacement is then
    # exact and the imputed stems are plain prior draws: the prior's variance, uncorrelated
    # with the known stems.
    prior, stems = truth
    weak = prior.weakened()
    known = {"drums": stems[:, 1].expand(64, T), "piano": stems[:, 3].expand(64, T)}
    out = diffsep.impute(known, weak, "heun", steps=32, sigma_min=0.002, sigma_max=80.0, seed=1)
    expected = torch.diagonal(weak.spectra_for(T), dim1=-2, dim2=-1).real.mean(0)  # per-sample variance, ~flat grid
    for n in FREE:
        assert float(out[:, n].var()) == pytest.approx(float(expected[n]), rel=0.1)
        for k in KNOWN:
            correlation = torch.corrcoef(torch.stack([out[:, n].flatten(), out[:, k].flatten()]))[0, 1]
            assert abs(float(correlation)) < 0.05


def test_imputed_mean_moves_toward_the_conditional_mean(truth):
    # Replacement (Song et al. 2021) is not exact for dependent stems: the noise put on the known
    # stems is independent of the state's, so the conditional is reached only as R grows. The
    # bias is measured by benchmarks/posterior_bias.py.
    prior, stems = truth
    target = prior.conditional_mean(stems[:, list(KNOWN)], KNOWN)[:, FREE]
    likelihood = Impute(stems[:, list(KNOWN)], KNOWN)
    errors = [
        relative(noiseless_run(prior, likelihood, Euler(s_churn=20.0, corrector_steps=r), (1, 4, T))[:, FREE], target)
        for r in (1, 3, 10)
    ]
    assert 1.0 > errors[0] > errors[1] > errors[2]
