import pytest
import torch

from diffsep.errors import DiffsepError
from diffsep.samplers.schedules import karras_sigmas


def test_karras_endpoints_dtype_and_final_zero():
    sigmas = karras_sigmas(10, 1e-4, 1.0, 7.0)
    assert sigmas.dtype == torch.float64
    assert sigmas.shape == (11,)
    assert sigmas[0] == pytest.approx(1.0) and sigmas[-2] == pytest.approx(1e-4) and sigmas[-1] == 0
    assert torch.all(sigmas[1:] < sigmas[:-1])


def test_karras_matches_equation_5():
    steps, lo, hi, rho = 7, 0.002, 80.0, 7.0
    i = torch.arange(steps, dtype=torch.float64)
    expected = (hi ** (1 / rho) + i / (steps - 1) * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho
    torch.testing.assert_close(karras_sigmas(steps, lo, hi, rho)[:-1], expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("kwargs", [dict(steps=0), dict(steps=5, sigma_min=2.0, sigma_max=1.0), dict(steps=5, rho=0)])
def test_bad_schedules_are_user_errors(kwargs):
    with pytest.raises(DiffsepError):
        karras_sigmas(**kwargs)
