"""What a run over many files did: the files written and, per failed input, why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from diffsep.errors import DiffsepError


@dataclass
class Report:
    """What a run did: the files written and, per failed input, why."""

    written: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """Per failed input, why, in words that name the input."""

    def raise_failures(self, total: int) -> None:
        """One error naming every failed track (the message of a single failure as it is)."""
        if len(self.failed) == 1 and total == 1:
            raise DiffsepError(next(iter(self.failed.values())))
        if self.failed:
            lines = "".join(f"\n  {reason}" for reason in self.failed.values())
            raise DiffsepError(f"{len(self.failed)} of {total} tracks failed (the others were written):{lines}")
