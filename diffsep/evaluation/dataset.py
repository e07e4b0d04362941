"""Score separations of a data set with the MSDM protocol; per-window rows and per-stem means."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch

from diffsep.data.datasets import Track
from diffsep.errors import DiffsepError
from diffsep.evaluation.metrics import Protocol
from diffsep.io import audio
from diffsep.io.atomic import atomic_path
from diffsep.tensors import fitted


def track_folders(root: Path, split: str | None) -> list[Path]:
    """Track folders of ``root/split``, or of ``root`` itself when it holds tracks directly."""
    base = root / split if split else root
    folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    if not folders:
        raise DiffsepError(f"no track folders under {str(base)!r}")
    return folders


@dataclass
class Evaluation:
    """Windows of every track: ``rows`` (track, window, start s, stem, SI-SDRi dB)."""

    stems: list[str]
    rows: list[tuple[str, int, float, str, float]]

    def summary(self) -> dict[str, float]:
        """Flat mean over all windows, per stem (the paper's figure)."""
        means = {}
        for stem in self.stems:
            values = [row[4] for row in self.rows if row[3] == stem]
            means[stem] = sum(values) / len(values) if values else float("nan")
        return means

    def write_csv(self, path: Path) -> None:
        with atomic_path(path) as temporary, open(temporary, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["track", "window", "start_seconds", "stem", "si_sdri_db"])
            writer.writerows(self.rows)


def evaluate(folders: Sequence[Path], stems: Sequence[str], rate: int, estimate: Callable[[Path], Path],
             protocol: Protocol = Protocol()) -> Evaluation:
    """``estimate(track folder) -> folder of estimated stems``; references are the track's stems
    (read at ``rate``; a missing one is silence), the mixture is their sum."""
    rows = []
    for folder in folders:
        reference = _stems(folder, stems, rate)
        estimated = _stems(estimate(folder), stems, rate, length=reference.shape[-1])
        scores = protocol.windows(estimated, reference, rate)
        for window, (start, values) in enumerate(zip(protocol.starts(reference, rate), scores)):
            rows += [(folder.name, window, start, stem, round(float(v), 4)) for stem, v in zip(stems, values)]
    return Evaluation(list(stems), rows)


def _stems(folder: Path, stems: Sequence[str], rate: int, length: int | None = None) -> torch.Tensor:
    signals = []
    for stem in stems:
        path = folder / f"{stem}.wav"
        signals.append(audio.read(path, rate)[0].mean(0) if path.is_file() else None)
    size = length or max((s.shape[-1] for s in signals if s is not None), default=0)
    if size == 0:
        raise DiffsepError(f"no stem files ({', '.join(stems)}) in {str(folder)!r}")
    return torch.stack([fitted(s, size) if s is not None else torch.zeros(size)
                        for s in signals])
