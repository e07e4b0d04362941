"""The likelihood every other one extends: no observation (total generation, ``none``).

A likelihood changes the prior's denoiser to account for what is observed (docs/concepts.md) and acts
only on the stems it is given (``over``), so separation *with hints* is a composition of
imputation on the known stems and a mixture likelihood on the others, with no sampler code.
"""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

from torch import Tensor

from diffsep.likelihoods.observation import Observation
from diffsep.registry import LIKELIHOODS
from diffsep.types import Likelihood, NoiseFn

F = TypeVar("F", bound=Callable[..., Likelihood])


def mark_sums_to_mixture(factory: F) -> F:
    """Mark a likelihood factory whose stems add up to the mixture (``dirac``, ``gaussian``).

    ``diffsep run`` carries only such stems to the input's whole band and channels, by masks that
    share the mixture out (diffsep/separation/fullband.py); the stems of any other likelihood (``impute``,
    a plugin's own observation model) are written in the prior's band, each channel separated.
    """
    factory.sums_to_mixture = True  # type: ignore[attr-defined]
    return factory


def sums_to_mixture(factory: Callable[..., Likelihood]) -> bool:
    """Whether ``factory`` was marked with :func:`mark_sums_to_mixture`."""
    return getattr(factory, "sums_to_mixture", False)


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
