"""Training a mask network: random windows of a data set's songs, half of them remixed.

Every draw of step k (the windows of :class:`~diffsep.data.datasets.RandomChunks`, the remix and
its gains) follows from the seed and k, and the state saved every few minutes holds the weights,
the optimizer and the remix generator, so ``--resume`` continues as an uninterrupted run would.
The loss is the L1 distance of each stem's estimated STFT to its own, over the stems' mean
magnitude: the masks learn the phase-sensitive target, and quiet songs weigh as much as loud ones.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch import Tensor

from diffsep.data.datasets import RandomChunks
from diffsep.data.layout import read_manifest
from diffsep.errors import DiffsepError
from diffsep.io.atomic import atomic_path
from diffsep.masknet.network import MaskNet
from diffsep.masknet.storage import save
from diffsep.training.lineage import Lineage

STATE, MODEL, LOG = "state.pt", "masknet.safetensors", "log.jsonl"


@dataclass
class MaskNetTraining:
    """One run of ``diffsep train-masknet`` (its options, same names)."""

    data: Path
    out: Path
    stems: list[str] = field(default_factory=lambda: ["bass", "drums", "guitar", "piano"])
    steps: int = 7500
    stop_at: int | None = None
    batch_size: int = 16
    seconds: float = 4.0
    lr: float = 1e-3
    warmup: int = 500
    hidden: int = 256
    layers: int = 2
    seed: int = 0
    save_minutes: float = 10.0
    export_dtype: str = "float16"


def learning_rate(config: MaskNetTraining, step: int) -> float:
    """A linear warm-up, then a half cosine down to zero at the last step."""
    return config.lr * min(1.0, step / config.warmup) * 0.5 * (1 + math.cos(math.pi * min(step, config.steps) / config.steps))


def remix(batch: Tensor, generator: torch.Generator) -> Tensor:
    """Stems ``[B, S, T]`` with each stem taken from another song of the batch and scaled by a
    gain drawn in [-6, +3] dB: songs no composer wrote, stems that do not play together."""
    songs, count, _ = batch.shape
    mixed = torch.stack([batch[torch.randperm(songs, generator=generator), stem] for stem in range(count)], 1)
    return mixed * 10 ** ((torch.rand(songs, count, 1, generator=generator) * 9 - 6) / 20)


def spectral_loss(net: MaskNet, stems: Tensor) -> Tensor:
    """The L1 distance of the estimated stems' STFTs to the true ones, over the true ones' mean magnitude."""
    mixture = net.spectrum(stems.sum(1))
    target = net.spectrum(stems)
    return (net.estimate(mixture) - target).abs().mean() / (target.abs().mean() + 1e-8)


def train(config: MaskNetTraining, resume: bool = False, progress: Callable[[int], None] = lambda step: None) -> Path:
    """Train (or with ``resume`` continue) the run in ``config.out`` to ``config.steps`` (or to
    ``stop_at``, to go on later with ``resume``: the schedule still runs to ``steps``); the mask
    network is written to ``out/masknet.safetensors`` when it stops, the resumable state then and
    every ``save_minutes``."""
    out, manifest = Path(config.out), read_manifest(config.data)
    rate = manifest.get("sample_rate")
    if rate is None:
        raise DiffsepError(f"{str(config.data)!r} has no dataset.json saying its sample rate; make it with `diffsep data`")
    if (out / STATE).exists() and not resume:
        raise DiffsepError(f"{str(out)!r} holds a run already: continue it with --resume, or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    net = MaskNet(config.stems, rate, hidden=config.hidden, layers=config.layers)
    optimizer = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=1e-4)
    generator = torch.Generator().manual_seed(config.seed + 1)
    chunks = RandomChunks(Path(config.data), "train", config.stems, int(config.seconds * rate), rate,
                          seed=config.seed + 7, min_active=2, items=1 << 62)
    step, cpu_seconds = 0, 0.0
    if resume:
        if not (out / STATE).exists():
            raise DiffsepError(f"nothing to resume in {str(out)!r}: start the run without --resume")
        state = torch.load(out / STATE, weights_only=True)
        net.load_state_dict(state["net"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["dropout"])
        step, cpu_seconds = state["step"], state["cpu_seconds"]
    clock, saved = time.process_time(), time.monotonic()

    def checkpoint() -> None:
        nonlocal clock, cpu_seconds, saved
        cpu_seconds, clock = cpu_seconds + time.process_time() - clock, time.process_time()
        with atomic_path(out / STATE) as temporary:
            torch.save({"net": net.state_dict(), "optimizer": optimizer.state_dict(), "generator": generator.get_state(),
                        "dropout": torch.get_rng_state(), "step": step, "cpu_seconds": cpu_seconds, "config": json.dumps(asdict(config), default=str)}, temporary)
        saved = time.monotonic()

    net.train()
    try:
        with (out / LOG).open("a", buffering=1) as log:  # a line per step, readable while it runs
            while step < min(config.steps, config.stop_at or config.steps):
                batch = torch.stack([chunks[step * config.batch_size + i] for i in range(config.batch_size)])
                loss = spectral_loss(net, remix(batch, generator) if step % 2 == 0 else batch)
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate(config, step)
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                optimizer.step()
                step += 1
                log.write(json.dumps({"step": step, "loss": round(loss.item(), 5)}) + "\n")
                progress(step)
                if time.monotonic() - saved > config.save_minutes * 60:
                    checkpoint()
    except KeyboardInterrupt:  # Ctrl-C: keep what was done
        checkpoint()
        raise
    checkpoint()
    lineage = Lineage().extended(step, cpu_seconds, manifest)
    return save(net.eval(), out / MODEL, getattr(torch, config.export_dtype), **asdict(lineage), recipe=asdict(config) | {"data": str(config.data), "out": str(config.out)})
