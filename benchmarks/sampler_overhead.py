"""Sampler overhead: time of a full separation / time spent in the network, measured in one run.

``--network shipped`` times the CLI default itself: the shipped prior on one 12-s segment with the
``fast`` preset's K samples as the batch (refinement from the Wiener filter, 20 levels, Euler,
Dirac) under the default precision; what the sampler, the likelihood, the per-item noise, the NaN
checks and the initial Wiener separation add is ``overhead_in_loop - 1``. ``--network paper``
is the same separation around an untrained network of MSDM's own size (the ``paper`` preset, about
405 M parameters, 22050 Hz) on ``--seconds`` of audio: the overhead of the sampler where the paper
runs it. ``--network standin``
is a small untrained conv net (about 60 ms per call) with the paper's sampler, where the share of
that work is larger. ``--network none`` runs the shipped preset's separation around a denoiser that
costs nothing (it returns its input) ``--repeats`` times: ``sampler_seconds_median`` is the sampler's own time per
12-s segment (likelihood, noise, Wiener start included), the numerator of the ratios below less one. Target: at most 2 %
(``overhead_in_loop`` <= 1.02).
``overhead_ratio`` divides by the median time of isolated calls instead.

All three networks run with the allocator settings of ``diffsep run`` (diffsep/cli/allocator.py) unless
``--system-malloc``.

Run: .venv/bin/python benchmarks/sampler_overhead.py [--network shipped|paper|standin|none] [--seconds 2] [--precision fp32] [--system-malloc]
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
from diffsep.components import build_prior
from diffsep.cli.allocator import keep_freed_memory
from diffsep.separation.precision import autocast, resolve
from diffsep.presets import PRESETS
from diffsep.priors import learned_io


class ConvPrior:
    """An untrained conv-net denoiser with EDM preconditioning (the cost is what matters)."""

    def __init__(self, stems: int = 4, width: int = 64, sigma_data: float = 0.2) -> None:
        self.stems = [f"stem{n}" for n in range(stems)]
        self.sample_rate = 22050
        self.sigma_data = sigma_data
        layers: list[nn.Module] = [nn.Conv1d(stems, width, 9, padding=4), nn.GELU()]
        for _ in range(3):
            layers += [nn.Conv1d(width, width, 9, padding=4), nn.GELU()]
        self.net = nn.Sequential(*layers, nn.Conv1d(width, stems, 9, padding=4)).eval()

    @torch.no_grad()
    def denoise(self, x: torch.Tensor, sigma) -> torch.Tensor:
        sigma = diffsep.tensors.expand_as(diffsep.tensors.per_item(sigma, x), x)
        scale = (sigma**2 + self.sigma_data**2).sqrt()
        c_skip = self.sigma_data**2 / scale**2
        c_out = sigma * self.sigma_data / scale
        return c_skip * x + c_out * self.net(x / scale)


class FreePrior:
    """The shipped prior's stems and rate around a denoiser that returns its input (no cost)."""

    def __init__(self, prior) -> None:
        self.stems, self.sample_rate, self.level = prior.stems, prior.sample_rate, prior.level

    def denoise(self, x: torch.Tensor, sigma) -> torch.Tensor:
        return x


class Timed:
    """A prior whose ``denoise`` calls are counted and timed; everything else is the prior's."""

    def __init__(self, prior) -> None:
        self.prior, self.calls, self.seconds = prior, 0, 0.0

    def __getattr__(self, name: str):
        return getattr(self.prior, name)

    def denoise(self, x: torch.Tensor, sigma) -> torch.Tensor:
        start = time.perf_counter()
        out = self.prior.denoise(x, sigma)
        self.calls += 1
        self.seconds += time.perf_counter() - start
        return out


