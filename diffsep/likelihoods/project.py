"""Mixture consistency by projection (``--likelihood project``): the denoiser's estimate, made to
add up to the mixture.

At every evaluation the prior's estimate ``D`` of the stems is corrected by what it misses of the
mixture, ``y - sum D``, shared among the stems in each time-frequency bin by their power there
(equal shares where all are silent): ``D'_n = D_n + share_n (y - sum D)``, so ``sum D' = y``
exactly. The last state gets the same correction. Unlike ``dirac`` no stem carries the others'
noise (a constrained stem holds S - 1 stems' worth of it), so the prior sees each stem at the
level it was trained for; it is the projection step of diffusion posterior samplers (DDRM,
Pi-GDM) with the residual placed where the estimate says each stem sounds, as a Wiener filter does.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from diffsep.likelihoods.base import Unconditional, mark_sums_to_mixture, with_stems
from diffsep.likelihoods.hints import with_hints
from diffsep.likelihoods.observation import Observation
from diffsep.postfilter import wiener_postfilter
from diffsep.registry import LIKELIHOODS
from diffsep.types import Likelihood

N_FFT = 1024
"""The STFT the residual is shared in (93 ms at 11025 Hz), hop a quarter of it."""


def consistent(stems: Tensor, mixture: Tensor, n_fft: int = N_FFT) -> Tensor:
    """``stems`` ``[B, S, T]`` plus the shares of ``mixture - sum(stems)`` (``mixture`` ``[B, T]``)
    by each stem's power in each bin (the Wiener post-filter's masks, applied to the residual):
    they then add up to the mixture."""
    return stems + wiener_postfilter(stems, mixture - stems.sum(1), n_fft=n_fft)


@dataclass(frozen=True)
class Projection(Unconditional):
    """Each estimate (and the last state) of the stems ``over`` made to add up to ``mixture`` ``[B, T]``."""

    mixture: Tensor
    over: tuple[int, ...]

    def correct(self, x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
        return self._consistent(denoised)

    def finalize(self, x: Tensor) -> Tensor:
        return self._consistent(x)

    def _consistent(self, stems: Tensor) -> Tensor:
        over = list(self.over)
        return with_stems(stems, over, consistent(stems[:, over], self.mixture))


@LIKELIHOODS.register("project", aliases=("projection",))
@mark_sums_to_mixture
def project(observation: Observation) -> Likelihood:
    """Mixture consistency by projecting each denoised estimate (residual shared by power)."""

    def make(mixture: Tensor, over: tuple[int, ...]) -> Likelihood:
        return Projection(mixture, over)

    return with_hints(observation, "project", make)
