"""Training a mask network: random windows of a data set's songs, half of them remixed.

Every draw of step k (the windows of :class:`~diffsep.data.datasets.RandomChunks`, the remix and
its gains) follows from the seed and k, and the state saved every few minutes holds the weights,
the optimizer and the remix generator, so ``--resume`` continues as an uninterrupted run would.
The loss is chosen by name (:mod:`diffsep.masknet.losses`): by default the L1 distance of each
stem's estimated STFT to its own, or minus the stems' SDR.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch import Tensor

from diffsep.data.augment import check
from diffsep.data.datasets import RandomChunks
from diffsep.data.layout import read_manifest
from diffsep.errors import DiffsepError
from diffsep.io.atomic import atomic_path
from diffsep.masknet.losses import LOSSES
from diffsep.masknet.network import MaskNet
from diffsep.masknet.second_stage import SecondStage
from diffsep.masknet.storage import KIND, described_member, read, save
from diffsep.priors import checkpoints
from diffsep.training.lineage import Lineage
from diffsep.training.schedule import learning_rate_factor

STATE, MODEL, LOG = "state.pt", "masknet.safetensors", "log.jsonl"
FREE_ON_RESUME = ("out", "steps", "stop_at", "save_minutes", "export_dtype")
"""Options a resumed run may change (``--steps`` shortens or lengthens the cosine); every other
one must be as the run started, or it would continue as another run than the one recorded."""


@dataclass
class MaskNetTraining:
    """One run of ``diffsep train-masknet`` (its options, same names)."""

    data: list[Path]
    """Data sets whose training songs are drawn together (in proportion to their numbers)."""
    out: Path
    stems: list[str] = field(default_factory=lambda: ["bass", "drums", "guitar", "piano"])
    steps: int = 7500
    stop_at: int | None = None
    batch_size: int = 16
    seconds: float = 4.0
    lr: float = 1e-3
    warmup: int = 500
    hidden: int | None = None
    """Width of the network [default: 256, or ``init_from``'s]."""
    layers: int | None = None
    """LSTM layers [default: 2, or ``init_from``'s]."""
    seed: int = 0
    save_minutes: float = 10.0
    export_dtype: str = "float16"
    augment: list[str] = field(default_factory=list)
    """Per-stem augmentations of each window (:mod:`diffsep.data.augment`), before any remix."""
    loss: str = "l1"
    """What the network minimises, a name in :data:`~diffsep.masknet.losses.LOSSES`."""
    init_from: Path | None = None
    """A mask network file to start from (its weights, stems, rate and shape; a fresh optimizer
    and step 0): a fine-tuning on other data. Its lineage carries into the new network's."""
    second_stage: Path | None = None
    """A mask network or bag file the run trains a second stage over: a
    :class:`~diffsep.masknet.second_stage.SecondStage` of them, the file's networks frozen."""

    def __post_init__(self) -> None:
        self.data = [Path(self.data)] if isinstance(self.data, (str, Path)) else [Path(data) for data in self.data]
        self.augment = check(self.augment)
        if self.loss not in LOSSES:
            raise DiffsepError(f"no loss {self.loss!r}: choose one of {', '.join(LOSSES)}")
        shape = {"hidden": 256, "layers": 2}
        if self.second_stage is not None:
            self.second_stage = Path(self.second_stage)
            if self.init_from is not None:
                raise DiffsepError("--second-stage starts a second stage over a file, --init-from continues a network or a second stage: "
                                   "give one of them")
            metadata = checkpoints.metadata(self.second_stage)
            if metadata.get("kind") != KIND:
                raise DiffsepError(f"{str(self.second_stage)!r} is not a mask network's file: --second-stage names one that "
                                   "`diffsep train-masknet` or `diffsep bag` wrote")
            self._check_stems(self.second_stage, metadata)
        if self.init_from is not None:
            self.init_from = Path(self.init_from)
            metadata = checkpoints.metadata(self.init_from)
            if metadata.get("kind") != KIND or "network" not in metadata:
                what = "a bag of mask networks" if "members" in metadata else f"a {metadata.get('kind')!r} model"
                raise DiffsepError(f"{str(self.init_from)!r} holds {what}: start from one network that `diffsep train-masknet` wrote")
            shape = {name: metadata["network"][name] for name in shape}
            for name, value in shape.items():
                if getattr(self, name) not in (None, value):
                    raise DiffsepError(f"--{name} {getattr(self, name)} differs from {str(self.init_from)!r}'s {value}: "
                                       f"a network started from a file keeps its shape (leave --{name} out)")
            self._check_stems(self.init_from, metadata)
        self.hidden = self.hidden if self.hidden is not None else shape["hidden"]
        self.layers = self.layers if self.layers is not None else shape["layers"]

    def _check_stems(self, path: Path, metadata: dict) -> None:
        if metadata["stems"] != self.stems:
            raise DiffsepError(f"{str(path)!r} separates {','.join(metadata['stems'])}, not {','.join(self.stems)}: "
                               "give --stems in its order")


def options(config: MaskNetTraining) -> dict:
    """``config``'s options as the run records them (paths as text)."""
    return json.loads(json.dumps(asdict(config), default=str))


def remix(batch: Tensor, generator: torch.Generator) -> Tensor:
    """Stems ``[B, S, T]`` with each stem taken from another song of the batch and scaled by a
    gain drawn in [-6, +3] dB: songs no composer wrote, stems that do not play together."""
    songs, count, _ = batch.shape
    mixed = torch.stack([batch[torch.randperm(songs, generator=generator), stem] for stem in range(count)], 1)
    return mixed * 10 ** ((torch.rand(songs, count, 1, generator=generator) * 9 - 6) / 20)


class _Run:
    """A run's network, optimizer and draws, one step at a time; its state saves and restores whole."""

    def __init__(self, config: MaskNetTraining, rate: int) -> None:
        self.config = config
        torch.manual_seed(config.seed)
        self.first: dict | None = None
        """The metadata of the first stage under a second stage (None: the run trains a plain network)."""
        if config.second_stage is not None:
            first, metadata = read(config.second_stage)
            self.first = described_member(metadata, config.second_stage)
            self.net, self.before = SecondStage(first, hidden=config.hidden, layers=config.layers), Lineage()
        elif config.init_from is None:
            self.net, self.before = MaskNet(config.stems, rate, hidden=config.hidden, layers=config.layers), Lineage()
        else:
            self.net, metadata = read(config.init_from)
            self.first, self.before = metadata.get("first"), Lineage.of(metadata)
        if self.net.sample_rate != rate:
            given = config.second_stage or config.init_from
            raise DiffsepError(f"{str(given)!r} separates at {self.net.sample_rate} Hz, the data is at {rate} Hz: "
                               "render the data at the network's rate")
        trained = [parameter for parameter in self.net.parameters() if parameter.requires_grad]
        self.optimizer = torch.optim.AdamW(trained, lr=config.lr, weight_decay=1e-4)
        self.generator = torch.Generator().manual_seed(config.seed + 1)
        self.chunks = RandomChunks(config.data, "train", config.stems, int(config.seconds * rate), rate,
                                   seed=config.seed + 7, min_active=2, items=1 << 62,
                                   augment=config.augment)
        self.step, self.cpu_seconds, self._clock = 0, 0.0, time.process_time()

    def advance(self) -> float:
        """One optimizer step (every other one on remixed windows); its loss."""
        size = self.config.batch_size
        batch = torch.stack([self.chunks[self.step * size + i] for i in range(size)])
        loss = LOSSES[self.config.loss](self.net, remix(batch, self.generator) if self.step % 2 == 0 else batch)
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr * learning_rate_factor(self.config.warmup, "cosine", self.config.steps, self.step)
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), 5.0)
        self.optimizer.step()
        self.step += 1
        return loss.item()

    def save(self, path: Path) -> None:
        now = time.process_time()
        self.cpu_seconds, self._clock = self.cpu_seconds + now - self._clock, now
        state = {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict(), "generator": self.generator.get_state(),
                 "dropout": torch.get_rng_state(), "step": self.step, "cpu_seconds": self.cpu_seconds,
                 "config": json.dumps(options(self.config))}
        with atomic_path(path) as temporary:
            torch.save(state, temporary)

    def restore(self, state: dict) -> None:
        """Continue from a state :meth:`save` wrote (its options checked by :func:`check_started_as`)."""
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["generator"])
        torch.set_rng_state(state["dropout"])
        self.step, self.cpu_seconds = state["step"], state["cpu_seconds"]


