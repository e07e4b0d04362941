"""How far a song's pitches sit from the tempered grid on A = 440 Hz, and the band-limited
resampling that moves a song onto the grid and its stems back.

Networks trained on SoundFonts, whose notes sit on that grid, hear instruments partly by where
their partials fall; a band tuned by ear or to another A, or a recording played back at another
speed, is off it (docs/experiments/2026-12-07-songs-off-a-440-hz.md). A song read ``c`` cents
sharp and resampled to ``length * 2 ** (c / 1200)`` samples, at its own rate, plays ``c`` cents
lower (and that much slower); resampling the stems back to ``length`` undoes it exactly, both
maps being one truncation or zero-padding of the spectrum (:func:`resampled`: what the benchmarks
and the detune augmentation use). The engine reads a song's offset with :func:`read_offset` (:func:`song_offset`
over :func:`spans` of it) and moves the song with its own streamed resamplers
(:meth:`diffsep.separation.engine.Engine.offset`).
"""

from __future__ import annotations

import cmath
import math
from typing import Callable, Sequence

import torch
from torch import Tensor

from diffsep.io.audio import resample

HEAD_SECONDS = 30.0
"""A song's offset is read off 30 s of it (the engine reads them before the stream starts)."""
EXCERPTS = 6
"""A longer song is heard in this many excerpts spread over it (:func:`spans`), so that an intro of
drums alone or of silence does not decide it."""
DEAD_ZONE = 5.0
"""Offsets read within 5 cents of the grid are left alone: the estimator errs by about 2 cents, and
a correction by its error costs an in-tune song. On validation songs, the mask networks alone, a
dead zone of 3 cents cost the in-tune songs up to 0.15 dB, 5 at most 0.03 and 8 nothing, where 8
gave up 0.03-0.14 of 5's gain off the grid (docs/experiments/2026-12-07-the-tuning-correction-in-the-engine.md)."""
ANALYSIS_RATE = 11025
"""The rate the offset is read at, whatever the song's: its 4096-point frames resolve 2.7 Hz, and the
estimator was checked there (docs/experiments/2026-12-07-songs-off-a-440-hz.md)."""
LOUD = 0.05
"""A peak counts if it is within 26 dB of its frame's loudest bin."""
BAND_HZ = (60.0, 2000.0)
"""The peaks' band: below it hum and the lowest partials' coarse bins, above it stretched partials."""
WEIGHT = 0.5
"""Each peak counts by its magnitude to this power. The loudest partials lean sharp (or flat: a
harmonic series' 5th and 7th partials sit 14 and 31 cents below the grid); square roots let the
many quieter ones speak. On validation songs within +-20 cents the mean error fell from 2.39 to
2.16 cents and the in-tune songs' cost from up to 0.16 dB to at most 0.03 (docs/experiments/2026-12-07-the-tuning-correction-in-the-engine.md)."""

CONCENTRATION = 0.15
"""Below this concentration of the peaks' offsets (the length of their weighted mean turn, 0 to 1)
the song has no one tuning to read: a drum kit alone reads a random offset (12-42 cents on
validation songs' drum stems), white noise up to 10. The validation and test mixtures of every axis,
in tune and within +-20 cents, read 0.19 or more; 89 % of the validation songs' drum stems alone, below
0.15 (docs/experiments/2026-12-07-the-tuning-correction-in-the-engine.md)."""


def grid_offset(mixture: Tensor, rate: int, n_fft: int = 4096, hop: int = 1024) -> float:
    """The offset in cents (-50 to 50) of the pitches of ``mixture`` ``[T]`` from the tempered grid.

    Each spectral peak's frequency is refined by a parabola through the log magnitudes of its bin
    and its neighbours; its offset from the nearest semitone, 100 cents a turn, is an angle, and the
    angle of the sum of those turns, each weighted by its magnitude's square root (``WEIGHT``), is the
    grid's offset (a circular mean: a note 51 cents flat is 49 cents sharp of the semitone below,
    and counts so). A signal shorter than one frame (0.37 s at 11025 Hz) is too short to tell, and
    one whose offsets scatter (``CONCENTRATION``) has none to tell: 0.
    """
    return _offset(*_turns(mixture, rate, n_fft, hop))


