"""Datasets over the MSDM layout: random training chunks and fixed evaluation chunks.

A chunk is ``[S, length]`` float32 in the caller's stem order; a missing stem file reads as
silence. Files must already be at the requested sample rate (prepare them at that rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from diffsep.data.augment import augment, check
from diffsep.data.layout import tracks
from diffsep.errors import DiffsepError

SILENCE = 1.5e-5
"""MSDM's threshold: a stem is silent when ``||s||_2 / len < SILENCE``."""


@dataclass(frozen=True)
class Track:
    """One track's stem files (``None`` where missing) and its length in samples."""

    folder: Path
    files: tuple[Path | None, ...]
    frames: int

    @classmethod
    def open(cls, folder: Path, stems: Sequence[str], sample_rate: int) -> "Track":
        import soundfile

        files = tuple(folder / f"{stem}.wav" if (folder / f"{stem}.wav").is_file() else None for stem in stems)
        present = [f for f in files if f is not None]
        if not present:
            return cls(folder, files, 0)
        infos = [soundfile.info(str(f)) for f in present]
        for file, info in zip(present, infos):
            if info.samplerate != sample_rate:
                raise DiffsepError(f"{str(file)!r} is at {info.samplerate} Hz, not {sample_rate}; prepare the data at that rate")
        return cls(folder, files, min(info.frames for info in infos))

    def read(self, start: int, length: int) -> torch.Tensor:
        """``[S, length]`` from sample ``start``, mono, silence for missing stems."""
        import soundfile

        out = np.zeros((len(self.files), length), dtype=np.float32)
        for row, file in enumerate(self.files):
            if file is not None:
                data, _ = soundfile.read(str(file), start=start, stop=start + length, dtype="float32", always_2d=True)
                out[row, : data.shape[0]] = data.mean(axis=1)
        return torch.from_numpy(out)


def active_stems(chunk: torch.Tensor, silence: float = SILENCE) -> int:
    """How many stems of ``[S, T]`` are not silent (MSDM's rule)."""
    return int((chunk.norm(dim=-1) / chunk.shape[-1] >= silence).sum())


def _open_tracks(root: Path, split: str, stems: Sequence[str], sample_rate: int, length: int) -> list[Track]:
    opened = [Track.open(folder, stems, sample_rate) for folder in tracks(root, split)]
    usable = [track for track in opened if track.frames >= length]
    if not usable:
        raise DiffsepError(f"no track of {str(Path(root) / split)!r} is {length} samples long or longer")
    return usable


class RandomChunks(Dataset):
    """Training chunks: item i is a random window of track ``i % tracks`` (random shift
    augmentation), drawn from ``(seed, epoch, i)`` so it is the same with any number of workers.

    Args:
        root, split: the data set folder (or several: their tracks together) and split.
        stems: stem names, in the order the model wants.
        length: chunk length in samples; shorter tracks are skipped.
        sample_rate: the files' rate (checked).
        min_active: redraw (up to 10 times) chunks with fewer non-silent stems.
        items: items per epoch (default: one per track).
        augment: per-stem augmentations (:mod:`diffsep.data.augment`) applied to each window,
            drawn after it from the same seed.
    """

    def __init__(self, root: Path | Sequence[Path], split: str, stems: Sequence[str], length: int, sample_rate: int,
                 seed: int = 0, min_active: int = 0, items: int | None = None, augment: Sequence[str] = ()) -> None:
        roots = [Path(root)] if isinstance(root, (str, Path)) else [Path(r) for r in root]
        self.tracks = [track for folder in roots for track in _open_tracks(folder, split, stems, sample_rate, length)]
        self.length, self.sample_rate, self.seed, self.min_active = length, sample_rate, seed, min_active
        self.augment = check(augment)
        self.items = items or len(self.tracks)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.items

    def __getitem__(self, index: int) -> torch.Tensor:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        return augment(self._window(index, rng), self.augment, rng, self.sample_rate)

    def window(self, index: int) -> torch.Tensor:
        """Item ``index`` before augmentation."""
        return self._window(index, np.random.default_rng([self.seed, self.epoch, index]))

    def _window(self, index: int, rng: np.random.Generator) -> torch.Tensor:
        track = self.tracks[index % len(self.tracks)]
        for _ in range(10):
            chunk = track.read(int(rng.integers(0, track.frames - self.length + 1)), self.length)
            if active_stems(chunk) >= self.min_active:
                break
        return chunk


class FixedChunks(Dataset):
    """Evaluation chunks: consecutive non-overlapping windows of every track.

    ``min_active=2`` keeps only chunks with at least two non-silent stems.
    """

    def __init__(self, root: Path, split: str, stems: Sequence[str], length: int, sample_rate: int, min_active: int = 0) -> None:
        self.length = length
        self.index = [
            (track, start)
            for track in _open_tracks(Path(root), split, stems, sample_rate, length)
            for start in range(0, track.frames - length + 1, length)
        ]
        if min_active:
            self.index = [(t, s) for t, s in self.index if active_stems(t.read(s, length)) >= min_active]

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, index: int) -> torch.Tensor:
        track, start = self.index[index]
        return track.read(start, self.length)
