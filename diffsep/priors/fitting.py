"""Fit the exact Gaussian prior to a data set in the MSDM layout (Welch averaging)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

from torch import Tensor

from diffsep.data.datasets import Track
from diffsep.data.layout import tracks
from diffsep.priors.gaussian import GaussianPrior


def _stems_of(root: Path, split: str, stems: Sequence[str], sample_rate: int) -> Iterator[Tensor]:
    for folder in tracks(root, split):
        track = Track.open(folder, stems, sample_rate)
        if track.frames:
            yield track.read(0, track.frames)


def fit_gaussian(root: Path, stems: Sequence[str], sample_rate: int, split: str = "train", n_fft: int = 2048) -> GaussianPrior:
    """Sigma(f) of ``stems`` from every track of ``root/split`` (files at ``sample_rate``)."""
    return GaussianPrior(_welch_of(root, split, stems, sample_rate, n_fft), stems, sample_rate)


def _welch_of(root: Path, split: str, stems: Sequence[str], sample_rate: int, n_fft: int) -> Tensor:
    from diffsep.priors.spectra import welch

    return welch(_stems_of(Path(root), split, stems, sample_rate), n_fft)
