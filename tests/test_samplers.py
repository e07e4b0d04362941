"""Sampler options: churn window, callback, corrector repeats, initial noise."""

import pytest
import torch
from helpers import correlated_prior

import diffsep
from diffsep.errors import DiffsepError
from diffsep.samplers import Euler, Heun

T = 256


@pytest.fixture(scope="module")
def mixture():
    return correlated_prior().sample(1, T, [torch.Generator().manual_seed(0)]).sum(1)


def _run(mixture, sampler, **kwargs):
    return diffsep.separate(mixture, correlated_prior(), "dirac", sampler, steps=40, seed=1, **kwargs)


def test_churn_outside_its_window_is_no_churn(mixture):
    plain = _run(mixture, Euler())
    torch.testing.assert_close(_run(mixture, Euler(s_churn=20.0, s_tmax=1e-6)), plain, atol=0, rtol=0)
    torch.testing.assert_close(_run(mixture, Euler(s_churn=20.0, s_tmin=10.0)), plain, atol=0, rtol=0)
    assert not torch.equal(_run(mixture, Euler(s_churn=20.0)), plain)


def test_s_noise_zero_keeps_churn_deterministic(mixture):
    # With s_noise = 0 the churn raises sigma_hat but adds no noise: two seeds agree.
    first = diffsep.separate(mixture, correlated_prior(), "dirac", Euler(s_churn=20.0, s_noise=0.0), steps=40, seed=1,
                             initial_noise=torch.zeros(1, 4, T))
    second = diffsep.separate(mixture, correlated_prior(), "dirac", Euler(s_churn=20.0, s_noise=0.0), steps=40, seed=2,
                              initial_noise=torch.zeros(1, 4, T))
    torch.testing.assert_close(first, second, atol=0, rtol=0)


@pytest.mark.parametrize("sampler_class", [Euler, Heun])
def test_callback_sees_every_update(mixture, sampler_class):
    seen = []
    _run(mixture, sampler_class(s_churn=20.0, corrector_steps=3), callback=seen.append)
    assert len(seen) == 40 * 3
    assert [step.i for step in seen[:4]] == [0, 0, 0, 1]
    assert seen[0].sigma == pytest.approx(1.0) and seen[0].sigma_hat == pytest.approx(1.0 + min(20.0 / 40, 2**0.5 - 1))
    assert seen[-1].x.shape == (1, 4, T) and seen[-1].denoised.shape == (1, 4, T)


def test_initial_noise_is_used(mixture):
    noise = torch.randn(1, 4, T, generator=torch.Generator().manual_seed(5))
    a = _run(mixture, Euler(), initial_noise=noise)
    b = _run(mixture, Euler(), initial_noise=noise.flip(-1))
    assert not torch.equal(a, b)
    with pytest.raises(DiffsepError, match="initial noise"):
        _run(mixture, Euler(), initial_noise=torch.zeros(1, 3, T))


def test_bad_sampler_options_are_user_errors():
    with pytest.raises(DiffsepError):
        Euler(corrector_steps=0)
    with pytest.raises(DiffsepError):
        Heun(s_churn=-1.0)


def test_separate_rejects_nan_mixtures():
    with pytest.raises(DiffsepError, match="NaN"):
        diffsep.separate(torch.full((1, 64), float("nan")), correlated_prior(), steps=2)
