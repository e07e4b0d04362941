"""The network's precision at inference: fp32, or bf16/fp16 under autocast (CUDA or CPU)."""

from __future__ import annotations

import contextlib

import torch

from diffsep.errors import DiffsepError

PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def autocast(device: str, precision: str):
    """The network in ``precision`` (autocast; the sampler stays float32), or nothing for fp32."""
    if precision not in PRECISIONS:
        raise DiffsepError(f"--precision is one of {', '.join(PRECISIONS)}, not {precision!r}")
    if PRECISIONS[precision] is None:
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=PRECISIONS[precision])
