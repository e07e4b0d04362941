"""Convert the public MSDM PyTorch Lightning checkpoints to diffsep's safetensors priors.

Those files are pickles. They are read with PyTorch's weights-only unpickler and an explicit
allow-list (tensors, containers, audio-diffusion-pytorch's ``LogNormalDistribution``): any other
global, such as a function a malicious file asks to call, is refused before it can run.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Sequence

import torch

from diffsep.errors import DiffsepError
from diffsep.priors import learned_io
from diffsep.priors.unet import LearnedPrior

PREFIXES = ("model.unet.", "model.diffusion.net.")


def _allowed_globals() -> list[Any]:
    from audio_diffusion_pytorch.diffusion import LogNormalDistribution

    return [LogNormalDistribution]


def read_lightning(path: Path) -> dict[str, Any]:
    """The checkpoint's contents, unpickled safely; a clear error for anything else."""
    if not path.is_file():
        raise DiffsepError(f"checkpoint {str(path)!r} does not exist")
    try:
        with torch.serialization.safe_globals(_allowed_globals()):
            content = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as error:  # UnpicklingError for refused globals, others for broken files
        raise DiffsepError(
            f"refused to load {str(path)!r}: it is not a plain Lightning checkpoint of tensors and "
            f"hyper-parameters ({type(error).__name__}: {str(error).splitlines()[0]})"
        ) from error
    if not isinstance(content, dict) or "state_dict" not in content:
        raise DiffsepError(f"{str(path)!r} has no 'state_dict': not a Lightning checkpoint")
    return content


def unet_weights(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The ``UNet1d`` tensors, from ``model.unet.*`` (or their copy ``model.diffusion.net.*``)."""
    for prefix in PREFIXES:
        found = {key[len(prefix):]: value for key, value in state_dict.items() if key.startswith(prefix)}
        if found:
            return found
    raise DiffsepError(f"no tensors under {' or '.join(PREFIXES)}: not an MSDM checkpoint")


def unet_config(hyper: dict[str, Any], weights: dict[str, torch.Tensor]) -> dict[str, Any]:
    """``UNet1d`` keyword arguments from the checkpoint's hyper-parameters."""
    from audio_diffusion_pytorch import UNet1d
    from audio_diffusion_pytorch.model import get_default_model_kwargs

    names = set(inspect.signature(UNet1d.__init__).parameters) - {"self"}
    merged = {**get_default_model_kwargs(), **hyper}  # AudioDiffusionModel's defaults, then the run's
    config = {key: value for key, value in merged.items() if key in names}
    if "in_channels" not in config:
        config["in_channels"] = int(weights["to_in.0.block.0.weight"].shape[1]) if "to_in.0.block.0.weight" in weights else None
    if config.get("in_channels") is None:
        raise DiffsepError("the checkpoint does not say its number of input channels")
    return config


def convert(paths: Sequence[Path], stems: Sequence[str], sample_rate: int, clamp: bool = False) -> LearnedPrior:
    """One file -> an ``msdm`` prior; one single-stem file per stem -> a ``weak`` prior."""
    contents = [read_lightning(Path(p)) for p in paths]
    weights = [unet_weights(c["state_dict"]) for c in contents]
    hypers = [dict(c.get("hyper_parameters") or {}) for c in contents]
    configs = [unet_config(h, w) for h, w in zip(hypers, weights)]
    sigma_data = float(hypers[0].get("diffusion_sigma_data", 0.2))
    if len(paths) == 1:
        prior = learned_io.build("msdm", stems, sample_rate, configs[0], sigma_data, clamp)
        networks = [prior.denoiser]
    elif len(paths) == len(stems):
        prior = learned_io.build("weak", stems, sample_rate, configs[0], sigma_data, clamp)
        networks = list(prior.denoisers)
    else:
        raise DiffsepError(f"give one checkpoint (msdm) or one per stem ({len(stems)}, weak), not {len(paths)}")
    for network, config, tensors, path in zip(networks, configs, weights, paths):
        if config["in_channels"] != network.config["in_channels"]:
            raise DiffsepError(f"{str(path)!r} has {config['in_channels']} input channels; the stems given need {network.config['in_channels']}")
        try:
            network.net.load_state_dict(tensors)
        except RuntimeError as error:
            raise DiffsepError(f"{str(path)!r} does not fit its own configuration: {str(error).splitlines()[0]}") from error
    return prior.eval()
