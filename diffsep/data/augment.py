"""Per-stem augmentation of training chunks: each stem of a chunk changed on its own, so the
prior hears the same parts at other levels, through other tone controls, in other rooms,
through other amplifiers and transposed by other speeds than the SoundFonts gave them. Every draw comes from the caller's generator (the chunk's own seed)."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from diffsep.errors import DiffsepError
from diffsep.separation.tuning import resampled

GAIN_DB = 6.0
"""Each stem's gain is drawn uniformly within +-GAIN_DB."""
TILT_DB_PER_OCTAVE = 3.0
"""Each stem's spectral tilt is drawn uniformly within +-TILT_DB_PER_OCTAVE around 1 kHz."""
TILT_LIMIT_DB = 12.0
"""The tilt's gain is clipped to +-TILT_LIMIT_DB, so the band edges stay in reach."""
PIVOT_HZ = 1000.0
REVERB_SECONDS = (0.1, 1.0)
"""The range of each stem's reverberation time (to -60 dB)."""
REVERB_WET = (0.0, 0.5)
"""The range of each stem's share of reverberated sound."""
DRIVE = (0.5, 3.0)
"""The range of each stem's saturation drive (0.5: nearly clean; 3: the peak at 0.995 of tanh's limit)."""
SPEED = (0.85, 1.15)
"""The range of each stem's playback speed (0.85: 2.8 semitones lower; 1.15: 2.4 higher)."""
DETUNE_CENTS = 30.0
"""Each stem's detuning is drawn uniformly within +-DETUNE_CENTS (a hundredth of a semitone each)."""


def gain(chunk: torch.Tensor, rng: np.random.Generator, sample_rate: int) -> torch.Tensor:
    """Each stem times its own gain."""
    decibels = rng.uniform(-GAIN_DB, GAIN_DB, size=chunk.shape[0])
    return chunk * torch.from_numpy(10 ** (decibels / 20)).to(chunk.dtype)[:, None]


def eq(chunk: torch.Tensor, rng: np.random.Generator, sample_rate: int) -> torch.Tensor:
    """Each stem through its own spectral tilt: a zero-phase filter of ``slope`` dB per octave
    about 1 kHz (brighter or darker, as another instrument or microphone would be)."""
    slopes = rng.uniform(-TILT_DB_PER_OCTAVE, TILT_DB_PER_OCTAVE, size=chunk.shape[0])
    frequencies = np.fft.rfftfreq(chunk.shape[-1], 1 / sample_rate)
    octaves = np.log2(np.maximum(frequencies, 20.0) / PIVOT_HZ)
    decibels = np.clip(slopes[:, None] * octaves[None, :], -TILT_LIMIT_DB, TILT_LIMIT_DB)
    response = torch.from_numpy(10 ** (decibels / 20)).to(chunk.dtype)
    return torch.fft.irfft(torch.fft.rfft(chunk, dim=-1) * response, n=chunk.shape[-1], dim=-1)


def reverb(chunk: torch.Tensor, rng: np.random.Generator, sample_rate: int) -> torch.Tensor:
    """Each stem in its own room: mixed with itself convolved with exponentially decaying noise of
    unit energy (a reverberation time drawn within ``REVERB_SECONDS``, a wet share within
    ``REVERB_WET``), so its level stays about the same."""
    stems, length = chunk.shape
    seconds = rng.uniform(*REVERB_SECONDS, size=stems)
    wet = torch.from_numpy(rng.uniform(*REVERB_WET, size=stems)).to(chunk.dtype)[:, None]
    taps = int(REVERB_SECONDS[1] * sample_rate)
    decay = np.exp(-6.91 * np.arange(taps)[None, :] / (seconds[:, None] * sample_rate))  # -60 dB at the reverberation time
    response = rng.standard_normal((stems, taps)) * decay
    response /= np.sqrt((response**2).sum(-1, keepdims=True))
    size = 1 << (length + taps - 1).bit_length()
    spectrum = torch.fft.rfft(chunk, n=size, dim=-1) * torch.fft.rfft(torch.from_numpy(response).to(chunk.dtype), n=size, dim=-1)
    return (1 - wet) * chunk + wet * torch.fft.irfft(spectrum, n=size, dim=-1)[:, :length]


