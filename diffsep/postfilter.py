"""A Wiener post-filter: the mixture shared out by masks made from the estimated stems.

Each estimated stem's power in each time-frequency bin, over the sum of all of them, is a soft
mask; the stems written are the mixture's STFT times each mask. It is the single Wiener step
that Open-Unmix and Demucs can end with (``norbert.wiener`` / ``softmask``). It is applied to the
mean of the posterior samples (after any blend), so it keeps what the estimates agree on and
gives each bin of the mixture to the stems that sound there. The masks add up to one, so the
stems add up to the mixture. ``diffsep run --band masks`` shares the input out by the same masks
at its own rate (:mod:`diffsep.separation.fullband`), so the run applies this filter only where those
masks do not follow.
"""

from __future__ import annotations

from typing import Sequence

from torch import Tensor

from diffsep import masking
from diffsep.tensors import power_shares

N_FFT = 2048
"""The STFT of the masks at the shipped prior's 11025 Hz: 186 ms windows, hop a quarter of it."""


def wiener_postfilter(stems: Tensor, mixture: Tensor, known: Sequence[int] = (), n_fft: int = N_FFT) -> Tensor:
    """``stems`` ``[..., S, T]`` re-estimated from ``mixture`` ``[..., T]`` by their power masks;
    the stems at indices ``known`` are given: they are kept and taken out of the mixture first."""
    free = [i for i in range(stems.shape[-2]) if i not in set(known)]
    if not free:
        return stems
    rest = mixture - stems[..., list(known), :].sum(-2) if known else mixture
    n_fft = min(n_fft, _power_of_two_below(stems.shape[-1]))
    waves = masking.shared_out(rest, power_shares(masking.power(stems[..., free, :], n_fft), -3), n_fft)
    out = stems.clone()
    out[..., free, :] = waves
    return out


def _power_of_two_below(length: int) -> int:
    return 1 << max(length.bit_length() - 1, 4)
