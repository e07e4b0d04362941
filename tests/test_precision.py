"""--precision auto: bf16 for a network on a CPU with bf16 instructions, fp32 everywhere else."""

import pytest
import torch

from diffsep.errors import DiffsepError
from diffsep.components import build_prior
from diffsep.separation.settings import resolve as settings_for
from diffsep.separation.precision import autocast, native_bf16, resolve


@pytest.mark.parametrize("has_bf16", [True, False])
def test_auto_is_bf16_only_for_a_network_on_a_cpu_with_bf16_instructions(monkeypatch, has_bf16):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: has_bf16, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert native_bf16("cpu") is has_bf16
    assert resolve("auto", "cpu", network=True) == ("bf16" if has_bf16 else "fp32")
    assert resolve("auto", "cpu", network=False) == "fp32"  # the Gaussian prior: nothing to gain, exact oracles kept
    assert resolve("auto", "cuda", network=True) == "fp32"  # not measured on a GPU yet
    assert resolve("fp16", "cpu", network=False) == "fp16"  # an explicit choice is kept


def test_auto_must_be_resolved_and_unknown_precisions_are_refused():
    with pytest.raises(ValueError, match="resolve"):
        autocast("cpu", "auto")
    with pytest.raises(DiffsepError, match="--precision is one of auto, fp32, bf16, fp16, not 'fp8'"):
        resolve("fp8", "cpu", network=True)


def test_the_settings_resolve_auto_for_their_own_prior():
    assert settings_for(build_prior("gaussian")).precision == "fp32"
    assert settings_for(build_prior("msdm")).precision == ("bf16" if native_bf16("cpu") else "fp32")
