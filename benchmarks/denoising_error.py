"""Denoising error of priors at fixed noise levels on held-out stems: a score every run shares.

Training runs' validation losses follow each run's own noise-level distribution and seed, so they
cannot be compared; this applies the protocol of diffsep/evaluation/denoising.py (fixed levels,
fixed noise, error relative to the clean stems' energy in dB, lower is better) to any priors on
the same chunks. The shipped Gaussian prior (whose posterior mean is the Wiener filter) is the
baseline. Seconds per prior, not minutes: a cheap first look before separation_quality.py.

Run: .venv/bin/python benchmarks/denoising_error.py --data data/heldout99 [--msdm A.safetensors,B.safetensors]
Prints one JSON object per prior.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from diffsep.components import build_prior
from diffsep.data.datasets import FixedChunks
from diffsep.evaluation.denoising import denoising_errors
from diffsep.priors import gaussian, learned_io


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="mini-Slakh set at the priors' rate")
    parser.add_argument("--split", default="test")
    parser.add_argument("--msdm", default="", help="comma-separated checkpoints of any learned kind (default: the shipped msdm prior)")
    parser.add_argument("--chunks", type=int, default=64, help="chunks of --chunk samples, the first of the split")
    parser.add_argument("--chunk", type=int, default=16384)
    args = parser.parse_args()
    checkpoints = [c for c in args.msdm.split(",") if c] or [None]
    priors = {str(c or "shipped"): (learned_io.load(c) if c else build_prior("msdm")).eval() for c in checkpoints}
    first = next(iter(priors.values()))
    chunks = FixedChunks(args.data, args.split, first.stems, args.chunk, first.sample_rate, min_active=2)
    clean = torch.stack([chunks[i] for i in range(min(args.chunks, len(chunks)))])
    baseline = gaussian().at_rate(first.sample_rate)  # the shipped Gaussian prior
    common = {"data": str(args.data), "split": args.split, "chunks": clean.shape[0], "chunk": args.chunk}
    with torch.inference_mode():
        print(json.dumps({"prior": "gaussian (Wiener)", **common, "error_db": denoising_errors(baseline.denoise, clean)}), flush=True)
        for name, prior in priors.items():
            print(json.dumps({"prior": name, **common, "error_db": denoising_errors(prior.denoise, clean)}), flush=True)


if __name__ == "__main__":
    main()
