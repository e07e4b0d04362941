"""The likelihood every other one extends: no observation (total generation, ``none``).

A likelihood changes the prior's denoiser to account for what is observed (DESIGN.md §3) and acts
only on the stems it is given (``over``), so separation *with hints* is a composition of
imputation on the known stems and a mixture likelihood on the others, with no sampler code.
"""

from __future__ import annotations

from typing import Sequence

from torch import Tensor

from diffsep.likelihoods.observation import Observation
from diffsep.registry import LIKELIHOODS
from diffsep.types import Likelihood, NoiseFn


def with_stems(x: Tensor, index: int | Sequence[int], values: Tensor) -> Tensor:
    """A copy of ``x`` whose stems ``index`` are ``values`` (the caller's tensor is untouched)."""
    out = x.clone()
    out[:, index] = values
    return out


class Unconditional:
    """No observation: total generation from the prior (``none``)."""

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        return x

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        return denoised

    def finalize(self, x: Tensor) -> Tensor:
        return x


@LIKELIHOODS.register("none", aliases=("unconditional",))
def none(observation: Observation) -> Likelihood:
    """No observation: total generation."""
    return Unconditional()