def song_offset(excerpts: Sequence[Tensor], rate: int) -> float:
    """:func:`grid_offset` of a song heard in ``excerpts`` ``[C, T]`` at ``rate`` (:func:`spans`),
    each one's channels' mean at ``ANALYSIS_RATE``. Each excerpt votes with its own mean turn, so one
    whose offsets scatter (drums alone, noise: many peaks, no grid) weighs little beside one in tune."""
    votes = []
    for part in excerpts:
        mid = resample(part.float().reshape(-1, part.shape[-1]).mean(0, keepdim=True), rate, ANALYSIS_RATE)[0]
        turn, weight = _turns(mid, ANALYSIS_RATE)
        votes.append(turn / weight if weight else 0j)
    return _offset(sum(votes), len(votes))


def read_offset(read: Callable[[int, int], Tensor], frames: int, rate: int) -> float:
    """:func:`song_offset` of a song of ``frames`` at ``rate`` heard in its :func:`spans`:
    ``read(start, stop)`` gives its ``[C, stop - start]`` samples (a tensor's slice, a file's span)."""
    return song_offset([read(start, stop) for start, stop in spans(frames, rate)], rate)


def spans(frames: int, rate: int) -> list[tuple[int, int]]:
    """The ``(start, stop)`` samples a song of ``frames`` at ``rate`` is heard in: all of it up to
    ``HEAD_SECONDS``, else ``EXCERPTS`` spans of ``HEAD_SECONDS / EXCERPTS`` spread evenly from its
    start to its end."""
    whole = round(HEAD_SECONDS * rate)
    if frames <= whole:
        return [(0, frames)]
    length = whole // EXCERPTS
    starts = [round(i * (frames - length) / (EXCERPTS - 1)) for i in range(EXCERPTS)]
    return [(start, start + length) for start in starts]


def _turns(mixture: Tensor, rate: int, n_fft: int = 4096, hop: int = 1024) -> tuple[complex, float]:
    """The sum of ``mixture``'s weighted peak turns (see :func:`grid_offset`) and of their weights."""
    if mixture.shape[-1] < n_fft:
        return 0j, 0.0
    window = torch.hann_window(n_fft, dtype=torch.float64)
    magnitude = torch.stft(mixture.double(), n_fft, hop, window=window, return_complex=True).abs()
    log = magnitude.clamp_min(1e-10).log()
    below, centre, above = log[:-2], log[1:-1], log[2:]
    shift = 0.5 * (below - above) / (below - 2 * centre + above).clamp_max(-1e-9)
    hz = (torch.arange(1, magnitude.shape[0] - 1, dtype=torch.float64)[:, None] + shift) * rate / n_fft
    loud = magnitude[1:-1] > magnitude[1:-1].amax(0, keepdim=True) * LOUD
    peaks = (centre > below) & (centre > above) & loud & (hz > BAND_HZ[0]) & (hz < BAND_HZ[1])
    weights = magnitude[1:-1][peaks] ** WEIGHT
    turns = torch.polar(weights, 2 * math.pi * 12 * torch.log2(hz[peaks] / 440.0))
    return complex(turns.sum()), float(weights.sum())


def _offset(turn: complex, weight: float) -> float:
    """The angle of the summed ``turn`` in cents, or 0 where its length is below ``CONCENTRATION`` of ``weight``."""
    if weight == 0 or abs(turn) < CONCENTRATION * weight:
        return 0.0
    return cmath.phase(turn) * 100 / (2 * math.pi)


def resampled(signal: Tensor, size: int) -> Tensor:
    """``signal`` ``[..., T]`` band-limited to ``[..., size]`` samples through the FFT: played at its
    own rate, ``T / size`` times as high. Resampling back to ``T`` undoes it (below the lower
    of the two bands)."""
    spectrum = torch.fft.rfft(signal, dim=-1)
    bins = size // 2 + 1
    kept = spectrum[..., :bins] if bins <= spectrum.shape[-1] else torch.nn.functional.pad(spectrum, (0, bins - spectrum.shape[-1]))
    return torch.fft.irfft(kept, n=size, dim=-1) * (size / signal.shape[-1])
