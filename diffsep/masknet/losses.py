"""What a mask network is trained to minimise, by name (``diffsep train-masknet --loss``).

- ``l1``: the L1 distance of each stem's estimated STFT to its own, over the stems' mean
  magnitude. The masks learn the phase-sensitive target and quiet songs weigh as much as loud
  ones, but a quiet stem weighs less than a loud one in the same window, and sharp masks pay.
- ``sdr``: minus the SDR of each stem's waveform, averaged over the stems that play in the
  window: every stem counts alike whatever its level, as it does in the SI-SDR separation is
  judged by. It is MixIT's thresholded SNR (Wisdom et al., 2020): the error is floored at
  ``-CEILING_DB`` below the stem, so a stem already separated to that point gives no more
  gradient and one window cannot outweigh the rest. Not the scale-invariant SI-SDR itself: its
  projection onto the reference makes the gradient grow without bound as a stem's estimate
  shrinks towards zero, which a softmax over stems often makes it, while a mask's level is part
  of what it gets wrong (what one stem lacks, another holds).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from diffsep.masknet.network import MaskNet

CEILING_DB = 30.0
"""The SDR beyond which a stem's estimate earns nothing more."""
SILENT_DB = -40.0
"""A stem this far (or more) below its window's mixture in energy is silent there: not scored."""
_EPS = 1e-8


def spectral_l1(net: MaskNet, stems: Tensor) -> Tensor:
    """The L1 distance of the estimated stems' STFTs to the true ones, over the true ones' mean magnitude."""
    mixture = net.spectrum(stems.sum(1))
    target = net.spectrum(stems)
    return (net.estimate(mixture) - target).abs().mean() / (target.abs().mean() + _EPS)


def thresholded_sdr(estimate: Tensor, reference: Tensor, ceiling_db: float = CEILING_DB) -> Tensor:
    """SDR in dB over the last axis, at most ``ceiling_db``: the error's energy is floored at
    ``10^(-ceiling_db / 10)`` of the reference's."""
    power = reference.square().sum(-1)
    error = (reference - estimate).square().sum(-1)
    return 10 * torch.log10(power + _EPS) - 10 * torch.log10(error + 10 ** (-ceiling_db / 10) * power + _EPS)


def playing(stems: Tensor, silent_db: float = SILENT_DB) -> Tensor:
    """``[B, S]`` True where a stem of ``stems [B, S, T]`` is within ``silent_db`` of its mixture's energy."""
    return stems.square().sum(-1) > 10 ** (silent_db / 10) * stems.sum(1).square().sum(-1, keepdim=True)


def waveform_sdr(net: MaskNet, stems: Tensor) -> Tensor:
    """Minus the mean thresholded SDR of the separated stems that play (zero, with a gradient
    of zero, in a batch where none does)."""
    estimate = net(stems.sum(1))
    scored = playing(stems)
    return -thresholded_sdr(estimate, stems)[scored].mean() if scored.any() else estimate.sum() * 0


LOSSES: dict[str, Callable[[MaskNet, Tensor], Tensor]] = {"l1": spectral_l1, "sdr": waveform_sdr}
