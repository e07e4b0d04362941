"""What a user observes, and the named likelihoods built from it (``--likelihood NAME``).

A likelihood factory takes the :class:`Observation` first and its own options after, so a
user's likelihood is registered the same way as ours::

    @LIKELIHOODS.register("scaled")
    def scaled(observation: Observation, gain: float = 1.0) -> Likelihood: ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.likelihoods import Compose, Dirac, GaussianMixture, Impute, Unconditional
from diffsep.registry import LIKELIHOODS
from diffsep.types import Likelihood, StemRef, stem_index


@dataclass(frozen=True)
class Observation:
    """The stems' names, and what is known of them.

    Args:
        stems: the prior's stem names, in order.
        mixture: ``[B, T]`` the sum of all stems, if observed.
        known: stem name -> ``[B, T]`` stems that are given (hints or imputation).
    """

    stems: list[str]
    mixture: Tensor | None = None
    known: Mapping[str, Tensor] = field(default_factory=dict)

    def known_indices(self) -> tuple[int, ...]:
        return tuple(stem_index(self.stems, name) for name in self.known)

    def known_stack(self) -> Tensor:
        """``[B, K, T]`` the known stems in the order of :meth:`known_indices`."""
        return torch.stack(list(self.known.values()), dim=1)

    def require_mixture(self, name: str) -> Tensor:
        if self.mixture is None:
            raise DiffsepError(f"the {name!r} likelihood needs a mixture to separate")
        return self.mixture


def with_hints(observation: Observation, name: str, make: Callable[[Tensor, tuple[int, ...]], Likelihood]) -> Likelihood:
    """``make(mixture, over)`` on the unknown stems, plus imputation of the known ones.

    With known stems x_I, the unknown stems sum to ``y - sum x_I`` (separation with hints).
    """
    mixture = observation.require_mixture(name)
    if not observation.known:
        return make(mixture, tuple(range(len(observation.stems))))
    indices = observation.known_indices()
    unknown = tuple(n for n in range(len(observation.stems)) if n not in indices)
    if not unknown:
        raise DiffsepError("every stem is known: there is nothing left to separate")
    residual = mixture - observation.known_stack().sum(dim=1)
    return Compose((Impute(observation.known_stack(), indices), make(residual, unknown)))


@LIKELIHOODS.register("none", aliases=("unconditional",))
def none(observation: Observation) -> Likelihood:
    """No observation: total generation."""
    return Unconditional()


@LIKELIHOODS.register("dirac")
def dirac(observation: Observation, constrained: StemRef = 0) -> Likelihood:
    """MSDM's Dirac likelihood; ``constrained`` by name or index (default: the first stem,
    the public code's ``source_id=0``, which is bass in MSDM's order)."""
    k = stem_index(observation.stems, constrained)
    if k in observation.known_indices():
        raise DiffsepError(f"the constrained stem {observation.stems[k]!r} is also given as known; constrain another")

    def make(mixture: Tensor, over: tuple[int, ...]) -> Likelihood:
        return Dirac(mixture, k, over)

    return with_hints(observation, "dirac", make)


@LIKELIHOODS.register("gaussian")
def gaussian(observation: Observation, gamma: float = 0.75) -> Likelihood:
    """Gaussian likelihood with ``gamma = g * sigma_hat`` (paper's best: g = 0.75)."""
    if gamma <= 0:
        raise DiffsepError(f"gamma must be positive, got {gamma}")

    def make(mixture: Tensor, over: tuple[int, ...]) -> Likelihood:
        return GaussianMixture(mixture, gamma, over)

    return with_hints(observation, "gaussian", make)


@LIKELIHOODS.register("impute", aliases=("imputation",))
def impute(observation: Observation) -> Likelihood:
    """Partial generation: the known stems are given, the others are sampled."""
    if not observation.known:
        raise DiffsepError("the 'impute' likelihood needs known stems (--known STEM=FILE)")
    return Impute(observation.known_stack(), observation.known_indices())
