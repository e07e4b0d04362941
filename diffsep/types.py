"""Interfaces of the three kinds of component and the shape conventions they share.

Shapes: stems ``x`` are ``[B, S, T]`` (batch, stems, samples), a mixture ``y`` is ``[B, T]``,
a noise level ``sigma`` is a float or a ``[B]`` tensor. A denoiser returns ``D(x; sigma)``,
the EDM estimate of the clean stems (Karras et al. 2022); the ODE derivative is
``d = (x - D) / sigma``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, Sequence, Union, runtime_checkable

from torch import Tensor

Sigma = Union[float, Tensor]
NoiseFn = Callable[[], Tensor]
"""Draws standard normal noise of the sampler state's shape (one generator per batch item)."""


@runtime_checkable
class Prior(Protocol):
    """A score model of the stems, given as its denoiser ``D(x; sigma) ~ E[x0 | x]``."""

    stems: list[str]
    sample_rate: int

    def denoise(self, x: Tensor, sigma: Sigma) -> Tensor:
        """Denoised stems ``[B, S, T]`` for noisy stems ``x`` ``[B, S, T]`` at level ``sigma``."""
        ...


@runtime_checkable
class Likelihood(Protocol):
    """What is observed, as a change to the prior's denoiser (posterior = prior + likelihood).

    A sampler calls, at every network evaluation, ``condition`` then the prior, then
    ``correct``; and ``finalize`` once on the result. Stems a likelihood does not touch pass
    through unchanged, so likelihoods over disjoint stems compose.
    """

    def condition(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> Tensor:
        """The state the prior is evaluated at (a projection or replacement of ``x``)."""
        ...

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        """The posterior denoiser, from the prior's ``denoised`` at the conditioned ``x``."""
        ...

    def finalize(self, x: Tensor) -> Tensor:
        """The final stems, with observed constraints made exact."""
        ...


@dataclass(frozen=True)
class Step:
    """What a sampler reports to its callback after each update (as k-diffusion's dict)."""

    i: int
    sigma: float
    sigma_hat: float
    x: Tensor
    denoised: Tensor


Callback = Callable[[Step], None]


class Sampler(Protocol):
    """Integrates the reverse diffusion of a posterior denoiser over a schedule."""

    def __call__(
        self,
        posterior: "PosteriorLike",
        x: Tensor,
        sigmas: Tensor,
        noise: NoiseFn,
        callback: Callback | None = None,
    ) -> Tensor:
        """Stems ``[B, S, T]`` from the initial noisy state ``x`` at level ``sigmas[0]``."""
        ...


class PosteriorLike(Protocol):
    """What a sampler needs: a conditioned evaluation and a final projection."""

    def evaluate(self, x: Tensor, sigma: Tensor, noise: NoiseFn) -> tuple[Tensor, Tensor]:
        """``(z, D)``: the conditioned state and the posterior denoiser at it."""
        ...

    def finalize(self, x: Tensor) -> Tensor: ...


StemRef = Union[int, str]


def stem_index(stems: Sequence[str], stem: StemRef) -> int:
    """Index of a stem given by name (case-insensitive) or by index."""
    from diffsep.errors import DiffsepError

    if isinstance(stem, int):
        if not -len(stems) <= stem < len(stems):
            raise DiffsepError(f"stem index {stem} is out of range for stems {list(stems)}")
        return stem % len(stems)
    lowered = [s.lower() for s in stems]
    if stem.isdigit() and stem.lower() not in lowered:
        return stem_index(stems, int(stem))
    if stem.lower() not in lowered:
        raise DiffsepError(f"unknown stem {stem!r}: this prior has stems {list(stems)}")
    return lowered.index(stem.lower())
