"""Mask networks in safetensors files: weights and what rebuilds them, no code executed."""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path
from typing import Any

import torch

from diffsep.errors import DiffsepError
from diffsep.masknet.network import MaskNet
from diffsep.priors import checkpoints

KIND = "masknet"

SHIPPED = "masknet-timbres23.safetensors"
"""The mask network ``--init masknet`` (and so ``fast``) starts from: trained on the songs of
``timbres23`` (docs/data.md: four General MIDI SoundFonts, freepats, 14 recorded drum kits) at
11025 Hz; docs/experiments/2026-12-02-a-mask-network-as-the-start.md, says how and how well."""


def save(net: MaskNet, path: str | Path, dtype: torch.dtype = torch.float32, **extra: Any) -> Path:
    """Write ``net``'s weights (stored as ``dtype``) with its stems, rate and shape; ``extra``
    (its training's lineage) goes into the metadata."""
    tensors = {name: value.to(dtype) for name, value in net.state_dict().items()}
    metadata = {"kind": KIND, "stems": net.stems, "sample_rate": net.sample_rate, "network": net.config, **extra}
    return checkpoints.save(path, tensors, metadata)


def load(path: str | Path, device: str = "cpu") -> MaskNet:
    """The mask network of a file :func:`save` wrote, in float32 and eval mode."""
    tensors, metadata = checkpoints.load(path, device)
    if metadata.get("kind") != KIND:
        raise DiffsepError(f"{str(path)!r} holds a {metadata.get('kind')!r} model, not a mask network "
                           "(train one with `diffsep train-masknet`)")
    net = MaskNet(metadata["stems"], metadata["sample_rate"], **metadata["network"])
    return checkpoints.restore(net, tensors, path).to(device)


@functools.lru_cache(maxsize=1)
def shipped() -> MaskNet:
    """The shipped mask network (:data:`SHIPPED`)."""
    return load(str(files("diffsep.assets").joinpath(SHIPPED)))