def check_started_as(config: MaskNetTraining, state: dict) -> None:
    """Refuse to continue a saved ``state`` with options other than those its run started with."""
    started, given = json.loads(state.get("config", "{}")), options(config)
    changed = [name for name in started if name not in FREE_ON_RESUME and started[name] != given.get(name)]
    if changed:
        said = "; ".join(f"--{name.replace('_', '-')} was {started[name]!r}, now {given.get(name)!r}" for name in changed)
        raise DiffsepError(f"--resume continues the run as it started, and {said}: give the options it started with "
                           "(--steps, --stop-at and --save-minutes may change), "
                           "or start a new run with --init-from")


def train(config: MaskNetTraining, resume: bool = False, progress: Callable[[int], None] = lambda step: None) -> Path:
    """Train (or with ``resume`` continue) the run in ``config.out`` to ``config.steps`` (or to
    ``stop_at``, to go on later with ``resume``: the schedule still runs to ``steps``); the mask
    network is written to ``out/masknet.safetensors`` when it stops, the resumable state then, on
    Ctrl-C and every ``save_minutes``."""
    out, manifests = Path(config.out), [read_manifest(data) for data in config.data]
    rates = {manifest.get("sample_rate") for manifest in manifests}
    if None in rates:
        raise DiffsepError(f"{', '.join(map(str, config.data))}: a data set without a dataset.json saying its sample rate; "
                           "make it with `diffsep data`")
    if len(rates) > 1:
        raise DiffsepError(f"the data sets are at different rates ({', '.join(map(str, sorted(rates)))} Hz); render them at one")
    if (out / STATE).exists() != resume:
        raise DiffsepError(f"{str(out)!r} holds a run already: continue it with --resume, or choose another --out" if not resume
                           else f"nothing to resume in {str(out)!r}: start the run without --resume")
    state = torch.load(out / STATE, weights_only=True) if resume else None
    if state is not None:
        check_started_as(config, state)  # before the data are indexed and the networks read
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(config, rates.pop())
    if state is not None:
        run.restore(state)
    run.net.train()
    saved = time.monotonic()
    try:
        with (out / LOG).open("a", buffering=1) as log:  # a line per step, readable while it runs
            while run.step < min(config.steps, config.stop_at or config.steps):
                loss = run.advance()
                log.write(json.dumps({"step": run.step, "loss": round(loss, 5)}) + "\n")
                progress(run.step)
                if time.monotonic() - saved > config.save_minutes * 60:
                    run.save(out / STATE)
                    saved = time.monotonic()
    except KeyboardInterrupt:  # Ctrl-C: keep what was done
        run.save(out / STATE)
        raise
    run.save(out / STATE)
    lineage = run.before.extended(run.step, run.cpu_seconds, *manifests)
    recipe = options(config)
    return save(run.net.eval(), out / MODEL, getattr(torch, config.export_dtype), first=run.first, **asdict(lineage),
                recipe=recipe)
