"""Separation with hints: a mixture likelihood on the unknown stems, imputation of the known."""

from __future__ import annotations

from typing import Callable

from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.likelihoods.compose import Compose
from diffsep.likelihoods.impute import Impute
from diffsep.likelihoods.observation import Observation
from diffsep.types import Likelihood


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
