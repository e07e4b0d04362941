"""Sampler overhead: time of a full separation / (network evaluations x time of one call).

The denoiser is a small 1-D conv net of realistic per-call cost on a CPU, so the ratio shows
what the sampler, the likelihood and the per-item noise add around the network. Target <= 1.05.
``overhead_ratio`` divides by the median time of isolated calls (the issue's definition);
``overhead_in_loop`` by the denoiser's time summed inside the run.

Run: .venv/bin/python benchmarks/sampler_overhead.py [--length 16384] [--batch 2]
Prints one JSON object per (sampler, likelihood).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from torch import nn

import diffsep


class ConvPrior:
    """An untrained conv-net denoiser with EDM preconditioning (the cost is what matters)."""

    def __init__(self, stems: int = 4, width: int = 64, sigma_data: float = 0.2) -> None:
        self.stems = [f"stem{n}" for n in range(stems)]
        self.sample_rate = 22050
        self.sigma_data = sigma_data
        self.calls = 0
        self.seconds = 0.0
        layers: list[nn.Module] = [nn.Conv1d(stems, width, 9, padding=4), nn.GELU()]
        for _ in range(3):
            layers += [nn.Conv1d(width, width, 9, padding=4), nn.GELU()]
        self.net = nn.Sequential(*layers, nn.Conv1d(width, stems, 9, padding=4)).eval()

    @torch.no_grad()
    def denoise(self, x: torch.Tensor, sigma) -> torch.Tensor:
        start = time.perf_counter()
        sigma = diffsep.tensors.expand_as(diffsep.tensors.per_item(sigma, x), x)
        scale = (sigma**2 + self.sigma_data**2).sqrt()
        c_skip = self.sigma_data**2 / scale**2
        c_out = sigma * self.sigma_data / scale
        out = c_skip * x + c_out * self.net(x / scale)
        self.calls += 1
        self.seconds += time.perf_counter() - start
        return out


def measure(prior: ConvPrior, mixture: torch.Tensor, sampler: str, likelihood: str, steps: int, repeats: int) -> dict:
    x = torch.randn(mixture.shape[0], len(prior.stems), mixture.shape[-1])
    for _ in range(3):
        prior.denoise(x, 0.5)  # warm up
    call_times = []
    for _ in range(repeats):
        start = time.perf_counter()
        prior.denoise(x, 0.5)
        call_times.append(time.perf_counter() - start)
    per_call = statistics.median(call_times)
    prior.calls, prior.seconds = 0, 0.0
    start = time.perf_counter()
    diffsep.separate(mixture, prior, likelihood, sampler, steps=steps, seed=0)
    total = time.perf_counter() - start
    evaluations = prior.calls
    return {
        "sampler": sampler,
        "likelihood": likelihood,
        "batch": mixture.shape[0],
        "length": mixture.shape[-1],
        "network_evaluations": evaluations,
        "seconds_per_call": round(per_call, 6),
        "seconds_total": round(total, 4),
        "overhead_ratio": round(total / (evaluations * per_call), 4),
        # the same, with the denoiser's own time measured inside the run (no cache effects)
        "overhead_in_loop": round(total / prior.seconds, 4),
        "target": 1.05,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=16384)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    prior = ConvPrior()
    mixture = 0.1 * torch.randn(args.batch, args.length)
    for sampler, likelihood in (("euler", "dirac"), ("heun", "dirac"), ("euler", "gaussian")):
        print(json.dumps(measure(prior, mixture, sampler, likelihood, args.steps, args.repeats)))


if __name__ == "__main__":
    main()
