"""Network configurations of audio-diffusion-pytorch 0.0.43's ``UNet1d``, by name.

``paper`` is MSDM's (the paper's configuration, about 405 M parameters with four stems); ``small``
(3 M parameters) trains on a CPU in an hour or two; ``wide`` is ``small`` with 1.5 times
its channels (7 M parameters); ``tiny`` is for tests. The number of
input channels is the number of stems and is set by the prior, never here.
"""

from __future__ import annotations

import math
from typing import Any

from diffsep.errors import DiffsepError

_COMMON = dict(
    kernel_multiplier_downsample=2,
    kernel_sizes_init=[1, 3, 7],
    use_nearest_upsample=False,
    use_skip_scale=True,
    use_attention_bottleneck=True,
    use_context_time=True,
)

NETWORK_SIZES: dict[str, dict[str, Any]] = {
    "paper": dict(
        channels=256, patch_blocks=1, patch_factor=16, multipliers=[1, 2, 4, 4, 4, 4, 4],
        factors=[4, 4, 4, 2, 2, 2], num_blocks=[2, 2, 2, 2, 2, 2], attentions=[False, False, False, True, True, True],
        attention_heads=8, attention_features=128, attention_multiplier=2, resnet_groups=8, **_COMMON,
    ),
    "small": dict(
        channels=32, patch_blocks=1, patch_factor=4, multipliers=[1, 2, 4, 4, 4], factors=[4, 4, 4, 2],
        num_blocks=[1, 1, 1, 1], attentions=[False, False, True, True],
        attention_heads=4, attention_features=32, attention_multiplier=2, resnet_groups=8, **_COMMON,
    ),
    "wide": dict(
        channels=48, patch_blocks=1, patch_factor=4, multipliers=[1, 2, 4, 4, 4], factors=[4, 4, 4, 2],
        num_blocks=[1, 1, 1, 1], attentions=[False, False, True, True],
        attention_heads=4, attention_features=48, attention_multiplier=2, resnet_groups=8, **_COMMON,
    ),
    "tiny": dict(
        channels=8, patch_blocks=1, patch_factor=2, multipliers=[1, 2, 2], factors=[2, 2],
        num_blocks=[1, 1], attentions=[False, True],
        attention_heads=2, attention_features=8, attention_multiplier=2, resnet_groups=4, **_COMMON,
    ),
}


def network_config(size: str, in_channels: int) -> dict[str, Any]:
    """The full ``UNet1d`` keyword arguments of ``size`` for ``in_channels`` stems."""
    if size not in NETWORK_SIZES:
        raise DiffsepError(f"unknown network size {size!r}; choose one of {', '.join(NETWORK_SIZES)} (--network)")
    return {"in_channels": in_channels, **NETWORK_SIZES[size]}


def length_multiple(config: dict[str, Any]) -> int:
    """Signal lengths the network accepts are multiples of this (patching x downsampling)."""
    return config["patch_factor"] * math.prod(config["factors"])
