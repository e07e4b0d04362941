"""Exponential moving average of a model's weights (the weights exported for inference)."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn


class EMA:
    """``shadow = decay * shadow + (1 - decay) * weights`` after each optimizer step."""

    def __init__(self, model: nn.Module, decay: float = 0.999) -> None:
        self.decay = decay
        self.shadow = copy.deepcopy(model).eval().requires_grad_(False)

        self._averages = list(self.shadow.parameters())

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        weights = [weight.detach() for weight in model.parameters()]
        torch._foreach_lerp_(self._averages, weights, 1 - self.decay)  # one fused pass over all tensors
        for average, buffer in zip(self.shadow.buffers(), model.buffers()):
            average.copy_(buffer)

    def state_dict(self) -> dict[str, Any]:
        return {"decay": self.decay, "shadow": self.shadow.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.decay = state["decay"]
        self.shadow.load_state_dict(state["shadow"])
