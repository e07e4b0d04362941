"""Cross-spectral matrices Sigma(f) of stationary stems: Welch estimates and resampling.

A spectrum is a complex ``[F, S, S]`` tensor on the real-FFT grid of ``n_fft = 2 (F - 1)``
points, Hermitian and positive semi-definite at every frequency, in units of variance per
sample: white noise of variance v has ``Sigma(f) = v I``.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import torch
from torch import Tensor

from diffsep.errors import DiffsepError


def welch(tracks: Iterable[Tensor], n_fft: int = 1024, hop: int | None = None) -> Tensor:
    """Welch estimate of Sigma(f) from stems ``[S, T]`` of one or more tracks (Hann window)."""
    hop = hop or n_fft // 2
    window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
    total, count = None, 0
    for stems in tracks:
        if stems.shape[-1] < n_fft:
            continue
        frames = stems.to(torch.float64).unfold(-1, n_fft, hop) * window  # [S, N, n_fft]
        spectra = torch.fft.rfft(frames, dim=-1).permute(1, 2, 0)  # [N, F, S]
        outer = spectra.unsqueeze(-1) * spectra.conj().unsqueeze(-2)  # [N, F, S, S]
        total = outer.sum(0) if total is None else total + outer.sum(0)
        count += frames.shape[1]
    if total is None:
        raise DiffsepError(f"no track is as long as n_fft={n_fft} samples: nothing to fit")
    return total / (count * window.square().sum())


def resample(spectra: Tensor, length: int) -> Tensor:
    """Sigma(f) linearly interpolated onto the real-FFT grid of ``length`` samples.

    A convex combination of PSD matrices is PSD, so the result stays a valid spectrum.
    """
    source = spectra.shape[0]
    if source == length // 2 + 1 and 2 * (source - 1) == length:
        return spectra
    position = torch.arange(length // 2 + 1, dtype=torch.float64) * (2 * (source - 1) / length)
    lower = position.floor().long().clamp(max=source - 1)
    upper = (lower + 1).clamp(max=source - 1)
    frac = (position - lower).to(spectra.real.dtype).reshape(-1, 1, 1)
    return spectra[lower] * (1 - frac) + spectra[upper] * frac


def demo_spectra(stems: Sequence[str], sample_rate: int, n_fft: int = 1024, correlation: float = 0.7) -> Tensor:
    """A hand-set, correlated band model of ``stems`` (one spectral band each).

    Stem n has a log-normal band around its own centre frequency and shares a common
    component with the others, seen through a per-stem delay: ``Sigma = P^1/2 C P^1/2`` with
    ``C_mn = rho e^{2 pi i f (tau_m - tau_n)} + (1 - rho) delta_mn``: an exact prior whose
    stems really are dependent, for tests and benchmarks of the joint-vs-weak claim.
    """
    freqs = torch.fft.rfftfreq(n_fft, d=1.0 / sample_rate).to(torch.float64).clamp(min=1.0)
    count = len(stems)
    centres = torch.logspace(math.log10(80.0), math.log10(3000.0), count, dtype=torch.float64)
    bands = torch.stack([torch.exp(-0.5 * (torch.log(freqs / c) / 0.6) ** 2) for c in centres], dim=-1)
    power = 0.01 * bands / bands.mean(0)  # each stem: variance 0.01 (std 0.1); the mix stays in [-1, 1]
    delays = torch.linspace(0.0, 2e-3, count, dtype=torch.float64)
    phase = torch.exp(2j * math.pi * freqs[:, None] * delays[None, :])  # [F, S]
    common = correlation * phase.unsqueeze(-1) * phase.conj().unsqueeze(-2)
    coherence = common + (1 - correlation) * torch.eye(count, dtype=torch.complex128)
    root = power.sqrt().to(torch.complex128)
    return root.unsqueeze(-1) * coherence * root.unsqueeze(-2)
