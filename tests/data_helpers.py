"""Small tools for the data tests: onset detection on an energy envelope."""

from __future__ import annotations

import numpy as np

HOP = 0.005  # seconds per envelope frame


def envelope(signal: np.ndarray, sample_rate: int, hop: float = HOP) -> np.ndarray:
    """RMS per frame of ``hop`` seconds."""
    size = int(hop * sample_rate)
    frames = len(signal) // size
    return np.sqrt((signal[: frames * size].reshape(frames, size) ** 2).mean(1))


def onsets(signal: np.ndarray, sample_rate: int, rise: float = 3.0, floor: float = 0.05) -> np.ndarray:
    """Times (s) where the envelope first jumps ``rise`` times above its last 15 ms, loudly."""
    energy = envelope(signal, sample_rate) + 1e-9
    loud = energy > floor * energy.max()
    jump = np.array([t >= 3 and energy[t] > rise * energy[t - 3 : t].max() for t in range(len(energy))])
    candidate = jump & loud
    return np.flatnonzero(candidate & ~np.roll(candidate, 1)) * HOP


def onset_strength(signal: np.ndarray, sample_rate: int, hop: float = 0.02) -> np.ndarray:
    """Half-wave rectified difference of the log envelope (a standard onset function); 20 ms
    frames absorb the humanised timing between parts."""
    log = np.log(envelope(signal, sample_rate, hop) + 1e-6)
    return np.maximum(np.diff(log), 0)
