"""Weight-space interpolation of two learned priors of one network (WiSE-FT: Wortsman et al.,
"Robust fine-tuning of zero-shot models", CVPR 2022).

A prior continued on new data gains on the new data and loses on the old. The weights between
the start and the continuation, ``(1 - weight) * start + weight * end``, often keep most of the
gain for a fraction of the loss (docs/results.md measures it on two timbre axes); no training,
seconds to compute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from diffsep.errors import DiffsepError
from diffsep.priors import checkpoints, learned_io
from diffsep.training.lineage import Lineage

SHARED = ("kind", "stems", "sample_rate", "network", "sigma_data", "data_scale", "chunk", "clamp")
"""What two priors must agree on to be interpolated: one network, trained on one kind of data."""


def interpolate(start: str | Path, end: str | Path, weight: float, out: str | Path, dtype: torch.dtype = torch.float16) -> Path:
    """Write the prior ``(1 - weight) * start + weight * end`` to ``out``; its level (the mixture
    RMS it expects) is interpolated alike, its metadata names both parents and the weight."""
    if not 0.0 <= weight <= 1.0:
        raise DiffsepError(f"--weight must lie in [0, 1] (0: START, 1: END), got {weight}")
    (first, first_meta), (second, second_meta) = checkpoints.load(start), checkpoints.load(end)
    differ = [key for key in SHARED if first_meta.get(key) != second_meta.get(key)]
    if differ or set(first) != set(second):
        raise DiffsepError(f"{str(start)!r} and {str(end)!r} are not one network (they differ in "
                           f"{', '.join(differ) or 'their tensors'}); only a prior and its own continuation interpolate")
    prior = learned_io.restore(second, second_meta, end)
    prior.load_state_dict({name: torch.lerp(first[name].float(), second[name].float(), weight) for name in second})
    prior.level = _between(first_meta.get("level"), second_meta.get("level"), weight)
    return learned_io.save(prior, out, dtype, preset=second_meta.get("preset"), **lineage(first_meta, second_meta, weight, start, end))


def lineage(first: dict[str, Any], second: dict[str, Any], weight: float, start: str | Path, end: str | Path) -> dict[str, Any]:
    """The interpolation's lineage: the continuation's own where it continued the start (the
    start's data sets among its own), else both parents' together; with the parents named."""
    before, after = Lineage.of(first), Lineage.of(second)
    if all(data in after.data for data in before.data) and before.training_steps <= after.training_steps:
        behind = after
    else:
        behind = Lineage(before.training_steps + after.training_steps, round(before.cpu_hours + after.cpu_hours, 4),
                         (*before.data, *(data for data in after.data if data not in before.data)))
    parents = {"start": _parent(start, before), "end": _parent(end, after), "weight": weight}
    return {"training_steps": behind.training_steps, "cpu_hours": behind.cpu_hours, "data": list(behind.data), "interpolated": parents}


def _parent(path: str | Path, lineage: Lineage) -> dict[str, Any]:
    return {"file": Path(path).name, "training_steps": lineage.training_steps, "cpu_hours": lineage.cpu_hours}


def _between(first: float | None, second: float | None, weight: float) -> float | None:
    if first is None or second is None:
        return second if first is None else first
    return (1 - weight) * first + weight * second
