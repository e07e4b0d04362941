"""A second stage: a mask network that reads another separator's masks beside the mixture and corrects them.

It sits over a frozen first stage (a mask network or a bag of them): each frame's features are
the mixture's log-magnitude spectrum and the first stage's masks, and its logits are added to the
logarithm of those masks before the softmax over the stems. Its last layer starts at zero, so
before any training it returns the first stage's masks exactly, and training moves it only where
the correction pays on the training songs. The first stage stays frozen and in eval mode.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from diffsep.masknet.network import MaskNet, MaskSeparator

FLOOR = 1e-4
"""The least first-stage mask whose logarithm is taken: a stem masked out entirely can come back."""


class SecondStage(MaskNet):
    """``first``'s masks corrected by an LSTM of :class:`MaskNet`'s shape (``hidden``, ``layers``)
    that reads them beside the mixture."""

    def __init__(self, first: MaskSeparator, hidden: int = 256, layers: int = 2) -> None:
        super().__init__(first.stems, first.sample_rate, first.n_fft, first.hop, hidden, layers)
        bins = self.n_fft // 2 + 1
        self.inp[0] = nn.Linear((1 + len(self.stems)) * bins, hidden)
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)
        self.first = first.eval().requires_grad_(False)

    def masks(self, spec: Tensor) -> Tensor:
        with torch.no_grad():
            first = self.first.masks(spec).permute(0, 3, 1, 2)  # [B, N, S, F]
        features = torch.cat([self.features(spec), first.flatten(2)], -1)
        return self.masks_of(features, first.clamp_min(FLOOR).log())

    def train(self, mode: bool = True) -> "SecondStage":
        super().train(mode)
        self.first.eval()  # the first stage's dropout stays off: it is not trained
        return self
