"""``diffsep data synth``: a mini-Slakh data set, deterministic for a seed whatever the workers.

Track i's song comes from the seed sequence ``(seed, i)`` alone, so the same files come out
with one worker or many.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from diffsep.data.layout import prepare_output, split_of, track_name, write_manifest, write_track
from diffsep.data.parts import compose
from diffsep.data.render import level, render_instruments


@dataclass(frozen=True)
class SynthConfig:
    """What ``diffsep data synth`` makes."""

    out: Path
    tracks: int = 100
    seconds: float = 12.0
    seed: int = 0
    sample_rate: int = 22050

    def track_seed(self, index: int) -> int:
        """One seed per track from ``(seed, index)``, independent of scheduling."""
        return int(np.random.SeedSequence([self.seed, index]).generate_state(1)[0])


def render_song(seed: int, seconds: float, sample_rate: int) -> tuple[dict[str, np.ndarray], object, dict]:
    """``(stems, midi, metadata)`` of one procedural song, levelled so the mix never clips."""
    midi, song = compose(seed, seconds)
    length = int(round(seconds * sample_rate))
    stems = {instrument.name: render_instruments([instrument], sample_rate, length) for instrument in midi.instruments}
    return level(stems), midi, {**song.to_dict(), "sample_rate": sample_rate, "source": "diffsep procedural composer"}


def _make_track(config: SynthConfig, index: int) -> str:
    split = split_of(index, config.tracks)
    folder = config.out / split / track_name(index)
    stems, midi, metadata = render_song(config.track_seed(index), config.seconds, config.sample_rate)
    write_track(folder, stems, config.sample_rate, {**metadata, "track": track_name(index), "split": split})
    midi.write(str(folder / "song.mid"))
    return split


def synthesize(config: SynthConfig, workers: int = 1, overwrite: bool = False, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write ``config.tracks`` tracks; returns the number per split."""
    prepare_output(config.out, overwrite)
    counts: dict[str, int] = {}
    for split in _run(config, workers):
        counts[split] = counts.get(split, 0) + 1
        if progress is not None:
            progress(1)
    write_manifest(config.out, {"source": "mini-slakh", "seed": config.seed, "tracks": config.tracks,
                                "seconds": config.seconds, "sample_rate": config.sample_rate, "splits": counts})
    return counts


def _run(config: SynthConfig, workers: int) -> Iterator[str]:
    indices = range(config.tracks)
    if workers <= 1:
        yield from (_make_track(config, index) for index in indices)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_make_track, [config] * config.tracks, indices, chunksize=1)
