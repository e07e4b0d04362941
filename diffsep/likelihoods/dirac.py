"""MSDM's Dirac likelihood: the stems sum exactly to the mixture (``--likelihood dirac``)."""

from __future__ import annotations

from dataclasses import dataclass
import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.likelihoods.base import Unconditional, mark_sums_to_mixture, with_stems
from diffsep.likelihoods.hints import with_hints
from diffsep.likelihoods.observation import Observation
from diffsep.registry import LIKELIHOODS
from diffsep.types import Likelihood, NoiseFn, StemRef, stem_index


@dataclass(frozen=True)
class Dirac(Unconditional):
    """MSDM's Dirac likelihood (§4.2.3, Algorithm 2): stems ``over`` sum exactly to ``mixture``.

    The constrained stem is ``x_k = y - sum of the other stems``; the free stems move along
    ``d_n(z) - d_k(z)`` and the constrained one has no update of its own.

    Args:
        mixture: ``[B, T]`` clean mixture y (not noised, as the public code).
        constrained: index k of the constrained stem (paper's best: bass).
        over: indices of the stems that make up the mixture (default: all).
    """

    mixture: Tensor
    constrained: int
    over: tuple[int, ...]

    @property
    def free(self) -> list[int]:
        return [n for n in self.over if n != self.constrained]

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        return self.finalize(x)

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        # D'_n = D_n + (z_k - D_k) gives d'_n = d_n - d_k; D'_k = z_k gives d'_k = 0.
        k = self.constrained
        out = denoised + (x[:, k] - denoised[:, k]).unsqueeze(1)  # one pass over every stem, then mend the few
        out[:, k] = x[:, k]
        for n in set(range(x.shape[1])) - set(self.over):  # stems outside the mixture (known hints) keep D
            out[:, n] = denoised[:, n]
        return out

    def finalize(self, x: Tensor) -> Tensor:
        # a sum of views: no gathered copy of the free stems (same values as x[:, free].sum(1))
        return with_stems(x, self.constrained, self.mixture - sum(x[:, n] for n in self.free))


@LIKELIHOODS.register("dirac")
@mark_sums_to_mixture
def dirac(observation: Observation, constrained: StemRef = 0) -> Likelihood:
    """MSDM's Dirac likelihood; ``constrained`` by name or index (default: the first stem,
    the public code's ``source_id=0``, which is bass in MSDM's order)."""
    k = stem_index(observation.stems, constrained)
    if k in observation.known_indices():
        raise DiffsepError(f"the constrained stem {observation.stems[k]!r} is also given as known; constrain another")

    def make(mixture: Tensor, over: tuple[int, ...]) -> Likelihood:
        return Dirac(mixture, k, over)

    return with_hints(observation, "dirac", make)
