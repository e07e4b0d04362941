"""A bag of mask networks: their masks averaged, with weights (Demucs ships bags of models too).

Networks trained on different music make different mistakes: one trained on the procedural
composer's songs, one fine-tuned on real compositions. Their weighted mean mask keeps most of what
each does well (docs/experiments/2026-12-06-a-bag-of-two-mask-networks.md). The mean of masks that
add up to one over the stems adds up to one, so the stems still add up to the mixture.

A bag may also soften its mean mask: raised to ``1 / temperature`` and normalized over the stems
again (with the softmax of each network, a temperature on the log-masks). The networks are trained
by the L1 distance of each stem's spectrum, whose best estimate is a median and sharper than the
mean that SI-SDR (a squared error) rewards; a temperature above one, chosen on validation songs,
moves the masks towards that mean (docs/experiments/2026-12-06-generaluser-gs-and-softer-masks.md).
"""

from __future__ import annotations

from typing import Sequence

from torch import Tensor, nn

from diffsep.errors import DiffsepError
from diffsep.masknet.network import MaskNet, MaskSeparator
from diffsep.tensors import power_shares


class Bag(MaskSeparator):
    """``members`` (mask networks of the same stems, rate and STFT) with their masks averaged by
    ``weights`` (non-negative, normalized to add up to one; equal without them), then softened by
    ``temperature`` (1: the mean itself; above 1 softer, below 1 sharper)."""

    def __init__(self, members: Sequence[MaskNet], weights: Sequence[float] | None = None, temperature: float = 1.0) -> None:
        if len(members) < 2:
            raise DiffsepError("a bag needs two mask networks or more")
        first = members[0]
        for member in members[1:]:
            if (member.stems, member.sample_rate, member.n_fft, member.hop) != (first.stems, first.sample_rate, first.n_fft, first.hop):
                raise DiffsepError(f"a bag's networks must share their stems, rate and STFT: {first.stems} at {first.sample_rate} Hz "
                                   f"(n_fft {first.n_fft}, hop {first.hop}) against {member.stems} at {member.sample_rate} Hz "
                                   f"(n_fft {member.n_fft}, hop {member.hop})")
        weights = [1.0] * len(members) if weights is None else [float(w) for w in weights]
        if len(weights) != len(members) or min(weights) < 0 or sum(weights) <= 0:
            raise DiffsepError(f"a bag of {len(members)} networks needs {len(members)} non-negative weights, not all zero; got {weights}")
        if not temperature > 0:
            raise DiffsepError(f"a bag's temperature is above 0 (1 keeps the mean mask), got {temperature}")
        super().__init__(first.stems, first.sample_rate, first.n_fft, first.hop)
        self.members = nn.ModuleList(members)
        self.weights = [w / sum(weights) for w in weights]
        self.temperature = float(temperature)

    def masks(self, spec: Tensor) -> Tensor:
        mean = sum(weight * member.masks(spec) for weight, member in zip(self.weights, self.members) if weight)  # weight 0: not run
        if self.temperature == 1.0:
            return mean
        return power_shares(mean.clamp_min(1e-12) ** (1 / self.temperature), 1)
