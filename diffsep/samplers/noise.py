"""Random draws with one generator per batch item, so a seeded result never depends on the batch.

On the CPU the items are drawn in parallel threads (a generator draws serially, and the draws are
most of a sampler's own cost); each item still comes from its own generator alone, so the values
are those of a serial draw, bit for bit.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence, Union

import torch
from torch import Tensor

Seeds = Union[int, Sequence[int], torch.Generator, Sequence[torch.Generator], None]


def generators(batch: int, seed: Seeds, device: torch.device | str = "cpu") -> list[torch.Generator]:
    """One generator per item: item ``j`` of an int seed ``s`` uses seed ``s + j``.

    A list of seeds or generators gives each item its own; ``None`` draws fresh seeds.
    """
    if isinstance(seed, torch.Generator):
        seed = [seed]
    if seed is None:
        seed = int(torch.randint(0, 2**62, (1,)).item())
    if isinstance(seed, int):
        seed = [seed + j for j in range(batch)]
    items = list(seed)
    if len(items) != batch:
        raise ValueError(f"need one seed or generator per batch item ({batch}), got {len(items)}")
    if all(isinstance(item, torch.Generator) for item in items):
        return items  # type: ignore[return-value]
    return [torch.Generator(device=device).manual_seed(int(item)) for item in items]  # type: ignore[arg-type]


@functools.lru_cache(maxsize=None)
def _pool(threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(threads, thread_name_prefix="diffsep-noise")


def _fill(item: Tensor, generator: torch.Generator, inference: bool) -> None:
    with torch.inference_mode(inference):  # grad modes are per thread: carry the caller's
        item.normal_(generator=generator)


class NoiseSampler:
    """Standard normal noise of a fixed per-item shape, each item from its own generator."""

    def __init__(self, gens: Sequence[torch.Generator], shape: Sequence[int], dtype: torch.dtype, device: torch.device) -> None:
        self.gens = list(gens)
        self.shape = tuple(shape)
        self.dtype = dtype
        self.device = torch.device(device)

    def __call__(self) -> Tensor:
        out = torch.empty((len(self.gens), *self.shape), dtype=self.dtype, device=self.device)
        threads = min(torch.get_num_threads(), len(self.gens))
        inference = torch.is_inference_mode_enabled()
        if self.device.type != "cpu" or threads < 2:
            for item, generator in zip(out, self.gens):
                _fill(item, generator, inference)  # in place: no per-item tensors to stack
        else:
            list(_pool(threads).map(_fill, out, self.gens, [inference] * len(self.gens)))
        return out

    @classmethod
    def like(cls, x: Tensor, seed: Seeds) -> "NoiseSampler":
        """A sampler for tensors shaped like ``x`` (``[B, ...]``)."""
        return cls(generators(x.shape[0], seed, x.device), x.shape[1:], x.dtype, x.device)
