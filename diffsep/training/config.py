"""What a training run depends on, and the network it inherits from ``--init-from``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diffsep.data.classes import STEMS
from diffsep.errors import DiffsepError
from diffsep.priors import checkpoints


@dataclass
class TrainConfig:
    """Everything a run depends on; written to ``OUT/config.json``."""

    data: Path
    out: Path
    prior: str = "msdm"
    network: str | None = None  # the network's size; None: --init-from's, else "small" (as the four fields below)
    stems: list[str] | None = None
    sample_rate: int | None = None
    chunk: int = 32768
    batch_size: int = 8
    grad_accum: int = 1
    steps: int = 1000
    stop_at: int | None = None  # save and stop here; the schedule still runs to ``steps``
    lr: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.99)
    ema_decay: float = 0.999
    sigma_data: float | None = None
    sigma_mean: float = -3.0
    sigma_std: float = 1.0
    data_scale: float | None = None
    min_active: int = 0
    augment: list[str] = field(default_factory=list)  # per-stem augmentations, diffsep.data.augment
    mixed_precision: str = "no"
    seed: int = 0
    log_every: int = 10
    save_every: int = 500
    val_every: int = 500
    val_chunks: int = 16
    workers: int = 0
    export_dtype: str = "float32"
    warmup: int = 0
    lr_decay: str = "constant"
    clip_grad: float | None = None  # the gradients' largest norm (None: unclipped, as MSDM)
    init_from: Path | None = None

    def __post_init__(self) -> None:
        if self.lr_decay not in LR_DECAYS:
            raise DiffsepError(f"--lr-decay {self.lr_decay!r} is not one of {', '.join(LR_DECAYS)}")
        for name, value in resolve_architecture(self).items():
            setattr(self, name, value)


LR_DECAYS = ("constant", "cosine")

DEFAULT_ARCHITECTURE = {"network": "small", "stems": list(STEMS), "sample_rate": 22050, "sigma_data": 0.2, "data_scale": 1.0}
STORED_AS = {"network": "preset"}
"""A checkpoint's metadata names the network's size ``preset`` (its files keep that key)."""


def resolve_architecture(config: TrainConfig) -> dict[str, Any]:
    """The network's fields: as given, else ``init_from``'s (which must agree with those given, but
    for a larger network size grown from it), else the defaults."""
    inherited = DEFAULT_ARCHITECTURE
    if config.init_from is not None:
        metadata = checkpoints.metadata(config.init_from)
        if metadata.get("kind") != config.prior:
            raise DiffsepError(f"--init-from {str(config.init_from)!r} holds a {metadata.get('kind')!r} prior, "
                               f"not a {config.prior!r} one; pass --prior {metadata.get('kind')}")
        inherited = {name: metadata.get(STORED_AS.get(name, name), default) for name, default in DEFAULT_ARCHITECTURE.items()}
    resolved = {}
    for name, default in inherited.items():
        given = getattr(config, name)
        if config.init_from is not None and given is not None and given != default and name != "network":
            raise DiffsepError(f"--init-from {str(config.init_from)!r} was trained with {name} {default!r}, "
                               f"not {given!r}; leave the option out to continue with the checkpoint's")
        resolved[name] = default if given is None else given
    return resolved
