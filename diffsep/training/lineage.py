"""What a prior's weights have behind them, carried across chained runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LATER_DEFAULTS: dict[str, Any] = {"one_soundfont": 0.0}
"""Manifest keys added after sets were rendered, with the value that means "as before": a set
rendered again after the key came, at that value, is the same set."""


def identity(manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` without the keys of :data:`LATER_DEFAULTS` at their default: what tells sets apart."""
    return {key: value for key, value in manifest.items() if LATER_DEFAULTS.get(key, object()) != value}


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
        sets, seen = list(self.data), [identity(known) for known in self.data]
        for manifest in data:  # each set once, however often it was given, or rendered again
            if identity(manifest) not in seen:
                sets.append(manifest)
                seen.append(identity(manifest))
        return Lineage(self.training_steps + steps, round(self.cpu_hours + cpu_seconds / 3600, 4), tuple(sets))
