"""The mask network: Open-Unmix's shape (Stoter et al., 2019) for several stems at once.

Each frame's log-magnitude spectrum (the mixture scaled to unit RMS, so any level separates
alike) is projected, read in both directions by an LSTM over time, and mapped to one mask per
stem and bin; a softmax over the stems makes the masks add up to one, so the stems (masks times
the mixture's STFT, back to waveforms) add up to the mixture. A bag of such networks
(:class:`~diffsep.masknet.bag.Bag`) averages their masks, which then add up to one as well.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn


class MaskSeparator(nn.Module):
    """``mixture [B, T] -> stems [B, S, T]`` at ``sample_rate``: each stem is a mask (from
    :meth:`masks`, which a subclass defines) times the mixture's STFT.

    Args:
        stems: stem names, in output order.
        sample_rate: the rate it separates at (Hz).
        n_fft, hop: its STFT (a Hann window).
    """

    def __init__(self, stems: Sequence[str], sample_rate: int, n_fft: int, hop: int) -> None:
        super().__init__()
        self.stems, self.sample_rate = list(stems), sample_rate
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    def masks(self, spec: Tensor) -> Tensor:
        """Masks ``[B, S, F, N]`` (non-negative, adding up to one over S) for the mixture's STFT ``[B, F, N]``."""
        raise NotImplementedError

    def spectrum(self, signal: Tensor) -> Tensor:
        """The STFT ``[..., F, N]`` of ``signal`` ``[..., T]``."""
        flat = signal.reshape(-1, signal.shape[-1])
        spec = torch.stft(flat, self.n_fft, self.hop, window=self.window, return_complex=True)
        return spec.reshape(*signal.shape[:-1], *spec.shape[-2:])

    def estimate(self, spec: Tensor) -> Tensor:
        """The stems' STFTs ``[B, S, F, N]``: each mask times the mixture's STFT ``[B, F, N]``."""
        return self.masks(spec) * spec[:, None]

    def forward(self, mixture: Tensor) -> Tensor:
        length = mixture.shape[-1]
        padded = torch.nn.functional.pad(mixture, (0, max(0, self.n_fft - length)))  # the STFT's reflection needs a frame
        stems = self.estimate(self.spectrum(padded))
        waves = torch.istft(stems.flatten(0, 1), self.n_fft, self.hop, window=self.window, length=padded.shape[-1])
        return waves.reshape(mixture.shape[0], len(self.stems), -1)[..., :length]


class MaskNet(MaskSeparator):
    """Open-Unmix's shape for several stems: :class:`MaskSeparator` with masks from an LSTM.

    Args:
        stems, sample_rate, n_fft, hop: as :class:`MaskSeparator`'s.
        hidden: width of the projection and of the two LSTM directions together.
        layers: LSTM layers.
    """

    def __init__(self, stems: Sequence[str], sample_rate: int, n_fft: int = 1024, hop: int = 256, hidden: int = 256,
                 layers: int = 2) -> None:
        super().__init__(stems, sample_rate, n_fft, hop)
        self.config = {"n_fft": n_fft, "hop": hop, "hidden": hidden, "layers": layers}
        bins = n_fft // 2 + 1
        self.scale = nn.Parameter(torch.ones(bins))
        self.shift = nn.Parameter(torch.zeros(bins))
        self.inp = nn.Sequential(nn.Linear(bins, hidden), nn.LayerNorm(hidden), nn.Tanh())
        self.rnn = nn.LSTM(hidden, hidden // 2, layers, batch_first=True, bidirectional=True, dropout=0.2 if layers > 1 else 0.0)
        self.out = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.LayerNorm(hidden), nn.ReLU(),
                                 nn.Linear(hidden, len(self.stems) * bins))

    def masks(self, spec: Tensor) -> Tensor:
        return self.masks_of(self.features(spec))

    def features(self, spec: Tensor) -> Tensor:
        """Each frame's log-magnitude spectrum ``[B, N, F]`` of the mixture's STFT ``[B, F, N]``, at unit RMS."""
        magnitude = spec.abs()
        level = magnitude.square().mean((1, 2), keepdim=True).sqrt() + 1e-8
        return torch.log1p(magnitude / level).transpose(1, 2) * self.scale + self.shift

    def masks_of(self, features: Tensor, offset: Tensor | float = 0.0) -> Tensor:
        """Masks ``[B, S, F, N]`` from frames of ``features`` ``[B, N, ...]``: the softmax over the
        stems of the network's logits plus ``offset`` (``[B, N, S, F]``)."""
        projected = self.inp(features)
        context, _ = self.rnn(projected)
        logits = self.out(torch.cat([projected, context], -1)).reshape(*features.shape[:2], len(self.stems), -1)
        return (logits + offset).softmax(2).permute(0, 2, 3, 1)
