"""Learned priors on audio-diffusion-pytorch 0.0.43's ``UNet1d``: MSDM's joint score network
over all stems (``msdm``) and one single-stem network per stem (``weak``)."""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor, nn

from diffsep.errors import DiffsepError
from diffsep.priors.edm import Preconditioning
from diffsep.priors.sizes import length_multiple
from diffsep.tensors import per_item
from diffsep.types import Sigma


class Denoiser(nn.Module):
    """``UNet1d`` with EDM preconditioning: ``forward(x, sigma) = D(x; sigma)``.

    Args:
        config: ``UNet1d`` keyword arguments (see :mod:`diffsep.priors.sizes`).
        sigma_data: data standard deviation of the preconditioning (MSDM: 0.2).
        clamp: clamp D to [-1, 1] as audio-diffusion-pytorch 0.0.43 does (off by default), in the
            network's units: audio times the prior's ``data_scale`` (so ``±1 / data_scale`` in audio).
    """

    def __init__(self, config: dict[str, Any], sigma_data: float = 0.2, clamp: bool = False) -> None:
        super().__init__()
        from audio_diffusion_pytorch import UNet1d

        self.config = dict(config)
        self.net = UNet1d(**config)
        self.preconditioning = Preconditioning(sigma_data)
        self.clamp = clamp

    def forward(self, x: Tensor, sigma: Sigma) -> Tensor:
        sigma = per_item(sigma, x)
        c_skip, c_out, c_in, c_noise = self.preconditioning.scalings(sigma, x)
        denoised = c_skip * x + c_out * self.net(c_in * x, c_noise)
        return denoised.clamp(-1.0, 1.0) if self.clamp else denoised


class LearnedPrior(nn.Module):
    """A prior made of ``Denoiser`` networks; ``denoise`` pads to the length they accept."""

    kind = "learned"

    level: float | None = None
    """RMS of the training mixtures (audio units): separate() brings each mixture to it."""

    chunk: int | None = None
    """Length of the training chunks (samples): the context the network knows. ``diffsep run``
    cuts segments of two chunks unless told otherwise (diffsep/separation/settings.py: the shipped prior gains
    0.7 dB on 30-s songs over 12-s segments)."""

    def __init__(self, stems: Sequence[str], sample_rate: int, data_scale: float = 1.0) -> None:
        super().__init__()
        self.stems = list(stems)
        self.sample_rate = int(sample_rate)
        self.data_scale = float(data_scale)

    @property
    def config(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def sigma_data(self) -> float:
        return self.networks()[0].preconditioning.sigma_data

    def networks(self) -> list[Denoiser]:
        raise NotImplementedError

    def length_multiple(self) -> int:
        """Signal lengths the networks accept are multiples of this."""
        return length_multiple(self.config)

    @torch.no_grad()
    def denoise(self, x: Tensor, sigma: Sigma) -> Tensor:
        """``D(x; sigma)`` for ``[B, S, T]``; T is padded with silence to the network's multiple.

        The networks work on audio times ``data_scale`` (as trained): ``x0 + sigma n`` becomes
        ``s x0 + (s sigma) n``, so D is exact in the caller's units.
        """
        if x.ndim != 3 or x.shape[1] != len(self.stems):
            raise DiffsepError(f"expected stems [B, {len(self.stems)}, T], got {list(x.shape)}")
        multiple = self.length_multiple()
        padded = nn.functional.pad(x * self.data_scale, (0, -x.shape[-1] % multiple))
        denoised = self(padded, per_item(sigma, x) * self.data_scale)
        return denoised[..., : x.shape[-1]] / self.data_scale


class MSDMPrior(LearnedPrior):
    """MSDM: one score network of the joint distribution of all stems (paper §4.1)."""

    kind = "msdm"

    def __init__(self, denoiser: Denoiser, stems: Sequence[str], sample_rate: int, data_scale: float = 1.0) -> None:
        super().__init__(stems, sample_rate, data_scale)
        if denoiser.config["in_channels"] != len(self.stems):
            raise DiffsepError(f"the network takes {denoiser.config['in_channels']} stems, not {len(self.stems)}")
        self.denoiser = denoiser

    @property
    def config(self) -> dict[str, Any]:
        return self.denoiser.config

    def networks(self) -> list[Denoiser]:
        return [self.denoiser]

    def forward(self, x: Tensor, sigma: Tensor) -> Tensor:
        return self.denoiser(x, sigma)


class WeakPrior(LearnedPrior):
    """Weakly supervised MSDM: independent single-stem networks, D concatenated (paper §4.1)."""

    kind = "weak"

    def __init__(self, denoisers: Sequence[Denoiser], stems: Sequence[str], sample_rate: int, data_scale: float = 1.0) -> None:
        super().__init__(stems, sample_rate, data_scale)
        if len(denoisers) != len(self.stems) or any(d.config["in_channels"] != 1 for d in denoisers):
            raise DiffsepError("a weak prior needs one single-stem network per stem")
        self.denoisers = nn.ModuleList(denoisers)

    @property
    def config(self) -> dict[str, Any]:
        return self.denoisers[0].config

    def networks(self) -> list[Denoiser]:
        return list(self.denoisers)

    def forward(self, x: Tensor, sigma: Tensor) -> Tensor:
        return torch.cat([net(x[:, n : n + 1], sigma) for n, net in enumerate(self.denoisers)], dim=1)
