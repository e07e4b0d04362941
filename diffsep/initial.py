"""Initial separations to refine: another separator's stems, or the Wiener filter.

Refinement (MSDM's "Demucs + Gibbs sampling" row) starts the sampler from an estimate ``x0``
noised to an intermediate level, ``x0 + init_sigma * noise``, instead of from pure noise at
``sigma_max``: the prior only has to repair what the first separator got wrong.
"""

from __future__ import annotations

import functools
from typing import Callable, Union

import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.types import Prior

Initializer = Callable[[Tensor], Tensor]
"""``mixture [B, T] -> stems [B, S, T]`` in the prior's stem order."""

Init = Union[Tensor, str, Initializer]
"""What ``separate(..., init=...)`` accepts: stems ``[B, S, T]``, ``"wiener"``, ``"masknet"``, a mask
network's file (``.safetensors``) or an initializer."""

NAMED = ("wiener", "masknet")
"""The first separators ``init`` names: the shipped Wiener filter and the shipped mask network."""

STARTS_TEXT = ", ".join(f"'{name}'" for name in NAMED) + ", a mask network's .safetensors file"
"""What ``init`` may name, for messages (with a folder of stems, or a tensor, where those apply)."""

DEFAULT_INIT_SIGMA = 0.3
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


def masknet(prior: Prior, path: str | None = None) -> Initializer:
    """The stems of a mask network (:mod:`diffsep.masknet`; the shipped one without ``path``). When
    ``prior``'s rate differs from the network's, the mixture is resampled to it and the stems back,
    and what lies above the network's band is shared among them by power: they add up to the mixture."""
    from diffsep.io.audio import resample
    from diffsep.masknet import load, shipped
    from diffsep.tensors import fitted, shared_by_power

    net = shipped() if path is None else load(path)
    if [s.lower() for s in net.stems] != [s.lower() for s in prior.stems]:
        raise DiffsepError(f"the mask network separates {net.stems}, this prior {prior.stems}: "
                           "pass one trained on the prior's stems (`diffsep train-masknet --stems`) or --init wiener")
    rate, own = prior.sample_rate, net.sample_rate

    @torch.no_grad()
    def separate(mixture: Tensor) -> Tensor:
        model = net.to(mixture.device)
        if rate == own:
            return model(mixture.float())
        stems = model(resample(mixture.float().cpu(), rate, own).to(mixture.device))
        back = resample(stems.flatten(0, 1).cpu(), own, rate).reshape(*stems.shape[:2], -1)
        back = fitted(back, mixture.shape[-1]).to(mixture.device)
        return shared_by_power(back, mixture[:, None] - back.sum(1, keepdim=True))  # above its Nyquist frequency

    return separate


def named(init: str) -> bool:
    """Whether ``init`` names a first separator (:data:`NAMED`, or a mask network's file), not a folder of stems."""
    return init.lower() in NAMED or init.lower().endswith(".safetensors")


def reads_context(init: str) -> bool:
    """Whether ``init`` names a mask network: its LSTM reads the whole of what it is given, so it
    separates better from longer excerpts than the prior's segments (the Wiener filter does not)."""
    return named(init) and init.lower() != "wiener"


def first_separator(init: str, prior: Prior) -> Initializer:
    """The first separator ``init`` names (:func:`named`), for ``prior``'s rate and stems."""
    if not named(init):
        raise DiffsepError(f"unknown init {init!r}: use {STARTS_TEXT}, a folder of stems, or a tensor of stems")
    name = init.lower()
    return wiener(prior) if name == "wiener" else masknet(prior, None if name == "masknet" else init)


def initial_stems(init: Init, mixture: Tensor, prior: Prior) -> Tensor:
    """Resolve ``init`` for ``mixture`` ``[B, T]`` into stems ``[B, S, T]`` on its device."""
    if isinstance(init, str):
        init = first_separator(init, prior)
    stems = init if isinstance(init, Tensor) else init(mixture)
    expected = [mixture.shape[0], len(prior.stems), mixture.shape[-1]]
    if list(stems.shape) != expected:
        raise DiffsepError(f"initial stems must have shape {expected} ([batch, stems, samples]), got {list(stems.shape)}")
    return stems.to(mixture)
