"""Initial separations to refine: another separator's stems, or the Wiener filter.

Refinement (MSDM's "Demucs + Gibbs sampling" row) starts the sampler from an estimate ``x0``
noised to an intermediate level, ``x0 + init_sigma * noise``, instead of from pure noise at
``sigma_max``: the prior only has to repair what the first separator got wrong.
"""

from __future__ import annotations

import functools
from typing import Callable, Union

from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.types import Prior

Initializer = Callable[[Tensor], Tensor]
"""``mixture [B, T] -> stems [B, S, T]`` in the prior's stem order."""

Init = Union[Tensor, str, Initializer]
"""What ``separate(..., init=...)`` accepts: stems ``[B, S, T]``, ``"wiener"`` or an initializer."""

INIT_SIGMA = 0.3
"""Default noise level at which refinement starts (audio units, as the schedule)."""


@functools.lru_cache(maxsize=8)
def _start_gaussian(rate: int):
    from diffsep.priors import gaussian, wiener_start

    start = wiener_start()  # it knows nothing above its own Nyquist frequency: a faster prior starts from the full-band one
    return (start if rate <= start.sample_rate else gaussian()).at_rate(rate)


def wiener(prior: Prior) -> Initializer:
    """The closed-form posterior mean of the shipped start filter (:data:`diffsep.priors.WIENER_START`,
    fitted on TimGM6mb songs with their drum kits drawn, at 11025 Hz) at ``prior``'s rate and
    stems; for a prior above 11025 Hz, that of the full-band Gaussian of ``--prior gaussian``
    (22050 Hz)."""
    model = _start_gaussian(prior.sample_rate)
    if [s.lower() for s in model.stems] != [s.lower() for s in prior.stems]:
        raise DiffsepError(f"the shipped Wiener filter separates {model.stems}, this prior {prior.stems}: "
                           "pass your own initial stems (init=TENSOR or --init STEM_DIR) or start from noise (--preset paper)")
    return model.posterior_mean


def initial_stems(init: Init, mixture: Tensor, prior: Prior) -> Tensor:
    """Resolve ``init`` for ``mixture`` ``[B, T]`` into stems ``[B, S, T]`` on its device."""
    if isinstance(init, str):
        if init.lower() != "wiener":
            raise DiffsepError(f"unknown init {init!r}: use 'wiener', a folder of stems, or a tensor of stems")
        init = wiener(prior)
    stems = init if isinstance(init, Tensor) else init(mixture)
    expected = [mixture.shape[0], len(prior.stems), mixture.shape[-1]]
    if list(stems.shape) != expected:
        raise DiffsepError(f"initial stems must have shape {expected} ([batch, stems, samples]), got {list(stems.shape)}")
    return stems.to(mixture)
