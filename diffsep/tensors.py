"""Broadcasting helpers: noise levels per batch item, never ``reshape(-1, 1, 1, 1)``."""

from __future__ import annotations

import torch
from torch import Tensor

from diffsep.types import Sigma


def per_item(sigma: Sigma, x: Tensor) -> Tensor:
    """``sigma`` as a ``[B]`` tensor of ``x``'s dtype and device."""
    sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device)
    return sigma.expand(x.shape[0]) if sigma.ndim == 0 else sigma


def expand_as(values: Tensor, x: Tensor) -> Tensor:
    """A ``[B]`` tensor viewed as ``[B, 1, ..., 1]`` to broadcast against ``x``."""
    return values.reshape(values.shape + (1,) * (x.ndim - values.ndim))
