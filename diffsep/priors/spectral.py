"""A joint prior whose denoiser works on the stems' STFT: ``spectral``.

``D(x; sigma)`` keeps MSDM's interface (noisy stems ``[B, S, T]`` and sigma in, denoised stems
out), so every likelihood and sampler applies unchanged; inside, each noisy stem's STFT is
multiplied by a complex mask, one per stem, bin and frame, and brought back to a waveform:

    D(x; sigma) = iSTFT( M(|STFT(c_in x)|, sigma) * STFT(x) )

The masks see the log-magnitude spectra of all stems at once (a projection of each frame, then
an LSTM over frames in both directions, as Open-Unmix and the mask network of
:mod:`diffsep.masknet`), so the prior is joint as MSDM's is; ``sigma`` enters as a feature-wise
scale and shift of the projection (FiLM). A mask's magnitude is at most one: the denoiser can
only take away, per bin, what the noisy stems hold, which is what removes noise at every level and
costs a frame-wise network little. Nothing else enters: the denoiser is unconditional, as the
paper's.

A mask that sees only magnitudes cannot generate a tone: started from noise, every bin keeps the
noise's phase, turned by an amount that does not depend on it, so consecutive frames never agree
and the result is noise shaped like notes. The ``phase`` sizes add a local pathway: for each stem,
bin and frame, a small convolution over neighbouring bins and frames sees the phase advance since
the previous frame (less the bin's own, so a steady tone reads zero) beside the frame network's
features for that bin, and makes the mask; it can turn each bin's phase to agree with its frames.

The network sizes, by name, are :data:`NETWORK_SIZES`; ``c_in`` is EDM's ``1 / sqrt(sigma^2 + sd^2)``.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from diffsep.errors import DiffsepError
from diffsep.priors.edm import Preconditioning
from diffsep.priors.unet import MSDMPrior
from diffsep.tensors import per_item
from diffsep.types import Sigma

NETWORK_SIZES: dict[str, dict[str, Any]] = {
    "small": dict(n_fft=1024, hop=256, hidden=384, layers=2, embedding=64),
    "large": dict(n_fft=1024, hop=256, hidden=512, layers=3, embedding=64),
    "tiny": dict(n_fft=256, hop=64, hidden=32, layers=1, embedding=8),
    "small-phase": dict(n_fft=1024, hop=256, hidden=384, layers=2, embedding=64, local=16, rank=4),
    "tiny-phase": dict(n_fft=256, hop=64, hidden=32, layers=1, embedding=8, local=4, rank=2),
}
"""Network sizes: ``small`` (4.6 M parameters with four stems) trains on two CPU cores; ``-phase``
adds the local pathway (``local`` channels, ``rank`` features per bin from the frame network)."""


def network_config(size: str, in_channels: int) -> dict[str, Any]:
    """The full network description of ``size`` for ``in_channels`` stems."""
    if size not in NETWORK_SIZES:
        raise DiffsepError(f"unknown spectral network size {size!r}; choose one of {', '.join(NETWORK_SIZES)} (--network)")
    return {"in_channels": in_channels, **NETWORK_SIZES[size]}


class NoiseEmbedding(nn.Module):
    """``c_noise [B] -> [B, features]``: random Fourier features of the level, then an MLP."""

    def __init__(self, features: int) -> None:
        super().__init__()
        self.register_buffer("frequencies", torch.randn(features // 2, generator=torch.Generator().manual_seed(0)) * 4)
        self.mlp = nn.Sequential(nn.Linear(features, features), nn.SiLU())

    def forward(self, c_noise: Tensor) -> Tensor:
        angles = 2 * math.pi * c_noise[:, None] * self.frequencies
        return self.mlp(torch.cat([angles.cos(), angles.sin()], -1))


class LocalPathway(nn.Module):
    """Per stem, a correction to the frame network's mask ``[B, S, F, N, 2]`` (real and imaginary
    parts): a 3 x 3 convolution over bins and frames of that mask, ``rank`` more features per bin
    from the frame network, the phase advance and the log magnitude. Its output layer starts at
    zero, so a network grown from one without the pathway starts as that network."""

    def __init__(self, rank: int, channels: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(2 + rank + 3, channels, 3, padding=1), nn.SiLU(), nn.Conv2d(channels, 2, 1))
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, mask: Tensor, features: Tensor, local: Tensor) -> Tensor:
        batch, stems, bins, frames, _ = mask.shape
        inputs = torch.cat([mask, features, local.to(mask.dtype)], -1).flatten(0, 1).permute(0, 3, 1, 2)
        return mask + self.net(inputs).permute(0, 2, 3, 1).reshape(batch, stems, bins, frames, 2)


class SpectralDenoiser(nn.Module):
    """``forward(x, sigma) = D(x; sigma)`` for stems ``[B, S, T]`` (see the module's text).

    Args:
        config: ``in_channels`` (stems), ``n_fft`` and ``hop`` (a Hann window), ``hidden`` (width of
            the projection and of the LSTM's two directions together), ``layers`` (LSTM layers),
            ``embedding`` (width of the noise level's features); optional ``local`` and ``rank``: the
            local pathway's channels and the frame network's features per bin (absent: no pathway).
        sigma_data: the data's standard deviation in ``c_in``.
        clamp: unused (the masks bound D already); kept so every learned prior reads alike.
    """

    def __init__(self, config: dict[str, Any], sigma_data: float = 0.2, clamp: bool = False) -> None:
        super().__init__()
        self.config = dict(config)
        stems, n_fft, hidden = config["in_channels"], config["n_fft"], config["hidden"]
        self.stems, self.n_fft, self.hop, self.bins = stems, n_fft, config["hop"], n_fft // 2 + 1
        self.preconditioning = Preconditioning(sigma_data)
        self.clamp = clamp
        window = torch.hann_window(n_fft)
        self.register_buffer("window", window, persistent=False)
        self.norm = float(window.square().sum().sqrt())  # unit-variance white noise -> unit power per bin
        self.scale = nn.Parameter(torch.ones(stems * self.bins))
        self.shift = nn.Parameter(torch.zeros(stems * self.bins))
        self.project = nn.Linear(stems * self.bins, hidden)
        self.project_norm = nn.LayerNorm(hidden, elementwise_affine=False)
        self.noise = NoiseEmbedding(config["embedding"])
        self.film = nn.Linear(config["embedding"], 2 * hidden)
        self.rnn = nn.LSTM(hidden, hidden // 2, config["layers"], batch_first=True, bidirectional=True)
        self.head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.LayerNorm(hidden), nn.ReLU(),
                                  nn.Linear(hidden, stems * self.bins * 2))
        self.local = None
        if config.get("local"):
            self.rank = config["rank"]
            self.detail = nn.Linear(hidden, stems * self.bins * self.rank)
            self.local = LocalPathway(self.rank, config["local"])
        advance = 2 * math.pi * torch.arange(self.bins) * self.hop / n_fft
        self.register_buffer("advance", torch.polar(torch.ones(self.bins), -advance)[:, None], persistent=False)

    def spectrum(self, x: Tensor) -> Tensor:
        """STFT ``[B, S, F, N]`` of ``[B, S, T]``, scaled so white noise has its variance per bin."""
        flat = x.reshape(-1, x.shape[-1])
        spec = torch.stft(flat, self.n_fft, self.hop, window=self.window, return_complex=True) / self.norm
        return spec.reshape(*x.shape[:2], *spec.shape[-2:])

    def waveform(self, spec: Tensor, length: int) -> Tensor:
        """The inverse of :meth:`spectrum`."""
        flat = torch.istft(spec.flatten(0, 1) * self.norm, self.n_fft, self.hop, window=self.window, length=length)
        return flat.reshape(*spec.shape[:2], length)

    def masks(self, spec: Tensor, c_noise: Tensor) -> Tensor:
        """Complex masks ``[B, S, F, N]`` of magnitude below one, for noisy spectra ``spec`` (in c_in units)."""
        batch, _, _, frames = spec.shape
        log_magnitude = spec.abs().add(1e-3).log()
        features = log_magnitude.permute(0, 3, 1, 2).reshape(batch, frames, -1) * self.scale + self.shift
        gain, bias = self.film(self.noise(c_noise))[:, None].chunk(2, -1)
        projected = torch.tanh(self.project_norm(self.project(features)) * (1 + gain) + bias)
        context, _ = self.rnn(projected)
        hidden = self.head[:-1](torch.cat([projected, context], -1))
        raw = self.per_bin(self.head[-1](hidden), 2)
        if self.local is not None:
            local = torch.cat([self.phase_advance(spec), log_magnitude[..., None]], -1)
            raw = self.local(raw, self.per_bin(self.detail(hidden), self.rank), local)
        mask = torch.view_as_complex(raw.float().contiguous())
        magnitude = mask.abs()
        return mask * (torch.tanh(magnitude) / magnitude.clamp_min(1e-8))

    def per_bin(self, frames: Tensor, features: int) -> Tensor:
        """``[B, N, S * F * features] -> [B, S, F, N, features]``."""
        batch, count, _ = frames.shape
        return frames.reshape(batch, count, self.stems, self.bins, features).permute(0, 2, 3, 1, 4)

    def phase_advance(self, spec: Tensor) -> Tensor:
        """``[B, S, F, N, 2]``: cos and sin of each bin's phase change since the previous frame, less
        the change a steady tone at the bin's centre makes (zero before the first frame)."""
        turn = spec[..., 1:] * spec[..., :-1].conj() * self.advance
        unit = torch.view_as_real(turn / turn.abs().clamp_min(1e-8))
        return nn.functional.pad(unit, (0, 0, 1, 0))

    def forward(self, x: Tensor, sigma: Sigma) -> Tensor:
        sigma = per_item(sigma, x)
        _, _, c_in, c_noise = self.preconditioning.scalings(sigma, x)
        length = x.shape[-1]
        padded = nn.functional.pad(x, (0, max(0, self.n_fft - length)))  # the STFT's reflection needs a frame
        spec = self.spectrum(padded)
        masks = self.masks(spec * c_in[..., None], c_noise)
        return self.waveform(masks * spec, padded.shape[-1])[..., :length]


class SpectralPrior(MSDMPrior):
    """MSDM's joint prior with a :class:`SpectralDenoiser` for its network (``--prior spectral``)."""

    kind = "spectral"

    def length_multiple(self) -> int:
        return 1  # the STFT takes any length
