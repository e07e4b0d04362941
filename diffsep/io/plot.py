"""PNG spectrograms: the overview of a separation, and songs side by side (rendered, generated)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import torch
from torch import Tensor

from diffsep.io.atomic import atomic_path

N_FFT = 1024


def spectrograms(path: str | Path, mixture: Tensor, stems: Tensor, names: list[str], sample_rate: int) -> Path:
    """Write one row per signal (``mixture`` ``[T]``, ``stems`` ``[S, T]``), dB magnitude."""
    return side_by_side(path, {"": [mixture, *stems]}, ["mixture", *names], sample_rate)


def side_by_side(path: str | Path, columns: Mapping[str, Sequence[Tensor]], rows: Sequence[str], sample_rate: int) -> Path:
    """Write a grid of spectrograms: one column per title in ``columns``, each a list of mono
    signals ``[T]``, one per name in ``rows``; each panel in dB down to 80 below its peak."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    width = 10 if len(columns) == 1 else 4.5 * len(columns)
    figure, axes = plt.subplots(len(rows), len(columns), figsize=(width, 1.8 * len(rows)), sharex="col", squeeze=False)
    window = torch.hann_window(N_FFT)
    for column, (title, signals) in enumerate(columns.items()):
        for row, (name, signal) in enumerate(zip(rows, signals)):
            axis = axes[row, column]
            spec = torch.stft(signal.float(), N_FFT, N_FFT // 4, window=window, return_complex=True).abs()
            db = 20 * torch.log10(spec + 1e-6)
            extent = (0, signal.shape[-1] / sample_rate, 0, sample_rate / 2000)
            axis.imshow(db.numpy(), origin="lower", aspect="auto", extent=extent, vmin=float(db.max()) - 80, cmap="magma")
            if column == 0:
                axis.set_ylabel(f"{name}\nkHz")
        axes[0, column].set_title(title)
        axes[-1, column].set_xlabel("time (s)")
    figure.tight_layout()
    try:
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=90, format="png")
    finally:
        plt.close(figure)
    return Path(path)
