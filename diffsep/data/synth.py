"""``diffsep data synth``: a mini-Slakh data set, deterministic for a seed whatever the workers.

Track i's song, and the timbre (SoundFont and preset) of each of its stems, come from the seed
sequence ``(seed, i)`` alone, so the same files come out with one worker or many.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Protocol

import numpy as np

from diffsep.data.layout import prepare_output, split_of, track_name, write_manifest, write_track
from diffsep.data.parts import compose
from diffsep.data.render import RENDER_RATE, level, render_stems, rendering
from diffsep.data.soundfonts import Palette
from diffsep.errors import DiffsepError

TIMBRE_STREAM = 1
"""The song's timbres are drawn from ``(track seed, TIMBRE_STREAM)``, apart from its notes."""


@dataclass(frozen=True)
class SynthConfig:
    """What ``diffsep data synth`` makes."""

    out: Path
    tracks: int = 100
    seconds: float = 12.0
    seed: int = 0
    sample_rate: int = 22050
    soundfonts: tuple[str, ...] = ()
    """``[STEM=]PATH`` of each SoundFont or folder to draw from; none: pretty_midi's TimGM6mb."""
    one_soundfont: float = 0.0
    """The share of songs whose stems all play one SoundFont (:meth:`Palette.band`)."""
    render_rate: int = RENDER_RATE
    """The rate the synthesizers play at before resampling (:func:`~diffsep.data.render.render_stems`)."""
    palette: Palette = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "palette", Palette.load(self.soundfonts, self.one_soundfont))

    def track_seed(self, index: int) -> int:
        """One seed per track from ``(seed, index)``, independent of scheduling."""
        return track_seed(self.seed, index)

    def make_track(self, index: int) -> str:
        """Write track ``index`` (its stems, mixture, metadata and MIDI); returns its split."""
        split = split_of(index, self.tracks)
        folder = self.out / split / track_name(index)
        stems, midi, metadata = self.song(self.track_seed(index))
        write_track(folder, stems, self.sample_rate, {**metadata, "track": track_name(index), "split": split})
        midi.write(str(folder / "song.mid"))
        return split

    def song(self, seed: int) -> tuple[dict[str, np.ndarray], object, dict]:
        """``(stems, midi, metadata)`` of the track drawn from ``seed``: a procedural song."""
        return render_song(seed, self.seconds, self.sample_rate, self.palette, self.render_rate)

    def rendering(self) -> dict[str, int]:
        """The rate a track is written at and the rate its synthesizers play at, as its metadata says."""
        return rendering(self.sample_rate, self.render_rate)

    def manifest(self, counts: dict[str, int]) -> dict:
        return {"source": "mini-slakh", "seed": self.seed, "tracks": self.tracks, "seconds": self.seconds,
                **self.rendering(), "splits": counts, "soundfonts": self.palette.describe(), "one_soundfont": self.one_soundfont}


def track_seed(seed: int, index: int) -> int:
    """One seed per track from ``(seed, index)``, independent of scheduling."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def render_song(seed: int, seconds: float, sample_rate: int, palette: Palette | None = None,
                render_rate: int = RENDER_RATE) -> tuple[dict[str, np.ndarray], object, dict]:
    """``(stems, midi, metadata)`` of one procedural song, levelled so the mix never clips; each
    stem plays a preset drawn from ``palette`` (default: pretty_midi's TimGM6mb)."""
    midi, song = compose(seed, seconds)
    palette = palette or Palette.load()
    rng = np.random.default_rng([seed, TIMBRE_STREAM])
    band = palette.band(rng)
    presets = {i.name: palette.draw(rng, i.name, [None if i.is_drum else i.program], band)[0] for i in midi.instruments}
    length = int(round(seconds * sample_rate))
    stems = render_stems({i.name: ([i], [presets[i.name]]) for i in midi.instruments}, sample_rate, length, render_rate)
    timbres = {name: preset.describe() for name, preset in presets.items()}
    return level(stems), midi, {**song.to_dict(), "timbres": timbres, **rendering(sample_rate, render_rate),
                                "source": "diffsep procedural composer"}


class TrackMaker(Protocol):
    """A data set's recipe: ``tracks`` tracks under ``out``, each written by ``make_track``."""

    out: Path
    tracks: int

    def make_track(self, index: int) -> str: ...

    def rendering(self) -> dict[str, int]: ...

    def manifest(self, counts: dict[str, int]) -> dict: ...


def synthesize(config: TrackMaker, workers: int = 1, overwrite: bool = False, progress: Callable[[int], None] | None = None,
               resume: bool = False) -> dict[str, int]:
    """Write ``config.tracks`` tracks (in parallel processes with ``workers`` > 1); returns the
    number per split, and writes the set's manifest. With ``resume``, the tracks already complete
    in ``config.out`` are kept (a track depends on the seed and its index alone, whatever the
    number of tracks) and those that are not this set's are removed."""
    prepare_output(config.out, overwrite or resume)
    folders = {index: config.out / split_of(index, config.tracks) / track_name(index) for index in range(config.tracks)}
    kept = {index for index, folder in folders.items() if resume and _complete(folder)}
    if resume:
        _check_rendering(config.rendering(), [folders[index] for index in sorted(kept)])
        for folder in set(config.out.glob("*/Track*")) - {folders[index] for index in kept}:
            shutil.rmtree(folder)
    counts: dict[str, int] = {}
    for split in [split_of(index, config.tracks) for index in sorted(kept)] + list(_run(config, workers, sorted(set(folders) - kept))):
        counts[split] = counts.get(split, 0) + 1
        if progress is not None:
            progress(1)
    write_manifest(config.out, config.manifest({split: counts[split] for split in ("train", "validation", "test") if split in counts}))
    return counts


def _complete(folder: Path) -> bool:
    """Whether a track was written whole (its MIDI file is written last)."""
    return (folder / "metadata.json").is_file() and (folder / "song.mid").is_file()


def _check_rendering(wanted: dict[str, int], folders: list[Path]) -> None:
    """Refuse to resume a set whose tracks were rendered at other rates: the set would mix two
    renderings. Tracks written before ``--render-rate`` existed were played at their own rate."""
    for folder in folders:
        metadata = json.loads((folder / "metadata.json").read_text())
        found = {"sample_rate": metadata.get("sample_rate"), "render_rate": metadata.get("render_rate", metadata.get("sample_rate"))}
        if found != wanted:
            raise DiffsepError(
                f"{str(folder.parent.parent)!r} holds tracks written at {found['sample_rate']} Hz from synthesizers playing at "
                f"{found['render_rate']} Hz ({folder.name}); resume with --sample-rate {found['sample_rate']} --render-rate "
                f"{found['render_rate']}, as the set was begun, or render into another --out")


def _make_track(config: TrackMaker, index: int) -> str:
    return config.make_track(index)


def _run(config: TrackMaker, workers: int, indices: list[int]) -> Iterator[str]:
    if workers <= 1:
        yield from (config.make_track(index) for index in indices)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_make_track, [config] * len(indices), indices, chunksize=1)
