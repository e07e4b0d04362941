"""The network's precision at inference: fp32, or bf16/fp16 under autocast (CUDA or CPU), or
``auto``: bf16 where the hardware computes it natively, else fp32."""

from __future__ import annotations

import contextlib

import torch

from diffsep.errors import DiffsepError

PRECISIONS = {"auto": None, "fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
NATIVE_BF16 = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
"""torch.cpu's probes of the instructions that make bf16 pay on a CPU (AVX512-BF16, AMX)."""


def checked(precision: str) -> str:
    if precision not in PRECISIONS:
        raise DiffsepError(f"--precision is one of {', '.join(PRECISIONS)}, not {precision!r}")
    return precision


def native_bf16(device: str) -> bool:
    """Whether ``device`` is a CPU with bf16 instructions (AVX512-BF16 or AMX)."""
    if torch.device(device).type != "cpu":
        return False
    return any(getattr(torch.cpu, probe, lambda: False)() for probe in NATIVE_BF16)


def resolve(precision: str, device: str, network: bool) -> str:
    """What ``precision`` means for a prior on ``device``: ``auto`` is bf16 for a network on a CPU
    with bf16 instructions (there: 1.4x faster at the same SI-SDRi, docs/results.md), else fp32
    (GPUs included: not yet measured)."""
    if checked(precision) != "auto":
        return precision
    return "bf16" if network and native_bf16(device) else "fp32"


def autocast(device: str, precision: str):
    """The network in ``precision`` (autocast; the sampler stays float32), or nothing for fp32;
    ``auto`` must be resolved first."""
    if checked(precision) == "auto":
        raise ValueError("resolve() the precision 'auto' before autocast()")
    dtype = PRECISIONS[precision]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)
