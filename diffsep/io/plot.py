"""A PNG overview of a separation: spectrograms of the mixture and of each stem."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from diffsep.io.atomic import atomic_path


def spectrograms(path: str | Path, mixture: Tensor, stems: Tensor, names: list[str], sample_rate: int) -> Path:
    """Write one row per signal (``mixture`` ``[T]``, ``stems`` ``[S, T]``), dB magnitude."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    signals = [("mixture", mixture)] + list(zip(names, stems))
    figure, axes = plt.subplots(len(signals), 1, figsize=(10, 1.8 * len(signals)), sharex=True, squeeze=False)
    n_fft = 1024
    window = torch.hann_window(n_fft)
    for axis, (name, signal) in zip(axes[:, 0], signals):
        spec = torch.stft(signal.float(), n_fft, n_fft // 4, window=window, return_complex=True).abs()
        db = 20 * torch.log10(spec + 1e-6)
        extent = (0, signal.shape[-1] / sample_rate, 0, sample_rate / 2000)
        axis.imshow(db.numpy(), origin="lower", aspect="auto", extent=extent, vmin=float(db.max()) - 80, cmap="magma")
        axis.set_ylabel(f"{name}\nkHz")
    axes[-1, 0].set_xlabel("time (s)")
    figure.tight_layout()
    try:
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=90, format="png")
    finally:
        plt.close(figure)
    return Path(path)
