"""Training throughput: diffsep's loop vs a plain loop over audio-diffusion-pytorch's own
``AudioDiffusionModel``, same network config, batch, chunk and optimizer, measured in one run.

Both see the same random batches already in memory, in alternating repeats (median), so the figure compares the training steps
(preconditioning, loss, backward, Adam, EMA, Accelerate), not data loading. Target >= 1.0x.

Run: .venv/bin/python benchmarks/training_throughput.py [--preset small] [--batch 8] [--chunk 16384]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch


def plain_steps(config: dict, batches: list[torch.Tensor]) -> float:
    """audio-diffusion-pytorch's own model and loss in a bare loop; returns seconds."""
    from audio_diffusion_pytorch import AudioDiffusionModel, LogNormalDistribution

    torch.manual_seed(0)
    model = AudioDiffusionModel(**config, diffusion_sigma_distribution=LogNormalDistribution(-3.0, 1.0),
                                diffusion_sigma_data=0.2, diffusion_dynamic_threshold=0.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.99))
    start = time.perf_counter()
    for batch in batches:
        loss = model(batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return time.perf_counter() - start


def diffsep_steps(config: dict, batches: list[torch.Tensor]) -> float:
    """diffsep's Trainer step (Accelerate, EDM loss, EMA) on the same batches; returns seconds."""
    from accelerate import Accelerator

    from diffsep.priors import learned_io
    from diffsep.priors.edm import LogNormalSigma, Preconditioning
    from diffsep.training.ema import EMA
    from diffsep.training.trainer import diffusion_loss

    torch.manual_seed(0)
    accelerator = Accelerator(cpu=not torch.cuda.is_available())
    prior = learned_io.build("msdm", [f"s{n}" for n in range(config["in_channels"])], 22050, config)
    ema = EMA(prior, 0.999)
    model, optimizer = accelerator.prepare(prior, torch.optim.Adam(prior.parameters(), lr=1e-4, betas=(0.9, 0.99)))
    sigmas, preconditioning = LogNormalSigma(), Preconditioning(0.2)
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for batch in batches:
        loss = diffusion_loss(model, batch, sigmas, preconditioning, generator)
        accelerator.backward(loss)
        optimizer.step()
        optimizer.zero_grad()
        ema.update(accelerator.unwrap_model(model))
    return time.perf_counter() - start


def main() -> None:
    from diffsep.priors.sizes import network_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="small")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=16384)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = network_config(args.preset, 4)
    batches = [0.2 * torch.randn(args.batch, 4, args.chunk) for _ in range(args.steps)]
    plain_steps(config, batches[:2]), diffsep_steps(config, batches[:2])  # warm up both
    times: dict[str, list[float]] = {"plain": [], "diffsep": []}
    for _ in range(args.repeats):  # alternate, so both see the same machine load
        times["plain"].append(plain_steps(config, batches))
        times["diffsep"].append(diffsep_steps(config, batches))
    plain, ours = statistics.median(times["plain"]), statistics.median(times["diffsep"])
    samples = args.batch * args.steps
    print(json.dumps({
        "preset": args.preset, "batch": args.batch, "chunk": args.chunk, "steps": args.steps, "repeats": args.repeats,
        "plain_samples_per_second": round(samples / plain, 2),
        "diffsep_samples_per_second": round(samples / ours, 2),
        "ratio": round(plain / ours, 3),
        "target": 1.0,
    }))

if __name__ == "__main__":
    main()
