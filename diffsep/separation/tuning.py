"""How far a song's pitches sit from the tempered grid on A = 440 Hz, and the band-limited
resampling that moves a song onto the grid and its stems back.

Networks trained on SoundFonts, whose notes sit on that grid, hear instruments partly by where
their partials fall; a band tuned by ear or to another A, or a recording played back at another
speed, is off it (docs/experiments/2026-12-07-songs-off-a-440-hz.md). A song read ``c`` cents
sharp and resampled to ``length * 2 ** (c / 1200)`` samples, at its own rate, plays ``c`` cents
lower (and that much slower); resampling the stems back to ``length`` undoes it exactly, both
maps being one truncation or zero-padding of the spectrum.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

LOUD = 0.05
"""A peak counts if it is within 26 dB of its frame's loudest bin."""
BAND_HZ = (60.0, 2000.0)
"""The peaks' band: below it hum and the lowest partials' coarse bins, above it stretched partials."""


def grid_offset(mixture: Tensor, rate: int, n_fft: int = 4096, hop: int = 1024) -> float:
    """The offset in cents (-50 to 50) of the pitches of ``mixture`` ``[T]`` from the tempered grid.

    Each spectral peak's frequency is refined by a parabola through the log magnitudes of its bin
    and its neighbours; its offset from the nearest semitone, 100 cents a turn, is an angle, and the
    angle of the magnitude-weighted sum of those turns is the grid's offset (a circular mean: a
    note 51 cents flat is 49 cents sharp of the semitone below, and counts so).
    """
    window = torch.hann_window(n_fft, dtype=torch.float64)
    magnitude = torch.stft(mixture.double(), n_fft, hop, window=window, return_complex=True).abs()
    log = magnitude.clamp_min(1e-10).log()
    below, centre, above = log[:-2], log[1:-1], log[2:]
    shift = 0.5 * (below - above) / (below - 2 * centre + above).clamp_max(-1e-9)
    hz = (torch.arange(1, magnitude.shape[0] - 1, dtype=torch.float64)[:, None] + shift) * rate / n_fft
    loud = magnitude[1:-1] > magnitude[1:-1].amax(0, keepdim=True) * LOUD
    peaks = (centre > below) & (centre > above) & loud & (hz > BAND_HZ[0]) & (hz < BAND_HZ[1])
    turns = torch.polar(magnitude[1:-1][peaks], 2 * math.pi * 12 * torch.log2(hz[peaks] / 440.0))
    return float(turns.sum().angle()) * 100 / (2 * math.pi)


def resampled(signal: Tensor, size: int) -> Tensor:
    """``signal`` ``[..., T]`` band-limited to ``[..., size]`` samples through the FFT: played at its
    own rate, ``T / size`` times as high. Resampling back to ``T`` undoes it (below the lower
    of the two bands)."""
    spectrum = torch.fft.rfft(signal, dim=-1)
    bins = size // 2 + 1
    kept = spectrum[..., :bins] if bins <= spectrum.shape[-1] else torch.nn.functional.pad(spectrum, (0, bins - spectrum.shape[-1]))
    return torch.fft.irfft(kept, n=size, dim=-1) * (size / signal.shape[-1])
