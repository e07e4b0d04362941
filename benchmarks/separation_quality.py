"""Separation quality on a mini-Slakh test split with the MSDM protocol; writes docs/results.md.

Each test track is separated in non-overlapping chunks, the chunks are concatenated, and
SI-SDRi is scored on 4 s windows with a 2 s hop, skipping windows with at most one active
source (diffsep.evaluation.metrics.Protocol). Methods: the exact Gaussian prior (joint and weak) fitted on
the same training data, the learned msdm prior with the Dirac and Gaussian likelihoods, the
weak prior with Dirac, and the ideal ratio mask as the ceiling.

Run: .venv/bin/python benchmarks/separation_quality.py --data DIR --msdm MSDM.safetensors \
        --weak WEAK.safetensors [--tracks 8] [--steps 50]
Prints one JSON object per method, then rewrites the marked block of docs/results.md.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import torch

import diffsep
from diffsep.data.datasets import Track
from diffsep.data.layout import tracks
from diffsep.evaluation.metrics import Protocol
from diffsep.priors import learned_io
from diffsep.priors.fitting import fit_gaussian

RESULTS = Path(__file__).parents[1] / "docs" / "results.md"
BEGIN, END = "<!-- separation_quality:begin -->", "<!-- separation_quality:end -->"


def ideal_ratio_mask(mixture: torch.Tensor, stems: torch.Tensor, n_fft: int = 2048) -> torch.Tensor:
    """Oracle: each stem's power share of the mixture's STFT; ``stems`` ``[S, T]``."""
    window = torch.hann_window(n_fft)
    spec = lambda x: torch.stft(x, n_fft, n_fft // 4, window=window, return_complex=True)  # noqa: E731
    power = spec(stems).abs().square()
    masked = spec(mixture)[None] * power / power.sum(0, keepdim=True).clamp(min=1e-12)
    return torch.istft(masked, n_fft, n_fft // 4, window=window, length=mixture.shape[-1])


def separate_track(mixture: torch.Tensor, chunk: int, method) -> torch.Tensor:
    """``[S, T]``: non-overlapping chunks separated as one batch, then concatenated."""
    length = mixture.shape[-1]
    padded = torch.nn.functional.pad(mixture, (0, -length % chunk))
    estimates = method(padded.reshape(-1, chunk))  # [chunks, S, chunk]
    return estimates.permute(1, 0, 2).reshape(estimates.shape[1], -1)[:, :length]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--msdm", type=Path, required=True)
    parser.add_argument("--weak", type=Path, required=True)
    parser.add_argument("--tracks", type=int, default=8)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--chunk-seconds", type=float, default=6.0)
    parser.add_argument("--no-write", action="store_true", help="Only print JSON.")
    args = parser.parse_args()
    msdm, weak = learned_io.load(args.msdm), learned_io.load(args.weak)
    stems, rate = msdm.stems, msdm.sample_rate
    joint = fit_gaussian(args.data, stems, rate, "train")
    chunk = int(args.chunk_seconds * rate)
    common = dict(steps=args.steps, seed=0)
    methods = {
        "gaussian (joint, fitted) + dirac": lambda y: diffsep.separate(y, joint, "dirac", **common),
        "gaussian (weak, fitted) + dirac": lambda y: diffsep.separate(y, joint.weakened(), "dirac", **common),
        "msdm + dirac": lambda y: diffsep.separate(y, msdm, "dirac", **common),
        "msdm + gaussian (g=0.75, s_churn=40)": lambda y: diffsep.separate(
            y, msdm, "gaussian", sampler_options={"s_churn": 40.0}, **common),
        "weak + dirac (s_churn=40)": lambda y: diffsep.separate(y, weak, "dirac", sampler_options={"s_churn": 40.0}, **common),
    }
    references = []
    for folder in tracks(args.data, "test")[: args.tracks]:
        track = Track.open(folder, stems, rate)
        references.append(track.read(0, track.frames))
    protocol, rows = Protocol(), []
    for name, method in {**methods, "ideal ratio mask (oracle)": None}.items():
        started = time.perf_counter()
        windows = []
        for reference in references:
            mixture = reference.sum(0)
            estimate = ideal_ratio_mask(mixture, reference) if method is None else separate_track(mixture, chunk, method)
            windows.append(protocol.windows(estimate, reference, rate))
        scores = protocol.summary(windows)
        row = {"method": name, **{s: round(float(v), 2) for s, v in zip(stems, scores)}, "all": round(float(scores.mean()), 2),
               "windows": int(sum(len(w) for w in windows)), "seconds": round(time.perf_counter() - started, 1)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    if not args.no_write:
        write_table(rows, stems, args)


def write_table(rows: list[dict], stems: list[str], args: argparse.Namespace) -> None:
    header = "| method | " + " | ".join(stems) + " | all |\n|---|" + "---|" * (len(stems) + 1) + "\n"
    body = "".join(f"| {r['method']} | " + " | ".join(f"{r[s]:.2f}" for s in stems) + f" | {r['all']:.2f} |\n" for r in rows)
    command = (f"`.venv/bin/python benchmarks/separation_quality.py --data {args.data} --msdm {args.msdm} "
               f"--weak {args.weak} --tracks {args.tracks} --steps {args.steps}`")
    block = f"{BEGIN}\n{command}; {rows[0]['windows']} windows; SI-SDRi in dB:\n\n{header}{body}{END}"
    text = RESULTS.read_text()
    text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), block, text, flags=re.S) if BEGIN in text else text + "\n" + block + "\n"
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
