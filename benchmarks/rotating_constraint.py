"""Does it pay to constrain a different stem in each of ``fast``'s K samples? (It does not.)

Under the Dirac likelihood the constrained stem is the mixture minus the others, so it carries
their errors. Averaging K samples whose constrained stems differ might spread that error. This
script adds ``fast-ORDER`` configurations to ``separation_quality.py``: sample ``j`` of each
mixture constrains stem ``ORDER[j % len(ORDER)]`` (b = bass, d = drums, g = guitar, p = piano,
in the shipped prior's stem order), and runs it with the same arguments.

Run (selection songs, not the test songs):
    .venv/bin/python benchmarks/rotating_constraint.py --data data/select98 --split test --tracks 30 \
        --configs fast,fast-bdgp,fast-bdbd,fast-bbbd,fast-bbdg --no-baselines
``fast-bbbb`` constrains bass in every sample and must equal ``fast`` exactly (a check of the algebra).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

import separation_quality
from diffsep.likelihoods.base import Unconditional
from diffsep.likelihoods.observation import Observation
from diffsep.registry import LIKELIHOODS
from diffsep.types import NoiseFn

ORDERS = ("bbbb", "bdgp", "bdbd", "bbbd", "bbdg")


@dataclass(frozen=True)
class RotatingDirac(Unconditional):
    """Dirac with one constrained stem per item: ``mask`` ``[B, S, 1]`` is 1 at item b's."""

    mixture: Tensor
    mask: Tensor

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        return self.finalize(x)

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        offset = ((x - denoised) * self.mask).sum(1, keepdim=True)  # z_k - D_k of each item's k
        return (denoised + offset) * (1 - self.mask) + x * self.mask

    def finalize(self, x: Tensor) -> Tensor:
        free_sum = (x * (1 - self.mask)).sum(1, keepdim=True)
        return x * (1 - self.mask) + self.mask * (self.mixture[:, None] - free_sum)


def rotating(order: str):
    """A likelihood factory: item b (sample b % K of its mixture, as posterior_mean lays them out)
    constrains the stem named by ``order[b % len(order)]``."""

    def make(observation: Observation) -> RotatingDirac:
        mixture = observation.require_mixture("dirac")
        letters = [stem[0] for stem in observation.stems]
        k = torch.tensor([letters.index(order[b % len(order)]) for b in range(mixture.shape[0])])
        mask = torch.nn.functional.one_hot(k, len(letters)).to(mixture.dtype)[:, :, None]
        return RotatingDirac(mixture, mask)

    return make


if __name__ == "__main__":
    fast = separation_quality.PRESET_OPTIONS["fast"]
    for order in ORDERS:
        LIKELIHOODS.register(f"dirac-{order}")(rotating(order))
        separation_quality.LEARNED[f"fast-{order}"] = {**fast, "likelihood": f"dirac-{order}"}
    separation_quality.main()