def measure(prior: Timed, mixture: torch.Tensor, likelihood: str, repeats: int, **options) -> dict:
    x = torch.randn(mixture.shape[0], len(prior.stems), mixture.shape[-1])
    for _ in range(2):
        prior.denoise(x, 0.05)  # warm up
    call_times = []
    for _ in range(repeats):
        start = time.perf_counter()
        prior.denoise(x, 0.05)
        call_times.append(time.perf_counter() - start)
    per_call = statistics.median(call_times)
    prior.calls, prior.seconds = 0, 0.0
    start = time.perf_counter()
    diffsep.separate(mixture, prior, likelihood, seed=0, **options)
    total = time.perf_counter() - start
    return {
        "sampler": options["sampler"],
        "likelihood": likelihood,
        "batch": mixture.shape[0],
        "length": mixture.shape[-1],
        "network_evaluations": prior.calls,
        "seconds_per_call": round(per_call, 6),
        "seconds_total": round(total, 4),
        "overhead_ratio": round(total / (prior.calls * per_call), 4),
        # the same, with the denoiser's own time measured inside the run (no cache effects)
        "overhead_in_loop": round(total / prior.seconds, 4),
        "target": 1.02,
    }


def sampler_seconds(prior: FreePrior, mixture: torch.Tensor, repeats: int) -> dict:
    """The ``fast`` separation around a free denoiser: median seconds of ``repeats`` runs."""
    options = PRESETS["fast"].separate_options()
    runs = []
    for _ in range(repeats + 1):  # the first run warms the allocator and is not counted
        start = time.perf_counter()
        diffsep.separate(mixture, prior, "dirac", seed=0, **options)
        runs.append(time.perf_counter() - start)
    return {"sampler": options["sampler"], "likelihood": "dirac", "batch": mixture.shape[0], "length": mixture.shape[-1],
            "sampler_seconds_median": round(statistics.median(runs[1:]), 4), "sampler_seconds_min": round(min(runs[1:]), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=("shipped", "paper", "standin", "none"), default="shipped")
    parser.add_argument("--seconds", type=float, default=2.0, help="paper: seconds of audio (shipped: one 12-s segment)")
    parser.add_argument("--length", type=int, default=16384, help="stand-in: samples per item")
    parser.add_argument("--batch", type=int, default=2, help="stand-in: items")
    parser.add_argument("--steps", type=int, default=50, help="stand-in: noise levels")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--precision", default="auto", help="shipped: the network's precision (auto, fp32, bf16)")
    parser.add_argument("--system-malloc", action="store_true", help="keep glibc's default allocator settings")
    args = parser.parse_args()
    allocator = "system" if args.system_malloc or not keep_freed_memory() else "kept"
    torch.manual_seed(0)
    with torch.inference_mode():
        if args.network == "standin":
            prior = Timed(ConvPrior())
            mixture = 0.1 * torch.randn(args.batch, args.length)
            for sampler, likelihood in (("euler", "dirac"), ("heun", "dirac"), ("euler", "gaussian")):
                row = measure(prior, mixture, likelihood, args.repeats, sampler=sampler, steps=args.steps)
                print(json.dumps({"network": "standin", "allocator": allocator, **row}), flush=True)
            return
        if args.network == "none":
            free = FreePrior(build_prior("msdm", {}))
            mixture = 0.1 * torch.randn(1, 12 * free.sample_rate).expand(PRESETS["fast"].num_samples, -1)
            print(json.dumps({"network": "none", "preset": "fast", "allocator": allocator, **sampler_seconds(free, mixture, args.repeats)}))
            return
        if args.network == "paper":
            network, seconds = learned_io.from_size("msdm", "paper", ["bass", "drums", "guitar", "piano"], 22050).eval(), args.seconds
        else:
            network, seconds = build_prior("msdm", {}).eval(), 12.0
        fast = PRESETS["fast"]
        mixture = 0.1 * torch.randn(1, int(seconds * network.sample_rate)).expand(fast.num_samples, -1)
        precision = resolve(args.precision, "cpu", network=True)
        with autocast("cpu", precision):
            row = measure(Timed(network), mixture, "dirac", args.repeats, **fast.separate_options())
        print(json.dumps({"network": args.network, "preset": "fast", "precision": precision, "allocator": allocator, **row}), flush=True)


if __name__ == "__main__":
    main()