def saturation(chunk: torch.Tensor, rng: np.random.Generator, sample_rate: int) -> torch.Tensor:
    """Each stem through a soft clipper, ``tanh(drive x / peak) peak / tanh(drive)``, its drive
    drawn within ``DRIVE``: louder parts are compressed and gain harmonics; the peak is kept."""
    drive = torch.from_numpy(rng.uniform(*DRIVE, size=chunk.shape[0])).to(chunk.dtype)[:, None]
    peak = chunk.abs().amax(-1, keepdim=True).clamp(min=1e-12)
    return torch.tanh(drive * chunk / peak) * peak / torch.tanh(drive)


def speed(chunk: torch.Tensor, rng: np.random.Generator, sample_rate: int) -> torch.Tensor:
    """Each stem played at its own speed within ``SPEED`` (:func:`played_at`), as a sampler
    transposes a recording: pitch, formants and tempo move together, so a sampled instrument
    sounds as a smaller or a larger one."""
    return played_at(chunk, rng.uniform(*SPEED, size=chunk.shape[0]))


def detune(chunk: torch.Tensor, rng: np.random.Generator, sample_rate: int) -> torch.Tensor:
    """Each stem played sharp or flat by its own few cents (within ``DETUNE_CENTS``, by its speed,
    :func:`played_at`): instruments tuned by ear, or to another A, off the grid the SoundFonts' notes sit on."""
    return played_at(chunk, 2 ** (rng.uniform(-DETUNE_CENTS, DETUNE_CENTS, size=chunk.shape[0]) / 1200))


def played_at(chunk: torch.Tensor, factors: Sequence[float]) -> torch.Tensor:
    """Each stem of ``chunk`` ``[S, T]`` played ``factors[s]`` times as fast, band-limited
    (:func:`~diffsep.separation.tuning.resampled`), at the same length: a slower stem is cut, a faster one goes on
    with its own end mirrored (no click where it turns)."""
    length = chunk.shape[-1]
    played = []
    for stem, factor in zip(chunk, factors):
        wave = resampled(stem, max(2, round(length / factor)))
        while wave.shape[0] < length:
            wave = torch.cat([wave, wave.flip(0)[: length - wave.shape[0]]])
        played.append(wave[:length])
    return torch.stack(played)


def out_of_tune(songs: Sequence[torch.Tensor], cents: float, seed: int = 0) -> tuple[list[torch.Tensor], list[float]]:
    """Each song ``[S, T]`` played at its own tuning, drawn uniformly within +-``cents`` by the
    song's place in the list (the i-th song of any list gets the same for a ``seed``), all its
    stems alike (:func:`played_at`): a band tuned to another A, or a recording played back at
    another speed. Returns the songs played so and their tunings in cents."""
    tunings = np.random.default_rng(seed).uniform(-cents, cents, size=len(songs))
    return [played_at(song, [2 ** (tuning / 1200)] * song.shape[0]) for song, tuning in zip(songs, tunings)], tunings.tolist()


AUGMENTATIONS: dict[str, Callable[[torch.Tensor, np.random.Generator, int], torch.Tensor]] = {
    "gain": gain, "eq": eq, "reverb": reverb, "saturation": saturation, "speed": speed, "detune": detune}


def check(names: Sequence[str]) -> list[str]:
    """``names`` if each is an augmentation, else one clear error."""
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if unknown:
        raise DiffsepError(f"--augment {', '.join(unknown)}: not one of {', '.join(AUGMENTATIONS)}")
    return list(names)


def augment(chunk: torch.Tensor, names: Sequence[str], rng: np.random.Generator, sample_rate: int) -> torch.Tensor:
    """``chunk`` ``[S, T]`` through each named augmentation, in the order given."""
    for name in names:
        chunk = AUGMENTATIONS[name](chunk, rng, sample_rate)
    return chunk
