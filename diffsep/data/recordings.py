"""Recorded samples (a drum kit's hits, an instrument's notes) read as mono float32 at a rate."""

from __future__ import annotations

import numpy as np


def read_mono(path: str, sample_rate: int) -> np.ndarray:
    """The file's channels averaged to mono, resampled with soxr to ``sample_rate``."""
    import soundfile
    import soxr

    audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    return mono if rate == sample_rate else soxr.resample(mono, rate, sample_rate).astype(np.float32)
