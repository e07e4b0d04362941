"""Broadcasting helpers: noise levels per batch item, never ``reshape(-1, 1, 1, 1)``; shares of a total;
signals fitted to a length."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from diffsep.errors import DiffsepError
from diffsep.types import Sigma


def per_item(sigma: Sigma, x: Tensor) -> Tensor:
    """``sigma`` as a ``[B]`` tensor of ``x``'s dtype and device."""
    sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device)
    return sigma.expand(x.shape[0]) if sigma.ndim == 0 else sigma


def expand_as(values: Tensor, x: Tensor) -> Tensor:
    """A ``[B]`` tensor viewed as ``[B, 1, ..., 1]`` to broadcast against ``x``."""
    return values.reshape(values.shape + (1,) * (x.ndim - values.ndim))


def power_shares(power: Tensor, dim: int) -> Tensor:
    """Each entry's share of the sum of ``power`` along ``dim`` (they add up to one); equal shares
    where the sum is zero. The masks of the post-filter and the whole band, the blend's correction."""
    total = power.sum(dim, keepdim=True)
    return torch.where(total > 0, power / torch.where(total > 0, total, 1.0), 1.0 / power.shape[dim])


def shared_by_power(stems: Tensor, residual: Tensor, over: Sequence[int] | None = None) -> Tensor:
    """``stems`` ``[B, S, T]`` plus each one's share of ``residual`` ``[B, 1, T]`` by its power (mean
    square over time); only the stems at ``over`` (default: all) take a share. What a start's band
    above its own and a blend's change of the stems' sum become."""
    chosen = list(range(stems.shape[1])) if over is None else list(over)
    share = torch.zeros_like(stems[..., :1])
    share[:, chosen] = power_shares(stems[:, chosen].square().mean(-1, keepdim=True), 1)
    return stems + share * residual


def as_rows(signal: Tensor, what: str, layout: str = "[batch, samples]") -> Tensor:
    """``signal`` ``[T]`` or ``[N, T]`` as float32 ``[N, T]``; anything else, or a sample that is not
    finite, is refused with one message naming ``what`` and the ``layout`` expected."""
    if not isinstance(signal, Tensor):
        raise DiffsepError(f"the {what} must be a torch tensor {layout}")
    signal = signal[None] if signal.ndim == 1 else signal
    if signal.ndim != 2:
        raise DiffsepError(f"the {what} must be {layout} or [samples], got shape {list(signal.shape)}")
    if not torch.isfinite(signal).all():
        raise DiffsepError(f"the {what} contains NaN or infinite samples")
    return signal.to(torch.float32)


def fitted(signal: Tensor, length: int) -> Tensor:
    """``signal`` ``[..., T]`` cut, or padded with silence, to ``length`` samples (what a resampler
    returns a sample short or long, or a file read beside another, made to match)."""
    return torch.nn.functional.pad(signal, (0, max(0, length - signal.shape[-1])))[..., :length]
