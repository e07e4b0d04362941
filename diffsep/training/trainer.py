"""Training of learned priors with Hugging Face Accelerate (CPU, one GPU, many GPUs or machines).

Every random draw of step k (data windows, noise levels, noise) is a function of
``(seed, k, micro-batch, rank)``, so ``--resume`` continues exactly where an uninterrupted run
would be, and a run is reproducible whatever the number of data-loading workers.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from torch import Tensor

from diffsep.data.datasets import FixedChunks, RandomChunks
from diffsep.data.layout import read_manifest
from diffsep.errors import DiffsepError
from diffsep.evaluation.denoising import denoising_errors
from diffsep.io.atomic import write_json
from diffsep.priors import checkpoints, learned_io
from diffsep.priors.edm import LogNormalSigma, Preconditioning
from diffsep.tensors import expand_as
from diffsep.training.config import TrainConfig
from diffsep.training.ema import EMA
from diffsep.training.lineage import Lineage
from diffsep.training.schedule import learning_rate_factor


def diffusion_loss(model: torch.nn.Module, clean: Tensor, sigmas: LogNormalSigma, preconditioning: Preconditioning, generator: torch.Generator) -> Tensor:
    """EDM's weighted denoising loss ``lambda(sigma) ||D(x0 + sigma n; sigma) - x0||^2``."""
    sigma = sigmas.sample(clean.shape[0], generator, clean.device)
    noise = torch.randn(clean.shape, generator=generator, device=clean.device)
    denoised = model(clean + expand_as(sigma, clean) * noise, sigma)
    return (preconditioning.loss_weight(sigma) * (denoised - clean).square().mean(dim=(1, 2))).mean()


LEVEL_CHUNKS = 64
"""Training chunks whose median mixture RMS is recorded as the prior's level."""


def mixture_level(chunks: Sequence[Tensor]) -> float:
    """Median RMS (audio units) of the mixtures of stems ``[S, T]``: the level a prior was trained at."""
    return float(torch.stack([chunk.sum(0).square().mean().sqrt() for chunk in chunks]).median())


def _generator(device: torch.device, *key: int) -> torch.Generator:
    seed = int.from_bytes(hashlib.sha256(repr(key).encode()).digest()[:8], "little") >> 1
    return torch.Generator(device=device).manual_seed(seed)


