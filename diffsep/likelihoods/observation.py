"""What a user observes; every named likelihood (``--likelihood NAME``) is built from it.

A likelihood factory takes the :class:`Observation` first and its own options after, so a
user's likelihood is registered the same way as ours::

    @LIKELIHOODS.register("scaled")
    def scaled(observation: Observation, gain: float = 1.0) -> Likelihood: ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.types import stem_index


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
