"""Sharding a folder of tracks across processes started by ``torchrun`` or ``accelerate launch``.

Each process takes every ``world``-th track from its rank on, so each track is done exactly once;
results do not depend on the split (seeds depend on the segment, never on the order of tracks).
Summaries are gathered over a gloo process group that is destroyed before the process exits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Sequence, TypeVar

import torch.distributed as dist

T = TypeVar("T")


@dataclass
class Shard:
    """This process's share of the work: ``rank`` of ``world`` (1 without a launcher)."""

    rank: int = 0
    world: int = 1
    _owns_group: bool = field(default=False, repr=False)

    @classmethod
    def from_env(cls) -> "Shard":
        """The rank and world size a launcher put in the environment (RANK, WORLD_SIZE)."""
        return cls(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)))

    @property
    def main(self) -> bool:
        return self.rank == 0

    def take(self, items: Sequence[T]) -> list[T]:
        return list(items[self.rank :: self.world])

    def gather(self, value: Any) -> list[Any]:
        """Every process's ``value``, in rank order, on every process."""
        if self.world == 1:
            return [value]
        if not dist.is_initialized():
            dist.init_process_group("gloo")
            self._owns_group = True
        values: list[Any] = [None] * self.world
        dist.all_gather_object(values, value)
        return values

    def close(self) -> None:
        """Destroy the process group this shard created (every rank, before exit)."""
        if self._owns_group and dist.is_initialized():
            dist.destroy_process_group()
            self._owns_group = False
