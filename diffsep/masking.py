"""Sharing a signal out among stems by time-frequency masks: the step the Wiener post-filter
(:mod:`diffsep.postfilter`) and the whole band (:mod:`diffsep.separation.fullband`) both take.

Hann windows of ``n_fft`` samples, hop a quarter of it; masks ``[..., S, F, N]`` over the STFT's
bins and frames.
"""

from __future__ import annotations

import torch
from torch import Tensor


def power(x: Tensor, n_fft: int) -> Tensor:
    """``|STFT(x)|^2`` ``[..., F, N]`` of ``x`` ``[..., T]``."""
    spectrum = torch.stft(x.reshape(-1, x.shape[-1]), n_fft, n_fft // 4, window=_window(n_fft, x), return_complex=True)
    return spectrum.abs().square().reshape(*x.shape[:-1], *spectrum.shape[-2:])


def shared_out(x: Tensor, masks: Tensor, n_fft: int) -> Tensor:
    """``x`` ``[..., T]`` shared out by ``masks`` ``[..., S, F, N]`` (broadcast against ``x``'s
    leading dimensions): ``istft(mask_s * STFT(x))`` ``[..., S, T]``."""
    length, window = x.shape[-1], _window(n_fft, x)
    spectrum = torch.stft(x.reshape(-1, length), n_fft, n_fft // 4, window=window, return_complex=True)
    masked = masks * spectrum.reshape(*x.shape[:-1], 1, *spectrum.shape[-2:])
    waves = torch.istft(masked.reshape(-1, *masked.shape[-2:]), n_fft, n_fft // 4, window=window, length=length)
    return waves.reshape(*masked.shape[:-2], length)


def _window(n_fft: int, like: Tensor) -> Tensor:
    return torch.hann_window(n_fft, device=like.device, dtype=like.dtype)
