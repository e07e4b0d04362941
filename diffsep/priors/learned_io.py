"""Build, save and load learned priors: one safetensors file, JSON metadata, no code."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch

from diffsep.errors import DiffsepError
from diffsep.priors import checkpoints
from diffsep.priors.sizes import network_config
from diffsep.priors.spectral import SpectralDenoiser, SpectralPrior
from diffsep.priors.spectral import network_config as spectral_config
from diffsep.priors.unet import Denoiser, LearnedPrior, MSDMPrior, WeakPrior

KINDS = ("msdm", "weak", "spectral")


def build(kind: str, stems: Sequence[str], sample_rate: int, config: dict[str, Any], sigma_data: float = 0.2,
          clamp: bool = False, data_scale: float = 1.0) -> LearnedPrior:
    """A freshly initialised prior of ``kind`` from a full ``UNet1d`` config (its
    ``in_channels`` is set from the stems: all of them for msdm, one per network for weak)."""
    if kind == "msdm":
        return MSDMPrior(Denoiser({**config, "in_channels": len(stems)}, sigma_data, clamp), stems, sample_rate, data_scale)
    if kind == "spectral":
        return SpectralPrior(SpectralDenoiser({**config, "in_channels": len(stems)}, sigma_data, clamp), stems, sample_rate, data_scale)
    if kind == "weak":
        denoisers = [Denoiser({**config, "in_channels": 1}, sigma_data, clamp) for _ in stems]
        return WeakPrior(denoisers, stems, sample_rate, data_scale)
    raise DiffsepError(f"unknown learned prior kind {kind!r}; choose one of {', '.join(KINDS)}")


def from_size(kind: str, size: str, stems: Sequence[str], sample_rate: int, **kwargs: Any) -> LearnedPrior:
    """A freshly initialised prior of ``kind`` with the network size named ``size``."""
    sizes = spectral_config if kind == "spectral" else network_config
    return build(kind, stems, sample_rate, sizes(size, len(stems)), **kwargs)


def grow(path: str | Path, size: str) -> LearnedPrior:
    """The prior at ``path``, or, when ``size`` names another network size of its kind, that
    network with every tensor whose name and shape the checkpoint shares taken from it (the rest
    freshly initialised). A network grown by a new pathway whose output starts at zero (the spectral
    ``-phase`` sizes) starts as the checkpoint's."""
    tensors, metadata = checkpoints.load(path)
    if metadata.get("preset") == size:  # the stored key of the size's name
        return load(path)
    prior = from_size(metadata["kind"], size, metadata["stems"], metadata["sample_rate"],
                        sigma_data=metadata.get("sigma_data", 0.2), data_scale=metadata.get("data_scale", 1.0))
    own = prior.state_dict()
    shared = {name: value.float() for name, value in tensors.items() if name in own and own[name].shape == value.shape}
    if not shared:
        raise DiffsepError(f"{str(path)!r} shares no weights with a {metadata['kind']} network of size {size!r}")
    prior.load_state_dict(shared, strict=False)
    prior.level, prior.chunk = metadata.get("level"), metadata.get("chunk")
    return prior


def save(prior: LearnedPrior, path: str | Path, dtype: torch.dtype = torch.float32, **extra: Any) -> Path:
    """Write the weights (cast to ``dtype`` for storage) and everything needed to rebuild them."""
    from diffsep import __version__

    tensors = {name: value.to(dtype) for name, value in prior.state_dict().items()}
    metadata = {
        "kind": prior.kind,
        "stems": prior.stems,
        "sample_rate": prior.sample_rate,
        "network": prior.config,
        "sigma_data": prior.sigma_data,
        "data_scale": prior.data_scale,
        "level": prior.level,
        "chunk": prior.chunk,
        "clamp": prior.networks()[0].clamp,
        "dtype": str(dtype).removeprefix("torch."),
        "diffsep_version": __version__,
        **extra,
    }
    return checkpoints.save(path, tensors, metadata)


def load(path: str | Path, device: str = "cpu", clamp: bool | None = None) -> LearnedPrior:
    """A learned prior from a diffsep checkpoint, weights in float32 on ``device``."""
    tensors, metadata = checkpoints.load(path, device)
    return restore(tensors, metadata, path, clamp).to(device)


def restore(tensors: dict[str, torch.Tensor], metadata: dict[str, Any], path: str | Path, clamp: bool | None = None) -> LearnedPrior:
    """The learned prior a checkpoint's ``tensors`` and ``metadata`` describe (read from ``path``,
    named in errors), weights in float32, in eval mode."""
    if metadata.get("kind") not in KINDS:
        raise DiffsepError(f"{str(path)!r} holds a {metadata.get('kind')!r} prior, not a learned one ({', '.join(KINDS)})")
    prior = build(metadata["kind"], metadata["stems"], metadata["sample_rate"], metadata["network"],
                  metadata.get("sigma_data", 0.2), metadata.get("clamp", False) if clamp is None else clamp,
                  metadata.get("data_scale", 1.0))
    checkpoints.restore(prior, tensors, path)
    prior.level, prior.chunk = metadata.get("level"), metadata.get("chunk")
    return prior
