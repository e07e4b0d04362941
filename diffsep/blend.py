"""Blending a refinement with its start: an ensemble of the prior and the first separator.

A refinement (:mod:`diffsep.initial`) ends with the prior's estimate of each stem; its start is
another estimate, with errors of its own. ``w * refined + (1 - w) * start`` for each stem's
weight ``w`` averages the two, as Demucs' bag of models averages its models with a weight per
source. Where the prior knows a stem's timbre the refined estimate is better and its weight
high; where the prior has not heard an instrument (docs/results.md) the linear filter's estimate
keeps what the prior would lose. With unequal weights the blend no longer adds up to what the
refinement added up to (the mixture, with the Dirac likelihood); the difference is shared among
the stems in proportion to their power, a mixture-consistency projection (Wisdom et al., 2019).
"""

from __future__ import annotations

from typing import Mapping, Sequence, Union

import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.tensors import shared_by_power

Blend = Union[float, Mapping[str, float]]
"""The refinement's weight: one for every stem, or stem name -> weight (1 for stems not named)."""


def weights(blend: Blend, stems: Sequence[str], known: Sequence[str] = ()) -> Tensor:
    """``[S]`` weights of the refined stems, in ``stems``' order; stems in ``known`` keep 1 (they
    are given, never estimated)."""
    by_stem = dict(blend) if isinstance(blend, Mapping) else {stem: float(blend) for stem in stems}
    unknown = sorted(set(by_stem) - set(stems))
    if unknown:
        raise DiffsepError(f"--blend names {', '.join(unknown)}, which the prior does not separate ({', '.join(stems)})")
    for stem, weight in by_stem.items():
        if not 0.0 <= weight <= 1.0:
            raise DiffsepError(f"--blend weights are between 0 (the start alone) and 1 (the refinement alone); {stem} has {weight}")
    return torch.tensor([1.0 if stem in known else float(by_stem.get(stem, 1.0)) for stem in stems])


def blended(refined: Tensor, start: Tensor, blend: Blend, stems: Sequence[str], known: Sequence[str] = ()) -> Tensor:
    """``w * refined + (1 - w) * start`` per stem (``[B, S, T]`` each), plus each estimated stem's
    power share of what that takes from the refinement's sum: the stems add up as the refined ones do."""
    weight = weights(blend, stems, known).to(refined.device, refined.dtype)[:, None]
    mixed = weight * refined + (1 - weight) * start.to(refined.dtype)
    free = [i for i, stem in enumerate(stems) if stem not in known]
    return shared_by_power(mixed, (refined - mixed).sum(1, keepdim=True), free)


def parse(text: str) -> Blend:
    """``"0.5"`` or ``"bass=0.6,drums=0.75"`` (the CLI's ``--blend``)."""
    try:
        if "=" not in text:
            return float(text)
        pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
        return {stem.strip(): float(value) for stem, value in pairs}
    except ValueError:
        raise DiffsepError(f"--blend is a weight (0.5) or STEM=WEIGHT pairs (bass=0.6,drums=0.75), not {text!r}") from None

