"""The learning rate's schedule of every training loop here: a linear warm-up, then constant or a
half cosine down to zero."""

from __future__ import annotations

import math


def learning_rate_factor(warmup: int, decay: str, steps: int, step: int) -> float:
    """The learning rate's multiplier at optimizer ``step``: a linear warm-up over ``warmup`` steps,
    then constant (``decay="constant"``) or a half cosine down to zero at ``steps`` (``"cosine"``)."""
    if step < warmup:
        return (step + 1) / warmup
    if decay == "constant":
        return 1.0
    done = min(1.0, (step - warmup) / max(1, steps - warmup))
    return 0.5 * (1.0 + math.cos(math.pi * done))
