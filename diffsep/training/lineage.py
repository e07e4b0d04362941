"""What a prior's weights have behind them, carried across chained runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Lineage:
    """What a prior's weights have behind them, over every run that led to them (``--init-from``
    chains runs): optimizer steps, CPU-hours (process time summed over ranks; on a GPU the host's),
    and the data sets (their ``dataset.json``)."""

    training_steps: int = 0
    cpu_hours: float = 0.0
    data: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, metadata: dict[str, Any]) -> "Lineage":
        return cls(int(metadata.get("training_steps", 0)), float(metadata.get("cpu_hours", 0.0)), tuple(metadata.get("data", ())))

    def extended(self, steps: int, cpu_seconds: float, *data: dict[str, Any]) -> "Lineage":
        """This lineage after ``steps`` more steps in ``cpu_seconds`` on the data sets ``data``."""
        sets = list(self.data)
        for manifest in data:  # each set once, however often it was given
            if manifest not in sets:
                sets.append(manifest)
        return Lineage(self.training_steps + steps, round(self.cpu_hours + cpu_seconds / 3600, 4), tuple(sets))
