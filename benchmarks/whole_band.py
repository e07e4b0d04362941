"""Whole-band stereo output: how the stems get the band above the prior's and the stereo image.

Renders unseen songs at 44.1 kHz (``diffsep data synth``, a seed no training run used), pans
each stem to its own place (constant power, pan drawn in [-0.8, 0.8] per stem and song), and
separates the stereo mixture with ``diffsep.Separator`` (the CLI's path) in each setting:

- ``mid-masks`` (separate the channels' mean once, share each channel by its masks),
- ``mid-residual`` (separate the mean once; its stems keep their waveforms in every channel, and
  what they miss of each channel is shared by the masks),
- ``channels-masks`` (separate each channel, share it by its own masks),
- ``channels-residual`` (each channel's own separation, what it misses shared by the masks),
- ``model-band`` (each channel separated, the prior's band resampled back, ``--band model``: the
  output before the whole band was restored).

Prints one JSON row per setting: full-band SI-SDRi at 44.1 kHz (MSDM protocol windows, each
channel a track), the upper band's own SI-SDR (above 5.5 kHz, each stem and channel over the
whole song, where the reference has energy there; and jointly, all stems' upper-band energy over
their error's, in dB), how far the stems' sum is from the mixture
(relative RMS), and seconds of wall time per second of audio.

Run: .venv/bin/python benchmarks/whole_band.py [--songs 12] [--seconds 8] [--settings mid-masks,...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import diffsep
from diffsep.data.datasets import Track
from diffsep.data.layout import tracks
from diffsep.data.synth import SynthConfig, synthesize
from diffsep.evaluation.metrics import Protocol, si_sdr

RATE = 44100
UPPER_HZ = 5512.5
SETTINGS = {
    "mid-masks": {"stereo": "mid", "band": "masks"},
    "mid-residual": {"stereo": "mid", "band": "residual"},
    "channels-masks": {"stereo": "channels", "band": "masks"},
    "channels-residual": {"stereo": "channels", "band": "residual"},
    "model-band": {"stereo": "channels", "band": "model"},
}


def panned(stems: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """``[S, T]`` mono stems -> ``[2, S, T]``, each stem panned on its own (constant power)."""
    angles = (rng.uniform(-0.8, 0.8, size=stems.shape[0]) + 1) * np.pi / 4
    gains = torch.tensor(np.stack([np.cos(angles), np.sin(angles)]), dtype=stems.dtype)  # [2, S]
    return gains[:, :, None] * stems[None]


def upper(signal: torch.Tensor) -> torch.Tensor:
    """What ``signal`` holds above UPPER_HZ (an FFT brick wall)."""
    spectrum = torch.fft.rfft(signal)
    spectrum[..., : int(UPPER_HZ / RATE * signal.shape[-1])] = 0
    return torch.fft.irfft(spectrum, n=signal.shape[-1])


def separate(separator: diffsep.Separator, mixture: torch.Tensor, setting: str) -> torch.Tensor:
    """``[2, T]`` -> ``[2, S, T]`` stems."""
    _, stems, _ = separator.separate_tensor(mixture, RATE)
    return torch.stack(list(stems.values()), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=96, help="songs of a seed no training run used")
    parser.add_argument("--settings", default=",".join(SETTINGS))
    parser.add_argument("--msdm", type=Path, default=None, help="a checkpoint instead of the shipped prior")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "songs"
        synthesize(SynthConfig(root, tracks=args.songs, seconds=args.seconds, seed=args.seed, sample_rate=RATE), workers=2)
        stems_names = list(diffsep.Separator().stems)
        songs = []
        for index, track_folder in enumerate(sorted(p for split in ("train", "validation", "test") if (root / split).is_dir()
                                                    for p in tracks(root, split))):
            track = Track.open(track_folder, stems_names, RATE)
            songs.append(panned(track.read(0, track.frames), np.random.default_rng([args.seed, index])))
    protocol = Protocol()
    for setting in [s.strip() for s in args.settings.split(",") if s.strip()]:
        separator = diffsep.Separator(checkpoint=args.msdm, **SETTINGS[setting])
        windows, upper_scores, misses, seconds = [], [], [], 0.0
        upper_energy = upper_error = 0.0
        for reference in songs:  # [2, S, T]
            mixture = reference.sum(1)
            started = time.perf_counter()
            estimate = separate(separator, mixture, setting)
            seconds += time.perf_counter() - started
            misses.append(float((estimate.sum(1) - mixture).square().mean().sqrt() / mixture.square().mean().sqrt()))
            for channel in range(2):
                windows.append(protocol.windows(estimate[channel], reference[channel], RATE))
                high_ref, high_est = upper(reference[channel]), upper(estimate[channel])
                present = high_ref.square().mean(-1) > 1e-10
                upper_scores.append(torch.where(present, si_sdr(high_est, high_ref), torch.nan))
                upper_energy += float(high_ref.square().sum())
                upper_error += float((high_est - high_ref).square().sum())
        full = protocol.summary(windows)
        high = torch.nanmean(torch.stack(upper_scores), 0)
        row = {"setting": setting, "songs": len(songs), "seconds": args.seconds,
               "si_sdri": {s: round(float(v), 2) for s, v in zip(stems_names, full)}, "si_sdri_all": round(float(full.mean()), 2),
               "upper_si_sdr": {s: round(float(v), 2) for s, v in zip(stems_names, high)},
               "upper_si_sdr_all": round(float(torch.nanmean(high)), 2),
               "upper_sdr_joint": round(10 * float(np.log10(upper_energy / max(upper_error, 1e-30))), 2), "sum_miss_max": max(misses),
               "real_time_factor": round(seconds / (len(songs) * args.seconds), 3)}
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
