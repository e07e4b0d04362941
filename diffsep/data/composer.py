"""A procedural composer: one song of four parts that share key, tempo, meter, chords and groove.

Everything is drawn from one seed. The parts follow Slakh's classes: bass (programs 32-39) on the
chord roots and the kick's groove, drums on the percussion channel, piano voicings (0-7) and
guitar strums or arpeggios (24-31) on the same chords and beat. Sections switch parts on and off,
so a stem is sometimes silent, as in Slakh.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
PROGRESSIONS = {  # scale degrees, one chord per bar
    "major": ((0, 4, 5, 3), (5, 3, 0, 4), (0, 3, 4, 3), (1, 4, 0, 0), (0, 5, 3, 4)),
    "minor": ((0, 5, 2, 6), (0, 3, 4, 0), (0, 6, 5, 6), (0, 3, 6, 2)),
}
KICK, SNARE, HAT, OPEN_HAT, CRASH, TOMS = 36, 38, 42, 46, 49, (45, 47, 50)
SECTION_BARS = 2


@dataclass(frozen=True)
class Song:
    """What the composer decided; saved as the track's metadata."""

    seed: int
    key: int
    mode: str
    tempo: float
    beats_per_bar: int
    progression: tuple[int, ...]
    programs: dict[str, int]
    sections: list[dict[str, bool]]
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


class Composer:
    """Writes one song (a ``pretty_midi.PrettyMIDI``) of ``seconds`` from ``rng``."""

    def __init__(self, rng: np.random.Generator, seconds: float) -> None:
        self.rng = rng
        self.seconds = seconds
        self.key = int(rng.integers(0, 12))
        self.mode = "major" if rng.random() < 0.6 else "minor"
        self.tempo = float(rng.uniform(70, 160))
        self.beats_per_bar = 4 if rng.random() < 0.75 else 3
        self.progression = PROGRESSIONS[self.mode][rng.integers(len(PROGRESSIONS[self.mode]))]
        self.beat = 60.0 / self.tempo
        self.bars = int(np.ceil(seconds / (self.beat * self.beats_per_bar))) + 1
        self.groove = self._groove()
        self.sections = [self._arrangement() for _ in range(0, self.bars, SECTION_BARS)]

    def _groove(self) -> list[float]:
        """Kick positions in beats within a bar, shared by the bass line."""
        if self.beats_per_bar == 3:
            return [0.0] if self.rng.random() < 0.5 else [0.0, 2.0]
        patterns = ([0.0, 2.0], [0.0, 1.5, 2.0], [0.0, 2.5], [0.0, 0.5, 2.0, 3.5], [0.0, 1.0, 2.0, 3.0])
        return list(patterns[self.rng.integers(len(patterns))])

    def _arrangement(self) -> dict[str, bool]:
        """Which parts play in a section: each usually on, never fewer than two."""
        while True:
            active = {part: bool(self.rng.random() < 0.85) for part in ("bass", "drums", "guitar", "piano")}
            if sum(active.values()) >= 2:
                return active

    def chord(self, bar: int) -> list[int]:
        """Pitch classes (relative to C) of the bar's triad, root first."""
        scale = MAJOR if self.mode == "major" else MINOR
        degree = self.progression[bar % len(self.progression)]
        return [(self.key + scale[(degree + step) % 7]) % 12 for step in (0, 2, 4)]

    def time(self, bar: int, beat: float) -> float:
        """Seconds at a bar and beat, with a small human timing error (up to ~8 ms)."""
        jitter = float(self.rng.normal(0, 0.004))
        return max(0.0, (bar * self.beats_per_bar + beat) * self.beat + jitter)

    def velocity(self, base: int) -> int:
        return int(np.clip(base + self.rng.normal(0, 8), 20, 127))

    def active(self, part: str, bar: int) -> bool:
        return self.sections[bar // SECTION_BARS][part]

    def song(self, seed: int, programs: dict[str, int]) -> Song:
        return Song(seed, self.key, self.mode, round(self.tempo, 2), self.beats_per_bar, tuple(self.progression),
                    programs, self.sections, self.seconds)