class Trainer:
    """One training run of a ``msdm`` or ``weak`` prior; see :func:`train`."""

    def __init__(self, config: TrainConfig) -> None:
        from accelerate import Accelerator

        self.config = config
        self.accelerator = Accelerator(
            mixed_precision=config.mixed_precision,
            gradient_accumulation_steps=config.grad_accum,
            cpu=not torch.cuda.is_available(),  # also makes several CPU processes one job (gloo)
        )
        torch.manual_seed(config.seed)  # the same initial weights on every rank
        if config.init_from is None:
            prior = learned_io.from_size(config.prior, config.network, config.stems, config.sample_rate,
                                           sigma_data=config.sigma_data, data_scale=config.data_scale)
            self.lineage = Lineage()
        else:
            prior = learned_io.grow(config.init_from, config.network).train()
            self.lineage = Lineage.of(checkpoints.metadata(config.init_from))
        self.data = RandomChunks(config.data, "train", config.stems, config.chunk, config.sample_rate, seed=config.seed,
                                 min_active=config.min_active, items=2**62, augment=config.augment)
        prior.level = mixture_level([self.data.window(i) for i in range(LEVEL_CHUNKS)])
        prior.chunk = config.chunk  # the context it learns: diffsep run cuts segments of two chunks
        optimizer = torch.optim.Adam(prior.parameters(), lr=config.lr, betas=config.betas)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, functools.partial(learning_rate_factor, config.warmup, config.lr_decay, config.steps))
        self.ema = EMA(prior, config.ema_decay)
        self.model, self.optimizer = self.accelerator.prepare(prior, optimizer)
        # not prepared: Accelerate would step it once per process; stepped here once per optimizer step
        self.accelerator.register_for_checkpointing(self.ema, self.scheduler)
        self.sigmas = LogNormalSigma(config.sigma_mean, config.sigma_std)
        self.preconditioning = Preconditioning(config.sigma_data)
        self.step = 0
        self.cpu_seconds = 0.0  # this run's, all ranks, up to the last save or resume
        self._clock = time.process_time()

    @property
    def state_dir(self) -> Path:
        return self.config.out / "state"

    def batch(self, step: int, micro: int) -> Tensor:
        """This rank's micro-batch of ``step`` (a function of the step alone)."""
        ranks, rank, size = self.accelerator.num_processes, self.accelerator.process_index, self.config.batch_size
        first = ((step * self.config.grad_accum + micro) * ranks + rank) * size
        chunks = [self.data[first + j] for j in range(size)]
        return torch.stack(chunks).to(self.accelerator.device) * self.config.data_scale

    def train_step(self) -> float:
        total = 0.0
        for micro in range(self.config.grad_accum):
            clean = self.batch(self.step, micro)
            generator = _generator(self.accelerator.device, self.config.seed, self.step, micro, self.accelerator.process_index)
            with self.accelerator.accumulate(self.model):
                loss = diffusion_loss(self.model, clean, self.sigmas, self.preconditioning, generator)
                self.accelerator.backward(loss)
                if self.config.clip_grad is not None and self.accelerator.sync_gradients:
                    self.accelerator.clip_grad_norm_(self.model.parameters(), self.config.clip_grad)
                self.optimizer.step()
                self.optimizer.zero_grad()
            total += float(loss.detach()) / self.config.grad_accum
        self.scheduler.step()
        self.ema.update(self.accelerator.unwrap_model(self.model))
        self.step += 1
        return float(self.accelerator.reduce(torch.tensor(total, device=self.accelerator.device), "mean"))

    @functools.cached_property
    def validation_batch(self) -> Tensor | None:
        """The fixed validation chunks (read once), or None without a validation split."""
        try:
            chunks = FixedChunks(self.config.data, "validation", self.config.stems, self.config.chunk, self.config.sample_rate)
        except DiffsepError:
            return None
        count = min(len(chunks), self.config.val_chunks)
        return torch.stack([chunks[i] for i in range(count)]).to(self.accelerator.device) * self.config.data_scale

    @torch.no_grad()
    def validation_loss(self) -> float | None:
        """EMA weights on fixed validation chunks, at fixed noise levels and noise."""
        clean = self.validation_batch
        if clean is None:
            return None
        generator = _generator(self.accelerator.device, self.config.seed, -1)
        return float(diffusion_loss(self.ema.shadow, clean, self.sigmas, self.preconditioning, generator))

    def validation_errors(self) -> dict[str, float] | None:
        """EMA weights on the validation chunks under the run-independent protocol of
        :mod:`diffsep.evaluation.denoising` (dB at fixed levels): comparable across runs."""
        clean = self.validation_batch
        if clean is None:
            return None
        scale = self.config.data_scale
        return denoising_errors(self.ema.shadow, clean / scale, scale=scale, batch=self.config.batch_size)

    def save(self) -> None:
        """Training state (for --resume) and the EMA prior (for inference), both atomically."""
        now = time.process_time()
        spent = self.accelerator.reduce(torch.tensor(now - self._clock, dtype=torch.float64, device=self.accelerator.device), "sum")
        self.cpu_seconds, self._clock = self.cpu_seconds + float(spent), now
        self.accelerator.wait_for_everyone()
        self.accelerator.save_state(str(self.state_dir))
        if self.accelerator.is_main_process:
            write_json(self.state_dir / "step.json", {"step": self.step, "cpu_seconds": self.cpu_seconds, "before": asdict(self.lineage)}, None)
            lineage = self.lineage.extended(self.step, self.cpu_seconds, {**read_manifest(self.config.data), "augment": self.config.augment})
            learned_io.save(self.ema.shadow, self.config.out / "prior.safetensors", getattr(torch, self.config.export_dtype),
                            preset=self.config.network, **asdict(lineage))

    def resume(self) -> None:
        if not (self.state_dir / "step.json").is_file():
            raise DiffsepError(f"nothing to resume in {str(self.config.out)!r} (no state/step.json)")
        self.accelerator.load_state(str(self.state_dir))
        saved = json.loads((self.state_dir / "step.json").read_text())
        self.step, self.cpu_seconds = saved["step"], saved.get("cpu_seconds", 0.0)
        self.lineage = Lineage.of(saved.get("before", {}))
        self._clock = time.process_time()

    def checksum(self) -> list[str]:
        """A hash of every rank's weights (they must be equal)."""
        flat = torch.cat([p.detach().float().flatten() for p in self.accelerator.unwrap_model(self.model).parameters()])
        digest = torch.tensor(list(hashlib.sha256(flat.cpu().numpy().tobytes()).digest()[:8]), device=self.accelerator.device)
        gathered = self.accelerator.gather(digest.unsqueeze(0))
        return [bytes(row.tolist()).hex() for row in gathered.reshape(-1, 8).cpu()]


def train(config: TrainConfig, resume: bool = False, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run (or continue) training to ``config.steps`` (or ``config.stop_at``); returns the final log record.

    Logs JSON lines to ``OUT/log.jsonl``, saves every ``save_every`` steps, at the end, and on
    Ctrl-C (then re-raises ``KeyboardInterrupt`` after saving).
    """
    trainer = Trainer(config)
    if resume:
        trainer.resume()
    elif trainer.accelerator.is_main_process:
        write_json(config.out / "config.json", asdict(config))
    log = _Log(config.out / "log.jsonl", trainer.accelerator.is_main_process)
    started = time.perf_counter()
    end = config.steps if config.stop_at is None else min(config.steps, config.stop_at)
    try:
        while trainer.step < end:
            loss = trainer.train_step()
            if progress:
                progress(1)
            if trainer.step % config.log_every == 0 or trainer.step == config.steps:
                log.write(step=trainer.step, loss=loss, lr=trainer.scheduler.get_last_lr()[0], seconds=round(time.perf_counter() - started, 3))
            if trainer.step % config.val_every == 0:
                log.write(step=trainer.step, val_loss=trainer.validation_loss(), val_error_db=trainer.validation_errors())
            if trainer.step % config.save_every == 0 and trainer.step < config.steps:
                trainer.save()
    except KeyboardInterrupt:
        trainer.save()
        log.write(step=trainer.step, event="interrupted; saved, continue with --resume")
        raise
    trainer.save()
    event = "done" if trainer.step == config.steps else "stopped"
    record = log.write(step=trainer.step, event=event, rank_checksums=trainer.checksum())
    main = trainer.accelerator.is_main_process
    trainer.accelerator.wait_for_everyone()
    # destroy the process group on every rank, together, while the interpreter is alive: left to
    # interpreter teardown, gloo's worker threads abort ("terminate called without an active exception")
    trainer.accelerator.end_training()
    return {**record, "main": main}


class _Log:
    def __init__(self, path: Path, enabled: bool) -> None:
        self.path, self.enabled = path, enabled

    def write(self, **record: Any) -> dict[str, Any]:
        if self.enabled:
            with self.path.open("a") as handle:
                handle.write(json.dumps(record) + "\n")
        return record
